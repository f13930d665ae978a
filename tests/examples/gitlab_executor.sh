#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GitLab custom executor (examples/gitlab/custom-executor/), driven the
# way GitLab Runner drives it (docs/executors/custom.md): config_exec, then
# prepare_exec, then run_exec once per stage (prepare_script, get_sources,
# restore_cache, download_artifacts, step_script, after_script,
# archive_cache[_on_failure], upload_artifacts_on_{success,failure},
# cleanup_file_variables) with the runner's script file and the stage name,
# then cleanup_exec; each with the env the runner sets (JOB_RESPONSE_FILE,
# BUILD_FAILURE_EXIT_CODE, SYSTEM_FAILURE_EXIT_CODE, BUILD_EXIT_CODE_FILE,
# CUSTOM_ENV_* job variables), and two jobs of one project at once.
#
# Proven here:
# - config.sh gives each job its own builds directory, named by the job id
#   of JOB_RESPONSE_FILE (a job's own CUSTOM_ENV_CI_JOB_ID is ignored), so
#   two concurrent jobs keep their checkouts and evidence apart, and
#   cleanup removes each job's directories only;
# - the verdict reaches GitLab: 0 passes; 1 and 2 fail the build with the
#   verdict in BUILD_EXIT_CODE_FILE (for allow_failure: exit_codes); 3 and
#   any other exit are system failures with no verdict written;
# - run.sh takes the project only from this job's checkout: a job setting
#   CUSTOM_ENV_CI_PROJECT_DIR elsewhere (an absolute path, ../, a symlink
#   out, another job's checkout, the builds directories themselves) is
#   refused as a build failure before anything is read, packed, printed or
#   removed.
#
# Stubbed: `vouch` logs its arguments and writes the files run.sh copies;
# its verdict is the VERDICT=N the job's script carries (read from the root
# image tar run.sh built, so it travels the executor's own path); host-verify
# logs and accepts. What the stubs stand in for is tested for real
# elsewhere: vouch image and launch with --manifest in
# tests/integration/*.sh and tests/image/*.sh, host-verify's statement gate
# in tests/vectors/verify_cli.sh. Not covered anywhere here: a real
# gitlab-runner process (the sequence above is played from its docs).
set -u
cd "$(dirname "$0")/../.." || exit 99
for tool in python3 tar realpath sha256sum; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 77; }
done
EX=$PWD/examples/gitlab/custom-executor
# shellcheck source=tests/examples/runner.bash
. tests/examples/runner.bash
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
n=0 fail=0
check() { # NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}

# the host: stubs of vouch, host-verify, build-kernel and gitlab-runner;
# the admin's builds, bases and work folders; a secret folder beside them
home=$T/vouch
mkdir -p "$home/build/bin" "$home/build/guest" "$home/tools/kernel" "$T/path" || exit 99
: >"$home/build/guest/initramfs.cpio"
cat >"$home/build/bin/vouch" <<'SH' || exit 99
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$STUB_LOG"
case $1 in
version) echo "vouch stub" ;;
image)
	src=$2
	while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
	mkdir -p "$out" && : >"$out/rootfs.img" && : >"$out/manifest.cbor" &&
		printf '{"image": {"digest": "sha256:%064d"}}\n' 0 >"$out/manifest.json" || exit 70
	# the verdict the job asks for, from the job.sh packed into the image
	tar -xOf "$src" opt/vouch-job/job.sh | sed -n 's/^.*VERDICT=\([0-9]*\).*$/\1/p' | head -n 1 >"$out/verdict"
	;;
launch)
	while [ $# -gt 0 ]; do
		case $1 in --out) out=$2 ;; --manifest) man=$2 ;; esac
		shift
	done
	mkdir -p "$out" && printf '%032d' 0 >"$out/nonce" || exit 70
	echo "$JOB_MARK" >"$out/mark"
	sleep "${STUB_SLEEP:-0}"
	v=$(cat "$(dirname "$man")/verdict")
	exit "${v:-0}"
	;;
