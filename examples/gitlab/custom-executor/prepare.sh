#!/usr/bin/env bash
# prepare_exec: check that this host can make an attested run, resolve the
# guest kernel and the job's base root file system, and make the job's
# scratch directory. Nothing of the job runs here.
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

vouch=$VOUCH_HOME/build/bin/vouch
initrd=$VOUCH_HOME/build/guest/initramfs.cpio
if [ ! -x "$vouch" ] || [ ! -r "$initrd" ]; then
	fail_system "$VOUCH_HOME is not a built vouch checkout (run make there)"
fi
for tool in python3 tar git gitlab-runner; do
	command -v "$tool" >/dev/null || fail_system "$tool is not in PATH"
done

# The job's definition as GitLab sent it (not the CUSTOM_ENV_ copies a job
# can override). Hooks would run the job's commands on this host, outside
# the VM: refused.
[ -r "${JOB_RESPONSE_FILE:-}" ] || fail_system "JOB_RESPONSE_FILE missing: this gitlab-runner is too old"
python3 - "$JOB_RESPONSE_FILE" <<'PY' || fail_build "this job defines hooks; they would run outside the VM"
import json, sys
job = json.load(open(sys.argv[1]))
sys.exit(1 if any(h.get("script") for h in job.get("hooks") or []) else 0)
PY

rm -rf "$work"
mkdir -p "$work"

# The pinned guest kernel: built once (several minutes), then cached.
kernel=$("$VOUCH_HOME"/tools/kernel/build-kernel --print-path | tail -n 1) ||
	fail_system "the guest kernel could not be built"
printf '%s\n' "$kernel" >"$work/kernel"

# The base root file system: VOUCH_BASE names a tar in $VOUCH_BASES.
base=${CUSTOM_ENV_VOUCH_BASE:-default}
[[ $base =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || fail_build "VOUCH_BASE '$base': letters, digits, . _ - only"
[ -f "$VOUCH_BASES/$base.tar" ] || fail_build "no base root file system $VOUCH_BASES/$base.tar"
printf '%s\n' "$VOUCH_BASES/$base.tar" >"$work/base"

echo "vouch: $("$vouch" version), kernel $kernel"
echo "vouch: base $base ($(sha256sum <"$VOUCH_BASES/$base.tar" | cut -d' ' -f1))"
if [ ! -f "$VOUCH_CACHE_DIR/vtpm-v1/ek.pub" ]; then
	echo "vouch: no TPM state provisioned yet; the first run provisions it (its EK is a pin)"
fi
