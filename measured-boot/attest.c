// SPDX-License-Identifier: MIT
#include "attest.h"

#include "mb_limits.h"

static const struct {
	size_t n;
	size_t max[ATTEST_MAX_FIELDS];
} shapes[MSG_KINDS_] = {
	[MSG_AK] = { 2, { MAX_TPM_BLOB_BYTES, 256 } },
	[MSG_CREDENTIAL] = { 2, { MAX_TPM_BLOB_BYTES, MAX_TPM_BLOB_BYTES } },
	[MSG_ACTIVATED] = { 1, { 64 } },
	[MSG_QUOTE] = { 3, { MAX_TPM_BLOB_BYTES, MAX_TPM_BLOB_BYTES, MAX_QUOTE_EVLOG_BYTES } },
};

void attest_encode(enum attest_msg kind, const struct blob *fields, struct cb_wr *w)
{
	if ((unsigned)kind >= MSG_KINDS_) {
		w->err = MB_E_KIND;
		return;
	}
	cb_put_map(w, shapes[kind].n);
	for (size_t i = 0; i < shapes[kind].n; i++) {
		cb_put_uint(w, i);
		cb_put_bstr(w, fields[i].p, fields[i].n);
	}
}

int attest_decode(enum attest_msg kind, const uint8_t *p, size_t len,
		  struct blob fields[static ATTEST_MAX_FIELDS])
{
	struct blob f[ATTEST_MAX_FIELDS] = { { 0 } };
	struct cb_rd r;
	struct cb_map m;
	uint64_t key;
	int e;

	if ((unsigned)kind >= MSG_KINDS_)
		return MB_E_KIND;
	if ((e = cb_validate(p, len, 1)) < 0)
		return e;
	cb_rd_init(&r, p, len);
	if ((e = cb_map_begin(&r, &m, shapes[kind].n)) < 0)
		return e;
	while ((e = cb_map_next(&r, &m, &key)) > 0) {
		if (key >= shapes[kind].n)
			return MB_E_UNKNOWN_KEY;
		if ((e = cb_get_bstr(&r, shapes[kind].max[key], &f[key].p, &f[key].n)) < 0)
			return e;
	}
	if (e < 0 || (e = cb_map_require(&m, (UINT64_C(1) << shapes[kind].n) - 1)) < 0 ||
	    (e = cb_end(&r)) < 0)
		return e;
	for (size_t i = 0; i < ATTEST_MAX_FIELDS; i++)
		fields[i] = f[i];
	return 0;
}
