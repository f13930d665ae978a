/* SPDX-License-Identifier: MIT */
/*
 * A TCTI over a byte stream, in two forms:
 *  - raw: TPM command bytes out, response bytes in, as swtpm's socket
 *    server takes them (the host's connection to swtpm);
 *  - framed: each command in a FRAME_TPM_CMD frame, each response in a
 *    FRAME_TPM_RSP frame (guest-init's relay over the host channel, for
 *    VMMs without a TPM device).
 * Both check the response's size field against what arrived and a limit.
 */
#ifndef MB_TCTI_H
#define MB_TCTI_H

#include <stdint.h>

#include <tss2/tss2_tcti.h>

#include "err.h"
#include "frame.h"
#include "mb_limits.h"

enum tcti_mode { TCTI_RAW = 1, TCTI_FRAMED = 2 };

struct tcti_stream {
	TSS2_TCTI_CONTEXT_COMMON_V2 common; /* first: tpm2-tss casts to it */
	int fd;
	enum tcti_mode mode;
	int timeout_ms;                /* per response */
	struct frame_reader *reader;   /* framed mode: shared with the channel */
	uint8_t rsp[MAX_TPM_MSG_BYTES];
	size_t rsp_len;
	int state; /* 0 idle, 1 command sent, 2 response held */
	int last_err;
};

/* reader is used in framed mode only (may be NULL in raw mode). In framed
 * mode, frames other than TPM responses arriving meanwhile are an error:
 * the protocol never interleaves them. */
void tcti_stream_init(struct tcti_stream *t, int fd, enum tcti_mode mode,
		      struct frame_reader *reader, int timeout_ms);

static inline TSS2_TCTI_CONTEXT *tcti_stream_ctx(struct tcti_stream *t)
{
	return (TSS2_TCTI_CONTEXT *)t;
}

#endif
