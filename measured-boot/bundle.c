// SPDX-License-Identifier: MIT
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

enum {
	B_VERSION = 0, B_NONCE, B_RUNSPEC, B_PLATFORM, B_RECORDS, B_EK, B_AK, B_ACTIVATION,
	B_QUOTE, B_TPM, B_INCOMPLETE, B_KEYS_
};
#define B_REQUIRED ((1u << B_VERSION) | (1u << B_NONCE) | (1u << B_RUNSPEC) | \
		    (1u << B_PLATFORM) | (1u << B_RECORDS) | (1u << B_EK) | (1u << B_TPM))

/* Everything before the records' items, ending with the array's head. */
static void encode_head(const struct bundle *b, struct cb_wr *w)
{
	size_t keys = 7 + b->has_ak + b->has_activation + b->has_quote + (b->incomplete[0] != 0);

	cb_put_map(w, keys);
	cb_put_uint(w, B_VERSION);
	cb_put_uint(w, BUNDLE_VERSION);
	cb_put_uint(w, B_NONCE);
	cb_put_bstr(w, b->nonce, NONCE_BYTES);
	cb_put_uint(w, B_RUNSPEC);
	cb_put_bstr(w, b->runspec.p, b->runspec.n);
	cb_put_uint(w, B_PLATFORM);
	cb_put_bstr(w, b->platform_log.p, b->platform_log.n);
	cb_put_uint(w, B_RECORDS);
	cb_put_array(w, b->nrecords);
}

/* Everything after the records. */
static void encode_tail(const struct bundle *b, struct cb_wr *w)
{
	cb_put_uint(w, B_EK);
	cb_put_bstr(w, b->ek.p, b->ek.n);
	if (b->has_ak) {
		cb_put_uint(w, B_AK);
		cb_put_bstr(w, b->ak.p, b->ak.n);
	}
	if (b->has_activation) {
		cb_put_uint(w, B_ACTIVATION);
		cb_put_map(w, 2);
		cb_put_uint(w, 0);
		cb_put_bstr(w, b->ak_name.p, b->ak_name.n);
		cb_put_uint(w, 1);
		cb_put_bstr(w, b->activation_sig, sizeof(b->activation_sig));
	}
	if (b->has_quote) {
		cb_put_uint(w, B_QUOTE);
		cb_put_bstr(w, b->quote.p, b->quote.n);
	}
	cb_put_uint(w, B_TPM);
	cb_put_cstr(w, b->tpm_device ? "device" : "relay");
	if (b->incomplete[0]) {
		cb_put_uint(w, B_INCOMPLETE);
		cb_put_cstr(w, b->incomplete);
	}
}

void bundle_encode(const struct bundle *b, struct cb_wr *w)
{
	encode_head(b, w);
	for (size_t i = 0; i < b->nrecords; i++)
		cb_put_bstr(w, b->records[i].p, b->records[i].n);
	encode_tail(b, w);
}

/* Encodes what fn puts and writes it. The writer may grow past any field's
 * limit: a field out of bounds is written as it is, for the reader to
 * refuse (bundle-malformed), rather than lost. */
static int put_part(FILE *f, void (*fn)(const struct bundle *, struct cb_wr *), const struct bundle *b)
{
	struct cb_wr w;
	size_t n;
	int e;

	cb_wr_init(&w, NULL, (size_t)64 << 20);
	fn(b, &w);
	if ((e = cb_wr_finish(&w, &n)) == 0 && n > 0 && fwrite(w.p, 1, n, f) != n)
		e = MB_E_IO;
	cb_wr_free(&w);
	return e;
}

/* A byte string's head is an unsigned integer's with major type 2. */
static int put_bstr_head(FILE *f, size_t len)
{
	uint8_t h[9];
	struct cb_wr w;
	size_t n;
	int e;

	cb_wr_init(&w, h, sizeof(h));
	cb_put_uint(&w, len);
	if ((e = cb_wr_finish(&w, &n)) < 0)
		return e;
	h[0] |= 0x40;
	return fwrite(h, 1, n, f) == n ? 0 : MB_E_IO;
}

int bundle_write(const struct bundle *b, FILE *f)
{
	int e = put_part(f, encode_head, b);

	/* each record from where it is: never a second copy of them */
	for (size_t i = 0; i < b->nrecords && e == 0; i++)
		if ((e = put_bstr_head(f, b->records[i].n)) == 0 && b->records[i].n > 0 &&
		    fwrite(b->records[i].p, 1, b->records[i].n, f) != b->records[i].n)
			e = MB_E_IO;
	if (e == 0)
		e = put_part(f, encode_tail, b);
	if (e == 0 && fflush(f) != 0)
		e = MB_E_IO;
	return e;
}

static int get_bytes(struct cb_rd *r, size_t max, struct bytes *ret)
{
	return cb_get_bstr(r, max, &ret->p, &ret->n);
}

