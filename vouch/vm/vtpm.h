/* SPDX-License-Identifier: MIT */
/*
 * The virtual TPM of a run. A TPM state with an EK and an EK certificate
 * from a local CA is made once per host (swtpm_setup costs over a second)
 * and kept in the cache with its EK public key; each run starts swtpm on
 * a copy of it. PCRs start clean at every startup; freshness comes from
 * the nonce and a new AK.
 */
#ifndef VOUCH_VTPM_H
#define VOUCH_VTPM_H

#include <limits.h>
#include <sys/types.h>

#include <tss2/tss2_tpm2_types.h>

struct vtpm {
	char state[PATH_MAX];  /* this run's copy */
	char sock[PATH_MAX];   /* raw TPM commands (relay mode) */
	char ctrl[PATH_MAX];   /* control channel (QEMU's tpm-crb) */
	pid_t pid;
	char why[256];         /* which step failed and why, after an error */
};

/* Makes (or finds) the provisioned state under cache_root; fills in its
 * directory and the EK public key. Returns 0 or an MB_E_* code. */
int vtpm_provision(const char *cache_root, char *ret_dir, size_t cap, TPM2B_PUBLIC *ret_ek);
/* Starts swtpm on a copy of the provisioned state in run_dir. With
 * for_device, QEMU will own it through the control channel; otherwise
 * swtpm serves raw commands on sock, already started up. */
int vtpm_start(struct vtpm *t, const char *provisioned, const char *run_dir, int for_device);
void vtpm_stop(struct vtpm *t);
/* A connection to swtpm's command socket: fd or MB_E_*. */
int vtpm_connect(const char *path);

#endif
