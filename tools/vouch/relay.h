/* SPDX-License-Identifier: MIT */
/*
 * The host end of the TPM relay: raw TPM commands from guest-init, in
 * frames, forwarded to swtpm, each response framed back. Commands the
 * guest has no business sending (resets, hierarchy and NV changes,
 * extends of the launcher's PCRs) never reach the TPM.
 */
#ifndef VOUCH_RELAY_H
#define VOUCH_RELAY_H

#include <stdint.h>

#include "frame.h"
#include "tcti.h"

/* 0 when a response (the TPM's or a refusal) went back to the guest. */
int relay_command(struct tcti_stream *tpm, int guest_fd, const struct frame *cmd);
/* 1 when the command may pass, 0 when it must be refused. */
int relay_allowed(const uint8_t *cmd, size_t n);

#endif
