#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The image tests that feed vouch image hostile and odd trees (flattening
# against umoci, 19 malicious archives, reproducibility, user mistakes),
# again with vouch built under ASan+UBSan (LeakSanitizer on): any report
# fails the test it happens in.
set -u
cd "$(dirname "$0")/../.." || exit 99
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
[ -x "$B/asan/bin/vouch" ] || { echo "Bail out! $B/asan/bin/vouch not built (make check builds it)"; exit 99; }
# fakeroot's LD_PRELOAD comes before the ASan runtime when vouch re-runs
# itself as another user; the order does not matter to what is checked
export VOUCH=$B/asan/bin/vouch
export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
n=0 failed=0
for t in flatten malicious repro cli; do
	out=$(bash "tests/image/$t.sh" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ $rc -eq 77 ]; then
		echo "ok $n - $t.sh under ASan+UBSan # SKIP $(echo "$out" | grep -m1 SKIP)"
	elif [ $rc -eq 0 ] && ! echo "$out" | grep -q -e 'Sanitizer' -e 'runtime error'; then
		echo "ok $n - $t.sh under ASan+UBSan ($(echo "$out" | grep -c '^ok') checks)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $t.sh under ASan+UBSan"
		echo "$out" | grep -e '^not ok' -e 'Sanitizer' -e 'runtime error' -e 'SUMMARY' | head -20 | sed 's/^/# /'
	fi
done
echo "1..$n"
[ $failed -eq 0 ]
