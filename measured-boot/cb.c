// SPDX-License-Identifier: MIT
#include "cb.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "mb_limits.h"

/* What one cbor_stream_decode() call saw; the callbacks only record. */
struct head_ctx {
	struct cb_item it;
	int err;
};

/* The callbacks set only the fields that matter; cb_next reads them one
 * by one (a whole-struct copy right after narrow stores stalls). */
static void set(void *c, enum cb_type t, uint64_t u)
{
	struct head_ctx *h = c;

	h->it.type = t;
	h->it.u = u;
}

static void on_uint8(void *c, uint8_t v) { set(c, CB_UINT, v); }
static void on_uint16(void *c, uint16_t v) { set(c, CB_UINT, v); }
static void on_uint32(void *c, uint32_t v) { set(c, CB_UINT, v); }
static void on_uint64(void *c, uint64_t v) { set(c, CB_UINT, v); }
static void on_neg8(void *c, uint8_t v) { set(c, CB_NEGINT, v); }
static void on_neg16(void *c, uint16_t v) { set(c, CB_NEGINT, v); }
static void on_neg32(void *c, uint32_t v) { set(c, CB_NEGINT, v); }
static void on_neg64(void *c, uint64_t v) { set(c, CB_NEGINT, v); }

static void on_string(void *c, enum cb_type t, cbor_data s, size_t n)
{
	struct head_ctx *h = c;

	h->it.type = t;
	h->it.s = s;
	h->it.n = n;
}

static void on_bstr(void *c, cbor_data s, size_t n) { on_string(c, CB_BSTR, s, n); }
static void on_tstr(void *c, cbor_data s, size_t n) { on_string(c, CB_TSTR, s, n); }
static void on_array(void *c, size_t n) { set(c, CB_ARRAY, n); }
static void on_map(void *c, size_t n) { set(c, CB_MAP, n); }
static void on_bool(void *c, bool v) { set(c, CB_BOOL, v); }
static void on_null(void *c) { set(c, CB_NULL, 0); }
static void on_indef(void *c) { ((struct head_ctx *)c)->err = MB_E_INDEFINITE; }
static void on_unsupported(void *c) { ((struct head_ctx *)c)->err = MB_E_UNSUPPORTED; }
static void on_tag(void *c, uint64_t v) { (void)v; on_unsupported(c); }
static void on_float(void *c, float v) { (void)v; on_unsupported(c); }
static void on_double(void *c, double v) { (void)v; on_unsupported(c); }

static const struct cbor_callbacks head_callbacks = {
	.uint8 = on_uint8,
	.uint16 = on_uint16,
	.uint32 = on_uint32,
	.uint64 = on_uint64,
	.negint8 = on_neg8,
	.negint16 = on_neg16,
	.negint32 = on_neg32,
	.negint64 = on_neg64,
	.byte_string = on_bstr,
	.byte_string_start = on_indef,
	.string = on_tstr,
	.string_start = on_indef,
	.array_start = on_array,
	.indef_array_start = on_indef,
	.map_start = on_map,
	.indef_map_start = on_indef,
	.tag = on_tag,
	.float2 = on_float,
	.float4 = on_float,
	.float8 = on_double,
	.undefined = on_unsupported,
	.null = on_null,
	.boolean = on_bool,
	.indef_break = on_indef,
};

static size_t shortest_head(uint64_t arg)
{
	if (arg < 24)
		return 1;
	if (arg <= UINT8_MAX)
		return 2;
	if (arg <= UINT16_MAX)
		return 3;
	if (arg <= UINT32_MAX)
		return 5;
	return 9;
}

/* libcbor reports the whole size a string needs (head + length); a
 * declared length past our limit is "too large", not merely "short". A
 * "required" that does not exceed what we have means it wrapped around. */
