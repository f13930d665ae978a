#!/usr/bin/env bash
# Every fuzz target replays the committed vectors (good and bad) and then
# fuzzes for a few seconds: no crash, no sanitizer report. Long campaigns
# are `make fuzz` and docs/fuzzing.md; this keeps the targets honest.
set -u
B=${B:-build}
n=0 fail=0
secs=${FUZZ_SECONDS:-3}
for f in "$B"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus=$(mktemp -d)
	n=$((n + 1))
	if "$f" -max_total_time="$secs" -max_len=4096 -timeout=10 "$corpus" tests/vectors/good tests/vectors/bad \
		>"$corpus.log" 2>&1; then
		echo "ok $n - $name: $(grep -oE '^#[0-9]+' "$corpus.log" | tail -1 | tr -d '#') runs, no crash"
	else
		echo "not ok $n - $name"
		grep -E 'ERROR|SUMMARY' "$corpus.log" | head -5 | sed 's/^/# /'
		fail=1
	fi
	rm -rf "$corpus" "$corpus.log"
done
[ $n -gt 0 ] || { echo "Bail out! no fuzz targets built"; exit 99; }
echo "1..$n"
exit $fail
