/* SPDX-License-Identifier: MIT */
/* The Firecracker backend (vmm.h): its configuration file, checked field
 * by field against Firecracker's API definition (docs/firecracker.md),
 * started with --no-api; vsock only, the TPM always relayed. */
#ifndef VOUCH_FIRECRACKER_H
#define VOUCH_FIRECRACKER_H

#include <stdio.h>

#include "vmm.h"

int firecracker_check_opts(enum channel ch, bool tpm_device, unsigned cpus, unsigned memory_mib,
			   char *why, size_t cap);
/* Firecracker's whole configuration for s, as `firecracker --no-api
 * --config-file` reads it, to f. */
int firecracker_config(const struct vmm_spec *s, FILE *f);
int firecracker_start(const struct vmm_spec *s, struct vmm_proc *ret);
int firecracker_keep_logs(const char *dir, const char *out, bool failed, const char **ret_lost);

#endif
