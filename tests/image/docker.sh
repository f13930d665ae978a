#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What vouch image pins to run, against `docker run IMAGE [CMD]`: Entrypoint
# + Cmd (a command given replaces Cmd, not Entrypoint), Env with Docker's
# default PATH when the config has none (a rootfs tar has no config at
# all), HOME from the user's passwd entry (else /), WorkingDir, and User as
# a name or number (with :group) resolved in the image's own /etc/passwd
# and /etc/group as runc does; a name that is not there is refused. Each
# case is an image made for it (mkoci.py runcfg), checked in the pinned run
# spec decoded from manifest.cbor; one real VM run prints what the harness
# got, supplementary groups included (run spec key 13: the /etc/group
# entries that list the user, as runc takes them).
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" mke2fs
DP=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# pinned NAME JSON [vouch image args...]: image NAME from config JSON, built
# with the args given; the pinned run spec as JSON in $T/NAME.rs
pinned() {
	local name=$1 cfg=$2
	shift 2
	$MKOCI runcfg "$T/$name.oci" "$cfg" || return 99
	"$V" image "$T/$name.oci" -o "$T/$name" --no-agent-boundary "$@" >"$T/$name.out" 2>"$T/$name.err" ||
		{ sed 's/^/# /' "$T/$name.err"; return 1; }
	"$PY" -c 'import cbor2, json, sys
rs = cbor2.loads(cbor2.load(open(sys.argv[1], "rb"))[5])
json.dump({"argv": rs[1], "env": rs[2], "cwd": rs[3], "uid": rs[4], "gid": rs[5], "groups": rs.get(13, [])},
          sys.stdout)' \
		"$T/$name/manifest.cbor" >"$T/$name.rs"
}
# is NAME PYTHON-EXPR: the expression holds of r, NAME's pinned run spec
is() {
	"$PY" -c 'import json, sys
r = json.load(open(sys.argv[1])); DP = sys.argv[3]
assert eval(sys.argv[2]), r' "$T/$1.rs" "$2" "$DP" 2>&1 | sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}

base='"Entrypoint": ["/opt/harness/run", "e1"], "Cmd": ["c1", "c2"], "WorkingDir": "/work"'
pinned named "{$base, \"User\": \"app\", \"Env\": [\"FOO=1\"]}"
check "Entrypoint + Cmd, in order" is named 'r["argv"] == ["/opt/harness/run", "e1", "c1", "c2"]'
check "no PATH in Env: Docker's default PATH first, the config's Env, HOME from app's passwd entry" \
	is named 'r["env"] == [DP, "FOO=1", "HOME=/home/app"]'
check "User app: uid and primary gid from the image's /etc/passwd (a symlink, resolved in the image)" \
	is named 'r["uid"] == 1000 and r["gid"] == 1001'
check "WorkingDir is the cwd" is named 'r["cwd"] == "/work"'
check "User app: its supplementary groups from the image's /etc/group (staff, 50, lists app)" \
	is named 'r["groups"] == [50]'

pinned cmd "{$base, \"User\": \"app\"}" -- x y
check "a command after -- replaces Cmd and keeps Entrypoint" is cmd 'r["argv"] == ["/opt/harness/run", "e1", "x", "y"]'
pinned noentry '{"Cmd": ["c1"]}' -- z
check "no Entrypoint: the command after -- is the whole argv" is noentry 'r["argv"] == ["z"]'
check "... no User: root, HOME /root from root's entry, cwd /" \
	is noentry 'r["uid"] == 0 and r["gid"] == 0 and r["env"] == [DP, "HOME=/root"] and r["cwd"] == "/" and r["groups"] == []'

pinned ownenv "{$base, \"Env\": [\"HOME=/h\", \"PATH=/custom\"]}"
check "PATH and HOME in Env: kept as they are, nothing added" is ownenv 'r["env"] == ["HOME=/h", "PATH=/custom"]'

pinned grp "{$base, \"User\": \"app:staff\"}"
check "User app:staff: the group's gid from /etc/group" is grp 'r["uid"] == 1000 and r["gid"] == 50'
pinned num "{$base, \"User\": \"1000\"}"
check "User 1000: the entry with that uid (gid, HOME)" \
	is num 'r["uid"] == 1000 and r["gid"] == 1001 and "HOME=/home/app" in r["env"]'
pinned nopw "{$base, \"User\": \"4242\"}"
check "User 4242, no such entry: uid 4242, gid 0, HOME /" \
	is nopw 'r["uid"] == 4242 and r["gid"] == 0 and r["env"][-1] == "HOME=/"'
pinned svcgid "{$base, \"User\": \"svc:1234\"}"
check "User svc:1234: svc's uid and home, the gid given" \
	is svcgid 'r["uid"] == 999 and r["gid"] == 1234 and r["env"][-1] == "HOME=/srv/svc"'
pinned flagu "{$base, \"User\": \"svc\"}" --uid 1000
check "--uid 1000 over User svc: as docker run -u 1000 (app's gid and HOME)" \
	is flagu 'r["uid"] == 1000 and r["gid"] == 1001 and r["env"][-1] == "HOME=/home/app"'

# refused: a name the image does not have
$MKOCI runcfg "$T/ghost.oci" "{$base, \"User\": \"ghost\"}" || exit 99
"$V" image "$T/ghost.oci" -o "$T/ghost" >/dev/null 2>"$T/ghost.err"
rc=$?
check "User ghost (not in /etc/passwd): exit 1, IMG_E_USER, names it, nothing left" \
	sh -c "[ $rc -eq 1 ] && grep -q 'no user \"ghost\" in the image.s /etc/passwd' '$T/ghost.err' &&
	       grep -q IMG_E_USER '$T/ghost.err' && [ ! -e '$T/ghost' ]"
$MKOCI runcfg "$T/ghostg.oci" "{$base, \"User\": \"app:ghosts\"}" || exit 99
"$V" image "$T/ghostg.oci" -o "$T/ghostg" >/dev/null 2>"$T/ghostg.err"
rc=$?
check "User app:ghosts (no such group): exit 1, IMG_E_USER, names it" \
	sh -c "[ $rc -eq 1 ] && grep -q 'no group \"ghosts\" in the image.s /etc/group' '$T/ghostg.err'"

# a rootfs tar has no config: Docker's PATH, root, HOME from root's entry
$MKOCI runcfg "$T/rootfs.tar" '{}' --rootfs-tar || exit 99
"$V" image "$T/rootfs.tar" -o "$T/tar" --no-agent-boundary -- /opt/harness/run >/dev/null 2>"$T/tar.err"
check "rootfs tar: built" test $? -eq 0
"$PY" -c 'import cbor2, json, sys
rs = cbor2.loads(cbor2.load(open(sys.argv[1], "rb"))[5])
json.dump({"argv": rs[1], "env": rs[2], "cwd": rs[3], "uid": rs[4], "gid": rs[5], "groups": rs.get(13, [])},
          sys.stdout)' \
	"$T/tar/manifest.cbor" >"$T/tar.rs"
check "... pinned with Docker's default PATH and HOME /root, as root in /" \
	is tar 'r["env"] == [DP, "HOME=/root"] and r["uid"] == r["gid"] == 0 and r["cwd"] == "/" and r["argv"] == ["/opt/harness/run"]'

# a real VM run: the harness prints its ids, HOME, PATH, cwd and argv as
# TAP test names, which come back attested
if command -v qemu-system-x86_64 >/dev/null && command -v swtpm >/dev/null &&
	[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; then
	$MKOCI runcfg "$T/vm.oci" '{"Entrypoint": ["/opt/harness/run"], "Cmd": ["from-cmd"], "User": "app",
		"WorkingDir": "/work", "Env": ["LANG=C.UTF-8"]}' --busybox || exit 99
	"$V" image "$T/vm.oci" -o "$T/vm" --no-agent-boundary -- given >/dev/null 2>"$T/vm.err" ||
		{ sed 's/^/# /' "$T/vm.err"; exit 99; }
	"$V" run --image "$T/vm" -o "$T/vm-out" --quiet >"$T/vm.log" 2>&1
	rc=$?
	sed 's/^/# /' "$T/vm.log"
	check "VM run of User app, no PATH in Env: PASSED" \
		sh -c "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$T/vm.log'"
	want="uid=1000 gid=1001 groups=1001 50 home=/home/app path=${DP#PATH=} cwd=/work argv=given"
	check "... the harness got uid 1000, gid 1001, groups 1001 50, HOME /home/app, Docker's PATH, cwd /work, Entrypoint + given" \
		grep -qF "name=\"$want\"" "$T/vm-out/junit.xml"
	grep -o 'name="uid=[^"]*"' "$T/vm-out/junit.xml" | sed 's/^/# junit: /'
else
	skip "VM run of the harness's view" "needs qemu-system-x86_64, swtpm and busybox-static"
fi
finish