static int decode_activation(struct cb_rd *r, struct bundle *b)
{
	struct cb_map m;
	uint64_t key;
	int e;

	if ((e = cb_map_begin(r, &m, 2)) < 0)
		return e;
	while ((e = cb_map_next(r, &m, &key)) > 0) {
		if (key == 0)
			e = get_bytes(r, 68, &b->ak_name);
		else if (key == 1)
			e = cb_get_bstr_exact(r, b->activation_sig, sizeof(b->activation_sig));
		else
			e = MB_E_UNKNOWN_KEY;
		if (e < 0)
			return e;
	}
	if (e < 0 || (e = cb_map_require(&m, 0x3)) < 0)
		return e;
	b->has_activation = true;
	return 0;
}

static int decode_records(struct cb_rd *r, struct bundle *b)
{
	size_t n;
	int e;

	/* the one container the schema lets past MAX_CBOR_ITEMS */
	r->max_items = MAX_RECORDS;
	e = cb_get_array(r, MAX_RECORDS, &n);
	r->max_items = MAX_CBOR_ITEMS;
	if (e < 0)
		return e;
	b->records = calloc(n ? n : 1, sizeof(*b->records));
	if (!b->records)
		return MB_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		if ((e = get_bytes(r, MAX_RECORD_BYTES, &b->records[i])) < 0)
			return e;
	b->nrecords = n;
	return 0;
}

static int decode_key(struct cb_rd *r, uint64_t key, struct bundle *b)
{
	uint64_t v = 0;
	char tpm[8];
	int e;

	switch (key) {
	case B_VERSION:
		if ((e = cb_get_uint(r, UINT32_MAX, &v)) < 0)
			return e;
		return v == BUNDLE_VERSION ? 0 : MB_E_VERSION;
	case B_NONCE:
		return cb_get_bstr_exact(r, b->nonce, NONCE_BYTES);
	case B_RUNSPEC:
		return get_bytes(r, MAX_RUNSPEC_BYTES, &b->runspec);
	case B_PLATFORM:
		return get_bytes(r, MAX_EVENTS * 128u, &b->platform_log);
	case B_RECORDS:
		return decode_records(r, b);
	case B_EK:
		return get_bytes(r, 1024, &b->ek);
	case B_AK:
		b->has_ak = true;
		return get_bytes(r, 1024, &b->ak);
	case B_ACTIVATION:
		return decode_activation(r, b);
	case B_QUOTE:
		b->has_quote = true;
		return get_bytes(r, 64u * 1024u, &b->quote);
	case B_TPM:
		if ((e = cb_get_cstr(r, tpm, sizeof(tpm))) < 0)
			return e;
		if (strcmp(tpm, "device") != 0 && strcmp(tpm, "relay") != 0)
			return MB_E_RANGE;
		b->tpm_device = strcmp(tpm, "device") == 0;
		return 0;
	case B_INCOMPLETE:
		if ((e = cb_get_cstr(r, b->incomplete, sizeof(b->incomplete))) < 0)
			return e;
		return b->incomplete[0] ? 0 : MB_E_RANGE;
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

int bundle_decode(const uint8_t *p, size_t len, struct bundle *ret)
{
	struct bundle b = { 0 };
	struct cb_rd r;
	struct cb_map m;
	uint64_t key;
	int e;

	if (len > MAX_BUNDLE_BYTES)
		return MB_E_TOO_LARGE;
	/* validated with the records array's limit; decode_key holds every
	 * other container to its own */
	if ((e = cb_validate_items(p, len, 3, MAX_RECORDS)) < 0)
		return e;
	cb_rd_init(&r, p, len);
	if ((e = cb_map_begin(&r, &m, B_KEYS_)) < 0)
		return e;
	while ((e = cb_map_next(&r, &m, &key)) > 0)
		if ((e = decode_key(&r, key, &b)) < 0)
			break;
	if (e == 0)
		e = cb_map_require(&m, B_REQUIRED);
	if (e == 0)
		e = cb_end(&r);
	if (e < 0) {
		free(b.records);
		return e;
	}
	*ret = b;
	return 0;
}

void bundle_free(struct bundle *b)
{
	free(b->records);
	b->records = NULL;
	b->nrecords = 0;
}

size_t bundle_activation_message(const struct bundle *b, const uint8_t *ak_name, size_t ak_len,
				 const uint8_t *ek_name, size_t ek_len, uint8_t *out, size_t cap)
{
	const size_t tl = sizeof(ACTIVATION_TAG) - 1;
	size_t n = tl + NONCE_BYTES + 1 + ak_len + 1 + ek_len + 1 + SHA256_BYTES, off = 0;

	if (ak_len > 68 || ek_len > 68 || n > cap)
		return 0;
	memcpy(out, ACTIVATION_TAG, tl);
	off = tl;
	memcpy(out + off, b->nonce, NONCE_BYTES);
	off += NONCE_BYTES;
	out[off++] = (uint8_t)ak_len;
	memcpy(out + off, ak_name, ak_len);
	off += ak_len;
	out[off++] = (uint8_t)ek_len;
	memcpy(out + off, ek_name, ek_len);
	off += ek_len;
	out[off++] = b->tpm_device ? 1 : 0;
	if (sha256_buf(b->platform_log.p, b->platform_log.n, out + off) < 0)
		return 0;
	return n;
}
