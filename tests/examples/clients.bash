# SPDX-License-Identifier: MIT
# Sourced by the tests in this folder: puts the pinned npm clients on PATH.
# Missing, they are installed once (npm-tools install); when that fails the
# test skips with the reason, except under CI=true, where .ci/run must have
# installed them and a missing client is a failure of the set-up.
need_clients() {
	local bin why
	if ! bin=$(tests/examples/npm-tools bin 2>"$T/npm.err"); then
		tests/examples/npm-tools install >"$T/npm.log" 2>&1 || true
		if ! bin=$(tests/examples/npm-tools bin 2>"$T/npm.err"); then
			why=$(grep -m1 -iE 'err|not installed|too old' "$T/npm.log" 2>/dev/null || tail -n 1 "$T/npm.err")
			if [ "${CI:-}" = true ]; then
				echo "Bail out! the pinned npm clients are missing under CI=true (.ci/run installs them): $why"
				exit 99
			fi
			echo "1..0 # SKIP the pinned npm clients are not installed and could not be (offline?): $why"
			exit 77
		fi
	fi
	PATH=$bin:$PATH
}
