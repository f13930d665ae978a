// SPDX-License-Identifier: MIT
/* libFuzzer: the strict CBOR validator and the item skipper agree. */
#include <stdint.h>

#include "cb.h"
#include "mb_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	struct cb_rd r;

	if (cb_validate(p, n, MAX_CBOR_DEPTH) == 0) {
		cb_rd_init(&r, p, n);
		/* whatever validates is one item that cb_skip steps over whole */
		if (cb_skip(&r) != 0 || r.off != n)
			__builtin_trap();
	}
	return 0;
}
