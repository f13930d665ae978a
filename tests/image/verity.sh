#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vouch image --verity: the hash tree veritysetup appends after the file
# system, its root hash and offset in the manifest; the same bytes on every
# build (ext4 and erofs); the data part is the plain erofs image byte for
# byte, and for ext4 a clean file system of 4 KiB blocks (what dm-verity
# needs under it);
# veritysetup and an independent computation agree on the root; the
# pinned command line names it. Trees by verity reference (the default,
# docs/measure-by-verity.md): the manifest is marked and its command line
# says vouch.trees=verity, --walk-trees writes the same image without
# either, and the marked tree digests are those of the image's data as the
# kernel reads it (a loop mount, as root). Then in a real VM: `vouch run`
# on the verity image passes without hashing the image on the host, its
# tree events reference the root and the paths, the same image walked in
# the guest gives the pinned digests, a by-reference bundle is refused
# against the unmarked manifest (tree-by-verity), and a byte changed in
# the agent's file after the build is caught by the guest's kernel when it
# is read: by the agent's own read (referenced) or by the walk.
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
	check "$fmt: the pinned command line names the root and references the trees by it" \
		grep -q "vouch.verity=$((off / 4096)):$root vouch.trees=verity\"" "$m"
	check "$fmt: the manifest marks the trees by verity" \
		"$PY" -c 'import json,sys; assert json.load(open(sys.argv[1]))["image"]["trees_by_verity"] is True' "$m"
	"$V" image "$T/oci" -o "$T/$fmt-walk" --format "$fmt" --verity --walk-trees --kernel "$kernel" --initrd "$initrd" \
		>/dev/null || { echo "Bail out! vouch image --walk-trees failed"; exit 99; }
	check "$fmt --walk-trees: the same image and tree digests, no mark, no vouch.trees word" "$PY" - \
		"$T/$fmt-v1" "$T/$fmt-walk" <<'PY'
import filecmp, json, sys
v, w = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:])
assert filecmp.cmp(sys.argv[1] + "/rootfs.img", sys.argv[2] + "/rootfs.img", shallow=False)
assert v["trees"] == w["trees"] and "trees_by_verity" not in w["image"], w["image"]
assert "vouch.trees=" not in w["boot"]["cmdline"]
assert w["boot"]["cmdline"] + " vouch.trees=verity" == v["boot"]["cmdline"]
PY
	# the digests the mark vouches for, against the image's data as the
	# kernel reads it, for the sample and for a tree of every object type
	# (setuid, devices, FIFOs, hard links, symlinks, xattrs)
	if can_mount; then
		[ -d "$T/basic-oci" ] || $MKOCI basic "$T/basic-oci" >/dev/null || exit 99
		"$V" image "$T/basic-oci" -o "$T/$fmt-basic" --format "$fmt" --verity >/dev/null ||
			{ echo "Bail out! vouch image basic --verity failed"; exit 99; }
		for img in "$fmt-v1" "$fmt-basic"; do
			bo=$(jget "$T/$img/manifest.json" verity_offset)
			mkdir -p "$T/mnt-$img" && mount -o ro,loop,sizelimit="$bo" "$T/$img/rootfs.img" "$T/mnt-$img" &&
				MOUNTS+=("$T/mnt-$img") || exit 99
			check "$fmt: $img: the marked tree digests are those of the verity image's data, loop-mounted" "$PY" - \
				"$T/$img/manifest.json" "$V" "$T/mnt-$img" <<'PY'
import json, subprocess, sys
m = json.load(open(sys.argv[1]))
assert m["image"]["trees_by_verity"] is True and len(m["trees"]) == 2
for t in m["trees"]:
    got = subprocess.run([sys.argv[2], "tree-digest", "--root", sys.argv[3], t["path"]],
                         check=True, capture_output=True, text=True).stdout[:64]
    assert "sha256:" + got == t["digest"], (t, got)
PY
		done
	else
		skip "$fmt: the marked tree digests are those of the verity image's data" "needs root and loop devices"
	fi
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

# the trees by reference: two events naming the root and the paths, no walk
check "trees by verity: the guest's tree events are SHA-256(\"vouch.tree-by-verity\" || R || path), computed here" \
	"$PY" - "$T/run/guest-evlog.cbor" "$T/ext4-v1/manifest.json" <<'PY'
import cbor2, hashlib, json, sys
m = json.load(open(sys.argv[2]))
root = bytes.fromhex(m["image"]["verity_root"][7:])
trees = {t["name"]: t["path"] for t in m["trees"]}
ev = [(e[1], e[5][1], e[3][0][1]) for e in cbor2.loads(open(sys.argv[1], "rb").read()) if e[1] == 12]
want = [(12, b"vouch.%s-tree.verity" % n.encode(),
         hashlib.sha256(b"vouch.tree-by-verity" + root + trees[n].encode()).digest()) for n in ("agent", "harness")]
