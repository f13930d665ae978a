/* SPDX-License-Identifier: MIT */
/* The session with guest-init, host side: the hello, the AK and its
 * credential, the records into the chain, the quote, TPM commands
 * through the relay's filter; and the end of a run whose VMM is gone. */
#ifndef VOUCH_SESSION_H
#define VOUCH_SESSION_H

#include <stdint.h>

#include "run.h"

/* Sends the hello (nonce, run spec, the platform log with a TPM device)
 * on the evidence channel. */
int session_hello(struct run *r);
/* Reads both channels until guest-init closes the evidence channel, the
 * deadline passes (res->vm_deadline) or the VMM is gone. */
int session_loop(struct run *r, int64_t deadline);
/* The run ends as soon as its VMM is gone: its status and the last lines
 * of its log in the result. MB_E_CLOSED. */
int session_vmm_gone(struct run *r, const char *when);

#endif
