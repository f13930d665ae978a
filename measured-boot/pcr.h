/* SPDX-License-Identifier: MIT */
/* SHA-256 PCR bank arithmetic: extend, and the composite digest a TPM2
 * quote carries (TPMS_QUOTE_INFO.pcrDigest). */
#ifndef MB_PCR_H
#define MB_PCR_H

#include <stdint.h>

#include "err.h"
#include "mb_limits.h"

/* The PCRs vouch uses (schemas/pcr-map.md owns this table). */
enum {
	PCR_BOOT = 8,    /* kernel, initramfs, kernel command line */
	PCR_ROOT = 9,    /* root image digest or verity root hash */
	PCR_RUNSPEC = 11,
	PCR_TREES = 12,  /* agent tree, harness tree */
	PCR_SESSION = 13 /* separator, then the record-chain head */
};
#define PCR_VOUCH_MASK ((1u << PCR_BOOT) | (1u << PCR_ROOT) | (1u << PCR_RUNSPEC) | \
			(1u << PCR_TREES) | (1u << PCR_SESSION))

struct pcr_bank {
	uint8_t v[PCR_COUNT][SHA256_BYTES];
};

/* All PCRs as after TPM2_Startup(CLEAR) at locality 0: zero. */
void pcr_bank_init(struct pcr_bank *b);
/* pcr = SHA-256(pcr || digest) */
int pcr_extend(struct pcr_bank *b, unsigned index, const uint8_t digest[static 32]) MB_WARN_UNUSED;
/* SHA-256 over the selected PCR values in ascending index order. */
int pcr_composite(const struct pcr_bank *b, uint32_t mask, uint8_t out[static 32]) MB_WARN_UNUSED;

#endif
