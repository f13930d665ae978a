#!/usr/bin/env bash
# vouch image against the plain route, in the same invocation: the same
# gzip layers unpacked with `tar x` one after the other (no whiteouts, no
# digest checks) and written with mkfs.ext4 -d (the baseline) and with
# mkfs.erofs. Prints build time (median of RUNS) and image size, against
# the baseline's time and the tree's apparent size (du --apparent-size),
# and the ext4 images' block sizes (vouch's is picked from the tree).
# Goals: vouch image ext4 <= 1.2x the baseline's time, its image <= 1.1x
# the tree; erofs smaller. Then, once each, the peak memory (the largest
# resident set of any process of the route: GNU time's %M). As root:
# owners and devices need it, for both routes alike.
#   DIRS="/usr/lib/python3.11 /usr/share/zoneinfo" RUNS=3 bench/image.sh
#   a root of about 300 MB:
#   DIRS="/usr/lib/python3.11 /usr/share/perl /usr/share/zoneinfo /usr/lib/gcc" bench/image.sh
set -euo pipefail
B=${B:-build}
V=$B/bin/vouch
runs=${RUNS:-3}
dirs=${DIRS:-"/usr/lib/python3.11 /usr/share/perl /usr/share/zoneinfo"}
. "$(dirname "$0")/lib.bash"
/usr/bin/python3 tests/image/mkoci.py from-dirs "$tmp/layout" $dirs
mapfile -t blobs < <(/usr/bin/python3 -c 'import json,sys
d=sys.argv[1]; i=json.load(open(d+"/index.json"))["manifests"][0]["digest"][7:]
for l in json.load(open(d+"/blobs/sha256/"+i))["layers"]: print(d+"/blobs/sha256/"+l["digest"][7:])' "$tmp/layout")
cat "${blobs[@]}" >/dev/null # page cache warm: we measure the work, not the disk
vouch_ext4() { rm -rf "$tmp/o4"; "$V" image "$tmp/layout" -o "$tmp/o4"; }
vouch_erofs() { rm -rf "$tmp/oe"; "$V" image --format erofs "$tmp/layout" -o "$tmp/oe"; }
untar() { rm -rf "$tmp/r"; mkdir "$tmp/r"; for b in "${blobs[@]}"; do tar -C "$tmp/r" --numeric-owner -xzf "$b"; done; }
tar_erofs() { untar; rm -f "$tmp/e.img"; mkfs.erofs --quiet -T0 "$tmp/e.img" "$tmp/r"; }
tar_ext4() {
	untar; rm -f "$tmp/x.img"
	local kb=$(($(du -sk "$tmp/r" | cut -f1) * 13 / 10 + 16384))
	E2FSPROGS_FAKE_TIME=1 mkfs.ext4 -q -F -d "$tmp/r" -U 5ec1a1e0-0000-4000-8000-00000000000b \
		-E hash_seed=5ec1a1e0-0000-4000-8000-00000000000c "$tmp/x.img" "${kb}k"
}
# the routes take turns, so that whatever else the machine does falls on all
for _ in $(seq "$runs"); do
	ms tar_ext4 >>"$tmp/t-x"; ms vouch_ext4 >>"$tmp/t-v4"
	ms tar_erofs >>"$tmp/t-e"; ms vouch_erofs >>"$tmp/t-ve"
done
x=$(median <"$tmp/t-x") v4=$(median <"$tmp/t-v4") e=$(median <"$tmp/t-e") ve=$(median <"$tmp/t-ve")
[ -s "$tmp/o4/rootfs.img" ] && [ -s "$tmp/oe/rootfs.img" ] || { echo "bench/image.sh: vouch image failed" >&2; exit 1; }
files=$(find "$tmp/r" | wc -l)
tree=$(du --apparent-size -s --block-size=1 "$tmp/r" | cut -f1)
in=$(du -cb "${blobs[@]}" | tail -1 | cut -f1)
size() { stat -c %s "$1"; }
kib() { echo $((1 << $(od -An -tu4 -j1048 -N4 "$1" | tr -d ' '))); } # an ext4 image's block size in KiB
# line NAME MS BYTES BASE_MS: time, size, and both against the baseline and the tree
line() {
	printf '  %-46s %7s ms %6.2fx time  %9.1f MiB %5.2fx tree\n' "$1" "$2" \
		"$(echo "$2 $4" | awk '{print $1/$2}')" "$(echo "$3" | awk '{print $1/1048576}')" \
		"$(echo "$3 $tree" | awk '{print $1/$2}')"
}
echo "image: ${#blobs[@]} gzip layers ($dirs), $((in / 1048576)) MiB compressed, $files entries," \
	"tree $(echo "$tree" | awk '{printf "%.1f", $1/1048576}') MiB apparent; median of $runs"
line "tar x + mkfs.ext4 -d (baseline, $(kib "$tmp/x.img") KiB blocks)" "$x" "$(size "$tmp/x.img")" "$x"
line "vouch image (ext4, $(kib "$tmp/o4/rootfs.img") KiB blocks)" "$v4" "$(size "$tmp/o4/rootfs.img")" "$x"
line "tar x + mkfs.erofs" "$e" "$(size "$tmp/e.img")" "$x"
line "vouch image --format erofs" "$ve" "$(size "$tmp/oe/rootfs.img")" "$x"
# peak resident memory, KiB: one more run of each route under GNU time
# (a route of two programs: the larger of the two)
peak() { /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>&1; cat "$tmp/rss"; }
untar_sh() { rm -rf "$tmp/r"; mkdir "$tmp/r"; for b in "$@"; do tar -C "$tmp/r" --numeric-owner -xzf "$b"; done; }
export -f untar_sh
export tmp
if [ -x /usr/bin/time ]; then
	px=$(peak bash -c 'untar_sh "$@"' _ "${blobs[@]}")
	kb=$(($(du -sk "$tmp/r" | cut -f1) * 13 / 10 + 16384))
	pm=$(E2FSPROGS_FAKE_TIME=1 peak mkfs.ext4 -q -F -d "$tmp/r" "$tmp/x.img" "${kb}k")
	pv=$(rm -rf "$tmp/o4"; peak "$V" image "$tmp/layout" -o "$tmp/o4")
	pe=$(rm -rf "$tmp/oe"; peak "$V" image --format erofs "$tmp/layout" -o "$tmp/oe")
	echo "peak memory (largest resident set, MiB):"
	printf '  %-46s %7.1f (tar x %.1f, mkfs.ext4 -d %.1f)\n' "tar x + mkfs.ext4 -d (baseline)" \
		"$(echo "$px $pm" | awk '{print ($1 > $2 ? $1 : $2) / 1024}')" "$(echo "$px" | awk '{print $1/1024}')" \
		"$(echo "$pm" | awk '{print $1/1024}')"
	printf '  %-46s %7.1f\n' "vouch image (ext4)" "$(echo "$pv" | awk '{print $1/1024}')"
	printf '  %-46s %7.1f\n' "vouch image --format erofs" "$(echo "$pe" | awk '{print $1/1024}')"
fi
