/* SPDX-License-Identifier: MIT */
/*
 * Strict CBOR on top of libcbor: a bounded reader that accepts only the
 * deterministic subset every vouch format uses (RFC 8949 section 4.2.1:
 * definite lengths, shortest heads, map keys in bytewise order, no
 * duplicates) plus unsigned/negative integers, byte and UTF-8 text
 * strings, arrays, maps, booleans and null; and a writer over libcbor's
 * encoders, which produce exactly that subset.
 */
#ifndef MB_CB_H
#define MB_CB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mb_limits.h"

enum cb_type {
	CB_NONE = 0,
	CB_UINT,
	CB_NEGINT,
	CB_BSTR,
	CB_TSTR,
	CB_ARRAY,
	CB_MAP,
	CB_BOOL,
	CB_NULL,
};

struct cb_rd {
	const uint8_t *p;
	size_t len, off;
	/* elements in one array or map: MAX_CBOR_ITEMS, unless a decoder
	 * raises it for the one field whose schema allows more (the
	 * bundle's records array) and puts it back after */
	size_t max_items;
};

struct cb_item {
	enum cb_type type;
	uint64_t u;       /* integer value, bool, or element count */
	const uint8_t *s; /* string bytes (points into the input) */
	size_t n;         /* string length */
	size_t head;      /* bytes of the item's head */
};

static inline void cb_rd_init(struct cb_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->max_items = MAX_CBOR_ITEMS;
}

/* Exactly one well-formed deterministic item, nested at most max_depth,
 * and nothing after it. Run this on untrusted bytes before any schema. */
int cb_validate(const uint8_t *p, size_t len, unsigned max_depth) MB_WARN_UNUSED;
/* The same with another limit on the elements of one array or map, for
 * a format with one field larger than MAX_CBOR_ITEMS; its decoder then
 * holds every other field to its own limit. */
int cb_validate_items(const uint8_t *p, size_t len, unsigned max_depth, size_t max_items) MB_WARN_UNUSED;

int cb_next(struct cb_rd *r, struct cb_item *ret) MB_WARN_UNUSED;
int cb_get_uint(struct cb_rd *r, uint64_t max, uint64_t *ret) MB_WARN_UNUSED;
int cb_get_bool(struct cb_rd *r, bool *ret) MB_WARN_UNUSED;
int cb_get_bstr(struct cb_rd *r, size_t max, const uint8_t **ret_p, size_t *ret_n) MB_WARN_UNUSED;
int cb_get_bstr_exact(struct cb_rd *r, uint8_t *dst, size_t n) MB_WARN_UNUSED;
int cb_get_tstr(struct cb_rd *r, size_t max, const uint8_t **ret_p, size_t *ret_n) MB_WARN_UNUSED;
/* Copies a text string into dst as a NUL-terminated C string; refuses
 * embedded NULs. cap includes the terminator. */
int cb_get_cstr(struct cb_rd *r, char *dst, size_t cap) MB_WARN_UNUSED;
/* A string arena: text strings copied out NUL-terminated, for decoders
 * whose results outlive the input buffer. */
struct cb_arena {
	char *p;
	size_t cap, used;
};
int cb_get_cstr_arena(struct cb_rd *r, struct cb_arena *a, size_t max, char **ret) MB_WARN_UNUSED;
int cb_get_array(struct cb_rd *r, size_t max, size_t *ret_n) MB_WARN_UNUSED;
/* An array of at most max_items text strings (each at most max_len
 * bytes), copied into the arena; v gets a NULL after the last (so it has
 * room for max_items + 1). */
int cb_get_cstr_array(struct cb_rd *r, struct cb_arena *a, size_t max_items, size_t max_len,
		      char **v, size_t *ret_n) MB_WARN_UNUSED;
int cb_end(const struct cb_rd *r) MB_WARN_UNUSED;
/* Steps over one whole item (at most MAX_CBOR_DEPTH deep): for splitting a
 * CBOR sequence into its items. */
int cb_skip(struct cb_rd *r) MB_WARN_UNUSED;

/* Maps with unsigned integer keys, strictly increasing. */
struct cb_map {
	size_t n, i;
	uint64_t last;
	uint64_t seen; /* bit k set when key k < 64 was read */
};
int cb_map_begin(struct cb_rd *r, struct cb_map *m, size_t max) MB_WARN_UNUSED;
/* 1 and *ret_key when a key was read, 0 when the map is done. */
int cb_map_next(struct cb_rd *r, struct cb_map *m, uint64_t *ret_key) MB_WARN_UNUSED;
/* MB_E_MISSING_KEY unless every bit of required is in m->seen. */
int cb_map_require(const struct cb_map *m, uint64_t required) MB_WARN_UNUSED;
/* The bit of key k in cb_map.seen, and the bits of every key below n. */
#define CB_KEY(k) (UINT64_C(1) << (k))
#define CB_KEYS_BELOW(n) (CB_KEY(n) - 1)
/* One value of a map, read by its key: MB_E_UNKNOWN_KEY for a key the
 * schema does not have. */
typedef int (*cb_field_fn)(struct cb_rd *r, uint64_t key, void *ctx);
/* A whole map of at most max keys: each value read by field (the first
 * error ends it), then every key of required present. ret_seen (may be
 * NULL): the keys read, as cb_map.seen. */
int cb_map_walk(struct cb_rd *r, size_t max, uint64_t required, cb_field_fn field, void *ctx,
		uint64_t *ret_seen) MB_WARN_UNUSED;

bool cb_utf8_valid(const uint8_t *s, size_t n);

/* Writer. Errors are sticky: check once with cb_wr_finish(). A writer
 * with buf == NULL grows on the heap up to cap bytes. */
struct cb_wr {
	uint8_t *p;
	size_t cap, len, alloc;
	int err;
	bool heap;
};

void cb_wr_init(struct cb_wr *w, uint8_t *buf, size_t cap);
void cb_wr_free(struct cb_wr *w);
void cb_put_uint(struct cb_wr *w, uint64_t v);
void cb_put_bool(struct cb_wr *w, bool v);
void cb_put_null(struct cb_wr *w);
void cb_put_bstr(struct cb_wr *w, const void *p, size_t n);
void cb_put_tstr(struct cb_wr *w, const void *p, size_t n);
void cb_put_cstr(struct cb_wr *w, const char *s);
void cb_put_cstr_array(struct cb_wr *w, char *const *v, size_t n);
void cb_put_array(struct cb_wr *w, size_t n);
void cb_put_map(struct cb_wr *w, size_t n);
/* Append bytes that are already one encoded item. */
void cb_put_raw(struct cb_wr *w, const void *p, size_t n);
int cb_wr_finish(const struct cb_wr *w, size_t *ret_len) MB_WARN_UNUSED;

#endif
