#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vouch run SRC: a rootfs tar, an OCI layout or a docker save archive
# made here, built into the image cache on the fly (VOUCH_CACHE, else
# XDG_CACHE_HOME/vouch, then images/KEY) and reused on the next run. What
# is checked: the second run does not build (its "reused" line, the
# image's mtime kept, no progress lines); every option that changes the
# image changes the key, and one that does not (--memory) does not;
# progress on stderr, and with --json every stderr line one JSON object
# with the documented events; the build is atomic (a half build left by
# a killed vouch never counts, two runs at once leave one whole entry);
# sources that cannot be cached or built are refused with nothing cached.
# One real VM run, of the sample's OCI layout; the rest stop before boot
# (--no-boot: the image made or found and its pins checked).
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need qemu-system-x86_64 swtpm mke2fs
boot_parts
export VOUCH_KERNEL=$kernel VOUCH_INITRD=$initrd # found before the cache moves
export VOUCH_CACHE=$T/cache
C=$T/cache/images
unset SOURCE_DATE_EPOCH

# a rootfs tar with the two trees a run needs, and an OCI layout of it
mkdir -p "$T/root/opt/agent" "$T/root/opt/harness" "$T/root/bin" || exit 99
echo agent >"$T/root/opt/agent/a" && printf '#!/bin/sh\necho "ok 1"\n' >"$T/root/opt/harness/run" || exit 99
tar -C "$T/root" -cf "$T/rootfs.tar" . || exit 99
(cd "$T/root" && $PY "$OLDPWD/tests/image/mkoci.py" from-dirs "$T/oci" opt) || exit 99

