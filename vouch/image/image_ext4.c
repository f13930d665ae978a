// SPDX-License-Identifier: MIT
/*
 * The staging tree as a reproducible ext4 image. `mkfs.ext4 -d` is no use
 * here: e2fsprogs 1.47.0 copies the staging files' ctimes and the host's
 * readdir order into the image. Instead:
 *  1. one walk counts inodes and blocks for each block size (1, 2 and
 *     4 KiB), sizes an image from each and takes the block size of the
 *     smallest, the larger within 2% (image_ext4_size.c, a pass over the walk in image_ext4_walk.c);
 *  2. mke2fs lays out the empty file system (running it keeps its table
 *     layout, inode tables, root, lost+found and bad block inode, which
 *     ext2fs_initialize alone does not do) with every choice fixed: its
 *     profile, block size, features, UUID, hash seed, label and time;
 *  3. a second walk adds the tree with libext2fs (image_ext4_put.c), names in bytewise order,
 *     each inode rewritten last with the staged owner, mode and mtime as
 *     every one of its times (libext2fs would put time(NULL) in a zero one);
 *  4. every superblock copy gets the build time and the read-only feature.
 * Out of room (the count is an estimate), it starts again, bigger.
 */
#include "image_ext4_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "proc.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "superblocks are patched in place: little-endian hosts only"
#endif

#define SHRINK_MIN_BYTES (4u << 20) /* less unused than this (and 1/16) is kept */
#define MAX_TRIES 4

/* Fixed: the image is named by its digest instead. */
#define FS_UUID "5ec1a1e0-0000-4000-8000-00000000000e"
#define HASH_SEED "5ec1a1e0-0000-4000-8000-00000000000f"
#define FS_LABEL "vouch"
/* No journal (the root is mounted read-only), no resize inode (never
 * grown), no inline data (libext2fs 1.47.0 writes it poorly). */
#define FS_FEATURE_LIST                                                                       \
	"ext_attr,dir_index,filetype,extent,64bit,flex_bg,sparse_super,large_file,huge_file,"  \
	"dir_nlink,extra_isize,metadata_csum"
#define FS_FEATURES "none," FS_FEATURE_LIST

/* Replaces the host's /etc/mke2fs.conf (%u: the block size); the command
 * line says it all again. */
static const char mke2fs_conf[] = "[defaults]\n"
				  "\tbase_features = " FS_FEATURE_LIST "\n"
				  "\tdefault_mntopts = acl,user_xattr\n"
				  "\tenable_periodic_fsck = 0\n"
				  "\tblocksize = %u\n"
				  "\tinode_size = 256\n"
				  "\thash_alg = half_md4\n"
				  "[fs_types]\n"
				  "\text4 = {\n\t\tfeatures = " FS_FEATURE_LIST "\n\t}\n"
				  "\tdefault = {\n\t\tinode_ratio = 16384\n\t}\n";

/* mke2fs reads these too; none may change the image. */
static const char *const mke2fs_env[] = {
	"MKE2FS_SYNC",	   "MKE2FS_DEVICE_SECTSIZE", "MKE2FS_DEVICE_PHYS_SECTSIZE",
	"MKE2FS_FIRST_META_BG", "E2FSPROGS_UNDO_DIR", "TEST_IO_FLAGS",
	"TEST_IO_BLOCK",   "UNIX_IO_FORCE_BOUNCE",
};

static bool out_of_room(errcode_t err)
{
	return err == EXT2_ET_BLOCK_ALLOC_FAIL || err == EXT2_ET_INODE_ALLOC_FAIL ||
	       err == EXT2_ET_DIR_NO_SPACE || err == ENOSPC;
}

/* ---- the file system ---- */

/* The empty file system, from mke2fs with nothing left to the host. */
static int run_mke2fs(const char *img, const struct ext4_shape *sh, int64_t epoch)
{
	char conf[PATH_MAX], text[sizeof(mke2fs_conf) + 8], bs[12], nb[24], ni[24], now[24], exe[64];
	/* the system's mke2fs: the e2fsprogs whose libext2fs this links */
	char *argv[] = { (char *)proc_sbin("mke2fs", exe, sizeof(exe)), "-q", "-F", "-t", "ext4", "-T", "default", "-b", bs, "-I", "256",
			 "-m", "0", "-N", ni, "-O", FS_FEATURES, "-U", FS_UUID, "-E",
			 "hash_seed=" HASH_SEED ",root_owner=0:0,lazy_itable_init=0,nodiscard",
			 "-L", FS_LABEL, (char *)img, nb, NULL };
	int fd, n, e;

	n = snprintf(text, sizeof(text), mke2fs_conf, sh->block);
	if ((e = pathf(conf, sizeof(conf), "%s.mke2fs.conf", img)) < 0 ||
	    (e = file_write_all(conf, text, (size_t)n)) < 0)
		return e;
	snprintf(bs, sizeof(bs), "%u", sh->block);
	snprintf(nb, sizeof(nb), "%llu", (unsigned long long)sh->blocks);
	/* at least sh->inodes come out of it: whole inode table blocks, 8 a group */
	snprintf(ni, sizeof(ni), "%llu",
		 (unsigned long long)ext4_mke2fs_inodes(sh->blocks, sh->inodes, sh->block));
	snprintf(now, sizeof(now), "%lld", (long long)epoch); /* 0: now, patched later */
	for (size_t i = 0; i < sizeof(mke2fs_env) / sizeof(mke2fs_env[0]); i++)
		unsetenv(mke2fs_env[i]);
	if (setenv("MKE2FS_CONFIG", conf, 1) < 0 || setenv("E2FSPROGS_FAKE_TIME", now, 1) < 0)
		e = MB_E_NOMEM;
	/* made here, its size set: mke2fs says nothing about creating it */
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (e == 0 && (fd < 0 || ftruncate(fd, (off_t)(sh->blocks * sh->block)) < 0))
		e = MB_E_IO;
	if (fd >= 0)
		close(fd);
	if (e == 0 && proc_run(argv, NULL, frame_now_ms() + IMG_MKFS_TIMEOUT_MS) < 0)
		e = IMG_E_MKFS;
	(void)unlink(conf); /* best effort: the work folder goes anyway */
	return e;
}

