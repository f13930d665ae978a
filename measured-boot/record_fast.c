// SPDX-License-Identifier: MIT
#include "record_fast.h"

#include <string.h>

#include "cb.h"

/* A record's bytes as the strict decoder accepts them (record.c,
 * schemas/record.cddl): a map of exactly five keys 0..4 in order, each key
 * one byte, every head in its shortest form. */
#define MAP5 0xa5
#define MAP3 0xa3
#define MAP1 0xa1
#define FALSE_ 0xf4
#define TRUE_ 0xf5

/* The same bounded reader as cb_rd, without libcbor: each step either
 * takes exactly what the strict decoder would take, or fails. */
struct fast_rd {
	const uint8_t *p;
	size_t len, off;
};

static bool take_byte(struct fast_rd *r, uint8_t b)
{
	if (r->off == r->len || r->p[r->off] != b)
		return false;
	r->off++;
	return true;
}

/* One head of the major type, definite and in its shortest form. */
static bool take_head(struct fast_rd *r, unsigned major, uint64_t *ret)
{
	unsigned ai;
	size_t n;
	uint64_t v = 0;

	if (r->off == r->len || r->p[r->off] >> 5 != major)
		return false;
	ai = r->p[r->off] & 0x1f;
	if (ai < 24) {
		r->off++;
		*ret = ai;
		return true;
	}
	if (ai > 27) /* reserved, or indefinite */
		return false;
	n = (size_t)1 << (ai - 24);
	if (n > r->len - r->off - 1)
		return false;
	for (size_t i = 1; i <= n; i++)
		v = v << 8 | r->p[r->off + i];
	/* 1, 2, 4, 8 bytes hold what a shorter head cannot: >= 24, 2^8, 2^16, 2^32 */
	if (v < (n == 1 ? 24 : UINT64_C(1) << (4 * n)))
		return false;
	r->off += 1 + n;
	*ret = v;
	return true;
}

static bool take_uint(struct fast_rd *r, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (!take_head(r, 0, &v) || v > max)
		return false;
	*ret = v;
	return true;
}

/* A byte (major 2) or text (major 3) string of at most max bytes. */
static bool take_string(struct fast_rd *r, unsigned major, size_t max, const uint8_t **ret_p, size_t *ret_n)
{
	uint64_t n;

	if (!take_head(r, major, &n) || n > max || n > MAX_CBOR_STRING_BYTES || n > r->len - r->off)
		return false;
	if (major == 3 && !cb_utf8_valid(r->p + r->off, (size_t)n))
		return false;
	*ret_p = r->p + r->off;
	*ret_n = (size_t)n;
	r->off += (size_t)n;
	return true;
}

static bool take_bool(struct fast_rd *r, bool *ret)
{
	if (r->off == r->len || (r->p[r->off] != FALSE_ && r->p[r->off] != TRUE_))
		return false;
	*ret = r->p[r->off++] == TRUE_;
	return true;
}

/* { 0: num, 1: ok, 2: desc } or { 0: num, 1: ok, 2: desc, 3: directive, 4: reason } */
static bool take_test(struct fast_rd *r, struct record *rec)
{
	bool full = take_byte(r, MAP5);
	uint64_t dir;

	if (!full && !take_byte(r, MAP3))
		return false;
	if (!take_byte(r, 0) || !take_uint(r, UINT64_MAX, &rec->u.test.num) || !take_byte(r, 1) ||
	    !take_bool(r, &rec->u.test.ok) || !take_byte(r, 2) ||
	    !take_string(r, 3, MAX_TEXT_BYTES, &rec->u.test.desc, &rec->u.test.desc_len))
		return false;
	if (!full)
		return true;
	/* the directive is never "none": that is the three-key form */
	if (!take_byte(r, 3) || !take_uint(r, DIRECTIVE_TODO, &dir) || dir == DIRECTIVE_NONE || !take_byte(r, 4) ||
	    !take_string(r, 3, MAX_TEXT_BYTES, &rec->u.test.reason, &rec->u.test.reason_len))
		return false;
	rec->u.test.directive = (uint32_t)dir;
	return true;
}

static bool take_body(struct fast_rd *r, struct record *rec)
{
	switch (rec->kind) {
	case REC_STDOUT:
	case REC_STDERR:
	case REC_RESULTS:
		return take_string(r, 2, MAX_CHUNK_BYTES, &rec->u.chunk.p, &rec->u.chunk.n);
	case REC_TEST:
		return take_test(r, rec);
	case REC_CHECKPOINT:
		return take_byte(r, MAP1) && take_byte(r, 0) &&
		       take_string(r, 2, MAX_TEXT_BYTES, &rec->u.checkpoint.sig, &rec->u.checkpoint.sig_len);
	default:
		return false; /* the rare kinds, and kind 0: the strict decoder reads them */
	}
}

bool record_fast_decode(const uint8_t *p, size_t len, struct record *ret)
{
	struct fast_rd r = { p, len, 0 };
	struct record rec;
	const uint8_t *prev;
	size_t prev_len;
	uint64_t kind;

	if (len > MAX_RECORD_BYTES)
		return false;
	memset(&rec, 0, sizeof(rec));
	if (!take_byte(&r, MAP5) || !take_byte(&r, 0) || !take_uint(&r, MAX_RECORDS - 1, &rec.seq) ||
	    !take_byte(&r, 1) || !take_string(&r, 2, SHA256_BYTES, &prev, &prev_len) || prev_len != SHA256_BYTES ||
	    !take_byte(&r, 2) || !take_uint(&r, UINT64_MAX, &rec.time_ns) || !take_byte(&r, 3) ||
	    !take_uint(&r, REC_KIND_MAX_, &kind) || !take_byte(&r, 4))
		return false;
	memcpy(rec.prev, prev, SHA256_BYTES);
	rec.kind = (uint32_t)kind;
	if (!take_body(&r, &rec) || r.off != len) /* nothing after the record */
		return false;
	*ret = rec;
	return true;
}
