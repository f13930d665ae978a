#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vouch image against umoci, for ext4 (the default) and erofs: the same
# layers (whiteouts of hard-linked files, opaque directories re-populated
# later, links across layers, symlinks, setuid/setgid/sticky, owners,
# FIFOs, devices as root) flatten to the same tree digest; every source
# form and compression gives the same image; xattrs, link counts and mtimes
# survive; the manifest's tree digests are those of the image.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" umoci mkfs.erofs mke2fs
can_mount || { echo "1..0 # SKIP needs root, loop devices, ext4 and erofs to read images back"; exit 77; }

$MKOCI basic "$T/gz" --compress gzip || exit 99
$MKOCI basic "$T/plain" --compress none || exit 99
$MKOCI basic "$T/zst" --compress zstd || exit 99
$MKOCI basic "$T/docker" --docker || exit 99
umoci raw unpack --image "$T/gz:latest" "$T/umoci" >/dev/null 2>&1 || exit 99
with_lpf "$T/umoci" "$T/umoci-lpf" || exit 99
tar -C "$T/gz" -cf "$T/layout.tar" . && tar -C "$T/docker" -cf "$T/docker.tar" . || exit 99
tar -C "$T/umoci" --numeric-owner --xattrs --xattrs-include='*' -czf "$T/rootfs.tgz" . || exit 99
$MKOCI implicit-parents "$T/imp" || exit 99
umoci raw unpack --image "$T/imp:latest" "$T/imp-umoci" >/dev/null 2>&1 || exit 99
with_lpf "$T/imp-umoci" "$T/imp-umoci-lpf" || exit 99

# ref FMT TREE: the digest an image of format FMT must hold for TREE
ref() { if [ "$1" = ext4 ]; then digest "$2-lpf"; else digest "$2"; fi; }

