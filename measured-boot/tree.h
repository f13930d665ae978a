/* SPDX-License-Identifier: MIT */
/*
 * The tree digest: one SHA-256 over a file tree, independent of the file
 * system, the order readdir() returns and timestamps. schemas/tree-digest.md
 * specifies it so that anyone can re-implement it.
 */
#ifndef MB_TREE_H
#define MB_TREE_H

#include <stdint.h>

#include "err.h"

#define TREE_TAG "vouch.tree.v1"

enum tree_type {
	TREE_REG = 1,
	TREE_DIR = 2,
	TREE_LNK = 3,
	TREE_CHR = 4,
	TREE_BLK = 5,
	TREE_FIFO = 6,
	TREE_SOCK = 7,
};

struct tree_stats {
	uint64_t entries;
	uint64_t content_bytes; /* bytes of regular files hashed */
};

/* Digest of the tree at path, resolved against dirfd (AT_FDCWD or a
 * directory). Nothing under path is followed through a symlink. stats may
 * be NULL. */
int tree_digest(int dirfd, const char *path, uint8_t out[static 32],
		struct tree_stats *stats) MB_WARN_UNUSED;

#endif
