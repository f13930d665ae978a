/* SPDX-License-Identifier: MIT */
/* TPM public areas as OpenSSL keys, and TPM signatures checked with
 * OpenSSL: the verifier never asks a TPM whether a TPM signed something. */
#ifndef HV_TPMKEY_H
#define HV_TPMKEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "err.h"

/* The object's Name: 0x000b || SHA-256 of the marshalled TPMT_PUBLIC
 * (TPM 2.0 Part 1, 16 "Names"). MB_E_ALG for another nameAlg. */
int tpmkey_name(const TPM2B_PUBLIC *pub, TPM2B_NAME *ret) MB_WARN_UNUSED;
/* ECC P-256 public areas only (the AK). NULL on anything else. */
EVP_PKEY *tpmkey_ecc_p256(const TPM2B_PUBLIC *pub);
int tpmkey_write_pem(const TPM2B_PUBLIC *pub, FILE *f) MB_WARN_UNUSED;
/* ECDSA-SHA256 signature sig over SHA-256(msg) by key. 0 when valid. */
int tpmkey_verify(EVP_PKEY *key, const uint8_t *msg, size_t n,
		  const TPMT_SIGNATURE *sig) MB_WARN_UNUSED;

#endif
