#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the agent boundary costs per call: in one VM (the pinned kernel
# under QEMU, TCG), the sample harness's agent run 1,000 times directly and
# 1,000 times through $VOUCH_AS_AGENT (new PID and mount namespaces, a
# fresh /proc, the uid change, seccomp), in 5 interleaved batches of 200
# each. Prints the median per-call time of each and their ratio.
set -euo pipefail
B=${B:-build}
. "$(dirname "$0")/lib.bash"
kernel=$(tools/kernel/build-kernel --print-path)
loop='
batch() { i=0; s=$(cut -d" " -f1 /proc/uptime); while [ $i -lt 200 ]; do i=$((i+1)); $1 /opt/agent/calc add 1 2 >/dev/null; done; e=$(cut -d" " -f1 /proc/uptime); echo "$2 $s $e"; }
for b in 1 2 3 4 5; do batch "" direct; batch "$VOUCH_AS_AGENT" helper; done'
"$B/bin/vouch" launch --kernel "$kernel" --initrd "$B/guest/initramfs.cpio" --rootfs "$B/samples/calc.img" \
	--fstype erofs --agent-user 65534:65534 --timeout 1200 --out "$tmp/ev" --quiet -- /bin/sh -c "$loop" >/dev/null
/usr/bin/python3 - "$tmp/ev/records.cborseq" <<'PY'
import cbor2, io, statistics, sys
data = open(sys.argv[1], "rb").read()
f, out = io.BytesIO(data), b""
while f.tell() < len(data):
    r = cbor2.load(f)
    if r[3] == 2:
        out += r[4]
per = {"direct": [], "helper": []}
for line in out.decode().split("\n"):
    w = line.split()
    if len(w) == 3 and w[0] in per:
        per[w[0]].append((float(w[2]) - float(w[1])) * 1000 / 200)
if len(per["direct"]) != 5 or len(per["helper"]) != 5:
    sys.exit("bench/agent_helper.sh: the batches did not all report: %r" % per)
d, h = statistics.median(per["direct"]), statistics.median(per["helper"])
print("agent call (guest clock, QEMU TCG, median of 5 batches of 200):")
print(f"  direct exec           {d:7.2f} ms/call")
print(f"  through $VOUCH_AS_AGENT {h:7.2f} ms/call   {h / d:5.2f}x direct, +{h - d:.2f} ms")
PY
