/* SPDX-License-Identifier: MIT */
/*
 * The attestation key's shape, owned in one place: guest-init creates the
 * AK from this template and the verifier refuses any AK that differs.
 */
#ifndef MB_AK_H
#define MB_AK_H

#include <tss2/tss2_tpm2_types.h>

#include "err.h"

#define AK_ATTRIBUTES (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | \
		       TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |      \
		       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | \
		       TPMA_OBJECT_NODA)

/* Restricted ECDSA P-256 signing key, SHA-256 names. */
void ak_template(TPM2B_PUBLIC *ret);
/* 0 if pub is exactly an AK of our template (any point), else MB_E_RANGE
 * for wrong attributes or MB_E_ALG for the wrong algorithms. */
int ak_check_public(const TPM2B_PUBLIC *pub) MB_WARN_UNUSED;

#endif
