#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The red team, from the agent's seat, in real VMs (the pinned kernel under
# QEMU, swtpm, guest-init): hostile agents and harnesses try to make a run
# pass that should not, and each case names the verdict it must get (never
# PASSED for an attack). Next to them, the honest cases that must pass.
# Every run is judged by host-verify against a manifest that pins its run
# spec, with the agent boundary on (--agent-user 65534:65534) unless the
# case says otherwise. Once per guest channel (CHANNEL: virtio-serial,
# vsock; tests/lib/vm.bash).
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm mkfs.erofs
vm_channel
vm_kernel
V=$B/bin/vouch
PY=/usr/bin/python3
vm_built "$initrd" "$V" "$B/guest/guest-probe"
vm_tmp --runs # this script's runs, apart from any other launch

# ---- the image: busybox, the sample, the hostile agents, the probe harness ----
r=$tmp/root
mkdir -p "$r"/opt/{agent,harness/bin}
install -m 0755 samples/calc/agent/calc tests/redteam/root/opt/agent/forger "$r/opt/agent/"
install -m 0755 samples/calc/harness/run-tests tests/redteam/root/opt/harness/redteam "$r/opt/harness/"
install -m 0755 "$B/guest/guest-probe" "$r/opt/harness/bin/guest-probe"
img=$tmp/redteam.img
vm_image_busybox "$r" "$img" 5ec1a1e0-0000-4000-8000-0000000000ed

# run NAME EXPECTED_EXIT [--tpm MODE] [options] -- CMD...: pins the run
# spec in a manifest of its own, launches, and lets the launcher judge
run() {
	local name=$1 want=$2 mode=relay
	shift 2
	if [ "$1" = --tpm ]; then mode=$2; shift 2; fi
	"$V" manifest --image "$img" --fstype erofs "${trees[@]}" --kernel "$kernel" --initrd "$initrd" \
		--tpm "$mode" "${chan[@]}" -o "$tmp/$name.cbor" "$@" 2>/dev/null ||
		{ echo "Bail out! vouch manifest failed for $name"; exit 99; }
	"$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$img" --tpm "$mode" "${chan[@]}" --vm-timeout 240 \
		--manifest "$tmp/$name.cbor" --out "$tmp/$name" "$@" >"$tmp/$name.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$tmp/$name.out"
	if [ $rc -eq "$want" ]; then ok "$name: exit $rc"; else no "$name: exit $rc, expected $want"; fi
}
# the record bodies of one kind, one per line, from a run's records
bodies() { # NAME KIND
	"$PY" - "$tmp/$1/records.cborseq" "$2" <<'PY'
import cbor2, io, sys
data = open(sys.argv[1], "rb").read()
f = io.BytesIO(data)
while f.tell() < len(data):
    r = cbor2.load(f)
    if r[3] == int(sys.argv[2]):
        print(repr(r[4]))
PY
}
A=(--agent-user 65534:65534)

# 1. the probes: every door the agent might try, each a test point that
#    passes only when the box refused it; the run passes, and also under
#    --require-agent-boundary, with the TPM as a relay and as a device
points=$(grep -cE '^(t|h) "' tests/redteam/root/opt/harness/redteam)
run probes 0 "${A[@]}" -- /opt/harness/redteam
check "grep -q 'tests $points ok / 0 not ok' '$tmp/probes.out'" "probes: every door stayed shut ($points points, no 'not ok')"
"$B/bin/host-verify" --bundle "$tmp/probes/evidence.cbor" --manifest "$tmp/probes.cbor" --require-agent-boundary >/dev/null 2>&1
check "[ $? -eq 0 ]" "probes: accepted under --require-agent-boundary"
check "bodies probes 8 | grep -q \"'probe.txt'\"" "probes: the harness's results directory is shipped as file records"
check "grep -q '\"agent_boundary\": {\"on\": true, \"agent_uid\": 65534, \"agent_gid\": 65534, \"results_from\": \"results-channel\"' '$tmp/probes/report.json' &&
       grep -q 'name=\"vouch.agent_boundary\" value=\"on\"' '$tmp/probes/junit.xml' &&
       \"\$PY\" -c 'import base64, json, sys; st = json.loads(base64.b64decode(json.load(open(sys.argv[1]))[\"payload\"])); c = {x[\"name\"]: x.get(\"annotations\") for x in st[\"predicate\"][\"configuration\"]}; sys.exit(c[\"vouch.agent-boundary\"] != {\"on\": \"true\", \"agentUser\": \"65534:65534\", \"resultsFrom\": \"results-channel\"})' '$tmp/probes/attestation.dsse.json'" \
	"probes: report.json, JUnit and the signed statement say the boundary was on, results from the results channel"
