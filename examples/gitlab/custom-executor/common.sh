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

job_id=${CUSTOM_ENV_CI_JOB_ID:-}
[[ $job_id =~ ^[0-9]+$ ]] || fail_system "CUSTOM_ENV_CI_JOB_ID missing: not run by gitlab-runner?"
work=$VOUCH_WORK/job-$job_id
