#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --vmm auto, the default of vouch run and vouch launch: Firecracker only
# where a firecracker binary is on PATH and KVM works, else QEMU with one
# line on stderr saying why. Seen through --print-vmm-config, which prints
# Firecracker's configuration and refuses QEMU: nothing boots. The KVM
# device is VOUCH_KVM_DEVICE where a case needs one that cannot work.
set -u
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
V=$B/bin/vouch
[ -x "$V" ] || { echo "Bail out! $V not built"; exit 99; }
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
mkdir "$T/empty" "$T/fake" "$T/noexec"
printf '#!/bin/sh\nexit 1\n' >"$T/fake/firecracker"
chmod +x "$T/fake/firecracker"
printf '#!/bin/sh\nexit 1\n' >"$T/noexec/firecracker"

n=0 fail=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# auto NAME PATH KVM_DEVICE [options]: vouch launch --print-vmm-config
# with that PATH and KVM device; exit status in rc, stderr in $T/NAME.err
auto() {
	local name=$1 path=$2 kvm=$3
	shift 3
	PATH=$path VOUCH_KVM_DEVICE=$kvm "$V" launch --kernel k --initrd i --rootfs r --print-vmm-config "$@" \
		-- /bin/true >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	sed 's/^/# /' "$T/$name.err"
}
# qemu NAME WHY: auto chose QEMU and said WHY as the first line, then
# --print-vmm-config refused it (exit 64)
qemu() {
	check "[ $rc -eq 64 ] && [ \"\$(head -n 1 '$T/$1.err')\" = 'vouch launch: using QEMU: $2' ] &&
	       grep -q 'is for --vmm firecracker' '$T/$1.err' && [ ! -s '$T/$1.out' ]" "$1: QEMU, because $2"
}

auto nobin "$T/empty" /dev/kvm
qemu nobin "no firecracker binary on PATH"
auto noexec "$T/noexec" /dev/kvm
qemu noexec "no firecracker binary on PATH"
auto nokvm "$T/empty:$T/fake" "$T/no-kvm"
qemu nokvm "$T/no-kvm: No such file or directory"
auto notkvm "$T/fake" /dev/null
qemu notkvm "/dev/null: not KVM (KVM_GET_API_VERSION: Inappropriate ioctl for device)"

# an option Firecracker refuses rules it out before KVM is looked at
auto tpmdev "$T/fake" "$T/no-kvm" --tpm device
qemu tpmdev "--tpm device: Firecracker has no TPM device (the relay is the only way)"
auto serial "$T/fake" "$T/no-kvm" --channel virtio-serial
qemu serial "--channel virtio-serial: Firecracker has vsock only"
auto cpus "$T/fake" "$T/no-kvm" --cpus 33
qemu cpus "--cpus 33: Firecracker takes 1 to 32"

# this host's own /dev/kvm, with a firecracker on PATH: Firecracker only
# when KVM opens and the CPU shows vmx or svm (a paravirtual KVM, PVM,
# opens and makes VMs but hangs our guest kernels)
auto host "$T/fake" /dev/kvm
if [ ! -e /dev/kvm ]; then
	qemu host "/dev/kvm: No such file or directory"
elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
	first=$(head -n 1 "$T/host.err")
	check "[ $rc -eq 64 ] && case '$first' in 'vouch launch: using QEMU: /dev/kvm: '*) true ;; *) false ;; esac" \
		"host: no vmx or svm here: QEMU, with /dev/kvm's reason"
else
	# Firecracker's configuration and no line, or QEMU with /dev/kvm's reason
	first=$(head -n 1 "$T/host.err")
	check "{ [ $rc -eq 0 ] && [ ! -s '$T/host.err' ] && grep -q '\"vsock\"' '$T/host.out'; } ||
	       { [ $rc -eq 64 ] && case '$first' in 'vouch launch: using QEMU: /dev/kvm: '*) true ;; *) false ;; esac; }" \
		"host: vmx or svm here: Firecracker, or QEMU with /dev/kvm's reason"
fi

# an explicit --vmm is never second-guessed
auto explicit "$T/empty" "$T/no-kvm" --vmm firecracker
check "[ $rc -eq 0 ] && [ ! -s '$T/explicit.err' ] && grep -q '\"vsock\"' '$T/explicit.out'" \
	"--vmm firecracker: its configuration, no probe, no line"
auto qemu "$T/empty" "$T/no-kvm" --vmm auto --vmm qemu
check "[ $rc -eq 64 ] && ! grep -q 'using QEMU' '$T/qemu.err'" "--vmm qemu after --vmm auto: QEMU, no line"
auto fcflags "$T/empty" "$T/no-kvm" --vmm firecracker --vmm auto
qemu fcflags "no firecracker binary on PATH"
echo "1..$n"
exit $fail
