/* SPDX-License-Identifier: MIT */
/*
 * Checkpoint signatures checked in parallel: a small pool of threads,
 * each with its own copy of the AK, checks the signatures the record pass
 * queues, and the record pass takes the results back strictly in the
 * order it queued them. Every signature is checked, with the same test as
 * one at a time (the TPMT_SIGNATURE decodes exactly, then ECDSA-SHA256 by
 * the AK over "vouch.checkpoint.v1" || head); only when they are checked
 * changes, never which one is reported first.
 */
#ifndef HV_CPSIG_H
#define HV_CPSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "err.h"

/* Checks queued and not yet taken, at most. */
#define CPSIG_MAX_PENDING 64u
/* Threads of one pool, at most. */
#define CPSIG_MAX_WORKERS 8u

struct cpsig;

/* A pool of workers threads (0: each check runs in the caller's thread
 * when its result is taken) for the AK ak, which the caller has checked.
 * The threads start with the fourth check queued; until then, and when
 * they cannot start, the caller's thread runs each check. */
int cpsig_open(const TPM2B_PUBLIC *ak, unsigned workers, struct cpsig **ret) MB_WARN_UNUSED;
void cpsig_close(struct cpsig *p);
/* The CPU count this process may run on, at most CPSIG_MAX_WORKERS. */
unsigned cpsig_default_workers(void);

/* Whether another check can be queued (fewer than CPSIG_MAX_PENDING). */
bool cpsig_can_submit(const struct cpsig *p);
size_t cpsig_pending(const struct cpsig *p);
/* Queues the check of sig (n bytes, kept by the caller until its result
 * is taken) over the chain head it signs, under the caller's tag. */
int cpsig_submit(struct cpsig *p, uint64_t tag, const uint8_t head[static 32], const uint8_t *sig,
		 size_t n) MB_WARN_UNUSED;
/* The oldest check not yet taken: 1 with its tag and whether the
 * signature is valid; 0 when none is queued, or, unless wait, when it is
 * not done yet (with wait, the caller checks it itself if no worker has
 * started it). */
int cpsig_take(struct cpsig *p, bool wait, uint64_t *ret_tag, bool *ret_ok);

#endif
