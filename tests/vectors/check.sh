#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The committed vectors are what the code writes today: runs
# $B/tests/mkvectors into a temporary folder and compares every file with
# tests/vectors/good/ byte for byte (so any change of an encoder shows up
# here, and the vectors are regenerated on purpose, never by accident);
# then does the same for tests/vectors/mkbad.py and tests/vectors/bad/.
#
# Run from the repository root. TAP on stdout; exit 0 all passed, 1 some
# failed, 77 skipped, 99 hard error.

set -u

B=${B:-build}
MKVECTORS=$B/tests/mkvectors
PY=/usr/bin/python3
V=tests/vectors

if [ ! -x "$MKVECTORS" ] || [ ! -d "$V/good" ]; then
	echo "Bail out! $MKVECTORS not built, or not run from the repository root"
	exit 99
fi
tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 99; }
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# compare LABEL MADE COMMITTED: one row per file of either folder.
compare() {
	local label=$1 made=$2 committed=$3 f
	for f in $( (ls -A "$made"; ls -A "$committed") | sort -u); do
		if [ ! -e "$committed/$f" ]; then
			fail "$label/$f: written, but not committed"
		elif [ ! -e "$made/$f" ]; then
			fail "$label/$f: committed, but no longer written"
		elif cmp -s "$made/$f" "$committed/$f"; then
			pass "$label/$f"
		else
			fail "$label/$f: differs ($(cmp "$made/$f" "$committed/$f" 2>&1 | head -1))"
		fi
	done
}

mkdir "$tmp/good" "$tmp/bad"
if "$MKVECTORS" "$tmp/good"; then
	pass "mkvectors ran"
	compare good "$tmp/good" "$V/good"
else
	fail "mkvectors ran"
fi
# run twice: the output depends on nothing but the code
mkdir "$tmp/again"
if "$MKVECTORS" "$tmp/again" && diff -r "$tmp/good" "$tmp/again" > /dev/null; then
	pass "mkvectors writes the same bytes every time"
else
	fail "mkvectors writes the same bytes every time"
fi

if [ -x "$PY" ]; then
	if "$PY" "$V/mkbad.py" "$tmp/bad"; then
		pass "mkbad.py ran (its good messages are the committed good vectors)"
		compare bad "$tmp/bad" "$V/bad"
	else
		fail "mkbad.py ran (its good messages are the committed good vectors)"
	fi
else
	n=$((n + 1))
	echo "ok $n - bad vectors regenerated # SKIP $PY is not installed"
fi

echo "1..$n"
[ $failed -eq 0 ] && exit 0
exit 1
