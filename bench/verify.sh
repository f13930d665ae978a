#!/usr/bin/env bash
# host-verify's time on 1k/10k/100k-record bundles (bench/verify.c), against
# a baseline in the same invocation: bench/verify built from BASE (default
# main; BASE_BIN=path takes a built one instead), run alternately with this
# tree's, RUNS (default 5) times each, each run itself the median of 5.
# Prints the median over the runs of each figure, before and after, with
# the ratio; the same for this tree with the checkpoint signatures checked
# in the verifying thread (--workers 0), so the parallel checks show
# apart, and the verifying thread's own CPU time ("main ms": what the wall
# time tends to on an idle machine, the signatures on other cores). Then, on the same real quote, tpm2_checkquote's time as a
# reference line, and host-verify's on the whole honest bundle.
set -euo pipefail
B=${B:-build}
RUNS=${RUNS:-5}
BASE=${BASE:-main}
. "$(dirname "$0")/lib.bash"

base_bin=${BASE_BIN:-}
base_name=${BASE_BIN:-$BASE}
if [ -z "$base_bin" ]; then
	rev=$(git rev-parse --short "$BASE")
	base_name="$BASE ($rev)"
	mkdir "$tmp/base"
	git archive "$rev" | tar -x -C "$tmp/base"
	make -C "$tmp/base" -j2 B=build build/bench/verify >"$tmp/base.log" 2>&1 ||
		{ cat "$tmp/base.log" >&2; echo "bench/verify.sh: the baseline ($BASE) does not build" >&2; exit 1; }
	base_bin=$tmp/base/build/bench/verify
fi

# the rows "records verify_ms cpu_ms chain_Mrec/s ..." of each run, tagged
for r in $(seq "$RUNS"); do
	"$base_bin" | awk -v t=base '$1 ~ /^[0-9]+$/ {print t, $1, $2, $3, $4}' >>"$tmp/rows"
	"$B/bench/verify" | awk -v t=now '$1 ~ /^[0-9]+$/ {print t, $1, $2, $3, $4, $7}' >>"$tmp/rows"
	"$B/bench/verify" --workers 0 | awk -v t=serial '$1 ~ /^[0-9]+$/ {print t, $1, $2, $3, $4}' >>"$tmp/rows"
done
# col: 3 wall ms, 4 CPU ms, 5 chain M records/s, 6 (this tree) the verifying thread's CPU ms
fig() { awk -v t="$1" -v n="$2" '$1 == t && $2 == n {print $'"$3"'}' "$tmp/rows" | median; }
ratio() { echo "$1 $2" | awk '{printf "%.2fx", ($2 > 0) ? $1 / $2 : 0}'; }

echo "host-verify on bundles, this tree against $base_name, median of $RUNS runs x 5"
echo "  (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; goal: 100k records <= 50 ms, chain >= 2 M records/s)"
printf '  %7s  %22s  %22s  %24s  %9s  %12s\n' records "verify ms before/after" "CPU ms before/after" \
	"chain M rec/s before/after" "main ms" "serial sigs"
for n in 1000 10000 100000; do
	bw=$(fig base $n 3) nw=$(fig now $n 3) bc=$(fig base $n 4) nc=$(fig now $n 4)
	br=$(fig base $n 5) nr=$(fig now $n 5) sw=$(fig serial $n 3) nm=$(fig now $n 6)
	printf '  %7d  %7.2f %7.2f %6s  %7.2f %7.2f %6s  %7.2f %7.2f %8s  %9.2f  %9.2f ms\n' "$n" "$bw" "$nw" \
		"$(ratio "$bw" "$nw")" "$bc" "$nc" "$(ratio "$bc" "$nc")" "$br" "$nr" "$(ratio "$nr" "$br")" "$nm" "$sw"
done
# one line each for bench/summary.sh
printf '  figure: verify-100k-ms %.2f (before %.2f)\n' "$(fig now 100000 3)" "$(fig base 100000 3)"
printf '  figure: chain-Mrec/s %.2f (before %.2f)\n' "$(fig now 100000 5)" "$(fig base 100000 5)"
printf '  figure: verify-100k-cpu-ms %.2f (before %.2f; the verifying thread alone %.2f)\n' \
	"$(fig now 100000 4)" "$(fig base 100000 4)" "$(fig now 100000 6)"

"$B/tests/quote-vectors" "$tmp" >/dev/null
d=$tmp/good-a
for i in 1 2 3 4 5; do
	s=$(date +%s%N)
	tpm2_checkquote -u "$d/ak.pem" -m "$d/quote.msg" -s "$d/quote.sig" -g sha256 -q "$(cat "$d/qual.hex")" >/dev/null
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
done | sort -n | sed -n 3p | awk '{printf "  reference: tpm2_checkquote on the same quote (process included) %.2f ms\n", $1 / 1000}'
for i in 1 2 3 4 5; do
	s=$(date +%s%N)
	"$B/bin/host-verify" --bundle tests/vectors/evidence/honest-a.cbor --manifest tests/vectors/evidence/manifest.cbor \
		--ek tests/vectors/evidence/ek.pub --verifier-key tests/vectors/evidence/verifier.pem >/dev/null
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
done | sort -n | sed -n 3p | awk '{printf "  host-verify on the whole honest bundle (process included)       %.2f ms\n", $1 / 1000}'
