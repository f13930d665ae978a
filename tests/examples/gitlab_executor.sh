#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GitLab custom executor's run.sh takes the project from the runner's
# builds directory only. A job can set CUSTOM_ENV_CI_PROJECT_DIR; pointed
# outside the builds directory (an absolute path, ../ traversal, a symlink
# that escapes, the builds directory itself, another level of it), the job
# is refused as a build failure, and nothing outside was packed, printed,
# removed or handed to vouch. The checkout the runner made passes, by its
# canonical path.
#
# `vouch` is a stub here (it logs its arguments and writes the files run.sh
# copies). That is sound for the refusals because run.sh refuses before its
# first vouch call: each refusal case asserts the stub's log is absent and
# no root image tar was started. The accepted cases only check which path
# run.sh hands to vouch; real runs are tests/integration/*.sh's.
set -u
cd "$(dirname "$0")/../.." || exit 99
for tool in python3 tar realpath; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 77; }
done
RUN=$PWD/examples/gitlab/custom-executor/run.sh
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
n=0 fail=0
check() { # NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}

# the host: a vouch stub, the admin's builds directory with one checkout,
# and a secret folder beside it
home=$T/vouch
mkdir -p "$home/build/bin" "$home/build/guest" || exit 99
: >"$home/build/guest/initramfs.cpio"
cat >"$home/build/bin/vouch" <<'SH' || exit 99
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$STUB_LOG"
case $1 in
image)
	while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
	mkdir -p "$out" && : >"$out/rootfs.img" && : >"$out/manifest.cbor" &&
		printf '{"image": {"digest": "sha256:%064d"}}\n' 0 >"$out/manifest.json" ;;
launch)
	while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
	mkdir -p "$out" && printf '%032d' 0 >"$out/nonce" ;;
verifier-key) : >"$2" ;;
esac
SH
chmod 755 "$home/build/bin/vouch"
# host-verify likewise: the statement gate is checked by the real one in
# tests/vectors/verify_cli.sh; here only what run.sh hands it is logged
printf '#!/usr/bin/env bash\nprintf "host-verify %%s\\n" "$*" >>"$STUB_LOG"\n' >"$home/build/bin/host-verify"
chmod 755 "$home/build/bin/host-verify"
builds=$T/builds
proj=$builds/tok3n/0/group/proj
mkdir -p "$proj" "$T/secret/evidence" "$T/work" || exit 99
echo 'project file' >"$proj/README"
echo 'TOP-SECRET-HOST-FILE' >"$T/secret/key"
echo keep >"$T/secret/evidence/keep"
ln -s "$T/secret" "$builds/tok3n/0/group/escape"
ln -s "$proj" "$builds/tok3n/0/group/alias"
mkdir -p "$T/work/job-7" && echo /nonexistent-kernel >"$T/work/job-7/kernel" || exit 99
tar -cf "$T/base.tar" -T /dev/null && echo "$T/base.tar" >"$T/work/job-7/base" || exit 99
cat >"$T/job.json" <<'JSON' || exit 99
{"id": 7, "steps": [{"name": "script", "script": ["cat README"]}], "variables": []}
JSON

# run.sh step_script with CI_PROJECT_DIR=$1; its exit code, output in $T/out
drive() {
	rm -f "$T/stub.log"
	env -i PATH="$PATH" HOME="$T" VOUCH_HOME="$home" VOUCH_BUILDS_DIR="$builds" VOUCH_WORK="$T/work" \
		VOUCH_BASES="$T" JOB_RESPONSE_FILE="$T/job.json" STUB_LOG="$T/stub.log" \
		BUILD_FAILURE_EXIT_CODE=11 SYSTEM_FAILURE_EXIT_CODE=12 CUSTOM_ENV_CI_JOB_ID=7 \
		CUSTOM_ENV_CI_PROJECT_DIR="$1" bash "$RUN" /dev/null step_script >"$T/out" 2>&1
}
refused() { # RC
	[ "$1" -eq 11 ] && grep -q 'refused' "$T/out" && [ ! -e "$T/stub.log" ] &&
		[ ! -e "$T/work/job-7/rootfs.tar" ] && ! grep -q 'TOP-SECRET' "$T/out" &&
		[ -f "$T/secret/evidence/keep" ] && [ ! -e "$T/secret/evidence/records.cborseq" ] ||
		{ echo "# rc $1"; sed 's/^/# /' "$T/out"; return 1; }
}

for hostile in "$T/secret" "$builds/../secret" "$proj/../../../../secret" "$builds/tok3n/0/group/escape" \
	"$builds/tok3n/0/group/escape/evidence" "$builds" "$builds/tok3n/0" "$builds/tok3n/0/group" \
	"$builds/tok3n/x/group/proj" / /etc "$T/nowhere" "$builds/tok3n/0/group/nowhere" "group/proj" ""; do
	drive "$hostile"
	check "CI_PROJECT_DIR='${hostile#"$T"/}' refused before anything is read" refused $?
done

# VOUCH_BUILDS_DIR itself must be a directory (and not /): a system failure
rm -f "$T/stub.log"
env -i PATH="$PATH" HOME="$T" VOUCH_HOME="$home" VOUCH_BUILDS_DIR=/ VOUCH_WORK="$T/work" \
	JOB_RESPONSE_FILE="$T/job.json" STUB_LOG="$T/stub.log" BUILD_FAILURE_EXIT_CODE=11 \
	SYSTEM_FAILURE_EXIT_CODE=12 CUSTOM_ENV_CI_JOB_ID=7 CUSTOM_ENV_CI_PROJECT_DIR="$T/secret" \
	bash "$RUN" /dev/null step_script >"$T/out" 2>&1
rc=$?
check "builds directory / refused as a system failure" test $rc -eq 12 -a ! -e "$T/stub.log"

accepted() { # RC: passed, and vouch was given the canonical checkout
	[ "$1" -eq 0 ] && grep -q -- "--agent $proj " "$T/stub.log" &&
		grep -qE -- "--out $proj/evidence( |$)" "$T/stub.log" && ! grep -q 'TOP-SECRET' "$T/out" ||
		{ echo "# rc $1"; sed 's/^/# /' "$T/out" "$T/stub.log" 2>/dev/null; return 1; }
}
drive "$proj"
check "the runner's checkout passes, by its canonical path" accepted $?
drive "$builds/tok3n/0/group/alias/"
check "a symlink inside the builds directory to the checkout: its target is used" accepted $?
drive "$builds/tok3n/0/group/../group/./proj"
check "./ and ../ that stay inside: canonicalised" accepted $?

echo "1..$n"
exit $fail
