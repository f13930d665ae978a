// SPDX-License-Identifier: MIT
/* libFuzzer: attestation messages, every kind. */
#include <stdint.h>

#include "attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	struct blob f[ATTEST_MAX_FIELDS];

	for (int k = 0; k < MSG_KINDS_; k++)
		(void)!attest_decode((enum attest_msg)k, p, n, f);
	return 0;
}