static int short_input(uint8_t initial, size_t required, size_t left)
{
	unsigned major = initial >> 5, ai = initial & 0x1f;
	size_t head;

	if (required <= left)
		return MB_E_TOO_LARGE;
	if (major != 2 && major != 3)
		return MB_E_TRUNCATED;
	head = ai < 24 ? 1 : ai <= 27 ? 1 + (1u << (ai - 24)) : 1;
	if (required > head && required - head > MAX_CBOR_STRING_BYTES)
		return MB_E_TOO_LARGE;
	return MB_E_TRUNCATED;
}

bool cb_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t more;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			more = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (more > n - i - 1)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

int cb_next(struct cb_rd *r, struct cb_item *ret)
{
	struct head_ctx ctx;
	struct cbor_decoder_result res;
	size_t left = r->len - r->off;
	uint64_t arg;

	if (left == 0)
		return MB_E_TRUNCATED;
	ctx.it.type = CB_NONE;
	ctx.it.u = 0;
	ctx.it.s = NULL;
	ctx.it.n = 0;
	ctx.err = 0;
	res = cbor_stream_decode(r->p + r->off, left, &head_callbacks, &ctx);
	switch (res.status) {
	case CBOR_DECODER_FINISHED:
		break;
	case CBOR_DECODER_NEDATA:
		return short_input(r->p[r->off], res.required, left);
	default:
		return MB_E_MALFORMED;
	}
	if (ctx.err)
		return ctx.err;
	if (ctx.it.type == CB_NONE)
		return MB_E_UNSUPPORTED; /* simple values have no callback */
	if (res.read > left)
		return MB_E_MALFORMED;

	ctx.it.head = res.read;
	arg = ctx.it.u;
	if (ctx.it.type == CB_BSTR || ctx.it.type == CB_TSTR) {
		if (ctx.it.n > MAX_CBOR_STRING_BYTES)
			return MB_E_TOO_LARGE;
		ctx.it.head = res.read - ctx.it.n;
		arg = ctx.it.n;
		if (ctx.it.type == CB_TSTR && !cb_utf8_valid(ctx.it.s, ctx.it.n))
			return MB_E_UTF8;
	}
	if (ctx.it.type == CB_BOOL || ctx.it.type == CB_NULL)
		arg = 0;
	if (ctx.it.head != shortest_head(arg))
		return MB_E_NONCANONICAL;
	if ((ctx.it.type == CB_ARRAY || ctx.it.type == CB_MAP) &&
	    (ctx.it.u > r->max_items || ctx.it.u > left - res.read))
		return MB_E_TOO_LARGE; /* each element takes at least one byte */

	r->off += res.read;
	ret->type = ctx.it.type;
	ret->u = ctx.it.u;
	ret->s = ctx.it.s;
	ret->n = ctx.it.n;
	ret->head = ctx.it.head;
	return 0;
}

/* One open container while validating. */
struct frame {
	uint64_t left;      /* items still to read (keys and values for maps) */
	bool map;
	size_t last_key;    /* offset of the previous key, SIZE_MAX if none */
	size_t last_key_len;
};

static int key_order(const uint8_t *p, struct frame *f, size_t key_off, size_t key_len)
{
	if (f->last_key != SIZE_MAX) {
		size_t n = f->last_key_len < key_len ? f->last_key_len : key_len;
		int c = memcmp(p + f->last_key, p + key_off, n);

		/* bytewise lexicographic order of encoded keys: equal is a
		 * duplicate, greater is out of order */
		if (c > 0 || (c == 0 && f->last_key_len >= key_len))
			return MB_E_KEY_ORDER;
	}
	f->last_key = key_off;
	f->last_key_len = key_len;
	return 0;
}

int cb_validate(const uint8_t *p, size_t len, unsigned max_depth)
{
	return cb_validate_items(p, len, max_depth, MAX_CBOR_ITEMS);
}

