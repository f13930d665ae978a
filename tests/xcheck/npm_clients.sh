#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vouch's outputs under npm clients no one here wrote, at the exact
# versions of tests/examples/package-lock.json:
# - @sigstore/core 3.2.1 (the newest that runs on Node 20): its DSSE
#   preAuthEncoding and crypto.verify accept the envelope host-verify wrote
#   for the recorded honest evidence, under the Ed25519 key `vouch
#   verifier-key` exports, and refuse it with one payload byte changed or
#   under another key;
# - an envelope made with @sigstore/core's PAE and node's Ed25519, over the
#   same statement, with a fresh key and no keyid: host-verify
#   --verify-attestation accepts it under that key (exit 0) and refuses it
#   under another key or with one payload byte changed (exit 2);
# - junit2json 4.0.0 reads host-verify's JUnit of a passed, an incomplete
#   and a rejected run, and its counts and test names are report.json's;
#   a JUnit with one case dropped must fail that comparison.
# Clients missing: installed once, else skip (under CI=true: fail).
# Run from the repository root; TAP on stdout; exit 0 pass, 1 fail,
# 77 skip, 99 hard error.
set -u
B=${B:-build}
[ -d "$B" ] || { echo "Bail out! $B not built"; exit 99; }
B=$(cd "$B" && pwd) || exit 99
HV=$B/bin/host-verify
V=$B/bin/vouch
E=tests/vectors/evidence
PY=/usr/bin/python3
if [ ! -x "$HV" ] || [ ! -x "$V" ]; then echo "Bail out! $HV or $V not built"; exit 99; fi
$PY -c 'import cbor2' 2>/dev/null || { echo "1..0 # SKIP $PY lacks cbor2 (python3-cbor2)"; exit 77; }
T=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 99; }
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/examples/clients.bash
. tests/examples/clients.bash
need_clients
NM=$(cd "$(dirname "$(command -v junit2json)")/.." && pwd)
export NODE_PATH=$NM
export VOUCH_CACHE=$T/cache
mkdir -m 700 "$VOUCH_CACHE" || { echo "Bail out! mkdir"; exit 99; }
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -f "$T/log" ] && sed 's/^/# /' "$T/log" | head -n 20; }
# check LABEL CMD...: the command must succeed
check() { local l=$1; shift; if "$@" >"$T/log" 2>&1; then ok "$l"; else notok "$l"; fi; }
# refuse LABEL WHY CMD...: the command must fail, saying WHY (a fixed string)
refuse() {
	local l=$1 why=$2
	shift 2
	if "$@" >"$T/log" 2>&1; then notok "$l (it passed)"; elif grep -qF -- "$why" "$T/log"; then ok "$l"; else
		notok "$l (not for: $why)"; fi
}
# want STATUS LABEL CMD...: the command's exit status must be STATUS
want() {
	local st=$1 l=$2 got
	shift 2
	"$@" >"$T/log" 2>&1
	got=$?
	if [ "$got" = "$st" ]; then ok "$l (exit $got)"; else notok "$l (exit $got, want $st)"; fi
}

cat >"$T/verify.js" <<'JS'
// ENVELOPE PEM: exit 0 when a signature verifies under the key, 1 when not
const fs = require("fs");
const { dsse, crypto } = require("@sigstore/core");
const [envPath, pemPath] = process.argv.slice(2);
const env = JSON.parse(fs.readFileSync(envPath, "utf8"));
const key = crypto.createPublicKey(fs.readFileSync(pemPath, "utf8"));
if (key.asymmetricKeyType !== "ed25519") { console.error("not an Ed25519 key: " + key.asymmetricKeyType); process.exit(1); }
const pae = dsse.preAuthEncoding(env.payloadType, Buffer.from(env.payload, "base64"));
const good = (env.signatures || []).filter(s => crypto.verify(pae, key, Buffer.from(s.sig, "base64")));
console.log(good.length + " of " + (env.signatures || []).length + " signatures verify");
process.exit(good.length > 0 ? 0 : 1);
JS
cat >"$T/sign.js" <<'JS'
// PAYLOAD-FILE ENVELOPE PEM: signs the payload with a fresh Ed25519 key,
// writes the envelope (no keyid) and the public key
const fs = require("fs"), nodeCrypto = require("crypto");
const { dsse } = require("@sigstore/core");
const [payloadPath, envPath, pemPath] = process.argv.slice(2);
const payload = fs.readFileSync(payloadPath);
const type = "application/vnd.in-toto+json";
const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync("ed25519");
const sig = nodeCrypto.sign(null, dsse.preAuthEncoding(type, payload), privateKey);
fs.writeFileSync(envPath, JSON.stringify({ payloadType: type, payload: payload.toString("base64"),
	signatures: [{ sig: sig.toString("base64") }] }));
