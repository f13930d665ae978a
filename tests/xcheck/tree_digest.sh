#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Cross-checks the tree digest: measured-boot/tree.c (through
# $B/tests/mbcheck-glibc tree PATH) against the independent Python
# implementation of schemas/tree-digest.md (tests/xcheck/tree_digest.py),
# on trees holding every file type and the awkward cases, then checks that
# what the digest covers changes it and what it leaves out does not.
#
# Run from the repository root. TAP on stdout; exit 0 all passed, 1 some
# failed, 77 skipped, 99 hard error. Device nodes need mknod (root): their
# rows are skipped, with the reason, where it fails.

set -u

B=${B:-build}
PY=/usr/bin/python3
MBCHECK=$B/tests/mbcheck-glibc
TREEPY=tests/xcheck/tree_digest.py

if [ ! -x "$PY" ]; then
	echo "1..0 # SKIP $PY is not installed"
	exit 77
fi
if [ ! -x "$MBCHECK" ] || [ ! -f "$TREEPY" ]; then
	echo "Bail out! $MBCHECK not built or $TREEPY missing (run from the repository root)"
	exit 99
fi

tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 99; }
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
hard() { echo "Bail out! $1"; exit 99; }

# digest PATH: "C-digest Python-digest", or "error" when either side failed.
digest() {
	local c p
	c=$("$MBCHECK" tree "$1" 2>&1) || { echo "error: C: $c"; return; }
	p=$("$PY" "$TREEPY" "$1" 2>&1) || { echo "error: Python: $p"; return; }
	echo "$c $p"
}

# same NAME PATH: both implementations give one, well-formed digest.
same() {
	local d c p rest
	d=$(digest "$2")
	read -r c p rest <<< "$d"
	if [ -z "$rest" ] && [ "$c" = "$p" ] && [[ $c =~ ^[0-9a-f]{64}$ ]]; then
		pass "$1"
	else
		fail "$1"
		echo "#   got: $d"
	fi
}

# ---- the trees ----

mk_regular() {
	mkdir -p "$1" || return 1
	: > "$1/empty"
	printf 'hello\n' > "$1/small"
	# 1.5 MiB + 1: several of the C reader's 256 KiB chunks and a short tail
	yes 'vouch tree digest test data 0123456789' | head -c 1572865 > "$1/big"
	printf 'no newline at end' > "$1/tail"
}

mk_nested() {
	mkdir -p "$1/a/b/c/d/e/f/g/h" "$1/empty" "$1/x/y" || return 1
	printf 'deep\n' > "$1/a/b/c/d/e/f/g/h/file"
	printf 'mid\n' > "$1/a/b/c/mid"
	printf 'y\n' > "$1/x/y/z"
}

mk_symlinks() {
	mkdir -p "$1" || return 1
	ln -s ../regular/small "$1/relative" &&
		ln -s /etc/hostname "$1/absolute" &&
		ln -s does/not/exist "$1/dangling" &&
		ln -s ../nested "$1/to-dir" &&
		ln -s loop "$1/loop" &&
		ln -s "$(printf 'long/%.0s' $(seq 1 200))end" "$1/long-target" &&
		ln -s $'odd\ntarget \xff' "$1/odd-target"
}

mk_fifo() { mkdir -p "$1" && mkfifo -m 0640 "$1/pipe"; }

mk_socket() {
	mkdir -p "$1" &&
		"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1/sock"
}

mk_modes() {
	mkdir -p "$1/setgid-dir" "$1/sticky-dir" || return 1
	for m in 4755 2711 6755 0000 0777 0600 1644; do
		printf '%s\n' "$m" > "$1/mode-$m" && chmod "$m" "$1/mode-$m" || return 1
	done
	chmod 2775 "$1/setgid-dir" && chmod 1777 "$1/sticky-dir" && chmod 0700 "$1"
}

mk_names() {
	mkdir -p "$1" || return 1
	local name
	for name in 'with space' $'new\nline' $'tab\tname' $'\xff\xfe' $'\x80' 'é' '-dash' \
		'back\slash' '*' '~' 'Z' 'a' '#' "$(printf 'n%.0s' $(seq 1 255))"; do
		printf '%s\n' "$name" > "$1/$name" || return 1
	done
	mkdir "$1/dir with space" && printf 'x\n' > "$1/dir with space/"$'\xc3\x28'
}

