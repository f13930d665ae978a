# SPDX-License-Identifier: MIT
# Shared by tests/suites/*.sh (sourced, from the repository's root): a real
# test suite that no one here wrote, in a Debian root made by mmdebstrap,
# run three ways: natively in the root (chroot), attested through
# `vouch run` (no kernel flags: vouch finds its kernel and initramfs in the
# build tree), and attested again with one of its tests made to fail.
#
# A suite script sets, then calls suite_main:
#   SUITE     its name (the cache file's and the result file's)
#   PACKAGES  Debian packages in the root (comma-separated)
#   SOURCES   Debian source packages whose upstream tarball is unpacked
#             under /opt (their tests come from there); may be empty
#   AGENT     the code under test, a path inside the root (the agent tree)
#   RESULT    the result file the harness writes in $VOUCH_RESULTS_DIR
#             (*.xml JUnit, *.tap TAP)
#   HARNESS   the harness script, /opt/harness/run in the root
#   INJECT    "FILE|SED-SCRIPT|NAME": the sed script that makes one test of
#             FILE (inside the root) fail, and that test's name as the
#             report gives it
# and may define suite_layout (run in the new root's folder, on the host,
# after the packages and sources are in).
#
# The root is cached as a tar under ~/.cache/vouch/suites/, named by the
# SHA-256 of everything that makes it (suite_root itself, the Debian
# suite and mirror, the packages, sources, layout and harness, and
# mmdebstrap's version): a warm run pays only for the image and the VMs.
# The .bash suffix keeps tests/run from taking it for a test.
# shellcheck shell=bash disable=SC2034
. tests/lib/vm.bash

