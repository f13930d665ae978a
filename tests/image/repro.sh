#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# rootfs.img and the manifests are the same bytes whatever the time, the
# folder, the umask, root or fakeroot, or whether SOURCE_DATE_EPOCH repeats
# the config's "created": for ext4 (the default) and for erofs. ext4 also:
# e2fsck finds the images clean; with no date at all (epoch 0) every time
# in the image is 0 and two builds seconds apart agree; a changed file
# changes the image. The block size the tree picks is the same on every
# build.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" mkfs.erofs mke2fs e2fsck debugfs

$MKOCI basic "$T/a/layout" --no-devices || exit 99
cp -a "$T/a/layout" "$T/elsewhere" || exit 99
$MKOCI implicit-parents "$T/imp" || exit 99
mkdir -p "$T/b" "$T/c" || exit 99
for f in ext4 erofs; do
	(unset SOURCE_DATE_EPOCH; "$V" image --format $f "$T/a/layout" -o "$T/a/$f" >/dev/null) || exit 99
	sleep 1.1
	(cd "$T" && SOURCE_DATE_EPOCH=1700000000 "$V" image --format $f elsewhere -o b/$f >/dev/null) || exit 99
	for o in rootfs.img manifest.cbor manifest.json; do
		check "$f: $o: same bytes (other time, folder, SOURCE_DATE_EPOCH set)" cmp -s "$T/a/$f/$o" "$T/b/$f/$o"
	done
	SOURCE_DATE_EPOCH=1800000000 "$V" image --format $f "$T/a/layout" -o "$T/c/$f" >/dev/null || exit 99
	check "$f: another SOURCE_DATE_EPOCH: another image" sh -c "! cmp -s '$T/a/$f/rootfs.img' '$T/c/$f/rootfs.img'"
	check "$f: another SOURCE_DATE_EPOCH: same measured trees" \
		sh -c "grep digest '$T/a/$f/manifest.json' | tail -2 > '$T/t1'; grep digest '$T/c/$f/manifest.json' | tail -2 > '$T/t2'; cmp -s '$T/t1' '$T/t2'"
	(umask 077; "$V" image --format $f "$T/imp" -o "$T/imp-077-$f" >/dev/null) &&
		(umask 022; "$V" image --format $f "$T/imp" -o "$T/imp-022-$f" >/dev/null) || exit 99
	check "$f: parents without entries: same bytes under umask 077 and 022" \
		cmp -s "$T/imp-077-$f/rootfs.img" "$T/imp-022-$f/rootfs.img"
done
check "ext4: basic layout: the block size the tree picks (1 KiB) on both builds" \
	same "$(ext4_block "$T/a/ext4/rootfs.img") $(ext4_block "$T/b/ext4/rootfs.img")" "1024 1024"
check "ext4 and erofs: the same measured trees" \
	sh -c "grep digest '$T/a/ext4/manifest.json' | tail -2 > '$T/t1'; grep digest '$T/a/erofs/manifest.json' | tail -2 > '$T/t2'; cmp -s '$T/t1' '$T/t2'"

# fsck IMG NAME: e2fsck -fn finds IMG clean
fsck() {
	e2fsck -fn "$1" >"$T/fsck.log" 2>&1
	local rc=$?
	check "ext4: e2fsck -fn: $2 clean" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/# /' "$T/fsck.log"
}
fsck "$T/a/ext4/rootfs.img" "basic layout"
fsck "$T/imp-022-ext4/rootfs.img" "parents without entries"

# another user: vouch image runs itself under fakeroot; owners, setuid bits,
# devices and capabilities come out the same (with a user's PATH: no sbin)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v fakeroot >/dev/null; then
	chmod 755 "$T" && mkdir -m 777 "$T/u" && $MKOCI basic "$T/u/layout" && chmod -R a+rX "$T/u" || exit 99
	for f in ext4 erofs; do
		"$V" image --format $f "$T/u/layout" -o "$T/root-$f" >/dev/null || exit 99
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/u" PATH=/usr/local/bin:/usr/bin:/bin \
			"$V" image --format $f "$T/u/layout" -o "$T/u/$f" >/dev/null 2>&1
		check "$f: non-root build (fakeroot): same bytes as root's" cmp -s "$T/root-$f/rootfs.img" "$T/u/$f/rootfs.img"
	done
	# the same boot components for both (each user's vouch would find its
	# own kernel cache, or none)
	mkdir -p "$T/u/boot" && printf kernel >"$T/u/boot/k" && printf initrd >"$T/u/boot/i" &&
		chmod -R a+rX "$T/u/boot" || exit 99
	"$V" image --verity "$T/u/layout" -o "$T/root-verity" --kernel "$T/u/boot/k" --initrd "$T/u/boot/i" \
		>/dev/null || exit 99
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/u" PATH=/usr/local/bin:/usr/bin:/bin \
		"$V" image --verity "$T/u/layout" -o "$T/u/verity" --kernel "$T/u/boot/k" --initrd "$T/u/boot/i" \
		>/dev/null 2>&1
	check "--verity: non-root build (fakeroot, veritysetup outside PATH): same bytes and manifest as root's" \
		sh -c "cmp -s '$T/root-verity/rootfs.img' '$T/u/verity/rootfs.img' &&
		       cmp -s '$T/root-verity/manifest.cbor' '$T/u/verity/manifest.cbor'"
	check "ext4: non-root build (fakeroot): the same block size as root's" \
		same "$(ext4_block "$T/u/ext4/rootfs.img")" "$(ext4_block "$T/root-ext4/rootfs.img")"
	fsck "$T/root-ext4/rootfs.img" "devices, FIFO, hard links, capabilities"
