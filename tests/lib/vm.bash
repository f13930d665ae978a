# SPDX-License-Identifier: MIT
# Shared by the real-VM scripts (sourced, from the repository's root):
# the TAP helpers, the tool check that skips, the pinned kernel, a private
# scratch folder, and a busybox erofs image with its measured trees.
# The .bash suffix keeps tests/run from taking it for a test. A script
# that calls vm_channel runs once per channel (CHANNEL, see there).
# shellcheck shell=bash disable=SC2034 # the variables it sets are for its callers
B=${B:-build}
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$1"; then ok "$2"; else no "$2"; fi; }

# vm_need [--hint TEXT] TOOL...: a missing tool ends the script as a skip
vm_need() {
	local hint=
	if [ "$1" = --hint ]; then hint=" $2"; shift 2; fi
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed$hint"; exit 77; }
	done
}

# vm_channel: the guest's channel for the script's runs, from CHANNEL
# (virtio-serial when unset, or vsock), as options in the array chan for
# vouch launch, run, image and manifest. tests/run runs every script that
# calls it once per channel; the vsock half skips where vhost-device-vsock
# is not installed.
vm_channel() {
	CHANNEL=${CHANNEL:-virtio-serial}
	case $CHANNEL in
	virtio-serial) ;;
	vsock) vm_need --hint "(the vsock half of the VM tests; tools/install-deps)" vhost-device-vsock ;;
	*) echo "Bail out! CHANNEL=$CHANNEL: virtio-serial or vsock"; exit 99 ;;
	esac
	chan=(--channel "$CHANNEL")
}

# vm_kernel: the pinned kernel's path in $kernel (built on first use),
# the guest's initramfs in $initrd
vm_kernel() {
	mkdir -p "$B/test-logs"
	kernel=$(tools/kernel/build-kernel --print-path 2>"$B/test-logs/kernel-build.log") ||
		{ echo "Bail out! kernel build failed (see $B/test-logs/kernel-build.log)"; exit 99; }
	initrd=$B/guest/initramfs.cpio
}

# vm_built FILE...: a file the build should have made is a hard error
vm_built() {
	for f in "$@"; do
		[ -f "$f" ] || { echo "Bail out! $f not built"; exit 99; }
	done
}

# vm_tmp [--runs]: a scratch folder in $tmp, removed on exit after the
# script's own vm_cleanup_hook (if it defines one) has run. With --runs,
# TMPDIR is $tmp/runs: the script's run directories, apart from any other
# launch on the host, so what it kills and looks for is its own.
vm_tmp() {
	tmp=$(mktemp -d)
	trap _vm_cleanup EXIT
	if [ "${1:-}" = --runs ]; then
		export TMPDIR=$tmp/runs
		mkdir -p "$TMPDIR"
	fi
}
_vm_cleanup() {
	declare -F vm_cleanup_hook >/dev/null && vm_cleanup_hook
	rm -rf "$tmp"
}

# vm_sample_trees ROOTFS: the --tree options of a built sample image (its
# .trees file) in the array trees
vm_sample_trees() {
	local name path digest
	trees=()
	while read -r name path digest; do trees+=(--tree "$name=$path=$digest"); done <"$1.trees"
}

# vm_sample: the built sample image in $rootfs, its --tree options in the
# array trees; the initramfs, vouch and host-verify must be built too
vm_sample() {
	rootfs=$B/samples/calc.img
	vm_built "$initrd" "$rootfs" "$B/bin/vouch" "$B/bin/host-verify"
	vm_sample_trees "$rootfs"
}

# vm_root_busybox ROOT: ROOT made a bootable busybox root (applets,
# passwd, group, /tmp), with no tree of its own
vm_root_busybox() {
	local r=$1 applet
	mkdir -p "$r"/{bin,etc,tmp,root,proc,dev,run}
	install -m 0755 /bin/busybox "$r/bin/busybox"
	for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$r/bin/$applet"; done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	chmod 1777 "$r/tmp"
}

# vm_image_busybox ROOT IMG UUID: ROOT, holding opt/agent and opt/harness,
# made a busybox root (vm_root_busybox) and written
# as the erofs image IMG (fixed times and UUID: the same tree, the same
# image); the --tree options of opt/agent and opt/harness in the array trees
vm_image_busybox() {
	local r=$1 img=$2 uuid=$3 digest path _
	mkdir -p "$r"/opt/{agent,harness}
	vm_root_busybox "$r"
	mkfs.erofs --quiet -T1 -U"$uuid" "$img" "$r" >/dev/null ||
		{ echo "Bail out! mkfs.erofs failed"; exit 99; }
	trees=()
	while read -r digest path _; do
		trees+=(--tree "${path#opt/}=/$path=$digest")
	done < <("$B/bin/vouch" tree-digest --root "$r" opt/agent opt/harness)
	[ ${#trees[@]} -eq 4 ] || { echo "Bail out! tree-digest failed"; exit 99; }
}

# vm_judged_run NAME WANT IMG [options] -- CMD...: a manifest of the erofs
# image IMG pinning that run spec (the trees in the array trees), one
# vouch launch under it, then host-verify on the bundle; each must exit
# WANT. Outputs: $tmp/NAME.cbor, $tmp/NAME/ (evidence, reports),
# $tmp/NAME.out (launch), $tmp/NAME.verify (host-verify).
vm_judged_run() {
	local name=$1 want=$2 img=$3 rc
	shift 3
	"$B/bin/vouch" manifest --image "$img" --fstype erofs "${trees[@]}" --kernel "$kernel" \
		--initrd "$initrd" --tpm relay -o "$tmp/$name.cbor" "$@" 2>/dev/null ||
		{ echo "Bail out! vouch manifest failed for $name"; exit 99; }
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$img" --tpm relay \
		--vm-timeout 240 --manifest "$tmp/$name.cbor" --out "$tmp/$name" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/$name.out"
	if [ $rc -eq "$want" ]; then ok "$name: vouch launch exits $rc"; else no "$name: exit $rc, expected $want"; fi
	"$B/bin/host-verify" --bundle "$tmp/$name/evidence.cbor" --manifest "$tmp/$name.cbor" >"$tmp/$name.verify" 2>&1
	rc=$?
	sed 's/^/# host-verify: /' "$tmp/$name.verify"
	if [ $rc -eq "$want" ]; then ok "$name: host-verify exits $rc"; else no "$name: host-verify exit $rc, expected $want"; fi
}
