// SPDX-License-Identifier: MIT
#include "err.h"

static const char *const messages[] = {
	[0] = "success",
	[-MB_E_NOMEM] = "out of memory",
	[-MB_E_IO] = "input/output error",
	[-MB_E_TRUNCATED] = "truncated input",
	[-MB_E_TRAILING] = "trailing bytes after the item",
	[-MB_E_MALFORMED] = "malformed CBOR",
	[-MB_E_NONCANONICAL] = "non-canonical CBOR encoding",
	[-MB_E_INDEFINITE] = "indefinite-length CBOR item",
	[-MB_E_UNSUPPORTED] = "unsupported CBOR item (tag, float or simple value)",
	[-MB_E_TOO_DEEP] = "CBOR nesting too deep",
	[-MB_E_TOO_LARGE] = "length or count over its limit",
	[-MB_E_TYPE] = "CBOR item of the wrong type",
	[-MB_E_KEY_ORDER] = "map keys duplicated or out of canonical order",
	[-MB_E_UNKNOWN_KEY] = "unknown map key",
	[-MB_E_MISSING_KEY] = "required map key missing",
	[-MB_E_RANGE] = "value out of range",
	[-MB_E_LENGTH] = "byte string of the wrong length",
	[-MB_E_UTF8] = "text string is not valid UTF-8",
	[-MB_E_VERSION] = "unknown format version",
	[-MB_E_FRAME_TYPE] = "unknown frame type",
	[-MB_E_SEQUENCE] = "record number out of sequence",
	[-MB_E_CHAIN] = "record does not chain to its predecessor",
	[-MB_E_KIND] = "unknown record or event kind",
	[-MB_E_PATH] = "invalid path",
	[-MB_E_FILE_TYPE] = "unexpected file type",
	[-MB_E_LIMIT] = "count limit reached",
	[-MB_E_ALG] = "unsupported hash algorithm",
	[-MB_E_TIMEOUT] = "deadline passed",
	[-MB_E_CLOSED] = "peer closed the stream",
	[-MB_E_CRYPTO] = "crypto library failure",
	[-MB_E_INVAL] = "invalid argument",
	[-MB_E_CHANGED] = "file changed while being read",
	[-MB_E_PCR] = "PCR index out of range",
};

const char *mb_strerror(int err)
{
	if (err > 0 || err <= MB_E_ERR_MIN_)
		return "unknown error";
	return messages[-err];
}

static const char *const names[] = {
	[0] = "MB_OK",
	[-MB_E_NOMEM] = "MB_E_NOMEM",
	[-MB_E_IO] = "MB_E_IO",
	[-MB_E_TRUNCATED] = "MB_E_TRUNCATED",
	[-MB_E_TRAILING] = "MB_E_TRAILING",
	[-MB_E_MALFORMED] = "MB_E_MALFORMED",
	[-MB_E_NONCANONICAL] = "MB_E_NONCANONICAL",
	[-MB_E_INDEFINITE] = "MB_E_INDEFINITE",
	[-MB_E_UNSUPPORTED] = "MB_E_UNSUPPORTED",
	[-MB_E_TOO_DEEP] = "MB_E_TOO_DEEP",
	[-MB_E_TOO_LARGE] = "MB_E_TOO_LARGE",
	[-MB_E_TYPE] = "MB_E_TYPE",
	[-MB_E_KEY_ORDER] = "MB_E_KEY_ORDER",
	[-MB_E_UNKNOWN_KEY] = "MB_E_UNKNOWN_KEY",
	[-MB_E_MISSING_KEY] = "MB_E_MISSING_KEY",
	[-MB_E_RANGE] = "MB_E_RANGE",
	[-MB_E_LENGTH] = "MB_E_LENGTH",
	[-MB_E_UTF8] = "MB_E_UTF8",
	[-MB_E_VERSION] = "MB_E_VERSION",
	[-MB_E_FRAME_TYPE] = "MB_E_FRAME_TYPE",
	[-MB_E_SEQUENCE] = "MB_E_SEQUENCE",
	[-MB_E_CHAIN] = "MB_E_CHAIN",
	[-MB_E_KIND] = "MB_E_KIND",
	[-MB_E_PATH] = "MB_E_PATH",
	[-MB_E_FILE_TYPE] = "MB_E_FILE_TYPE",
	[-MB_E_LIMIT] = "MB_E_LIMIT",
	[-MB_E_ALG] = "MB_E_ALG",
	[-MB_E_TIMEOUT] = "MB_E_TIMEOUT",
	[-MB_E_CLOSED] = "MB_E_CLOSED",
	[-MB_E_CRYPTO] = "MB_E_CRYPTO",
	[-MB_E_INVAL] = "MB_E_INVAL",
	[-MB_E_CHANGED] = "MB_E_CHANGED",
	[-MB_E_PCR] = "MB_E_PCR",
};

const char *mb_errname(int err)
{
	if (err > 0 || err <= MB_E_ERR_MIN_)
		return "MB_E_?";
	return names[-err];
}