fs.writeFileSync(pemPath, publicKey.export({ type: "spki", format: "pem" }));
JS
# flip ENV OUT: the envelope with one byte of its payload changed
flip() {
	$PY - "$1" "$2" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1]))
p = bytearray(base64.b64decode(e["payload"]))
i = p.index(b'"result":"PASSED"') + 10
p[i] ^= 0x20  # "PASSED" -> "pASSED": one byte, still JSON
e["payload"] = base64.b64encode(bytes(p)).decode()
json.dump(e, open(sys.argv[2], "w"))
PY
}

# 1. vouch's envelope under @sigstore/core
pins=(--manifest "$E/manifest.cbor" --ek "$E/ek.pub" --verifier-key "$E/verifier.pem")
a=$($PY -c 'import cbor2,sys; print(cbor2.load(open(sys.argv[1],"rb"))[1].hex())' $E/honest-a.cbor) ||
	{ echo "Bail out! cbor2"; exit 99; }
want 0 "host-verify: the honest bundle, statement written" "$HV" --bundle $E/honest-a.cbor "${pins[@]}" \
	--attestation "$T/att.json" --junit "$T/passed.xml" --json "$T/passed.json"
"$V" verifier-key "$T/vouch.pem" >/dev/null 2>&1 || { echo "Bail out! vouch verifier-key"; exit 99; }
node -e 'require("crypto").generateKeyPairSync("ed25519").publicKey.export({type:"spki",format:"pem"})' >/dev/null 2>&1 ||
	{ echo "Bail out! node lacks Ed25519"; exit 99; }
node -e 'process.stdout.write(require("crypto").generateKeyPairSync("ed25519").publicKey.export({type:"spki",format:"pem"}))' >"$T/other.pem"
check "@sigstore/core: vouch's envelope verifies under vouch verifier-key's key" node "$T/verify.js" "$T/att.json" "$T/vouch.pem"
flip "$T/att.json" "$T/att-flipped.json" || { echo "Bail out! flipping a byte"; exit 99; }
refuse "@sigstore/core: ... one payload byte changed, refused" "0 of 1 signatures verify" node "$T/verify.js" "$T/att-flipped.json" "$T/vouch.pem"
refuse "@sigstore/core: ... under another Ed25519 key, refused" "0 of 1 signatures verify" node "$T/verify.js" "$T/att.json" "$T/other.pem"
refuse "@sigstore/core: ... under the evidence's verifier.pem, refused" "0 of 1 signatures verify" node "$T/verify.js" "$T/att.json" $E/verifier.pem

# 2. an envelope made with @sigstore/core's PAE, under host-verify
$PY -c 'import base64,json,sys; sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))' \
	"$T/att.json" >"$T/payload.json" || { echo "Bail out! payload"; exit 99; }
node "$T/sign.js" "$T/payload.json" "$T/node.json" "$T/node.pem" || { echo "Bail out! sign.js"; exit 99; }
check "the node-made envelope verifies under @sigstore/core" node "$T/verify.js" "$T/node.json" "$T/node.pem"
want 0 "host-verify --verify-attestation: the node-made envelope, its key" \
	"$HV" --verify-attestation "$T/node.json" --verifier-key "$T/node.pem" --nonce "$a"
want 2 "host-verify --verify-attestation: ... under vouch's key" \
	"$HV" --verify-attestation "$T/node.json" --verifier-key "$T/vouch.pem"
want 2 "host-verify --verify-attestation: ... under another fresh key" \
	"$HV" --verify-attestation "$T/node.json" --verifier-key "$T/other.pem"
flip "$T/node.json" "$T/node-flipped.json" || { echo "Bail out! flipping a byte"; exit 99; }
want 2 "host-verify --verify-attestation: ... one payload byte changed" \
	"$HV" --verify-attestation "$T/node-flipped.json" --verifier-key "$T/node.pem"

# 3. JUnit under junit2json, against report.json
$PY - $E/honest-a.cbor "$T/appended.cbor" <<'PY' || { echo "Bail out! forging the bundle"; exit 99; }
import cbor2, hashlib, sys
b = cbor2.load(open(sys.argv[1], "rb"))
recs = b[4]
cp = next(i for i, r in enumerate(recs) if cbor2.loads(r)[3] == 5)
recs = recs[:cp + 1]
for n in (6, 7):
    for kind, body in ((2, b"not ok %d - forged %d\n" % (n, n)), (4, {0: n, 1: False, 2: "forged %d" % n})):
        recs.append(cbor2.dumps({0: len(recs), 1: hashlib.sha256(recs[-1]).digest(), 2: 1, 3: kind, 4: body},
                                canonical=True))
