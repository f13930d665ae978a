#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Result files in real VMs (the pinned kernel under QEMU, swtpm,
# guest-init), behind the agent boundary and in a plain run without one:
# a harness that writes JUnit XML
# (as pytest --junitxml does) and TAP files into $VOUCH_RESULTS_DIR and
# exits 0. The verdict counts their cases: one failure in a file fails
# the run, and it is named in host-verify's output, report.json,
# junit.xml and the signed statement; a file that does not parse fails
# it too; honest files pass.
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm mkfs.erofs
vm_kernel
V=$B/bin/vouch
HV=$B/bin/host-verify
PY=/usr/bin/python3
vm_built "$initrd" "$V" "$HV"
vm_tmp --runs

# ---- the image: busybox, the sample agent, a harness writing result files ----
r=$tmp/root
mkdir -p "$r"/opt/{agent,harness}
install -m 0755 samples/calc/agent/calc "$r/opt/agent/"
# results MODE: writes the result files of one case into $VOUCH_RESULTS_DIR
# and exits 0 whatever they say, as a runner's wrapper that only reports
cat >"$r/opt/harness/results" <<'SH'
#!/bin/sh
d=$VOUCH_RESULTS_DIR
# the failing case expects the wrong difference: one injected failure
want=2; [ "$1" = failing ] && want=3
# (without the agent boundary there is no helper: the agent runs as is)
sub=$(${VOUCH_AS_AGENT:-} /opt/agent/calc sub 3 1)
if [ "$sub" = "$want" ]; then sub_case='<testcase classname="tests.test_calc" name="test_sub" time="0.002"/>'
else sub_case="<testcase classname=\"tests.test_calc\" name=\"test_sub\" time=\"0.002\"><failure message=\"assert $sub == $want\">def test_sub():
&gt;       assert calc(&quot;sub&quot;, 3, 1) == $want
E       assert $sub == $want</failure></testcase>"
fi
junit() {
	cat <<XML
<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="1" tests="3" time="0.031" timestamp="2024-05-01T10:00:00.000000" hostname="vm"><testcase classname="tests.test_calc" name="test_add" time="0.001"/>$sub_case<testcase classname="tests.test_calc" name="test_mul" time="0.000"><skipped type="pytest.skip" message="later">tests/test_calc.py:12: later</skipped></testcase></testsuite></testsuites>
XML
}
case $1 in
failing|honest) junit >"$d/junit.xml"; mkdir "$d/bats"
	printf '1..2\nok 1 adds\nok 2 divides\n' >"$d/bats/calc.tap"
	echo "coverage 81%" >"$d/coverage.txt" ;;
truncated) junit | head -c 200 >"$d/junit.xml" ;;
entity) printf '<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite><testcase name="&x;"/></testsuite>\n' >"$d/junit.xml" ;;
esac
exit 0
SH
chmod 0755 "$r/opt/harness/results"
img=$tmp/results.img
vm_image_busybox "$r" "$img" 5ec1a1e0-0000-4000-8000-0000000000ee