SUITE_ROOT_VERSION=1 # bump when the way roots are made changes
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=http://deb.debian.org/debian
SUITES_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vouch/suites
# what docker run gives a rootfs tar, and what the run spec pins
SUITE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# suite_root: the root as a tar in $root_tar, made on first use
suite_root() {
	local digest dir log hook
	digest=$({
		echo "suite root v$SUITE_ROOT_VERSION $DEBIAN_SUITE $DEBIAN_MIRROR"
		echo "packages $PACKAGES"
		echo "sources ${SOURCES:-}"
		declare -f suite_root suite_layout || true
		printf '%s\n' "$HARNESS"
		mmdebstrap --version
	} | sha256sum | cut -c1-64)
	root_tar=$SUITES_CACHE/$SUITE-$digest.tar
	[ -f "$root_tar" ] && { root_cached=1; return 0; }
	mkdir -p "$SUITES_CACHE"
	exec 8>"$SUITES_CACHE/.lock"
	flock 8 # another script may be making the same root
	[ -f "$root_tar" ] && { root_cached=1; return 0; }
	root_cached=0
	dir=$tmp/mkroot log=$B/test-logs/suite-$SUITE-root.log
	# only the upstream tarballs, checked against the signed Sources
	# index (the Debian parts are not needed, and the archive may lack them)
	hook=true
	[ -n "${SOURCES:-}" ] && hook="mkdir -p \"\$1/opt/src\" && cp $tmp/fetch-sources \"\$1/opt/src/fetch\" && chroot \"\$1\" sh -e /opt/src/fetch ${SOURCES//,/ }"
	cat >"$tmp/fetch-sources" <<'SH'
cd /opt/src
apt-get -q -o APT::Sandbox::User=root source --print-uris "$@" | grep "^'.*[.]orig[.]tar[.]" >uris
while read -r uri file size hash; do
	uri=${uri#\'} uri=${uri%\'}
	/usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$uri" "$file" "$hash"
done <uris
[ "$(wc -l <uris)" -eq "$#" ]
SH
	mmdebstrap --variant=apt --include="$PACKAGES" \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' --customize-hook="$hook" \
		"$DEBIAN_SUITE" "$dir" "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" \
		${SOURCES:+"deb-src $DEBIAN_MIRROR $DEBIAN_SUITE main"} >"$log" 2>&1 ||
		{ echo "1..0 # SKIP mmdebstrap could not make the $SUITE root from $DEBIAN_MIRROR (see $log)"; exit 77; }
	local t
	for t in "$dir"/opt/src/*.orig.tar.*; do
		[ -f "$t" ] || continue
		tar -C "$dir/opt" -xf "$t" || { echo "Bail out! cannot unpack $t"; exit 99; }
	done
	rm -rf "$dir/opt/src"
	mkdir -p "$dir/opt/harness"
	printf '%s\n' "$HARNESS" >"$dir/opt/harness/run"
	chmod 0755 "$dir/opt/harness/run"
	if declare -F suite_layout >/dev/null; then
		(cd "$dir" && suite_layout) || { echo "Bail out! the $SUITE layout failed"; exit 99; }
	fi
	tar --numeric-owner --sort=name --xattrs -C "$dir" -cf "$root_tar.part" . &&
		mv "$root_tar.part" "$root_tar" || { echo "Bail out! cannot write $root_tar"; exit 99; }
	rm -rf "$dir"
	# the roots this suite had before are stale: only this one is used
	find "$SUITES_CACHE" -maxdepth 1 -name "$SUITE-*.tar" ! -path "$root_tar" -delete
}

# suite_unpack DIR: the cached root unpacked at DIR
suite_unpack() {
	mkdir -p "$1" && tar --numeric-owner --xattrs -C "$1" -xpf "$root_tar"
}

# suite_native DIR: the harness run natively in the root at DIR (its own
# mount and PID namespaces, a fresh /proc), with the environment the run
# spec pins; the result file ends at $tmp/native-$RESULT
suite_native() {
	mkdir -p "$1/tmp/vouch-results"
	unshare --mount --pid --fork --mount-proc="$1/proc" \
		chroot "$1" /usr/bin/env -i PATH="$SUITE_PATH" HOME=/root \
		VOUCH_RESULTS_DIR=/tmp/vouch-results /opt/harness/run >"$tmp/native.log" 2>&1
	cp "$1/tmp/vouch-results/$RESULT" "$tmp/native-$RESULT" 2>/dev/null
}

# suite_vm SRC NAME: SRC (rootfs tar or folder) made an image and run
# attested with vouch run; the exit status in $rc, the output (with the
# timeline: a cut names its limit) in $tmp/NAME.out, the reports in
# $tmp/NAME/. The run spec's deadline is SUITE_TIMEOUT: bats forks for
# every line it runs, and under TCG on a busy host its 37 tests took more
# than the default 300 s.
SUITE_TIMEOUT=${SUITE_TIMEOUT:-1200}
suite_vm() {
	"$B/bin/vouch" image "$1" -o "$tmp/$2-img" --agent "$AGENT" --harness /opt/harness \
		--timeout "$SUITE_TIMEOUT" -- /opt/harness/run >"$tmp/$2-image.log" 2>&1 ||
		{ sed 's/^/# /' "$tmp/$2-image.log"; echo "Bail out! vouch image $2 failed"; exit 99; }
	"$B/bin/vouch" run --image "$tmp/$2-img" -o "$tmp/$2" >"$tmp/$2.out" 2>&1
	rc=$?
	rm -rf "$tmp/$2-img"
}

# suite_plain: the way a user without a separate agent runs a suite, as
# the README shows it: `vouch run SRC -- CMD` on a tar of the root, the image
# built on the fly (into a cache of the test's own) with no agent or
# harness tree, PLAIN (a command line, no shell) writing its result file
# into $VOUCH_RESULTS_DIR's fixed path; the same tests as natively.
suite_plain() {
	local k
	k=$(tools/kernel/build-kernel --print-path) || { no "plain: no kernel"; return; }
	# the root as a user's image would be: without the harness folder
	# the other runs pin as the harness tree
	suite_unpack "$tmp/plain-root" && rm -rf "$tmp/plain-root/opt/harness" &&
		tar --numeric-owner --xattrs -C "$tmp/plain-root" -cf "$tmp/plain.tar" . ||
		{ echo "Bail out! cannot make the plain root"; exit 99; }
	rm -rf "$tmp/plain-root"
	# shellcheck disable=SC2086 # PLAIN and PLAIN_OPTS are words
	VOUCH_KERNEL=$k VOUCH_INITRD=$B/guest/initramfs.cpio VOUCH_CACHE=$tmp/plain-cache \
		"$B/bin/vouch" run "$tmp/plain.tar" -o "$tmp/plain" --timeout "$SUITE_TIMEOUT" ${PLAIN_OPTS:-} \
		-- $PLAIN >"$tmp/plain.out" 2>&1
	rc=$?
	sed 's/^/# plain: /' "$tmp/plain.out"
	check "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$tmp/plain.out' && grep -q 'plain run' '$tmp/plain.out'" \
		"plain: vouch run of the root's tar, no agent or harness tree: verdict passed"
	suite_tests --report "$tmp/plain/report.json" "$RESULT" >"$tmp/plain.tests"
	check "cmp -s '$tmp/native.tests' '$tmp/plain.tests'" \
		"plain: report.json has the same $(wc -l <"$tmp/native.tests") tests, each with the native run's status"
	rm -rf "$tmp/plain-cache" "$tmp/plain.tar"
}

# the tests of a result file or report, one "STATUS NAME" line each, sorted
suite_tests() { /usr/bin/python3 tests/suites/tests.py "$@"; }

suite_main() {
	vm_need qemu-system-x86_64 swtpm mmdebstrap unshare
	vm_built "$B/bin/vouch" "$B/bin/host-verify" "$B/guest/initramfs.cpio"
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP mmdebstrap and chroot need root"; exit 77; }
	vm_tmp --runs
	mkdir -p "$B/test-logs"
	local t0 t1 t2 t3 file sedscript name
	t0=$(date +%s)
	suite_root
	t1=$(date +%s)
	echo "# root: $root_tar ($([ "$root_cached" = 1 ] && echo cached || echo "made in $((t1 - t0)) s"))"

	suite_unpack "$tmp/native-root" || { echo "Bail out! cannot unpack $root_tar"; exit 99; }
	suite_native "$tmp/native-root"
	rm -rf "$tmp/native-root"
	check "[ -s '$tmp/native-$RESULT' ]" "native run in the root (chroot) wrote $RESULT"
	suite_tests "$tmp/native-$RESULT" >"$tmp/native.tests"
	local total failed
	total=$(wc -l <"$tmp/native.tests") failed=$(grep -c '^fail ' "$tmp/native.tests")
	echo "# native: $total tests, $failed failed, $(grep -c '^skip ' "$tmp/native.tests") skipped"
	check "[ $total -gt 0 ] && [ $failed -eq 0 ]" "native: the suite passes ($total tests)"

	t2=$(date +%s)
	suite_vm "$root_tar" pass
	t3=$(date +%s)
	sed 's/^/# /' "$tmp/pass.out"
	check "[ $rc -eq 0 ] && grep -q 'verdict: PASSED' '$tmp/pass.out'" \
		"vouch run (no kernel flags): verdict passed, exit 0 ($((t3 - t2)) s with the image)"
	suite_tests --report "$tmp/pass/report.json" "$RESULT" >"$tmp/vm.tests"
	echo "# vm: $(wc -l <"$tmp/vm.tests") tests, $(grep -c '^fail ' "$tmp/vm.tests") failed, $(grep -c '^skip ' "$tmp/vm.tests") skipped"
	check "diff '$tmp/native.tests' '$tmp/vm.tests' | head -20 | sed 's/^/# /'; cmp -s '$tmp/native.tests' '$tmp/vm.tests'" \
		"report.json: the same $total tests, each with the native run's status"
	suite_tests --junit "$tmp/pass/junit.xml" "$RESULT" >"$tmp/vm-junit.tests"
	check "cmp -s '$tmp/native.tests' '$tmp/vm-junit.tests'" "junit.xml: the same tests, each with the native run's status"
	check "/usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[\"counts\"]; sys.exit(c[\"tests\"] != $total or c[\"failed\"] != 0)' '$tmp/pass/report.json'" \
		"the verdict's counts: $total tests, none failed"

	IFS='|' read -r file sedscript name <<<"$INJECT"
	suite_unpack "$tmp/bad-root" || { echo "Bail out! cannot unpack $root_tar"; exit 99; }
	cp "$tmp/bad-root/$file" "$tmp/inject.orig"
	sed -i "$sedscript" "$tmp/bad-root/$file"
	check "! cmp -s '$tmp/inject.orig' '$tmp/bad-root/$file'" "one test of $file changed to fail"
	suite_vm "$tmp/bad-root" fail
	rm -rf "$tmp/bad-root"
	sed 's/^/# /' "$tmp/fail.out"
	check "[ $rc -eq 1 ] && grep -q 'verdict: TESTS FAILED' '$tmp/fail.out'" "the injected failure: verdict tests failed, exit 1"
	suite_tests --report "$tmp/fail/report.json" "$RESULT" >"$tmp/bad.tests"
	check "[ \"\$(grep '^fail ' '$tmp/bad.tests')\" = 'fail $name' ]" "report.json: exactly that test failed: $name"
	check "[ \"\$(sed 's/^fail /pass /' '$tmp/bad.tests' | sort)\" = \"\$(sort '$tmp/native.tests')\" ]" \
		"report.json: every other test as in the native run"
	[ -n "${PLAIN:-}" ] && suite_plain
	echo "# times: root $((t1 - t0)) s ($([ "$root_cached" = 1 ] && echo cached || echo cold)), attested run $((t3 - t2)) s"
	echo "1..$n"
	exit $fail
}
