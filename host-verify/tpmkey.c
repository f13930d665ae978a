// SPDX-License-Identifier: MIT
#include "tpmkey.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "sha256.h"

int tpmkey_name(const TPM2B_PUBLIC *pub, TPM2B_NAME *ret)
{
	uint8_t m[sizeof(TPMT_PUBLIC)];
	TPM2B_NAME name = { .size = 34, .name = { 0x00, 0x0b } }; /* TPM_ALG_SHA256 */
	size_t off = 0;

	if (pub->publicArea.nameAlg != TPM2_ALG_SHA256)
		return MB_E_ALG;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, m, sizeof(m), &off) != 0 ||
	    sha256_buf(m, off, name.name + 2) < 0)
		return MB_E_MALFORMED;
	*ret = name;
	return 0;
}

EVP_PKEY *tpmkey_ecc_p256(const TPM2B_PUBLIC *pub)
{
	const TPMS_ECC_POINT *pt = &pub->publicArea.unique.ecc;
	uint8_t point[65];
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	if (pub->publicArea.type != TPM2_ALG_ECC ||
	    pub->publicArea.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
	    pt->x.size != 32 || pt->y.size != 32)
		return NULL;
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, pt->x.buffer, 32);
	memcpy(point + 33, pt->y.buffer, 32);
	if (!(b = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) ||
	    !(params = OSSL_PARAM_BLD_to_param(b)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return pk; /* OpenSSL checks the point is on the curve on import */
}

int tpmkey_write_pem(const TPM2B_PUBLIC *pub, FILE *f)
{
	EVP_PKEY *pk = tpmkey_ecc_p256(pub);
	int ok = pk && PEM_write_PUBKEY(f, pk) == 1;

	EVP_PKEY_free(pk);
	return ok ? 0 : MB_E_CRYPTO;
}

int tpmkey_verify(EVP_PKEY *key, const uint8_t *msg, size_t n, const TPMT_SIGNATURE *sig)
{
	const TPMS_SIGNATURE_ECC *e = &sig->signature.ecdsa;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	uint8_t *der = NULL;
	EVP_MD_CTX *md = NULL;
	int len, rc = MB_E_CRYPTO;

	/* algorithm first, maths after */
	if (sig->sigAlg != TPM2_ALG_ECDSA || e->hash != TPM2_ALG_SHA256)
		return MB_E_ALG;
	if (e->signatureR.size == 0 || e->signatureR.size > 32 ||
	    e->signatureS.size == 0 || e->signatureS.size > 32)
		return MB_E_LENGTH;
	if (!(es = ECDSA_SIG_new()) ||
	    !(r = BN_bin2bn(e->signatureR.buffer, e->signatureR.size, NULL)) ||
	    !(s = BN_bin2bn(e->signatureS.buffer, e->signatureS.size, NULL)) ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by es */
	if ((len = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto out;
	if (!(md = EVP_MD_CTX_new()) || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1)
		goto out;
	rc = EVP_DigestVerify(md, der, (size_t)len, msg, n) == 1 ? 0 : MB_E_CRYPTO;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}
