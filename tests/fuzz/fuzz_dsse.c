// SPDX-License-Identifier: MIT
/* libFuzzer: the DSSE envelope parser and signature check. */
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "attestation.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static uint8_t pk[32];
	static int ready;
	uint8_t *payload = NULL;
	size_t pn = 0;

	if (!ready) {
		uint8_t sk[64];

		if (sodium_init() < 0)
			return 0;
		crypto_sign_keypair(pk, sk);
		ready = 1;
	}
	if (attestation_verify(p, n, pk, &payload, &pn) == 0)
		__builtin_trap(); /* nothing the fuzzer makes is signed by a fresh key */
	free(payload);
	return 0;
}
