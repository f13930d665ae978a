/* SPDX-License-Identifier: MIT */
/*
 * For tests that play the TPM's AK with a software key: an ECDSA-SHA256
 * signature over SHA-256(msg) by an OpenSSL P-256 key, marshalled as the
 * TPMT_SIGNATURE a TPM returns. Include after t.h.
 */
#ifndef T_TPMSIG_H
#define T_TPMSIG_H

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

static inline size_t t_tpm_sign(EVP_PKEY *key, const uint8_t *msg, size_t n, uint8_t *out, size_t cap)
{
	TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_ECDSA };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	const unsigned char *dp = der;
	size_t dn = sizeof(der), off = 0;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	REQUIRE(md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		EVP_DigestSign(md, der, &dn, msg, n) == 1);
	es = d2i_ECDSA_SIG(NULL, &dp, (long)dn);
	REQUIRE(es);
	ECDSA_SIG_get0(es, &r, &s);
	sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig.signature.ecdsa.signatureR.size = (UINT16)BN_bn2binpad(r, sig.signature.ecdsa.signatureR.buffer, 32);
	sig.signature.ecdsa.signatureS.size = (UINT16)BN_bn2binpad(s, sig.signature.ecdsa.signatureS.buffer, 32);
	REQUIRE(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, out, cap, &off) == 0);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return off;
}

#endif
