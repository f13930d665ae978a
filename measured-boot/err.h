/* SPDX-License-Identifier: MIT */
/*
 * The project's one error space. Library code never prints and never
 * exits: it returns 0 or a negative code, and programs turn any code into
 * words once, at their boundary, with mb_strerror() (mb_errname() for its
 * name). The ranges never meet:
 *
 *   -1 .. -4095      -errno: Linux leaves these to errno (MAX_ERRNO)
 *   -4097 .. -4351   MB_E_*   measured-boot, this file       range 0
 *   -4353 .. -4607   ATT_E_*  host-verify/attestation.h      range 1
 *   -4609 .. -4863   IMG_E_*  vouch/image/image.h            range 2
 *
 * Range n holds the codes MB_ERR_BASE(n) - 1 down to MB_ERR_BASE(n) - 255.
 *
 * measured-boot may import nothing, so it cannot know the upper folders'
 * words; each folder that owns a range registers its table here
 * (mb_err_register) from a constructor in the file that holds its words.
 * A range is then known in every program that links the code returning
 * it, without a call in each main() that the next program would forget,
 * and the one mb_strerror names any code: errno's through strerror(3),
 * the project's through the registered tables. A strerror in vouch/ that
 * included every folder's header would have served vouch alone:
 * host-verify and guest-init would have kept their own.
 */
#ifndef MB_ERR_H
#define MB_ERR_H

#include <stddef.h>

/* -errno ends here (Linux's MAX_ERRNO); the project's codes start below. */
#define MB_ERRNO_MAX 4095
#define MB_ERR_RANGE_CODES 255
#define MB_ERR_BASE(n) (-4096 - 256 * (n))

enum mb_err {
	MB_OK = 0,
	MB_E_BASE_ = MB_ERR_BASE(0),
	MB_E_NOMEM = MB_E_BASE_ - 1,        /* allocation failed */
	MB_E_IO = MB_E_BASE_ - 2,           /* read/write/open failed (errno kept) */
	MB_E_TRUNCATED = MB_E_BASE_ - 3,    /* input ends inside an item */
	MB_E_TRAILING = MB_E_BASE_ - 4,     /* bytes after the last item */
	MB_E_MALFORMED = MB_E_BASE_ - 5,    /* not well-formed CBOR */
	MB_E_NONCANONICAL = MB_E_BASE_ - 6, /* integer or length not in shortest form */
	MB_E_INDEFINITE = MB_E_BASE_ - 7,   /* indefinite-length item */
	MB_E_UNSUPPORTED = MB_E_BASE_ - 8,  /* tag, float, undefined or simple value */
	MB_E_TOO_DEEP = MB_E_BASE_ - 9,     /* nesting past MAX_CBOR_DEPTH */
	MB_E_TOO_LARGE = MB_E_BASE_ - 10,   /* a length or count past its limit */
	MB_E_TYPE = MB_E_BASE_ - 11,        /* item of the wrong type */
	MB_E_KEY_ORDER = MB_E_BASE_ - 12,   /* map keys duplicated or not in canonical order */
	MB_E_UNKNOWN_KEY = MB_E_BASE_ - 13, /* map key the schema does not have */
	MB_E_MISSING_KEY = MB_E_BASE_ - 14, /* map key the schema requires is absent */
	MB_E_RANGE = MB_E_BASE_ - 15,       /* value outside its allowed range */
	MB_E_LENGTH = MB_E_BASE_ - 16,      /* byte string not of its exact size */
	MB_E_UTF8 = MB_E_BASE_ - 17,        /* text string is not valid UTF-8 */
	MB_E_VERSION = MB_E_BASE_ - 18,     /* unknown format version */
	MB_E_FRAME_TYPE = MB_E_BASE_ - 19,  /* unknown frame type */
	MB_E_SEQUENCE = MB_E_BASE_ - 20,    /* record number out of order */
	MB_E_CHAIN = MB_E_BASE_ - 21,       /* record does not chain to the previous one */
	MB_E_KIND = MB_E_BASE_ - 22,        /* unknown record or event kind */
	MB_E_PATH = MB_E_BASE_ - 23,        /* path empty, absolute, with '..', or too long */
	MB_E_FILE_TYPE = MB_E_BASE_ - 24,   /* file system object of an unexpected type */
	MB_E_LIMIT = MB_E_BASE_ - 25,       /* a count limit (entries, records, events) */
	MB_E_ALG = MB_E_BASE_ - 26,         /* unsupported hash algorithm */
	MB_E_TIMEOUT = MB_E_BASE_ - 27,     /* deadline passed */
	MB_E_CLOSED = MB_E_BASE_ - 28,      /* peer closed the stream */
	MB_E_CRYPTO = MB_E_BASE_ - 29,      /* the crypto library failed */
	MB_E_INVAL = MB_E_BASE_ - 30,       /* caller passed an invalid argument */
	MB_E_CHANGED = MB_E_BASE_ - 31,     /* file changed while it was read */
	MB_E_PCR = MB_E_BASE_ - 32,         /* PCR index outside the map */
	MB_E_ERR_MIN_ = MB_E_BASE_ - 33,
};

/* Words for any code: 0, -errno (strerror(3)'s, which the next call may
 * reuse), MB_E_* or a registered range's. */
const char *mb_strerror(int err);
/* The code's name, "MB_E_TRUNCATED" for MB_E_TRUNCATED, "ENOENT" for
 * -ENOENT (tests, logs). */
const char *mb_errname(int err);

/* A code's name ("IMG_E_DIGEST") and words. */
struct mb_err_word {
	const char *name, *text;
};

/* A range of codes and their words: words[i] are those of the code
 * base - 1 - i, for i < n. MB_ERR_AT(base, code) indexes such a table. */
struct mb_err_range {
	int base; /* MB_ERR_BASE(n) */
	size_t n; /* 1 .. MB_ERR_RANGE_CODES */
	const struct mb_err_word *words;
};
#define MB_ERR_AT(base, code) [(base) - 1 - (code)]
/* One entry of such a table: MB_ERR_WORD(IMG_E_BASE_, IMG_E_JSON, "..."). */
#define MB_ERR_WORD(base, code, text) MB_ERR_AT(base, code) = { #code, text }

/* In the file that holds a range's words (and returns its codes): checks
 * that each code from base - 1 down to min + 1 has its word, and
 * registers the range before main() runs. */
#define MB_ERR_REGISTER(id, base_, min_, words_)                                           \
	_Static_assert(sizeof(words_) / sizeof((words_)[0]) == (base_) - 1 - (min_),        \
		       "a word for every code of " #id);                                    \
	static const struct mb_err_range id##_range = {                                     \
		.base = (base_), .n = sizeof(words_) / sizeof((words_)[0]), .words = (words_) \
	};                                                                                  \
	__attribute__((constructor)) static void id##_register(void)                        \
	{                                                                                   \
		(void)!mb_err_register(&id##_range);                                        \
	}

/* At most this many ranges, measured-boot's own included. */
#define MB_ERR_MAX_RANGES 8
/* Makes r's codes known to mb_strerror and mb_errname; r must outlive
 * every call. Once per range, before any thread starts (a constructor).
 * 0, MB_E_RANGE when r is not a range of its own (it meets another, or
 * is no MB_ERR_BASE(n) range), or MB_E_LIMIT when the table is full. */
int mb_err_register(const struct mb_err_range *r);
/* The i-th known range, measured-boot's first; NULL past the last. */
const struct mb_err_range *mb_err_range_at(size_t i);

#define MB_WARN_UNUSED __attribute__((warn_unused_result))

#endif
