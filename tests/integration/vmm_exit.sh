#!/usr/bin/env bash
# The launcher watches its VMM. A VMM that exits at once (QEMU refusing its
# configuration, Firecracker refusing its config file), or QEMU's vsock
# backend exiting at start, ends the run within seconds, not at the VM
# deadline: with the VMM's status and the last lines of its log on stderr,
# its log kept in the evidence directory (Firecracker's own log lines apart
# from the console, in firecracker.log), exit 3 (incomplete), and nothing
# of the run left running (swtpm, vhost-device-vsock). Options a backend
# refuses are refused before anything starts, the limit named (exit 64).
# The VMMs here are fakes on PATH: no guest boots, so any files stand in
# for the kernel, initramfs and root image.
set -u
B=${B:-build}
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$1"; then ok "$2"; else no "$2"; fi; }

command -v swtpm >/dev/null || { echo "1..0 # SKIP swtpm not installed"; exit 77; }
[ -x "$B/bin/vouch" ] || { echo "Bail out! $B/bin/vouch not built"; exit 99; }
tmp=$(mktemp -d)
cleanup() {
	pkill -KILL -f "$tmp/[a-z0-9-]*/vouch-run-" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/fake"
printf 'kernel' >"$tmp/kernel"
printf 'initrd' >"$tmp/initrd"
head -c 4096 /dev/zero >"$tmp/root.img"
args=(--kernel "$tmp/kernel" --initrd "$tmp/initrd" --rootfs "$tmp/root.img" --vm-timeout 120)

# fake NAME STATUS LINE: an executable NAME on the fake PATH that says
# LINE on stderr and exits with STATUS
fake() {
	cat >"$tmp/fake/$1" <<EOS
#!/bin/sh
echo "starting \$0" >&2
echo "$3" >&2
exit $2
EOS
	chmod +x "$tmp/fake/$1"
}

# run NAME [launch options]: a launch with its own TMPDIR and the fakes
# first on PATH; its exit status in rc, its seconds in secs. No KVM device:
# --vmm auto (the default) picks QEMU even with the fake firecracker there
run() {
	local name=$1 t0
	shift
	mkdir -p "$tmp/$name"
	t0=$(date +%s%N)
	TMPDIR=$tmp/$name PATH=$tmp/fake:$PATH VOUCH_KVM_DEVICE=$tmp/no-kvm timeout 100 "$B/bin/vouch" launch "${args[@]}" \
		-o "$tmp/$name/out" "$@" -- true >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	secs=$((($(date +%s%N) - t0) / 1000000000))
	sed 's/^/# /' "$tmp/$name.err"
}
left() { pgrep -af "$tmp/$1/vouch-run-" | grep -v pgrep; }
nothing_left() {
	for _ in $(seq 30); do [ -z "$(left "$1")" ] && break; sleep 0.1; done
	check "[ -z \"\$(left $1)\" ]" "$1: nothing of the run left running"
}

fake qemu-system-x86_64 1 "qemu-system-x86_64: -device vhost-user-vsock-pci: refused by the fake"
run qemu
check "[ $rc -eq 3 ]" "qemu: a QEMU that exits at once: exit 3 (got $rc)"
check "[ $secs -lt 15 ]" "qemu: the run ended in $secs s, not at the 120 s deadline"
check "grep -q 'launch failed: QEMU exited with status 1 before the guest connected' '$tmp/qemu.err'" \
	"qemu: stderr names QEMU and its status"
check "grep -q 'refused by the fake' '$tmp/qemu.err'" "qemu: stderr has the last lines of its log"
check "grep -q 'refused by the fake' '$tmp/qemu/out/qemu.log'" "qemu: its log is kept with the evidence"
nothing_left qemu

fake firecracker 2 "2025-01-31T12:00:00.123456789 [anonymous-instance:main] Error: the fake refuses this configuration"
run firecracker --vmm firecracker
check "[ $rc -eq 3 ] && [ $secs -lt 15 ]" "firecracker: exits at once: exit 3 in $secs s (got $rc)"
check "grep -q 'launch failed: Firecracker exited with status 2 before the guest connected' '$tmp/firecracker.err'" \
	"firecracker: stderr names Firecracker and its status"
check "grep -q 'the fake refuses' '$tmp/firecracker.err'" "firecracker: stderr has the last lines of its console log"
check "grep -q '\[anonymous-instance:main\] Error: the fake refuses' '$tmp/firecracker/out/firecracker.log' &&
       ! grep -q 'the fake refuses' '$tmp/firecracker/out/console.log' &&
       grep -q 'starting .*firecracker' '$tmp/firecracker/out/console.log'" \
	"firecracker: its own log lines kept in firecracker.log, the rest in console.log"
nothing_left firecracker

if command -v vhost-device-vsock >/dev/null; then
	# the real backend, a QEMU that dies: the backend goes too
	run vsock-qemu --channel vsock
	check "[ $rc -eq 3 ] && [ $secs -lt 15 ]" "vsock-qemu: exits at once: exit 3 in $secs s (got $rc)"
	check "grep -q 'QEMU exited with status 1' '$tmp/vsock-qemu.err'" "vsock-qemu: stderr names QEMU"
	nothing_left vsock-qemu
else
	no "vhost-device-vsock not installed (tools/install-deps installs it)"
fi

# the backend exits at start: QEMU is never started
fake vhost-device-vsock 4 "vhost-device-vsock: the fake cannot bind"
run vsockd --channel vsock
check "[ $rc -eq 3 ] && [ $secs -lt 15 ]" "vsockd: a vsock backend that exits at once: exit 3 in $secs s (got $rc)"
check "grep -q 'vhost-device-vsock exited with status 4 at start' '$tmp/vsockd.err' &&
       grep -q 'the fake cannot bind' '$tmp/vsockd.err'" "vsockd: stderr names the backend, its status and log"
check "! grep -q 'starting .*qemu' '$tmp/vsockd/out/qemu.log' 2>/dev/null" "vsockd: QEMU was not started"
nothing_left vsockd
rm -f "$tmp/fake/vhost-device-vsock"

# refused before anything starts, the limit named
limit() {
	local name=$1 want=$2
	shift 2
	run "$name" "$@"
	check "[ $rc -eq 64 ] && grep -qF -- '$want' '$tmp/$name.err' && [ ! -e '$tmp/$name/out' ]" \
		"$name: refused with exit 64, '$want' (got $rc)"
}
limit fc-cpus0 'vouch launch: --cpus 0: Firecracker takes 1 to 32' --vmm firecracker --cpus 0
limit fc-cpus33 'vouch launch: --cpus 33: Firecracker takes 1 to 32' --vmm firecracker --cpus 33
limit fc-mem0 'vouch launch: --memory 0: Firecracker needs at least 1 MiB' --vmm firecracker --memory 0
limit fc-serial 'Firecracker has vsock only' --vmm firecracker --channel virtio-serial
limit fc-tpm 'Firecracker has no TPM device' --vmm firecracker --tpm device
limit qemu-cpus 'vouch launch: --cpus 289: QEMU (q35) takes 1 to 288' --cpus 289
limit qemu-mem0 'vouch launch: --memory 0: QEMU (q35) needs at least 1 MiB' --memory 0
# at the edge: taken (and then the fake Firecracker exits)
run fc-cpus32 --vmm firecracker --cpus 32 --memory 1
check "[ $rc -eq 3 ]" "fc-cpus32: --cpus 32 --memory 1 taken (got $rc)"

# a launch with a manifest that fails before any evidence (swtpm_setup
# fails in a fresh cache): judged incomplete (exit 3), not a usage error
fake swtpm_setup 1 "swtpm_setup: the fake cannot provision"
"$B/bin/vouch" manifest --image "$tmp/root.img" --kernel "$tmp/kernel" --initrd "$tmp/initrd" \
	--tpm relay --channel virtio-serial -o "$tmp/early.cbor" -- /bin/true >/dev/null 2>&1
mkdir -p "$tmp/early"
PATH=$tmp/fake:$PATH VOUCH_CACHE=$tmp/early-cache TMPDIR=$tmp/early "$B/bin/vouch" launch "${args[@]}" \
	--vmm qemu --channel virtio-serial --manifest "$tmp/early.cbor" --out "$tmp/early/out" -- /bin/true \
	>"$tmp/early.out" 2>"$tmp/early.err"
rc=$?
sed 's/^/# /' "$tmp/early.out" "$tmp/early.err"
check "[ $rc -eq 3 ] && grep -q 'provisioning the vTPM state' '$tmp/early.err' &&
       grep -q '^verdict: INCOMPLETE (exit 3): no evidence' '$tmp/early.out'" \
	"a launch failing before any evidence, with a manifest: incomplete (exit 3), the step named"
rm -f "$tmp/fake/swtpm_setup"
echo "1..$n"
exit $fail
