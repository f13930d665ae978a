/* SPDX-License-Identifier: MIT */
/*
 * Inside the ext4 writer, as passes over one walker:
 *   image_ext4.c       counts, runs mke2fs, puts, seals (the only caller
 *                      of the passes)
 *   image_ext4_size.c  the count pass, and the image's shape from it
 *   image_ext4_put.c   the put pass, into the image mke2fs laid out
 *   image_ext4_walk.c  the walk over the staging tree, which knows the
 *                      passes only by their struct ext4_pass
 * Each file calls only the ones below it. Nothing here is for the rest
 * of vouch.
 */
#ifndef VOUCH_IMAGE_EXT4_INT_H
#define VOUCH_IMAGE_EXT4_INT_H

#include <ext2fs/ext2fs.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "image.h"
#include "image_ext4.h"
#include "mb_limits.h"

/* The block sizes an image may have: index i is 1024 << i. */
#define EXT4_SIZES 3
#define EXT4_BLOCK(i) (IMG_EXT4_BLOCK_MIN << (i))

#define INODE_BYTES 256u
#define DIR_TAIL_BYTES 12u    /* metadata_csum tail of a directory block */
#define FAST_SYMLINK_MAX 59u  /* shorter targets live in the inode */
#define MAX_ENTRIES (2ull * IMG_MAX_ENTRIES) /* entries and the parents they imply */
#define XNAMES_BYTES (IMG_MAX_XATTRS * (XATTR_NAME_MAX + 1))
#define LPF "lost+found"
#define MAX_SEC 0x37fffffffLL /* ext4 times end in 2446 */
#define SLACK_BLOCKS 16u      /* beside the count, and what a shrunk image used */

struct hardlink {
	dev_t dev;
	ino_t ino;
	uint32_t names;                 /* its names in the tree */
	ext2_ino_t ext;                 /* its inode in the image, once written */
	uint64_t blocks[EXT4_SIZES];    /* counted once, not per name */
};

enum lpf { LPF_MKE2FS, LPF_STAGED, LPF_GONE };

struct ext4_ctx {
	ext2_filsys fs; /* the image, while putting */
	unsigned block; /* the block size, once chosen */
	int64_t epoch;
	uint64_t entries, inodes;
	uint64_t blocks[EXT4_SIZES]; /* counted, for each block size */
	size_t max_link;             /* the longest symlink target */
	size_t max_xattr;            /* the most xattr bytes on one inode */
	struct hardlink *hl;
	size_t nhl, caphl;
	enum lpf lpf;
	errcode_t err; /* libext2fs' last error */
	char *buf, *xnames, *xval;
	char path[MAX_PATH_BYTES + 1]; /* the entry at hand */
	size_t plen;
};

/* The image's shape: its block size, blocks and inodes for mke2fs. */
struct ext4_shape {
	unsigned block;
	uint64_t blocks, inodes;
};

static inline uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* A pass over the walk: what it does with a directory's sorted names
 * (before its entries), with each entry (*ret: its inode in the image,
 * the parent of a directory's entries), and with a directory once its
 * entries are done (links: 2 + its subdirectories). dir and dir_done may
 * be NULL. */
struct ext4_pass {
	void (*dir)(struct ext4_ctx *c, char **names, size_t n);
	int (*entry)(struct ext4_ctx *c, int dfd, ext2_ino_t dir, const char *name,
		     const struct stat *st, ext2_ino_t *ret);
	int (*dir_done)(struct ext4_ctx *c, int dfd, const char *name, ext2_ino_t ino,
			const struct stat *st, uint32_t links);
};

/* image_ext4_walk.c: the walk, and what both passes read of an entry */

/* Walks the directory dfd (the image's dir, when the pass writes one) in
 * bytewise name order, depth first, c->path naming the entry at hand;
 * ret_subdirs: its subdirectories. */
int ext4_walk_dir(struct ext4_ctx *c, const struct ext4_pass *p, int dfd, ext2_ino_t dir,
		  unsigned depth, uint32_t *ret_subdirs);
/* libext2fs' error as a project code, kept in c->err for the message. */
int ext4_e2(struct ext4_ctx *c, errcode_t err);
/* The names of name's xattrs in dfd, sorted, in c->xnames; path gets
 * the /proc path to read their values through. */
int ext4_xattr_names(struct ext4_ctx *c, int dfd, const char *name, char *path, size_t cap,
		     char **names, size_t *ret_n);
/* Hard links by (st_dev, st_ino): the order of c->hl, and a lookup in it. */
int ext4_hardlink_cmp(const void *a, const void *b);
struct hardlink *ext4_hardlink_find(struct ext4_ctx *c, const struct stat *st);

/* image_ext4_size.c: the count pass */

/* The first pass over the tree below root: inodes and blocks for every
 * block size, the hard links merged. */
int ext4_count_tree(struct ext4_ctx *c, int root);
/* The block size of the smallest image of no less than min_block bytes
 * (the larger within 2%), and that image's blocks and inodes. */
int ext4_choose_shape(const struct ext4_ctx *c, unsigned min_block, struct ext4_shape *ret);
/* total blocks, grown where mke2fs would drop its last group */
uint64_t ext4_fill_last_group(uint64_t total, uint64_t inodes, unsigned block);
/* What to ask mke2fs for so that at least inodes come out of it. */
uint64_t ext4_mke2fs_inodes(uint64_t total, uint64_t inodes, unsigned block);

/* image_ext4_put.c: the put pass */

/* The second pass: the tree below root into the image img mke2fs laid
 * out (lost+found, the bad block inode and the root given the build
 * time), closed; its blocks and the blocks it used. */
int ext4_put_tree(struct ext4_ctx *c, int root, const char *img, uint64_t *ret_blocks,
		  uint64_t *ret_used);

#endif
