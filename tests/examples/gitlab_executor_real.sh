#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GitLab custom executor (examples/gitlab/custom-executor/) with the
# real vouch and host-verify: the runner's sequence (config_exec,
# prepare_exec, run_exec per stage, cleanup_exec, as in
# tests/examples/gitlab_executor.sh, which covers the executor's logic with
# stubs) for two jobs, each one attested run in a QEMU VM.
#
# The host: VOUCH_HOME is a folder whose build/ is this tree's build and
# whose tools/ is this tree's tools (the pinned kernel, cached); the base
# root file system is a tar of Debian's busybox and its applet links; the
# project is a git checkout under the job's builds directory, which the
# image pins as the agent tree (so the agent boundary is on, agent user
# 65534, and the job's result is the TAP it writes to fd 3, VOUCH_TAP_FD).
#
# Proven here:
# - a job whose script passes ends "attested, tests passed", exit 0, no
#   BUILD_EXIT_CODE_FILE, with the run's evidence (bundle, records, signed
#   DSSE statement, verifier key, manifest) in the checkout's evidence/,
#   and host-verify --require-agent-boundary accepts that bundle against
#   that manifest (and rejects it against the other job's);
# - a job whose script reports a failing test fails the build
#   (BUILD_FAILURE_EXIT_CODE) with verdict 1 in BUILD_EXIT_CODE_FILE, and
#   its statement says FAILED, not PASSED;
# - cleanup_exec removes both jobs' directories.
set -u
cd "$(dirname "$0")/../.." || exit 99
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
for tool in qemu-system-x86_64 swtpm mke2fs git tar realpath sha256sum; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 77; }
done
[ -x /bin/busybox ] || { echo "1..0 # SKIP /bin/busybox not installed (the base root file system)"; exit 77; }
for f in "$B/bin/vouch" "$B/bin/host-verify" "$B/guest/initramfs.cpio"; do
	[ -f "$f" ] || { echo "Bail out! $f not built"; exit 99; }
done
EX=$PWD/examples/gitlab/custom-executor
# shellcheck source=tests/examples/runner.bash
. tests/examples/runner.bash
T=$(mktemp -d) || exit 99
trap 'if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi' EXIT
n=0 fail=0
check() { # NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}

# VOUCH_HOME: this tree's build and tools; the pinned kernel built (or found
# in the cache) now, so a first build is not charged to a job
home=$T/vouch
mkdir -p "$home" "$T/path" && ln -s "$B" "$home/build" && ln -s "$PWD/tools" "$home/tools" || exit 99
mkdir -p "$B/test-logs"
tools/kernel/build-kernel --print-path >/dev/null 2>"$B/test-logs/kernel-build.log" ||
	{ echo "Bail out! kernel build failed (see $B/test-logs/kernel-build.log)"; exit 99; }
printf '#!/bin/sh\nexit 0\n' >"$T/path/gitlab-runner" && chmod 755 "$T/path/gitlab-runner" || exit 99

# the base root file system: busybox and its applets, passwd, group, /tmp
builds=$T/builds bases=$T/bases r=$T/base-root
mkdir -p "$builds" "$bases" "$T/work" "$r"/{bin,etc,tmp,root,proc,dev,run} || exit 99
install -m 0755 /bin/busybox "$r/bin/busybox" || exit 99
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$r/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
chmod 1777 "$r/tmp"
tar -cf "$bases/default.tar" --owner=0 --group=0 --numeric-owner -C "$r" . || exit 99

job_json() { # ID SCRIPT-LINE: a job response as GitLab sends it
	python3 -c 'import json, sys
print(json.dumps({"id": int(sys.argv[1]), "token": "t", "steps": [{"name": "script", "script": [sys.argv[2]],
	"when": "on_success"}], "variables": [{"key": "CI_JOB_ID", "value": sys.argv[1]}], "hooks": []}))' "$1" "$2"
}

call() { # JOB EXE ARGS...: one driver call with the env the runner sets
	local j=$1 exe=$2
	shift 2
	env -i PATH="$T/path:$PATH" HOME="$HOME" VOUCH_HOME="$home" VOUCH_BUILDS_DIR="$builds" VOUCH_WORK="$T/work" \
		VOUCH_BASES="$bases" JOB_RESPONSE_FILE="$T/$j/job.json" \
		BUILD_FAILURE_EXIT_CODE=11 SYSTEM_FAILURE_EXIT_CODE=12 BUILD_EXIT_CODE_FILE="$T/$j/exit-code" \
		CUSTOM_ENV_CI_JOB_ID="$(cat "$T/$j/id")" CUSTOM_ENV_CI_PROJECT_DIR="$(cat "$T/$j/project" 2>/dev/null)" \
		CUSTOM_ENV_CI_BUILDS_DIR="$(cat "$T/$j/bdir" 2>/dev/null)" \
		"$exe" "$@"
}

# a whole job, as the runner runs it: JOB ID SCRIPT-LINE. Writes $T/JOB/rc
# (the first run stage that failed, else 0), out, stages, and evidence/ as
# the artifacts upload would find it before cleanup.
job() {
	local j=$1 id=$2 line=$3 bdir p
	mkdir -p "$T/$j" && echo "$id" >"$T/$j/id" || return 99
	job_json "$id" "$line" >"$T/$j/job.json"
	call "$j" "$EX/config.sh" >"$T/$j/config.json" 2>>"$T/$j/out" || { echo "config $?" >"$T/$j/rc"; return 0; }
	bdir=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["builds_dir"])' "$T/$j/config.json") || return 99
	p=$bdir/group/proj
	echo "$bdir" >"$T/$j/bdir"
	echo "$p" >"$T/$j/project"
	call "$j" "$EX/prepare.sh" >>"$T/$j/out" 2>&1 || { echo "prepare $?" >"$T/$j/rc"; call "$j" "$EX/cleanup.sh"; return 0; }
	# get_sources: a real git checkout of the project
	cat >"$T/$j/get_sources" <<-SH
		set -e
		mkdir -p '$p' && cd '$p'
		git init -q . && echo 'project of job $j' >README && git add README
		GIT_AUTHOR_DATE=@1700000000 GIT_COMMITTER_DATE=@1700000000 \
			git -c user.name=ci -c user.email=ci@example.org commit -q -m 'the project'
	SH
	runner_stages "$j" "$p"
}
show() { echo "# rc $(cat "$T/$1/rc")"; sed 's/^/# /' "$T/$1/out" 2>/dev/null | tail -n 25; }
# the statement's predicate result (PASSED / FAILED)
result_of() {
	/usr/bin/python3 - "$1/attestation.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
st = json.loads(base64.b64decode(env["payload"]))
print(st["predicate"]["result"])
PY
}
has_evidence() { # JOB
	local f
	for f in evidence.cbor records.cborseq attestation.dsse.json verifier.pem manifest.cbor manifest.json nonce; do
		[ -s "$T/$1/evidence/$f" ] || { echo "# $1: evidence/$f missing or empty"; return 1; }
	done
}

