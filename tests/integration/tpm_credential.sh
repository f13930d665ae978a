#!/usr/bin/env bash
# Credential activation (our software MakeCredential, the TPM's
# ActivateCredential) and the AK check, against a real provisioned swtpm.
set -u
B=${B:-build}
command -v swtpm_setup >/dev/null || { echo "1..0 # SKIP swtpm-tools not installed"; exit 77; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/state" "$tmp/ca"
printf 'statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\ncertserial = %s/certserial\n' \
	"$tmp/ca" "$tmp/ca" "$tmp/ca" "$tmp/ca" >"$tmp/localca.conf"
printf 'create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = %s\ncreate_certs_tool_options = /etc/swtpm-localca.options\nactive_pcr_banks = sha256\n' \
	"$tmp/localca.conf" >"$tmp/setup.conf"
swtpm_setup --tpm2 --tpmstate "$tmp/state" --create-ek-cert --config "$tmp/setup.conf" >"$tmp/setup.log" 2>&1 ||
	{ echo "Bail out! swtpm_setup failed"; cat "$tmp/setup.log"; exit 99; }
swtpm socket --tpm2 --tpmstate dir="$tmp/state" --server type=unixio,path="$tmp/tpm.sock" \
	--ctrl type=unixio,path="$tmp/ctrl.sock" --flags not-need-init,startup-clear &
pid=$!
for _ in $(seq 100); do [ -S "$tmp/tpm.sock" ] && break; sleep 0.05; done
# KDFa known answer computed with Python's hmac (see the C test)
KDFA_WANT=835d01c0b9e84a67a2167e62c9730f51 "$B/tests/tpm-credential" "$tmp/tpm.sock"
