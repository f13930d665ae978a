#!/usr/bin/env bash
# Records the honest plain-run evidence the tamper matrix
# (tests/unit/test_tamper.c, plain runs) starts from: a busybox root with
# no agent or harness tree, made an image by `vouch image ROOTFS.tar -- CMD`
# (a plain run spec: keys 7 and 8 absent), one real attested run of it
# (pinned kernel under QEMU, swtpm, guest-init) by `vouch run --image`, its
# manifest, and this host's pins (EK, verifier key). Run from the top of
# the tree after `make`; commit the files it writes (plain-*).
set -euo pipefail
. tests/lib/vm.bash
out=tests/vectors/evidence
kernel=$(tools/kernel/build-kernel --print-path)
cache=${VOUCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vm_root_busybox "$tmp/root"
tar -C "$tmp/root" -cf "$tmp/root.tar" .
"$B/bin/vouch" image "$tmp/root.tar" -o "$tmp/img" --channel virtio-serial --kernel "$kernel" \
	--initrd "$B/guest/initramfs.cpio" -- /bin/sh -c 'echo 1..1; echo "ok 1 - plain"' >/dev/null 2>&1
"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" -o "$tmp/run" --quiet
cp "$tmp/img/manifest.cbor" "$out/plain-manifest.cbor"
cp "$tmp/run/evidence.cbor" "$out/plain-honest.cbor"
cp "$cache/vtpm-v1/ek.pub" "$out/plain-ek.pub"
"$B/bin/vouch" verifier-key "$out/plain-verifier.pem"