run probes-device 0 --tpm device "${A[@]}" -- /opt/harness/redteam
check "grep -q 'tests $points ok / 0 not ok' '$tmp/probes-device.out'" "probes, TPM as a device: every door stayed shut"

# 2. the attack of the issue: an agent that computes nothing, forges TAP on
#    every stream and /proc/*/fd it finds, writes a results file, rewrites
#    the harness, traces, stops and kills what it sees, pokes the TPM: the
#    sample harness still runs to its end and reports five failures
run forger 1 "${A[@]}" --env PATH=/bin --env AGENT=/opt/agent/forger -- /opt/harness/run-tests
check "grep -q 'tests 0 ok / 5 not ok' '$tmp/forger.out' && grep -q 'verdict: TESTS FAILED' '$tmp/forger.out'" \
	"forger: five failures reported, verdict TESTS FAILED (not PASSED)"
check "! bodies forger 8 | grep -q forged" "forger: no forged results file shipped"

# 3. the agent writes a whole passing TAP stream on the harness's stdout
#    (the harness hands it its stdout): with the boundary on, stdout is a
#    log; the one real result, on the results channel, fails the run
forge_stdout='"$VOUCH_AS_AGENT" /opt/agent/forger; printf "1..1\nnot ok 1 - the real test\n" >&3'
run stdout-forged 1 "${A[@]}" -- /bin/sh -c "$forge_stdout"
check "grep -q 'tests 0 ok / 1 not ok' '$tmp/stdout-forged.out'" "stdout-forged: the forged stdout TAP is a log; one real failure"
#    without the boundary the same stdout is the result: one party, as
#    for a plain suite; --require-agent-boundary refuses such evidence
run no-boundary 0 -- /bin/sh -c 'printf "1..1\nok 1 - forged by whatever the harness started\n"'
"$B/bin/host-verify" --bundle "$tmp/no-boundary/evidence.cbor" --manifest "$tmp/no-boundary.cbor" \
	--require-agent-boundary >"$tmp/nb.verify" 2>&1
check "[ $? -eq 2 ] && grep -q agent-boundary-off '$tmp/nb.verify'" \
	"no-boundary: refused under --require-agent-boundary (agent-boundary-off)"
check "grep -q '\"agent_boundary\": {\"on\": false, \"agent_uid\": null, \"agent_gid\": null, \"results_from\": \"stdout\"' '$tmp/no-boundary/report.json'" \
	"no-boundary: report.json says the results came from stdout"

# 4. the agent exhausts the processes: the run is cut at the limit, not passed
run forkbomb 1 "${A[@]}" --max-procs 64 --timeout 60 -- /bin/sh -c \
	'"$VOUCH_AS_AGENT" sh -c "f() { f | f & }; f; sleep 30"; echo "1..1" >&3; echo "ok 1" >&3'
check "grep -q 'cut off at limit 2' '$tmp/forkbomb.out'" "forkbomb: cut at the process limit"

# 5. counts past any old cap: 5,000 honest points pass; 4,096 passes and a
#    failing 4,097th fail
run many 0 "${A[@]}" -- /bin/sh -c 'i=0; { echo "1..5000"; while [ $i -lt 5000 ]; do i=$((i+1)); echo "ok $i"; done; } >&3'
check "grep -q 'tests 5000 passed / 0 failed' '$tmp/many.out'" "many: all 5000 points counted"
run after-4096 1 "${A[@]}" -- /bin/sh -c 'i=0; { echo "1..4097"; while [ $i -lt 4096 ]; do i=$((i+1)); echo "ok $i"; done; echo "not ok 4097 - a real failure"; } >&3'
check "grep -q 'tests 4096 passed / 1 failed' '$tmp/after-4096.out'" "after-4096: the 4097th point's failure counts"

# 6. the honest sample behind the boundary: passes
run sample 0 "${A[@]}" -- /opt/harness/run-tests
check "grep -q 'tests 5 ok / 0 not ok' '$tmp/sample.out'" "sample: the agent through the helper, five passes"

check "! pgrep -f '$TMPDIR/vouch-run-' >/dev/null" "nothing left running"
echo "1..$n"
exit $fail
