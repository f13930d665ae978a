// SPDX-License-Identifier: MIT
/* libFuzzer: the command line's vouch.verity=BLOCKS:ROOT as guest-init
 * reads it. What it accepts must be exactly what the writer writes. */
#include <stdint.h>
#include <string.h>

#include "verity.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	uint8_t root[SHA256_BYTES];
	char again[VERITY_SPEC_BYTES];
	uint64_t blocks;

	if (verity_spec_parse((const char *)p, n, &blocks, root) != 0)
		return 0;
	if (verity_spec_format(again, blocks, root) != 0 || strlen(again) != n || memcmp(again, p, n) != 0)
		__builtin_trap(); /* accepted, but not in the one canonical form */
	return 0;
}
