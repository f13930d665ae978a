#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vouch image --verity: the hash tree veritysetup appends after the file
# system, its root hash and offset in the manifest; the same bytes on every
# build (ext4 and erofs); the data part is the plain erofs image byte for
# byte, and for ext4 a clean file system of 4 KiB blocks (what dm-verity
# needs under it);
# veritysetup and an independent computation agree on the root; the
# pinned command line names it. Then in a real VM: `vouch run` on the
# verity image passes without hashing the image on the host, and a byte
# changed in the agent's file after the build is caught by the guest's
# kernel when it is read.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" veritysetup mke2fs mkfs.erofs
boot_parts
samples/oci/mksample "$T/oci" "$B/guest/guest-probe" >/dev/null || exit 99
jget() { "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))["image"].get(sys.argv[2], ""); print(v[7:] if isinstance(v, str) and v.startswith("sha256:") else v)' "$1" "$2"; }

for fmt in ext4 erofs; do
	"$V" image "$T/oci" -o "$T/$fmt-plain" --format "$fmt" >/dev/null &&
		"$V" image "$T/oci" -o "$T/$fmt-v1" --format "$fmt" --verity --kernel "$kernel" --initrd "$initrd" >/dev/null &&
		(cd "$T" && "$V" image oci -o "$fmt-v2" --format "$fmt" --verity --kernel "$kernel" --initrd "$initrd" >/dev/null) ||
		{ echo "Bail out! vouch image --format $fmt --verity failed"; exit 99; }
	m=$T/$fmt-v1/manifest.json
	root=$(jget "$m" verity_root) off=$(jget "$m" verity_offset) size=$(jget "$m" size)
	plain=$(stat -c %s "$T/$fmt-plain/rootfs.img")
	check "$fmt: the manifest pins a verity root and offset" test -n "$root" -a -n "$off"
	check "$fmt --verity: same bytes from two builds (image, manifests)" sh -c \
		"cmp -s '$T/$fmt-v1/rootfs.img' '$T/$fmt-v2/rootfs.img' && cmp -s '$T/$fmt-v1/manifest.cbor' '$T/$fmt-v2/manifest.cbor'"
	if [ "$fmt" = ext4 ]; then # dm-verity reads 4 KiB blocks: the plain image may have smaller ones
		head -c "$off" "$T/ext4-v1/rootfs.img" >"$T/data.img" || exit 99
		check "ext4: the data part is a file system of 4 KiB blocks, e2fsck finds it clean" \
			sh -c "[ $(ext4_block "$T/data.img") -eq 4096 ] && [ $size -gt $off ] && e2fsck -fn '$T/data.img' >/dev/null 2>&1"
	else check "$fmt: the data part is the plain image, padded to whole blocks" sh -c \
		"[ \$(( ($plain + 4095) / 4096 * 4096 )) -eq $off ] && [ $size -gt $off ] &&
		 cmp -s -n $plain '$T/$fmt-plain/rootfs.img' '$T/$fmt-v1/rootfs.img' &&
		 [ -z \"\$(tail -c +$((plain + 1)) '$T/$fmt-v1/rootfs.img' | head -c $((off - plain)) | tr -d '\\0')\" ]"
	fi
	check "$fmt: veritysetup verify accepts the image against the pinned root" \
		veritysetup verify --no-superblock --salt=- --data-blocks=$((off / 4096)) --hash-offset="$off" \
		"$T/$fmt-v1/rootfs.img" "$T/$fmt-v1/rootfs.img" "$root"
	check "$fmt: an independent computation of the root agrees" same "$("$PY" tests/xcheck/verity_root.py "$T/$fmt-v1/rootfs.img" "$off")" "$root"
	check "$fmt: the pinned command line names the root" grep -q "vouch.verity=$((off / 4096)):$root\"" "$m"
done
"$V" image "$T/oci" -o "$T/both" --verity --kernel "$kernel" --initrd "$initrd" --cmdline "console=ttyS0" >/dev/null 2>&1
check "--verity with --cmdline: refused (the command line must name the root)" test $? -eq 64 -a ! -e "$T/both"

if ! command -v qemu-system-x86_64 >/dev/null || ! command -v swtpm >/dev/null; then
	skip "vouch run on the verity image" "needs qemu-system-x86_64 and swtpm"
	skip "the verity root in report.json and the statement" "needs qemu-system-x86_64 and swtpm"
	skip "vouch predict against a verity run" "needs qemu-system-x86_64 and swtpm"
	skip "a changed byte in busybox" "needs qemu-system-x86_64 and swtpm"
	skip "a changed byte in the agent's file" "needs qemu-system-x86_64 and swtpm"
	finish
fi
"$V" run --image "$T/ext4-v1" --kernel "$kernel" --initrd "$initrd" -o "$T/run" --quiet >"$T/run.out" 2>&1
rc=$?
sed 's/^/# /' "$T/run.out"
check "vouch run on the ext4 verity image: PASSED" sh -c "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$T/run.out'"

check "report.json and the signed statement name the verity root the reads were checked against" \
	"$PY" - "$T/run" "$(jget "$T/ext4-v1/manifest.json" verity_root)" <<'PY'
import base64, json, sys
out, root = sys.argv[1], sys.argv[2]
assert json.load(open(out + "/report.json"))["digests"]["verity_root"] == root
st = json.loads(base64.b64decode(json.load(open(out + "/attestation.dsse.json"))["payload"]))
conf = {c["name"]: c.get("digest", {}).get("sha256") for c in st["predicate"]["configuration"]}
assert conf["rootfs.img.dm-verity-root"] == root, conf
PY

# vouch predict from the manifest alone (and the run spec) gives the PCR
# values the run's event logs replay to: 8, 9 (the verity root), 11, 12,
# and 13 up to the separator
"$V" predict --manifest "$T/ext4-v1/manifest.cbor" --runspec "$T/run/runspec.cbor" >"$T/predict" 2>&1
"$PY" - "$T/run/platform-evlog.cbor" "$T/run/guest-evlog.cbor" >"$T/replay" <<'PY'
import cbor2, hashlib, sys
pcr = {i: bytes(32) for i in (8, 9, 11, 12, 13)}
for log in sys.argv[1:]:
    for ev in cbor2.loads(open(log, "rb").read()):
        if ev[5][1] == b"vouch.chain-head":
            continue  # extended after the separator, onto the predicted 13
        pcr[ev[1]] = hashlib.sha256(pcr[ev[1]] + ev[3][0][1]).digest()
for i, v in sorted(pcr.items()):
    print(f"pcr{i}", v.hex())
PY
check "vouch predict equals the replayed event logs of the verity run (PCRs 8, 9, 11, 12, 13)" \
	sh -c "awk '{print \$1, \$2}' '$T/predict' | diff - '$T/replay' >&2"

# one byte of the shell the harness runs (busybox, outside the measured
# trees), changed after the build: the harness cannot run it, and
# guest-init, seeing the verity device refused blocks, records so in the
# chain: rejected as another root image, with the quote
# tampered OUT FILE START: one byte of FILE's bytes START.. (unique in the
# image) changed in the verity image after the build, then vouch run into
# $T/OUT ($T/OUT.out); the image is put back afterwards. vouch run does not
# read the image (same size): the guest's kernel refuses the block.
tampered() {
	local off
	off=$("$PY" -c "
d = open('$T/ext4-v1/rootfs.img', 'rb').read(); a = open('$2', 'rb').read()[$3:$3 + 128]
i = d.find(a); assert i > 0 and d.find(a, i + 1) < 0; print(i + 64)") ||
		{ echo "Bail out! $2 not found in the image"; exit 99; }
	cp "$T/ext4-v1/rootfs.img" "$T/pristine.img"
	printf 'Z' | dd of="$T/ext4-v1/rootfs.img" bs=1 seek="$off" conv=notrunc 2>/dev/null
	"$V" run --image "$T/ext4-v1" --kernel "$kernel" --initrd "$initrd" -o "$T/$1" --quiet >"$T/$1.out" 2>&1
	rc=$?
	cp "$T/pristine.img" "$T/ext4-v1/rootfs.img"
	sed 's/^/# /' "$T/$1.out"
}

# the shell the harness runs (busybox, outside the measured trees): the
# harness cannot run it, and guest-init, seeing the verity device refused
# blocks, records so in the chain: rejected as another root image, quoted
tampered sh /bin/busybox 64
check "a changed byte in busybox: rejected (pin-rootfs: verity refused blocks), quoted, tests kept" sh -c \
	"[ $rc -eq 2 ] && grep -q 'verdict: REJECTED' '$T/sh.out' && grep -q 'pin-rootfs: .*refused blocks' '$T/sh.out' &&
	 ! grep -q 'quote-missing' '$T/sh.out' && [ -s '$T/sh/evidence.cbor' ]"

# the agent's file: refused when guest-init measures it, before the harness
tampered bad samples/calc/agent/calc 0
check "a changed byte in the agent's file: not passed, an I/O error where it was read" sh -c \
	"[ $rc -ne 0 ] && ! grep -q 'verdict: PASSED' '$T/bad.out' && grep -q 'input/output error' '$T/bad.out' &&
	 grep -aq 'verity: .*corrupted' '$T/bad/console.log' && grep -q 'do not match the pinned' '$T/bad.out' &&
	 grep -q 'pin-rootfs' '$T/bad.out'"
finish
