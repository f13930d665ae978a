#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manual pages: each lint-clean under mandoc -Tlint (every level,
# style included), its NAME parseable by lexgrog (what whatis and apropos
# read) as "page \- description", the sections a page needs, and each
# program's OPTIONS naming every option its --help shows: vouch(1) for
# vouch's commands, vouch-image(1) for vouch image, host-verify(1).
set -u
cd "$(dirname "$0")/../.." || exit 99
B=${B:-build}
V=$B/bin/vouch
H=$B/bin/host-verify
for p in mandoc lexgrog; do
	command -v $p >/dev/null || { echo "1..0 # SKIP needs $p (Debian mandoc, man-db)"; exit 77; }
done
for p in "$V" "$H"; do
	[ -x "$p" ] || { echo "Bail out! $p not built"; exit 99; }
done
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# the page as text, one paragraph a line as far as the width allows
render() { mandoc -Tascii -Owidth=250 "$1" | col -b; }
# the text of one section (a heading is a line of capitals at the margin)
section() { awk -v s="$2" '/^[A-Z][A-Z ]*$/ { f = ($0 == s); next } f' "$1"; }

pages=(docs/*.[1-8])
[ ${#pages[@]} -ge 4 ] || { echo "Bail out! the pages are not in docs/"; exit 99; }
for page in "${pages[@]}"; do
	base=${page##*/} name=${base%.*}
	if mandoc -Tlint -W style "$page" >"$T/lint" 2>&1 && [ ! -s "$T/lint" ]; then
		ok "$page: mandoc -Tlint clean"
	else
		notok "$page: mandoc -Tlint"
		sed 's/^/#   /' "$T/lint" | head -n 10
	fi
	if lexgrog "$page" >"$T/lex" 2>&1 && grep -q "^$page: \"$name - ." "$T/lex"; then
		ok "$page: lexgrog reads the NAME as '$name - ...'"
	else
		notok "$page: lexgrog: $(cat "$T/lex")"
	fi
	render "$page" >"$T/$base.txt"
	want="NAME SYNOPSIS DESCRIPTION EXIT_STATUS"
	case $base in *.1) want="$want OPTIONS" ;; esac
	missing=
	for s in $want; do
		grep -qx "${s//_/ }" "$T/$base.txt" || missing="$missing ${s//_/ }"
	done
	[ -z "$missing" ] && ok "$page: has $want" || notok "$page: no section$missing"
done

# covered PAGE HELP_TEXT WHAT: every option in the usage is in the page's OPTIONS
covered() {
	local missing= o
	section "$T/$1.txt" OPTIONS >"$T/opts"
	for o in $(grep -oE -- '(^|[^a-z-])--?[a-z][a-z-]*' "$2" | grep -oE -- '--?[a-z][a-z-]*' | sort -u) -h --help --version; do
		grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$T/opts" || missing="$missing $o"
	done
	[ -z "$missing" ] && ok "$1 OPTIONS: every option of $3" || notok "$1 OPTIONS lack, for $3:$missing"
}
"$V" help >"$T/commands" || { echo "Bail out! vouch help failed"; exit 99; }
cmds=$(awk '/^  [a-z]/ { print $1 }' "$T/commands")
[ -n "$cmds" ] || { echo "Bail out! no commands in vouch help"; exit 99; }
section "$T/vouch.1.txt" SYNOPSIS >"$T/synopsis"
for c in $cmds; do
	"$V" "$c" --help >"$T/help" || { notok "vouch $c --help failed"; continue; }
	case $c in
	image) covered vouch-image.1 "$T/help" "vouch image" ;;
	*) covered vouch.1 "$T/help" "vouch $c" ;;
	esac
	grep -q "vouch $c" "$T/synopsis" && ok "vouch(1) SYNOPSIS has vouch $c" || notok "vouch(1) SYNOPSIS lacks vouch $c"
done
"$H" --help >"$T/help" || { echo "Bail out! host-verify --help failed"; exit 99; }
covered host-verify.1 "$T/help" host-verify

echo "1..$n"
[ "$failed" -eq 0 ]
