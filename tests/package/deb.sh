#!/usr/bin/env bash
# The Debian package as a runner admin gets it: built from the tree with the
# standard tools (make deb: dpkg-buildpackage, debhelper), lintian clean,
# installed with apt (the README's commands) into a clean Debian 12 root
# (mmdebstrap --variant=apt, cached by the digest of its inputs) with no
# recommends, so that Depends alone must be enough. There the installed
# vouch, run by a new user who is not root (a CI runner's), turns the
# bundled sample into an image and runs it attested in a real VM (QEMU TCG,
# swtpm, all from the root's own packages) with no --kernel or --initrd.
# The forgeries: an installed kernel changed by one byte, and one that is
# missing, are refused by name; the package's vouch never falls back on a
# build tree.
#
# Caches under ${VOUCH_CACHE:-~/.cache/vouch}/debian-root/: the root's tar
# (key: its recipe below, the host's Debian sources, mmdebstrap's version)
# and apt's downloaded .debs (apt still resolves every dependency itself).
set -u
B=${B:-build}
n=0 fail=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
skip() { echo "1..0 # SKIP $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (a chroot with /dev and /proc mounted)"
for tool in dpkg-buildpackage dh mmdebstrap lintian unshare chroot; do
	command -v $tool >/dev/null || skip "$tool not installed (tools/apt-packages)"
done
top=$(pwd)
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null) || { echo "Bail out! no kernel"; exit 99; }
ver=$(sed -n 's/^#define VOUCH_VERSION "\(.*\)"$/\1/p' measured-boot/version.h)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT # the root's mounts live in namespaces of their own
t0=$(date +%s)

# ---- the package ----
# the README's command: make deb (tools/mkdeb), into a build folder of its own
deb=$(make -s deb B="$tmp/out" 2>"$tmp/mkdeb.err" | tail -n 1)
t_build=$(( $(date +%s) - t0 ))
echo "# package built in ${t_build}s"
[ -f "$deb" ] && [ "$deb" = "$tmp/out/vouch_${ver}_amd64.deb" ] ||
	{ sed 's/^/# /' "$tmp/mkdeb.err"; echo "Bail out! make deb failed"; exit 99; }
check "[ \"\$(dpkg-deb -f '$deb' Version)\" = '$ver' ]" \
	"dpkg-buildpackage made vouch_${ver}_amd64.deb: the version is measured-boot/version.h's"
# the forgery: a changelog naming another version than version.h
mkdir -p "$tmp/v/debian" "$tmp/v/measured-boot"
cp debian/rules debian/changelog "$tmp/v/debian/" && cp measured-boot/version.h "$tmp/v/measured-boot/"
sed -i "1s/(\(.*\))/(\1.1)/" "$tmp/v/debian/changelog"
(cd "$tmp/v" && make -s -f debian/rules override_dh_auto_configure) >"$tmp/v.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/v.out"
check "[ $rc -ne 0 ] && grep -q 'debian/changelog says $ver.1, measured-boot/version.h says $ver' '$tmp/v.out'" \
	"a changelog naming another version than measured-boot/version.h: the build refuses it"
deps=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $deps"
check "for p in e2fsprogs qemu-system-x86 swtpm swtpm-tools fakeroot libtss2-esys-3.0.2-0 libext2fs2; do
	echo ', $deps,' | grep -Eq \"[ ,]\$p( |,)\" || exit 1; done" \
	"Depends: what vouch runs (mke2fs, QEMU, swtpm, swtpm_setup, fakeroot) and the libraries dh_shlibdeps found"
dpkg-deb -x "$deb" "$tmp/x"
check "cmp -s '$kernel' '$tmp/x/usr/lib/vouch/vmlinux'" \
	"/usr/lib/vouch/vmlinux is the cached pinned kernel, byte for byte (not stripped)"
check "! grep -q '^build-kernel: \\[' '$tmp/out/deb/build.log'" \
	"the package build took the cached kernel, it did not build one"
check "! grep -qF '$top' '$tmp/x/usr/bin/vouch' && ! grep -qF '$tmp/out' '$tmp/x/usr/bin/vouch'" \
	"the package's vouch names no build tree (it looks only in /usr/lib/vouch)"
lintian --fail-on error,warning "$tmp/out/deb/vouch_${ver}_amd64.changes" >"$tmp/lintian.out" 2>&1
rc=$?
grep -v '^running with root privileges' "$tmp/lintian.out" | sed 's/^/# lintian: /'
check "[ $rc -eq 0 ]" "lintian: no error, no warning (debian/vouch.lintian-overrides says why for the kernel)"

# ---- a clean Debian 12 root, cached ----
cache=${VOUCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch}/debian-root
mkdir -p "$cache/archives/partial"
# the Debian archive this machine reaches (its own sources, Debian's alone)
if [ -s /etc/apt/sources.list.d/debian.sources ]; then
	sources=$(cat /etc/apt/sources.list.d/debian.sources) srcfile=$tmp/debian.sources
else
	sources=$(grep -h '^deb .*debian' /etc/apt/sources.list 2>/dev/null) srcfile=$tmp/debian.list
fi
[ -n "$sources" ] || { echo "Bail out! no Debian apt sources on this host"; exit 99; }
recipe="mmdebstrap --variant=apt --format=tar bookworm"
key=$(printf 'vouch debian root v1\n%s\n%s\n%s\n' "$recipe" "$(mmdebstrap --version)" "$sources" |
	sha256sum | cut -d' ' -f1)
