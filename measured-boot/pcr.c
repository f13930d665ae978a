// SPDX-License-Identifier: MIT
#include "pcr.h"

#include <string.h>

#include "sha256.h"

void pcr_bank_init(struct pcr_bank *b)
{
	memset(b, 0, sizeof(*b));
}

int pcr_extend(struct pcr_bank *b, unsigned index, const uint8_t digest[static 32])
{
	uint8_t next[SHA256_BYTES];
	int e;

	if (index >= PCR_COUNT)
		return MB_E_PCR;
	e = sha256_cat(b->v[index], SHA256_BYTES, digest, SHA256_BYTES, next);
	if (e < 0)
		return e;
	memcpy(b->v[index], next, SHA256_BYTES);
	return 0;
}

int pcr_composite(const struct pcr_bank *b, uint32_t mask, uint8_t out[static 32])
{
	struct sha256 h;
	int e;

	if (mask == 0 || (PCR_COUNT < 32 && (mask >> PCR_COUNT) != 0))
		return MB_E_PCR;
	e = sha256_init(&h);
	if (e < 0)
		return e;
	for (unsigned i = 0; i < PCR_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		e = sha256_update(&h, b->v[i], SHA256_BYTES);
		if (e < 0) {
			sha256_abort(&h);
			return e;
		}
	}
	return sha256_final(&h, out);
}
