#!/usr/bin/env bash
# Launches side by side: for N = 1, 2, 4, 8 (NS="1 2 4 8") workers, each
# running K (default 3) launches of the sample back to back (vouch launch
# --manifest, TPM relay, the sample suite, judged at its end):
#   runs/min   the runs finished over the wall time of the N workers;
#   p50, p95   one launch's wall time, ms;
#   MiB/run    a run's QEMU + swtpm resident memory, the peak of samples
#              taken every 0.2 s, median over the runs;
#   host MiB   the peak of all runs' QEMU + swtpm memory together.
# Every verdict must be right (exit 0): a wrong one fails the benchmark.
# The runs live in a TMPDIR of this script's own.
set -euo pipefail
B=${B:-build}
K=${K:-3}
NS=${NS:-1 2 4 8}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null)
initrd=$B/guest/initramfs.cpio
rootfs=$B/samples/calc.img
. "$(dirname "$0")/lib.bash"
export TMPDIR=$tmp/runs
mkdir -p "$TMPDIR"
trees=()
while read -r name path digest; do trees+=(--tree "$name=$path=$digest"); done <"$rootfs.trees"
"$B/bin/vouch" manifest --image "$rootfs" --fstype erofs "${trees[@]}" --kernel "$kernel" --initrd "$initrd" \
	--tpm relay -o "$tmp/manifest.cbor" -- /opt/harness/run-tests >/dev/null
# pct P: the P-th percentile (nearest rank) of the numbers on stdin
pct() { sort -g | awk -v p="$1" '{a[NR]=$1} END {r=int((NR*p+99)/100); if (r<1) r=1; print a[r]}'; }

# worker W: K launches, one after another; "EXIT MS" per launch
worker() {
	local s e rc
	for k in $(seq "$K"); do
		s=$(date +%s%N)
		rc=0
		"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --tpm relay --quiet \
			--manifest "$tmp/manifest.cbor" --out "$tmp/out-$1-$k" -- /opt/harness/run-tests \
			>"$tmp/log-$1-$k" 2>&1 || rc=$?
		e=$(date +%s%N)
		echo "$rc $(((e - s) / 1000000))"
		[ "$rc" -eq 0 ] && rm -rf "$tmp/out-$1-$k" "$tmp/log-$1-$k"
	done >"$tmp/lat-$1"
}

# every 0.2 s: "SAMPLE RUNDIR RSS_KIB" for each QEMU and swtpm of a run
sampler() {
	local i=0 pid dir rss
	while :; do
		i=$((i + 1))
		for pid in $(pgrep -f "$TMPDIR/vouch-run-" || true); do
			dir=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -o 'vouch-run-[A-Za-z0-9]\{6\}' | head -1) || true
			rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || true
			[ -n "$dir" ] && [ -n "$rss" ] && echo "$i $dir $rss"
		done
		sleep 0.2
	done
}

printf 'launches side by side (vouch launch --manifest, TPM relay, the sample suite), %s per worker:\n' "$K"
# the host is shared: its load says how far to trust the figures
printf '  %d cores, load average %s before\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %2s %5s %9s %7s %7s %8s %9s  %s\n' N runs runs/min p50_ms p95_ms MiB/run host_MiB verdicts
bad=0
for N in $NS; do
	rm -f "$tmp"/lat-* "$tmp/mem"
	sampler >"$tmp/mem" &
	sp=$!
	s=$(date +%s%N)
	pids=()
	for w in $(seq "$N"); do
		worker "$w" &
		pids+=($!)
	done
	wait "${pids[@]}"
	e=$(date +%s%N)
	kill "$sp"
	wait "$sp" 2>/dev/null || true
	cat "$tmp"/lat-* >"$tmp/lat"
	runs=$(wc -l <"$tmp/lat")
	right=$(awk '$1 == 0' "$tmp/lat" | wc -l)
	p50=$(awk '{print $2}' "$tmp/lat" | pct 50)
	p95=$(awk '{print $2}' "$tmp/lat" | pct 95)
	rpm=$(awk -v r="$runs" -v ms=$(((e - s) / 1000000)) 'BEGIN {printf "%.1f", r * 60000 / ms}')
	# a run's peak: the largest sum over its processes in one sample
	per_run=$(awk '{s[$1" "$2] += $3} END {for (k in s) {split(k, a, " "); if (s[k] > m[a[2]]) m[a[2]] = s[k]} for (d in m) print m[d]}' "$tmp/mem" |
		median)
	host=$(awk '{s[$1] += $3} END {for (i in s) if (s[i] > m) m = s[i]; print m + 0}' "$tmp/mem")
	printf '  %2d %5d %9s %7d %7d %8d %9d  %d/%d right\n' "$N" "$runs" "$rpm" "$p50" "$p95" \
		$((${per_run:-0} / 1024)) $((host / 1024)) "$right" "$runs"
	if [ "$right" -ne "$runs" ]; then
		bad=1
		for f in "$tmp"/log-*; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -5; done
	fi
done
[ $bad -eq 0 ] || { echo "wrong verdicts: see above"; exit 1; }
