// SPDX-License-Identifier: MIT
#include "record.h"

#include <string.h>

#include "record_fast.h"
#include "sha256.h"

/* A record's map keys (record.cddl), and those of its bodies. The bodies
 * of phase, limit, exit and end are maps of uints keyed 0..n-1 in the
 * order named here. */
enum { R_SEQ = 0, R_PREV = 1, R_TIME = 2, R_KIND = 3, R_BODY = 4, R_KEYS_ };
enum { K_TEST_NUM = 0, K_TEST_OK, K_TEST_DESC, K_TEST_DIRECTIVE, K_TEST_REASON, K_TEST_KEYS_ };
enum { K_FILE_NAME = 0, K_FILE_OFFSET, K_FILE_DATA, K_FILE_LAST, K_FILE_KEYS_ };
enum { K_CHECKPOINT_SIG = 0, K_CHECKPOINT_KEYS_ };
enum { K_PHASE = 0, K_PHASE_KEYS_ };
enum { K_LIMIT_WHAT = 0, K_LIMIT_VALUE, K_LIMIT_KEYS_ };
enum { K_EXIT_CODE = 0, K_EXIT_SIGNAL, K_EXIT_KEYS_ };
enum { K_END_REASON = 0, K_END_KEYS_ };
enum { K_REFUSED_PATH = 0, K_REFUSED_WHY, K_REFUSED_KEYS_ };

#define TEST_REQUIRED (CB_KEY(K_TEST_NUM) | CB_KEY(K_TEST_OK) | CB_KEY(K_TEST_DESC))
#define TEST_DIRECTIVE (CB_KEY(K_TEST_DIRECTIVE) | CB_KEY(K_TEST_REASON)) /* both or neither */
#define CHAIN_TAG "vouch.chain.v1"

static void encode_test(const struct record *rec, struct cb_wr *w)
{
	bool has_dir = rec->u.test.directive != DIRECTIVE_NONE;

	cb_put_map(w, has_dir ? K_TEST_KEYS_ : K_TEST_DIRECTIVE /* the keys before it */);
	cb_put_uint(w, K_TEST_NUM);
	cb_put_uint(w, rec->u.test.num);
	cb_put_uint(w, K_TEST_OK);
	cb_put_bool(w, rec->u.test.ok);
	cb_put_uint(w, K_TEST_DESC);
	cb_put_tstr(w, rec->u.test.desc, rec->u.test.desc_len);
	if (has_dir) {
		cb_put_uint(w, K_TEST_DIRECTIVE);
		cb_put_uint(w, rec->u.test.directive);
		cb_put_uint(w, K_TEST_REASON);
		cb_put_tstr(w, rec->u.test.reason, rec->u.test.reason_len);
	}
}

/* A body map whose keys 0..n-1 are the uints v[0..n-1]. */
static void encode_uints(struct cb_wr *w, size_t n, const uint64_t *v)
{
	cb_put_map(w, n);
	for (size_t k = 0; k < n; k++) {
		cb_put_uint(w, k);
		cb_put_uint(w, v[k]);
	}
}

static void encode_body(const struct record *rec, struct cb_wr *w)
{
	switch (rec->kind) {
	case REC_PHASE:
		encode_uints(w, K_PHASE_KEYS_, (const uint64_t[]){ [K_PHASE] = rec->u.phase.phase });
		break;
	case REC_STDOUT:
	case REC_STDERR:
	case REC_RESULTS:
		cb_put_bstr(w, rec->u.chunk.p, rec->u.chunk.n);
		break;
	case REC_TEST:
		encode_test(rec, w);
		break;
	case REC_CHECKPOINT:
		cb_put_map(w, K_CHECKPOINT_KEYS_);
		cb_put_uint(w, K_CHECKPOINT_SIG);
		cb_put_bstr(w, rec->u.checkpoint.sig, rec->u.checkpoint.sig_len);
		break;
	case REC_LIMIT:
		encode_uints(w, K_LIMIT_KEYS_, (const uint64_t[]){ [K_LIMIT_WHAT] = rec->u.limit.what,
								  [K_LIMIT_VALUE] = rec->u.limit.value });
		break;
	case REC_EXIT:
		encode_uints(w, K_EXIT_KEYS_, (const uint64_t[]){ [K_EXIT_CODE] = rec->u.exit.code,
								 [K_EXIT_SIGNAL] = rec->u.exit.signal });
		break;
	case REC_FILE:
		cb_put_map(w, K_FILE_KEYS_);
		cb_put_uint(w, K_FILE_NAME);
		cb_put_tstr(w, rec->u.file.name, rec->u.file.name_len);
		cb_put_uint(w, K_FILE_OFFSET);
		cb_put_uint(w, rec->u.file.offset);
		cb_put_uint(w, K_FILE_DATA);
		cb_put_bstr(w, rec->u.file.p, rec->u.file.n);
		cb_put_uint(w, K_FILE_LAST);
		cb_put_bool(w, rec->u.file.last);
		break;
	case REC_END:
		encode_uints(w, K_END_KEYS_, (const uint64_t[]){ [K_END_REASON] = rec->u.end.reason });
		break;
	case REC_REFUSED:
		cb_put_map(w, K_REFUSED_KEYS_);
		cb_put_uint(w, K_REFUSED_PATH);
		cb_put_tstr(w, rec->u.refused.path, rec->u.refused.path_len);
		cb_put_uint(w, K_REFUSED_WHY);
		cb_put_uint(w, rec->u.refused.why);
		break;
	default:
		w->err = MB_E_KIND;
	}
}

