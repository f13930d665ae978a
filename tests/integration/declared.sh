#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Declared result files (vouch launch/run --results PATH) in real VMs,
# behind the agent boundary, from the agent's seat. guest-init ships a
# declared file only when nobody but root and the harness's user could
# have written it (StrictModes: the harness uid's regular file, not
# group- or world-writable, in directories of root or the harness uid
# that only their owner can write, no symlink on the way); anything else
# is a refused record naming the path and why, and the verdict fails on
# it. What the agent can do and what the boundary guarantees:
#  - it writes a fake, passing JUnit file at the declared path first, in
#    /tmp; the harness then writes its own (failing) report over it. The
#    file keeps the agent's owner, and /tmp is 1777: refused, the run
#    fails naming the file, and the fake passes are never counted;
#  - it writes a passing file in a directory of its own, declared: that
#    directory is not root's or the harness's: refused;
#  - it cannot write anywhere a declared file would be accepted, so an
#    accepted file is the harness's word (the honest case).
# A declared file missing or malformed fails the run too; a declared list
# other than the pinned one is refused before boot by vouch and, forced
# through, rejected by host-verify (runspec-results).
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm mkfs.erofs
vm_kernel
V=$B/bin/vouch
HV=$B/bin/host-verify
PY=/usr/bin/python3
vm_built "$initrd" "$V" "$HV"
vm_tmp --runs

r=$tmp/root
mkdir -p "$r"/opt/{agent,harness} "$r/srv" "$r/home/agent"
install -m 0755 samples/calc/agent/calc "$r/opt/agent/"
chmod 0755 "$r/srv"
chown 65534:65534 "$r/home/agent"
cat >"$r/opt/harness/declared" <<'SH'
#!/bin/sh
pass='<testsuite name="t" tests="1"><testcase classname="fake" name="all_good"/></testsuite>'
fail='<testsuite name="t" tests="2"><testcase classname="calc" name="adds"/><testcase classname="calc" name="subtracts"><failure message="wrong">2 != 3</failure></testcase></testsuite>'
good='<testsuite name="t" tests="1"><testcase classname="calc" name="adds"/></testsuite>'
case $1 in
honest) printf '%s\n' "$good" >/srv/r.xml; printf '1..1\nok 1 divides\n' >/srv/t.tap ;;
agent-first)
	"$VOUCH_AS_AGENT" /bin/sh -c "printf '%s\n' '$pass' >/tmp/r.xml; chmod 0666 /tmp/r.xml"
	printf '%s\n' "$fail" >/tmp/r.xml ;;
agent-dir) "$VOUCH_AS_AGENT" /bin/sh -c "printf '%s\n' '$pass' >/home/agent/r.xml" ;;
missing) ;;
malformed) printf '<testsuite><testcase' >/srv/r.xml ;;
esac
exit 0
SH
chmod 0755 "$r/opt/harness/declared"
img=$tmp/declared.img
vm_image_busybox "$r" "$img" 5ec1a1e0-0000-4000-8000-0000000000ed

A=(--agent-user 65534:65534 --env PATH=/bin)
run() { vm_judged_run "$1" "$2" "$img" "${@:3}"; }
json() { "$PY" -c "import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

run honest 0 "${A[@]}" --results /srv/r.xml --results /srv/t.tap -- /opt/harness/declared honest
check "grep -q 'result file \"/srv/r.xml\" (junit): parsed, 1 tests, 0 failed' '$tmp/honest.verify' &&
       grep -q 'result file \"/srv/t.tap\" (tap): parsed, 1 tests, 0 failed' '$tmp/honest.verify'" \
	"honest: the harness's files in root's 0755 /srv, shipped under their paths and read"
check "json '$tmp/honest/report.json' \"r['verdict'] == 'passed' and r['counts']['passed'] == 2\"" \
	"honest: report.json counts both files' tests, verdict passed"

run agent-first 1 "${A[@]}" --results /tmp/r.xml -- /opt/harness/declared agent-first
check "grep -q 'result file \"/tmp/r.xml\" (junit): unsafe: refused by guest-init: a directory on its path is writable by its group or by others' '$tmp/agent-first.verify' &&
       grep -q '^  failed: \"vouch.results::/tmp/r.xml\": \"junit unsafe: refused by guest-init: ' '$tmp/agent-first.verify'" \
	"agent-first: the file the agent planted in /tmp is refused, the run fails naming it"
check "json '$tmp/agent-first/report.json' \"r['verdict'] == 'tests-failed' and not [t for t in r['tests'] if t['name'] == 'all_good'] and [f['status'] for f in r['result_files']] == ['unsafe']\"" \
	"agent-first: the agent's fake passes are never counted"

run agent-dir 1 "${A[@]}" --results /home/agent/r.xml -- /opt/harness/declared agent-dir
check "grep -q '\"/home/agent/r.xml\" (junit): unsafe: refused by guest-init: a directory on its path is neither root' '$tmp/agent-dir.verify'" \
	"agent-dir: a file in the agent's own directory is refused (directory owner)"

run missing 1 "${A[@]}" --results /srv/none.xml -- /opt/harness/declared missing
check "grep -q '\"/srv/none.xml\" (junit): missing: refused by guest-init: no such file' '$tmp/missing.verify'" \
	"missing: a declared file the harness did not write fails the run"

run malformed 1 "${A[@]}" --results /srv/r.xml -- /opt/harness/declared malformed
check "grep -q '\"/srv/r.xml\" (junit): malformed: ' '$tmp/malformed.verify'" \
	"malformed: a declared file that does not parse fails the run"

# the declared list is part of the pinned run spec
"$V" manifest --image "$img" --fstype erofs "${trees[@]}" --kernel "$kernel" --initrd "$initrd" \
	--tpm relay -o "$tmp/pin.cbor" "${A[@]}" --results /srv/r.xml -- /opt/harness/declared honest 2>/dev/null ||
	{ echo "Bail out! vouch manifest failed"; exit 99; }
"$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$img" --tpm relay --manifest "$tmp/pin.cbor" \
	--out "$tmp/other" --results /srv/other.xml >"$tmp/other.out" 2>&1
rc=$?
check "[ $rc -eq 64 ] && grep -q \"the run spec's results is not the one\" '$tmp/other.out' && [ ! -e '$tmp/other/evidence.cbor' ]" \
	"another declared list than the pinned one: refused before boot (exit 64)"
"$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$img" --tpm relay --manifest "$tmp/pin.cbor" \
	--no-pin-check --out "$tmp/forced" --results /srv/r.xml --results /srv/t.tap >"$tmp/forced.out" 2>&1
"$HV" --bundle "$tmp/forced/evidence.cbor" --manifest "$tmp/pin.cbor" >"$tmp/forced.verify" 2>&1
rc=$?
check "[ $rc -eq 2 ] && grep -q 'runspec-results' '$tmp/forced.verify'" \
	"forced through (--no-pin-check): host-verify rejects it, runspec-results (exit 2)"

check "! pgrep -f '$TMPDIR/vouch-run-' >/dev/null" "nothing left running"
echo "1..$n"
exit $fail
