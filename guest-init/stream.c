// SPDX-License-Identifier: MIT
/*
 * Records out: each one sealed into the hash chain and sent at once, with
 * a TPM-signed checkpoint at least every N records or T milliseconds once
 * the AK exists, so that a cut stream still proves what arrived.
 */
#include <string.h>

#include "gi.h"

static uint8_t recbuf[MAX_RECORD_BYTES];

static int send_sealed(struct record *rec)
{
	struct cb_wr w;
	int e;

	cb_wr_init(&w, recbuf, sizeof(recbuf));
	if ((e = chain_seal(&G.chain, rec, &w)) < 0)
		return e;
	return frame_write(G.chan_fd, FRAME_RECORD, recbuf, w.len);
}

static int checkpoint(void)
{
	uint8_t sig[512];
	size_t sig_len = sizeof(sig);
	struct record rec = { .kind = REC_CHECKPOINT };
	int e;

	if ((e = G.checkpoint_sign(G.chain.head, sig, &sig_len)) < 0)
		return e;
	rec.time_ns = gi_now_ns();
	rec.u.checkpoint.sig = sig;
	rec.u.checkpoint.sig_len = sig_len;
	G.since_checkpoint = 0;
	G.last_checkpoint_ns = rec.time_ns;
	return send_sealed(&rec);
}

int gi_emit(struct record *rec)
{
	int e;

	if (!rec->time_ns)
		rec->time_ns = gi_now_ns();
	if ((e = send_sealed(rec)) < 0)
		return e;
	G.since_checkpoint++;
	if (G.checkpoint_sign && rec->kind != REC_END &&
	    (G.since_checkpoint >= G.cfg.checkpoint_records ||
	     rec->time_ns - G.last_checkpoint_ns >= (uint64_t)G.cfg.checkpoint_ms * 1000000u))
		return checkpoint();
	return 0;
}

int gi_emit_phase(uint32_t phase)
{
	struct record rec = { .kind = REC_PHASE, .u.phase.phase = phase };

	return gi_emit(&rec);
}

int gi_emit_output(uint32_t kind, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k = n > MAX_CHUNK_BYTES ? MAX_CHUNK_BYTES : n;
		struct record rec = { .kind = kind, .u.chunk = { p, k } };
		int e = gi_emit(&rec);

		if (e < 0)
			return e;
		p += k;
		n -= k;
	}
	return 0;
}