int cb_validate_items(const uint8_t *p, size_t len, unsigned max_depth, size_t max_items)
{
	struct frame stack[MAX_CBOR_DEPTH + 1];
	struct cb_rd r = { p, len, 0, max_items };
	unsigned depth = 0;
	bool top_done = false;

	if (max_depth > MAX_CBOR_DEPTH)
		return MB_E_INVAL;
	while (!top_done) {
		struct cb_item it;
		size_t start = r.off;
		int e;

		e = cb_next(&r, &it);
		if (e < 0)
			return e;
		if (depth > 0) {
			struct frame *f = &stack[depth - 1];

			if (f->map && (f->left % 2) == 0) {
				size_t klen;

				if (it.type == CB_ARRAY || it.type == CB_MAP)
					return MB_E_TYPE; /* keys are scalars */
				klen = r.off - start;
				e = key_order(p, f, start, klen);
				if (e < 0)
					return e;
			}
			f->left--;
		}
		if (it.type == CB_ARRAY || it.type == CB_MAP) {
			if (depth == max_depth)
				return MB_E_TOO_DEEP;
			if (it.u > 0)
				stack[depth++] = (struct frame){
					.left = it.type == CB_MAP ? 2 * it.u : it.u,
					.map = it.type == CB_MAP,
					.last_key = SIZE_MAX,
				};
		}
		while (depth > 0 && stack[depth - 1].left == 0)
			depth--;
		if (depth == 0)
			top_done = true;
	}
	return r.off == len ? 0 : MB_E_TRAILING;
}

int cb_get_uint(struct cb_rd *r, uint64_t max, uint64_t *ret)
{
	struct cb_rd t = *r;
	struct cb_item it;
	int e = cb_next(&t, &it);

	if (e < 0)
		return e;
	if (it.type != CB_UINT)
		return MB_E_TYPE;
	if (it.u > max)
		return MB_E_RANGE;
	*r = t;
	*ret = it.u;
	return 0;
}

int cb_get_bool(struct cb_rd *r, bool *ret)
{
	struct cb_rd t = *r;
	struct cb_item it;
	int e = cb_next(&t, &it);

	if (e < 0)
		return e;
	if (it.type != CB_BOOL)
		return MB_E_TYPE;
	*r = t;
	*ret = it.u != 0;
	return 0;
}

static int get_string(struct cb_rd *r, enum cb_type type, size_t max,
		      const uint8_t **ret_p, size_t *ret_n)
{
	struct cb_rd t = *r;
	struct cb_item it;
	int e = cb_next(&t, &it);

	if (e < 0)
		return e;
	if (it.type != type)
		return MB_E_TYPE;
	if (it.n > max)
		return MB_E_TOO_LARGE;
	*r = t;
	*ret_p = it.s;
	*ret_n = it.n;
	return 0;
}

int cb_get_bstr(struct cb_rd *r, size_t max, const uint8_t **ret_p, size_t *ret_n)
{
	return get_string(r, CB_BSTR, max, ret_p, ret_n);
}

int cb_get_tstr(struct cb_rd *r, size_t max, const uint8_t **ret_p, size_t *ret_n)
{
	return get_string(r, CB_TSTR, max, ret_p, ret_n);
}

int cb_get_bstr_exact(struct cb_rd *r, uint8_t *dst, size_t n)
{
	struct cb_rd t = *r;
	const uint8_t *s;
	size_t sn;
	int e = get_string(&t, CB_BSTR, MAX_CBOR_STRING_BYTES, &s, &sn);

	if (e < 0)
		return e;
	if (sn != n)
		return MB_E_LENGTH;
	memcpy(dst, s, n);
	*r = t;
	return 0;
}

int cb_get_cstr(struct cb_rd *r, char *dst, size_t cap)
{
	struct cb_rd t = *r;
	const uint8_t *s;
	size_t sn;
	int e;

	if (cap == 0)
		return MB_E_INVAL;
	e = get_string(&t, CB_TSTR, cap - 1, &s, &sn);
	if (e < 0)
		return e;
	if (memchr(s, 0, sn))
		return MB_E_RANGE;
	memcpy(dst, s, sn);
	dst[sn] = 0;
	*r = t;
	return 0;
}

