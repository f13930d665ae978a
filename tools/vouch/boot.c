// SPDX-License-Identifier: MIT
#include "boot.h"

#include <string.h>

#include "err.h"
#include "proc.h"

int boot_cmdline(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm)
{
	if (strcmp(fstype, "ext4") != 0 && strcmp(fstype, "erofs") != 0)
		return MB_E_RANGE;
	if (vmm == VMM_FIRECRACKER) {
		if (tpm_device)
			return MB_E_INVAL;
		/* reboot=k: a guest reboot ends Firecracker, power-off does not */
		return pathf(out, cap,
			     "console=ttyS0 reboot=k panic=1 pci=off quiet 8250.nr_uarts=1 "
			     "cryptomgr.notests random.trust_cpu=on vouch.channel=vsock:%u "
			     "vouch.tpm=vsock:%u vouch.root=/dev/vda vouch.rootfstype=%s",
			     VSOCK_EVIDENCE_PORT, VSOCK_TPM_PORT, fstype);
	}
	/* arguments that help under TCG: no timer calibration loops, no
	 * crypto self-tests, one UART */
	return pathf(out, cap,
		     "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check 8250.nr_uarts=1 "
		     "cryptomgr.notests random.trust_cpu=on vouch.channel=vport:vouch.evidence "
		     "vouch.tpm=%s vouch.root=/dev/vda vouch.rootfstype=%s",
		     tpm_device ? "device" : "vport:vouch.tpm", fstype);
}
