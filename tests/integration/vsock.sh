#!/usr/bin/env bash
# The vsock channel under QEMU, end to end: vhost-device-vsock as QEMU's
# vhost-user vsock backend, the guest's evidence, hello and TPM relay over
# AF_VSOCK, the host side through the hybrid-vsock code Firecracker's
# backend uses. The sample passes, attested, with the TPM relayed and with
# the TPM as a device, and host-verify agrees; the same evidence against a
# manifest made for virtio-serial is refused (the channel is part of the
# measured command line). Nothing is left running after a run, nor after
# the launcher is SIGKILLed while the harness runs (the backend dies with
# it).
set -u
. tests/lib/vm.bash
vm_need --hint "(tools/install-deps)" qemu-system-x86_64 swtpm vhost-device-vsock
vm_kernel
vm_sample
vm_tmp
vm_cleanup_hook() { pkill -KILL -f "$tmp/runs[a-z0-9-]*/vouch-run-" 2>/dev/null; }
cmd=(/opt/harness/run-tests)

pin() { # pin OUT TPM CHANNEL
	"$B/bin/vouch" manifest --image "$rootfs" --fstype erofs "${trees[@]}" --kernel "$kernel" \
		--initrd "$initrd" --tpm "$2" --channel "$3" -o "$1" -- "${cmd[@]}" ||
		{ echo "Bail out! vouch manifest failed"; exit 99; }
}
left() { pgrep -af "$1/vouch-run-" | grep -v pgrep; }

# run NAME TPM: one vsock run in a TMPDIR of its own, judged
run() {
	local name=$1 mode=$2 rc
	mkdir -p "$tmp/runs-$name"
	pin "$tmp/m-$name.cbor" "$mode" vsock
	TMPDIR=$tmp/runs-$name "$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" \
		--fstype erofs --tpm "$mode" --channel vsock --vm-timeout 240 --out "$tmp/$name" \
		-- "${cmd[@]}" >"$tmp/$name.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/$name.out"
	check "[ $rc -eq 0 ] && grep -q 'VM starting (QEMU q35, TCG, vsock)' '$tmp/$name.out'" \
		"$name: the sample passes over vsock (exit $rc)"
	"$B/bin/host-verify" --bundle "$tmp/$name/evidence.cbor" --manifest "$tmp/m-$name.cbor" \
		>"$tmp/$name.verify" 2>&1
	rc=$?
	check "[ $rc -eq 0 ]" "$name: host-verify accepts it against the vsock manifest (exit $rc)"
	check "[ -z \"\$(left $tmp/runs-$name)\" ] && [ -z \"\$(ls -A $tmp/runs-$name)\" ]" \
		"$name: nothing left running, the run directory gone"
}

run relay relay
run device device

# the channel is in the measured command line: the relay run's evidence
# against a manifest made for virtio-serial is refused
pin "$tmp/m-serial.cbor" relay virtio-serial
"$B/bin/host-verify" --bundle "$tmp/relay/evidence.cbor" --manifest "$tmp/m-serial.cbor" >"$tmp/serial.verify" 2>&1
rc=$?
sed 's/^/# /' "$tmp/serial.verify" | head -5
check "[ $rc -eq 2 ]" "vsock evidence against a virtio-serial manifest: rejected (exit $rc)"

# SIGKILL of the launcher while the harness runs: QEMU and the backend go
mkdir -p "$tmp/runs-kill"
mkfifo "$tmp/kill.fifo"
TMPDIR=$tmp/runs-kill "$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" \
	--fstype erofs --channel vsock --vm-timeout 240 -- sh -c 'sleep 100' >"$tmp/kill.fifo" 2>&1 &
pid=$!
exec 5<"$tmp/kill.fifo"
seen=0
while IFS= read -r -t 120 line <&5; do
	case $line in *'harness started'*) seen=1; break ;; esac
done
had=$(pgrep -f "$tmp/runs-kill/vouch-run-.*vhost-vsock.sock" | wc -l)
kill -KILL "$pid"
exec 5<&-
{ wait "$pid"; } 2>/dev/null
for _ in $(seq 50); do [ -z "$(left "$tmp/runs-kill")" ] && break; sleep 0.1; done
check "[ $seen = 1 ] && [ $had -ge 2 ] && [ -z \"\$(left $tmp/runs-kill)\" ]" \
	"SIGKILL while the harness runs: QEMU and vhost-device-vsock ($had before) gone within 5 s"
left "$tmp/runs-kill" | sed 's/^/# left: /'

echo "1..$n"
exit $fail