for f in ext4 erofs; do
	o=$T/$f
	mkdir -p "$o"
	check "$f: gzip layers: vouch image succeeds" "$V" image --format "$f" "$T/gz" -o "$o/gz"
	img_tree "$o/gz/rootfs.img" "$o/m" || exit 99
	m=$o/m
	check "$f: gzip layers: tree digest equals umoci's" same "$(digest "$m")" "$(ref "$f" "$T/umoci")"
	[ "$f" = ext4 ] && check "ext4: lost+found is mke2fs's, empty, 0700 root" lpf_empty "$m"
	check "$f: opaque dir re-populated: lower entries gone" test ! -e "$m/opq/old1" -a ! -e "$m/opq/sub/old2"
	check "$f: opaque dir re-populated: later entries kept" test -f "$m/opq/new" -a -f "$m/opq/sub/again"
	check "$f: whiteout of one hard-linked name keeps the others" \
		test ! -e "$m/etc/hl-b" -a ! -e "$m/etc/hl-a" -a -f "$m/etc/hl-c"
	check "$f: hard link across layers shares the inode" test "$m/etc/hl-c" -ef "$m/etc/hl-d"
	check "$f: hard link count" same "$(stat -c %h "$m/etc/hl-c") $(stat -c %h "$m/etc/passwd")" "2 1"
	check "$f: setuid, setgid, sticky kept" test -u "$m/bin/tool" -a -g "$m/bin/sgid" -a -k "$m/tmp"
	check "$f: symlinks kept as they are" test "$(readlink "$m/bin/abs")" = /etc/passwd
	check "$f: device nodes kept" same "$(stat -c '%F %t:%T' "$m/dev/null" "$m/dev/loop0" | tr '\n' ' ')" \
		"character special file 1:3 block special file 7:0 "
	check "$f: FIFO kept" test -p "$m/run/fifo"
	xa=$("$PY" -c 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex(), os.getxattr(sys.argv[2], "user.note").decode())' \
		"$m/bin/cap" "$m/home/u/notes" 2>&1)
	check "$f: xattrs kept (security.capability, user.*)" same "$xa" "0100000200040000000000000000000000000000 hi"
	check "$f: mtimes kept" same "$(stat -c %Y "$m/opt/agent/calc")" 1699999000

	for v in plain zst docker; do
		check "$f: $v: vouch image succeeds" "$V" image --format "$f" "$T/$v" -o "$o/$v"
		check "$f: $v: same image bytes as gzip layers" cmp -s "$o/$v/rootfs.img" "$o/gz/rootfs.img"
	done
	for v in layout docker; do
		check "$f: $v as a tar: same image bytes" sh -c "'$V' image --format $f '$T/$v.tar' -o '$o/$v-tar' >/dev/null &&
			cmp -s '$o/$v-tar/rootfs.img' '$o/gz/rootfs.img'"
	done
	for v in rootfs.tgz umoci; do
		"$V" image --format "$f" "$T/$v" -o "$o/$v" >/dev/null &&
			img_tree "$o/$v/rootfs.img" "$o/m-$v" || { notok "$f: $v: vouch image"; continue; }
		check "$f: $v (plain tree): tree digest equals umoci's" same "$(digest "$o/m-$v")" "$(ref "$f" "$T/umoci")"
	done
	"$V" image --format "$f" "$T/imp" -o "$o/imp" >/dev/null && img_tree "$o/imp/rootfs.img" "$o/m-imp" || exit 99
	check "$f: parents without entries: tree digest equals umoci's" same "$(digest "$o/m-imp")" "$(ref "$f" "$T/imp-umoci")"

	for t in agent harness; do
		d=$("$PY" -c 'import json,sys; t=[x for x in json.load(open(sys.argv[1]))["trees"] if x["name"]==sys.argv[2]][0]; print(t["digest"][7:])' \
			"$o/gz/manifest.json" "$t")
		check "$f: manifest: $t tree digest is the image's /opt/$t" same "$d" "$("$V" tree-digest --root "$m" "opt/$t" | cut -c1-64)"
	done
	cb=$("$PY" - "$o/gz/manifest.cbor" "$o/gz/manifest.json" "$o/gz/rootfs.img" "$f" <<'PY' 2>&1
import cbor2, hashlib, json, sys
m = cbor2.loads(open(sys.argv[1], "rb").read())
j = json.load(open(sys.argv[2]))
img = open(sys.argv[3], "rb").read()
assert m[0] == 1 and m[1][2] == sys.argv[4] == j["image"]["format"] and m[1][1] == len(img), m[1]
assert m[1][0] == hashlib.sha256(img).digest()
assert [(t[0], t[1], "sha256:" + t[2].hex()) for t in m[2]] == \
    [(t["name"], t["path"], t["digest"]) for t in j["trees"]]
assert m[4] == {0: j["config"]["argv"], 1: j["config"]["env"], 2: j["config"]["cwd"], 3: j["config"]["user"]}
print("same")
PY
	)
	check "$f: manifest.cbor: image digest, size and format, and the same values as manifest.json" same "$cb" same
done

# times as the kernel reads them back: nanoseconds, and past 2038 (ext4
# keeps two epoch bits beside the 32-bit seconds)
mkdir -p "$T/tm" && echo a >"$T/tm/late" && echo b >"$T/tm/ns" &&
	touch -d @4000000000.5 "$T/tm/late" && touch -d @1600000000.123456789 "$T/tm/ns" || exit 99
for f in ext4 erofs; do
	SOURCE_DATE_EPOCH=4102444800 "$V" image --format $f "$T/tm" -o "$T/tm-$f" >/dev/null &&
		img_tree "$T/tm-$f/rootfs.img" "$T/m-tm-$f" || exit 99
	check "$f: mtimes past 2038 and nanoseconds kept" \
		same "$(stat -c '%.9Y' "$T/m-tm-$f/late" "$T/m-tm-$f/ns" | tr '\n' ' ')" "4000000000.500000000 1600000000.123456789 "
done

