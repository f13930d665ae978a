# SPDX-License-Identifier: MIT
# Shared by tests/image/*.sh (sourced): TAP helpers, a scratch folder, and
# the tree inside an ext4 or erofs image.
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac # the tests change folders
V=${VOUCH:-$B/bin/vouch} # tests/image/sanitized.sh names a sanitized build
# Debian's python3 (python3-cbor2), not whatever python3 comes first on PATH
PY=/usr/bin/python3
MKOCI="$PY tests/image/mkoci.py"
n=0 failed=0
MOUNTS=()
T=$(mktemp -d)
cleanup() {
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
finish() { echo "1..$n"; [ "$failed" -eq 0 ] && exit 0; exit 1; }
need() { # PROGRAM...: a missing one ends the test as a skip (77)
	for p in "$@"; do
		command -v "$p" >/dev/null || { echo "1..0 # SKIP needs $p"; exit 77; }
	done
	[ -x "$V" ] || { echo "Bail out! $V not built (make $V)"; exit 99; }
}
digest() { "$V" tree-digest "$1" | cut -c1-64; }
same() { [ "$1" = "$2" ] || { echo "# $1 != $2"; return 1; }; }

# can_mount: images are read through a read-only loop mount (root), ext4
# and erofs alike; fsck.erofs 1.5 --extract drops setuid bits and
# debugfs rdump owners, so neither is a substitute.
can_mount() {
	[ "$(id -u)" = 0 ] && grep -qw erofs /proc/filesystems && grep -qw ext4 /proc/filesystems &&
		[ -e /dev/loop-control ]
}
# img_tree IMG DIR: the tree inside IMG at DIR (the type read from IMG)
img_tree() {
	mkdir -p "$2" && mount -o ro,loop "$1" "$2" && MOUNTS+=("$2")
}
# with_lpf TREE COPY: TREE as an ext4 image holds it, with mke2fs's empty
# lost+found (0700, root) beside the image's own entries
with_lpf() {
	cp -a "$1" "$2" && mkdir -m 700 "$2/lost+found" && chown 0:0 "$2/lost+found"
}
# lpf_empty DIR: DIR/lost+found is mke2fs's: an empty directory, 0700 root
lpf_empty() {
	[ "$(stat -c %a:%u:%g "$1/lost+found")" = 700:0:0 ] && [ -z "$(ls -A "$1/lost+found")" ]
}
# ext4_block IMG: the block size IMG's superblock gives (1024 << s_log_block_size)
ext4_block() {
	local log
	log=$(od -An -tu4 -j1048 -N4 "$1" | tr -d ' ') && echo $((1024 << log))
}
# oci_from DIR NAME OUT: the folder DIR/NAME as a one-layer OCI layout OUT
# (its tree under NAME), tagged latest for umoci
oci_from() {
	local py=$PWD/tests/image/mkoci.py
	(cd "$1" && "$PY" "$py" from-dirs "$3" "$2") && "$PY" -c 'import json, sys
p = sys.argv[1] + "/index.json"
i = json.load(open(p))
i["manifests"][0]["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
json.dump(i, open(p, "w"))' "$3"
}

# boot_parts: the sample's busybox-static, the pinned kernel (built once,
# then cached) and the guest's parts; sets kernel and initrd
boot_parts() {
	[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
		{ echo "1..0 # SKIP needs busybox-static"; exit 77; }
	mkdir -p "$B/test-logs"
	kernel=$(tools/kernel/build-kernel --print-path 2>"$B/test-logs/kernel-build.log") ||
		{ echo "Bail out! kernel build failed (see $B/test-logs/kernel-build.log)"; exit 99; }
	initrd=$B/guest/initramfs.cpio
	for f in "$initrd" "$B/guest/guest-probe" "$B/bin/host-verify"; do
		[ -f "$f" ] || { echo "Bail out! $f not built"; exit 99; }
	done
}
