// SPDX-License-Identifier: MIT
/* SHA256_Init and friends are deprecated in OpenSSL 3 in favour of EVP,
 * but they are the same SHA-NI block function without EVP's per-digest
 * dispatch, and a record is two blocks: for short digests they are twice
 * as fast (bench/verify). SHA256() itself now fetches the algorithm on
 * every call and is slower than either. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sha256.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

/* Fetched once: looking the algorithm up per digest costs more than
 * hashing a small record. */
static const EVP_MD *sha256_md(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

int sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const EVP_MD *md = sha256_md();

	if (!c || !md) {
		EVP_MD_CTX_free(c);
		return MB_E_NOMEM;
	}
	if (EVP_DigestInit_ex(c, md, NULL) != 1) {
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
	const struct sha256_part parts[2] = { { a, na }, { b, nb } };

	return sha256_parts(parts, 2, out);
}

/* On the stack, nothing allocated: a record, a PCR extend, a chain link. */
int sha256_parts(const struct sha256_part *parts, size_t n, uint8_t out[static 32])
{
	SHA256_CTX c;
	uint8_t d[32];
	int ok = SHA256_Init(&c) == 1;

	for (size_t i = 0; ok && i < n; i++)
		if (parts[i].n)
			ok = SHA256_Update(&c, parts[i].p, parts[i].n) == 1;
	ok = ok && SHA256_Final(d, &c) == 1;
	OPENSSL_cleanse(&c, sizeof(c));
	if (!ok)
		return MB_E_CRYPTO;
	memcpy(out, d, sizeof(d));
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sha256_from_hex(const char *s, size_t n, uint8_t out[static 32])
{
	uint8_t d[32];

	if (n != 2 * sizeof(d))
		return MB_E_LENGTH;
	for (size_t i = 0; i < sizeof(d); i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return MB_E_INVAL;
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, d, sizeof(d));
	return 0;
}

int sha256_fd(int fd, void *buf, size_t cap, uint8_t out[static 32], uint64_t *total)
{
	struct sha256 h;
	uint64_t got = 0;
	int e;

	if ((e = sha256_init(&h)) < 0)
		return e;
	for (;;) {
		ssize_t n = read(fd, buf, cap);

		if (n < 0 && errno == EINTR) /* interrupted: read again */
			continue;
		if (n < 0) {
			sha256_abort(&h);
			return MB_E_IO;
		}
		if (n == 0)
			break;
		got += (uint64_t)n;
		if ((e = sha256_update(&h, buf, (size_t)n)) < 0) {
			sha256_abort(&h);
			return e;
		}
	}
	*total = got;
	return sha256_final(&h, out);
}
