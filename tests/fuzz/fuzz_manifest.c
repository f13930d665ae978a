// SPDX-License-Identifier: MIT
/* libFuzzer: reference manifest decoder. */
#include <stdint.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static struct manifest m;

	if (manifest_decode(p, n, &m) == 0 && m.ntrees > MAX_TREES)
		__builtin_trap();
	return 0;
}
