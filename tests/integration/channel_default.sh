#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The default channel (no --channel anywhere): vouch image, vouch manifest
# and vouch launch choose alike on one machine, so a manifest made without
# --channel judges a run made without it. With vhost-device-vsock on PATH
# all pick vsock; on a PATH that lacks it (every other tool still there)
# all pick virtio-serial. Each run says its choice and why, host-verify
# accepts it against the manifest made the same way and rejects it against
# the other one (pin-cmdline). A manifest pinning vsock, run where the
# backend is missing, and --channel vsock there: refused before boot.
set -u
. tests/lib/vm.bash
vm_need --hint "(tools/install-deps)" qemu-system-x86_64 swtpm vhost-device-vsock
vm_kernel
vm_sample
vm_tmp --runs
V=$B/bin/vouch

# a PATH holding every tool this one does, but not the vsock backend
nob=$tmp/path
mkdir -p "$nob"
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
	for f in "$d"/*; do
		name=${f##*/}
		[ "$name" = vhost-device-vsock ] || [ -e "$nob/$name" ] || ln -s "$f" "$nob/$name" 2>/dev/null
	done
done
PATH=$nob command -v vhost-device-vsock >/dev/null && { echo "Bail out! the backend is still on the reduced PATH"; exit 99; }

# one NAME PATH CHANNEL WHY: a manifest and a run, neither told a channel
one() {
	local rc
	PATH=$2 "$V" manifest --image "$rootfs" --fstype erofs "${trees[@]}" --kernel "$kernel" --initrd "$initrd" \
		-o "$tmp/m-$1.cbor" -- /opt/harness/run-tests || { echo "Bail out! vouch manifest failed"; exit 99; }
	PATH=$2 "$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --fstype erofs --vm-timeout 240 \
		--out "$tmp/$1" -- /opt/harness/run-tests >"$tmp/$1.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/$1.out"
	check "[ $rc -eq 0 ] && grep -q '^channel: $3 ($4' '$tmp/$1.out'" "$1: the run picks $3 and says why (exit $rc)"
	check "grep -q 'VM starting (QEMU q35, TCG$5)\$' '$tmp/$1.out'" "$1: the VM started with $3"
	"$B/bin/host-verify" --bundle "$tmp/$1/evidence.cbor" --manifest "$tmp/m-$1.cbor" >"$tmp/$1.verify" 2>&1
	rc=$?
	check "[ $rc -eq 0 ]" "$1: host-verify accepts it against the manifest made without --channel (exit $rc)"
}
one backend "$PATH" vsock "the default where its backend is installed: " ", vsock"
one no-backend "$nob" virtio-serial "the default: vhost-device-vsock is not on PATH)" ""

# each run against the other's manifest: the channel is in the measured
# command line
for pair in "backend no-backend" "no-backend backend"; do
	set -- $pair
	"$B/bin/host-verify" --bundle "$tmp/$1/evidence.cbor" --manifest "$tmp/m-$2.cbor" >"$tmp/x.verify" 2>&1
	rc=$?
	check "[ $rc -eq 2 ] && grep -q pin-cmdline '$tmp/x.verify'" "the $1 run against the $2 manifest: rejected, pin-cmdline (exit $rc)"
done

# vouch image pins the same default (its manifest's command line)
samples/oci/mksample "$tmp/oci" >/dev/null 2>&1 || { echo "Bail out! mksample failed"; exit 99; }
for p in backend no-backend; do
	path=$PATH
	[ $p = no-backend ] && path=$nob
	PATH=$path "$V" image "$tmp/oci" -o "$tmp/img-$p" --kernel "$kernel" --initrd "$initrd" >"$tmp/img-$p.out" 2>&1 ||
		{ cat "$tmp/img-$p.out"; echo "Bail out! vouch image failed"; exit 99; }
done
check "grep -q 'vouch.channel=vsock:1024 ' '$tmp/img-backend/manifest.json' && grep -q '^  channel pinned: vsock (' '$tmp/img-backend.out' &&
       grep -q 'vouch.channel=vport:vouch.evidence ' '$tmp/img-no-backend/manifest.json' &&
       grep -q '^  channel pinned: virtio-serial (' '$tmp/img-no-backend.out'" \
	"vouch image without --channel pins vsock with the backend, virtio-serial without, and says so"

# where the backend is missing, vsock is refused before boot, the backend named
PATH=$nob "$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --fstype erofs \
	--manifest "$tmp/m-backend.cbor" --out "$tmp/refused" >"$tmp/refused.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q 'the vsock channel, which the manifest pins, needs vhost-device-vsock on PATH' '$tmp/refused.out' && [ ! -e '$tmp/refused' ]" \
	"a manifest pinning vsock, no backend: refused before boot (exit $rc)"
PATH=$nob "$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --fstype erofs --channel vsock \
	-- /bin/true >"$tmp/refused2.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q 'the vsock channel needs vhost-device-vsock on PATH' '$tmp/refused2.out'" \
	"--channel vsock, no backend: refused before boot (exit $rc)"

check "! pgrep -f '$TMPDIR/vouch-run-' >/dev/null" "nothing left running"
echo "1..$n"
exit $fail
