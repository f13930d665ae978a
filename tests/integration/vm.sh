#!/usr/bin/env bash
# Real VMs: the pinned kernel under QEMU (TCG) with guest-init, swtpm, the
# sample image. Each case checks the evidence the host received, and every
# quote is checked by tpm2_checkquote (tpm2-tools), an independent checker:
# it passes with the session's nonce binding and fails with any other.
# Once per guest channel (CHANNEL: virtio-serial, vsock; tests/lib/vm.bash).
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm tpm2_checkquote
vm_channel
vm_kernel
rootfs=$B/samples/calc.img
vm_built "$initrd" "$rootfs" "$B/bin/vouch"
vm_tmp --runs
root_before=$(sha256sum <"$rootfs")
vm_sample_trees "$rootfs"
# pin NAME MODE [run spec options] -- CMD...: the manifest of one case, its
# run spec made by vouch manifest from the options and command the run is
# launched with (the kernel command line differs by TPM path)
pin() {
	local name=$1 mode=$2
	shift 2
	"$B/bin/vouch" manifest --image "$rootfs" --fstype erofs "${trees[@]}" --kernel "$kernel" \
		--initrd "$initrd" --tpm "$mode" "${chan[@]}" -o "$tmp/manifest-$name.cbor" "$@" ||
		{ echo "Bail out! vouch manifest failed"; exit 99; }
}

# run NAME EXPECTED_EXIT [--tpm MODE] [run spec options] -- CMD...
run() {
	local name=$1 want=$2 mode=relay
	shift 2
	if [ "$1" = --tpm ]; then mode=$2; shift 2; fi
	pin "$name" "$mode" "$@"
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --fstype erofs \
		--tpm "$mode" "${chan[@]}" --vm-timeout 240 --out "$tmp/$name" "$@" >"$tmp/$name.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$tmp/$name.out"
	if [ $rc -eq "$want" ]; then ok "$name: exit $rc"; else no "$name: exit $rc, expected $want"; fi
	"$B/bin/host-verify" --bundle "$tmp/$name/evidence.cbor" --manifest "$tmp/manifest-$name.cbor" \
		--junit "$tmp/$name/junit.xml" --json "$tmp/$name/report.json" >"$tmp/$name.verify" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/$name.verify"
	if [ $rc -eq "$want" ]; then ok "$name: host-verify agrees (exit $rc)"; else no "$name: host-verify exit $rc, expected $want"; fi
}

checkquote() {
	local d=$tmp/$1
	check "tpm2_checkquote -u '$d/ak.pem' -m '$d/quote.msg' -s '$d/quote.sig' -g sha256 -q \$(cat '$d/extradata.hex') >/dev/null 2>&1" \
		"$1: tpm2_checkquote accepts the quote with the session binding"
	check "! tpm2_checkquote -u '$d/ak.pem' -m '$d/quote.msg' -s '$d/quote.sig' -g sha256 -q $(printf '%064d' 0) >/dev/null 2>&1" \
		"$1: tpm2_checkquote refuses it with another binding"
}

# 1. the sample suite, TPM through the relay
run sample 0 -- /opt/harness/run-tests
check "grep -q 'tests 5 ok / 0 not ok' '$tmp/sample.out'" "sample: five tests passed"
check "grep -q 'AK activated' '$tmp/sample.out'" "sample: AK activated"
checkquote sample
check "[ -s '$tmp/sample/records.cborseq' ] && [ -s '$tmp/sample/guest-evlog.cbor' ]" "sample: records and event log kept"
check "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); s = d.getElementsByTagName(\"testsuite\")[0]; sys.exit(0 if s.getAttribute(\"tests\") == \"7\" and s.getAttribute(\"failures\") == \"0\" else 1)' '$tmp/sample/junit.xml'" \
	"sample: JUnit well-formed, 5 tests + attestation + harness, no failures"
check "grep -q '\"verdict\": \"passed\"' '$tmp/sample/report.json'" "sample: JSON report says passed"
# the bundle re-verified against the wrong manifest (the device one) is refused
pin sample-device device -- /opt/harness/run-tests
"$B/bin/host-verify" --bundle "$tmp/sample/evidence.cbor" --manifest "$tmp/manifest-sample-device.cbor" >"$tmp/x.verify" 2>&1
check "[ $? -eq 2 ] && grep -q pin-cmdline '$tmp/x.verify'" "sample: refused against another command line's manifest (pin-cmdline)"


