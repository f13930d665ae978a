// SPDX-License-Identifier: MIT
/* libFuzzer: frame parser over a stream of frames, and the CBOR validator
 * on each payload. */
#include <stdint.h>

#include "cb.h"
#include "mb_limits.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		struct frame f;
		size_t used;
		int e = frame_parse(p + off, n - off, &f, &used);

		if (e <= 0)
			break;
		if (used == 0 || used > n - off)
			__builtin_trap(); /* progress, and within the input */
		(void)!cb_validate(f.p, f.n, MAX_CBOR_DEPTH);
		off += used;
	}
	return 0;
}
