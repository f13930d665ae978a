/* SPDX-License-Identifier: MIT */
/*
 * TPM2_MakeCredential in software (TPM 2.0 Part 1, 24 "Credential
 * Protection"), for an RSA EK: the secret can only be recovered by the TPM
 * holding that EK, and only for an object with exactly the given name. The
 * verifier uses it to prove the AK lives in the pinned TPM.
 */
#ifndef HV_CREDENTIAL_H
#define HV_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "err.h"

/* credential is the secret (at most 32 bytes); ret_blob and ret_secret
 * receive TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET. */
int credential_make(const TPM2B_PUBLIC *ek, const TPM2B_NAME *ak_name,
		    const uint8_t *credential, size_t credential_len,
		    TPM2B_ID_OBJECT *ret_blob, TPM2B_ENCRYPTED_SECRET *ret_secret) MB_WARN_UNUSED;

/* KDFa with SHA-256 (TPM 2.0 Part 1, 11.4.10.2), exported for its test. */
int credential_kdfa(const uint8_t *key, size_t key_len, const char *label,
		    const uint8_t *ctx_u, size_t u_len, const uint8_t *ctx_v, size_t v_len,
		    uint8_t *out, size_t out_bits) MB_WARN_UNUSED;

#endif