verifier-key) : >"$2" ;;
esac
SH
printf '#!/usr/bin/env bash\nprintf "host-verify %%s\\n" "$*" >>"$STUB_LOG"\n' >"$home/build/bin/host-verify"
printf '#!/bin/sh\necho "building nothing"\necho /nonexistent/vmlinux\n' >"$home/tools/kernel/build-kernel"
printf '#!/bin/sh\nexit 0\n' >"$T/path/gitlab-runner"
chmod 755 "$home/build/bin/vouch" "$home/build/bin/host-verify" "$home/tools/kernel/build-kernel" "$T/path/gitlab-runner"
builds=$T/builds bases=$T/bases
mkdir -p "$builds" "$bases" "$T/work" "$T/secret/evidence" || exit 99
tar -cf "$bases/default.tar" -T /dev/null || exit 99
echo 'TOP-SECRET-HOST-FILE' >"$T/secret/key"
echo keep >"$T/secret/evidence/keep"

job_json() { # ID SCRIPT-LINE: a job response as GitLab sends it
	python3 -c 'import json, sys
print(json.dumps({"id": int(sys.argv[1]), "token": "t", "steps": [{"name": "script", "script": [sys.argv[2]],
	"when": "on_success"}], "variables": [{"key": "CI_JOB_ID", "value": sys.argv[1]}], "hooks": []}))' "$1" "$2"
}

# one driver call: JOB (its folder $T/jN holds job.json, env, logs) EXE ARGS...
call() {
	local j=$1 exe=$2
	shift 2
	env -i PATH="$T/path:$PATH" HOME="$T" VOUCH_HOME="$home" VOUCH_BUILDS_DIR="$builds" VOUCH_WORK="$T/work" \
		VOUCH_BASES="$bases" JOB_RESPONSE_FILE="$T/$j/job.json" STUB_LOG="$T/$j/stub.log" \
		BUILD_FAILURE_EXIT_CODE=11 SYSTEM_FAILURE_EXIT_CODE=12 BUILD_EXIT_CODE_FILE="$T/$j/exit-code" \
		JOB_MARK="$j" STUB_SLEEP="${STUB_SLEEP:-0}" CUSTOM_ENV_CI_JOB_ID="${FAKE_ID:-}" \
		CUSTOM_ENV_CI_PROJECT_DIR="$(cat "$T/$j/project" 2>/dev/null)" CUSTOM_ENV_CI_BUILDS_DIR="$(cat "$T/$j/bdir" 2>/dev/null)" \
		"$exe" "$@"
}

# a whole job, as the runner runs it: JOB ID SCRIPT-LINE [PROJECT-DIR-OVERRIDE]
# Writes $T/JOB/{config.json,rc,seq}; rc is the job's result: the first run
# stage that failed (build failure or system failure), else 0.
job() {
	local j=$1 id=$2 line=$3 over=${4:-} bdir
	rm -rf "${T:?}/$j" && mkdir -p "$T/$j" || return 99
	job_json "$id" "$line" >"$T/$j/job.json"
	call "$j" "$EX/config.sh" >"$T/$j/config.json" 2>>"$T/$j/err" || { echo "config $?" >"$T/$j/rc"; return 0; }
	bdir=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["builds_dir"])' "$T/$j/config.json") || return 99
	echo "$bdir" >"$T/$j/bdir"
	echo "${over:-$bdir/group/proj}" >"$T/$j/project"
	call "$j" "$EX/prepare.sh" >>"$T/$j/out" 2>&1 || { echo "prepare $?" >"$T/$j/rc"; call "$j" "$EX/cleanup.sh"; return 0; }
	# the runner's own stage scripts: get_sources checks the project out
	printf 'set -e\nmkdir -p %q && echo "project of %s" >%q/README\n' "$bdir/group/proj" "$j" "$bdir/group/proj" >"$T/$j/get_sources"
	runner_stages "$j" "$bdir/group/proj"
}
show() { echo "# rc $(cat "$T/$1/rc")"; sed 's/^/# /' "$T/$1/out" "$T/$1/err" 2>/dev/null | tail -n 15; }

