/* SPDX-License-Identifier: MIT */
/* SHA-256 through OpenSSL, which uses SHA-NI where the CPU has it: EVP
 * for streams, the low-level functions for short one-shot digests. */
#ifndef MB_SHA256_H
#define MB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct sha256 {
	void *md; /* EVP_MD_CTX */
};

int sha256_init(struct sha256 *h) MB_WARN_UNUSED;
int sha256_update(struct sha256 *h, const void *p, size_t n) MB_WARN_UNUSED;
/* Writes the digest and frees the context, also on failure. */
int sha256_final(struct sha256 *h, uint8_t out[static 32]) MB_WARN_UNUSED;
void sha256_abort(struct sha256 *h);

int sha256_buf(const void *p, size_t n, uint8_t out[static 32]) MB_WARN_UNUSED;
/* SHA-256 of what fd reads until its end, through buf (cap bytes); the
 * bytes read in *total. MB_E_IO on a read error. */
int sha256_fd(int fd, void *buf, size_t cap, uint8_t out[static 32], uint64_t *total) MB_WARN_UNUSED;
/* A digest written as exactly 64 lowercase hex digits (n of them); out
 * is written only on success (MB_E_LENGTH, MB_E_INVAL otherwise). */
int sha256_from_hex(const char *s, size_t n, uint8_t out[static 32]) MB_WARN_UNUSED;
/* SHA-256(a || b) */
int sha256_cat(const void *a, size_t na, const void *b, size_t nb,
	       uint8_t out[static 32]) MB_WARN_UNUSED;
/* SHA-256 of the n parts one after the other, without an allocation. */
struct sha256_part {
	const void *p;
	size_t n;
};
int sha256_parts(const struct sha256_part *parts, size_t n, uint8_t out[static 32]) MB_WARN_UNUSED;

#endif
