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
/* Whether line (n bytes, without its newline) is one of Firecracker's own
 * log lines, which share its stdout with the guest's serial console:
 * "2025-01-31T12:00:00.123456789 [anonymous-instance:main] message", the
 * time with nine digits of nanoseconds, then "[instance:thread...] ". */
bool firecracker_log_line(const char *line, size_t n);
/* Copies the lines of the file at from to console (the guest's) and to
 * log (Firecracker's own, firecracker_log_line); log is not made when
 * there are none. */
int firecracker_split_console(const char *from, const char *console, const char *log);
int firecracker_keep_logs(const char *dir, const char *out, bool failed, const char **ret_lost);

#endif
