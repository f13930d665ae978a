// SPDX-License-Identifier: MIT
/*
 * The first pass of the ext4 writer over the walk (image_ext4_walk.c):
 * the inodes and blocks of the tree for each block size, the hard links
 * merged, the image sizes they give, and the block size to write.
 * Only facts of the tree go in (sizes, names, link counts, xattrs; never
 * the host's block counts or readdir order), so every host counts alike.
 */
#include "image_ext4_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define DESC_BYTES 64u           /* 64bit group descriptors */
#define IBODY_XATTR_BYTES 88u    /* 256 - 128 - extra_isize 32 - magic, end */
#define XATTR_BLOCK_OVERHEAD 36u /* an xattr block's header and end marker */
#define EXTENTS_IN_INODE 4u
#define EXTENT_MAX_BLOCKS 32768u
#define FLEX_GROUPS 16u          /* mke2fs' flex_bg: 16 groups' tables at their start */
#define LPF_BYTES 16384u         /* mke2fs' lost+found, in whole blocks, 12 at most */
#define SLACK_INODES 16u
#define CLOSE_PERCENT 102u       /* a larger block within 2% of the smallest image wins */

/* ---- hard links: (st_dev, st_ino) of every multiply-linked non-directory ---- */

static int hardlink_add(struct ext4_ctx *c, const struct stat *st,
			const uint64_t blocks[static EXT4_SIZES])
{
	int e;

	if ((e = image_grow(&c->hl, c->nhl, &c->caphl, sizeof(*c->hl), 64)) < 0)
		return e;
	c->hl[c->nhl] = (struct hardlink){ st->st_dev, st->st_ino, 1, 0, { 0 } };
	memcpy(c->hl[c->nhl++].blocks, blocks, sizeof(c->hl->blocks));
	return 0;
}

/* One entry per inode; its other names cost neither an inode nor blocks. */
static void hardlink_merge(struct ext4_ctx *c)
{
	size_t o = 0;

	if (c->nhl > 1)
		qsort(c->hl, c->nhl, sizeof(*c->hl), ext4_hardlink_cmp);
	for (size_t i = 0; i < c->nhl; i++) {
		if (o && ext4_hardlink_cmp(&c->hl[o - 1], &c->hl[i]) == 0) {
			c->hl[o - 1].names++;
			c->inodes--;
			for (int s = 0; s < EXT4_SIZES; s++)
				c->blocks[s] -= c->hl[i].blocks[s];
		} else {
			c->hl[o++] = c->hl[i];
		}
	}
	c->nhl = o;
}

/* ---- extended attributes ---- */

/* One block when they do not fit in the inode (whatever its size: they
 * must fit in one); the most bytes on one inode rule out smaller blocks. */
static int count_xattrs(struct ext4_ctx *c, int dfd, const char *name, uint64_t *ret_blocks)
{
	char path[64 + MAX_NAME_BYTES], *names[IMG_MAX_XATTRS];
	size_t n, room = 0;
	int e;

	if ((e = ext4_xattr_names(c, dfd, name, path, sizeof(path), names, &n)) < 0)
		return e;
	for (size_t i = 0; i < n; i++) {
		ssize_t v = lgetxattr(path, names[i], NULL, 0);

		if (v < 0 || (size_t)v > IMG_MAX_XATTR_VALUE_BYTES)
			return v < 0 && errno != ERANGE ? IMG_E_XATTR : IMG_E_LIMIT;
		room += ((16 + strlen(names[i]) + 3) & ~3u) + (((size_t)v + 3) & ~3u);
	}
	if (room > c->max_xattr)
		c->max_xattr = room;
	*ret_blocks = room > IBODY_XATTR_BYTES;
	return 0;
}

/* ---- counting ---- */

/* Leaf blocks past the four extents the inode holds, and index blocks
 * above them past four leaves. */
