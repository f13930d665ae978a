#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bats-support's own test suite (from the upstream tarball of Debian's
# bats-support source package), run by Debian's bats with --formatter tap:
# native in the root, attested in a VM, and with one test of fail() made
# to fail (tests/suites/suite.bash).
set -u
. tests/suites/suite.bash
SUITE=bats
PACKAGES=bats
SOURCES=bats-support
AGENT=/opt/bats-support-0.3.0/src
RESULT=bats.tap
# shellcheck disable=SC2016 # expanded by the harness, not here
HARNESS='#!/bin/sh
# bats-support tests, bats writing TAP to the results directory
exec bats --formatter tap /opt/bats-support-0.3.0/test >"$VOUCH_RESULTS_DIR/bats.tap"'
# shellcheck disable=SC2016 # sed and bats words, not expansions
INJECT='opt/bats-support-0.3.0/test/51-error-10-fail.bats|0,/"$status" -eq 1/s//"$status" -eq 0/|fail() <message>: returns 1 and displays <message>'
suite_main