int cb_get_cstr_arena(struct cb_rd *r, struct cb_arena *a, size_t max, char **ret)
{
	struct cb_rd t = *r;
	const uint8_t *s;
	size_t sn;
	int e = get_string(&t, CB_TSTR, max, &s, &sn);

	if (e < 0)
		return e;
	if (memchr(s, 0, sn))
		return MB_E_RANGE;
	if (sn >= a->cap - a->used)
		return MB_E_TOO_LARGE;
	*ret = a->p + a->used;
	memcpy(*ret, s, sn);
	(*ret)[sn] = 0;
	a->used += sn + 1;
	*r = t;
	return 0;
}

int cb_get_array(struct cb_rd *r, size_t max, size_t *ret_n)
{
	struct cb_rd t = *r;
	struct cb_item it;
	int e = cb_next(&t, &it);

	if (e < 0)
		return e;
	if (it.type != CB_ARRAY)
		return MB_E_TYPE;
	if (it.u > max)
		return MB_E_TOO_LARGE;
	*r = t;
	*ret_n = (size_t)it.u;
	return 0;
}

int cb_get_cstr_array(struct cb_rd *r, struct cb_arena *a, size_t max_items, size_t max_len,
		      char **v, size_t *ret_n)
{
	size_t n;
	int e;

	if ((e = cb_get_array(r, max_items, &n)) < 0)
		return e;
	for (size_t i = 0; i < n; i++)
		if ((e = cb_get_cstr_arena(r, a, max_len, &v[i])) < 0)
			return e;
	v[n] = NULL;
	*ret_n = n;
	return 0;
}

int cb_end(const struct cb_rd *r)
{
	return r->off == r->len ? 0 : MB_E_TRAILING;
}

int cb_skip(struct cb_rd *r)
{
	uint64_t left[MAX_CBOR_DEPTH + 1];
	struct cb_rd t = *r;
	unsigned depth = 0;

	left[0] = 1;
	for (;;) {
		struct cb_item it;
		int e;

		while (depth > 0 && left[depth] == 0)
			depth--;
		if (depth == 0 && left[0] == 0)
			break;
		if ((e = cb_next(&t, &it)) < 0)
			return e;
		left[depth]--;
		if ((it.type == CB_ARRAY || it.type == CB_MAP) && it.u > 0) {
			if (depth == MAX_CBOR_DEPTH)
				return MB_E_TOO_DEEP;
			left[++depth] = it.type == CB_MAP ? 2 * it.u : it.u;
		}
	}
	*r = t;
	return 0;
}

int cb_map_begin(struct cb_rd *r, struct cb_map *m, size_t max)
{
	struct cb_rd t = *r;
	struct cb_item it;
	int e = cb_next(&t, &it);

	if (e < 0)
		return e;
	if (it.type != CB_MAP)
		return MB_E_TYPE;
	if (it.u > max)
		return MB_E_TOO_LARGE;
	*r = t;
	*m = (struct cb_map){ .n = (size_t)it.u };
	return 0;
}

int cb_map_next(struct cb_rd *r, struct cb_map *m, uint64_t *ret_key)
{
	uint64_t key;
	int e;

	if (m->i == m->n)
		return 0;
	e = cb_get_uint(r, UINT64_MAX, &key);
	if (e == MB_E_TYPE)
		return MB_E_UNKNOWN_KEY; /* our schemas only use uint keys */
	if (e < 0)
		return e;
	if (m->i > 0 && key <= m->last)
		return MB_E_KEY_ORDER;
	m->last = key;
	m->i++;
	if (key < 64)
		m->seen |= UINT64_C(1) << key;
	*ret_key = key;
	return 1;
}

int cb_map_require(const struct cb_map *m, uint64_t required)
{
	return (m->seen & required) == required ? 0 : MB_E_MISSING_KEY;
}

