#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-verify's JUnit as consumers no one here wrote read it: validated
# against the Jenkins xUnit plugin's junit-10.xsd (tests/xcheck/junit-10.xsd,
# by libxml2's xmllint) and read back by python3-junitparser, for a passed,
# an incomplete (records appended after the last checkpoint) and a
# rejected run of the recorded honest evidence. Times must add up: the
# cases' sum is at most the suite's. A document with testsuites@skipped
# (what host-verify wrote before) must fail the schema, so the check can
# fail. Run from the repository root; TAP on stdout; exit 0 pass, 1 fail,
# 77 skip, 99 hard error.
set -u
B=${B:-build}
HV=$B/bin/host-verify
E=tests/vectors/evidence
XSD=tests/xcheck/junit-10.xsd
PY=/usr/bin/python3
[ -x "$HV" ] || { echo "Bail out! $HV not built"; exit 99; }
command -v xmllint >/dev/null || { echo "1..0 # SKIP xmllint missing (libxml2-utils, tools/apt-packages)"; exit 77; }
$PY -c 'import junitparser, cbor2' 2>/dev/null ||
	{ echo "1..0 # SKIP $PY lacks junitparser or cbor2 (python3-junitparser, python3-cbor2)"; exit 77; }
tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 99; }
trap 'rm -rf "$tmp"' EXIT
export VOUCH_CACHE=$tmp/cache SOURCE_DATE_EPOCH=1700000000
mkdir -m 700 "$VOUCH_CACHE" || { echo "Bail out! mkdir"; exit 99; }
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -f "$tmp/log" ] && sed 's/^/# /' "$tmp/log"; }
# check LABEL CMD...: the command must succeed; its output is shown otherwise
check() { local l=$1; shift; if "$@" >"$tmp/log" 2>&1; then ok "$l"; else notok "$l"; fi; }

pins=(--manifest $E/manifest.cbor --ek $E/ek.pub --verifier-key $E/verifier.pem)
b_nonce=$($PY -c 'import cbor2,sys; print(cbor2.load(open(sys.argv[1],"rb"))[1].hex())' $E/honest-b.cbor) ||
	{ echo "Bail out! cbor2"; exit 99; }
$PY - $E/honest-a.cbor "$tmp/appended.cbor" <<'PY' || { echo "Bail out! forging the bundle"; exit 99; }
import cbor2, hashlib, sys
b = cbor2.load(open(sys.argv[1], "rb"))
recs = b[4]
cp = next(i for i, r in enumerate(recs) if cbor2.loads(r)[3] == 5)
recs = recs[:cp + 1]
for n in (6, 7):
    recs.append(cbor2.dumps({0: len(recs), 1: hashlib.sha256(recs[-1]).digest(), 2: 1, 3: 2,
                             4: b"ok %d - forged %d\n" % (n, n)}, canonical=True))
b[4] = recs
del b[8]
b[10] = "the VM stopped before the quote"
open(sys.argv[2], "wb").write(cbor2.dumps(b, canonical=True))
PY

"$HV" --bundle $E/honest-a.cbor "${pins[@]}" --junit "$tmp/passed.xml" >/dev/null; st1=$?
"$HV" --bundle "$tmp/appended.cbor" "${pins[@]}" --junit "$tmp/incomplete.xml" >/dev/null; st2=$?
"$HV" --bundle $E/honest-a.cbor "${pins[@]}" --nonce "$b_nonce" --junit "$tmp/rejected.xml" >/dev/null; st3=$?
if [ "$st1/$st2/$st3" = 0/3/2 ]; then ok "verdicts passed, incomplete, rejected"; else
	notok "verdicts passed, incomplete, rejected (exit $st1/$st2/$st3)"; fi

for kind in passed incomplete rejected; do
	check "$kind: valid under junit-10.xsd" xmllint --noout --schema $XSD "$tmp/$kind.xml"
done

# the read-back: junitparser's view of each report, and what it must say
cat >"$tmp/read.py" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Skipped
kind, path = sys.argv[1], sys.argv[2]
xml = JUnitXml.fromfile(path)
assert xml._elem.get("skipped") is None, "testsuites@skipped"
suites = list(xml)
assert len(suites) == 1, len(suites)
s = suites[0]
cases = list(s)
names = [c.name for c in cases]
assert names[:2] == ["vouch.attestation", "vouch.harness"], names
assert s.tests == len(cases), (s.tests, len(cases))
fails = sum(1 for c in cases if any(isinstance(r, Failure) for r in c.result))
assert s.failures == fails, (s.failures, fails)
skips = sum(1 for c in cases if any(isinstance(r, Skipped) for r in c.result))
assert s.skipped == skips, (s.skipped, skips)
total = sum(c.time for c in cases)
assert total <= s.time + 1e-9, "cases add up to %.3f s in a %.3f s suite" % (total, s.time)
assert s.timestamp == "2023-11-14T22:13:20", s.timestamp
assert s.hostname, "hostname"
assert s._elem.get("id") == "0" and s._elem.get("package") == "vouch"
out = s._elem.findtext("system-out")
err = s._elem.findtext("system-err")
assert out is not None and err is not None, "system-out/system-err"
if kind == "passed":
    assert names[2:] == ["adds", "subtracts", "multiplies", "divides", "refuses division by zero"], names
    assert fails == 0 and s.time > 0
    assert "ok 1 - adds\nok 2 - subtracts\n" in out, out
if kind == "incomplete":
    assert "forged" not in out and "forged" not in " ".join(names), out
    assert "2 records after the last verified checkpoint are unauthenticated" in err, err
    assert "ok 1 - adds" in out
if kind == "rejected":
    assert "ok 1 - adds" not in out and "not shown: the evidence was rejected" in out, out
print("# %s: %d cases, %.3f s of %.3f s" % (kind, len(cases), total, s.time))
PY
for kind in passed incomplete rejected; do
	check "$kind: read back by junitparser, counts, times, timestamp, hostname, output" \
		$PY "$tmp/read.py" $kind "$tmp/$kind.xml"
done

# the control: what host-verify wrote before this check existed fails it
sed 's/<testsuites name="vouch" tests="\([0-9]*\)"/& skipped="0"/' "$tmp/passed.xml" >"$tmp/old.xml"
if grep -q '<testsuites [^>]*skipped=' "$tmp/old.xml" && ! xmllint --noout --schema $XSD "$tmp/old.xml" >"$tmp/log" 2>&1 &&
	grep -q "attribute 'skipped': The attribute 'skipped' is not allowed" "$tmp/log"; then
	ok "testsuites@skipped is refused by the schema"
else
	notok "testsuites@skipped is refused by the schema"
fi
echo "1..$n"
[ "$failed" = 0 ]