# --- a passing job
job a 31 'test -f README && printf "TAP version 14\n1..1\nok 1 - the checkout is there\n" >&3'
passed_ok() {
	[ "$(cat "$T/a/rc")" = 0 ] && [ ! -e "$T/a/exit-code" ] && grep -q 'vouch: attested, tests passed' "$T/a/out" &&
		grep -q 'stage upload_artifacts_on_success' "$T/a/stages" || { show a; return 1; }
}
check "passing job: attested, tests passed, exit 0, no exit code file" passed_ok
check "passing job: the real evidence is in the checkout's evidence/" has_evidence a
bundle_ok() {
	"$B/bin/host-verify" --require-agent-boundary --bundle "$T/a/evidence/evidence.cbor" \
		--manifest "$T/a/evidence/manifest.cbor" >"$T/a/verify" 2>&1 ||
		{ sed 's/^/# /' "$T/a/verify" | tail -n 10; return 1; }
}
check "passing job: host-verify --require-agent-boundary accepts its bundle against its manifest" bundle_ok
statement_passed() { [ "$(result_of "$T/a/evidence" 2>&1)" = PASSED ] || { echo "# $(result_of "$T/a/evidence" 2>&1)"; return 1; }; }
check "passing job: its signed statement says PASSED" statement_passed

# --- a failing job
job b 32 'printf "TAP version 14\n1..1\nnot ok 1 - the checkout has no FEATURE file\n" >&3; test -f FEATURE'
failed_ok() {
	[ "$(cat "$T/b/rc")" = "step_script 11" ] && [ "$(cat "$T/b/exit-code" 2>/dev/null)" = 1 ] &&
		grep -q 'vouch: attested, tests failed' "$T/b/out" && ! grep -q 'tests passed' "$T/b/out" &&
		grep -q 'stage upload_artifacts_on_failure' "$T/b/stages" || { show b; return 1; }
}
check "failing job: build failure, verdict 1 in BUILD_EXIT_CODE_FILE" failed_ok
check "failing job: the real evidence is in the checkout's evidence/" has_evidence b
# the other job's manifest pins another agent tree (its checkout) and script
swapped_rejected() {
	local rc
	"$B/bin/host-verify" --bundle "$T/a/evidence/evidence.cbor" --manifest "$T/b/evidence/manifest.cbor" >"$T/a/verify2" 2>&1
	rc=$?
	[ $rc -eq 2 ] || { echo "# rc $rc"; sed 's/^/# /' "$T/a/verify2" | tail -n 10; return 1; }
}
check "the passing job's bundle against the failing job's manifest: REJECTED (exit 2)" swapped_rejected
statement_failed() { [ "$(result_of "$T/b/evidence" 2>&1)" = FAILED ] || { echo "# $(result_of "$T/b/evidence" 2>&1)"; return 1; }; }
check "failing job: its signed statement says FAILED" statement_failed

check "cleanup_exec removed both jobs' directories" \
	test ! -e "$builds/31" -a ! -e "$builds/32" -a ! -e "$T/work/job-31" -a ! -e "$T/work/job-32"

echo "1..$n"
exit $fail
