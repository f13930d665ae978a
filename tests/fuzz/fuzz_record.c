// SPDX-License-Identifier: MIT
/* libFuzzer: record decoder and chain acceptance on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static const uint8_t nonce[32];
	struct record rec;
	struct chain c;

	if (record_decode(p, n, &rec) == 0 && rec.kind == 0)
		__builtin_trap(); /* an accepted record always has a known kind */
	if (chain_init(&c, nonce) == 0)
		(void)!chain_accept(&c, p, n, &rec);
	return 0;
}
