#!/usr/bin/env bash
# Two clean builds of the static guest-init, in different directories,
# must be bit-identical.
set -u
B=${B:-build}
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2; do
	mkdir -p "$tmp/src$i"
	git -C "$top" ls-files -z | (cd "$top" && xargs -0 cp --parents -t "$tmp/src$i") || exit 99
	# a different path each time: nothing of it may leak into the binary
	if ! make -C "$tmp/src$i" B="$tmp/out$i/b" "$tmp/out$i/b/guest/guest-init" >"$tmp/log$i" 2>&1; then
		echo "Bail out! build $i failed:"; tail -20 "$tmp/log$i"; exit 99
	fi
done
a=$(sha256sum <"$tmp/out1/b/guest/guest-init" | cut -d' ' -f1)
b=$(sha256sum <"$tmp/out2/b/guest/guest-init" | cut -d' ' -f1)
echo "# build 1: $a"
echo "# build 2: $b"
echo "# size: $(stat -c %s "$tmp/out1/b/guest/guest-init") bytes"
if [ "$a" = "$b" ]; then echo "ok 1 - two clean builds of guest-init are bit-identical"; else echo "not ok 1 - guest-init builds differ"; fi
file "$tmp/out1/b/guest/guest-init" | grep -q 'statically linked' && echo "ok 2 - guest-init is statically linked" || echo "not ok 2 - guest-init is not static"
echo "1..2"
[ "$a" = "$b" ]
