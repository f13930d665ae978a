#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End to end: the sample OCI layout through `vouch image` (with the boot
# components; ext4, the default format, which the guest mounts as the
# manifest says), one attested run of that rootfs.img in a real VM, and
# host-verify judging the evidence against the manifest `vouch image` wrote:
# the agent and harness digests guest-init extends are the ones pinned.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need qemu-system-x86_64 swtpm mke2fs
boot_parts

samples/oci/mksample "$T/oci" "$B/guest/guest-probe" >/dev/null || exit 99
check "vouch image with --kernel and --initrd" sh -c "'$V' image '$T/oci' -o '$T/img' --kernel '$kernel' --initrd '$initrd' >/dev/null"
fmt=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["image"]["format"])' "$T/img/manifest.json")
check "the manifest names the default format, ext4" same "$fmt" ext4
# no command: the run spec the manifest pins, judged at the end
"$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$T/img/rootfs.img" --fstype "$fmt" \
	--manifest "$T/img/manifest.cbor" --out "$T/run" >"$T/launch.log" 2>&1
check "attested run of the image's pinned run spec: tests pass" test $? -eq 0
"$B/bin/host-verify" --bundle "$T/run/evidence.cbor" --manifest "$T/img/manifest.cbor" >"$T/verify.log" 2>&1
rc=$?
check "host-verify against vouch image's manifest: PASSED" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$T/verify.log" | head -20
# the same image pinned with another agent tree: the evidence must not pass
"$V" image "$T/oci" -o "$T/img2" --agent /opt/harness --kernel "$kernel" --initrd "$initrd" >/dev/null || exit 99
check "same image, manifest pinning another agent tree: same image digest" \
	cmp -s "$T/img/rootfs.img" "$T/img2/rootfs.img"
"$B/bin/host-verify" --bundle "$T/run/evidence.cbor" --manifest "$T/img2/manifest.cbor" >"$T/verify2.log" 2>&1
check "host-verify against it: REJECTED (exit 2)" test $? -eq 2
finish
