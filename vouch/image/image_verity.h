/* SPDX-License-Identifier: MIT */
#ifndef VOUCH_IMAGE_VERITY_H
#define VOUCH_IMAGE_VERITY_H

#include <stdint.h>

/*
 * Pads img to whole 4096-byte blocks, appends its dm-verity hash tree
 * (schemas/manifest.cddl's shape) and returns where the tree starts (the
 * data's size) and the root hash. work is a private scratch folder.
 * IMG_E_VERITY when veritysetup fails.
 */
int image_verity(const char *img, const char *work, uint64_t *ret_offset, uint8_t root[32]);

#endif