roottar=$cache/bookworm-$key.tar
t1=$(date +%s)
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$roottar" ]; then
	printf '%s\n' "$sources" >"$srcfile"
	$recipe "$roottar.tmp" "$srcfile" >"$tmp/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$tmp/mmdebstrap.log" | sed 's/^/# /'; rm -f "$roottar.tmp"; echo "Bail out! mmdebstrap failed"; exit 99; }
	mv "$roottar.tmp" "$roottar"
	echo "# built the Debian 12 root: $roottar"
fi
flock -u 9
R=$tmp/root
mkdir "$R" && tar -C "$R" -xf "$roottar" || { echo "Bail out! cannot unpack $roottar"; exit 99; }
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null
t_root=$(( $(date +%s) - t1 ))

# inroot CMD...: CMD in the root, as root, in a mount namespace of its own
# with /dev, /proc, /sys and the apt cache mounted (all gone when it ends)
inroot() {
	unshare -m bash -c '
		R=$1 archives=$2; shift 2
		mount --rbind /dev "$R/dev" && mount -t proc proc "$R/proc" &&
			mount -t sysfs sysfs "$R/sys" && mount --bind "$archives" "$R/var/cache/apt/archives" || exit 99
		exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
	' inroot "$R" "$cache/archives" "$@"
}

# ---- apt install ./vouch_*.deb ----
cp "$deb" "$R/root/"
samples/oci/mksample "$tmp/sample-oci" >/dev/null 2>&1 || { echo "Bail out! mksample failed"; exit 99; }
t2=$(date +%s)
inroot sh -c "cd /root && apt-get -q update && DEBIAN_FRONTEND=noninteractive \
	apt install -y -q --no-install-recommends ./vouch_*_amd64.deb" >"$tmp/apt.out" 2>&1
rc=$?
t_apt=$(( $(date +%s) - t2 ))
tail -n 5 "$tmp/apt.out" | sed 's/^/# apt: /'
check "[ $rc -eq 0 ] && inroot dpkg-query -W -f='\${Status} \${Version}' vouch | grep -qx 'install ok installed $ver'" \
	"apt install ./vouch_*_amd64.deb in a clean Debian 12 root: installed, its dependencies from the archive"
check "inroot sh -c 'command -v qemu-system-x86_64 && command -v swtpm && command -v swtpm_setup' >/dev/null" \
	"QEMU, swtpm and swtpm_setup came with it"
check "[ \"\$(inroot vouch --version 2>&1)\" = 'vouch $ver' ]" "the installed vouch says its version"

# ---- the bundled sample, attested, no kernel flags ----
# as a CI runner's user would: not root (vouch image goes through fakeroot),
# su's PATH (no sbin: mke2fs is found all the same), no ~/.cache yet
inroot useradd -m runner || { echo "Bail out! useradd failed"; exit 99; }
cp -a "$tmp/sample-oci" "$R/home/runner/sample-oci" && chown -R --reference="$R/home/runner" "$R/home/runner/sample-oci"
asrunner() { inroot su runner -c "cd ~ && $*"; }
H=$R/home/runner
check "[ ! -e '$H/.cache' ]" "the runner's user has no ~/.cache yet"
t3=$(date +%s)
asrunner vouch image sample-oci -o img >"$tmp/image.out" 2>&1
rc=$?
sed 's/^/# image: /' "$tmp/image.out" | tail -n 5
check "[ $rc -eq 0 ] && [ -s '$H/img/manifest.cbor' ]" \
	"vouch image as the runner, no --kernel/--initrd: the image and its manifest"
asrunner vouch run --image img -o out --quiet >"$tmp/run.out" 2>&1
rc=$?
t_run=$(( $(date +%s) - t3 ))
sed 's/^/# run: /' "$tmp/run.out"
check "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$tmp/run.out' && [ -s '$H/out/report.json' ] \
	&& [ -s '$H/out/junit.xml' ] && [ -s '$H/out/attestation.dsse.json' ]" \
	"vouch run as the runner, no --kernel/--initrd, in a real VM: PASSED, with JUnit, JSON and the attestation"
asrunner host-verify --bundle out/evidence.cbor --manifest img/manifest.cbor >"$tmp/verify.out" 2>&1
rc=$?
check "[ $rc -eq 0 ]" "the installed host-verify agrees offline"

# ---- forgeries ----
k=$R/usr/lib/vouch/vmlinux
cp "$k" "$tmp/vmlinux.good"
printf '\001' | dd of="$k" bs=1 seek=4096 conv=notrunc status=none
asrunner vouch run --image img -o out-k --quiet >"$tmp/forged.out" 2>&1
rc=$?
sed 's/^/# forged kernel: /' "$tmp/forged.out"
check "[ $rc -eq 64 ] && grep -q 'the kernel /usr/lib/vouch/vmlinux is not the one the manifest pins' '$tmp/forged.out' \
	&& [ ! -e '$H/out-k/evidence.cbor' ]" \
	"an installed kernel changed by one byte: refused before boot, naming /usr/lib/vouch/vmlinux"
rm -f "$k"
asrunner vouch run --image img -o out-m --quiet >"$tmp/missing.out" 2>&1
rc=$?
sed 's/^/# no kernel: /' "$tmp/missing.out"
check "[ $rc -eq 64 ] && grep -q 'no kernel and initramfs found' '$tmp/missing.out' \
	&& grep -q 'looked in /usr/bin/../lib/vouch/' '$tmp/missing.out' && ! grep -q 'build tree' '$tmp/missing.out'" \
	"no installed kernel: refused, it looked in /usr/lib/vouch only (no build tree fallback)"
cp "$tmp/vmlinux.good" "$k"

echo "# times: package ${t_build}s, root ${t_root}s, apt ${t_apt}s, image+run ${t_run}s, total $(( $(date +%s) - t0 ))s"
echo "1..$n"
exit $fail
