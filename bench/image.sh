#!/usr/bin/env bash
# vouch image against the plain route, in the same invocation: the same
# gzip layers unpacked with `tar x` one after the other (no whiteouts, no
# digest checks) and written with mkfs.erofs, and with mkfs.ext4 -d.
# Prints build time (median of RUNS) and image size. As root: owners and
# devices need it, for both routes alike.
#   DIRS="/usr/lib/python3.11 /usr/share/zoneinfo" RUNS=3 bench/image.sh
set -euo pipefail
B=${B:-build}
V=$B/bin/vouch
runs=${RUNS:-3}
dirs=${DIRS:-"/usr/lib/python3.11 /usr/share/perl /usr/share/zoneinfo"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 tests/image/mkoci.py from-dirs "$tmp/layout" $dirs
mapfile -t blobs < <(/usr/bin/python3 -c 'import json,sys
d=sys.argv[1]; i=json.load(open(d+"/index.json"))["manifests"][0]["digest"][7:]
for l in json.load(open(d+"/blobs/sha256/"+i))["layers"]: print(d+"/blobs/sha256/"+l["digest"][7:])' "$tmp/layout")
cat "${blobs[@]}" >/dev/null # page cache warm: we measure the work, not the disk
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
vouch_run() { rm -rf "$tmp/o"; "$V" image "$tmp/layout" -o "$tmp/o"; }
untar() { rm -rf "$tmp/r"; mkdir "$tmp/r"; for b in "${blobs[@]}"; do tar -C "$tmp/r" --numeric-owner -xzf "$b"; done; }
tar_erofs() { untar; rm -f "$tmp/e.img"; mkfs.erofs --quiet -T0 "$tmp/e.img" "$tmp/r"; }
tar_ext4() {
	untar; rm -f "$tmp/x.img"
	local kb=$(($(du -sk "$tmp/r" | cut -f1) * 13 / 10 + 16384))
	E2FSPROGS_FAKE_TIME=1 mkfs.ext4 -q -F -d "$tmp/r" -U 5ec1a1e0-0000-4000-8000-00000000000b \
		-E hash_seed=5ec1a1e0-0000-4000-8000-00000000000c "$tmp/x.img" "${kb}k"
}
v=$(for _ in $(seq "$runs"); do ms vouch_run; done | median)
e=$(for _ in $(seq "$runs"); do ms tar_erofs; done | median)
x=$(for _ in $(seq "$runs"); do ms tar_ext4; done | median)
files=$(find "$tmp/r" | wc -l)
in=$(du -cb "${blobs[@]}" | tail -1 | cut -f1)
echo "image: ${#blobs[@]} gzip layers ($dirs), $((in / 1048576)) MiB compressed, $files entries; median of $runs"
printf '  %-44s %7s ms  %5s MiB\n' "tar x + mkfs.erofs (baseline)" "$e" "$(($(stat -c %s "$tmp/e.img") / 1048576))"
printf '  %-44s %7s ms  %5s MiB\n' "tar x + mkfs.ext4 -d" "$x" "$(($(stat -c %s "$tmp/x.img") / 1048576))"
printf '  %-44s %7s ms  %5s MiB  %.2fx the baseline time\n' "vouch image (checks, whiteouts, manifest)" "$v" \
	"$(($(stat -c %s "$tmp/o/rootfs.img") / 1048576))" "$(echo "$v $e" | awk '{print $1/$2}')"
