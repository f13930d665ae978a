#!/usr/bin/env bash
# A fuzz campaign: every target for MINUTES minutes (default 10) under
# ASan/UBSan, JOBS at a time (default 2), corpora kept in CORPUS
# (default build/fuzz-corpus), seeded from the committed vectors. Prints
# one line per target with its exec count; any crash input is kept and
# should become a regression vector in tests/vectors/bad/.
set -u
B=${B:-build}
minutes=${MINUTES:-10}
jobs=${JOBS:-2}
corpus=${CORPUS:-$B/fuzz-corpus}
mkdir -p "$corpus"
run_one() {
	local f=$1 name
	name=$(basename "$f")
	mkdir -p "$corpus/$name"
	"$f" -max_total_time=$((minutes * 60)) -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$corpus/$name-" "$corpus/$name" tests/vectors/good tests/vectors/bad \
		tests/vectors/evidence >"$corpus/$name.log" 2>&1
	local rc=$?
	printf '%-16s exit %d  %s\n' "$name" "$rc" \
		"$(grep -E '^#[0-9]+.*(DONE|pulse)' "$corpus/$name.log" | tail -1 | cut -c1-90)"
}
export -f run_one
export corpus minutes
ls "$B"/fuzz/fuzz_* | xargs -P "$jobs" -I{} bash -c 'run_one {}'
