#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What vouch image (and its neighbours) tell a user who got something
# wrong: each mistake gets its own words and exit 64 (usage) or 1, and
# nothing is left behind.
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" mke2fs

mkdir -p "$T/d/t" && printf '#!/bin/sh\necho ok\n' >"$T/d/t/hello" && chmod 755 "$T/d/t/hello" || exit 99
said() { # RC WANT_RC PATTERN FILE
	[ "$1" -eq "$2" ] && grep -q -- "$3" "$4" || { sed 's/^/# /' "$4"; return 1; }
}

"$V" image "$T/d" -o "$T/o1" --format squashfs 2>"$T/e1"
check "--format squashfs: 64, the format named" said $? 64 '--format squashfs: ext4 or erofs' "$T/e1"
# a copy outside the build tree, with no PREFIX/lib/vouch beside it, finds
# no kernel of its own (tests/image/install.sh has the one that does)
mkdir -p "$T/elsewhere/bin" && cp "$V" "$T/elsewhere/bin/vouch" || exit 99
env -u VOUCH_KERNEL -u VOUCH_INITRD "$T/elsewhere/bin/vouch" image "$T/d" -o "$T/o2" --cmdline console=ttyS0 2>"$T/e2"
check "--cmdline without --kernel, and no kernel found: 64, says what it needs" \
	said $? 64 'give --kernel and --initrd' "$T/e2"
"$V" image "$T/d" -o "$T/o3" --kernel /boot/none 2>"$T/e3"
check "--kernel without --initrd: 64" said $? 64 '--kernel and --initrd go together' "$T/e3"
"$V" image "$T/d" -o "$T/o4" --verity --kernel /k --initrd /i --cmdline x 2>"$T/e4"
check "--verity with --cmdline: 64, says why" said $? 64 'must carry the root' "$T/e4"
"$V" image "$T/nowhere" -o "$T/o5" 2>"$T/e5"
check "a source that does not exist: 1, 'No such file or directory'" said $? 1 'No such file or directory' "$T/e5"
"$V" image "$T/d" -o "$T/o6" --kernel "$T/none" --initrd "$T/none" 2>"$T/e6"
check "a kernel that does not exist: 1, the path named" said $? 1 "boot components: $T/none: No such file" "$T/e6"
check "nothing left behind by the refusals" sh -c "! ls -d '$T'/o[1-6] 2>/dev/null"

"$V" image "$T/d" -o "$T/o7" >"$T/out7" 2>"$T/e7"
rc=$?
check "no /opt/agent or /opt/harness, no command: built, no tree warning, no run spec (no command)" \
	sh -c "[ $rc -eq 0 ] && ! grep -q 'tree pinned' '$T/e7' && grep -q 'no run spec pinned (no command' '$T/e7' &&
	       [ -s '$T/o7/rootfs.img' ]"
"$V" image "$T/d" -o "$T/o10" -- /t/hello >"$T/out10" 2>"$T/e10"
check "no tree and a command: a plain run pinned, said; no tree in the manifest or the run spec" \
	sh -c "[ $? -eq 0 ] && grep -q 'plain run pinned: no agent or harness tree' '$T/e10' && /usr/bin/python3 -c 'import json, sys
m = json.load(open(sys.argv[1])); r = m[\"runspec\"]
assert r[\"argv\"] == [\"/t/hello\"] and r[\"agent\"] is None and r[\"harness\"] is None, r
assert not m.get(\"trees\"), m' '$T/o10/manifest.json'"
"$V" manifest --image "$T/o10/rootfs.img" -o "$T/m10.cbor" -- /t/hello 2>"$T/em10"
check "vouch manifest with no --tree: a plain run spec (no keys 7 and 8)" \
	sh -c "[ $? -eq 0 ] && /usr/bin/python3 -c 'import cbor2, sys
r = cbor2.loads(cbor2.load(open(sys.argv[1], \"rb\"))[5])
assert 7 not in r and 8 not in r and r[1] == [\"/t/hello\"], r' '$T/m10.cbor'"
"$V" image "$T/d" -o "$T/o11" --agent /t -- /t/hello >"$T/out11" 2>"$T/e11"
rc=$?
check "--agent and no harness tree (none in the image): made (0), the run spec left out and said why" \
	said $rc 0 'no harness tree pinned (/opt/harness is not in the image), but an agent' "$T/e11"
check "... no run spec in its manifest" /usr/bin/python3 -c 'import cbor2, sys
assert 5 not in cbor2.load(open(sys.argv[1], "rb")) and "no run spec pinned" in open(sys.argv[2]).read()' \
	"$T/o11/manifest.cbor" "$T/e11"
"$V" image "$T/d" -o "$T/o12" --harness /t -- /t/hello >"$T/out12" 2>"$T/e12"
check "--harness and no agent tree: the same, the agent named" said $? 0 'no agent tree pinned (/opt/agent is not in the image), but a harness' "$T/e12"
"$V" image "$T/d" -o "$T/o13" --agent-user 65534:65534 -- /t/hello >"$T/out13" 2>"$T/e13"
check "--agent-user with no tree: refused, no run spec" \
	sh -c "[ $? -ne 0 ] && grep -q -- '--agent-user needs an agent tree' '$T/e13' && ! [ -e '$T/o13/manifest.json' ]"
"$V" image "$T/d" -o "$T/o8" --agent /t --harness /t >"$T/out8" 2>"$T/e8"
check "with --agent and --harness, no command: no tree warning, and no run spec pinned, said once" \
	sh -c "[ $? -eq 0 ] && ! grep -q 'tree pinned' '$T/e8' && [ \$(wc -l <'$T/e8') -eq 1 ] &&
	       grep -q 'no run spec pinned (no command' '$T/e8' && ! grep -q runspec '$T/o8/manifest.json'"
"$V" image "$T/d" -o "$T/o9" --agent /t --harness /t --uid 1000 --gid 1000 --timeout 60 -- /t/run >"$T/out9" 2>"$T/e9"
check "with a command after --: no warning, the run spec pinned with the options" \
	sh -c "[ $? -eq 0 ] && [ ! -s '$T/e9' ] && /usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))[\"runspec\"]
assert r[\"argv\"] == [\"/t/run\"] and r[\"uid\"] == r[\"gid\"] == 1000 and r[\"timeout_s\"] == 60, r
assert r[\"agent\"] == r[\"harness\"] == \"/t\" and r[\"cwd\"] == \"/\", r
# a directory has no config: the default PATH, and HOME / (no /etc/passwd)
assert r[\"env\"] == [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"HOME=/\"], r' '$T/o9/manifest.json'"

# tree-digest --root: an absolute path is inside the root, not the host's
inside=$("$V" tree-digest --root "$T/d" /t | cut -c1-64)
relative=$("$V" tree-digest --root "$T/d" t | cut -c1-64)
check "tree-digest --root DIR /t is DIR's t" same "$inside" "$relative"
check "... and equals the manifest's pin" grep -q "sha256:$inside" "$T/o8/manifest.json"
"$V" tree-digest --root "$T/d" /nowhere 2>"$T/e9"
check "tree-digest of a missing path: 'No such file or directory'" said $? 70 'No such file or directory' "$T/e9"
finish
