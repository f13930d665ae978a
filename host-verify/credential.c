// SPDX-License-Identifier: MIT
#include "credential.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

int credential_kdfa(const uint8_t *key, size_t key_len, const char *label,
		    const uint8_t *ctx_u, size_t u_len, const uint8_t *ctx_v, size_t v_len,
		    uint8_t *out, size_t out_bits)
{
	size_t out_len = (out_bits + 7) / 8, done = 0;
	uint8_t bits_be[4] = { (uint8_t)(out_bits >> 24), (uint8_t)(out_bits >> 16),
			       (uint8_t)(out_bits >> 8), (uint8_t)out_bits };

	for (uint32_t i = 1; done < out_len; i++) {
		uint8_t ctr[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		uint8_t block[32];
		size_t n, outl = 0;
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		EVP_MAC_CTX *m = mac ? EVP_MAC_CTX_new(mac) : NULL;
		OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
					OSSL_PARAM_construct_end() };
		int ok;

		ok = m && EVP_MAC_init(m, key, key_len, params) == 1 &&
		     EVP_MAC_update(m, ctr, 4) == 1 &&
		     EVP_MAC_update(m, (const uint8_t *)label, strlen(label) + 1) == 1 &&
		     (u_len == 0 || EVP_MAC_update(m, ctx_u, u_len) == 1) &&
		     (v_len == 0 || EVP_MAC_update(m, ctx_v, v_len) == 1) &&
		     EVP_MAC_update(m, bits_be, 4) == 1 &&
		     EVP_MAC_final(m, block, &outl, sizeof(block)) == 1 && outl == sizeof(block);
		EVP_MAC_CTX_free(m);
		EVP_MAC_free(mac);
		if (!ok)
			return MB_E_CRYPTO;
		n = out_len - done < sizeof(block) ? out_len - done : sizeof(block);
		memcpy(out + done, block, n);
		done += n;
	}
	return 0;
}

static EVP_PKEY *rsa_from_public(const TPM2B_PUBLIC *ek)
{
	const TPMS_RSA_PARMS *rp = &ek->publicArea.parameters.rsaDetail;
	uint32_t exp = rp->exponent ? rp->exponent : 65537;
	BIGNUM *n = BN_bin2bn(ek->publicArea.unique.rsa.buffer, ek->publicArea.unique.rsa.size, NULL);
	BIGNUM *e = BN_new();
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;

	if (!n || !e || !b || !ctx || !BN_set_word(e, exp) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !(params = OSSL_PARAM_BLD_to_param(b)) || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return pk;
}

/* RSA-OAEP(SHA-256) with the label "IDENTITY" (NUL included). */
static int encrypt_seed(const TPM2B_PUBLIC *ek, const uint8_t *seed, size_t seed_len,
			TPM2B_ENCRYPTED_SECRET *ret)
{
	static const char label[] = "IDENTITY";
	EVP_PKEY *pk = rsa_from_public(ek);
	EVP_PKEY_CTX *ctx = pk ? EVP_PKEY_CTX_new(pk, NULL) : NULL;
	void *lab = OPENSSL_memdup(label, sizeof(label));
	size_t outlen = sizeof(ret->secret);
	int e = MB_E_CRYPTO;

	if (!ctx || !lab || EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, lab, (int)sizeof(label)) != 1)
		goto out;
	lab = NULL; /* owned by ctx now */
	if (EVP_PKEY_encrypt(ctx, ret->secret, &outlen, seed, seed_len) != 1)
		goto out;
	ret->size = (UINT16)outlen;
	e = 0;
out:
	OPENSSL_free(lab);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return e;
}

static int aes128_cfb(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t *out)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_cfb128(), NULL, key, iv) == 1 &&
	     EVP_EncryptUpdate(c, out, &l1, in, (int)n) == 1 &&
	     EVP_EncryptFinal_ex(c, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : MB_E_CRYPTO;
}

static int hmac_sha256(const uint8_t *key, size_t kn, const uint8_t *a, size_t an,
		       const uint8_t *b, size_t bn, uint8_t out[32])
{
	uint8_t *buf = OPENSSL_malloc(an + bn);
	unsigned int n = 0;
	int ok;

	if (!buf)
		return MB_E_NOMEM;
	memcpy(buf, a, an);
	memcpy(buf + an, b, bn);
	ok = HMAC(EVP_sha256(), key, (int)kn, buf, an + bn, out, &n) != NULL && n == 32;
	OPENSSL_free(buf);
	return ok ? 0 : MB_E_CRYPTO;
}

int credential_make(const TPM2B_PUBLIC *ek, const TPM2B_NAME *ak_name,
		    const uint8_t *credential, size_t credential_len,
		    TPM2B_ID_OBJECT *ret_blob, TPM2B_ENCRYPTED_SECRET *ret_secret)
{
	const TPMT_PUBLIC *p = &ek->publicArea;
	uint8_t seed[32], sym[16], hkey[32], plain[2 + 32], hmac[32];
	TPM2B_ID_OBJECT blob = { 0 };
	TPM2B_ENCRYPTED_SECRET secret = { 0 };
	size_t enc_len = 2 + credential_len;
	int e;

	/* only the standard RSA EK template shape: SHA-256 names, AES-128-CFB */
	if (p->type != TPM2_ALG_RSA || p->nameAlg != TPM2_ALG_SHA256 ||
	    p->parameters.rsaDetail.symmetric.algorithm != TPM2_ALG_AES ||
	    p->parameters.rsaDetail.symmetric.keyBits.aes != 128 ||
	    p->parameters.rsaDetail.symmetric.mode.aes != TPM2_ALG_CFB)
		return MB_E_ALG;
	if (credential_len == 0 || credential_len > 32 || ak_name->size < 2)
		return MB_E_INVAL;
	if (RAND_bytes(seed, sizeof(seed)) != 1)
		return MB_E_CRYPTO;
	if ((e = encrypt_seed(ek, seed, sizeof(seed), &secret)) < 0)
		goto out;
	if ((e = credential_kdfa(seed, sizeof(seed), "STORAGE", ak_name->name, ak_name->size,
				 NULL, 0, sym, 128)) < 0 ||
	    (e = credential_kdfa(seed, sizeof(seed), "INTEGRITY", NULL, 0, NULL, 0, hkey, 256)) < 0)
		goto out;
	/* the credential as a marshalled TPM2B_DIGEST, encrypted */
	plain[0] = (uint8_t)(credential_len >> 8);
	plain[1] = (uint8_t)credential_len;
	memcpy(plain + 2, credential, credential_len);
	/* blob = TPM2B(outerHMAC) || encIdentity */
	if ((e = aes128_cfb(sym, plain, enc_len, blob.credential + 2 + 32)) < 0)
		goto out;
	if ((e = hmac_sha256(hkey, sizeof(hkey), blob.credential + 34, enc_len, ak_name->name,
			     ak_name->size, hmac)) < 0)
		goto out;
	blob.credential[0] = 0;
	blob.credential[1] = 32;
	memcpy(blob.credential + 2, hmac, 32);
	blob.size = (UINT16)(2 + 32 + enc_len);
	*ret_blob = blob;
	*ret_secret = secret;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	OPENSSL_cleanse(plain, sizeof(plain));
	return e;
}
