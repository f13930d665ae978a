#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vouch image against umoci: the same layers (whiteouts of hard-linked
# files, opaque directories re-populated later, links across layers,
# symlinks, setuid/setgid/sticky, owners, FIFOs, devices as root) flatten to
# the same tree digest; every source form and compression gives the same
# tree; xattrs survive; the manifest's tree digests are those of the image.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" umoci mkfs.erofs
can_mount || { echo "1..0 # SKIP needs root, loop devices and erofs to read images back"; exit 77; }

$MKOCI basic "$T/gz" --compress gzip || exit 99
$MKOCI basic "$T/plain" --compress none || exit 99
$MKOCI basic "$T/zst" --compress zstd || exit 99
$MKOCI basic "$T/docker" --docker || exit 99
umoci raw unpack --image "$T/gz:latest" "$T/umoci" >/dev/null 2>&1 || exit 99
want=$(digest "$T/umoci")

check "gzip layers: vouch image succeeds" "$V" image "$T/gz" -o "$T/o-gz"
img_tree "$T/o-gz/rootfs.img" "$T/m-gz" || exit 99
check "gzip layers: tree digest equals umoci's" same "$(digest "$T/m-gz")" "$want"
check "opaque dir re-populated: lower entries gone" test ! -e "$T/m-gz/opq/old1" -a ! -e "$T/m-gz/opq/sub/old2"
check "opaque dir re-populated: later entries kept" test -f "$T/m-gz/opq/new" -a -f "$T/m-gz/opq/sub/again"
check "whiteout of one hard-linked name keeps the others" \
	test ! -e "$T/m-gz/etc/hl-b" -a ! -e "$T/m-gz/etc/hl-a" -a -f "$T/m-gz/etc/hl-c"
check "hard link across layers shares the inode" test "$T/m-gz/etc/hl-c" -ef "$T/m-gz/etc/hl-d"
check "setuid, setgid, sticky kept" test -u "$T/m-gz/bin/tool" -a -g "$T/m-gz/bin/sgid" -a -k "$T/m-gz/tmp"
check "symlinks kept as they are" test "$(readlink "$T/m-gz/bin/abs")" = /etc/passwd
check "device nodes kept" test -c "$T/m-gz/dev/null" -a -b "$T/m-gz/dev/loop0"
check "FIFO kept" test -p "$T/m-gz/run/fifo"
xa=$("$PY" -c 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex(), os.getxattr(sys.argv[2], "user.note").decode())' \
	"$T/m-gz/bin/cap" "$T/m-gz/home/u/notes" 2>&1)
check "xattrs kept (security.capability, user.*)" same "$xa" "0100000200040000000000000000000000000000 hi"
check "mtimes kept" same "$(stat -c %Y "$T/m-gz/opt/agent/calc")" 1699999000

for v in plain zst docker; do
	check "$v: vouch image succeeds" "$V" image "$T/$v" -o "$T/o-$v"
	check "$v: same image bytes as gzip layers" cmp -s "$T/o-$v/rootfs.img" "$T/o-gz/rootfs.img"
done
tar -C "$T/gz" -cf "$T/layout.tar" . && tar -C "$T/docker" -cf "$T/docker.tar" . || exit 99
for v in layout docker; do
	check "$v as a tar: same image bytes" sh -c "'$V' image '$T/$v.tar' -o '$T/o-$v-tar' >/dev/null &&
		cmp -s '$T/o-$v-tar/rootfs.img' '$T/o-gz/rootfs.img'"
done
tar -C "$T/umoci" --numeric-owner --xattrs --xattrs-include='*' -czf "$T/rootfs.tgz" . || exit 99
for v in rootfs.tgz umoci; do
	"$V" image "$T/$v" -o "$T/o-$v" >/dev/null &&
		img_tree "$T/o-$v/rootfs.img" "$T/m-$v" || { notok "$v: vouch image"; continue; }
	check "$v (plain tree): tree digest equals umoci's" same "$(digest "$T/m-$v")" "$want"
done

$MKOCI implicit-parents "$T/imp" || exit 99
umoci raw unpack --image "$T/imp:latest" "$T/imp-umoci" >/dev/null 2>&1 || exit 99
"$V" image "$T/imp" -o "$T/o-imp" >/dev/null && img_tree "$T/o-imp/rootfs.img" "$T/m-imp" || exit 99
check "parents without entries: tree digest equals umoci's" same "$(digest "$T/m-imp")" "$(digest "$T/imp-umoci")"

for t in agent harness; do
	m=$("$PY" -c 'import json,sys; t=[x for x in json.load(open(sys.argv[1]))["trees"] if x["name"]==sys.argv[2]][0]; print(t["digest"][7:])' \
		"$T/o-gz/manifest.json" "$t")
	check "manifest: $t tree digest is the image's /opt/$t" same "$m" "$("$V" tree-digest --root "$T/m-gz" "opt/$t" | cut -c1-64)"
done
cb=$("$PY" - "$T/o-gz/manifest.cbor" "$T/o-gz/manifest.json" "$T/o-gz/rootfs.img" <<'PY' 2>&1
import cbor2, hashlib, json, sys
m = cbor2.loads(open(sys.argv[1], "rb").read())
j = json.load(open(sys.argv[2]))
img = open(sys.argv[3], "rb").read()
assert m[0] == 1 and m[1][2] == "erofs" and m[1][1] == len(img), m[1]
assert m[1][0] == hashlib.sha256(img).digest()
assert [(t[0], t[1], "sha256:" + t[2].hex()) for t in m[2]] == \
    [(t["name"], t["path"], t["digest"]) for t in j["trees"]]
assert m[4] == {0: j["config"]["argv"], 1: j["config"]["env"], 2: j["config"]["cwd"], 3: j["config"]["user"]}
print("same")
PY
)
check "manifest.cbor: image digest and size, and the same values as manifest.json" same "$cb" same
cfg=$("$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; print(c["argv"], c["cwd"], c["user"])' "$T/o-gz/manifest.json")
check "manifest: run defaults from the image config" same "$cfg" "['/bin/sh', '-c', '/opt/harness/run-tests'] /opt 1000:1000"
check "--agent overrides the label" sh -c "'$V' image '$T/gz' -o '$T/o-flag' --agent /bin >/dev/null &&
	grep -q '\"path\": \"/bin\"' '$T/o-flag/manifest.json'"
check "--agent naming a missing path is refused, nothing left" sh -c "! '$V' image '$T/gz' -o '$T/o-miss' --agent /nope 2>/dev/null && [ ! -e '$T/o-miss' ]"
finish
