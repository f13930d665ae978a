/* SPDX-License-Identifier: MIT */
/*
 * Error codes of the shared library. Library code never prints and never
 * exits: it returns 0 or one of these (negative). Programs turn them into
 * words once, at their boundary, with mb_strerror().
 */
#ifndef MB_ERR_H
#define MB_ERR_H

enum mb_err {
	MB_OK = 0,
	MB_E_NOMEM = -1,        /* allocation failed */
	MB_E_IO = -2,           /* read/write/open failed (errno kept) */
	MB_E_TRUNCATED = -3,    /* input ends inside an item */
	MB_E_TRAILING = -4,     /* bytes after the last item */
	MB_E_MALFORMED = -5,    /* not well-formed CBOR */
	MB_E_NONCANONICAL = -6, /* integer or length not in shortest form */
	MB_E_INDEFINITE = -7,   /* indefinite-length item */
	MB_E_UNSUPPORTED = -8,  /* tag, float, undefined or simple value */
	MB_E_TOO_DEEP = -9,     /* nesting past MAX_CBOR_DEPTH */
	MB_E_TOO_LARGE = -10,   /* a length or count past its limit */
	MB_E_TYPE = -11,        /* item of the wrong type */
	MB_E_KEY_ORDER = -12,   /* map keys duplicated or not in canonical order */
	MB_E_UNKNOWN_KEY = -13, /* map key the schema does not have */
	MB_E_MISSING_KEY = -14, /* map key the schema requires is absent */
	MB_E_RANGE = -15,       /* value outside its allowed range */
	MB_E_LENGTH = -16,      /* byte string not of its exact size */
	MB_E_UTF8 = -17,        /* text string is not valid UTF-8 */
	MB_E_VERSION = -18,     /* unknown format version */
	MB_E_FRAME_TYPE = -19,  /* unknown frame type */
	MB_E_SEQUENCE = -20,    /* record number out of order */
	MB_E_CHAIN = -21,       /* record does not chain to the previous one */
	MB_E_KIND = -22,        /* unknown record or event kind */
	MB_E_PATH = -23,        /* path empty, absolute, with '..', or too long */
	MB_E_FILE_TYPE = -24,   /* file system object of an unexpected type */
	MB_E_LIMIT = -25,       /* a count limit (entries, records, events) */
	MB_E_ALG = -26,         /* unsupported hash algorithm */
	MB_E_TIMEOUT = -27,     /* deadline passed */
	MB_E_CLOSED = -28,      /* peer closed the stream */
	MB_E_CRYPTO = -29,      /* the crypto library failed */
	MB_E_INVAL = -30,       /* caller passed an invalid argument */
	MB_E_CHANGED = -31,     /* file changed while it was read */
	MB_E_PCR = -32,         /* PCR index outside the map */
	MB_E_ERR_MIN_ = -33,
};

const char *mb_strerror(int err);
/* The code's name, "MB_E_TRUNCATED" for MB_E_TRUNCATED (tests, logs). */
const char *mb_errname(int err);

#define MB_WARN_UNUSED __attribute__((warn_unused_result))

#endif
