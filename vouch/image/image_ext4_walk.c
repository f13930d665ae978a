// SPDX-License-Identifier: MIT
/*
 * The walk over the staging tree that both passes of the ext4 writer take
 * (names in bytewise order, depth and entry limits, the path of the entry
 * at hand for the error message), and what both passes read of an entry
 * alike: its xattr names, its hard link, libext2fs' error. The walk knows
 * nothing of the passes: each hands it its table (struct ext4_pass);
 * image_ext4_size.c counts, image_ext4_put.c writes.
 */
#include "image_ext4_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

int ext4_e2(struct ext4_ctx *c, errcode_t err)
{
	if (!err)
		return 0;
	c->err = err;
	return err == EXT2_ET_NO_MEMORY || err == ENOMEM ? MB_E_NOMEM : IMG_E_EXT4;
}

/* ---- names ---- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* unsigned bytes */
}

static int path_push(struct ext4_ctx *c, const char *name)
{
	size_t n = strlen(name);

	if (n + 1 > MAX_PATH_BYTES - c->plen)
		return IMG_E_NAME;
	if (c->plen)
		c->path[c->plen++] = '/';
	memcpy(c->path + c->plen, name, n + 1);
	c->plen += n;
	return 0;
}

/* ---- hard links: (st_dev, st_ino) of every multiply-linked non-directory ---- */

int ext4_hardlink_cmp(const void *a, const void *b)
{
	const struct hardlink *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

struct hardlink *ext4_hardlink_find(struct ext4_ctx *c, const struct stat *st)
{
	struct hardlink key = { .dev = st->st_dev, .ino = st->st_ino };

	return bsearch(&key, c->hl, c->nhl, sizeof(key), ext4_hardlink_cmp);
}

/* ---- extended attributes, in name order ---- */

/* By /proc path: symlinks and devices cannot be opened; *ret_n is 0
 * where the file system has none. */
int ext4_xattr_names(struct ext4_ctx *c, int dfd, const char *name, char *path, size_t cap,
		     char **names, size_t *ret_n)
{
	ssize_t len;
	size_t n = 0;

	if (snprintf(path, cap, "/proc/self/fd/%d/%s", dfd, name) >= (int)cap)
		return IMG_E_NAME;
	len = llistxattr(path, c->xnames, XNAMES_BYTES);
	if (len < 0 && (errno == ENOTSUP || errno == ENODATA)) /* none here */
		len = 0;
	if (len < 0)
		return errno == ERANGE ? IMG_E_LIMIT : IMG_E_XATTR;
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(c->xnames + i) + 1) {
		if (n == IMG_MAX_XATTRS)
			return IMG_E_LIMIT;
		names[n++] = c->xnames + i;
	}
	qsort(names, n, sizeof(*names), cmp_name);
	*ret_n = n;
	return 0;
}

/* ---- the walk ---- */

static int walk_entry(struct ext4_ctx *c, const struct ext4_pass *p, int dfd, ext2_ino_t dir,
		      const char *name, unsigned depth, uint32_t *subdirs)
{
	ext2_ino_t ino = 0;
	uint32_t sub = 0;
	struct stat st;
	int fd, e;

	if (++c->entries > MAX_ENTRIES)
		return IMG_E_LIMIT;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return MB_E_IO;
	e = p->entry(c, dfd, dir, name, &st, &ino);
	if (e < 0 || !S_ISDIR(st.st_mode))
		return e;
	(*subdirs)++;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	e = ext4_walk_dir(c, p, fd, ino, depth + 1, &sub);
	close(fd);
	if (e == 0 && p->dir_done)
		e = p->dir_done(c, dfd, name, ino, &st, 2 + sub);
	return e;
}

int ext4_walk_dir(struct ext4_ctx *c, const struct ext4_pass *p, int dfd, ext2_ino_t dir,
		  unsigned depth, uint32_t *ret_subdirs)
{
	char **names = NULL;
	size_t n = 0;
	uint32_t subdirs = 0;
	int e;

	if (depth > IMG_MAX_DEPTH)
		return IMG_E_LIMIT;
	if ((e = image_list_dir(dfd, MAX_ENTRIES - c->entries, true, &names, &n)) < 0)
		return e;
	if (p->dir)
		p->dir(c, names, n);
	for (size_t i = 0; e == 0 && i < n; i++) {
		size_t plen = c->plen;

		if ((e = path_push(c, names[i])) == 0)
			e = walk_entry(c, p, dfd, dir, names[i], depth, &subdirs);
		if (e == 0) { /* on failure the path names the entry */
			c->plen = plen;
			c->path[plen] = 0;
		}
	}
	image_free_names(names, n);
	if (e == 0)
		*ret_subdirs = subdirs;
	return e;
}
