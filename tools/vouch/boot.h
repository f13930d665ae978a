/* SPDX-License-Identifier: MIT */
/* The kernel command line of a vouch VM: one function, so that what the
 * launcher boots and what a manifest pins cannot drift apart. */
#ifndef VOUCH_BOOT_H
#define VOUCH_BOOT_H

#include <stdbool.h>
#include <stddef.h>

enum vmm { VMM_QEMU = 0, VMM_FIRECRACKER = 1 };

#define VSOCK_EVIDENCE_PORT 1024u
#define VSOCK_TPM_PORT 1025u

/* Firecracker has no TPM device: with it, the TPM is always relayed. */
int boot_cmdline(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm);

#endif