entries() { find "$C" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' 2>/dev/null | wc -l; }
leftovers() { find "$C" -mindepth 1 -maxdepth 1 -name '.build-*' 2>/dev/null | wc -l; }
# run NAME WANT_RC ARGS...: vouch run, stdout and stderr kept
run() {
	local name=$1 want=$2
	shift 2
	"$V" run "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name: exit $want"; else
		notok "$name: exit $rc, not $want"
		sed 's/^/#   /' "$T/err" | head -n 8
	fi
}

# --- a rootfs tar: built, then reused
run "rootfs tar, first run" 0 --no-boot "$T/rootfs.tar" -- /opt/harness/run
check "it said it was not cached and built it" grep -q '^vouch run: image not cached: building it into ' "$T/err"
for p in 'reading the source (rootfs-tar ' 'staging layer 1/1: ' 'writing the image: ' \
	'writing the manifest: ' 'vouch run: image built in '; do
	check "progress on stderr: '$p' with a size" grep -qE "$(printf '%s' "$p" | sed 's/[()/]/\\&/g').*([0-9.]+ (bytes|KiB|MiB))" "$T/err"
done
check "one whole entry in the cache, no build folder left" \
	test "$(entries)" = 1 -a "$(leftovers)" = 0
img=$(find "$C" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*')
check "the entry is named by a 64-digit key and holds rootfs.img and manifest.cbor" \
	sh -c "basename '$img' | grep -qxE '[0-9a-f]{64}' && [ -f '$img/rootfs.img' ] && [ -f '$img/manifest.cbor' ] && [ ! -e '$img/owner.pid' ]"
check "stdout says where, that the pins were checked, and no boot" \
	grep -qx "$img: pins checked, not booted (--no-boot)" "$T/out"
m1=$(stat -c %Y.%i "$img/rootfs.img")
sleep 1.1
run "the same again" 0 --no-boot "$T/rootfs.tar" -- /opt/harness/run
check "second run: reused, said so" grep -qx "vouch run: image reused from the cache: $img" "$T/err"
check "second run: nothing built (no progress of vouch image)" sh -c "! grep -q '^vouch image:' '$T/err'"
check "second run: the image file is the same one, untouched (mtime, inode)" \
	same "$(stat -c %Y.%i "$img/rootfs.img")" "$m1"
run "--memory does not change the image" 0 --no-boot --memory 256 "$T/rootfs.tar" -- /opt/harness/run
check "... and it was reused" grep -q '^vouch run: image reused' "$T/err"

# --- what changes the image changes the key
n0=$(entries)
i=0
for opts in "--timeout 77" "--env A=B" "--format erofs" "--verity" "--tpm device" \
	"--agent-user 1000:1000" "-- /opt/harness/run other" "SDE"; do
	i=$((i + 1))
	if [ "$opts" = SDE ]; then
		SOURCE_DATE_EPOCH=1700000000 "$V" run --no-boot "$T/rootfs.tar" -- /opt/harness/run >"$T/out" 2>"$T/err"
	else
		# shellcheck disable=SC2086 # the words are the options
		if [ "${opts#-- }" != "$opts" ]; then
			"$V" run --no-boot "$T/rootfs.tar" $opts >"$T/out" 2>"$T/err"
		else
			"$V" run --no-boot $opts "$T/rootfs.tar" -- /opt/harness/run >"$T/out" 2>"$T/err"
		fi
	fi
	rc=$?
	check "'$opts': built anew (exit $rc), one entry more" \
		sh -c "[ $rc -eq 0 ] && grep -q '^vouch run: image built' '$T/err' && [ $(entries) -eq $((n0 + i)) ]"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$T/err" | head -n 5
done

# --- --json: the live progress, one object per line
rm -rf "$C"
run "--json, OCI layout with --verity" 0 --json --no-boot --verity "$T/oci" -- /opt/harness/run
check "--json: every stderr line is one JSON object with the documented events" "$PY" - "$T/err" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
assert all(isinstance(e, dict) and isinstance(e["ms"], int) for e in evs), evs
names = [(e["event"], e.get("phase"), e.get("state")) for e in evs]
want = [("cache", None, "miss"), ("phase", "reading", "start"), ("phase", "reading", "done"),
        ("phase", "staging", "start"), ("phase", "staging", "done"), ("phase", "writing", "start"),
        ("phase", "writing", "done"), ("phase", "verity", "start"), ("phase", "verity", "done"),
        ("phase", "manifest", "start"), ("phase", "manifest", "done"), ("built", None, None)]
assert names == want, names
by = {(e["event"], e.get("phase"), e.get("state")): e for e in evs}
assert by[("phase", "reading", "done")]["kind"] == "oci-layout"
assert by[("phase", "reading", "done")]["layers"] == 1
assert by[("phase", "staging", "done")]["layer"] == 1 and by[("phase", "staging", "done")]["entries"] > 0
for k in [("phase", "writing", "done"), ("phase", "verity", "done"), ("phase", "manifest", "done"), ("built", None, None)]:
    assert by[k]["bytes"] > 0, k
assert by[("cache", None, "miss")]["key"] == by[("built", None, None)]["key"]
assert len(by[("built", None, None)]["key"]) == 64
PY
"$V" run --json --no-boot --verity "$T/oci" -- /opt/harness/run >"$T/out" 2>"$T/err"
check "--json, again: one line, the cache event 'reused'" "$PY" -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
assert [(e["event"], e["state"]) for e in evs] == [("cache", "reused")], evs' "$T/err"

# --- XDG_CACHE_HOME when VOUCH_CACHE is not set
env -u VOUCH_CACHE XDG_CACHE_HOME="$T/xdg" "$V" run --no-boot "$T/rootfs.tar" -- /opt/harness/run >"$T/out" 2>"$T/err"
check "without VOUCH_CACHE: the image goes under XDG_CACHE_HOME/vouch/images" \
	sh -c "[ $? -eq 0 ] && ls -d '$T/xdg/vouch/images/'*/rootfs.img >/dev/null"

# --- atomic: a half build of a killed vouch never counts; two at once
rm -rf "$C"
"$V" run --no-boot "$T/rootfs.tar" -- /opt/harness/run >/dev/null 2>&1 || exit 99
img=$(find "$C" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*')
key=$(basename "$img")
rm -rf "$img"
mkdir -p "$C/.build-XXdead" && echo half >"$C/.build-XXdead/rootfs.img" || exit 99
sh -c 'exit 0' & dead=$!
wait $dead
echo "$dead 1 $(stat -Lc %i /proc/self/ns/pid)" >"$C/.build-XXdead/owner.pid"
run "a half build of a vouch that is gone" 0 --no-boot "$T/rootfs.tar" -- /opt/harness/run
check "... is not taken: the image is built again, under the same key" \
	sh -c "grep -q '^vouch run: image built' '$T/err' && [ -f '$C/$key/manifest.cbor' ]"
check "... and swept away" test ! -e "$C/.build-XXdead"
rm -rf "$C"
"$V" run --no-boot "$T/rootfs.tar" -- /opt/harness/run >"$T/a.out" 2>"$T/a.err" & pa=$!
"$V" run --no-boot "$T/rootfs.tar" -- /opt/harness/run >"$T/b.out" 2>"$T/b.err" & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "two runs at once: both exit 0, one whole entry, no build folder left" \
	sh -c "[ $ra -eq 0 ] && [ $rb -eq 0 ] && [ $(entries) -eq 1 ] && [ $(leftovers) -eq 0 ]"
"$V" run --no-boot "$T/rootfs.tar" -- /opt/harness/run >"$T/out" 2>"$T/err"
check "... and the entry passes its pins on the next run" sh -c "[ $? -eq 0 ] && grep -q reused '$T/err'"

# --- refusals, nothing cached
rm -rf "$C"
mkdir -p "$T/plain/opt" || exit 99
run "a plain directory tree (no digest to key it by)" 64 --no-boot "$T/plain" -- /x
check "... says to make it with vouch image" grep -q 'make its' "$T/err"
printf 'not a tar at all' >"$T/bad.tar"
run "a source vouch image cannot read" 64 --no-boot "$T/bad.tar" -- /x
check "... vouch image said why, then vouch run" sh -c "grep -q '^vouch image: ' '$T/err' && grep -q '^vouch run: vouch image could not build' '$T/err'"
check "refused sources leave no entry and no build folder" test "$(entries)" = 0 -a "$(leftovers)" = 0
run "--format with --image" 64 --no-boot --format erofs --image "$T" -- /x
run "--image and SRC together" 64 --no-boot --image "$T" "$T/rootfs.tar"
run "SRC and a stray word without --" 64 --no-boot "$T/rootfs.tar" /x
"$V" image "$T/rootfs.tar" -o "$T/made" -- /opt/harness/run >/dev/null 2>&1 || exit 99
run "an image made by vouch image, as SRC" 0 --no-boot "$T/made"
check "... runs as it is: nothing built, nothing cached" \
	sh -c "! grep -q 'built' '$T/err' && [ $(entries) -eq 0 ] && grep -qx '$T/made: pins checked, not booted (--no-boot)' '$T/out'"

# --- one real run: the sample's OCI layout, straight to a verdict
samples/oci/mksample "$T/sample" "$B/guest/guest-probe" >/dev/null 2>&1 || exit 99
run "vouch run on the sample's OCI layout, in a VM" 0 "$T/sample" -o "$T/run" --quiet
check "... judged: PASSED, 5 tests" sh -c "grep -q 'verdict: PASSED' '$T/out' && grep -q 'tests 5 passed' '$T/out'"
check "... the evidence and outputs beside it" test -s "$T/run/evidence.cbor" -a -s "$T/run/junit.xml"
run "the sample again, --no-boot" 0 --no-boot "$T/sample"
check "... reused" grep -q '^vouch run: image reused' "$T/err"
finish
