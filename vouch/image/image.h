/* SPDX-License-Identifier: MIT */
/*
 * vouch image: an OCI layout, a `docker save` archive, a rootfs tar or a
 * directory, flattened into a staging tree and written as a reproducible
 * ext4 (image_ext4.c) or erofs image with its reference manifest.
 * docs/vouch-image.1.
 */
#ifndef VOUCH_IMAGE_H
#define VOUCH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mb_limits.h"

/* What an image may hold; past these it is refused. */
#define IMG_MAX_LAYERS 128u
#define IMG_MAX_ENTRIES 1000000u                 /* archive entries, all layers */
#define IMG_MAX_FILE_BYTES (16ull << 30)         /* one regular file */
#define IMG_MAX_TOTAL_BYTES (64ull << 30)        /* all file content written */
#define IMG_MAX_BLOB_BYTES (64ull << 30)         /* one blob */
#define IMG_MAX_JSON_BYTES (4u << 20)            /* index, manifest, config */
#define IMG_MAX_JSON_DEPTH 32
#define IMG_MAX_DEPTH 256u                       /* directory levels below the root */
#define IMG_MAX_XATTRS 64u                       /* per entry */
#define IMG_MAX_XATTR_VALUE_BYTES (64u << 10)
#define IMG_COPY_CHUNK_BYTES (1u << 20)
#define IMG_MKFS_TIMEOUT_MS (30 * 60 * 1000)

/* Errors of the image code: range 2 of the error space
 * (measured-boot/err.h), its words registered from image_err.c. */
enum img_err {
	IMG_E_BASE_ = MB_ERR_BASE(2),
	IMG_E_FORMAT = IMG_E_BASE_ - 1,       /* source is none of the known kinds */
	IMG_E_JSON = IMG_E_BASE_ - 2,         /* index, manifest or config malformed */
	IMG_E_MEDIA_TYPE = IMG_E_BASE_ - 3,   /* media type not supported */
	IMG_E_DIGEST = IMG_E_BASE_ - 4,       /* blob does not match its digest */
	IMG_E_BLOB_SIZE = IMG_E_BASE_ - 5,    /* blob size differs from its descriptor */
	IMG_E_ARCHIVE = IMG_E_BASE_ - 6,      /* archive unreadable (libarchive) */
	IMG_E_PATH_ESCAPE = IMG_E_BASE_ - 7,  /* entry path with '..' */
	IMG_E_SYMLINK_PATH = IMG_E_BASE_ - 8, /* entry path runs through a symlink */
	IMG_E_LINK_ESCAPE = IMG_E_BASE_ - 9,  /* hard link target outside the root */
	IMG_E_LINK_TARGET = IMG_E_BASE_ - 10, /* hard link target missing or a directory */
	IMG_E_WHITEOUT = IMG_E_BASE_ - 11,    /* whiteout of '.' or '..' */
	IMG_E_ENTRY_SIZE = IMG_E_BASE_ - 12,  /* file or total size past its limit */
	IMG_E_NAME = IMG_E_BASE_ - 13,        /* name, path or link target too long */
	IMG_E_ENTRY_TYPE = IMG_E_BASE_ - 14,  /* entry type not supported here */
	IMG_E_NOT_DIR = IMG_E_BASE_ - 15,     /* a parent is not a directory */
	IMG_E_LIMIT = IMG_E_BASE_ - 16,       /* entries, layers, depth or xattrs past limit */
	IMG_E_XATTR = IMG_E_BASE_ - 17,       /* extended attribute refused */
	IMG_E_PRIV = IMG_E_BASE_ - 18,        /* ownership or devices need root (or fakeroot) */
	IMG_E_MKFS = IMG_E_BASE_ - 19,        /* mkfs.erofs or mke2fs failed */
	IMG_E_TREE = IMG_E_BASE_ - 20,        /* a measured tree's path is not in the image */
	IMG_E_CONFIG = IMG_E_BASE_ - 21,      /* image config values out of bounds */
	IMG_E_EXT4 = IMG_E_BASE_ - 22,        /* libext2fs failed writing the ext4 image */
	IMG_E_VERITY = IMG_E_BASE_ - 23,      /* veritysetup failed */
	IMG_E_USER = IMG_E_BASE_ - 24,        /* the User's name or group is not in the image */
	IMG_E_MIN_ = IMG_E_BASE_ - 25,
};

/* The names in directory dfd but "." and "..", read whole before
 * anything changes (readdir and unlink do not mix): at most max of them
 * (IMG_E_LIMIT past that), bytewise sorted when sorted. Free them with
 * image_free_names. */
int image_list_dir(int dfd, size_t max, bool sorted, char ***ret, size_t *ret_n);
void image_free_names(char **v, size_t n);
/* Room for element n of the array *pv (pv: the address of its pointer)
 * of *cap elements of size bytes: doubled when full, first when empty;
 * MB_E_NOMEM leaves it as it was. */
int image_grow(void *pv, size_t n, size_t *cap, size_t size, size_t first);

#endif
