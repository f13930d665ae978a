#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make mutate: every tests/mutation/*.patch weakens one security check (a
# small unified diff whose first line, "# weakens: ...", names the check).
# Each is applied to a copy of the tree (never to the tree itself), the
# programs and tests it touches are rebuilt, and the fast tiers run until
# one fails: that test kills the mutant. A mutant no test fails survives.
# Then the copy is put back and the next mutant goes.
#
#   tests/mutation/run.sh [PATCH...]     (default: every patch)
#   VM=1 tests/mutation/run.sh           also the mutants marked "# VM: ..."
#   EVERY=1 tests/mutation/run.sh PATCH  every fast test on each mutant, and
#                                        all that fail it in the "by" column
#
# A patch marked "# VM: SCRIPT..." needs a real VM to be seen: it runs only
# with VM=1, and then the fast tiers and the scripts it names. A patch that
# no longer applies is "stale", one that does not build is "broken": both
# are reported and fail the run, they never pass for killed.
#
# Prints one row per mutant (mutant, killed / survived / stale / broken /
# vm-only, by which test) and a score; exits 0 when the score is at least
# MUTATE_MIN percent (95) and no patch is stale or broken.
# Run from the top of the tree after building MUTATE_TARGETS (the Makefile's
# mutate target does both).
set -u
B=${B:-build}
VM=${VM:-0}
EVERY=${EVERY:-0}
MIN=${MUTATE_MIN:-95}
TARGETS=${MUTATE_TARGETS:-}
ASAN_TARGETS=${MUTATE_ASAN_TARGETS:-}
ROOT=$(pwd)
case $B in /*) echo "mutate: B must be relative to the tree (got $B)" >&2; exit 64 ;; esac
[ -n "$TARGETS" ] || { echo "mutate: MUTATE_TARGETS is empty (run through make mutate)" >&2; exit 64; }
[ -f Makefile ] && [ -d tests/mutation ] || { echo "mutate: run from the top of the tree" >&2; exit 64; }

if [ $# -gt 0 ]; then patches=("$@"); else patches=(tests/mutation/*.patch); fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vouch-mutate.XXXXXX") || exit 70
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# the tree and its build, times kept, so that only what a mutant touches
# is rebuilt
tar -C "$ROOT" --exclude=./.git --exclude="./$B/test-logs" --exclude="./$B/fuzz" --exclude="./$B/mutate-logs" -cf - . |
	tar -C "$work" -xf - || { echo "mutate: copying the tree failed" >&2; exit 70; }
cd "$work" || exit 70
# the logs stay in the tree's build, for a mutant to be looked into
logs=$ROOT/$B/mutate-logs
rm -rf "$logs"
mkdir -p "$logs"

# The fast tiers, cheapest first: unit tests (the tamper matrix first),
# the offline scripts; then the sanitized unit tests, built only for a
# mutant the others did not kill.
fast_tests() {
	local t
	echo "$B/tests/test_tamper"
	for t in "$B"/tests/test_*; do [ -x "$t" ] && [ "$t" != "$B/tests/test_tamper" ] && echo "$t"; done
	echo tests/vectors/check.sh
	echo tests/vectors/verify_cli.sh
	echo tests/integration/checkquote_agree.sh
	echo tests/integration/tpm_credential.sh
}
asan_tests() {
	local t
	for t in "$B"/tests-asan/test_*; do [ -x "$t" ] && echo "$t"; done
}

# run_one TEST LOG: 0 when it passed (or skipped), 1 when it failed
run_one() {
	local t=$1 log=$2 rc
	if [[ $t == *.sh ]]; then
		B=$B timeout -k 5 900 bash "$t" >"$log" 2>&1
	else
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
			timeout -k 5 300 "$t" >"$log" 2>&1
	fi
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 77 ]
}

# Files a patch changes (its +++ lines, without the b/ prefix).
patch_files() { sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$1"; }

# Puts the files back as they are in the tree, newer than any object built
# from the mutant so that make rebuilds them.
restore() {
	local f
	for f in $(patch_files "$1"); do cp "$ROOT/$f" "$work/$f" && touch "$work/$f"; done
}

# The build of the pristine copy must be current, or a stale object would
# be blamed on the first mutant.
if ! make -s -j2 B="$B" $TARGETS $ASAN_TARGETS >"$logs/pristine.log" 2>&1; then
	echo "mutate: the unmutated tree does not build (see $logs/pristine.log)" >&2
	sed 's/^/  /' "$logs/pristine.log" | tail -20 >&2
	exit 70
fi
vm_targets=
[ "$VM" = 1 ] && vm_targets=all

killed=0 survived=0 stale=0 broken=0 skipped=0
survivors=()
printf '%-44s %-9s %s\n' mutant result "by"
printf '%-44s %-9s %s\n' ------ ------ --
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	abs=$ROOT/$p
	[ -f "$abs" ] || abs=$p
	what=$(sed -n '1s/^# weakens: //p' "$abs")
	vmscripts=$(sed -n 's/^# VM:[[:space:]]*//p' "$abs")
	log=$logs/$name
	if [ -z "$what" ]; then
		printf '%-44s %-9s %s\n' "$name" broken "no '# weakens:' header"
		broken=$((broken + 1))
		continue
	fi
	if [ -n "$vmscripts" ] && [ "$VM" != 1 ]; then
		printf '%-44s %-9s %s\n' "$name" vm-only "(VM=1: $vmscripts)"
		skipped=$((skipped + 1))
		continue
	fi
	if ! patch -p1 -s -f --dry-run <"$abs" >"$log.patch" 2>&1; then
		printf '%-44s %-9s %s\n' "$name" stale "no longer applies"
		stale=$((stale + 1))
		continue
	fi
	patch -p1 -s -f --no-backup-if-mismatch <"$abs" >>"$log.patch" 2>&1
	if ! make -s -j2 B="$B" $TARGETS $vm_targets >"$log.build" 2>&1; then
		printf '%-44s %-9s %s\n' "$name" broken "does not build (${log#"$ROOT"/}.build)"
		broken=$((broken + 1))
		restore "$abs"
		continue
	fi
	by=
	tests=$(fast_tests)
	[ "$VM" = 1 ] && [ -n "$vmscripts" ] && tests="$tests $vmscripts"
	for t in $tests; do
		if ! run_one "$t" "$log.$(basename "$t").log"; then
			by="${by:+$by, }${t#"$B"/}"
			[ "$EVERY" = 1 ] || break
		fi
	done
	if [ -z "$by" ] && [ -n "$ASAN_TARGETS" ]; then
		if ! make -s -j2 B="$B" $ASAN_TARGETS >>"$log.build" 2>&1; then
			by="(sanitized build failed: ${log#"$ROOT"/}.build)"
		else
			for t in $(asan_tests); do
				if ! run_one "$t" "$log.asan-$(basename "$t").log"; then
					by=${t#"$B"/}
					break
				fi
			done
		fi
	fi
	restore "$abs"
	if [ -n "$by" ]; then
		printf '%-44s %-9s %s\n' "$name" killed "$by"
		killed=$((killed + 1))
	else
		printf '%-44s %-9s %s\n' "$name" SURVIVED "$what"
		survived=$((survived + 1))
		survivors+=("$name")
	fi
done

total=$((killed + survived))
score=0
[ $total -gt 0 ] && score=$((100 * killed / total))
tier=fast
[ "$VM" = 1 ] && tier="fast + VM"
echo
echo "mutants: $killed killed, $survived survived, $stale stale, $broken broken, $skipped need VM=1"
echo "score ($tier tiers): $killed/$total = $score% (at least $MIN% wanted)"
for s in "${survivors[@]}"; do echo "survived: $s"; done
[ $stale -eq 0 ] && [ $broken -eq 0 ] && [ $total -gt 0 ] && [ $score -ge "$MIN" ]
