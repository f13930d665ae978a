#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-verify's gates, offline, over the recorded honest evidence: --nonce
# (an old passing bundle is not a new run), --require-agent-boundary, and
# --verify-attestation exiting with the statement's verdict, for that
# session (--nonce) and that image (--subject) only.
#
# Run from the repository root. TAP on stdout; exit 0 all passed, 1 some
# failed, 99 hard error.
set -u
B=${B:-build}
HV=$B/bin/host-verify
E=tests/vectors/evidence
[ -x "$HV" ] || { echo "Bail out! $HV not built"; exit 99; }
tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 99; }
trap 'rm -rf "$tmp"' EXIT
export VOUCH_CACHE=$tmp/cache
mkdir -m 700 "$VOUCH_CACHE" || { echo "Bail out! mkdir"; exit 99; }
n=0 failed=0
# want STATUS LABEL CMD...: the command's exit status must be STATUS
want() {
	local st=$1 label=$2 got
	shift 2
	"$@" >"$tmp/out" 2>&1
	got=$?
	n=$((n + 1))
	if [ "$got" = "$st" ]; then echo "ok $n - $label (exit $got)"; else
		failed=$((failed + 1)); echo "not ok $n - $label (exit $got, want $st)"; sed 's/^/# /' "$tmp/out"; fi
}
nonce_of() { /usr/bin/python3 -c 'import cbor2,sys; print(cbor2.load(open(sys.argv[1],"rb"))[1].hex())' "$1"; }
a=$(nonce_of $E/honest-a.cbor) b=$(nonce_of $E/honest-b.cbor) || { echo "Bail out! cbor2"; exit 99; }
image=$(/usr/bin/python3 -c 'import cbor2,sys; m=cbor2.load(open(sys.argv[1],"rb")); print(m[1][0].hex())' $E/manifest.cbor)
base=(--bundle $E/honest-a.cbor --manifest $E/manifest.cbor --ek $E/ek.pub --verifier-key $E/verifier.pem)

want 0 "honest bundle" "$HV" "${base[@]}"
want 0 "honest bundle, its own nonce" "$HV" "${base[@]}" --nonce "$a"
want 2 "honest bundle, another session's nonce" "$HV" "${base[@]}" --nonce "$b"
n=$((n + 1))
if grep -q "nonce-mismatch" "$tmp/out"; then echo "ok $n - nonce-mismatch named"; else
	failed=$((failed + 1)); echo "not ok $n - nonce-mismatch named"; fi
want 64 "--nonce not 64 hex digits" "$HV" "${base[@]}" --nonce "${a:0:62}"
want 64 "--subject without --verify-attestation" "$HV" "${base[@]}" --subject "$a"
want 2 "--require-agent-boundary, run spec without agent_user" "$HV" "${base[@]}" --require-agent-boundary
want 0 "statement written" "$HV" "${base[@]}" --attestation "$tmp/att.json"
"$B/bin/vouch" verifier-key "$tmp/own.pem" >/dev/null 2>&1 || { echo "Bail out! vouch verifier-key"; exit 99; }
va=(--verify-attestation "$tmp/att.json" --verifier-key "$tmp/own.pem")
want 0 "statement of a passed run" "$HV" "${va[@]}"
want 0 "statement, this session" "$HV" "${va[@]}" --nonce "$a"
want 2 "statement, another session" "$HV" "${va[@]}" --nonce "$b"
want 0 "statement, this image" "$HV" "${va[@]}" --subject "$image"
want 2 "statement, another image" "$HV" "${va[@]}" --subject "$b"
want 2 "statement, another key" "$HV" --verify-attestation "$tmp/att.json" --verifier-key $E/verifier.pem
want 64 "--require-agent-boundary with --verify-attestation" "$HV" "${va[@]}" --require-agent-boundary
want 0 "vouch verify, its own nonce" "$B/bin/vouch" verify "${base[@]}" --nonce "$a"
want 2 "vouch verify, another session's nonce" "$B/bin/vouch" verify "${base[@]}" --nonce "$b"
want 2 "vouch verify --require-agent-boundary" "$B/bin/vouch" verify "${base[@]}" --require-agent-boundary
echo "1..$n"
[ "$failed" = 0 ]