# The ext4 block size is the smallest image's (the larger within 2%): the
# basic layout above and many small files take 1 KiB blocks, the same with
# a symlink target of 1500 bytes (more than a 1 KiB block holds) or 1500
# bytes of xattrs on a file 2 KiB, a few 4 MiB files 4 KiB; each image
# holds umoci's tree.
check "ext4: basic layout (small files): 1 KiB blocks" same "$(ext4_block "$T/ext4/gz/rootfs.img")" 1024
mkdir -p "$T/bs/small/d/e" "$T/bs/large" || exit 99
for i in $(seq 1 1500); do printf '%*s\n' $((i % 300)) "$i" >"$T/bs/small/d/f$i" || exit 99; done
ln -s d/f1 "$T/bs/small/link" && ln "$T/bs/small/d/f2" "$T/bs/small/hard" &&
	cp -a "$T/bs/small" "$T/bs/link" && ln -s "/$(head -c 1500 /dev/zero | tr '\0' x)" "$T/bs/link/long" &&
	cp -a "$T/bs/small" "$T/bs/xattr" && "$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.big", b"x" * 1500)' "$T/bs/xattr/d/f1" ||
	exit 99
for i in 1 2 3; do head -c $((4 << 20)) /dev/urandom >"$T/bs/large/f$i" || exit 99; done
for k in small:1024 link:2048 large:4096; do
	d=${k%:*} want=${k#*:}
	oci_from "$T/bs" "$d" "$T/bs/$d-oci" && umoci raw unpack --image "$T/bs/$d-oci:latest" "$T/bs/$d-umoci" >/dev/null 2>&1 &&
		with_lpf "$T/bs/$d-umoci" "$T/bs/$d-lpf" && "$V" image "$T/bs/$d-oci" -o "$T/bs/$d-img" >/dev/null &&
		img_tree "$T/bs/$d-img/rootfs.img" "$T/bs/m-$d" || { notok "ext4: $d: vouch image"; continue; }
	check "ext4: $d: $want-byte blocks" same "$(ext4_block "$T/bs/$d-img/rootfs.img")" "$want"
	check "ext4: $d: tree digest equals umoci's" same "$(digest "$T/bs/m-$d")" "$(digest "$T/bs/$d-lpf")"
done
check "ext4: a 1500-byte symlink target reads back" same "$(readlink "$T/bs/m-link/link/long" | wc -c)" 1502
"$V" image "$T/bs/xattr" -o "$T/bs/xattr-img" >/dev/null && img_tree "$T/bs/xattr-img/rootfs.img" "$T/bs/m-xattr" || exit 99
check "ext4: 1500 bytes of xattrs on a file: 2048-byte blocks" same "$(ext4_block "$T/bs/xattr-img/rootfs.img")" 2048
check "ext4: 1500 bytes of xattrs on a file: they read back" \
	same "$("$PY" -c 'import os, sys; print(len(os.getxattr(sys.argv[1], "user.big")))' "$T/bs/m-xattr/d/f1")" 1500
with_lpf "$T/bs/xattr" "$T/bs/xattr-lpf" || exit 99
check "ext4: 1500 bytes of xattrs on a file: the tree reads back" same "$(digest "$T/bs/m-xattr")" "$(digest "$T/bs/xattr-lpf")"

check "ext4 is the default format" sh -c "'$V' image '$T/gz' -o '$T/o-default' >/dev/null &&
	cmp -s '$T/o-default/rootfs.img' '$T/ext4/gz/rootfs.img'"
e2fsck -fn "$T/ext4/plain/rootfs.img" >"$T/fsck.log" 2>&1 # the same bytes, not mounted
rc=$?
check "ext4 image: e2fsck -fn finds it clean" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$T/fsck.log"
check "an unknown format is a usage error (64), nothing made" \
	sh -c "'$V' image --format squashfs '$T/gz' -o '$T/o-sq' 2>/dev/null; [ \$? -eq 64 ] && [ ! -e '$T/o-sq' ]"
cfg=$("$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; print(c["argv"], c["cwd"], c["user"])' "$T/ext4/gz/manifest.json")
check "manifest: run defaults from the image config" same "$cfg" "['/bin/sh', '-c', '/opt/harness/run-tests'] /opt 1000:1000"
check "--agent overrides the label" sh -c "'$V' image '$T/gz' -o '$T/o-flag' --agent /bin >/dev/null &&
	grep -q '\"path\": \"/bin\"' '$T/o-flag/manifest.json'"
check "--agent naming a missing path is refused, nothing left" sh -c "! '$V' image '$T/gz' -o '$T/o-miss' --agent /nope 2>/dev/null && [ ! -e '$T/o-miss' ]"
finish
