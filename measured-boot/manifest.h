/* SPDX-License-Identifier: MIT */
/*
 * The reference manifest: the digests a run is judged against. Written by
 * `vouch image` (and the kernel recipe for the boot part), read by the
 * verifier. schemas/manifest.cddl is the reference.
 */
#ifndef MB_MANIFEST_H
#define MB_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb.h"
#include "err.h"
#include "mb_limits.h"

#define MANIFEST_VERSION 1u

struct manifest_tree {
	char *name; /* "agent", "harness", ... unique */
	char *path; /* absolute path inside the root image */
	uint8_t digest[SHA256_BYTES];
};

struct manifest {
	/* root image */
	uint8_t image_digest[SHA256_BYTES];
	uint64_t image_size;
	char *image_format; /* "ext4" or "erofs" */
	bool has_verity;
	uint8_t verity_root[SHA256_BYTES];
	uint64_t verity_offset; /* data bytes; the hash tree starts here */
	bool trees_by_verity;   /* the tree digests are of this verity root's image:
				 * the guest references them (docs/measure-by-verity.md) */
	/* measured trees */
	size_t ntrees;
	struct manifest_tree trees[MAX_TREES];
	/* boot components, when the manifest was made with a kernel recipe */
	bool has_boot;
	uint8_t kernel_digest[SHA256_BYTES];
	uint8_t initramfs_digest[SHA256_BYTES];
	char *cmdline;
	/* run defaults taken from the image config */
	bool has_config;
	size_t argc, envc;
	char *argv[MAX_ARGS + 1];
	char *envp[MAX_ENV + 1];
	char *cwd;
	char *user;
	/* the run spec, pinned whole as its exact encoded bytes (runspec.cddl):
	 * every field it has, and every field it grows, is pinned */
	bool has_runspec;
	size_t runspec_len;
	uint8_t runspec[MAX_RUNSPEC_BYTES];
	char strings[MAX_MANIFEST_BYTES];
};

void manifest_encode(const struct manifest *m, struct cb_wr *w);
/* ret is large (~330 KiB): allocate it on the heap. */
int manifest_decode(const uint8_t *p, size_t len, struct manifest *ret) MB_WARN_UNUSED;
/* A verity data size: whole blocks, at least one, inside the image. */
bool verity_offset_ok(uint64_t offset, uint64_t image_size);
const struct manifest_tree *manifest_find_tree(const struct manifest *m, const char *name);

#endif
