# SPDX-License-Identifier: MIT
# Sourced by tests/examples/gitlab_executor*.sh: the stages GitLab Runner
# runs for one job through the custom executor, after config and prepare.
# The caller defines call JOB EXE ARGS... (the runner's environment), sets
# EX and T, and has written $T/JOB/get_sources (its own checkout step).
#
# runner_stages JOB PROJECT: every other stage script (each one logs its
# name to $T/JOB/stages), the run stages in the runner's order (a failed
# stage before step_script ends the job; after_script runs whatever
# step_script did), the artifact stages for success or failure, the
# evidence copied as the artifacts upload would find it, then cleanup.
# Writes $T/JOB/rc: the first run stage that failed ("STAGE STATUS"), else 0.
runner_stages() {
	local j=$1 project=$2 rc=0 st e
	for st in prepare_script restore_cache download_artifacts cleanup_file_variables after_script \
		archive_cache archive_cache_on_failure upload_artifacts_on_success upload_artifacts_on_failure; do
		printf 'echo stage %s >>%q\n' "$st" "$T/$j/stages" >"$T/$j/$st"
	done
	: >"$T/$j/step_script" # run.sh builds the VM's script from JOB_RESPONSE_FILE, not from this file
	for st in prepare_script get_sources restore_cache download_artifacts step_script after_script; do
		call "$j" "$EX/run.sh" "$T/$j/$st" "$st" >>"$T/$j/out" 2>&1
		e=$?
		[ $e -ne 0 ] && [ "$rc" = 0 ] && rc="$st $e"
		[ "$rc" != 0 ] && [ "$st" != step_script ] && [ "$st" != after_script ] && break
	done
	if [ "$rc" = 0 ]; then
		for st in archive_cache upload_artifacts_on_success cleanup_file_variables; do
			call "$j" "$EX/run.sh" "$T/$j/$st" "$st" >>"$T/$j/out" 2>&1 || rc="$st $?"
		done
	else
		for st in archive_cache_on_failure upload_artifacts_on_failure cleanup_file_variables; do
			call "$j" "$EX/run.sh" "$T/$j/$st" "$st" >>"$T/$j/out" 2>&1
		done
	fi
	cp -r "$project/evidence" "$T/$j/evidence" 2>/dev/null
	call "$j" "$EX/cleanup.sh" >>"$T/$j/out" 2>&1
	echo "$rc" >"$T/$j/rc"
}
