#!/usr/bin/env bash
# Soak: SOAK_N launches (default 12; `make soak` runs 200) of the sample
# image, each pinned by a manifest and judged at its end (vouch launch
# --manifest), cycling through
#   TPM through the relay / as a device  x  a passing / a failing suite,
# every third round two at once. Every launch must give its verdict: 0
# for the passing suite, 1 for the failing one. Anything else is an
# infrastructure failure (exit 2, 3, 70, a host error) and fails the soak.
# Wall-clock times are printed (median, slowest), never judged.
# The runs live in a TMPDIR of this script's own: it never looks at, or
# kills, another launch on the host.
set -u
. tests/lib/vm.bash
N=${SOAK_N:-12}

case $N in '' | *[!0-9]*) echo "Bail out! SOAK_N=$N: a count"; exit 99 ;; esac
vm_need qemu-system-x86_64 swtpm
vm_kernel
rootfs=$B/samples/calc.img
vm_built "$initrd" "$rootfs" "$rootfs.trees" "$B/bin/vouch"
vm_tmp --runs
vm_sample_trees "$rootfs"

# the two suites: the sample's, and the same with an agent that answers wrong
pass_cmd=(-- /opt/harness/run-tests)
fail_cmd=(--env PATH=/bin --env AGENT=/bin/true -- /opt/harness/run-tests)
for mode in relay device; do
	for kind in pass fail; do
		if [ $kind = pass ]; then cmd=("${pass_cmd[@]}"); else cmd=("${fail_cmd[@]}"); fi
		"$B/bin/vouch" manifest --image "$rootfs" --fstype erofs "${trees[@]}" --kernel "$kernel" \
			--initrd "$initrd" --tpm $mode -o "$tmp/manifest-$mode-$kind.cbor" "${cmd[@]}" \
			>"$tmp/manifest.log" 2>&1 ||
			{ sed 's/^/# /' "$tmp/manifest.log"; echo "Bail out! vouch manifest failed"; exit 99; }
	done
done

# one I MODE KIND: launch number I; appends "I MODE KIND EXIT MS" to results
one() {
	local i=$1 mode=$2 kind=$3 s e rc
	local cmd=("${pass_cmd[@]}")
	[ "$kind" = fail ] && cmd=("${fail_cmd[@]}")
	s=$(date +%s%N)
	"$B/bin/vouch" launch --kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --tpm "$mode" \
		--vm-timeout 300 --manifest "$tmp/manifest-$mode-$kind.cbor" --out "$tmp/out-$i" \
		"${cmd[@]}" >"$tmp/launch-$i.log" 2>&1
	rc=$?
	e=$(date +%s%N)
	echo "$i $mode $kind $rc $(((e - s) / 1000000))" >>"$tmp/results"
}

modes=(relay device relay device)
kinds=(pass pass fail fail)
: >"$tmp/results"
i=0 round=0 concurrent=0
while [ $i -lt "$N" ]; do
	if [ $((round % 3)) -eq 2 ] && [ $((i + 1)) -lt "$N" ]; then
		one $i "${modes[$((i % 4))]}" "${kinds[$((i % 4))]}" &
		a=$!
		one $((i + 1)) "${modes[$(((i + 1) % 4))]}" "${kinds[$(((i + 1) % 4))]}" &
		b=$!
		wait $a $b
		concurrent=$((concurrent + 2))
		i=$((i + 2))
	else
		one $i "${modes[$((i % 4))]}" "${kinds[$((i % 4))]}"
		i=$((i + 1))
	fi
	round=$((round + 1))
done

right=0 wrong=0 infra=0
while read -r i mode kind rc ms; do
	want=0
	[ "$kind" = fail ] && want=1
	what="launch $i ($mode, ${kind}ing suite): exit $rc"
	if [ "$rc" -eq "$want" ] && ! grep -q 'launch failed' "$tmp/launch-$i.log"; then
		right=$((right + 1))
		ok "$what"
		rm -rf "$tmp/out-$i"
		continue
	fi
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
		wrong=$((wrong + 1))
		no "$what, expected $want (wrong verdict)"
	else
		infra=$((infra + 1))
		no "$what, expected $want (infrastructure failure)"
	fi
	sed 's/^/# /' "$tmp/launch-$i.log"
	# the VMM's and swtpm's words, kept with the evidence of a failed launch
	for l in qemu.log swtpm.log; do
		[ -s "$tmp/out-$i/$l" ] && sed "s/^/# $l: /" "$tmp/out-$i/$l"
	done
done < <(sort -n "$tmp/results")

# nothing of these launches outlives them
sleep 0.5
if pgrep -f "$TMPDIR/vouch-run-" >/dev/null; then
	no "no swtpm or QEMU of the soak left running"
	pgrep -af "$TMPDIR/vouch-run-" | sed 's/^/# /'
else
	ok "no swtpm or QEMU of the soak left running"
fi
if [ -n "$(ls -d "$TMPDIR"/vouch-run-* 2>/dev/null)" ]; then
	no "no run directory left behind"
	ls -d "$TMPDIR"/vouch-run-* | sed 's/^/# /'
else
	ok "no run directory left behind"
fi

times=$(awk '{print $5}' "$tmp/results" | sort -n)
median=$(echo "$times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
slowest=$(echo "$times" | tail -1)
relay=$(awk '$2 == "relay"' "$tmp/results" | wc -l)
device=$(awk '$2 == "device"' "$tmp/results" | wc -l)
echo "# soak: $N launches (relay $relay, device $device, $concurrent two at once):" \
	"$right verdicts right, $wrong wrong, $infra infrastructure failures;" \
	"launch time median ${median} ms, slowest ${slowest} ms"
echo "1..$n"
exit $fail