# Names whose order as siblings differs from the bytewise order of full paths.
mk_order() {
	mkdir -p "$1/a" "$1/a b" || return 1
	printf '1\n' > "$1/a/b"
	printf '2\n' > "$1/a-b"
	printf '3\n' > "$1/a.b"
	printf '4\n' > "$1/a0"
	printf '5\n' > "$1/A"
	printf '6\n' > "$1/a b/c"
	printf '7\n' > "$1/"$'a\x01'
}

mk_hardlinks() {
	mkdir -p "$1" && printf 'shared\n' > "$1/f" && ln "$1/f" "$1/g"
}

T=$tmp/t
mkdir "$T" || hard "mkdir $T"
mk_regular "$T/regular" || hard "regular files"
mk_nested "$T/nested" || hard "nested directories"
mk_symlinks "$T/symlinks" || hard "symlinks"
mk_fifo "$T/fifo" || hard "fifo"
mk_socket "$T/socket" || hard "socket"
mk_modes "$T/modes" || hard "modes"
mk_names "$T/names" || hard "odd names"
mk_order "$T/order" || hard "order"
mk_hardlinks "$T/hardlinks" || hard "hard links"
mkdir "$T/chr" "$T/blk" "$T/owners" || hard "mkdir"
chr_err=$(mknod -m 0620 "$T/chr/null" c 1 3 2>&1 && mknod "$T/chr/big-minor" c 136 300 2>&1) &&
	have_chr=1 || have_chr=0
blk_err=$(mknod -m 0660 "$T/blk/loop" b 7 200 2>&1) && have_blk=1 || have_blk=0
mk_owners() {
	mkdir "$1/dir" && printf 'o\n' > "$1/file" && ln -s file "$1/link" &&
		chown 1234:5678 "$1/file" && chown -h 4000000000:65534 "$1/link" &&
		chown 0:4294967294 "$1/dir"
}
own_err=$(mk_owners "$T/owners" 2>&1) && have_own=1 || have_own=0

# ---- C and Python agree ----

same "regular files: empty, small, 1.5 MiB, no final newline" "$T/regular"
same "nested directories and an empty one" "$T/nested"
same "symlinks: relative, absolute, dangling, to a dir, loop, long and odd targets" "$T/symlinks"
same "fifo" "$T/fifo"
same "socket" "$T/socket"
if [ "$have_chr" = 1 ]; then
	same "character devices" "$T/chr"
else
	skip "character devices" "mknod failed: $chr_err"
fi
if [ "$have_blk" = 1 ]; then
	same "block device" "$T/blk"
else
	skip "block device" "mknod failed: $blk_err"
fi
same "modes: setuid, setgid, sticky, 0000" "$T/modes"
if [ "$have_own" = 1 ]; then
	same "owners: other uid/gid, large ids, owner of a symlink" "$T/owners"
else
	skip "owners: other uid/gid, large ids, owner of a symlink" "chown failed: $own_err"
fi
same "odd names: spaces, newline, tab, non-UTF-8, 255 bytes" "$T/names"
same "sibling order differs from path order (a, a/b, a-b)" "$T/order"
same "hard links" "$T/hardlinks"
same "root is a regular file" "$T/regular/big"
same "root is an empty file" "$T/regular/empty"
same "root is a dangling symlink" "$T/symlinks/dangling"
same "whole tree" "$T"

# The walk order itself, spelt out: the entries of $T/order, in order.
order=$("$PY" "$TREEPY" -v "$T/order" 2>&1 >/dev/null | sed -e "s/^[0-9a-f]*  //" | tr '\n' ' ')
want="b'' b'A' b'a' b'a/b' b'a\\x01' b'a b' b'a b/c' b'a-b' b'a.b' b'a0' "
if [ "$order" = "$want" ]; then
	pass "walk order: siblings by name, each subtree before the next sibling"
else
	fail "walk order: siblings by name, each subtree before the next sibling"
	echo "#   got:  $order"
	echo "#   want: $want"
fi

