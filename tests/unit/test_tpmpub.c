// SPDX-License-Identifier: MIT
/* The strict TPM2B_PUBLIC reader both sides use (measured-boot/tpmpub.c). */
#include "t.h"

#include <tss2/tss2_mu.h>

#include "ak.h"
#include "tpmpub.h"

int main(void)
{
	TPM2B_PUBLIC tmpl, got, untouched;
	uint8_t buf[sizeof(TPM2B_PUBLIC) + 1];
	size_t n = 0;

	ak_template(&tmpl);
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&tmpl, buf, sizeof(buf) - 1, &n) != 0)
		return 99;
	memset(&got, 0x5a, sizeof(got)); /* a dirty destination is no reason to refuse */
	t_report(mb_public_unmarshal(buf, n, &got) == 0 && got.size == n - 2 &&
			 got.publicArea.type == TPM2_ALG_ECC &&
			 got.publicArea.objectAttributes == tmpl.publicArea.objectAttributes,
		 "the AK template's bytes read back");

	memset(&untouched, 0xa5, sizeof(untouched));
	got = untouched;
	buf[n] = 0;
	t_report(mb_public_unmarshal(buf, n + 1, &got) == MB_E_MALFORMED &&
			 memcmp(&got, &untouched, sizeof(got)) == 0,
		 "a byte left over is refused, nothing written");
	t_report(mb_public_unmarshal(buf, n - 1, &got) == MB_E_MALFORMED &&
			 memcmp(&got, &untouched, sizeof(got)) == 0,
		 "one byte short is refused, nothing written");
	buf[0] ^= 0x01; /* the TPM2B's size no longer matches its contents */
	t_report(mb_public_unmarshal(buf, n, &got) == MB_E_MALFORMED &&
			 memcmp(&got, &untouched, sizeof(got)) == 0,
		 "a wrong size field is refused");
	t_report(mb_public_unmarshal(buf, 0, &got) == MB_E_MALFORMED, "no bytes are refused");
	return t_done();
}
