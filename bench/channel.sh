#!/usr/bin/env bash
# The guest's channel, virtio-serial against vsock (vhost-device-vsock
# under QEMU), in one invocation, the runs interleaved (serial, vsock,
# serial, ...) so that a busy host weighs on both alike. Two workloads:
#  - stream: a harness writes MIB MiB (default 32) to stdout, guest-init
#    streams it as records, the host takes them: records per second and
#    MiB/s of records (records.cborseq as received) over the harness's
#    span on the guest's clock (harness started .. harness ended);
#  - sample: the bundled sample suite (boot, TPM, activation, five tests,
#    quote): the launcher's wall time, the cost a test run sees, and the
#    CPU time of it and all it started (QEMU, swtpm, the vsock backend),
#    which a host busy with other work disturbs less than the wall time.
# Each figure is the median of N (default 5) runs; the last lines give
# vsock's figure over virtio-serial's. When both channels give the same
# stream figure, the channel is not what limits the records path:
# guest-init is (chunking, hashing the chain, signing checkpoints over the
# TPM relay).
set -euo pipefail
B=${B:-build}
N=${N:-5}
MIB=${MIB:-32}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null | tail -n 1)
. "$(dirname "$0")/lib.bash"
command -v vhost-device-vsock >/dev/null || { echo "bench/channel.sh: vhost-device-vsock not installed (tools/install-deps)" >&2; exit 77; }
rootfs=$B/samples/calc.img
rps=() mbs=() wall=() cpu=()

launch() { # CHANNEL OUT [options] -- CMD...
	local ch=$1 out=$2
	shift 2
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" --rootfs "$rootfs" \
		--fstype erofs --channel "$ch" -o "$out" "$@" >"$out.log" 2>&1 ||
		{ echo "bench/channel.sh: the $ch run failed:" >&2; cat "$out.log" >&2; exit 1; }
}

# stream CHANNEL I: "records MiB records/s MiB/s" of one run
stream() {
	local out=$tmp/stream.$1.$2 line
	launch "$1" "$out" --no-agent-boundary -- /bin/sh -c "dd if=/dev/zero bs=65536 count=$((MIB * 16)) 2>/dev/null"
	line=$(grep '^timeline' "$out.log")
	awk -v l="$line" -v recs="$(grep -o '^records [0-9]*' "$out.log" | cut -d' ' -f2)" \
	    -v bytes="$(stat -c %s "$out/records.cborseq")" 'BEGIN {
		match(l, /harness started [0-9.]+/); s = substr(l, RSTART + 16, RLENGTH - 16)
		match(l, /harness ended [0-9.]+/); e = substr(l, RSTART + 14, RLENGTH - 14)
		t = (e - s) / 1000
		printf "%d %.1f %.0f %.2f\n", recs, bytes / 1048576, recs / t, bytes / 1048576 / t }'
}

# sample CHANNEL I: "wall CPU" of one sample run, in seconds
sample() {
	local out=$tmp/sample.$1.$2 TIMEFORMAT='%R %U %S'
	{ time launch "$1" "$out" -- /opt/harness/run-tests; } 2>"$out.time"
	grep -q 'tests 5 ok / 0 not ok' "$out.log" || { echo "bench/channel.sh: the $1 sample run did not pass" >&2; exit 1; }
	awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$out.time"
}

for i in $(seq "$N"); do
	for ch in virtio-serial vsock; do
		stream "$ch" "$i" >>"$tmp/stream.$ch.txt"
		sample "$ch" "$i" >>"$tmp/sample.$ch.txt"
	done
done

echo "the guest's channel, QEMU TCG, $(nproc) CPUs on the host, median of $N runs each, interleaved:"
printf '  %-14s %8s %8s %10s %8s %9s %9s\n' channel records MiB records/s MiB/s "sample s" "CPU s"
for ch in virtio-serial vsock; do
	rps+=("$(cut -d' ' -f3 "$tmp/stream.$ch.txt" | median)")
	mbs+=("$(cut -d' ' -f4 "$tmp/stream.$ch.txt" | median)")
	wall+=("$(cut -d' ' -f1 "$tmp/sample.$ch.txt" | median)")
	cpu+=("$(cut -d' ' -f2 "$tmp/sample.$ch.txt" | median)")
	read -r recs mib _ <"$tmp/stream.$ch.txt"
	printf '  %-14s %8d %8.1f %10.0f %8.2f %9.2f %9.2f\n' "$ch" "$recs" "$mib" "${rps[-1]}" "${mbs[-1]}" "${wall[-1]}" "${cpu[-1]}"
	printf '    MiB/s of each run: %s\n' "$(cut -d' ' -f4 "$tmp/stream.$ch.txt" | tr '\n' ' ')"
	printf '    sample runs (wall s, CPU s): %s\n' "$(tr ' \n' '/ ' <"$tmp/sample.$ch.txt")"
done
awk -v a="${mbs[0]}" -v b="${mbs[1]}" -v c="${wall[0]}" -v d="${wall[1]}" -v e="${cpu[0]}" -v f="${cpu[1]}" 'BEGIN {
	printf "vsock / virtio-serial: stream MiB/s x%.2f, sample wall time x%.2f, sample CPU time x%.2f\n", b / a, d / c, f / e }'