# --- config_exec: the job id from JOB_RESPONSE_FILE, never from the job's variables
FAKE_ID=8 job a 7 'echo VERDICT=0'
cfg_ok() {
	python3 - "$T/a/config.json" "$builds/7" <<'PY' || { show a; return 1; }
import json, sys
c = json.load(open(sys.argv[1]))
assert c["builds_dir"] == sys.argv[2] and c["builds_dir_is_shared"] is False, c
PY
}
check "config_exec: builds_dir is BUILDS/<id from JOB_RESPONSE_FILE>, not shared (a job's CI_JOB_ID=8 ignored)" cfg_ok
passed_ok() {
	[ "$(cat "$T/a/rc")" = 0 ] && [ ! -e "$T/a/exit-code" ] &&
		grep -q -- "--agent $builds/7/group/proj " "$T/a/stub.log" && grep -q 'attested, tests passed' "$T/a/out" &&
		grep -q 'stage upload_artifacts_on_success' "$T/a/stages" && [ "$(cat "$T/a/evidence/mark")" = a ] || { show a; return 1; }
}
check "verdict 0: job passes, no exit code file, evidence in the job's checkout, success stages run" passed_ok
cleaned() { [ ! -e "$builds/7" ] && [ ! -e "$T/work/job-7" ] && [ ! -e "$builds/8" ] && [ ! -e "$T/work/job-8" ]; }
check "cleanup_exec removes the job's builds and scratch directories" cleaned

# --- the verdict reaches GitLab
verdict_case() { # V WANT-RC WANT-FILE
	job v "4$1" "./run-tests; echo VERDICT=$1"
	local rc
	rc=$(cat "$T/v/rc")
	[ "$rc" = "step_script $2" ] || { show v; return 1; }
	if [ -n "$3" ]; then [ "$(cat "$T/v/exit-code" 2>/dev/null)" = "$3" ]; else [ ! -e "$T/v/exit-code" ]; fi || {
		echo "# exit-code file: $(cat "$T/v/exit-code" 2>&1)"; return 1; }
	grep -q 'stage upload_artifacts_on_failure' "$T/v/stages" || { echo "# failure stages not run"; return 1; }
}
check "verdict 1: build failure, BUILD_EXIT_CODE_FILE holds 1" verdict_case 1 11 1
check "verdict 2: build failure, BUILD_EXIT_CODE_FILE holds 2 (allow_failure: exit_codes [1] does not let it pass)" verdict_case 2 11 2
check "verdict 3: system failure, no exit code written" verdict_case 3 12 ""
check "vouch exit 70: system failure, no exit code written" verdict_case 70 12 ""

# --- two jobs of one project at once
STUB_SLEEP=2 job p 21 'echo VERDICT=0' &
p1=$!
STUB_SLEEP=2 job q 22 'echo VERDICT=1' &
p2=$!
wait $p1 $p2
concurrent_ok() {
	[ "$(cat "$T/p/rc")" = 0 ] && [ "$(cat "$T/q/rc")" = "step_script 11" ] &&
		[ "$(cat "$T/p/evidence/mark")" = p ] && [ "$(cat "$T/q/evidence/mark")" = q ] &&
		grep -q -- "--agent $builds/21/group/proj " "$T/p/stub.log" &&
		grep -q -- "--agent $builds/22/group/proj " "$T/q/stub.log" &&
		[ "$(cat "$T/q/exit-code")" = 1 ] && [ ! -e "$T/p/exit-code" ] || { show p; show q; return 1; }
}
check "two jobs of one project at once: own checkouts, own evidence, own verdicts" concurrent_ok
check "after both: their directories are gone" test ! -e "$builds/21" -a ! -e "$builds/22" -a ! -e "$T/work/job-21"

