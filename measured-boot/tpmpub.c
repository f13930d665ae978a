// SPDX-License-Identifier: MIT
#include "tpmpub.h"

#include <tss2/tss2_mu.h>

int mb_public_unmarshal(const uint8_t *p, size_t n, TPM2B_PUBLIC *ret)
{
	TPM2B_PUBLIC pub = { 0 }; /* libtss2-mu refuses a TPM2B whose size is not zero */
	size_t off = 0;

	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, &pub) != 0 || off != n)
		return MB_E_MALFORMED;
	*ret = pub;
	return 0;
}
