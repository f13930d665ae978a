/* SPDX-License-Identifier: MIT */
/*
 * The host end of the TPM relay: raw TPM commands from guest-init, in
 * frames, forwarded to swtpm, each response framed back. Only the command
 * codes guest-init's own TPM work sends pass (an allowlist, each code
 * with its reason); PCR_Extend passes only for the guest's PCRs 11-13.
 * Everything else is answered with a TPM error response and never
 * reaches the TPM: PCRs 8 and 9 (the launcher's) cannot change after the
 * launcher extended them, whatever the guest sends.
 */
#ifndef VOUCH_RELAY_H
#define VOUCH_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "tcti.h"

/* What the relay makes of one command. */
struct relay_verdict {
	uint32_t rc;     /* 0: forward it; else the TPM response code the guest gets */
	uint32_t cc;     /* the command code, 0 when the header did not parse */
	uint32_t handle; /* the handle refused, when rc is TPM_RC_HANDLE */
	const char *why; /* one line: the allowlist's reason, or why it was refused */
};

/* One allowlist entry: the command code, how many handles its handle
 * area holds, and what guest-init needs it for. */
struct relay_rule {
	uint32_t cc;
	uint8_t handles;
	uint8_t check; /* what the first handle must be (relay.c) */
	const char *name, *why;
};

/* Pure: decides from the bytes alone, no TPM and no state. Every field of
 * *ret is written. A command passes only when its header is well formed
 * (tag, size equal to n, n within TPM_HEADER_BYTES..MAX_TPM_MSG_BYTES),
 * its code is on the allowlist, its handle area is present, and its
 * handle passes the entry's check. */
void relay_check(const uint8_t *cmd, size_t n, struct relay_verdict *ret);
/* The allowlist, for tests and documentation. */
const struct relay_rule *relay_allowlist(size_t *ret_n);

/* A refused command was answered with a TPM error (the launcher counts
 * these; relay_check on the same frame says which and why). */
#define RELAY_REFUSED 1
/* 0 when the TPM's response went back to the guest, RELAY_REFUSED when a
 * refusal did, or a negative MB_E_* error. */
int relay_command(struct tcti_stream *tpm, int guest_fd, const struct frame *cmd);

#endif
