#!/usr/bin/env bash
# What an attested run costs over the bare boot: in one invocation, median
# of N (default 5) each of
#   floor:  QEMU with the same machine, kernel and firmware, and an init
#           that powers off at once (no TPM, no disk, no channel);
#   vouch:  `vouch launch` of a trivial harness (/bin/true) on the sample;
#   native: the sample's harness run on the host, for scale.
# Goal: vouch <= 1.15x the floor. Under TCG both are dominated by the
# kernel's boot.
set -euo pipefail
B=${B:-build}
N=${N:-5}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null)
. "$(dirname "$0")/lib.bash"
musl-gcc -static -O2 -o "$tmp/init" tests/guest/poweroff.c
tools/mkinitramfs "$tmp/init" "$tmp/floor.cpio"
floor=$(for _ in $(seq "$N"); do
	ms_any timeout 60 qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 512 -smp 1 -bios /usr/share/qemu/qboot.rom \
		-nodefaults -no-user-config -nographic -no-reboot -kernel "$kernel" -initrd "$tmp/floor.cpio" \
		-append "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check 8250.nr_uarts=1 cryptomgr.notests random.trust_cpu=on"
done | median)
run=$(for _ in $(seq "$N"); do
	ms_any "$B/bin/vouch" launch --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" --rootfs "$B/samples/calc.img" \
		--fstype erofs --quiet -- /bin/true
done | median)
native=$(for _ in $(seq "$N"); do
	ms_any env AGENT="$PWD/samples/calc/agent/calc" sh samples/calc/harness/run-tests
done | median)
echo "attested run vs bare boot (median of $N, ms):"
printf '  bare boot floor (same kernel, init powers off)  %6d\n' "$floor"
printf '  vouch launch, trivial harness                  %6d   %.2fx the floor\n' "$run" "$(echo "$run $floor" | awk '{print $1/$2}')"
printf '  sample harness run natively                     %6d\n' "$native"
