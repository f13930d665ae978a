#!/usr/bin/env bash
# Records the honest by-reference evidence the tamper matrix
# (tests/unit/test_tamper.c, trees by verity) starts from: the sample
# written by `vouch image --verity` (trees referenced by the verity root,
# docs/measure-by-verity.md), one real attested run of it (pinned kernel
# under QEMU, swtpm, guest-init), its manifest, and this host's pins (EK,
# verifier key). Run from the top of the tree after `make`; commit the
# files it writes (verity-*).
set -euo pipefail
B=${B:-build}
out=tests/vectors/evidence
kernel=$(tools/kernel/build-kernel --print-path)
cache=${VOUCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
samples/oci/mksample "$tmp/oci" "$B/guest/guest-probe" >/dev/null
"$B/bin/vouch" image "$tmp/oci" -o "$tmp/img" --verity --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" >/dev/null
"$B/bin/vouch" run --image "$tmp/img" --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" -o "$tmp/run" --quiet
cp "$tmp/img/manifest.cbor" "$out/verity-manifest.cbor"
cp "$tmp/run/evidence.cbor" "$out/verity-honest.cbor"
cp "$cache/vtpm-v1/ek.pub" "$out/verity-ek.pub"
"$B/bin/vouch" verifier-key "$out/verity-verifier.pem"
