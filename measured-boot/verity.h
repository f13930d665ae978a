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

#endif
