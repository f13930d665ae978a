#!/usr/bin/env bash
# vouch run: from an OCI layout, through `vouch image`, to a judged verdict
# in a real VM; the Firecracker configuration vouch writes; early refusals.
# Once per guest channel (CHANNEL: virtio-serial, vsock; tests/lib/vm.bash):
# vouch image pins it, vouch run and vouch launch --manifest follow the pin.
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm
vm_channel
vm_kernel
vm_tmp
samples/oci/mksample "$tmp/oci" "$B/guest/guest-probe" >/dev/null 2>&1 || { echo "Bail out! mksample failed"; exit 99; }
"$B/bin/vouch" image "$tmp/oci" -o "$tmp/img" --kernel "$kernel" --initrd "$initrd" "${chan[@]}" >/dev/null 2>&1 ||
	{ echo "Bail out! vouch image failed"; exit 99; }

"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$initrd" -o "$tmp/pass" >"$tmp/pass.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/pass.out"
check "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$tmp/pass.out'" "run of the pinned run spec (the image's own command): passed, judged"
check "grep -qx 'channel: $CHANNEL (the manifest.s kernel command line)' '$tmp/pass.out'" \
	"vouch run without --channel boots the pinned channel ($CHANNEL) and says so"
other=vsock
[ "$CHANNEL" = vsock ] && other=virtio-serial
"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$initrd" --channel $other -o "$tmp/other" \
	>"$tmp/other.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q -- '--channel $other, but the manifest pins $CHANNEL' '$tmp/other.out' && [ ! -e '$tmp/other' ]" \
	"vouch run --channel $other against a manifest pinning $CHANNEL: refused before boot, both named"
check "cmp -s '$tmp/pass/runspec.cbor' <(/usr/bin/python3 -c 'import cbor2,sys; sys.stdout.buffer.write(cbor2.load(open(sys.argv[1],\"rb\"))[5])' '$tmp/img/manifest.cbor')" \
	"the run spec sent is the pinned bytes"
check "[ -s '$tmp/pass/junit.xml' ] && [ -s '$tmp/pass/report.json' ] && [ -s '$tmp/pass/attestation.dsse.json' ]" \
	"JUnit, JSON and the attestation beside the evidence"
"$B/bin/vouch" verifier-key "$tmp/verifier.pem"
check "'$B/bin/host-verify' --verify-attestation '$tmp/pass/attestation.dsse.json' --verifier-key '$tmp/verifier.pem' >/dev/null" \
	"the attestation verifies with the published key"
check "'$B/bin/vouch' verify --bundle '$tmp/pass/evidence.cbor' --manifest '$tmp/img/manifest.cbor' >/dev/null" \
	"vouch verify agrees offline"

# the attack of the issue: a manifest made for the sample, and a run of a
# command that prints its own passing TAP. Refused before boot by vouch run
# and vouch launch; run anyway (--no-pin-check), the verifier rejects it.
attack=(/bin/sh -c 'echo 1..1; echo "ok 1"')
"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$initrd" -o "$tmp/atk-run" --quiet \
	-- "${attack[@]}" >"$tmp/atk-run.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q \"run spec's argv is not the one\" '$tmp/atk-run.out' && [ ! -e '$tmp/atk-run' ]" \
	"vouch run with another command than the pinned one: refused before boot, names argv"
"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$initrd" -o "$tmp/atk-t" --quiet \
	--timeout 5 >"$tmp/atk-t.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q \"run spec's timeout_s is not\" '$tmp/atk-t.out'" \
	"vouch run with another timeout than the pinned one: refused before boot, names timeout_s"
"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$tmp/img/rootfs.img" \
	--manifest "$tmp/img/manifest.cbor" --out "$tmp/atk-l" -- "${attack[@]}" >"$tmp/atk-l.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q \"run spec's argv is not the one\" '$tmp/atk-l.out' && [ ! -e '$tmp/atk-l' ]" \
	"vouch launch --manifest with another command: refused before boot, names argv"
"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$tmp/img/rootfs.img" --quiet \
	--manifest "$tmp/img/manifest.cbor" --no-pin-check --out "$tmp/atk" -- "${attack[@]}" >"$tmp/atk.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/atk.out"
check "[ $rc -eq 2 ] && grep -q 'verdict: REJECTED' '$tmp/atk.out' && grep -q 'runspec-argv' '$tmp/atk.out'" \
	"the attack run anyway (--no-pin-check): REJECTED, runspec-argv"
"$B/bin/host-verify" --bundle "$tmp/atk/evidence.cbor" --manifest "$tmp/img/manifest.cbor" >"$tmp/atk.verify" 2>&1
rc=$?
check "[ $rc -eq 2 ] && grep -q 'runspec-argv' '$tmp/atk.verify'" \
	"host-verify agrees: rejected, runspec-argv"

# other commands run when the image pins them
"$B/bin/vouch" image "$tmp/oci" -o "$tmp/img-fail" --kernel "$kernel" --initrd "$initrd" "${chan[@]}" \
	-- /bin/sh -c 'echo "not ok 1 - always fails"; exit 1' >/dev/null 2>&1 || { echo "Bail out! vouch image failed"; exit 99; }
"$B/bin/vouch" run --image "$tmp/img-fail" --kernel "$kernel" --initrd "$initrd" -o "$tmp/fail" --quiet \
	>"$tmp/fail.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/fail.out"
check "[ $rc -eq 1 ] && grep -q 'verdict: TESTS FAILED' '$tmp/fail.out'" "a failing command the image pins: exit 1, attested"