# 2. the same through QEMU's tpm-crb device
run device 0 --tpm device -- /opt/harness/run-tests
checkquote device

# 3. a failing suite: the agent replaced by one that answers wrong
run failing 1 --env PATH=/bin --env AGENT=/bin/true -- /opt/harness/run-tests
check "grep -q 'tests 0 ok / 5 not ok' '$tmp/failing.out'" "failing: all five tests failed"
checkquote failing

# 4. confinement: each probe is a TAP test point inside the box
run confine 0 -- /opt/harness/confine-tests
check "grep -q 'tests 21 ok / 0 not ok' '$tmp/confine.out'" "confine: all 21 confinement checks held"
"$B/bin/host-verify" --bundle "$tmp/sample/evidence.cbor" --manifest "$tmp/manifest-confine.cbor" >"$tmp/x.verify" 2>&1
check "[ $? -eq 2 ] && grep -q runspec-argv '$tmp/x.verify'" "sample: refused against the confine case's manifest (runspec-argv)"
checkquote confine
# with the TPM as a device, guest-init holds /dev/tpmrm0 open: it must not
# reach the box (every descriptor above 2 is closed before the harness)
run confine-device 0 --tpm device -- /opt/harness/confine-tests
check "grep -q 'tests 21 ok / 0 not ok' '$tmp/confine-device.out'" "confine, TPM device: all 21 confinement checks held"

# 5. limits: flood, fork bomb, hang; each cut off, each still quoted
run flood 1 --max-output 100000 -- sh -c 'yes flood'
check "grep -q 'cut off at limit 1' '$tmp/flood.out'" "flood: cut at the output limit"
checkquote flood
run forkbomb 1 --max-procs 32 --timeout 60 -- sh -c 'f() { f | f & }; f; sleep 30'
check "grep -q 'cut off at limit 2' '$tmp/forkbomb.out'" "fork bomb: cut at the process limit"
checkquote forkbomb
run hang 1 --timeout 3 -- sleep 1000
check "grep -q 'cut off at limit 3' '$tmp/hang.out'" "hang: cut at the deadline"
checkquote hang

# 6. the VMM dies mid-run, and the user presses Ctrl-C mid-run: both end
# "incomplete", and what arrived before is kept in the bundle
start_bg() { # NAME: a run whose harness waits, in the background
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --fstype erofs \
		"${chan[@]}" --vm-timeout 120 --out "$tmp/$1" -- sh -c 'echo started; sleep 100' >"$tmp/$1.out" 2>&1 &
	bg=$!
	# the AK's activation finishes while the harness runs: wait for both
	for _ in $(seq 600); do grep -q 'AK activated' "$tmp/$1.out" 2>/dev/null && break; sleep 0.1; done
}
start_bg killed
pkill -KILL -f "qemu-system-x86.*$TMPDIR/vouch-run-"
wait $bg
rc=$?
sed 's/^/# /' "$tmp/killed.out"
check "[ $rc -eq 3 ]" "VMM killed mid-run: exit 3 (incomplete)"
pin killed relay -- sh -c 'echo started; sleep 100'
"$B/bin/host-verify" --bundle "$tmp/killed/evidence.cbor" --manifest "$tmp/manifest-killed.cbor" >"$tmp/killed.verify" 2>&1
rc=$?
sed 's/^/# /' "$tmp/killed.verify"
check "[ $rc -eq 3 ] && grep -q 'quote-missing' '$tmp/killed.verify'" "VMM killed mid-run: host-verify says incomplete, no quote"
check "grep -qE 'records ([7-9]|[1-9][0-9]+),' '$tmp/killed.verify'" "VMM killed mid-run: the records that arrived are kept"
start_bg interrupted
kill -INT $bg
wait $bg
rc=$?
check "[ $rc -eq 3 ] && [ -s '$tmp/interrupted/evidence.cbor' ]" "Ctrl-C mid-run: exit 3, evidence so far written"

check "[ \"\$(sha256sum <'$rootfs')\" = '$root_before' ]" "the root image is unchanged by every run"
check "! pgrep -f '$TMPDIR/vouch-run-' >/dev/null" "no swtpm, QEMU or vsock backend left running"
check "[ -z \"\$(ls -d $TMPDIR/vouch-run-* 2>/dev/null)\" ]" "no run directory left behind"
echo "1..$n"
exit $fail
