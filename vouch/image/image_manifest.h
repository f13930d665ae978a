/* SPDX-License-Identifier: MIT */
/* The reference manifest `vouch image` writes: manifest.cbor
 * (schemas/manifest.cddl) and its readable view manifest.json. */
#ifndef VOUCH_IMAGE_MANIFEST_H
#define VOUCH_IMAGE_MANIFEST_H

#include "err.h"
#include "manifest.h"

struct json_object;

/* Run defaults from an image config (strings stay owned by cfg). */
int image_manifest_config(struct manifest *m, struct json_object *cfg) MB_WARN_UNUSED;
/* Tree digest of path (absolute in the image) below the staging root,
 * resolved as guest-init resolves it in the image. */
int image_manifest_tree(struct manifest *m, int root, const char *name,
			const char *path) MB_WARN_UNUSED;
/* Boot components: kernel and initrd digests and the command line. */
int image_manifest_boot(struct manifest *m, const char *kernel, const char *initrd,
			const char *cmdline) MB_WARN_UNUSED;
int image_manifest_write_cbor(const struct manifest *m, const char *path) MB_WARN_UNUSED;
int image_manifest_write_json(const struct manifest *m, const char *path) MB_WARN_UNUSED;

#endif
