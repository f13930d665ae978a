/* SPDX-License-Identifier: MIT */
/*
 * TPM public areas, read one way on both sides: where the EK lives, and
 * a TPM2B_PUBLIC taken from bytes strictly (the whole of them, nothing
 * left over).
 */
#ifndef MB_TPMPUB_H
#define MB_TPMPUB_H

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

#include "err.h"

/* swtpm_setup's persistent RSA 2048 endorsement key */
#define MB_EK_RSA_HANDLE 0x81010001u

/* Exactly the n bytes of p as a TPM2B_PUBLIC: 0, or MB_E_MALFORMED when
 * they are not one or bytes are left over. *ret is written only on
 * success. */
int mb_public_unmarshal(const uint8_t *p, size_t n, TPM2B_PUBLIC *ret) MB_WARN_UNUSED;

#endif
