# shellcheck shell=bash disable=SC2034 # its variables are for the scripts that source it
# Shared by prepare.sh, run.sh and cleanup.sh (sourced). The settings come
# from the environment of the gitlab-runner service (a systemd drop-in, for
# example), never from the job: job variables reach a driver only as
# CUSTOM_ENV_*, and only the few read below are taken from there.
set -euo pipefail

VOUCH_HOME=${VOUCH_HOME:-/opt/vouch}                     # a vouch checkout, built with make
VOUCH_BASES=${VOUCH_BASES:-/var/lib/vouch-runner/bases} # NAME.tar: root file systems jobs may use
VOUCH_WORK=${VOUCH_WORK:-/var/tmp/vouch-runner}         # scratch space, one directory per job
# config.toml's builds_dir: the only place a job's project may be taken from
VOUCH_BUILDS_DIR=${VOUCH_BUILDS_DIR:-/var/lib/vouch-runner/builds}
VOUCH_CACHE_DIR=${VOUCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch}

fail_build() { # a verdict against the job
	echo "vouch: $*" >&2
	exit "${BUILD_FAILURE_EXIT_CODE:-1}"
}
fail_system() { # this runner could not do its part
	echo "vouch: $*" >&2
	exit "${SYSTEM_FAILURE_EXIT_CODE:-2}"
}

# The job's id as GitLab sent it: JOB_RESPONSE_FILE exists in every stage
# and the job cannot change it (CUSTOM_ENV_CI_JOB_ID is a variable a job
# can set, to another job's id). It names the job's scratch directory and
# its builds directory (config.sh), so concurrent jobs never share either.
[ -r "${JOB_RESPONSE_FILE:-}" ] || fail_system "JOB_RESPONSE_FILE missing: not run by gitlab-runner 12.1 or later?"
job_id=$(python3 -c 'import json, sys; i = json.load(open(sys.argv[1])).get("id"); print(i if type(i) is int and i > 0 else "")' \
	"$JOB_RESPONSE_FILE" 2>/dev/null) || job_id=
[[ $job_id =~ ^[1-9][0-9]{0,18}$ ]] || fail_system "JOB_RESPONSE_FILE has no job id"
work=$VOUCH_WORK/job-$job_id
job_builds=$VOUCH_BUILDS_DIR/$job_id

# The verdict for `allow_failure: exit_codes`: a runner that sets
# BUILD_EXIT_CODE_FILE takes the job's exit code from it (else every build
# failure is 1 to GitLab): 1 tests failed, 2 evidence rejected.
fail_verdict() { # CODE MESSAGE
	if [ -n "${BUILD_EXIT_CODE_FILE:-}" ]; then
		printf '%s\n' "$1" >"$BUILD_EXIT_CODE_FILE" || fail_system "cannot write BUILD_EXIT_CODE_FILE"
	fi
	shift
	fail_build "$@"
}
