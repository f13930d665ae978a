// SPDX-License-Identifier: MIT
/* The image code's errors (IMG_E_*), named and in words for mb_strerror. */
#include "image.h"

#include "err.h"

#define E(code, text) MB_ERR_WORD(IMG_E_BASE_, code, text)

static const struct mb_err_word img_words[] = {
	E(IMG_E_FORMAT, "not an OCI layout, docker save archive, rootfs tar or directory"),
	E(IMG_E_JSON, "index, manifest or config malformed"),
	E(IMG_E_MEDIA_TYPE, "layer media type not supported"),
	E(IMG_E_DIGEST, "blob does not match its digest"),
	E(IMG_E_BLOB_SIZE, "blob size differs from its descriptor or is past the limit"),
	E(IMG_E_ARCHIVE, "archive unreadable"),
	E(IMG_E_PATH_ESCAPE, "entry path leaves the root ('..')"),
	E(IMG_E_SYMLINK_PATH, "entry path runs through a symbolic link"),
	E(IMG_E_LINK_ESCAPE, "hard link target outside the root"),
	E(IMG_E_LINK_TARGET, "hard link target missing or a directory"),
	E(IMG_E_WHITEOUT, "whiteout of '.' or '..'"),
	E(IMG_E_ENTRY_SIZE, "file size past the limit"),
	E(IMG_E_NAME, "name, path or link target too long"),
	E(IMG_E_ENTRY_TYPE, "entry type not supported"),
	E(IMG_E_NOT_DIR, "a parent of the entry is not a directory"),
	E(IMG_E_LIMIT, "entries, layers, depth or xattrs past their limit"),
	E(IMG_E_XATTR, "extended attribute refused by the staging file system"),
	E(IMG_E_PRIV, "ownership or device nodes need root (or fakeroot)"),
	E(IMG_E_MKFS, "mkfs failed"),
	E(IMG_E_TREE, "measured tree's path is not in the image"),
	E(IMG_E_CONFIG, "image config or entry value out of bounds"),
	E(IMG_E_EXT4, "writing the ext4 image failed"),
	E(IMG_E_VERITY, "veritysetup failed to append the dm-verity hash tree"),
	E(IMG_E_USER, "user or group not found in the image's /etc/passwd or /etc/group"),
};

/* Known wherever the image code is linked (measured-boot/err.h): every
 * program and test that links a file returning IMG_E_* links this one. */
MB_ERR_REGISTER(img, IMG_E_BASE_, IMG_E_MIN_, img_words)
