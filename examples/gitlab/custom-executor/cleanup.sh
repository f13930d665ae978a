#!/usr/bin/env bash
# cleanup_exec: remove the job's scratch directory (its root image holds
# the job's sources) and its builds directory (config.sh). vouch launch removes its own VM, swtpm and temporary
# files when a run ends, also on failure and on SIGTERM.
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
rm -rf "$work" "$job_builds"
