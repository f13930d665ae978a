#!/usr/bin/env bash
# Our stream TCTI and PCR arithmetic against a real swtpm.
set -u
B=${B:-build}
command -v swtpm >/dev/null || { echo "1..0 # SKIP swtpm not installed"; exit 77; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
swtpm socket --tpm2 --tpmstate dir="$tmp" --server type=unixio,path="$tmp/tpm.sock" \
	--ctrl type=unixio,path="$tmp/ctrl.sock" --flags not-need-init,startup-clear \
	--log file="$tmp/swtpm.log" &
pid=$!
for _ in $(seq 100); do [ -S "$tmp/tpm.sock" ] && break; sleep 0.05; done
[ -S "$tmp/tpm.sock" ] || { echo "Bail out! swtpm did not start"; cat "$tmp/swtpm.log"; exit 99; }
"$B/tests/tpm-tcti" "$tmp/tpm.sock"