void record_encode(const struct record *rec, struct cb_wr *w)
{
	cb_put_map(w, R_KEYS_);
	cb_put_uint(w, R_SEQ);
	cb_put_uint(w, rec->seq);
	cb_put_uint(w, R_PREV);
	cb_put_bstr(w, rec->prev, SHA256_BYTES);
	cb_put_uint(w, R_TIME);
	cb_put_uint(w, rec->time_ns);
	cb_put_uint(w, R_KIND);
	cb_put_uint(w, rec->kind);
	cb_put_uint(w, R_BODY);
	encode_body(rec, w);
}

/* A body map whose keys 0..n-1 are all uints. */
static int decode_uints(struct cb_rd *r, size_t n, const uint64_t *max, uint64_t *ret)
{
	struct cb_map m;
	uint64_t key, v[4];
	int e;

	if ((e = cb_map_begin(r, &m, n)) < 0)
		return e;
	while ((e = cb_map_next(r, &m, &key)) > 0) {
		if (key >= n)
			return MB_E_UNKNOWN_KEY;
		if ((e = cb_get_uint(r, max[key], &v[key])) < 0)
			return e;
	}
	if (e < 0)
		return e;
	if ((e = cb_map_require(&m, CB_KEYS_BELOW(n))) < 0)
		return e;
	memcpy(ret, v, n * sizeof(v[0]));
	return 0;
}

