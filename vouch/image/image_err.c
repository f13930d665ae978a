// SPDX-License-Identifier: MIT
/* Words for the image code's errors. */
#include "image.h"

#include "err.h"

#define E(code, text) [IMG_E_FORMAT - (code)] = { #code, text }

static const struct {
	const char *name, *text;
} errs[] = {
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

const char *img_strerror(int e)
{
	if (e <= IMG_E_FORMAT && e > IMG_E_MIN_)
		return errs[IMG_E_FORMAT - e].text;
	return mb_strerror(e);
}

const char *img_errname(int e)
{
	if (e <= IMG_E_FORMAT && e > IMG_E_MIN_)
		return errs[IMG_E_FORMAT - e].name;
	return mb_errname(e);
}
