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

/* Errors of the image code (below the MB_E_* range). */
enum img_err {
	IMG_E_FORMAT = -100,       /* source is none of the known kinds */
	IMG_E_JSON = -101,         /* index, manifest or config malformed */
	IMG_E_MEDIA_TYPE = -102,   /* media type not supported */
	IMG_E_DIGEST = -103,       /* blob does not match its digest */
	IMG_E_BLOB_SIZE = -104,    /* blob size differs from its descriptor */
	IMG_E_ARCHIVE = -105,      /* archive unreadable (libarchive) */
	IMG_E_PATH_ESCAPE = -106,  /* entry path with '..' */
	IMG_E_SYMLINK_PATH = -107, /* entry path runs through a symlink */
	IMG_E_LINK_ESCAPE = -108,  /* hard link target outside the root */
	IMG_E_LINK_TARGET = -109,  /* hard link target missing or a directory */
	IMG_E_WHITEOUT = -110,     /* whiteout of '.' or '..' */
	IMG_E_ENTRY_SIZE = -111,   /* file or total size past its limit */
	IMG_E_NAME = -112,         /* name, path or link target too long */
	IMG_E_ENTRY_TYPE = -113,   /* entry type not supported here */
	IMG_E_NOT_DIR = -114,      /* a parent is not a directory */
	IMG_E_LIMIT = -115,        /* entries, layers, depth or xattrs past limit */
	IMG_E_XATTR = -116,        /* extended attribute refused */
	IMG_E_PRIV = -117,         /* ownership or devices need root (or fakeroot) */
	IMG_E_MKFS = -118,         /* mkfs.erofs or mke2fs failed */
	IMG_E_TREE = -119,         /* a measured tree's path is not in the image */
	IMG_E_CONFIG = -120,       /* image config values out of bounds */
	IMG_E_EXT4 = -121,         /* libext2fs failed writing the ext4 image */
	IMG_E_VERITY = -122,       /* veritysetup failed */
	IMG_E_USER = -123,         /* the User's name or group is not in the image */
	IMG_E_MIN_ = -124,
};

/* Words for an MB_E_* or IMG_E_* code. */
const char *img_strerror(int e);
/* "IMG_E_DIGEST", "MB_E_IO", ... */
const char *img_errname(int e);

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
