#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A root image read through dm-verity, in a real VM (pinned kernel under
# QEMU, swtpm): the hash tree veritysetup appends and the root hash an
# independent Python computation gets agree; the run passes and PCR 9
# holds the root hash; a byte changed in the agent's file is caught by the
# guest's kernel when it is read; another root hash does not mount; the
# bundle is refused against a manifest pinning the image's plain digest.
# Once per guest channel (CHANNEL: virtio-serial, vsock; tests/lib/vm.bash).
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm veritysetup
vm_channel
vm_kernel
V=$B/bin/vouch
PY=/usr/bin/python3
vm_tmp --runs

# the sample image with its hash tree appended, in manifest.cddl's shape
cp "$B/samples/calc.img" "$tmp/img"
size=$(stat -c %s "$tmp/img")
data=$(((size + 4095) / 4096 * 4096))
truncate -s "$data" "$tmp/img"
veritysetup format --no-superblock --salt=- --hash=sha256 --format=1 --data-block-size=4096 \
	--hash-block-size=4096 --data-blocks=$((data / 4096)) --hash-offset="$data" \
	--root-hash-file="$tmp/root" "$tmp/img" "$tmp/img" >/dev/null || { echo "Bail out! veritysetup failed"; exit 99; }
root=$(cat "$tmp/root")

"$PY" tests/xcheck/verity_root.py "$tmp/img" "$data" >"$tmp/pyroot"
check "[ '$(cat "$tmp/pyroot")' = '$root' ]" "root hash: veritysetup and an independent computation agree"

trees=()
while read -r name path digest; do trees+=(--tree "$name=$path=$digest"); done <"$B/samples/calc.img.trees"
"$V" manifest --image "$tmp/img" --fstype erofs "${trees[@]}" --verity-root "$root" --verity-offset "$data" \
	--kernel "$kernel" --initrd "$initrd" "${chan[@]}" -o "$tmp/m.cbor" -- /opt/harness/run-tests || { echo "Bail out! vouch manifest failed"; exit 99; }
"$V" manifest --image "$tmp/img" --fstype erofs "${trees[@]}" \
	--kernel "$kernel" --initrd "$initrd" "${chan[@]}" -o "$tmp/plain.cbor" -- /opt/harness/run-tests || { echo "Bail out! vouch manifest failed"; exit 99; }
check "! '$V' manifest --image '$tmp/img' --fstype erofs --verity-root '$root' --verity-offset $((data + 1)) -o '$tmp/x.cbor' 2>/dev/null" \
	"vouch manifest refuses a verity offset that is not a whole block"
check "! '$V' manifest --image '$tmp/img' --fstype erofs --verity-root '$root' --verity-offset 99999999999999999999999 -o '$tmp/x.cbor' 2>/dev/null &&
       ! '$V' manifest --image '$tmp/img' --fstype erofs --verity-root '$root' --verity-offset 4096x -o '$tmp/x.cbor' 2>/dev/null &&
       ! '$V' manifest --image '$tmp/img' --fstype erofs --verity-root 'sha256:$root'0 --verity-offset $data -o '$tmp/x.cbor' 2>/dev/null &&
       [ ! -e '$tmp/x.cbor' ]" \
	"vouch manifest refuses an oversized or malformed verity offset and a 65-digit root"

launch() { # OUT IMG MANIFEST
	"$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$2" --fstype erofs --manifest "$3" "${chan[@]}" \
		--out "$1" --quiet -- /opt/harness/run-tests >"$1.out" 2>&1
}
launch "$tmp/ok" "$tmp/img" "$tmp/m.cbor"
rc=$?
sed 's/^/# /' "$tmp/ok.out"
check "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$tmp/ok.out'" "through dm-verity: passed and judged against the verity manifest"
"$PY" - "$tmp/m.cbor" "$tmp/ok/platform-evlog.cbor" >"$tmp/facts" <<'PY'
import cbor2, sys
m = cbor2.loads(open(sys.argv[1], "rb").read())
print("cmdline", *m[3][2].split())
def walk(x):
    if isinstance(x, bytes): print("bytes", x.hex())
    elif isinstance(x, (list, tuple)): [walk(y) for y in x]
    elif isinstance(x, dict): [walk(y) for y in x.values()]
