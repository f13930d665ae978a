/* SPDX-License-Identifier: MIT */
/* One run's state, shared by the launcher's steps: the flow (launch.c),
 * the session with guest-init (session.c), the evidence written out
 * (evidence.c). Private to vouch/vm. */
#ifndef VOUCH_RUN_H
#define VOUCH_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "cb.h"
#include "evlog.h"
#include "frame.h"
#include "launch.h"
#include "record.h"
#include "tcti.h"
#include "vmm.h"
#include "vtpm.h"

struct run {
	const struct launch_opts *o;
	struct launch_result *res;
	char dir[PATH_MAX];
	struct vtpm tpm;
	TPM2B_PUBLIC ek;
	struct vmm_proc vm;     /* the VMM, and its vsock backend under QEMU */
	int ev_listen, tr_listen, ev_fd, tr_fd, swtpm_fd;
	struct frame_reader ev_rd, tr_rd;
	struct tcti_stream swtpm;
	uint8_t nonce[NONCE_BYTES];
	uint8_t secret[32];
	bool secret_sent;
	struct chain chain;
	int chain_err;
	struct cb_wr records;   /* every record as received, concatenated */
	size_t *rec_end;        /* where each record ends in records */
	size_t nrec, rec_cap;
	TPM2B_NAME ak_name;     /* computed here, never taken from the guest */
	struct cb_wr platform;  /* the launcher's event log */
	struct evlog plog;
	uint8_t *runspec; size_t runspec_len;
	uint8_t *quote; size_t quote_len;
	TPM2B_PUBLIC ak;
	bool have_ak;
	char cmdline[1024];
	int64_t t0;
};

/* Set by SIGINT or SIGTERM during a run: every wait ends. */
extern volatile sig_atomic_t run_interrupted;

/* A live line on stdout, with the seconds since the run began (none with
 * --quiet). */
void run_live(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