static uint64_t extent_blocks(uint64_t extents, unsigned block)
{
	uint64_t per = (block - 12) / 12, n = extents, total = 0;

	while (n > EXTENTS_IN_INODE) {
		n = div_up(n, per);
		total += n;
	}
	return total;
}

/* Directory blocks with the names filled in order (libext2fs puts each
 * in the first block with room), and extent blocks when they are many:
 * a directory grows a block at a time between its files' data. */
static void dir_blocks(char **names, size_t n, uint64_t blocks[static EXT4_SIZES])
{
	for (int s = 0; s < EXT4_SIZES; s++) {
		uint64_t b = 1, used = 12 + 12; /* "." and ".." */

		for (size_t i = 0; i < n; i++) {
			uint64_t len = (8 + strlen(names[i]) + 3) & ~3u;

			if (used + len > EXT4_BLOCK(s) - DIR_TAIL_BYTES) {
				b++;
				used = 0;
			}
			used += len;
		}
		blocks[s] += b + extent_blocks(b, EXT4_BLOCK(s));
	}
}

/* A file's data breaks at the longest extent, at each flex group's
 * bitmaps and inode tables, at a backup superblock and a hole. */
static uint64_t file_blocks(uint64_t size, unsigned block)
{
	uint64_t n = size / block;

	return div_up(size, block) +
	       extent_blocks(n / EXTENT_MAX_BLOCKS + n / (FLEX_GROUPS * 8ull * block) + 2, block);
}

static int count_entry(struct ext4_ctx *c, int dfd, ext2_ino_t dir, const char *name,
		       const struct stat *st, ext2_ino_t *ret)
{
	uint64_t b[EXT4_SIZES], xb, size = (uint64_t)st->st_size;
	int e;

	if ((e = count_xattrs(c, dfd, name, &xb)) < 0)
		return e;
	if (S_ISLNK(st->st_mode) && size > c->max_link)
		c->max_link = size;
	for (int s = 0; s < EXT4_SIZES; s++) {
		b[s] = xb;
		if (S_ISREG(st->st_mode))
			b[s] += file_blocks(size, EXT4_BLOCK(s));
		else if (S_ISLNK(st->st_mode))
			b[s] += size > FAST_SYMLINK_MAX;
		c->blocks[s] += b[s];
	}
	c->inodes++;
	(void)dir; /* nothing is written: no inode in the image */
	(void)ret;
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		return hardlink_add(c, st, b);
	return 0;
}

static void count_dir(struct ext4_ctx *c, char **names, size_t n)
{
	dir_blocks(names, n, c->blocks);
}

static const struct ext4_pass count_pass = { .dir = count_dir, .entry = count_entry };

/* ---- sizing ---- */

static bool has_super(uint64_t g)
{
	static const unsigned bases[] = { 3, 5, 7 };

	if (g <= 1)
		return true;
	for (size_t i = 0; i < 3; i++) {
		uint64_t p = bases[i];

		while (p < g)
			p *= bases[i];
		if (p == g)
			return true;
	}
	return false;
}

/* Block 0 is the boot block, outside every group, when blocks are 1 KiB. */
static uint64_t first_data_block(unsigned block)
{
	return block == 1024;
}

/* Inodes a group, whole inode table blocks and a multiple of 8 (mke2fs
 * rounds up to whole blocks, then down to 8). */
static uint64_t inodes_per_group(uint64_t inodes, uint64_t groups, unsigned block)
{
	uint64_t per = block / INODE_BYTES < 8 ? 8 : block / INODE_BYTES;

	return div_up(div_up(inodes, groups), per) * per;
}

static uint64_t group_count(uint64_t total, unsigned block)
{
	return div_up(total - first_data_block(block), 8ull * block);
}

/* Superblocks and descriptors (sparse_super), bitmaps, inode tables;
 * one bitmap block a group, 8 blocks of it inodes at most. */
