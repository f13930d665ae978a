// SPDX-License-Identifier: MIT
/* libFuzzer: the TPM structures the verifier takes from a peer (through
 * libtss2-mu) and the signature check on them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "ak.h"
#include "attest.h"
#include "tpmkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	struct blob q[ATTEST_MAX_FIELDS];
	TPMS_ATTEST at = { 0 };
	TPMT_SIGNATURE sig = { 0 };
	TPM2B_PUBLIC pub = { 0 };
	size_t off = 0;
	static int quiet;

	if (!quiet)
		quiet = setenv("TSS2_LOG", "all+none", 1) == 0; /* libtss2-mu logs each refusal */
	(void)!Tss2_MU_TPMS_ATTEST_Unmarshal(p, n, &off, &at);
	off = 0;
	(void)!Tss2_MU_TPMT_SIGNATURE_Unmarshal(p, n, &off, &sig);
	off = 0;
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, &pub) == 0 && ak_check_public(&pub) == 0) {
		EVP_PKEY *k = tpmkey_ecc_p256(&pub);

		if (k) {
			(void)!tpmkey_verify(k, p, n, &sig);
			EVP_PKEY_free(k);
		}
	}
	if (attest_decode(MSG_QUOTE, p, n, q) == 0) {
		off = 0;
		(void)!Tss2_MU_TPMS_ATTEST_Unmarshal(q[0].p, q[0].n, &off, &at);
	}
	return 0;
}