walk(cbor2.loads(open(sys.argv[2], "rb").read()))
PY
check "grep -q ' vouch.verity=$((data / 4096)):$root\b' '$tmp/facts'" \
	"the pinned command line carries the data blocks and the root hash"
check "grep -qx 'bytes $root' '$tmp/facts'" "the platform log measures the root hash (vouch.rootfs, PCR 9)"
"$B/bin/host-verify" --bundle "$tmp/ok/evidence.cbor" --manifest "$tmp/plain.cbor" >"$tmp/plain.out" 2>&1
rc=$?
check "[ $rc -eq 2 ] && grep -q 'vouch.rootfs' '$tmp/plain.out'" \
	"the same evidence against a manifest pinning the plain image digest: rejected (rootfs)"

# the TPM as a device (tpm-crb): guest-init extends the platform events
"$V" manifest --image "$tmp/img" --fstype erofs "${trees[@]}" --verity-root "$root" --verity-offset "$data" \
	--kernel "$kernel" --initrd "$initrd" --tpm device "${chan[@]}" -o "$tmp/dev.cbor" -- /opt/harness/run-tests || { echo "Bail out! vouch manifest failed"; exit 99; }
"$V" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$tmp/img" --fstype erofs --manifest "$tmp/dev.cbor" \
	--tpm device "${chan[@]}" --out "$tmp/dev" --quiet -- /opt/harness/run-tests >"$tmp/dev.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/dev.out"
check "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$tmp/dev.out'" "through dm-verity with the TPM as a device: passed"

# one byte of the agent's file changed after the root hash was pinned
off=$("$PY" -c "
d = open('$tmp/img', 'rb').read(); a = open('samples/calc/agent/calc', 'rb').read()
i = d.find(a[:64]); assert i > 0 and d.find(a[:64], i + 1) < 0; print(i + 100)") ||
	{ echo "Bail out! agent not found in the image"; exit 99; }
cp "$tmp/img" "$tmp/bad"
printf 'Z' | dd of="$tmp/bad" bs=1 seek="$off" conv=notrunc 2>/dev/null
# with the host's CPUs busy: guest-init's last words (the corruption
# record, the end record, the error frame) are written just before the VM
# ends, and over vsock they were lost when the device had not carried them
# yet (guest-init's gi_channel_close)
busy=()
for _ in 1 2; do yes >/dev/null & busy+=($!); done
launch "$tmp/bad-run" "$tmp/bad" "$tmp/m.cbor"
rc=$?
kill "${busy[@]}"
wait "${busy[@]}" 2>/dev/null
sed 's/^/# /' "$tmp/bad-run.out"
check "[ $rc -ne 0 ] && ! grep -q 'verdict: PASSED' '$tmp/bad-run.out'" "a byte changed in the agent's file: not passed"
check "grep -aq 'verity: .*corrupted' '$tmp/bad-run/console.log' && grep -q 'input/output error' '$tmp/bad-run.out'" \
	"... the guest's kernel refused the block when guest-init read it"
check "grep -q 'pin-rootfs: .*refused blocks' '$tmp/bad-run.out' && grep -q '(measuring the trees: input/output error)' '$tmp/bad-run.out'" \
	"... the guest's last words arrived on a busy host: the corruption record and the error frame"

# another root hash: nothing on the disk verifies, not even the superblock
other=$(printf '%s' "$root" | sha256sum | cut -c1-64)
"$V" manifest --image "$tmp/img" --fstype erofs "${trees[@]}" --verity-root "$other" --verity-offset "$data" \
	--kernel "$kernel" --initrd "$initrd" "${chan[@]}" -o "$tmp/other.cbor" -- /opt/harness/run-tests || { echo "Bail out! vouch manifest failed"; exit 99; }
launch "$tmp/other-run" "$tmp/img" "$tmp/other.cbor"
rc=$?
sed 's/^/# /' "$tmp/other-run.out"
check "[ $rc -ne 0 ] && grep -q 'mounting the root image' '$tmp/other-run.out'" "another root hash: the root does not mount"

check "! pgrep -f '$TMPDIR/vouch-run-' >/dev/null" "nothing left running (swtpm, QEMU, the vsock backend)"
echo "1..$n"
exit $fail