# (the image pins an agent tree, so the boundary is on: TAP goes to the
# results channel, fd 3)
"$B/bin/vouch" image "$tmp/oci" -o "$tmp/img-plan" --kernel "$kernel" --initrd "$initrd" "${chan[@]}" \
	-- /bin/sh -c 'echo 1..3 >&3; echo "ok 1 - only one" >&3' >/dev/null 2>&1 || { echo "Bail out! vouch image failed"; exit 99; }
"$B/bin/vouch" run --image "$tmp/img-plan" --kernel "$kernel" --initrd "$initrd" -o "$tmp/plan" --quiet \
	-- /bin/sh -c 'echo 1..3 >&3; echo "ok 1 - only one" >&3' >"$tmp/plan.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/plan.out"
check "[ $rc -eq 1 ] && grep -q 'TAP plan 1..3, 1 test points' '$tmp/plan.out'" \
	"a TAP plan left unfilled fails the tests (the pinned command given again is the pinned run spec)"

"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$B/samples/calc.img" -o "$tmp/x" >/dev/null 2>"$tmp/pin.err"
rc=$?
check "[ $rc -eq 64 ] && grep -q 'not the one the manifest pins' '$tmp/pin.err'" "an initramfs other than the pinned one is refused before boot"

"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$tmp/img/rootfs.img" --fstype erofs \
	--manifest "$tmp/img/manifest.cbor" --out "$tmp/fs" -- /bin/true >/dev/null 2>"$tmp/fs.err"
rc=$?
check "[ $rc -eq 64 ] && grep -q 'pins an ext4 image' '$tmp/fs.err' && [ ! -e '$tmp/fs' ]" \
	"launch: --fstype other than the manifest's image format is refused before boot"

"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$tmp/img/rootfs.img" --fstype erofs \
	--vmm firecracker --print-vmm-config -- /bin/true >"$tmp/fc.json" 2>&1
check "/usr/bin/python3 - '$tmp/fc.json' '$kernel' '$initrd' '$tmp/img/rootfs.img' <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert set(c) == {'boot-source', 'drives', 'machine-config', 'vsock'}, c.keys()
b = c['boot-source']
assert b['kernel_image_path'] == sys.argv[2] and b['initrd_path'] == sys.argv[3]
for arg in ('reboot=k', 'panic=1', 'pci=off', 'vouch.channel=vsock:1024', 'vouch.tpm=vsock:1025'):
    assert arg in b['boot_args'].split(), arg
d = c['drives']
assert len(d) == 1 and d[0]['path_on_host'] == sys.argv[4]
assert d[0]['is_read_only'] is True and d[0]['is_root_device'] is False
assert c['vsock']['guest_cid'] >= 3 and c['vsock']['uds_path'].endswith('/v.sock')
assert c['machine-config']['vcpu_count'] >= 1 and c['machine-config']['mem_size_mib'] >= 128
PY" "Firecracker config: read-only root drive, vsock uds_path, reboot=k panic=1 pci=off, initrd"
# a verity image made for Firecracker: the configuration boots the very
# command line the manifest pins, with the verity root in it
"$B/bin/vouch" image "$tmp/oci" -o "$tmp/fcv" --verity --vmm firecracker --kernel "$kernel" --initrd "$initrd" \
	>/dev/null 2>&1 || { echo "Bail out! vouch image --verity --vmm firecracker failed"; exit 99; }
"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$tmp/fcv/rootfs.img" --vmm firecracker \
	--manifest "$tmp/fcv/manifest.cbor" --out "$tmp/fcv-out" --print-vmm-config >"$tmp/fcv.json" 2>&1
check "/usr/bin/python3 - '$tmp/fcv.json' '$tmp/fcv/manifest.json' <<'PY'
import json, sys
c, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
args = c['boot-source']['boot_args']
assert args == m['boot']['cmdline'], (args, m['boot']['cmdline'])
want = 'vouch.verity=%d:%s' % (m['image']['verity_offset'] // 4096, m['image']['verity_root'][7:])
assert want in args.split() and 'vouch.rootfstype=ext4' in args.split(), args
PY" "Firecracker config of a verity image: boots the pinned command line, verity root in it"
# --vmm auto against a manifest's pinned command line: a firecracker on
# PATH, no KVM device. QEMU's pin rules Firecracker out before KVM is
# looked at; Firecracker's pin does not, and KVM's reason is the one said.
mkdir -p "$tmp/fake" && printf '#!/bin/sh\nexit 1\n' >"$tmp/fake/firecracker" && chmod +x "$tmp/fake/firecracker"
for pin in img fcv; do
	PATH=$tmp/fake:$PATH VOUCH_KVM_DEVICE=$tmp/no-kvm "$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" \
		--rootfs "$tmp/$pin/rootfs.img" --manifest "$tmp/$pin/manifest.cbor" --out "$tmp/auto-$pin" \
		--print-vmm-config >/dev/null 2>"$tmp/auto-$pin.err"
done
check "grep -qx \"vouch launch: using QEMU: the manifest pins a kernel command line that is not Firecracker's (vouch image --vmm firecracker makes one)\" '$tmp/auto-img.err'" \
	"--vmm auto: an image pinned for QEMU runs on QEMU, and says so"
check "grep -qx 'vouch launch: using QEMU: $tmp/no-kvm: No such file or directory' '$tmp/auto-fcv.err'" \
	"--vmm auto: an image pinned for Firecracker is not ruled out by its pin (KVM is)"
check "! '$B/bin/vouch' launch --kernel k --initrd i --rootfs r --vmm firecracker --tpm device --print-vmm-config -- x >/dev/null 2>&1" \
	"Firecracker with a TPM device is refused (it has none)"
echo "1..$n"
exit $fail
