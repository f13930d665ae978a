#!/usr/bin/env bash
# Nothing outlives the launcher. `vouch launch` is SIGKILLed at each phase
# of a run, picked from its live output: while it measures the platform
# on swtpm (a swtpm that starts slowly holds it there), as the VM boots,
# while the harness runs, as the quote is made, after the quote arrived;
# and with the TPM as a device while the harness runs. Each time no
# process of that run (swtpm, QEMU) may be left after a few seconds, and
# its run directory stays behind with the dead launcher as its owner.
# Then a later launch in the same TMPDIR removes the run directories of
# launches that are gone, and only those: not a live concurrent run's,
# not one without an owner file.
# Every launch has a TMPDIR of its own below this script's: what it looks
# for is its own, never another launch's on the host.
set -u
. tests/lib/vm.bash
vm_need qemu-system-x86_64 swtpm
vm_kernel
rootfs=$B/samples/calc.img
vm_built "$initrd" "$rootfs" "$B/bin/vouch"
vm_tmp
bgpids=()
vm_cleanup_hook() {
	for p in "${bgpids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	# whatever of this script's runs a failure left running
	pkill -KILL -f "$tmp/[a-z-]*/vouch-run-" 2>/dev/null
}

# a swtpm that takes its time to start: the launcher, on its own end of
# the sockets, waits for it in the middle of the platform measurement.
# The wrapper's own command line names the run directory, like swtpm's.
real_swtpm=$(command -v swtpm)
mkdir -p "$tmp/slow"
mkfifo "$tmp/slow/never"
cat >"$tmp/slow/swtpm" <<EOF
#!/bin/bash
echo started >>"$tmp/slow/started"
read -r -t 5 <>"$tmp/slow/never"
exec "$real_swtpm" "\$@"
EOF
chmod +x "$tmp/slow/swtpm"

launch_args=(--kernel "$kernel" --initrd "$initrd" --rootfs "$rootfs" --fstype erofs --vm-timeout 120)

# what of the run under dir is still running (swtpm, QEMU, anything
# whose command line names it)
left() { pgrep -af "$1/vouch-run-" | grep -v pgrep; }

# kill_at NAME TRIGGER [--slow] [launch options] -- CMD...: launches with
# a TMPDIR of its own, SIGKILLs the launcher when a line of its live
# output holds TRIGGER (or, with --slow, when the slow swtpm started),
# then checks what is left
kill_at() {
	local name=$1 trigger=$2 slow=0 path=$PATH dir=$tmp/k-$1 pid line seen=0 rc owner
	shift 2
	if [ "$1" = --slow ]; then slow=1 path=$tmp/slow:$PATH; shift; fi
	mkdir -p "$dir"
	mkfifo "$tmp/$name.fifo"
	TMPDIR=$dir PATH=$path "$B/bin/vouch" launch "${launch_args[@]}" "$@" >"$tmp/$name.fifo" 2>"$tmp/$name.err" &
	pid=$!
	bgpids+=("$pid")
	exec 5<"$tmp/$name.fifo"
	if [ $slow = 1 ]; then
		for _ in $(seq 300); do [ -s "$tmp/slow/started" ] && break; sleep 0.02; done
		[ -s "$tmp/slow/started" ] && seen=1 && kill -KILL "$pid"
		rm -f "$tmp/slow/started"
	else
		while IFS= read -r -t 120 line <&5; do
			echo "$line" >>"$tmp/$name.out"
			case $line in *"$trigger"*) kill -KILL "$pid"; seen=1; break ;; esac
		done
	fi
	# what it printed up to its end
	timeout 10 cat <&5 >>"$tmp/$name.out"
	exec 5<&-
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	sed 's/^/# /' "$tmp/$name.out" "$tmp/$name.err" 2>/dev/null
	if [ $seen = 0 ]; then
		no "$name: '$trigger' never came (exit $rc)"
		return
	fi
	check "[ $rc -eq 137 ]" "$name: the launcher was SIGKILLed at '$trigger' (exit $rc)"
	for _ in $(seq 50); do [ -z "$(left "$dir")" ] && break; sleep 0.1; done
	if [ -z "$(left "$dir")" ]; then
		ok "$name: no swtpm or QEMU of the run left within 5 s"
	else
		no "$name: processes of the run left after 5 s"
		left "$dir" | sed 's/^/# /'
		pkill -KILL -f "$dir/vouch-run-"
	fi
	owner=$(cat "$dir"/vouch-run-*/owner.pid 2>/dev/null)
	check "[ \"\${owner%% *}\" = $pid ]" "$name: its run directory stays, owned by the dead launcher ($owner)"
}

kill_at measuring 'slow swtpm started' --slow -- /opt/harness/run-tests
check "[ -f '$tmp/measuring.out' ] && ! grep -q 'platform measured' '$tmp/measuring.out'" \
	"measuring: killed before the platform measurement ended"
kill_at booting 'VM starting' -- /opt/harness/run-tests