else
	skip "non-root build (fakeroot)" "needs root (to switch to nobody), setpriv and fakeroot"
fi

if [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; then
	samples/oci/mksample "$T/s1" >/dev/null && sleep 1.1 && samples/oci/mksample "$T/s2" >/dev/null || exit 99
	check "sample layout: same bytes on two builds" diff -r "$T/s1" "$T/s2"
	for f in ext4 erofs; do
		"$V" image --format $f "$T/s1" -o "$T/s1-$f" >/dev/null && "$V" image --format $f "$T/s2" -o "$T/s2-$f" >/dev/null || exit 99
		check "$f: sample image: same bytes on two builds" cmp -s "$T/s1-$f/rootfs.img" "$T/s2-$f/rootfs.img"
	done
	check "ext4: sample image: the same block size on two builds" \
		same "$(ext4_block "$T/s1-ext4/rootfs.img")" "$(ext4_block "$T/s2-ext4/rootfs.img")"
	fsck "$T/s1-ext4/rootfs.img" "sample image ($(ext4_block "$T/s1-ext4/rootfs.img")-byte blocks)"
else
	skip "sample layout" "needs busybox-static"
	skip "sample image" "needs busybox-static"
fi

# The block size comes from the tree alone: many small files take 1 KiB
# blocks, a few 4 MiB files 4 KiB, the same on a build elsewhere (another
# folder, umask and time); e2fsck finds both clean.
mkdir -p "$T/bs/small/d" "$T/bs/large" || exit 99
for i in $(seq 1 1500); do printf '%*s\n' $((i % 300)) "$i" >"$T/bs/small/d/f$i" || exit 99; done
for i in 1 2 3; do head -c $((4 << 20)) /dev/urandom >"$T/bs/large/f$i" || exit 99; done
for k in small:1024 large:4096; do
	d=${k%:*} want=${k#*:}
	oci_from "$T/bs" "$d" "$T/bs/$d-oci" && cp -a "$T/bs/$d-oci" "$T/bs/$d-elsewhere" || exit 99
	"$V" image "$T/bs/$d-oci" -o "$T/bs/$d-1" >/dev/null && sleep 1.1 &&
		(cd "$T/bs" && umask 077 && "$V" image "$d-elsewhere" -o "$d-2" >/dev/null) || exit 99
	check "ext4: $d files: $want-byte blocks on both builds" \
		same "$(ext4_block "$T/bs/$d-1/rootfs.img") $(ext4_block "$T/bs/$d-2/rootfs.img")" "$want $want"
	check "ext4: $d files: same bytes on both builds" cmp -s "$T/bs/$d-1/rootfs.img" "$T/bs/$d-2/rootfs.img"
	fsck "$T/bs/$d-1/rootfs.img" "$d files ($want-byte blocks)"
done

# A directory has no "created": without SOURCE_DATE_EPOCH the build time is
# 0, and so is every time in the image, superblocks included.
mkdir -p "$T/d/sub" && echo one >"$T/d/sub/f" && ln -s f "$T/d/sub/l" && mkfifo "$T/d/p" || exit 99
(unset SOURCE_DATE_EPOCH; "$V" image "$T/d" -o "$T/d0" >/dev/null && sleep 2.1 && "$V" image "$T/d" -o "$T/d1" >/dev/null) || exit 99
check "epoch 0: same bytes on two builds seconds apart" cmp -s "$T/d0/rootfs.img" "$T/d1/rootfs.img"
zero=0
for p in / /sub /sub/f /sub/l /p /lost+found; do
	z=$(debugfs -R "stat $p" "$T/d0/rootfs.img" 2>/dev/null | grep -cE '^ *(c|a|m|cr)time: 0x00000000:00000000 ')
	[ "$z" = 4 ] || { echo "# $p: $z of ctime, atime, mtime, crtime are 0"; zero=1; }
done
check "epoch 0: every inode's ctime, atime, mtime and crtime are 0" test $zero -eq 0
# s_mtime, s_wtime, s_lastcheck, s_mkfs_time and their high bytes
sb=$("$PY" -c 'import struct,sys; f=open(sys.argv[1],"rb"); f.seek(1024); s=f.read(1024)
print([struct.unpack_from("<I", s, o)[0] for o in (0x2c, 0x30, 0x40, 0x108)] + list(s[0x274:0x278]))' "$T/d0/rootfs.img")
check "epoch 0: superblock times are 0" same "$sb" "[0, 0, 0, 0, 0, 0, 0, 0]"
fsck "$T/d0/rootfs.img" "epoch 0"
printf 'two\n' >"$T/d/sub/f" && touch -d @0 "$T/d/sub/f" || exit 99
(unset SOURCE_DATE_EPOCH; "$V" image "$T/d" -o "$T/d2" >/dev/null) || exit 99
check "a changed file (same size, same mtime): another image" sh -c "! cmp -s '$T/d0/rootfs.img' '$T/d2/rootfs.img'"
finish
