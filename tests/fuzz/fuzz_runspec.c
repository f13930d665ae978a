// SPDX-License-Identifier: MIT
/* libFuzzer: run spec and hello decoders. */
#include <stdint.h>

#include "runspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static struct runspec rs;
	struct hello h;

	if (runspec_decode(p, n, &rs) == 0 && (rs.argc == 0 || rs.argv[rs.argc] != NULL))
		__builtin_trap();
	(void)!hello_decode(p, n, &h);
	return 0;
}
