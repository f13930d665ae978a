/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line's word for a dm-verity root,
 *   vouch.verity=BLOCKS:ROOT
 * (schemas/manifest.cddl): BLOCKS the data's 4096-byte blocks in decimal,
 * 1 to MAX_VERITY_DATA_BLOCKS, no leading zero; ROOT the root hash as 64
 * lowercase hex digits. One writer (the launcher and `vouch image`), one
 * reader (guest-init), and the verifier compares with the writer's form.
 */
#ifndef MB_VERITY_H
#define MB_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mb_limits.h"

#define VERITY_SPEC_KEY "vouch.verity="
/* "4294967296:" + 64 hex digits + NUL */
#define VERITY_SPEC_BYTES (10 + 1 + 2 * SHA256_BYTES + 1)

/* Writes "BLOCKS:ROOT" (no key); MB_E_RANGE for a block count out of range. */
int verity_spec_format(char out[static VERITY_SPEC_BYTES], uint64_t data_blocks,
		       const uint8_t root[static SHA256_BYTES]) MB_WARN_UNUSED;
/* Reads exactly n bytes of "BLOCKS:ROOT"; the outputs are written only on
 * success. MB_E_RANGE (blocks), MB_E_LENGTH (root digits), MB_E_INVAL. */
int verity_spec_parse(const char *s, size_t n, uint64_t *data_blocks,
		      uint8_t root[static SHA256_BYTES]) MB_WARN_UNUSED;

/* Trees by reference (docs/measure-by-verity.md): the word that tells
 * guest-init to reference the trees instead of walking them, and the
 * digest of a tree's event, SHA-256("vouch.tree-by-verity" || root ||
 * path), path an absolute path in the image without its NUL. */
#define VERITY_TREES_WORD "vouch.trees=verity"
#define VERITY_TREE_DOMAIN "vouch.tree-by-verity"
int verity_tree_ref(const uint8_t root[static SHA256_BYTES], const char *path,
		    uint8_t out[static SHA256_BYTES]) MB_WARN_UNUSED;

#endif