int cb_map_walk(struct cb_rd *r, size_t max, uint64_t required, cb_field_fn field, void *ctx,
		uint64_t *ret_seen)
{
	struct cb_map m;
	uint64_t key;
	int e;

	if ((e = cb_map_begin(r, &m, max)) < 0)
		return e;
	while ((e = cb_map_next(r, &m, &key)) > 0)
		if ((e = field(r, key, ctx)) < 0)
			return e;
	if (e < 0 || (e = cb_map_require(&m, required)) < 0)
		return e;
	if (ret_seen)
		*ret_seen = m.seen;
	return 0;
}

/* ---- writer ---- */

void cb_wr_init(struct cb_wr *w, uint8_t *buf, size_t cap)
{
	*w = (struct cb_wr){ .p = buf, .cap = cap, .alloc = buf ? cap : 0, .heap = buf == NULL };
}

void cb_wr_free(struct cb_wr *w)
{
	if (w->heap)
		free(w->p);
	w->p = NULL;
	w->len = w->alloc = 0;
}

static uint8_t *reserve(struct cb_wr *w, size_t n)
{
	if (w->err)
		return NULL;
	if (n > w->cap - w->len) {
		w->err = MB_E_TOO_LARGE;
		return NULL;
	}
	if (n > w->alloc - w->len) {
		size_t want = w->alloc ? w->alloc : 256;
		uint8_t *np;

		while (want - w->len < n)
			want = want > w->cap / 2 ? w->cap : want * 2;
		np = realloc(w->p, want);
		if (!np) {
			w->err = MB_E_NOMEM;
			return NULL;
		}
		w->p = np;
		w->alloc = want;
	}
	return w->p + w->len;
}

/* libcbor's encoders return 0 when the buffer is short; our reserve() has
 * already made room for the longest head (9 bytes). */
#define PUT_HEAD(w, call)                                   \
	do {                                                \
		uint8_t *d_ = reserve((w), 9);              \
		size_t n_;                                  \
		if (!d_)                                    \
			break;                              \
		n_ = call;                                  \
		if (n_ == 0)                                \
			(w)->err = MB_E_TOO_LARGE;          \
		(w)->len += n_;                             \
	} while (0)

void cb_put_uint(struct cb_wr *w, uint64_t v) { PUT_HEAD(w, cbor_encode_uint(v, d_, 9)); }
void cb_put_bool(struct cb_wr *w, bool v) { PUT_HEAD(w, cbor_encode_bool(v, d_, 9)); }
void cb_put_null(struct cb_wr *w) { PUT_HEAD(w, cbor_encode_null(d_, 9)); }
void cb_put_array(struct cb_wr *w, size_t n) { PUT_HEAD(w, cbor_encode_array_start(n, d_, 9)); }
void cb_put_map(struct cb_wr *w, size_t n) { PUT_HEAD(w, cbor_encode_map_start(n, d_, 9)); }

void cb_put_raw(struct cb_wr *w, const void *p, size_t n)
{
	uint8_t *d = reserve(w, n);

	if (!d)
		return;
	if (n)
		memcpy(d, p, n);
	w->len += n;
}

void cb_put_bstr(struct cb_wr *w, const void *p, size_t n)
{
	PUT_HEAD(w, cbor_encode_bytestring_start(n, d_, 9));
	cb_put_raw(w, p, n);
}

void cb_put_tstr(struct cb_wr *w, const void *p, size_t n)
{
	PUT_HEAD(w, cbor_encode_string_start(n, d_, 9));
	cb_put_raw(w, p, n);
}

void cb_put_cstr(struct cb_wr *w, const char *s)
{
	cb_put_tstr(w, s, strlen(s));
}

void cb_put_cstr_array(struct cb_wr *w, char *const *v, size_t n)
{
	cb_put_array(w, n);
	for (size_t i = 0; i < n; i++)
		cb_put_cstr(w, v[i]);
}

int cb_wr_finish(const struct cb_wr *w, size_t *ret_len)
{
	if (w->err)
		return w->err;
	*ret_len = w->len;
	return 0;
}