assert ev == want, (ev, want)
PY
check "trees by verity: the console says so, and no tree was walked" sh -c \
	"grep -aq 'vouch.agent-tree.verity /opt/agent: by verity root' '$T/run/console.log' &&
	 ! grep -aq 'entries, .* bytes' '$T/run/console.log'"

# the same image, the trees walked in the guest: the guest's digests are
# the pinned ones (those the referenced run reported)
"$V" run --image "$T/ext4-walk" --kernel "$kernel" --initrd "$initrd" -o "$T/walk" --quiet >"$T/walk.out" 2>&1
rc=$?
sed 's/^/# /' "$T/walk.out"
check "--walk-trees: the guest walks the same image and gets the marked manifest's digests: PASSED, report.json says walked" sh -c \
	"[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$T/walk.out' && grep -aq 'vouch.agent-tree /opt/agent: .* entries' '$T/walk/console.log' &&
	 \"$PY\" -c 'import json,sys; a, b = (json.load(open(p))[\"digests\"] for p in sys.argv[1:]); assert a[\"agent\"] == b[\"agent\"] and a[\"harness\"] == b[\"harness\"], (a, b); assert json.load(open(sys.argv[2]))[\"trees\"] == \"walked\"' '$T/run/report.json' '$T/walk/report.json'"
# a by-reference bundle against the manifest that does not mark the trees
"$B/bin/host-verify" --bundle "$T/run/evidence.cbor" --manifest "$T/ext4-walk/manifest.cbor" >"$T/forged.out" 2>&1
rc=$?
sed 's/^/# /' "$T/forged.out"
check "the referenced run judged against the unmarked manifest: rejected, tree-by-verity" sh -c \
	"[ $rc -eq 2 ] && grep -q 'tree-by-verity' '$T/forged.out' && grep -q 'pin-cmdline' '$T/forged.out'"

check "report.json (trees: by-verity-root) and the signed statement name the verity root the reads were checked against" \
	"$PY" - "$T/run" "$(jget "$T/ext4-v1/manifest.json" verity_root)" <<'PY'
import base64, json, sys
out, root = sys.argv[1], sys.argv[2]
rep = json.load(open(out + "/report.json"))
assert rep["digests"]["verity_root"] == root and rep["trees"] == "by-verity-root", rep["trees"]
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
	local off d=$T/${dir:-ext4-v1}
	off=$("$PY" -c "
d = open('$d/rootfs.img', 'rb').read(); a = open('$2', 'rb').read()[$3:$3 + 128]
i = d.find(a); assert i > 0 and d.find(a, i + 1) < 0; print(i + 64)") ||
		{ echo "Bail out! $2 not found in the image"; exit 99; }
	cp "$d/rootfs.img" "$T/pristine.img"
	printf 'Z' | dd of="$d/rootfs.img" bs=1 seek="$off" conv=notrunc 2>/dev/null
	"$V" run --image "$d" --kernel "$kernel" --initrd "$initrd" -o "$T/$1" --quiet >"$T/$1.out" 2>&1
	rc=$?
	cp "$T/pristine.img" "$d/rootfs.img"
	sed 's/^/# /' "$T/$1.out"
}

# the shell the harness runs (busybox, outside the measured trees): the
# harness cannot run it, and guest-init, seeing the verity device refused
# blocks, records so in the chain: rejected as another root image, quoted
tampered sh /bin/busybox 64
check "a changed byte in busybox: rejected (pin-rootfs: verity refused blocks), quoted, tests kept" sh -c \
	"[ $rc -eq 2 ] && grep -q 'verdict: REJECTED' '$T/sh.out' && grep -q 'pin-rootfs: .*refused blocks' '$T/sh.out' &&
	 ! grep -q 'quote-missing' '$T/sh.out' && [ -s '$T/sh/evidence.cbor' ]"

# the agent's file, trees by reference: refused when the agent reads it;
# guest-init records the refused blocks: rejected, quoted
tampered bad samples/calc/agent/calc 0
check "a changed byte in the agent's file, referenced: rejected (pin-rootfs: verity refused blocks), quoted" sh -c \
	"[ $rc -eq 2 ] && grep -q 'verdict: REJECTED' '$T/bad.out' && grep -q 'pin-rootfs: .*refused blocks' '$T/bad.out' &&
	 grep -aq 'verity: .*corrupted' '$T/bad/console.log' && ! grep -q 'quote-missing' '$T/bad.out'"
# the same byte with the trees walked: refused when guest-init walks them,
# before the harness
dir=ext4-walk tampered badwalk samples/calc/agent/calc 0
check "a changed byte in the agent's file, walked: not passed, an I/O error where it was read" sh -c \
	"[ $rc -ne 0 ] && ! grep -q 'verdict: PASSED' '$T/badwalk.out' && grep -q 'input/output error' '$T/badwalk.out' &&
	 grep -aq 'verity: .*corrupted' '$T/badwalk/console.log' && grep -q 'do not match the pinned' '$T/badwalk.out' &&
	 grep -q 'pin-rootfs' '$T/badwalk.out'"
finish