run() { vm_judged_run "$1" "$2" "$img" "${@:3}"; }
A=(--agent-user 65534:65534 --env PATH=/bin)
# JSON and the statement, read with Python's own parsers
json() { "$PY" -c "import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }
statement() {
	"$PY" -c "import base64, json, sys
st = json.loads(base64.b64decode(json.load(open(sys.argv[1]))['payload']))
p = st['predicate']
sys.exit(0 if ($2) else 1)" "$1"
}

# 1. a pytest-style junit.xml with one failure, the harness exits 0: the
#    run fails, and the failing case is named everywhere
run failing 1 "${A[@]}" -- /opt/harness/results failing
check "grep -q '^verdict: TESTS FAILED (exit 1)' '$tmp/failing.verify' &&
       grep -q '^  failed: \"tests.test_calc::test_sub\": \"assert 2 == 3\"' '$tmp/failing.verify'" \
	"failing: TESTS FAILED, the failing case named with its message"
check "grep -q 'harness exit 0' '$tmp/failing.verify' &&
       grep -q 'result file \"junit.xml\" (junit): parsed, 3 tests, 1 failed' '$tmp/failing.verify' &&
       grep -q 'result file \"bats/calc.tap\" (tap): parsed, 2 tests, 0 failed' '$tmp/failing.verify' &&
       grep -q 'result file \"coverage.txt\" (other): ignored' '$tmp/failing.verify'" \
	"failing: the harness exited 0; each file listed with its counts, the .txt not read"
check "json '$tmp/failing/report.json' \"r['verdict'] == 'tests-failed' and r['counts']['passed'] == 3 and r['counts']['failed'] == 1 and r['counts']['skipped'] == 1 and [(t['file'], t['classname'], t['name'], t['time_ms']) for t in r['tests'] if not t['ok']] == [('junit.xml', 'tests.test_calc', 'test_sub', 2.0)] and 'E       assert 2 == 3' in [t for t in r['tests'] if not t['ok']][0]['message'] and [(f['name'], f['status']) for f in r['result_files']] == [('bats/calc.tap', 'parsed'), ('coverage.txt', 'ignored'), ('junit.xml', 'parsed')]\"" \
	"failing: report.json has the case (file, classname, time, traceback) and the files"
check "$PY -c \"import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]); c = [x for x in t.iter('testcase') if x.get('name') == 'test_sub'][0]; f = c.find('failure'); sys.exit(0 if c.get('classname') == 'tests.test_calc' and c.get('time') == '0.002' and f.get('message') == 'assert 2 == 3' and 'E       assert 2 == 3' in f.text and len([x for x in t.iter('testcase') if x.get('classname') == 'tests.test_calc']) == 3 else 1)\" '$tmp/failing/junit.xml'" \
	"failing: junit.xml has one testcase each, test_sub with its classname, time and failure text"
if command -v xmllint >/dev/null; then
	check "xmllint --noout --schema tests/xcheck/junit-10.xsd '$tmp/failing/junit.xml' 2>/dev/null" \
		"failing: junit.xml is valid under junit-10.xsd"
fi
check "statement '$tmp/failing/attestation.dsse.json' \"p['result'] == 'FAILED' and p['failedTests'] == ['tests.test_calc::test_sub'] and 'tests.test_calc::test_add' in p['passedTests'] and 'adds' in p['passedTests']\"" \
	"failing: the signed statement lists test_sub as failed, the passes as passed"

# 2. the same files, honest: every case passes, and so does the run
run honest 0 "${A[@]}" -- /opt/harness/results honest
check "json '$tmp/honest/report.json' \"r['verdict'] == 'passed' and r['counts']['passed'] == 4 and r['counts']['skipped'] == 1 and r['counts']['failed'] == 0\"" \
	"honest: 4 passed, 1 skipped, verdict passed"

# 3. a junit.xml cut short: the run fails on the file, named
run truncated 1 "${A[@]}" -- /opt/harness/results truncated
check "grep -q 'result file \"junit.xml\" (junit): malformed: line 1: ' '$tmp/truncated.verify' &&
       grep -q '^  failed: \"vouch.results::junit.xml\": \"junit malformed: line 1: ' '$tmp/truncated.verify'" \
	"truncated: malformed, a failed vouch.results case named after the file"

# 4. an external entity: never read, the file refused as malformed
run entity 1 "${A[@]}" -- /opt/harness/results entity
check "grep -q 'junit.xml\" (junit): malformed: a document type declaration (DTDs are not read)' '$tmp/entity.verify' &&
       ! grep -q 'root:x:0' '$tmp/entity/report.json'" \
	"entity: the DTD is refused, nothing fetched"

# 5. a plain run, no agent boundary (a suite with no separate agent): the
#    harness has $VOUCH_RESULTS_DIR all the same, and its files count
run plain 1 --env PATH=/bin -- /opt/harness/results failing
check "grep -q '^verdict: TESTS FAILED (exit 1)' '$tmp/plain.verify' &&
       grep -q '^  failed: \"tests.test_calc::test_sub\": \"assert 2 == 3\"' '$tmp/plain.verify' &&
       grep -q 'result file \"junit.xml\" (junit): parsed, 3 tests, 1 failed' '$tmp/plain.verify'" \
	"plain: without the boundary the results directory is there, its failing case named"
check "json '$tmp/plain/report.json' \"r['verdict'] == 'tests-failed' and r['counts']['failed'] == 1 and r['counts']['passed'] == 3\"" \
	"plain: report.json counts the files' cases"

# 6. a plain run of an image with no tree at all, as a suite with no
#    separate agent is made: `vouch image ROOTFS.tar -o DIR -- CMD`, then
#    `vouch run --image DIR`; the verdict is "this root image ran this
#    command", and its failing JUnit case fails it, named
p=$tmp/plain-root
vm_root_busybox "$p"
mkdir -p "$p/usr/share/tests"
cat >"$p/usr/share/tests/run" <<'SH'
#!/bin/sh
cat >"$VOUCH_RESULTS_DIR/junit.xml" <<XML
<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="suite" tests="2" failures="1"><testcase classname="suite.math" name="test_adds" time="0.001"/><testcase classname="suite.math" name="test_divides" time="0.003"><failure message="expected 2, got 3">divide: expected 2, got 3</failure></testcase></testsuite></testsuites>
XML
exit 0
SH
chmod 0755 "$p/usr/share/tests/run"
tar -C "$p" -cf "$tmp/plain-root.tar" . || { echo "Bail out! tar failed"; exit 99; }
"$V" image "$tmp/plain-root.tar" -o "$tmp/plain-img" --kernel "$kernel" --initrd "$initrd" \
	-- /usr/share/tests/run >"$tmp/plain-img.out" 2>&1
rc=$?
sed 's/^/# image: /' "$tmp/plain-img.out"
check "[ $rc -eq 0 ] && grep -q 'plain run pinned: no agent or harness tree' '$tmp/plain-img.out' &&
       json '$tmp/plain-img/manifest.json' \"r['trees'] == [] and r['runspec']['agent'] is None and r['runspec']['argv'] == ['/usr/share/tests/run']\"" \
	"plain image: vouch image of a root with no tree pins a plain run spec, and says so"
"$V" run --image "$tmp/plain-img" --kernel "$kernel" --initrd "$initrd" -o "$tmp/plain-run" \
	>"$tmp/plain-run.out" 2>&1
rc=$?
sed 's/^/# run: /' "$tmp/plain-run.out"
check "[ $rc -eq 1 ] && grep -q '^verdict: TESTS FAILED (exit 1)' '$tmp/plain-run.out' &&
       grep -q '^  failed: \"suite.math::test_divides\": \"expected 2, got 3\"' '$tmp/plain-run.out' &&
       grep -q '^plain run: no agent or harness tree' '$tmp/plain-run.out'" \
	"plain image: vouch run --image: TESTS FAILED, test_divides named, the run said plain"
check "json '$tmp/plain-run/report.json' \"r['verdict'] == 'tests-failed' and r['trees'] == 'none' and 'agent' not in r['digests'] and r['counts']['failed'] == 1 and r['counts']['passed'] == 1\" &&
       statement '$tmp/plain-run/attestation.dsse.json' \"p['failedTests'] == ['suite.math::test_divides']\"" \
	"plain image: report.json says trees none, no tree digest; the statement names the failure"
# the same image and command, pinned with two of its directories as trees
d=$("$V" tree-digest --root "$p" usr/share/tests | cut -c1-64)
"$V" manifest --image "$tmp/plain-img/rootfs.img" --fstype ext4 --tree "agent=/usr/share/tests=$d" \
	--tree "harness=/usr/share/tests=$d" --kernel "$kernel" --initrd "$initrd" -o "$tmp/img-trees.cbor" \
	-- /usr/share/tests/run 2>/dev/null || { echo "Bail out! vouch manifest failed"; exit 99; }
"$HV" --bundle "$tmp/plain-run/evidence.cbor" --manifest "$tmp/img-trees.cbor" >"$tmp/plain-x.verify" 2>&1
rc=$?
sed 's/^/# host-verify: /' "$tmp/plain-x.verify"
check "[ $rc -eq 2 ] && grep -q '^  runspec-paths: ' '$tmp/plain-x.verify'" \
	"plain evidence against a manifest that pins trees: REJECTED, runspec-paths"

check "! pgrep -f '$TMPDIR/vouch-run-' >/dev/null" "nothing left running"
echo "1..$n"
exit $fail
