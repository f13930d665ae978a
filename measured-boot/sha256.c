// SPDX-License-Identifier: MIT
#include "sha256.h"

#include <string.h>

#include <openssl/evp.h>

int sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c)
		return MB_E_NOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return MB_E_CRYPTO;
	}
	h->md = c;
	return 0;
}

int sha256_update(struct sha256 *h, const void *p, size_t n)
{
	return EVP_DigestUpdate(h->md, p, n) == 1 ? 0 : MB_E_CRYPTO;
}

int sha256_final(struct sha256 *h, uint8_t out[static 32])
{
	uint8_t d[32];
	unsigned int n = 0;
	int ok = EVP_DigestFinal_ex(h->md, d, &n) == 1 && n == sizeof(d);

	sha256_abort(h);
	if (!ok)
		return MB_E_CRYPTO;
	memcpy(out, d, sizeof(d));
	return 0;
}

void sha256_abort(struct sha256 *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

int sha256_buf(const void *p, size_t n, uint8_t out[static 32])
{
	return sha256_cat(p, n, NULL, 0, out);
}

int sha256_cat(const void *a, size_t na, const void *b, size_t nb, uint8_t out[static 32])
{
	struct sha256 h;
	int e = sha256_init(&h);

	if (e < 0)
		return e;
	if ((e = sha256_update(&h, a, na)) < 0 || (nb && (e = sha256_update(&h, b, nb)) < 0)) {
		sha256_abort(&h);
		return e;
	}
	return sha256_final(&h, out);
}
