#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# simplejson's own test suite (Debian's python3-simplejson installs it),
# run by Debian's pytest with --junitxml: native in the root, attested in a
# VM, and with test_float made to fail (tests/suites/suite.bash).
set -u
. tests/suites/suite.bash
SUITE=pytest
PACKAGES=python3-pytest,python3-simplejson
SOURCES=
AGENT=/usr/lib/python3/dist-packages/simplejson
RESULT=pytest.xml
# shellcheck disable=SC2016 # expanded by the harness, not here
HARNESS='#!/bin/sh
# simplejson tests, pytest writing JUnit XML to the results directory
cd /usr/lib/python3/dist-packages || exit 2
exec python3 -B -m pytest -p no:cacheprovider -q \
	--junitxml="$VOUCH_RESULTS_DIR/pytest.xml" simplejson/tests'
INJECT='usr/lib/python3/dist-packages/simplejson/tests/test_decode.py|s/self.assertEqual(rval, 1.0)/self.assertEqual(rval, 2.0)/|simplejson.tests.test_decode.TestDecode::test_float'
# and as a plain run, the command given to vouch run (the README's way)
PLAIN="python3 -B -m pytest -p no:cacheprovider -q --junitxml=/run/vouch/results/pytest.xml simplejson/tests"
PLAIN_OPTS="--cwd /usr/lib/python3/dist-packages"
suite_main
