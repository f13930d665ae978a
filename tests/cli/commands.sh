#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One command-line convention for every vouch command and for host-verify
# (vouch(1), host-verify(1)), checked as a table: each command run with
# --help, -h, --version, no arguments, an unknown option, an option
# missing its argument and a surplus argument. For each: the exit status,
# which stream the words went to (stdout when asked for, stderr for a
# mistake), that the usage is the command's own, that every message
# names the program and the command ("vouch run: ...", "host-verify: ..."),
# never a bare "run:" or a path, and that nothing was written: not in the
# working folder, not in the cache.
set -u
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
V=$B/bin/vouch
H=$B/bin/host-verify
for p in "$V" "$H"; do
	[ -x "$p" ] || { echo "Bail out! $p not built"; exit 99; }
done
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
mkdir "$T/cwd" || exit 99
export VOUCH_CACHE=$T/cache # must stay absent: no key made, nothing cached
cd "$T/cwd" || exit 99

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# run WANT_RC STREAM USAGE_OF PREFIX -- ARGV...
#   STREAM: out (all words on stdout, stderr empty), err (the reverse)
#   USAGE_OF: the command whose usage must be printed ("run",
#     "host-verify", "vouch" for vouch's own), or - for none
#   PREFIX: what stderr's first line must start with when it is not the
#     usage ("vouch run:"), or - when stderr must start with the usage
run() {
	local want=$1 stream=$2 usage_of=$3 prefix=$4 rc why=
	shift 5
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	local words=$T/$stream quiet=$T/out
	[ "$stream" = out ] && quiet=$T/err
	[ "$rc" -eq "$want" ] || why="exit $rc, not $want"
	[ -z "$why" ] && [ -s "$quiet" ] && why="wrote to std${quiet##*/} too"
	[ -z "$why" ] && [ ! -s "$words" ] && why="said nothing on std$stream"
	if [ -z "$why" ] && [ "$usage_of" != - ]; then
		case $usage_of in
		vouch) pat='^usage: vouch COMMAND' ;;
		host-verify) pat='^usage: host-verify ' ;;
		*) pat="^usage: vouch $usage_of( |\$)" ;;
		esac
		grep -qE "$pat" "$words" || why="no usage of $usage_of"
	fi
	if [ -z "$why" ] && [ "$stream" = err ]; then
		first=$(head -n 1 "$T/err")
		if [ "$prefix" = - ]; then
			case $first in usage:*) ;; *) why="stderr does not start with the usage: $first" ;; esac
		else
			case $first in "$prefix"*) ;; *) why="stderr does not start with '$prefix': $first" ;; esac
		fi
		# no message names a bare command or a path instead of the program
		if grep -vE '^(usage: |       |  |See |vouch [a-z-]+: |vouch: |host-verify: |$)' "$T/err" >"$T/stray"; then
			why="a message without the program's name: $(head -n 1 "$T/stray")"
		fi
	fi
	if [ -z "$why" ] && [ -n "$(ls -A "$T/cwd")" ]; then
		why="wrote into the working folder: $(ls -A "$T/cwd" | head -n 3 | tr '\n' ' ')"
		rm -rf "${T:?}/cwd/"* "$T/cwd/".[!.]* 2>/dev/null
	fi
	[ -z "$why" ] && [ -e "$VOUCH_CACHE" ] && why="wrote the cache $VOUCH_CACHE" && rm -rf "$VOUCH_CACHE"
	local name="${*#"$B"/bin/}"
	if [ -z "$why" ]; then
		ok "$name: exit $want, on std$stream"
	else
		notok "$name: $why"
		sed 's/^/#   out: /' "$T/out" | head -n 5
		sed 's/^/#   err: /' "$T/err" | head -n 5
	fi
}

