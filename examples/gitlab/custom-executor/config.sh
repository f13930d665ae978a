#!/usr/bin/env bash
# config_exec: each job gets its own builds directory, named by its job id
# as GitLab sent it (JOB_RESPONSE_FILE; CUSTOM_ENV_CI_JOB_ID is a variable
# a job can set). With concurrent > 1, two jobs of one project would
# otherwise share one checkout, and one job's run would remove the other's
# evidence. builds_dir_is_shared false: the runner checks the project out
# to BUILDS_DIR/NAMESPACE/PROJECT, which run.sh insists on.
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
python3 -c 'import json, sys; print(json.dumps({"builds_dir": sys.argv[1], "builds_dir_is_shared": False,
	"driver": {"name": "vouch custom executor"}}))' "$job_builds"
