#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Runs tests/xcheck/cbor2_check.py, the independent check of the test
# vectors, with Debian's python3 (which has python3-cbor2), not whatever
# python3 comes first on PATH. Run from the repository root; TAP on
# stdout; exit 0 pass, 1 fail, 77 skip, 99 hard error.

set -u

B=${B:-build}
PY=/usr/bin/python3

if [ ! -x "$PY" ]; then
	echo "1..0 # SKIP $PY is not installed"
	exit 77
fi
if [ ! -f tests/xcheck/cbor2_check.py ]; then
	echo "Bail out! run from the repository root"
	exit 99
fi
exec "$PY" tests/xcheck/cbor2_check.py