# A root that is a symlink to a directory is that link, not the directory.
link=$(digest "$T/symlinks/to-dir")
dir=$(digest "$T/nested")
if [ "${link%% *}" != "${dir%% *}" ] && [ "${link%% *}" = "${link##* }" ]; then
	pass "a symlink root is not followed"
else
	fail "a symlink root is not followed"
fi

# ---- what is covered changes the digest; what is left out does not ----

# change NAME SHOULD(differ|same) DIR COMMAND...: digest DIR, run COMMAND,
# digest again; both sides must agree each time.
change() {
	local name=$1 should=$2 dir=$3 before after c1 p1 c2 p2 rest
	shift 3
	before=$(digest "$dir")
	if ! "$@" > /dev/null 2>&1; then
		fail "$name (the change itself failed)"
		return
	fi
	after=$(digest "$dir")
	read -r c1 p1 rest <<< "$before"
	read -r c2 p2 rest <<< "$after"
	if [[ ! $c1 =~ ^[0-9a-f]{64}$ ]] || [ "$c1" != "$p1" ] || [ "$c2" != "$p2" ]; then
		fail "$name: C and Python disagree"
		echo "#   before: $before"
		echo "#   after:  $after"
	elif { [ "$should" = differ ] && [ "$c1" != "$c2" ]; } ||
		{ [ "$should" = same ] && [ "$c1" = "$c2" ]; }; then
		pass "$name"
	else
		fail "$name"
	fi
}

# shellcheck disable=SC2317 # called through change()
flip_byte() { printf 'X' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
set_xattr() { "$PY" -c 'import os, sys; os.setxattr(sys.argv[1], b"user.vouch", b"1")' "$1"; }

C=$tmp/c
if ! { mk_regular "$C/r" && mk_nested "$C/n" && mk_hardlinks "$C/h"; }; then
	hard "copy trees"
fi
if ! { ln -s ../outside/target "$C/n/link" && mkdir "$tmp/outside" &&
	printf 'a\n' > "$tmp/outside/target"; }; then
	hard "link out of the tree"
fi
change "a changed byte in a 1.5 MiB file changes the digest" differ "$C" flip_byte "$C/r/big" 1048577
change "a changed byte in a small file changes the digest" differ "$C" flip_byte "$C/r/small" 0
change "an appended byte changes the digest" differ "$C" sh -c "printf x >> '$C/r/empty'"
change "a changed mode changes the digest" differ "$C" chmod 0640 "$C/n/a/b/c/mid"
change "a setuid bit changes the digest" differ "$C" chmod u+s "$C/r/tail"
change "a renamed file changes the digest" differ "$C" mv "$C/n/x/y/z" "$C/n/x/y/z2"
change "a file moved to another directory changes the digest" differ "$C" mv "$C/n/x/y/z2" "$C/n/x/z2"
change "a new empty directory changes the digest" differ "$C" mkdir "$C/n/new"
change "the target's content is not followed" same "$C" sh -c "printf b > '$tmp/outside/target'"
change "a changed symlink target changes the digest" differ "$C" ln -sfn ../outside/other "$C/n/link"
change "timestamps are left out" same "$C" touch -h -d '2001-02-03 04:05:06' "$C/r/big" "$C/n" "$C/n/link"
if set_xattr "$C/r/small" 2>/dev/null; then
	change "extended attributes are left out" same "$C" set_xattr "$C/r/tail"
else
	skip "extended attributes are left out" "user xattrs not supported on $(df --output=fstype "$tmp" | tail -1)"
fi
change "hard-link identity is left out (a copy digests the same)" same "$C" \
	sh -c "rm '$C/h/g' && cp '$C/h/f' '$C/h/g'"

# Creation order cannot matter: build one tree in two orders.
mkdir -p "$tmp/o1" "$tmp/o2" || hard "order trees"
for x in a b c d e f g h i j; do printf '%s\n' "$x" > "$tmp/o1/$x"; done
for x in j i h g f e d c b a; do printf '%s\n' "$x" > "$tmp/o2/$x"; done
o1=$(digest "$tmp/o1")
o2=$(digest "$tmp/o2")
if [ "$o1" = "$o2" ] && [ "${o1%% *}" = "${o1##* }" ]; then
	pass "creation order does not matter"
else
	fail "creation order does not matter"
fi

echo "1..$n"
[ $failed -eq 0 ] && exit 0
exit 1