static uint64_t meta_blocks(uint64_t total, uint64_t inodes, unsigned block,
			    uint64_t *ret_group_meta)
{
	uint64_t groups = group_count(total, block), itable, desc, supers = 0;

	if (groups < div_up(inodes, 8ull * block))
		groups = div_up(inodes, 8ull * block);
	itable = inodes_per_group(inodes, groups, block) * INODE_BYTES / block;
	desc = div_up(groups * DESC_BYTES, block);
	for (uint64_t g = 0; g < groups; g++)
		supers += has_super(g);
	*ret_group_meta = 3 + desc + itable;
	return supers * (1 + desc) + groups * (2 + itable);
}

/* A last group with less than 50 blocks beside its metadata would be
 * dropped by mke2fs (or refused, when it is the only one): fill it up. */
uint64_t ext4_fill_last_group(uint64_t total, uint64_t inodes, unsigned block)
{
	uint64_t gm, bpg = 8ull * block, rem = (total - first_data_block(block)) % bpg;

	meta_blocks(total, inodes, block, &gm);
	if (rem && rem < gm + 50)
		total += gm + 50 - rem;
	return total;
}

uint64_t ext4_mke2fs_inodes(uint64_t total, uint64_t inodes, unsigned block)
{
	uint64_t groups = group_count(total, block);

	return groups * inodes_per_group(inodes, groups, block);
}

/* content + metadata, which grows with the total: until it settles */
static uint64_t image_blocks(uint64_t content, uint64_t inodes, unsigned block)
{
	uint64_t total = content + first_data_block(block), prev = 0, gm;

	for (int i = 0; i < 16 && total != prev; i++) {
		prev = total;
		total = content + first_data_block(block) + meta_blocks(prev, inodes, block, &gm) +
			SLACK_BLOCKS;
	}
	return ext4_fill_last_group(total, inodes, block);
}

/* Blocks smaller than a symlink's target (with its NUL) or an inode's
 * xattrs cannot hold them; 4096 stays, its limits checked as it is written. */
static bool block_fits(const struct ext4_ctx *c, unsigned block)
{
	return block == IMG_EXT4_BLOCK_MAX ||
	       (c->max_link < block && c->max_xattr + XATTR_BLOCK_OVERHEAD <= block);
}

int ext4_choose_shape(const struct ext4_ctx *c, unsigned min_block, struct ext4_shape *ret)
{
	/* inodes from 11 on are free (lost+found takes 11 and its blocks) */
	uint64_t inodes = c->inodes + EXT2_GOOD_OLD_FIRST_INO + SLACK_INODES;
	uint64_t blocks[EXT4_SIZES], least = UINT64_MAX;

	for (int s = 0; s < EXT4_SIZES; s++) {
		unsigned b = EXT4_BLOCK(s), lpf = LPF_BYTES / b < 12 ? LPF_BYTES / b : 12;

		blocks[s] = image_blocks(c->blocks[s] + lpf, inodes, b);
		if (b >= min_block && block_fits(c, b) && blocks[s] * b < least)
			least = blocks[s] * b;
	}
	for (int s = EXT4_SIZES - 1; s >= 0; s--) {
		unsigned b = EXT4_BLOCK(s);

		if (b >= min_block && block_fits(c, b) && blocks[s] * b * 100 <= least * CLOSE_PERCENT) {
			*ret = (struct ext4_shape){ b, blocks[s], inodes };
			return 0;
		}
	}
	return IMG_E_CONFIG; /* min_block past 4096 */
}

/* ---- the pass ---- */

int ext4_count_tree(struct ext4_ctx *c, int root)
{
	uint64_t xb;
	uint32_t sub;
	int e;

	if ((e = ext4_walk_dir(c, &count_pass, root, 0, 0, &sub)) < 0 || (e = count_xattrs(c, root, ".", &xb)) < 0)
		return e;
	for (int s = 0; s < EXT4_SIZES; s++)
		c->blocks[s] += xb;
	hardlink_merge(c);
	c->plen = 0;
	c->path[0] = 0;
	return 0;
}
