#!/usr/bin/env bash
# The records path from guest to host, virtio-serial against vsock
# (vhost-device-vsock under QEMU), in one invocation: a harness writes
# MIB MiB (default 32) to stdout, guest-init streams it as records, and
# the host takes them. For each channel: records per second and MiB/s of
# records (records.cborseq as received) over the harness's span on the
# guest's clock (harness started .. harness ended), median of N (default
# 1) runs. When both channels give the same figure, the channel is not
# what limits the records path: guest-init is (chunking, hashing the
# chain, signing checkpoints over the TPM relay).
set -euo pipefail
B=${B:-build}
N=${N:-1}
MIB=${MIB:-32}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null | tail -n 1)
. "$(dirname "$0")/lib.bash"
command -v vhost-device-vsock >/dev/null || { echo "bench/channel.sh: vhost-device-vsock not installed (tools/install-deps)" >&2; exit 77; }

# one CHANNEL: "records MiB seconds" of one run
one() {
	local out=$tmp/$1.$2 line
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" --rootfs "$B/samples/calc.img" \
		--fstype erofs --channel "$1" --no-agent-boundary -o "$out" \
		-- /bin/sh -c "dd if=/dev/zero bs=65536 count=$((MIB * 16)) 2>/dev/null" >"$out.log" 2>&1 ||
		{ echo "bench/channel.sh: the $1 run failed:" >&2; cat "$out.log" >&2; exit 1; }
	line=$(grep '^timeline' "$out.log")
	awk -v l="$line" -v recs="$(grep -o '^records [0-9]*' "$out.log" | cut -d' ' -f2)" \
	    -v bytes="$(stat -c %s "$out/records.cborseq")" 'BEGIN {
		match(l, /harness started [0-9.]+/); s = substr(l, RSTART + 16, RLENGTH - 16)
		match(l, /harness ended [0-9.]+/); e = substr(l, RSTART + 14, RLENGTH - 14)
		t = (e - s) / 1000
		printf "%d %.1f %.0f %.2f\n", recs, bytes / 1048576, recs / t, bytes / 1048576 / t }'
}

echo "records path guest -> host, $MIB MiB of harness stdout, median of $N (QEMU TCG):"
printf '  %-14s %8s %8s %10s %8s\n' channel records MiB records/s MiB/s
for ch in virtio-serial vsock; do
	for i in $(seq "$N"); do one "$ch" "$i"; done >"$tmp/$ch.txt"
	rps=$(cut -d' ' -f3 "$tmp/$ch.txt" | median)
	mbs=$(cut -d' ' -f4 "$tmp/$ch.txt" | median)
	read -r recs mib _ <"$tmp/$ch.txt"
	printf '  %-14s %8d %8.1f %10.0f %8.2f\n' "$ch" "$recs" "$mib" "$rps" "$mbs"
done
