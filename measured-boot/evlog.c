// SPDX-License-Identifier: MIT
#include "evlog.h"

#include <string.h>

void evlog_init(struct evlog *log)
{
	log->n = 0;
}

int evlog_append(struct evlog *log, uint32_t pcr, uint32_t type,
		 const uint8_t digest[static 32], const void *data, size_t data_len)
{
	struct evlog_event *ev;

	if (log->n >= MAX_EVENTS)
		return MB_E_LIMIT;
	if (pcr >= PCR_COUNT)
		return MB_E_PCR;
	if (data_len > MAX_EVENT_DATA_BYTES)
		return MB_E_TOO_LARGE;
	ev = &log->ev[log->n];
	ev->recnum = (uint32_t)log->n;
	ev->pcr = pcr;
	ev->type = type;
	memcpy(ev->digest, digest, SHA256_BYTES);
	if (data_len)
		memcpy(ev->data, data, data_len);
	ev->data_len = data_len;
	log->n++;
	return 0;
}

static void encode_event(const struct evlog_event *ev, struct cb_wr *w)
{
	cb_put_map(w, 4);
	cb_put_uint(w, CEL_RECNUM);
	cb_put_uint(w, ev->recnum);
	cb_put_uint(w, CEL_PCR);
	cb_put_uint(w, ev->pcr);
	cb_put_uint(w, CEL_DIGESTS);
	cb_put_array(w, 1);
	cb_put_array(w, 2);
	cb_put_uint(w, TPM2_ALG_SHA256_ID);
	cb_put_bstr(w, ev->digest, SHA256_BYTES);
	cb_put_uint(w, CEL_PCCLIENT_STD);
	cb_put_map(w, 2);
	cb_put_uint(w, 0);
	cb_put_uint(w, ev->type);
	cb_put_uint(w, 1);
	cb_put_bstr(w, ev->data, ev->data_len);
}

void evlog_encode(const struct evlog *log, struct cb_wr *w)
{
	cb_put_array(w, log->n);
	for (size_t i = 0; i < log->n; i++)
		encode_event(&log->ev[i], w);
}

static int decode_digests(struct cb_rd *r, uint8_t digest[static 32])
{
	uint64_t alg;
	size_t n;
	int e;

	if ((e = cb_get_array(r, 1, &n)) < 0)
		return e;
	if (n != 1)
		return MB_E_LENGTH;
	if ((e = cb_get_array(r, 2, &n)) < 0)
		return e;
	if (n != 2)
		return MB_E_LENGTH;
	if ((e = cb_get_uint(r, UINT16_MAX, &alg)) < 0)
		return e == MB_E_RANGE ? MB_E_ALG : e;
	if (alg != TPM2_ALG_SHA256_ID)
		return MB_E_ALG;
	return cb_get_bstr_exact(r, digest, SHA256_BYTES);
}

static int decode_content(struct cb_rd *r, struct evlog_event *ev)
{
	struct cb_map m;
	uint64_t key, v;
	const uint8_t *s;
	int e;

	if ((e = cb_map_begin(r, &m, 2)) < 0)
		return e;
	while ((e = cb_map_next(r, &m, &key)) > 0) {
		switch (key) {
		case 0:
			if ((e = cb_get_uint(r, UINT32_MAX, &v)) < 0)
				return e;
			ev->type = (uint32_t)v;
			break;
		case 1:
			if ((e = cb_get_bstr(r, MAX_EVENT_DATA_BYTES, &s, &ev->data_len)) < 0)
				return e;
			memcpy(ev->data, s, ev->data_len);
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
	}
	if (e < 0)
		return e;
	return cb_map_require(&m, 0x3);
}

static int decode_event(struct cb_rd *r, uint32_t want_recnum, struct evlog_event *ev)
{
	struct cb_map m;
	uint64_t key, v;
	int e;

	if ((e = cb_map_begin(r, &m, 4)) < 0)
		return e;
	while ((e = cb_map_next(r, &m, &key)) > 0) {
		switch (key) {
		case CEL_RECNUM:
			if ((e = cb_get_uint(r, UINT32_MAX, &v)) < 0)
				return e;
			if (v != want_recnum)
				return MB_E_SEQUENCE;
			ev->recnum = (uint32_t)v;
			break;
		case CEL_PCR:
			if ((e = cb_get_uint(r, UINT32_MAX, &v)) < 0)
				return e;
			if (v >= PCR_COUNT)
				return MB_E_PCR;
			ev->pcr = (uint32_t)v;
			break;
		case CEL_DIGESTS:
			if ((e = decode_digests(r, ev->digest)) < 0)
				return e;
			break;
		case CEL_PCCLIENT_STD:
			if ((e = decode_content(r, ev)) < 0)
				return e;
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
	}
	if (e < 0)
		return e;
	return cb_map_require(&m, (1u << CEL_RECNUM) | (1u << CEL_PCR) |
				   (1u << CEL_DIGESTS) | (1u << CEL_PCCLIENT_STD));
}

int evlog_decode(const uint8_t *p, size_t len, struct evlog *ret)
{
	struct evlog tmp; /* ret stays untouched on failure */
	struct cb_rd r;
	size_t n;
	int e;

	if ((e = cb_validate(p, len, 4)) < 0)
		return e;
	cb_rd_init(&r, p, len);
	if ((e = cb_get_array(&r, MAX_EVENTS, &n)) < 0)
		return e == MB_E_TOO_LARGE ? MB_E_LIMIT : e;
	memset(&tmp, 0, sizeof(tmp));
	tmp.n = n;
	for (size_t i = 0; i < n; i++)
		if ((e = decode_event(&r, (uint32_t)i, &tmp.ev[i])) < 0)
			return e;
	if ((e = cb_end(&r)) < 0)
		return e;
	*ret = tmp;
	return 0;
}

int evlog_replay(const struct evlog *log, struct pcr_bank *bank)
{
	for (size_t i = 0; i < log->n; i++) {
		int e = pcr_extend(bank, log->ev[i].pcr, log->ev[i].digest);

		if (e < 0)
			return e;
	}
	return 0;
}