/* Every superblock copy: the build time for every time, no write count,
 * and read-only (the kernel will not mount it read-write). */
static int seal_supers(struct ext4_ctx *c, const char *img)
{
	uint64_t t = (uint64_t)c->epoch;
	ext2_filsys fs = NULL;
	int fd = -1, e;

	if ((e = ext4_e2(c, ext2fs_open(img, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs))) < 0)
		return e;
	fd = open(img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		e = MB_E_IO;
	for (dgrp_t g = 0; e == 0 && g < fs->group_desc_count; g++) {
		off_t off = g ? (off_t)ext2fs_group_first_block2(fs, g) * fs->blocksize : SUPERBLOCK_OFFSET;
		struct ext2_super_block sb;

		if (!ext2fs_bg_has_super(fs, g))
			continue;
		if (pread(fd, &sb, sizeof(sb), off) != (ssize_t)sizeof(sb) || sb.s_magic != EXT2_SUPER_MAGIC) {
			e = MB_E_IO;
			break;
		}
		sb.s_mkfs_time = sb.s_wtime = sb.s_lastcheck = (uint32_t)t;
		sb.s_mkfs_time_hi = sb.s_wtime_hi = sb.s_lastcheck_hi = (uint8_t)(t >> 32);
		sb.s_mtime = 0;
		sb.s_mtime_hi = 0;
		sb.s_kbytes_written = 0;
		sb.s_feature_ro_compat |= EXT4_FEATURE_RO_COMPAT_READONLY;
		if ((e = ext4_e2(c, ext2fs_superblock_csum_set(fs, &sb))) == 0 &&
		    pwrite(fd, &sb, sizeof(sb), off) != (ssize_t)sizeof(sb))
			e = MB_E_IO;
	}
	if (fd >= 0 && close(fd) < 0 && e == 0)
		e = MB_E_IO;
	ext2fs_close_free(&fs); /* opened read-only: writes nothing */
	return e;
}

static int build(struct ext4_ctx *c, int root, const char *img, unsigned min_block)
{
	uint64_t made = 0, used = 0;
	struct ext4_shape sh;
	bool shrunk = false;
	int e;

	if ((e = ext4_count_tree(c, root)) < 0 || (e = ext4_choose_shape(c, min_block, &sh)) < 0)
		return e;
	c->block = sh.block;
	for (int i = 0;; i++) {
		if (unlink(img) < 0 && errno != ENOENT)
			return MB_E_IO;
		c->err = 0;
		if ((e = run_mke2fs(img, &sh, c->epoch)) < 0)
			return e;
		e = ext4_put_tree(c, root, img, &made, &used);
		if (e == 0 && !shrunk && made - used > made / 16 + SHRINK_MIN_BYTES / sh.block) {
			/* holes and zero blocks, counted by size: again, as small
			 * as what the same tree took (a fact of the tree too) */
			sh.blocks = ext4_fill_last_group(used + SLACK_BLOCKS, sh.inodes, sh.block);
			shrunk = true;
			continue;
		}
		if (e == 0 || !out_of_room(c->err) || i + 1 >= MAX_TRIES)
			break;
		/* the same tree runs out at the same place: deterministic */
		sh.blocks += sh.blocks / 4 + 256;
		sh.inodes += sh.inodes / 8 + 64;
	}
	if (e < 0)
		return e;
	/* mke2fs may have dropped a sliver of a last group */
	if (truncate(img, (off_t)(made * sh.block)) < 0)
		return MB_E_IO;
	return seal_supers(c, img);
}

int image_ext4_write_blocks(int root, const char *img_path, int64_t epoch, unsigned min_block,
			    char *where, size_t where_cap)
{
	struct ext4_ctx *c = calloc(1, sizeof(*c));
	int e;

	if (!c)
		return MB_E_NOMEM;
	c->epoch = epoch;
	c->buf = malloc(IMG_COPY_CHUNK_BYTES);
	c->xnames = malloc(XNAMES_BYTES);
	c->xval = malloc(IMG_MAX_XATTR_VALUE_BYTES);
	if (!c->buf || !c->xnames || !c->xval)
		e = MB_E_NOMEM;
	else if (epoch < 0 || epoch > MAX_SEC || min_block > IMG_EXT4_BLOCK_MAX)
		e = IMG_E_CONFIG;
	else
		e = build(c, root, img_path, min_block);
	if (e < 0 && where_cap)
		snprintf(where, where_cap, "%s%s%s", c->path[0] ? c->path : "/",
			 c->err ? ": " : "", c->err ? error_message(c->err) : "");
	free(c->hl);
	free(c->buf);
	free(c->xnames);
	free(c->xval);
	free(c);
	return e;
}

int image_ext4_write(int root, const char *img_path, int64_t epoch, char *where, size_t where_cap)
{
	return image_ext4_write_blocks(root, img_path, epoch, IMG_EXT4_BLOCK_MIN, where, where_cap);
}