static int test_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct record *rec = ctx;
	uint64_t v = 0;
	int e;

	switch (key) {
	case K_TEST_NUM:
		return cb_get_uint(r, UINT64_MAX, &rec->u.test.num);
	case K_TEST_OK:
		return cb_get_bool(r, &rec->u.test.ok);
	case K_TEST_DESC:
		return cb_get_tstr(r, MAX_TEXT_BYTES, &rec->u.test.desc, &rec->u.test.desc_len);
	case K_TEST_DIRECTIVE:
		/* present only when not "none": the default is never encoded */
		if ((e = cb_get_uint(r, DIRECTIVE_TODO, &v)) == 0 && v == DIRECTIVE_NONE)
			e = MB_E_RANGE;
		rec->u.test.directive = (uint32_t)v;
		return e;
	case K_TEST_REASON:
		return cb_get_tstr(r, MAX_TEXT_BYTES, &rec->u.test.reason, &rec->u.test.reason_len);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int decode_test(struct cb_rd *r, struct record *rec)
{
	uint64_t seen;
	int e;

	if ((e = cb_map_walk(r, K_TEST_KEYS_, TEST_REQUIRED, test_field, rec, &seen)) < 0)
		return e;
	/* directive and reason come together or not at all */
	if ((seen & TEST_DIRECTIVE) != 0 && (seen & TEST_DIRECTIVE) != TEST_DIRECTIVE)
		return MB_E_MISSING_KEY;
	return 0;
}

static int file_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct record *rec = ctx;

	switch (key) {
	case K_FILE_NAME:
		return cb_get_tstr(r, MAX_TEXT_BYTES, &rec->u.file.name, &rec->u.file.name_len);
	case K_FILE_OFFSET:
		return cb_get_uint(r, UINT32_MAX, &rec->u.file.offset);
	case K_FILE_DATA:
		return cb_get_bstr(r, MAX_FILE_RECORD_BYTES, &rec->u.file.p, &rec->u.file.n);
	case K_FILE_LAST:
		return cb_get_bool(r, &rec->u.file.last);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int checkpoint_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct record *rec = ctx;

	if (key != K_CHECKPOINT_SIG)
		return MB_E_UNKNOWN_KEY;
	return cb_get_bstr(r, MAX_TEXT_BYTES, &rec->u.checkpoint.sig, &rec->u.checkpoint.sig_len);
}

static int refused_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct record *rec = ctx;
	uint64_t v = 0;
	int e;

	switch (key) {
	case K_REFUSED_PATH:
		return cb_get_tstr(r, MAX_PATH_BYTES, &rec->u.refused.path, &rec->u.refused.path_len);
	case K_REFUSED_WHY:
		if ((e = cb_get_uint(r, REFUSED_MAX_, &v)) == 0 && v == 0)
			e = MB_E_RANGE;
		rec->u.refused.why = (uint32_t)v;
		return e;
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int decode_body(struct cb_rd *r, struct record *rec)
{
	uint64_t v[2], seen;
	int e;

	switch (rec->kind) {
	case REC_PHASE:
		if ((e = decode_uints(r, K_PHASE_KEYS_, (const uint64_t[]){ [K_PHASE] = PHASE_MAX_ }, v)) < 0)
			return e;
		if (v[K_PHASE] == 0)
			return MB_E_RANGE;
		rec->u.phase.phase = (uint32_t)v[K_PHASE];
		return 0;
	case REC_STDOUT:
	case REC_STDERR:
	case REC_RESULTS:
		return cb_get_bstr(r, MAX_CHUNK_BYTES, &rec->u.chunk.p, &rec->u.chunk.n);
	case REC_TEST:
		return decode_test(r, rec);
	case REC_CHECKPOINT:
		return cb_map_walk(r, K_CHECKPOINT_KEYS_, CB_KEY(K_CHECKPOINT_SIG), checkpoint_field, rec, &seen);
	case REC_LIMIT:
		if ((e = decode_uints(r, K_LIMIT_KEYS_, (const uint64_t[]){ [K_LIMIT_WHAT] = LIMIT_MAX_,
									    [K_LIMIT_VALUE] = UINT64_MAX }, v)) < 0)
			return e;
		if (v[K_LIMIT_WHAT] == 0)
			return MB_E_RANGE;
		rec->u.limit.what = (uint32_t)v[K_LIMIT_WHAT];
		rec->u.limit.value = v[K_LIMIT_VALUE];
		return 0;
	case REC_EXIT:
		if ((e = decode_uints(r, K_EXIT_KEYS_, (const uint64_t[]){ [K_EXIT_CODE] = 255,
									   [K_EXIT_SIGNAL] = 64 }, v)) < 0)
			return e;
		rec->u.exit.code = (uint32_t)v[K_EXIT_CODE];
		rec->u.exit.signal = (uint32_t)v[K_EXIT_SIGNAL];
		return 0;
	case REC_FILE:
		return cb_map_walk(r, K_FILE_KEYS_, CB_KEYS_BELOW(K_FILE_KEYS_), file_field, rec, &seen);
	case REC_REFUSED:
		return cb_map_walk(r, K_REFUSED_KEYS_, CB_KEYS_BELOW(K_REFUSED_KEYS_), refused_field, rec, &seen);
	case REC_END:
		if ((e = decode_uints(r, K_END_KEYS_, (const uint64_t[]){ [K_END_REASON] = END_MAX_ }, v)) < 0)
			return e;
		rec->u.end.reason = (uint32_t)v[K_END_REASON];
		return 0;
	default:
		return MB_E_KIND;
	}
}

static int decode_record(const uint8_t *p, size_t len, struct record *ret)
{
	struct record rec;
	struct cb_rd r;
	struct cb_map m;
	uint64_t key, v = 0;
	int e;

	memset(&rec, 0, sizeof(rec));
	cb_rd_init(&r, p, len);
	if ((e = cb_map_begin(&r, &m, R_KEYS_)) < 0)
		return e;
	while ((e = cb_map_next(&r, &m, &key)) > 0) {
		switch (key) {
		case R_SEQ:
			e = cb_get_uint(&r, MAX_RECORDS - 1, &rec.seq);
			break;
		case R_PREV:
			e = cb_get_bstr_exact(&r, rec.prev, SHA256_BYTES);
			break;
		case R_TIME:
			e = cb_get_uint(&r, UINT64_MAX, &rec.time_ns);
			break;
		case R_KIND:
			if ((e = cb_get_uint(&r, UINT32_MAX, &v)) == 0 &&
			    (v == 0 || v > REC_KIND_MAX_))
				e = MB_E_KIND;
			rec.kind = (uint32_t)v;
			break;
		case R_BODY:
			/* keys are in order, so kind is known by now if present */
			e = (m.seen & CB_KEY(R_KIND)) ? decode_body(&r, &rec) : MB_E_MISSING_KEY;
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			return e;
	}
	if (e < 0)
		return e;
	if ((e = cb_map_require(&m, CB_KEYS_BELOW(R_KEYS_))) < 0)
		return e;
	if ((e = cb_end(&r)) < 0)
		return e;
	*ret = rec;
	return 0;
}

/* The schema decoder alone reads every item through the same strict
 * reader, so it accepts exactly what validation and schema together
 * accept; only when it refuses does the validation pass run, so that a
 * malformed record is reported as malformed (depth, encoding) rather than
 * as the first type it did not expect. */
int record_decode_strict(const uint8_t *p, size_t len, struct record *ret)
{
	int e, v;

	if (len > MAX_RECORD_BYTES)
		return MB_E_TOO_LARGE;
	e = decode_record(p, len, ret);
	if (e == 0)
		return 0;
	v = cb_validate(p, len, 2);
	return v < 0 ? v : e;
}

/* Records are the hot path: the common shapes are read by the fast path,
 * which accepts a subset of what the strict decoder accepts, with the
 * same result; whatever it declines, the strict decoder decides. */
int record_decode(const uint8_t *p, size_t len, struct record *ret)
{
	if (record_fast_decode(p, len, ret))
		return 0;
	return record_decode_strict(p, len, ret);
}

int chain_init(struct chain *c, const uint8_t nonce[static 32])
{
	uint8_t head[SHA256_BYTES];
	int e = sha256_cat(CHAIN_TAG, sizeof(CHAIN_TAG) - 1, nonce, NONCE_BYTES, head);

	if (e < 0)
		return e;
	c->next_seq = 0;
	memcpy(c->head, head, sizeof(head));
	return 0;
}

int chain_seal(struct chain *c, struct record *rec, struct cb_wr *w)
{
	uint8_t head[SHA256_BYTES];
	size_t start = w->len, end;
	int e;

	if (c->next_seq >= MAX_RECORDS)
		return MB_E_LIMIT;
	rec->seq = c->next_seq;
	memcpy(rec->prev, c->head, SHA256_BYTES);
	record_encode(rec, w);
	if ((e = cb_wr_finish(w, &end)) < 0)
		return e;
	if (end - start > MAX_RECORD_BYTES)
		return MB_E_TOO_LARGE;
	if ((e = sha256_buf(w->p + start, end - start, head)) < 0)
		return e;
	memcpy(c->head, head, SHA256_BYTES);
	c->next_seq++;
	return 0;
}

int chain_accept(struct chain *c, const uint8_t *p, size_t len, struct record *ret)
{
	uint8_t head[SHA256_BYTES];
	struct record rec;
	int e = record_decode(p, len, &rec);

	if (e < 0)
		return e;
	if (rec.seq != c->next_seq)
		return MB_E_SEQUENCE;
	if (memcmp(rec.prev, c->head, SHA256_BYTES) != 0)
		return MB_E_CHAIN;
	if ((e = sha256_buf(p, len, head)) < 0)
		return e;
	memcpy(c->head, head, SHA256_BYTES);
	c->next_seq++;
	*ret = rec;
	return 0;
}

void record_checkpoint_message(const uint8_t head[static 32], uint8_t out[static CHECKPOINT_MSG_BYTES])
{
	memcpy(out, CHECKPOINT_TAG, sizeof(CHECKPOINT_TAG) - 1);
	memcpy(out + sizeof(CHECKPOINT_TAG) - 1, head, SHA256_BYTES);
}
