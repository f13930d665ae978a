/* SPDX-License-Identifier: MIT */
/*
 * The staging tree as an ext4 image with the same bytes on every build:
 * mke2fs lays out the empty file system with every parameter fixed, and
 * libext2fs adds the tree in-process, in bytewise name order, with every
 * time taken from the staged mtimes. docs/vouch-image.1.
 */
#ifndef VOUCH_IMAGE_EXT4_H
#define VOUCH_IMAGE_EXT4_H

#include <stddef.h>
#include <stdint.h>

/* The block sizes an image may have; the tree picks one between them. */
#define IMG_EXT4_BLOCK_MIN 1024u
#define IMG_EXT4_BLOCK_MAX 4096u

/* Writes the tree below the directory root (an O_DIRECTORY fd; nothing in
 * it is followed through a symlink or changed) to img_path, which must not
 * exist, with epoch as the file system's times. The block size is the one
 * of the smallest image, counted from the tree (the larger within 2%),
 * and no less than min_block (1024, 2048 or 4096): a file system under
 * dm-verity needs blocks of at least its data blocks (4096), the device's
 * logical block size. On failure, where names the entry and libext2fs'
 * words for what went wrong, and img_path may be left behind. Returns 0,
 * IMG_E_EXT4, IMG_E_MKFS or another negative code. */
int image_ext4_write_blocks(int root, const char *img_path, int64_t epoch, unsigned min_block,
			    char *where, size_t where_cap);
/* The same with any block size (min_block 1024). */
int image_ext4_write(int root, const char *img_path, int64_t epoch, char *where, size_t where_cap);

#endif
