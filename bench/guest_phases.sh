#!/usr/bin/env bash
# guest-init's phase times over N boots (default 5) of a trivial harness,
# under QEMU as vouch launch runs it, with the TPM through the relay and
# through tpm-crb. Guest clock (CLOCK_BOOTTIME, since the kernel started).
# Prints the median of each phase and of the host's wall time.
# INITRD=another.cpio measures another guest-init (a baseline) the same way.
set -euo pipefail
B=${B:-build}
N=${N:-5}
initrd=${INITRD:-$B/guest/initramfs.cpio}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null)
. "$(dirname "$0")/lib.bash"
for mode in relay device; do
	: >"$tmp/$mode"
	for i in $(seq "$N"); do
		"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" \
			--rootfs "$B/samples/calc.img" --fstype erofs --tpm $mode -- /bin/true >"$tmp/out" 2>&1 ||
			{ cat "$tmp/out"; exit 1; }
		wall=$(grep -oE 'quoted, [0-9.]+ s' "$tmp/out" | grep -oE '[0-9.]+')
		tl=$(grep '^timeline' "$tmp/out" | sed 's/^[^:]*: //')
		echo "wall $wall,$tl" | tr ',' '\n' | sed 's/^ //' >>"$tmp/$mode"
	done
	echo "TPM via $mode, median of $N boots (ms on the guest clock unless noted):"
	mounted=$(grep '^mounted ' "$tmp/$mode" | awk '{print $2}' | median)
	for p in "mounted" "channel open" "TPM open" "measured" "AK created" "AK activated" "harness started" "harness ended" "quoting"; do
		v=$(grep "^$p " "$tmp/$mode" | awk '{print $NF}' | median)
		printf '  %-16s %8.1f   (+%.1f after guest-init started)\n' "$p" "$v" "$(echo "$v $mounted" | awk '{print $1-$2}')"
	done
	printf '  %-16s %8.2f s (host, whole run)\n' "wall" "$(grep '^wall ' "$tmp/$mode" | awk '{print $2}' | median)"
done
