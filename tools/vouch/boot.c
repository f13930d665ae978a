// SPDX-License-Identifier: MIT
#include "boot.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mb_limits.h"
#include "proc.h"

int boot_cmdline_verity(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm,
			const struct boot_verity *verity)
{
	char v[sizeof(" vouch.verity=:") + 20 + 64] = "";
	int n = 0;

	if (strcmp(fstype, "ext4") != 0 && strcmp(fstype, "erofs") != 0)
		return MB_E_RANGE;
	if (verity) {
		if (verity->offset == 0 || verity->offset % VERITY_BLOCK_BYTES != 0 ||
		    verity->offset / VERITY_BLOCK_BYTES > MAX_VERITY_DATA_BLOCKS)
			return MB_E_RANGE;
		n = snprintf(v, sizeof(v), " vouch.verity=%llu:",
			     (unsigned long long)(verity->offset / VERITY_BLOCK_BYTES));
		for (size_t i = 0; i < sizeof(verity->root); i++)
			n += snprintf(v + n, sizeof(v) - (size_t)n, "%02x", verity->root[i]);
	}
	if (vmm == VMM_FIRECRACKER) {
		if (tpm_device)
			return MB_E_INVAL;
		/* reboot=k: a guest reboot ends Firecracker, power-off does not */
		return pathf(out, cap,
			     "console=ttyS0 reboot=k panic=1 pci=off quiet 8250.nr_uarts=1 "
			     "cryptomgr.notests random.trust_cpu=on vouch.channel=vsock:%u "
			     "vouch.tpm=vsock:%u vouch.root=/dev/vda vouch.rootfstype=%s%s",
			     VSOCK_EVIDENCE_PORT, VSOCK_TPM_PORT, fstype, v);
	}
	/* arguments that help under TCG: no timer calibration loops, no
	 * crypto self-tests, one UART */
	return pathf(out, cap,
		     "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check 8250.nr_uarts=1 "
		     "cryptomgr.notests random.trust_cpu=on vouch.channel=vport:vouch.evidence "
		     "vouch.tpm=%s vouch.root=/dev/vda vouch.rootfstype=%s%s",
		     tpm_device ? "device" : "vport:vouch.tpm", fstype, v);
}

int boot_cmdline(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm)
{
	return boot_cmdline_verity(out, cap, fstype, tpm_device, vmm, NULL);
}
