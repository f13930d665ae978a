#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Try::Tiny's own test suite (from the upstream tarball of Debian's
# libtry-tiny-perl source package) against the Try::Tiny Debian installs,
# run by prove with TAP::Formatter::JUnit: native in the root, attested in
# a VM, and with one test of t/basic.t made to fail
# (tests/suites/suite.bash).
set -u
. tests/suites/suite.bash
SUITE=prove
PACKAGES=libtry-tiny-perl,libtap-formatter-junit-perl
SOURCES=libtry-tiny-perl
AGENT=/usr/share/perl5/Try
RESULT=prove.xml
# shellcheck disable=SC2016 # expanded by the harness, not here
HARNESS='#!/bin/sh
# Try::Tiny tests (the installed module: no -l), prove writing JUnit XML
# to the results directory
cd /opt/Try-Tiny-0.31 || exit 2
exec prove --formatter TAP::Formatter::JUnit t >"$VOUCH_RESULTS_DIR/prove.xml"'
INJECT='opt/Try-Tiny-0.31/t/basic.t|s/is( try { 42 }, 42,/is( try { 42 }, 43,/|basic_t::3 - try block evaluated'
suite_main
