/* SPDX-License-Identifier: MIT */
/* The QEMU backend (vmm.h): q35 under TCG, virtio-serial or vsock through
 * vhost-device-vsock, the TPM relayed or as tpm-crb. */
#ifndef VOUCH_QEMU_H
#define VOUCH_QEMU_H

#include "vmm.h"

int qemu_check_opts(enum channel ch, bool tpm_device, unsigned cpus, unsigned memory_mib, char *why,
		    size_t cap);
int qemu_start(const struct vmm_spec *s, struct vmm_proc *ret);
int qemu_keep_logs(const char *dir, const char *out, bool failed, const char **ret_lost);

#endif
