/* SPDX-License-Identifier: MIT */
/*
 * Inside the ext4 writer: image_ext4_size.c walks the staging tree (both
 * passes walk it the same way) and counts what the first pass finds,
 * image_ext4_put.c puts each entry into the image the second pass fills,
 * image_ext4.c runs mke2fs and the passes. Nothing here is for the rest
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
	ext2_filsys fs; /* NULL while counting */
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

/* libext2fs' error as a project code, kept in c->err for the message. */
int ext4_e2(struct ext4_ctx *c, errcode_t err);

/* image_ext4_size.c: the walk, and the count of the first pass */

/* The names of name's xattrs in dfd, sorted, in c->xnames; path gets
 * the /proc path to read their values through. */
int ext4_xattr_names(struct ext4_ctx *c, int dfd, const char *name, char *path, size_t cap,
		     char **names, size_t *ret_n);
/* Walks the directory dfd: counts each entry when c->fs is NULL, else
 * puts it into the image below dir. */
int ext4_walk_dir(struct ext4_ctx *c, int dfd, ext2_ino_t dir, unsigned depth,
		  uint32_t *ret_subdirs);
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
struct hardlink *ext4_hardlink_find(struct ext4_ctx *c, const struct stat *st);

/* image_ext4_put.c: writing */

/* The entry name in dfd as a new inode linked into dir (a directory is
 * finished by ext4_finish_inode once its entries are in). */
int ext4_put_entry(struct ext4_ctx *c, int dfd, ext2_ino_t dir, const char *name,
		   const struct stat *st, ext2_ino_t *ret);
int ext4_finish_inode(struct ext4_ctx *c, int dfd, const char *name, ext2_ino_t ino,
		      const struct stat *st, uint32_t links);
/* sec as every time of inode ino (root, lost+found, bad blocks). */
int ext4_inode_times(struct ext4_ctx *c, ext2_ino_t ino, int64_t sec);

#endif