# The table, one command a line, fields split at ';': the command, then an
# invocation that lacks an argument (an option without its value, or a
# required operand or option left out), then one with a surplus argument
# (- where the command takes any number); each as PREFIX|ARGS, PREFIX what
# stderr's first line starts with ("usage:" when it is the usage alone).
while IFS=';' read -r cmd missing surplus; do
	run 0 out "$cmd" - -- "$V" "$cmd" --help
	run 0 out "$cmd" - -- "$V" "$cmd" -h
	run 0 out "$cmd" - -- "$V" help "$cmd"
	"$V" "$cmd" --help >"$T/a" 2>&1
	"$V" help "$cmd" >"$T/b" 2>&1
	if cmp -s "$T/a" "$T/b"; then ok "vouch help $cmd is vouch $cmd --help"; else notok "vouch help $cmd differs from vouch $cmd --help"; fi
	run 0 out - - -- "$V" "$cmd" --version
	grep -qx "vouch [0-9][0-9.]*" "$T/out" && ok "vouch $cmd --version: the version" ||
		notok "vouch $cmd --version printed: $(cat "$T/out")"
	case $cmd in
	version) run 0 out - - -- "$V" "$cmd" ;;
	help) run 0 out vouch - -- "$V" "$cmd" ;;
	*) run 64 err "$cmd" - -- "$V" "$cmd" ;;
	esac
	run 64 err "$cmd" "vouch $cmd: unrecognized option '--no-such-option'" -- "$V" "$cmd" --no-such-option
	for c in "$missing" "$surplus"; do
		[ "$c" = - ] && continue
		p=${c%%|*}
		[ "$p" = usage: ] && p=-
		# shellcheck disable=SC2086 # the table's words are split on purpose
		run 64 err "$cmd" "$p" -- "$V" "$cmd" ${c#*|}
	done
done <<'TABLE'
run;vouch run: option '--image' requires|--image;vouch run: unexpected argument 'x'|--image img x
launch;vouch launch: option '--kernel' requires|--kernel;vouch launch: unexpected argument 'x'|--kernel k --initrd i --rootfs r x
image;usage:|src;vouch image: unexpected argument 'x'|src -o out x
manifest;usage:|--image img.ext4;vouch manifest: unexpected argument 'x'|--image img -o out.cbor x
tree-digest;vouch tree-digest: option '--root' requires|--root;-
verify;usage:|--bundle evidence.cbor;usage:|--bundle b --manifest m x
predict;vouch predict: option '--manifest' requires|--manifest;usage:|--manifest m x
verifier-key;usage:|;usage:|out.pem x
version;-;usage:|x
help;-;usage:|run x
TABLE

# vouch itself
run 64 err vouch - -- "$V"
run 0 out vouch - -- "$V" --help
run 0 out vouch - -- "$V" -h
run 0 out - - -- "$V" --version
run 64 err vouch "vouch: unknown command 'no-such-command'" -- "$V" no-such-command
run 64 err vouch "vouch: unknown option '--no-such-option'" -- "$V" --no-such-option
run 64 err vouch "vouch help: unknown command 'no-such-command'" -- "$V" help no-such-command
run 64 err vouch - -- "$V" --help run

# the options' values are checked, each in its command's words
run 64 err - "vouch run: --vmm kvm: auto, qemu or firecracker" -- "$V" run --image img --vmm kvm
run 64 err - "vouch launch: --tpm tis: relay or device" -- "$V" launch --tpm tis
run 64 err - "vouch manifest: --fstype squashfs: ext4 or erofs" -- "$V" manifest --fstype squashfs
run 64 err - "vouch launch: --memory lots: a number" -- "$V" launch --memory lots

# the judgement's own messages name the command that judges
run 64 err - "vouch verify: " -- "$V" verify --bundle missing.cbor --manifest missing.cbor
run 64 err - "host-verify: " -- "$H" --bundle missing.cbor --manifest missing.cbor

# host-verify
run 0 out host-verify - -- "$H" --help
run 0 out host-verify - -- "$H" -h
run 0 out - - -- "$H" --version
grep -qx "host-verify [0-9][0-9.]*" "$T/out" && ok "host-verify --version: the version" ||
	notok "host-verify --version printed: $(cat "$T/out")"
run 64 err host-verify - -- "$H"
run 64 err host-verify "host-verify: unrecognized option '--no-such-option'" -- "$H" --no-such-option
run 64 err host-verify "host-verify: option '--bundle' requires" -- "$H" --bundle
run 64 err host-verify - -- "$H" --bundle evidence.cbor
run 64 err host-verify "host-verify: unexpected argument 'x'" -- "$H" --bundle b --manifest m x
run 64 err host-verify - -- "$H" --verify-attestation e.json --bundle b

echo "1..$n"
[ "$failed" -eq 0 ]
