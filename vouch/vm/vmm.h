/* SPDX-License-Identifier: MIT */
/* What the launcher knows of its VMMs before it starts one: the options
 * each refuses (refused here first, with the limit named) and, after one
 * died, the last words of its log. */
#ifndef VOUCH_VMM_H
#define VOUCH_VMM_H

#include <stdbool.h>
#include <stddef.h>

#include "boot.h"

/* Firecracker's machine-config (swagger: vcpu_count 1..32; a
 * mem_size_mib of 0 is refused at start). */
#define FIRECRACKER_MAX_VCPUS 32u
/* QEMU's q35 machine (MachineClass max_cpus in QEMU 7.2). */
#define QEMU_Q35_MAX_CPUS 288u

/* 0 when vmm takes these options, else MB_E_RANGE with why (a sentence
 * naming the option and the backend's limit) filled. */
int vmm_check_opts(enum vmm vmm, enum channel ch, bool tpm_device, unsigned cpus,
		   unsigned memory_mib, char *why, size_t cap);

/* The last nlines lines of the file at path (at most cap - 1 bytes,
 * NUL-terminated, control bytes other than newline shown as '?'). */
int vmm_log_tail(const char *path, unsigned nlines, char *out, size_t cap);

#endif
