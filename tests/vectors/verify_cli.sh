#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-verify's gates, offline, over the recorded honest evidence: --nonce
# (an old passing bundle is not a new run), --require-agent-boundary, and
# --verify-attestation exiting with the statement's verdict, for that
# session (--nonce) and that image (--subject) only; and a cut run with
# records appended after its last checkpoint (none of them read).
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

# the statement's record of the run: the manifest's SHA-256, the session
# nonce, the url (--url, else the CI's job URL) and the trees' digests
# under their own algorithm name, read back by --verify-attestation
# stmt FILE: the statement inside envelope FILE, as JSON on stdout
stmt() { /usr/bin/python3 -c 'import json,sys,base64; print(base64.b64decode(json.load(open(sys.argv[1]))["payload"]).decode())' "$1"; }
# has LABEL FILE PYTHON-EXPR: the expression over the statement s must hold
has() {
	n=$((n + 1))
	if stmt "$2" | /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin); p=s["predicate"]; c={d["name"]: d for d in p["configuration"]}; sub={d["name"]: d["digest"] for d in s["subject"]}; ok=eval(sys.argv[1]); print("# got", json.dumps(sub), p.get("url")) if not ok else None; sys.exit(0 if ok else 1)' "$3"; then
		echo "ok $n - $1"; else failed=$((failed + 1)); echo "not ok $n - $1"; fi
}
msha=$(sha256sum $E/manifest.cbor | cut -d' ' -f1)
has "statement: the manifest's SHA-256" "$tmp/att.json" "c['manifest']['digest'] == {'sha256': '$msha'}"
has "statement: the session nonce" "$tmp/att.json" "c['vouch.session-nonce']['annotations']['nonce'] == '$a'"
has "statement: trees under vouch-tree-sha256, the image under sha256" "$tmp/att.json" \
	"list(sub['agent']) == ['vouch-tree-sha256'] and list(sub['harness']) == ['vouch-tree-sha256'] and list(sub['rootfs.img']) == ['sha256'] and sub['rootfs.img']['sha256'] == '$image'"
has "statement: no url outside CI without --url" "$tmp/att.json" "'url' not in p"
agent=$(stmt "$tmp/att.json" | /usr/bin/python3 -c 'import json,sys; print([d["digest"]["vouch-tree-sha256"] for d in json.load(sys.stdin)["subject"] if d["name"] == "agent"][0])')
want 2 "--subject with the agent's tree digest: no file's SHA-256" "$HV" "${va[@]}" --subject "$agent"
want 0 "statement with --url" "$HV" "${base[@]}" --attestation "$tmp/url.json" --url "https://ci.example/r/1?a=\"b\""
has "... the url as given" "$tmp/url.json" "p['url'] == 'https://ci.example/r/1?a=\"b\"'"
want 0 "... read back by --verify-attestation" "$HV" --verify-attestation "$tmp/url.json" --verifier-key "$tmp/own.pem" --nonce "$a" --subject "$image"
want 0 "statement under GitHub Actions" env GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=o/r GITHUB_RUN_ID=42 \
	"$HV" "${base[@]}" --attestation "$tmp/gh.json"
has "... the run's URL" "$tmp/gh.json" "p['url'] == 'https://github.com/o/r/actions/runs/42'"
want 0 "statement under GitLab CI" env CI_JOB_URL=https://gitlab.example/g/p/-/jobs/7 "$HV" "${base[@]}" --attestation "$tmp/gl.json"
has "... the job's URL" "$tmp/gl.json" "p['url'] == 'https://gitlab.example/g/p/-/jobs/7'"
want 0 "--url wins over the CI's" env CI_JOB_URL=https://gitlab.example/x "$HV" "${base[@]}" --attestation "$tmp/both.json" --url https://own.example/
has "... --url's" "$tmp/both.json" "p['url'] == 'https://own.example/'"
want 64 "--url with --verify-attestation" "$HV" "${va[@]}" --url https://x.example/

# the attack of a cut run: honest records up to the checkpoint, then TAP
# lines and test records made by hand (chained, signed by nobody), no quote
/usr/bin/python3 - $E/honest-a.cbor "$tmp/appended.cbor" <<'PY' || { echo "Bail out! forging the bundle"; exit 99; }
import cbor2, hashlib, sys
b = cbor2.load(open(sys.argv[1], "rb"))
recs = b[4]
cp = next(i for i, r in enumerate(recs) if cbor2.loads(r)[3] == 5)
recs = recs[:cp + 1]
for n in (6, 7, 8):
    for kind, body in ((2, b"ok %d - forged %d\n" % (n, n)), (4, {0: n, 1: True, 2: "forged %d" % n})):
        recs.append(cbor2.dumps({0: len(recs), 1: hashlib.sha256(recs[-1]).digest(), 2: 1, 3: kind, 4: body},
                                canonical=True))
b[4] = recs
del b[8]
b[10] = "the VM stopped before the quote"
open(sys.argv[2], "wb").write(cbor2.dumps(b, canonical=True))
PY
forged=(--bundle "$tmp/appended.cbor" --manifest $E/manifest.cbor --ek $E/ek.pub --verifier-key $E/verifier.pem)
want 3 "hand-made tests after the last checkpoint, no quote: incomplete" "$HV" "${forged[@]}" \
	--junit "$tmp/appended.xml" --json "$tmp/appended.json"
n=$((n + 1))
if grep -q "6 records after the last verified checkpoint are unauthenticated" "$tmp/out" &&
	grep -q "tests 5 passed" "$tmp/out" && ! grep -q forged "$tmp/appended.xml" "$tmp/appended.json" &&
	grep -q '"unauthenticated": 6,' "$tmp/appended.json" &&
	grep -q 'name="vouch.unauthenticated_records" value="6"' "$tmp/appended.xml"; then
	echo "ok $n - ... the appended tests are in no output, 6 records counted as unauthenticated"
else
	failed=$((failed + 1)); echo "not ok $n - ... the appended tests are in no output, 6 records counted as unauthenticated"
	sed 's/^/# /' "$tmp/out"
fi
echo "1..$n"
[ "$failed" = 0 ]
