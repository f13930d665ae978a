#!/usr/bin/env bash
# The issue-15 figures against their goals, in one table (markdown), from
# the benchmarks' own output:
#   bench/summary.sh               runs every bench/*.sh (BENCHES="verify
#                                  hash" some of them), each output kept in
#                                  $B/bench-logs/NAME.log, then the table
#   bench/summary.sh --from DIR    the table from the logs in DIR alone
# A figure whose benchmark did not run, failed or printed no such line
# reads "-". Besides the fixed rows, any line "figure: NAME VALUE ..." of a
# log becomes a row of its own, so a benchmark can add to the table.
# `make bench` builds what the benchmarks need and runs this.
set -uo pipefail
B=${B:-build}
logs=$B/bench-logs
if [ "${1:-}" = --from ]; then
	logs=${2:?bench/summary.sh --from DIR}
else
	mkdir -p "$logs"
	all=$(cd "$(dirname "$0")" && ls ./*.sh | sed 's|^\./||; s|\.sh$||' | grep -vx -e lib -e summary)
	for name in ${BENCHES:-$all}; do
		echo "== bench/$name.sh"
		B=$B bash "bench/$name.sh" 2>&1 | tee "$logs/$name.log"
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 0 ] || echo "bench/$name.sh: exit $rc" | tee -a "$logs/$name.log"
	done
	echo
fi

log() { [ -f "$logs/$1.log" ] && cat "$logs/$1.log"; }
# phase MODE NAME: the phase's "+N after guest-init started" of that TPM mode
phase() {
	log guest_phases | awk -v mode="TPM via $1," -v p="$2" '
		index($0, mode) == 1 {m = 1; next}
		/^TPM via/ {m = 0}
		m && index($0, "  " p " ") == 1 && match($0, /\(\+[0-9.]+/) {print substr($0, RSTART + 2, RLENGTH - 2); exit}'
}
num() { grep -oE '[0-9]+(\.[0-9]+)?' | head -1; }
sub() { [ -n "$1" ] && [ -n "$2" ] && echo "$1 $2" | awk '{printf "%.1f", $1 - $2}'; }
# row FIGURE ISSUE NOW GOAL_OP GOAL UNIT: one line, "met" when NOW OP GOAL
row() {
	local met=-
	if [ -n "$3" ] && [ -n "$5" ]; then
		met=$(echo "$3 $5" | awk -v op="$4" '{ok = op == "<=" ? $1 <= $2 : $1 >= $2; print ok ? "yes" : "no"}')
	fi
	printf '| %s | %s | %s | %s %s %s | %s |\n' "$1" "$2" "${3:--}${3:+ $6}" "$4" "$5" "$6" "$met"
}

floor=$(log run_overhead | grep 'bare boot floor' | num)
launch=$(log run_overhead | grep 'vouch launch, trivial harness' | num)
ratio=$([ -n "$floor" ] && [ -n "$launch" ] && echo "$launch $floor" | awk '{printf "%.2f", $1 / $2}')
hs_relay=$(phase relay "harness started")
hs_device=$(phase device "harness started")
ch=$(phase relay "channel open")
akc=$(phase relay "AK created")
aka=$(phase relay "AK activated")
he=$(phase relay "harness ended")
verify=$(log verify | grep 'figure: verify-100k-ms' | awk '{print $3}')
chain=$(log verify | grep 'figure: chain-Mrec/s' | awk '{print $3}')

echo "issue 15 figures ($(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); logs: $logs)"
echo
echo '| figure | issue 15 | now | goal | met |'
echo '| --- | --- | --- | --- | --- |'
row "vouch launch of /bin/true vs bare boot floor" "1.77x" "$ratio" "<=" 1.25 x
row "guest-init start -> harness start, TPM relay" "392 ms" "$hs_relay" "<=" 120 ms
row "guest-init start -> harness start, TPM device" "443 ms" "$hs_device" "<=" 120 ms
row "of which: channel open" "87 ms" "$ch" "<=" 10 ms
act=$(sub "$aka" "$akc")
printf '| %s | %s | %s | %s | %s |\n' "of which: AK activation (relay)" "200 ms" \
	"${act:--}${act:+ ms}" "off the critical path" -
row "/bin/true harness: started -> ended" "233 ms" "$(sub "$he" "$(phase relay "harness started")")" "<=" 50 ms
row "host-verify, 100k records (390 checkpoints)" "153 ms" "$verify" "<=" 50 ms
row "host-verify record chain" "1.07 M/s" "$chain" ">=" 2 M/s
# bench/trees_by_verity.sh prints "figure: tree-30MB-s N" for its largest tree
row "measuring a 30 MB harness tree in the guest" "4.2 s" \
	"$(cat "$logs"/*.log 2>/dev/null | grep 'figure: tree-30MB-s' | awk '{print $3}' | head -1)" "<=" 0.5 s
log parallel | awk '$1 ~ /^[0-9]+$/ && $9 == "right" {split($8, v, "/");
	printf "| %d runs side by side: runs/min, p50/p95 ms, MiB/run | - | %s, %s/%s, %s | all verdicts right | %s |\n",
	$1, $3, $4, $5, $6, v[1] == v[2] ? "yes" : "no"}'
# any other figure a benchmark printed
for f in "$logs"/*.log; do
	[ -f "$f" ] || continue
	grep -oE 'figure: [^ ]+ .*' "$f" | grep -v -e 'verify-100k-ms' -e 'chain-Mrec/s' -e 'tree-30MB-s' |
		awk -v b="$(basename "$f" .log)" '{name = $2; $1 = $2 = ""; sub(/^ +/, ""); printf "| %s (%s) | - | %s | - | - |\n", name, b, $0}'
done
