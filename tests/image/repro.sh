#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# rootfs.img and the manifests are the same bytes whatever the time, the
# folder, or whether SOURCE_DATE_EPOCH repeats the config's "created".
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" mkfs.erofs

$MKOCI basic "$T/a/layout" --no-devices || exit 99
cp -a "$T/a/layout" "$T/elsewhere" || exit 99
(unset SOURCE_DATE_EPOCH; "$V" image "$T/a/layout" -o "$T/a/out" >/dev/null) || exit 99
sleep 1.1
(mkdir -p "$T/b" && cd "$T" && SOURCE_DATE_EPOCH=1700000000 "$V" image elsewhere -o b/out >/dev/null) || exit 99
for f in rootfs.img manifest.cbor manifest.json; do
	check "$f: same bytes (other time, folder, SOURCE_DATE_EPOCH set)" cmp -s "$T/a/out/$f" "$T/b/out/$f"
done
mkdir -p "$T/c" && SOURCE_DATE_EPOCH=1800000000 "$V" image "$T/a/layout" -o "$T/c/out" >/dev/null || exit 99
check "another SOURCE_DATE_EPOCH: another image" sh -c "! cmp -s '$T/a/out/rootfs.img' '$T/c/out/rootfs.img'"
check "another SOURCE_DATE_EPOCH: same measured trees" \
	sh -c "grep digest '$T/a/out/manifest.json' | tail -2 > '$T/t1'; grep digest '$T/c/out/manifest.json' | tail -2 > '$T/t2'; cmp -s '$T/t1' '$T/t2'"

$MKOCI implicit-parents "$T/imp" || exit 99
(umask 077; "$V" image "$T/imp" -o "$T/imp-077" >/dev/null) && (umask 022; "$V" image "$T/imp" -o "$T/imp-022" >/dev/null) || exit 99
check "parents without entries: same bytes under umask 077 and 022" cmp -s "$T/imp-077/rootfs.img" "$T/imp-022/rootfs.img"

# another user: vouch image runs itself under fakeroot; owners, setuid bits,
# devices and capabilities come out the same
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v fakeroot >/dev/null; then
	chmod 755 "$T" && mkdir -m 777 "$T/u" && $MKOCI basic "$T/u/layout" && chmod -R a+rX "$T/u" || exit 99
	"$V" image "$T/u/layout" -o "$T/root-out" >/dev/null || exit 99
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/u" "$V" image "$T/u/layout" \
		-o "$T/u/out" >/dev/null 2>&1
	check "non-root build (fakeroot): same bytes as root's" cmp -s "$T/root-out/rootfs.img" "$T/u/out/rootfs.img"
else
	skip "non-root build (fakeroot)" "needs root (to switch to nobody), setpriv and fakeroot"
fi

if [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; then
	samples/oci/mksample "$T/s1" >/dev/null && sleep 1.1 && samples/oci/mksample "$T/s2" >/dev/null || exit 99
	check "sample layout: same bytes on two builds" diff -r "$T/s1" "$T/s2"
	"$V" image "$T/s1" -o "$T/s1o" >/dev/null && "$V" image "$T/s2" -o "$T/s2o" >/dev/null || exit 99
	check "sample image: same bytes on two builds" cmp -s "$T/s1o/rootfs.img" "$T/s2o/rootfs.img"
else
	skip "sample layout" "needs busybox-static"
	skip "sample image" "needs busybox-static"
fi
finish
