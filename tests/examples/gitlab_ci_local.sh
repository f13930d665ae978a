#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/gitlab/.gitlab-ci.yml under gitlab-ci-local 4.62.0 (pinned in
# tests/examples/package-lock.json; 4.75 needs Node 22), shell executor, in
# a throwaway git project. It checks the file against GitLab's CI schema
# (and flags a copy with one fault), then runs the pipeline as far as it
# goes without a vouch runner: gitlab-ci-local ignores `tags`, so
# attested-tests runs on this host; the project's ./run-tests stands in for
# the executor and leaves the evidence of a real attested run (recorded in
# tests/vectors/evidence/) where the executor would. verify-offline then runs
# its own commands with the real host-verify against the pins committed in
# .vouch/: the bundle must be accepted (the nonce and manifest plumbing
# works), and the job must end at --verify-attestation, as the recorded run
# has no DSSE statement (its key is not here to sign one; the statement gate
# is tests/vectors/verify_cli.sh's). Tampered evidence and missing pins must
# fail the job at the bundle check and at the pin check.
set -u
cd "$(dirname "$0")/../.." || exit 99
B=${B:-build}
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
for tool in git rsync; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed (gitlab-ci-local needs it)"; exit 77; }
done
/usr/bin/python3 -c 'import cbor2' 2>/dev/null || { echo "1..0 # SKIP python3-cbor2 not installed"; exit 77; }
[ -x "$B/bin/host-verify" ] || { echo "1..0 # SKIP $B/bin/host-verify not built"; exit 77; }
# shellcheck source=clients.bash
. tests/examples/clients.bash
need_clients
n=0 fail=0
check() { # NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}
E=$PWD/tests/vectors/evidence
HV_HOME=$T/vouch-home
mkdir -p "$HV_HOME/build/bin" && ln -s "$(realpath "$B/bin/host-verify")" "$HV_HOME/build/bin/host-verify" || exit 99

# the project: the example pipeline, pins, and a run-tests that leaves the
# recorded evidence of one real run where the executor would
project() { # DIR
	local d=$1
	mkdir -p "$d/.vouch" && cp examples/gitlab/.gitlab-ci.yml "$d/" &&
		cp "$E/verifier.pem" "$E/ek.pub" "$d/.vouch/" && cp "$E/honest-a.cbor" "$E/manifest.cbor" "$d/" || return 99
	cat >"$d/run-tests" <<'SH'
#!/bin/sh
set -e
echo "TAP version 14"
mkdir -p evidence
cp honest-a.cbor evidence/evidence.cbor
cp manifest.cbor evidence/manifest.cbor
/usr/bin/python3 - <<'PY'
import cbor2, json
b = cbor2.load(open("evidence/evidence.cbor", "rb"))
open("evidence/nonce", "wb").write(b[1])
m = cbor2.load(open("evidence/manifest.cbor", "rb"))
json.dump({"image": {"digest": "sha256:" + m[1][0].hex()}}, open("evidence/manifest.json", "w"))
PY
echo "ok 1 - evidence in place"
echo "1..1"
SH
	chmod 755 "$d/run-tests"
	(cd "$d" && git init -q -b main && git remote add origin https://gitlab.example.com/group/proj.git &&
		git add -A && git -c user.email=ci@example.com -c user.name=ci commit -qm project &&
		git update-ref refs/remotes/origin/main HEAD && git remote set-head origin main) >/dev/null 2>&1 || return 99
}
glci() { # DIR ARGS...: gitlab-ci-local there; output in $T/log
	local d=$1
	shift
	(cd "$d" && gitlab-ci-local --home "$T/glci-home" --variable "VOUCH_HOME=$HV_HOME" "$@") >"$T/log" 2>&1
}
show() { sed "s/^/# /" "$T/log" | tail -n 25; }

project "$T/p" || { echo "Bail out! cannot make the project"; exit 99; }
listed() {
	glci "$T/p" --list && grep -q 'json schema validated' "$T/log" &&
		grep -qE '^attested-tests +test ' "$T/log" && grep -qE '^verify-offline +verify .*\[attested-tests\]' "$T/log" || { show; return 1; }
}
check "gitlab-ci-local 4.62.0: the file validates against GitLab's schema, both jobs listed" listed
project "$T/bad" || exit 99
sed -i 's/    when: runner_system_failure .*/    when: runner_on_fire/' "$T/bad/.gitlab-ci.yml"
schema_flags() {
	! grep -q runner_system_failure "$T/bad/.gitlab-ci.yml" && ! glci "$T/bad" --list && grep -qi 'retry' "$T/log" || { show; return 1; }
}
check "a copy with one fault (retry: when: runner_on_fire) is refused" schema_flags

pipeline_ok() {
	glci "$T/p"
	grep -qE 'PASS +attested-tests' "$T/log" &&
		grep -qxF 'verify-offline > verdict: PASSED (exit 0)' "$T/log" &&
		grep -qF 'verify-offline > host-verify: cannot read evidence/attestation.dsse.json' "$T/log" &&
		grep -qE 'FAIL +verify-offline' "$T/log" || { show; return 1; }
}
check "pipeline: attested-tests passes; verify-offline accepts the bundle against .vouch/, then stops at the missing statement" pipeline_ok

project "$T/t" || exit 99
/usr/bin/python3 - "$T/t/honest-a.cbor" <<'PY' || exit 99
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)
PY
(cd "$T/t" && git -c user.email=ci@example.com -c user.name=ci commit -qam tamper) || exit 99
tampered() {
	! glci "$T/t" && grep -qE 'FAIL +verify-offline' "$T/log" && ! grep -q 'verdict: PASSED' "$T/log" &&
		! grep -q 'verify-offline \$ "\$VOUCH_HOME"/build/bin/host-verify --verify-attestation' "$T/log" || { show; return 1; }
}
check "tampered evidence: verify-offline fails at the bundle check" tampered

project "$T/u" || exit 99
(cd "$T/u" && git rm -q .vouch/verifier.pem && git -c user.email=ci@example.com -c user.name=ci commit -qm nopin) || exit 99
nopin() {
	! glci "$T/u" && grep -q 'no pinned .vouch/verifier.pem' "$T/log" && grep -qE 'FAIL +verify-offline' "$T/log" &&
		! grep -q 'verify-offline \$ NONCE=' "$T/log" || { show; return 1; }
}
check "no pinned verifier key: verify-offline fails at the pin check" nopin

echo "1..$n"
exit $fail
