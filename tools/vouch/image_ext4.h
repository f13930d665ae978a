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

/* Writes the tree below the directory root (an O_DIRECTORY fd; nothing in
 * it is followed through a symlink or changed) to img_path, which must not
 * exist, with epoch as the file system's times. On failure, where names
 * the entry and libext2fs' words for what went wrong, and img_path may be
 * left behind. Returns 0, IMG_E_EXT4, IMG_E_MKFS or another negative code. */
int image_ext4_write(int root, const char *img_path, int64_t epoch, char *where, size_t where_cap);

#endif