# Killed in the vTPM's first provisioning (a cache of its own): swtpm_setup
# starts a swtpm of its own through a double fork, out of the launcher's
# reach; none may be left. The next launch with that cache provisions
# anew and passes.
prov=$tmp/prov
mkdir -p "$prov/bin" "$prov/tmp"
cat >"$prov/bin/swtpm" <<EOF
#!/bin/bash
case " \$* " in *" --server "*) echo started >>"$prov/started" ;; esac
exec "$real_swtpm" "\$@"
EOF
chmod +x "$prov/bin/swtpm"
VOUCH_CACHE=$prov/cache TMPDIR=$prov/tmp PATH=$prov/bin:$PATH "$B/bin/vouch" launch "${launch_args[@]}" \
	-- /opt/harness/run-tests >"$prov/out" 2>&1 &
pid=$!
bgpids+=("$pid")
for _ in $(seq 1500); do [ -s "$prov/started" ] && break; sleep 0.02; done
check "[ -s '$prov/started' ] && pgrep -f '$prov/cache/vtpm-.*--server' >/dev/null" \
	"provisioning: swtpm_setup's own swtpm runs"
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null
for _ in $(seq 50); do pgrep -f "$prov/cache/" >/dev/null || break; sleep 0.1; done
if pgrep -f "$prov/cache/" >/dev/null; then
	no "provisioning: swtpm_setup or its swtpm left after 5 s"
	pgrep -af "$prov/cache/" | sed 's/^/# /'
	pkill -KILL -f "$prov/cache/"
else
	ok "provisioning: nothing of swtpm_setup left within 5 s of the launcher's SIGKILL"
fi
VOUCH_CACHE=$prov/cache TMPDIR=$prov/tmp "$B/bin/vouch" launch "${launch_args[@]}" \
	-- /opt/harness/run-tests >"$prov/again" 2>&1
rc=$?
sed 's/^/# /' "$prov/again"
check "[ $rc -eq 0 ] && [ -s '$prov/cache/vtpm-v1/ek.pub' ]" \
	"provisioning: the next launch with that cache provisioned anew and passed (exit $rc)"
kill_at harness 'harness started' -- /opt/harness/run-tests
kill_at quoting 'harness ended' -- /opt/harness/run-tests
kill_at after-quote 'quote received' -- /opt/harness/run-tests
kill_at device-harness 'harness started' --tpm device -- /opt/harness/run-tests

# A later launch removes the directories of launches that are gone, and
# only those. In one TMPDIR: a live run (its harness waits), a launch
# killed as its VM boots, a directory with no owner file; then a whole
# launch.
export TMPDIR=$tmp/sweep
mkdir -p "$TMPDIR"
# it must outlast the rest of the script however slow the machine: it is
# stopped at the end
"$B/bin/vouch" launch "${launch_args[@]}" --vm-timeout 1800 --timeout 1800 -- sh -c 'echo started; sleep 1700' >"$tmp/live.out" 2>&1 &
live=$!
bgpids+=("$live")
for _ in $(seq 600); do grep -q 'harness started' "$tmp/live.out" 2>/dev/null && break; sleep 0.1; done
live_dir=$(grep -l "^$live " "$TMPDIR"/vouch-run-*/owner.pid 2>/dev/null)
live_dir=${live_dir%/owner.pid}
check "[ -n '$live_dir' ] && grep -q 'harness started' '$tmp/live.out'" "sweep: a live run, its harness running ($live_dir)"
mkfifo "$tmp/dead.fifo"
"$B/bin/vouch" launch "${launch_args[@]}" -- /opt/harness/run-tests >"$tmp/dead.fifo" 2>&1 &
dead=$!
bgpids+=("$dead")
exec 5<"$tmp/dead.fifo"
while IFS= read -r -t 120 line <&5; do case $line in *'VM starting'*) kill -KILL "$dead"; break ;; esac; done
exec 5<&-
{ wait "$dead"; } 2>/dev/null
dead_dir=$(grep -l "^$dead " "$TMPDIR"/vouch-run-*/owner.pid 2>/dev/null)
dead_dir=${dead_dir%/owner.pid}
check "[ -n '$dead_dir' ] && [ -d '$dead_dir' ]" "sweep: a launch killed as its VM booted left $dead_dir"
mkdir "$TMPDIR/vouch-run-noown1"
"$B/bin/vouch" launch "${launch_args[@]}" -- /opt/harness/run-tests >"$tmp/later.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/later.out"
check "[ $rc -eq 0 ]" "sweep: the later launch passed (exit $rc)"
check "grep -q 'removed 1 run directory of launches that are gone' '$tmp/later.out'" "sweep: it says it removed one run directory"
check "[ ! -e '$dead_dir' ]" "sweep: the dead launch's directory is gone"
check "[ -d '$live_dir' ] && [ -f '$live_dir/owner.pid' ]" "sweep: the live run's directory is kept"
check "kill -0 $live && grep -q 'harness started' '$tmp/live.out' && ! grep -q 'launch failed' '$tmp/live.out'" \
	"sweep: the live run still runs"
check "[ -d '$TMPDIR/vouch-run-noown1' ]" "sweep: a directory without an owner file is kept"
# the live run, ended the ordinary way, tears its own directory down
kill -TERM "$live"
wait "$live"
rc=$?
check "[ $rc -eq 3 ] && [ ! -e '$live_dir' ]" "sweep: the live run, stopped, exits 3 and removes its directory (exit $rc)"
check "[ -z \"\$(left '$TMPDIR')\" ]" "sweep: no swtpm or QEMU left"
echo "1..$n"
exit $fail
