#!/usr/bin/env bash
# Records the honest evidence the tamper matrix (tests/unit/test_tamper.c)
# starts from: two real attested runs of the sample (pinned kernel under
# QEMU, swtpm, guest-init), their manifest, and the pins (this host's EK
# and verifier key). Run from the top of the tree after `make`; commit the
# files it writes. The harness sleeps past the checkpoint interval so that
# the records include a TPM-signed checkpoint.
set -euo pipefail
B=${B:-build}
out=tests/vectors/evidence
kernel=$(tools/kernel/build-kernel --print-path)
cache=${VOUCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch}
trees=()
while read -r name path digest; do trees+=(--tree "$name=$path=$digest"); done <"$B/samples/calc.img.trees"
cmd=(/bin/sh -c '/opt/harness/run-tests && sleep 2.5 && echo "# checkpointed"')
"$B/bin/vouch" manifest --image "$B/samples/calc.img" --fstype erofs "${trees[@]}" \
	--kernel "$kernel" --initrd "$B/guest/initramfs.cpio" -o "$out/manifest.cbor" -- "${cmd[@]}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for run in a b; do
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" \
		--rootfs "$B/samples/calc.img" --fstype erofs --out "$tmp/$run" --quiet -- "${cmd[@]}"
	cp "$tmp/$run/evidence.cbor" "$out/honest-$run.cbor"
done
cp "$cache/vtpm-v1/ek.pub" "$out/ek.pub"
"$B/bin/vouch" verifier-key "$out/verifier.pem"
