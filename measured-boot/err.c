// SPDX-License-Identifier: MIT
/* The one strerror: errno's words for -errno, the tables for the
 * project's ranges (err.h says how the ranges are laid out and why the
 * upper folders register theirs). */
#include "err.h"

#include <string.h>

#define W(code, text) MB_ERR_WORD(MB_E_BASE_, code, text)

static const struct mb_err_word mb_words[] = {
	W(MB_E_NOMEM, "out of memory"),
	W(MB_E_IO, "input/output error"),
	W(MB_E_TRUNCATED, "truncated input"),
	W(MB_E_TRAILING, "trailing bytes after the item"),
	W(MB_E_MALFORMED, "malformed CBOR"),
	W(MB_E_NONCANONICAL, "non-canonical CBOR encoding"),
	W(MB_E_INDEFINITE, "indefinite-length CBOR item"),
	W(MB_E_UNSUPPORTED, "unsupported CBOR item (tag, float or simple value)"),
	W(MB_E_TOO_DEEP, "CBOR nesting too deep"),
	W(MB_E_TOO_LARGE, "length or count over its limit"),
	W(MB_E_TYPE, "CBOR item of the wrong type"),
	W(MB_E_KEY_ORDER, "map keys duplicated or out of canonical order"),
	W(MB_E_UNKNOWN_KEY, "unknown map key"),
	W(MB_E_MISSING_KEY, "required map key missing"),
	W(MB_E_RANGE, "value out of range"),
	W(MB_E_LENGTH, "byte string of the wrong length"),
	W(MB_E_UTF8, "text string is not valid UTF-8"),
	W(MB_E_VERSION, "unknown format version"),
	W(MB_E_FRAME_TYPE, "unknown frame type"),
	W(MB_E_SEQUENCE, "record number out of sequence"),
	W(MB_E_CHAIN, "record does not chain to its predecessor"),
	W(MB_E_KIND, "unknown record or event kind"),
	W(MB_E_PATH, "invalid path"),
	W(MB_E_FILE_TYPE, "unexpected file type"),
	W(MB_E_LIMIT, "count limit reached"),
	W(MB_E_ALG, "unsupported hash algorithm"),
	W(MB_E_TIMEOUT, "deadline passed"),
	W(MB_E_CLOSED, "peer closed the stream"),
	W(MB_E_CRYPTO, "crypto library failure"),
	W(MB_E_INVAL, "invalid argument"),
	W(MB_E_CHANGED, "file changed while being read"),
	W(MB_E_PCR, "PCR index out of range"),
};

_Static_assert(sizeof(mb_words) / sizeof(mb_words[0]) == MB_E_BASE_ - 1 - MB_E_ERR_MIN_,
	       "a word for every MB_E_* code");

static const struct mb_err_range mb_range = {
	.base = MB_E_BASE_,
	.n = sizeof(mb_words) / sizeof(mb_words[0]),
	.words = mb_words,
};

static const struct mb_err_range *ranges[MB_ERR_MAX_RANGES] = { &mb_range };
static size_t nranges = 1;

static int range_ok(const struct mb_err_range *r)
{
	if (r->n == 0 || r->n > MB_ERR_RANGE_CODES || r->base > MB_ERR_BASE(0) ||
	    (MB_ERR_BASE(0) - r->base) % 256 != 0)
		return MB_E_RANGE;
	for (size_t i = 0; i < nranges; i++)
		if (ranges[i]->base == r->base)
			return MB_E_RANGE;
	return 0;
}

int mb_err_register(const struct mb_err_range *r)
{
	int e;

	if ((e = range_ok(r)) < 0)
		return e;
	if (nranges == MB_ERR_MAX_RANGES)
		return MB_E_LIMIT;
	ranges[nranges++] = r;
	return 0;
}

const struct mb_err_range *mb_err_range_at(size_t i)
{
	return i < nranges ? ranges[i] : NULL;
}

/* The range that has err, and err's index in it; NULL where none has. */
static const struct mb_err_range *lookup(int err, size_t *ret_i)
{
	for (size_t i = 0; i < nranges; i++) {
		const struct mb_err_range *r = ranges[i];

		if (err < r->base && err >= r->base - (int)r->n) {
			*ret_i = (size_t)(r->base - 1 - err);
			return r;
		}
	}
	return NULL;
}

const char *mb_strerror(int err)
{
	const struct mb_err_range *r;
	size_t i;

	if (err == 0)
		return "success";
	if (err < 0 && err >= -MB_ERRNO_MAX)
		return strerror(-err);
	if ((r = lookup(err, &i)))
		return r->words[i].text;
	return "unknown error";
}

const char *mb_errname(int err)
{
	const struct mb_err_range *r;
	size_t i;

	if (err == 0)
		return "MB_OK";
	if (err < 0 && err >= -MB_ERRNO_MAX) {
#ifdef __GLIBC__
		const char *n = strerrorname_np(-err);

		if (n)
			return n;
#endif
		return "E?";
	}
	if ((r = lookup(err, &i)))
		return r->words[i].name;
	return "MB_E_?";
}