# --- a job pointing CI_PROJECT_DIR elsewhere is refused before anything is read
mkdir -p "$builds/99/group/other" "$builds/7/group" && echo 'OTHER-JOB-SOURCES' >"$builds/99/group/other/README"
refused() {
	local rc
	rc=$(cat "$T/r/rc")
	[ "$rc" = "step_script 11" ] && grep -q 'refused' "$T/r/out" && ! grep -q -- '^image\|^launch' "$T/r/stub.log" 2>/dev/null &&
		[ ! -e "$T/r/exit-code" ] && ! grep -q 'TOP-SECRET\|OTHER-JOB' "$T/r/out" &&
		[ -f "$T/secret/evidence/keep" ] && [ ! -e "$T/secret/evidence/mark" ] && [ -f "$builds/99/group/other/README" ] &&
		[ ! -e "$builds/99/group/other/evidence" ] || { show r; return 1; }
}
for hostile in "$T/secret" "$builds/../secret" "BUILDS7/group/proj/../../../../secret" "BUILDS7/group/escape" \
	"BUILDS7/group/escape/evidence" "$builds" "BUILDS7" "BUILDS7/group" "$builds/99/group/other" \
	"BUILDS7/group/other99" / /etc "$T/nowhere" "BUILDS7/group/nowhere" "group/proj" "-"; do
	# the symlinks live in this job's builds directory, made once it exists
	over=${hostile//BUILDS7/$builds/77}
	[ "$hostile" = - ] && over=" "
	mkdir -p "$builds/77/group" && ln -sfn "$T/secret" "$builds/77/group/escape" && ln -sfn "$builds/99/group/other" "$builds/77/group/other99"
	job r 77 'echo VERDICT=0' "$over"
	check "CI_PROJECT_DIR='${over#"$T"/}' refused before anything is read" refused
done
check "another job's checkout survived every refusal" grep -qx OTHER-JOB-SOURCES "$builds/99/group/other/README"

# accepted spellings of the job's own checkout
accepted() {
	[ "$(cat "$T/r/rc")" = 0 ] && grep -q -- "--agent $builds/77/group/proj " "$T/r/stub.log" &&
		grep -qE -- "--out $builds/77/group/proj/evidence( |$)" "$T/r/stub.log" || { show r; return 1; }
}
job r 77 'echo VERDICT=0' "$builds/77/group/../group/./proj"
check "./ and ../ that stay inside the job's checkout: canonicalised" accepted

# the runner environment is required
no_response() {
	local rc
	env -i PATH="$PATH" HOME="$T" VOUCH_HOME="$home" VOUCH_BUILDS_DIR="$builds" VOUCH_WORK="$T/work" \
		SYSTEM_FAILURE_EXIT_CODE=12 CUSTOM_ENV_CI_JOB_ID=7 bash "$EX/$1" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 12 ] && grep -q JOB_RESPONSE_FILE "$T/out" || { echo "# rc $rc"; sed 's/^/# /' "$T/out"; return 1; }
}
for exe in config.sh prepare.sh cleanup.sh; do
	check "$exe without JOB_RESPONSE_FILE: system failure" no_response $exe
done
# VOUCH_BUILDS_DIR itself must be a directory (and not /): a system failure
mkdir -p "$T/s" && job_json 5 'echo VERDICT=0' >"$T/s/job.json" && echo "$T/secret" >"$T/s/project"
env -i PATH="$T/path:$PATH" HOME="$T" VOUCH_HOME="$home" VOUCH_BUILDS_DIR=/ VOUCH_WORK="$T/work" \
	JOB_RESPONSE_FILE="$T/s/job.json" STUB_LOG="$T/s/stub.log" BUILD_FAILURE_EXIT_CODE=11 \
	SYSTEM_FAILURE_EXIT_CODE=12 CUSTOM_ENV_CI_PROJECT_DIR="$T/secret" \
	bash "$EX/run.sh" /dev/null step_script >"$T/out" 2>&1
rc=$?
check "builds directory / refused as a system failure" test $rc -eq 12 -a ! -e "$T/s/stub.log"

echo "1..$n"
exit $fail
