#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bundled sample as an OCI layout (samples/oci/mksample: three layers,
# gzip, zstd and plain, a whiteout) flattens to the tree umoci unpacks and
# to the tree tools/mkrootfs-sample builds directly; the manifest pins the
# agent and harness digests mkrootfs-sample reports.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" umoci mkfs.erofs
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	{ echo "1..0 # SKIP needs busybox-static"; exit 77; }
can_mount || { echo "1..0 # SKIP needs root, loop devices and erofs to read images back"; exit 77; }

samples/oci/mksample "$T/oci" >/dev/null || exit 99
MKSAMPLE_LAYER2=gzip samples/oci/mksample "$T/oci-gz" >/dev/null || exit 99 # umoci 0.4: no zstd
check "vouch image of the sample layout" "$V" image "$T/oci" -o "$T/out"
img_tree "$T/out/rootfs.img" "$T/m" || exit 99
check "whiteout applied: /etc/motd gone" test ! -e "$T/m/etc/motd" -a -f "$T/m/etc/passwd"
umoci raw unpack --image "$T/oci-gz:latest" "$T/umoci" >/dev/null 2>&1 || exit 99
check "tree digest equals umoci's" same "$(digest "$T/m")" "$(digest "$T/umoci")"
VOUCH=$V tools/mkrootfs-sample "$T/ref.img" >/dev/null 2>&1 || exit 99
img_tree "$T/ref.img" "$T/ref" || exit 99
check "tree digest equals tools/mkrootfs-sample's image" same "$(digest "$T/m")" "$(digest "$T/ref")"
for t in agent harness; do
	m=$("$PY" -c 'import json,sys; print([x["digest"][7:] for x in json.load(open(sys.argv[1]))["trees"] if x["name"]==sys.argv[2]][0])' \
		"$T/out/manifest.json" "$t")
	check "manifest pins the $t digest mkrootfs-sample reports" same "$m" "$(awk -v t="$t" '$1 == t {print $3}' "$T/ref.img.trees")"
done
finish
