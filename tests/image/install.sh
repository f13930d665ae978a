#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make install into a DESTDIR, and the installed vouch on its own: it finds
# the kernel and initramfs installed beside it (PREFIX/lib/vouch/) with no
# flag, pins them in the image it makes, and runs the sample in a real VM;
# VOUCH_KERNEL/VOUCH_INITRD and --kernel/--initrd still override; without
# the installed files (and outside the build tree) it refuses and says
# where it looked.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need qemu-system-x86_64 swtpm mke2fs make
boot_parts
[ -z "${VOUCH:-}" ] || { echo "1..0 # SKIP installs the build's own vouch"; exit 77; }

D=$T/root P=/usr/local
make -s B="$B" DESTDIR="$D" install >"$T/install.log" 2>&1
check "make install DESTDIR=...: exit 0" test $? -eq 0
for f in bin/vouch bin/host-verify lib/vouch/vmlinux lib/vouch/initramfs.cpio share/man/man1/vouch.1 \
	share/man/man1/vouch-image.1 share/man/man1/host-verify.1 share/man/man8/guest-init.8; do
	[ -f "$D$P/$f" ] || { sed 's/^/# /' "$T/install.log"; echo "# missing $D$P/$f"; }
done >"$T/missing"
check "installed under PREFIX (default /usr/local): programs, lib/vouch/{vmlinux,initramfs.cpio}, man pages" \
	test ! -s "$T/missing"
check "the installed kernel is the pinned one build-kernel cached" cmp -s "$kernel" "$D$P/lib/vouch/vmlinux"
check "the installed initramfs is the build's" cmp -s "$initrd" "$D$P/lib/vouch/initramfs.cpio"
IV=$D$P/bin/vouch

samples/oci/mksample "$T/oci" "$B/guest/guest-probe" >/dev/null 2>&1 || { echo "Bail out! mksample failed"; exit 99; }
(cd "$T" && env -u VOUCH_KERNEL -u VOUCH_INITRD "$IV" image oci -o img) >"$T/image.log" 2>&1
rc=$?
sed 's/^/# /' "$T/image.log"
check "installed vouch image, no kernel flag: exit 0, nothing said on stderr about the kernel" \
	sh -c "[ $rc -eq 0 ] && ! grep -q 'no kernel' '$T/image.log'"
pins=$("$PY" -c 'import json, sys; b = json.load(open(sys.argv[1]))["boot"]; print(b["kernel"], b["initramfs"])' \
	"$T/img/manifest.json")
want="sha256:$(sha256sum <"$D$P/lib/vouch/vmlinux" | cut -c1-64) sha256:$(sha256sum <"$D$P/lib/vouch/initramfs.cpio" | cut -c1-64)"
check "... the manifest pins the installed kernel and initramfs" same "$pins" "$want"

(cd "$T" && env -u VOUCH_KERNEL -u VOUCH_INITRD "$IV" run --image img -o run --quiet) >"$T/run.log" 2>&1
rc=$?
sed 's/^/# /' "$T/run.log"
check "installed vouch run, no kernel flag: a real VM run, PASSED" \
	sh -c "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$T/run.log'"
check "... judged by the installed host-verify too" \
	sh -c "'$D$P/bin/host-verify' --bundle '$T/run/evidence.cbor' --manifest '$T/img/manifest.cbor' >/dev/null"

# the overrides still win over what is found
VOUCH_INITRD=$B/samples/calc.img "$IV" run --image "$T/img" -o "$T/x1" >/dev/null 2>"$T/e1"
check "VOUCH_INITRD overrides the installed initramfs (another one: refused before boot)" \
	sh -c "[ $? -eq 64 ] && grep -q 'initramfs $B/samples/calc.img is not the one the manifest pins' '$T/e1'"
"$IV" run --image "$T/img" --kernel "$initrd" -o "$T/x2" >/dev/null 2>"$T/e2"
check "--kernel overrides the installed kernel (another one: refused before boot)" \
	sh -c "[ $? -eq 64 ] && grep -q 'kernel $initrd is not the one the manifest pins' '$T/e2'"

# without the installed files, outside the build tree: nothing found
mv "$D$P/lib/vouch/initramfs.cpio" "$T/initramfs.away"
env -u VOUCH_KERNEL -u VOUCH_INITRD "$IV" run --image "$T/img" -o "$T/x3" >/dev/null 2>"$T/e3"
check "no installed initramfs: run refused (64), says where it looked" \
	sh -c "[ $? -eq 64 ] && grep -q 'no kernel and initramfs found' '$T/e3' && grep -q '$D$P/bin/../lib/vouch/' '$T/e3'"
env -u VOUCH_KERNEL -u VOUCH_INITRD "$IV" image "$T/oci" -o "$T/img3" >/dev/null 2>"$T/e4"
check "... vouch image still builds, pins no kernel and says so" \
	sh -c "[ $? -eq 0 ] && grep -q 'no kernel pinned' '$T/e4' && ! grep -q '\"boot\"' '$T/img3/manifest.json'"
mv "$T/initramfs.away" "$D$P/lib/vouch/initramfs.cpio"

make -s B="$B" DESTDIR="$D" uninstall >/dev/null 2>&1
check "make uninstall leaves no file of vouch's" sh -c "[ -z \"\$(find '$D' -type f)\" ]"
finish
