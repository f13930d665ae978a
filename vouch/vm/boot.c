// SPDX-License-Identifier: MIT
#include "boot.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mb_limits.h"
#include "verity.h"
#include "proc.h"

int boot_cmdline_verity(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm,
			enum channel ch, const struct boot_verity *verity)
{
	char chan[128];

	char v[1 + sizeof(VERITY_SPEC_KEY) + VERITY_SPEC_BYTES + sizeof(VERITY_TREES_WORD)] = "";
	char spec[VERITY_SPEC_BYTES];
	int e;

	if (strcmp(fstype, "ext4") != 0 && strcmp(fstype, "erofs") != 0)
		return MB_E_RANGE;
	if (verity) {
		if (verity->offset % VERITY_BLOCK_BYTES != 0 ||
		    (e = verity_spec_format(spec, verity->offset / VERITY_BLOCK_BYTES, verity->root)) < 0)
			return MB_E_RANGE;
		snprintf(v, sizeof(v), " " VERITY_SPEC_KEY "%s%s", spec,
			 verity->trees ? " " VERITY_TREES_WORD : "");
	}
	if (vmm == VMM_FIRECRACKER) {
		if (tpm_device || ch != CHANNEL_VSOCK)
			return MB_E_INVAL;
		/* reboot=k: a guest reboot ends Firecracker, power-off does not */
		return pathf(out, cap,
			     "console=ttyS0 reboot=k panic=1 pci=off quiet 8250.nr_uarts=1 "
			     "cryptomgr.notests random.trust_cpu=on vouch.channel=vsock:%u "
			     "vouch.tpm=vsock:%u vouch.root=/dev/vda vouch.rootfstype=%s%s",
			     VSOCK_EVIDENCE_PORT, VSOCK_TPM_PORT, fstype, v);
	}
	if (ch == CHANNEL_VSOCK)
		snprintf(chan, sizeof(chan), tpm_device ? "vouch.channel=vsock:%u vouch.tpm=device"
							: "vouch.channel=vsock:%u vouch.tpm=vsock:%u",
			 VSOCK_EVIDENCE_PORT, VSOCK_TPM_PORT);
	else
		snprintf(chan, sizeof(chan), "vouch.channel=vport:vouch.evidence vouch.tpm=%s",
			 tpm_device ? "device" : "vport:vouch.tpm");
	/* arguments that help under TCG: no timer calibration loops, no
	 * crypto self-tests, one UART. The clock is the HPET: under TCG the
	 * guest's TSC runs at the host's rate, and a guest whose vCPU was
	 * held off the host's cores while it calibrated it got a frequency
	 * many times too low, a clock running as much too fast, and the
	 * harness cut at its deadline by a clock that had counted 1200 s in
	 * 47 (tests/suites/ on a busy host). The HPET counts QEMU's own clock. */
	return pathf(out, cap,
		     "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check clocksource=hpet 8250.nr_uarts=1 "
		     "cryptomgr.notests random.trust_cpu=on %s vouch.root=/dev/vda vouch.rootfstype=%s%s",
		     chan, fstype, v);
}

int boot_cmdline(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm,
		 enum channel ch)
{
	return boot_cmdline_verity(out, cap, fstype, tpm_device, vmm, ch, NULL);
}
