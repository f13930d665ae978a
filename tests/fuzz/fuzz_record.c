// SPDX-License-Identifier: MIT
/* libFuzzer: record decoder and chain acceptance on arbitrary bytes, and
 * the decoder's fast path against the strict decoder alone: the same
 * error on every input, the same record on every accept. */
#include <stdint.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static const uint8_t nonce[32];
	struct record rec, strict;
	struct chain c;
	int e = record_decode(p, n, &rec);

	if (e == 0 && rec.kind == 0)
		__builtin_trap(); /* an accepted record always has a known kind */
	if (record_decode_strict(p, n, &strict) != e ||
	    (e == 0 && (rec.seq != strict.seq || rec.time_ns != strict.time_ns || rec.kind != strict.kind ||
			memcmp(rec.prev, strict.prev, sizeof(rec.prev)) != 0)))
		__builtin_trap();
	if (chain_init(&c, nonce) == 0)
		(void)!chain_accept(&c, p, n, &rec);
	return 0;
}