b[4] = recs
del b[8]
b[10] = "the VM stopped before the quote"
open(sys.argv[2], "wb").write(cbor2.dumps(b, canonical=True))
PY
b=$($PY -c 'import cbor2,sys; print(cbor2.load(open(sys.argv[1],"rb"))[1].hex())' $E/honest-b.cbor)
want 3 "host-verify: records after the last checkpoint, incomplete" "$HV" --bundle "$T/appended.cbor" "${pins[@]}" \
	--junit "$T/incomplete.xml" --json "$T/incomplete.json"
want 2 "host-verify: another session's nonce, rejected" "$HV" --bundle $E/honest-a.cbor "${pins[@]}" --nonce "$b" \
	--junit "$T/rejected.xml" --json "$T/rejected.json"
cat >"$T/junit.mjs" <<'JS'
// JUNIT REPORT: junit2json's reading of the JUnit must say what report.json says
import fs from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(process.env.NODE_PATH + "/");
const { parse } = await import(require.resolve("junit2json"));
const [xmlPath, reportPath] = process.argv.slice(2);
const j = await parse(fs.readFileSync(xmlPath, "utf8"));
const r = JSON.parse(fs.readFileSync(reportPath, "utf8"));
const fail = m => { console.error(m); process.exit(1); };
const eq = (what, got, want) => {
	if (JSON.stringify(got) !== JSON.stringify(want)) fail(what + ": junit2json " + JSON.stringify(got) + ", report.json " + JSON.stringify(want));
};
eq("suites", (j.testsuite || []).length, 1);
const s = j.testsuite[0], cases = s.testcase || [];
const synth = ["vouch.attestation", "vouch.harness"];
eq("synthetic cases", cases.slice(0, 2).map(c => c.name), synth);
const own = cases.slice(2);
eq("test names", own.map(c => c.name), r.tests.map(t => t.name));
eq("tests", own.length, r.counts.tests);
eq("testsuites@tests", j.tests, cases.length);
eq("testsuite@tests", s.tests, cases.length);
const failed = cs => cs.filter(c => (c.failure || []).length + (c.error || []).length > 0).length;
const skipped = cs => cs.filter(c => (c.skipped || []).length > 0).length;
eq("failed tests", failed(own), r.counts.failed);
eq("skipped and todo tests", skipped(own), r.counts.skipped + r.counts.todo);
eq("testsuite@failures+errors", s.failures + s.errors, failed(cases));
eq("testsuites@failures+errors", j.failures + j.errors, failed(cases));
eq("testsuite@skipped", s.skipped, skipped(cases));
const attested = cases[0];
eq("vouch.attestation fails exactly when not passed and not tests-failed",
	failed([attested]), ["passed", "failed"].includes(r.verdict) ? 0 : 1);
const prop = Object.fromEntries((s.properties || []).map(p => [p.name, p.value]));
eq("vouch.verdict", prop["vouch.verdict"], r.verdict);
// junit2json turns numeric attribute values into numbers
eq("vouch.exit", String(prop["vouch.exit"]), String(r.exit));
eq("vouch.unauthenticated_records", String(prop["vouch.unauthenticated_records"]), String(r.counts.unauthenticated));
console.log("# " + r.verdict + ": " + cases.length + " cases, " + own.length + " tests, " + failed(cases) + " failed");
JS
for kind in passed incomplete rejected; do
	check "junit2json: the $kind run's JUnit says what report.json says" node "$T/junit.mjs" "$T/$kind.xml" "$T/$kind.json"
done
# the control: one test dropped from the JUnit must not pass
$PY - "$T/passed.xml" "$T/dropped.xml" <<'PY' || { echo "Bail out! editing the JUnit"; exit 99; }
import sys
x = open(sys.argv[1]).read()
cut = x.replace('    <testcase name="divides" classname="vouch"', '    <testcase name="divides-x" classname="vouch"', 1)
assert cut != x
lines = [l for l in cut.splitlines(True) if 'name="divides-x"' not in l]
open(sys.argv[2], "w").write("".join(lines).replace('tests="7"', 'tests="6"'))
PY
refuse "junit2json: a JUnit with one test dropped does not match report.json" "test names: junit2json" node "$T/junit.mjs" "$T/dropped.xml" "$T/passed.json"
echo "1..$n"
[ "$failed" = 0 ]
