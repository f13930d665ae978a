#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bundled sample as an OCI layout (samples/oci/mksample: three layers,
# gzip, zstd and plain, a whiteout) flattens, as ext4 and as erofs, to the
# tree umoci unpacks and to the tree tools/mkrootfs-sample builds directly
# (ext4 adds mke2fs's empty lost+found); the manifest pins the agent and
# harness digests mkrootfs-sample reports.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" umoci mkfs.erofs mke2fs
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	{ echo "1..0 # SKIP needs busybox-static"; exit 77; }
can_mount || { echo "1..0 # SKIP needs root, loop devices, ext4 and erofs to read images back"; exit 77; }

samples/oci/mksample "$T/oci" >/dev/null || exit 99
MKSAMPLE_LAYER2=gzip samples/oci/mksample "$T/oci-gz" >/dev/null || exit 99 # umoci 0.4: no zstd
umoci raw unpack --image "$T/oci-gz:latest" "$T/umoci" >/dev/null 2>&1 || exit 99
with_lpf "$T/umoci" "$T/umoci-lpf" || exit 99
VOUCH=$V tools/mkrootfs-sample "$T/ref.img" >/dev/null 2>&1 || exit 99
img_tree "$T/ref.img" "$T/ref" || exit 99
with_lpf "$T/ref" "$T/ref-lpf" || exit 99
for f in ext4 erofs; do
	lpf=
	[ $f = ext4 ] && lpf=-lpf
	check "$f: vouch image of the sample layout" sh -c "'$V' image --format $f '$T/oci' -o '$T/out-$f' >/dev/null"
	img_tree "$T/out-$f/rootfs.img" "$T/m-$f" || exit 99
	m=$T/m-$f
	check "$f: whiteout applied: /etc/motd gone" test ! -e "$m/etc/motd" -a -f "$m/etc/passwd"
	check "$f: tree digest equals umoci's" same "$(digest "$m")" "$(digest "$T/umoci$lpf")"
	check "$f: tree digest equals tools/mkrootfs-sample's image" same "$(digest "$m")" "$(digest "$T/ref$lpf")"
	for t in agent harness; do
		d=$("$PY" -c 'import json,sys; print([x["digest"][7:] for x in json.load(open(sys.argv[1]))["trees"] if x["name"]==sys.argv[2]][0])' \
			"$T/out-$f/manifest.json" "$t")
		check "$f: manifest pins the $t digest mkrootfs-sample reports" same "$d" "$(awk -v t="$t" '$1 == t {print $3}' "$T/ref.img.trees")"
	done
done
check "the default format is ext4" sh -c "'$V' image '$T/oci' -o '$T/out' >/dev/null && cmp -s '$T/out/rootfs.img' '$T/out-ext4/rootfs.img'"
finish
