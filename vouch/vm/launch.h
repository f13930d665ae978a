/* SPDX-License-Identifier: MIT */
/*
 * One attested run: setup (a fresh swtpm, the platform measurements, the
 * channels' sockets), the VMM (vmm.h: QEMU or Firecracker), the session
 * with guest-init over the evidence channel and the TPM relay, and the
 * evidence written out. Every process and file
 * it made is gone when it returns, whatever happened.
 */
#ifndef VOUCH_LAUNCH_H
#define VOUCH_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "boot.h"
#include "record.h"
#include "runspec.h"

struct launch_opts {
	const char *kernel, *initrd, *rootfs, *rootfstype;
	const char *out_dir;     /* evidence goes here */
	const char *cache_root;
	bool tpm_device;         /* tpm-crb instead of the relay */
	unsigned memory_mib, cpus;
	unsigned vm_timeout_s;   /* hard deadline for the whole VM */
	bool quiet;              /* no live lines */
	int vmm;                 /* enum vmm */
	bool vmm_auto;           /* --vmm auto: vmm chosen by vmm_auto() ... */
	char vmm_why[256];       /* ... and why it is QEMU */
	int channel;             /* enum channel */
	bool channel_set;        /* --channel given */
	bool print_vmm_config;   /* print the VMM's configuration, run nothing */
	struct runspec *rs;      /* what to run */
	const struct boot_verity *verity; /* root read through dm-verity, or NULL */
	const uint8_t *rootfs_digest;     /* the image's SHA-256 when already computed */
};

/* Outcome of the session, before any verification. */
struct launch_result {
	uint64_t records;
	uint64_t tests_ok, tests_not_ok;
	bool have_quote;
	bool activated;
	bool vm_deadline;
	bool cut;                 /* the harness hit a limit */
	int exit_code;            /* harness exit code, -1 if none */
	int exit_signal;
	char error[256];          /* guest-init's fatal error, if it sent one */
	char host_error[320];     /* the launcher's failed step and its cause */
	char vmm_log[1024];       /* the last lines of a VMM's log, when it died */
	uint64_t relay_refused;   /* TPM commands the relay refused */
	uint64_t total_ms;
	uint64_t phase_ns[PHASE_MAX_ + 1]; /* guest clock (since its kernel started) */
};

extern const char *const launch_phase_names[];

int launch_run(const struct launch_opts *o, struct launch_result *ret);

#endif
