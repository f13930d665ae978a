#!/usr/bin/env bash
# What a dm-verity root changes for a run, in one invocation, median of N
# (default 3) each, on the sample image grown to SIZE_MIB (default 1024)
# so that the image's size shows:
#   plain:  `vouch launch --manifest` pinning the image digest: the
#           launcher hashes the whole file before it boots;
#   verity: the same with the hash tree appended and a manifest pinning
#           its root hash: nothing is hashed on the host, and the guest's
#           kernel checks each block it reads;
# and the same two through `vouch run`, which checks the pins before it
# boots (the plain image's digest once, reused for the measurement).
# Also prints OpenSSL's SHA-256 over the image alone (openssl dgst), for scale.
set -euo pipefail
B=${B:-build}
N=${N:-3}
SIZE_MIB=${SIZE_MIB:-1024}
kernel=$(tools/kernel/build-kernel --print-path 2>/dev/null)
initrd=$B/guest/initramfs.cpio
V=$B/bin/vouch
. "$(dirname "$0")/lib.bash"

cp "$B/samples/calc.img" "$tmp/plain.img"
truncate -s $((SIZE_MIB << 20)) "$tmp/plain.img"
cp "$tmp/plain.img" "$tmp/verity.img"
data=$(stat -c %s "$tmp/verity.img")
veritysetup format --no-superblock --salt=- --hash=sha256 --format=1 --data-block-size=4096 \
	--hash-block-size=4096 --data-blocks=$((data / 4096)) --hash-offset="$data" \
	--root-hash-file="$tmp/root" "$tmp/verity.img" "$tmp/verity.img" >/dev/null
trees=()
while read -r name path digest; do trees+=(--tree "$name=$path=$digest"); done <"$B/samples/calc.img.trees"
"$V" manifest --image "$tmp/plain.img" --fstype erofs "${trees[@]}" --kernel "$kernel" --initrd "$initrd" \
	-o "$tmp/plain.cbor" -- /opt/harness/run-tests
"$V" manifest --image "$tmp/verity.img" --fstype erofs "${trees[@]}" --verity-root "$(cat "$tmp/root")" \
	--verity-offset "$data" --kernel "$kernel" --initrd "$initrd" -o "$tmp/verity.cbor" \
	-- /opt/harness/run-tests
mkdir -p "$tmp/plain-dir" "$tmp/verity-dir"
for k in plain verity; do
	ln "$tmp/$k.img" "$tmp/$k-dir/rootfs.img" && ln "$tmp/$k.cbor" "$tmp/$k-dir/manifest.cbor"
done
vrun() { # DIR: vouch run checks the pins first (a plain image is hashed there)
	ms_any "$V" run --image "$1" --kernel "$kernel" --initrd "$initrd" -o "$tmp/out-$RANDOM" --quiet \
		-- /opt/harness/run-tests
}
run() { # IMG MANIFEST
	ms_any "$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$1" --fstype erofs --manifest "$2" \
		--out "$tmp/out-$RANDOM" --quiet -- /opt/harness/run-tests
}
sha=$(for _ in $(seq "$N"); do ms_any openssl dgst -sha256 "$tmp/plain.img"; done | median)
plain=$(for _ in $(seq "$N"); do run "$tmp/plain.img" "$tmp/plain.cbor"; done | median)
verity=$(for _ in $(seq "$N"); do run "$tmp/verity.img" "$tmp/verity.cbor"; done | median)
rplain=$(for _ in $(seq "$N"); do vrun "$tmp/plain-dir"; done | median)
rverity=$(for _ in $(seq "$N"); do vrun "$tmp/verity-dir"; done | median)
echo "dm-verity root vs a hashed image ($SIZE_MIB MiB image, the sample's harness, median of $N, ms):"
printf '  openssl dgst -sha256 of the image alone         %6d\n' "$sha"
printf '  vouch launch, image digest pinned (plain)       %6d\n' "$plain"
printf '  vouch launch, verity root pinned                %6d   %.2fx plain\n' "$verity" \
	"$(echo "$verity $plain" | awk '{print $1/$2}')"
printf '  vouch run, image digest pinned (plain)          %6d\n' "$rplain"
printf '  vouch run, verity root pinned                   %6d   %.2fx plain\n' "$rverity" \
	"$(echo "$rverity $rplain" | awk '{print $1/$2}')"
