#!/usr/bin/env bash
# Tree hashing throughput of the shared library, glibc and musl builds,
# against `openssl speed -evp sha256` (the same SHA-256 code, no file
# system) in the same invocation. Prints medians of 5 runs and ratios.
set -euo pipefail
B=${B:-build}
size_mb=${SIZE_MB:-512}
runs=5
. "$(dirname "$0")/lib.bash"
mkdir -p "$tmp/tree"
for i in 1 2 3 4; do head -c $((size_mb / 4))M /dev/urandom >"$tmp/tree/f$i"; done
cat "$tmp"/tree/* >/dev/null # warm the page cache: we measure hashing, not the disk
rate() { # MB/s of one tree digest by $1
	local t0 t1
	t0=$(date +%s%N); "$1" tree "$tmp/tree" >/dev/null; t1=$(date +%s%N)
	echo "$size_mb $t0 $t1" | awk '{printf "%.0f\n", $1 * 1048576 / 1e6 / (($3 - $2) / 1e9)}'
}
ossl() { # MB/s (1e6 bytes) for 256 KiB blocks
	openssl speed -evp sha256 -bytes 262144 -seconds 2 2>/dev/null |
		awk '/^sha256/ {v=$NF; sub(/k$/, "", v); printf "%.0f\n", v * 1000 / 1e6}'
}
dgst() { # MB/s of `openssl dgst -sha256` over the same files (reads included)
	local t0 t1
	t0=$(date +%s%N); openssl dgst -sha256 "$tmp"/tree/* >/dev/null; t1=$(date +%s%N)
	echo "$size_mb $t0 $t1" | awk '{printf "%.0f\n", $1 * 1048576 / 1e6 / (($3 - $2) / 1e9)}'
}
o=$(for _ in $(seq $runs); do ossl; done | median)
d=$(for _ in $(seq $runs); do dgst; done | median)
g=$(for _ in $(seq $runs); do rate "$B/tests/mbcheck-glibc"; done | median)
m=$(for _ in $(seq $runs); do rate "$B/tests/mbcheck-musl"; done | median)
echo "tree digest of ${size_mb} MB in 4 files (page cache warm), median of $runs:"
printf '  openssl speed -evp sha256 (256 KiB blocks) %6s MB/s  (baseline)\n' "$o"
printf '  openssl dgst -sha256 on the same files      %6s MB/s  %.2fx\n' "$d" "$(echo "$d $o" | awk '{print $1/$2}')"
printf '  tree digest, glibc build                  %6s MB/s  %.2fx\n' "$g" "$(echo "$g $o" | awk '{print $1/$2}')"
printf '  tree digest, static musl build            %6s MB/s  %.2fx\n' "$m" "$(echo "$m $o" | awk '{print $1/$2}')"
