#!/usr/bin/env bash
# The guest's measurement phase with the trees walked and with the trees
# referenced by the verity root (docs/measure-by-verity.md), in the same
# invocation: one verity image per harness size, written once by `vouch
# image --verity` (referenced, the default) and once with --walk-trees
# (the same image bytes), N runs each (default 5) under QEMU as `vouch run`
# runs it, alternating. The phase is "TPM open" to "measured" on the guest
# clock: the run spec's extend, the verity target and mounts, and the two
# trees. Prints medians and the ratio referenced / walked.
# SIZES: the harness trees, as "label:MB of random data beside the Python
# standard library's sources (about 14 MB)" (default "3:3 16:0 30:14";
# label 3 is 3 MB of random data alone); the table prints the real sizes.
set -euo pipefail
B=${B:-build}
N=${N:-5}
SIZES=${SIZES:-"3:3 16:0 30:14"}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null)
initrd=$B/guest/initramfs.cpio
V=$B/bin/vouch
. "$(dirname "$0")/lib.bash"
py=$(ls -d /usr/lib/python3.* 2>/dev/null | head -n1)

# mkroot DIR LABEL EXTRA_MB: busybox, a one-file agent, and a harness of
# the stdlib sources (not for label 3) plus EXTRA_MB of random files
mkroot() {
	mkdir -p "$1/bin" "$1/opt/agent" "$1/opt/harness/data"
	cp /bin/busybox "$1/bin/busybox" && ln -s busybox "$1/bin/sh"
	echo calc >"$1/opt/agent/calc"
	printf '#!/bin/sh\necho 1..1\necho ok 1 - ran\n' >"$1/opt/harness/run-tests"
	chmod 755 "$1/opt/harness/run-tests"
	if [ "$2" != 3 ] && [ -n "$py" ]; then
		tar -C "$py" --exclude=__pycache__ --exclude=./dist-packages --exclude='./config-*' -cf - . |
			tar -C "$1/opt/harness/data" -xf -
	fi
	for i in $(seq 4); do
		[ "$3" -gt 0 ] && head -c $(($3 * 1048576 / 4)) /dev/urandom >"$1/opt/harness/data/r$i"
	done
	return 0
}

phase() { # OUT: "TPM open" to "measured", ms on the guest clock
	local l
	l=$(grep '^timeline' "$1")
	echo "$(echo "$l" | grep -oE 'TPM open [0-9.]+' | grep -oE '[0-9.]+$') $(echo "$l" | grep -oE ' measured [0-9.]+' | grep -oE '[0-9.]+$')" |
		awk '{printf "%.1f\n", $2 - $1}'
}

printf 'measurement phase ("TPM open" to "measured", guest clock), median of %s runs each:\n' "$N"
printf '  %-26s %10s %12s %8s\n' "harness tree" "walked" "referenced" "ratio"
for s in $SIZES; do
	label=${s%%:*} extra=${s#*:}
	mkroot "$tmp/root-$label" "$label" "$extra"
	for mode in ref walk; do
		flag=()
		[ $mode = walk ] && flag=(--walk-trees)
		"$V" image "$tmp/root-$label" -o "$tmp/img-$label-$mode" --verity "${flag[@]}" \
			--kernel "$kernel" --initrd "$initrd" -- /opt/harness/run-tests >/dev/null
		: >"$tmp/t-$label-$mode"
	done
	for i in $(seq "$N"); do
		for mode in walk ref; do
			"$V" run --image "$tmp/img-$label-$mode" --kernel "$kernel" --initrd "$initrd" \
				-o "$tmp/out" >"$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; exit 1; }
			phase "$tmp/run.out" >>"$tmp/t-$label-$mode"
			[ $i = 1 ] && [ $mode = walk ] &&
				grep -ao 'vouch.harness-tree /opt/harness: [0-9]* entries, [0-9]* bytes' "$tmp/out/console.log" >"$tmp/size-$label" || true
			rm -rf "$tmp/out"
		done
	done
	w=$(median <"$tmp/t-$label-walk") r=$(median <"$tmp/t-$label-ref")
	what=$(awk '{printf "%d files, %.1f MB", $3, $5 / 1048576}' "$tmp/size-$label")
	printf '  %-26s %8s ms %10s ms %7.3fx\n' "$what" "$w" "$r" "$(echo "$r $w" | awk '{print $1 / $2}')"
	last_ref=$r last_size=$(awk '{print $5}' "$tmp/size-$label")
done
# the largest tree's measurement as the run makes it by default (by
# reference), for bench/summary.sh's row of the 30 MB harness tree
[ "${last_size:-0}" -ge 25000000 ] &&
	echo "figure: tree-30MB-s $(echo "$last_ref" | awk '{printf "%.3f", $1 / 1000}') s ($((last_size / 1048576)) MiB tree, by verity reference)"
