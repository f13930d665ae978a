// SPDX-License-Identifier: MIT
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cb.h"
#include "mb_limits.h"
#include "sha256.h"

struct walk {
	struct sha256 h;
	struct tree_stats st;
	uint8_t *buf; /* file read buffer */
	char path[MAX_PATH_BYTES + 1];
	size_t path_len;
};

static int file_type(mode_t m, uint64_t *ret)
{
	switch (m & S_IFMT) {
	case S_IFREG: *ret = TREE_REG; return 0;
	case S_IFDIR: *ret = TREE_DIR; return 0;
	case S_IFLNK: *ret = TREE_LNK; return 0;
	case S_IFCHR: *ret = TREE_CHR; return 0;
	case S_IFBLK: *ret = TREE_BLK; return 0;
	case S_IFIFO: *ret = TREE_FIFO; return 0;
	case S_IFSOCK: *ret = TREE_SOCK; return 0;
	default: return MB_E_FILE_TYPE;
	}
}

static int hash_file(struct walk *w, int dirfd, const char *name, const struct stat *st,
		     uint8_t out[static 32])
{
	uint8_t d[SHA256_BYTES];
	struct stat fst;
	uint64_t total = 0;
	int fd, e;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return MB_E_IO;
	if (fstat(fd, &fst) < 0) {
		e = MB_E_IO;
		goto out_fd;
	}
	if (!S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino || fst.st_dev != st->st_dev) {
		e = MB_E_CHANGED;
		goto out_fd;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((e = sha256_fd(fd, w->buf, TREE_READ_CHUNK_BYTES, d, &total)) < 0)
		goto out_fd;
	if (total != (uint64_t)st->st_size) {
		e = MB_E_CHANGED;
		goto out_fd;
	}
	memcpy(out, d, sizeof(d));
	w->st.content_bytes += total;
out_fd:
	close(fd);
	return e;
}

/* Encodes and hashes one entry: [path, type, mode, uid, gid, size, content]. */
static int emit_entry(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	uint8_t enc[MAX_PATH_BYTES * 2 + 128];
	uint8_t digest[SHA256_BYTES];
	char target[MAX_PATH_BYTES + 1];
	struct cb_wr wr;
	uint64_t type, size = 0;
	size_t n;
	int e;

	if ((e = file_type(st->st_mode, &type)) < 0)
		return e;
	if (++w->st.entries > MAX_TREE_ENTRIES)
		return MB_E_LIMIT;
	cb_wr_init(&wr, enc, sizeof(enc));
	cb_put_array(&wr, 7);
	cb_put_bstr(&wr, w->path, w->path_len);
	cb_put_uint(&wr, type);
	cb_put_uint(&wr, st->st_mode & 07777);
	cb_put_uint(&wr, st->st_uid);
	cb_put_uint(&wr, st->st_gid);
	switch (type) {
	case TREE_REG:
		if ((e = hash_file(w, dirfd, name, st, digest)) < 0)
			return e;
		size = (uint64_t)st->st_size;
		cb_put_uint(&wr, size);
		cb_put_bstr(&wr, digest, sizeof(digest));
		break;
	case TREE_LNK: {
		ssize_t t = readlinkat(dirfd, name, target, sizeof(target));

		if (t < 0)
			return MB_E_IO;
		if ((size_t)t >= sizeof(target))
			return MB_E_TOO_LARGE;
		if (t != st->st_size)
			return MB_E_CHANGED;
		cb_put_uint(&wr, (uint64_t)t);
		cb_put_bstr(&wr, target, (size_t)t);
		break;
	}
	case TREE_CHR:
	case TREE_BLK:
		cb_put_uint(&wr, 0);
		cb_put_array(&wr, 2);
		cb_put_uint(&wr, major(st->st_rdev));
		cb_put_uint(&wr, minor(st->st_rdev));
		break;
	default:
		cb_put_uint(&wr, 0);
		cb_put_null(&wr);
	}
	if ((e = cb_wr_finish(&wr, &n)) < 0)
		return e;
	return sha256_update(&w->h, enc, n);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* bytewise, unsigned */
}

/* Reads every name of a directory (except . and ..), sorted. */
static int list_dir(int dfd, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int e = 0, dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0);

	if (dup < 0)
		return MB_E_IO;
	d = fdopendir(dup);
	if (!d) {
		close(dup);
		return MB_E_IO;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				e = MB_E_NOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			e = MB_E_NOMEM;
			break;
		}
		n++;
		if (n > MAX_TREE_ENTRIES) {
			e = MB_E_LIMIT;
			break;
		}
	}
	if (e == 0 && errno != 0)
		e = MB_E_IO;
	closedir(d);
	if (e < 0) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return e;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

static int walk_dir(struct walk *w, int dfd, unsigned depth);

/* name within dirfd; w->path already holds its relative path. */
static int walk_entry(struct walk *w, int dirfd, const char *name, unsigned depth)
{
	struct stat st;
	int e, fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return MB_E_IO;
	if ((e = emit_entry(w, dirfd, name, &st)) < 0 || !S_ISDIR(st.st_mode))
		return e;
	if (depth >= MAX_TREE_DEPTH)
		return MB_E_LIMIT;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	e = walk_dir(w, fd, depth + 1);
	close(fd);
	return e;
}

static int walk_dir(struct walk *w, int dfd, unsigned depth)
{
	size_t base = w->path_len, n = 0;
	char **names = NULL;
	int e = list_dir(dfd, &names, &n);

	if (e < 0)
		return e;
	for (size_t i = 0; i < n && e == 0; i++) {
		size_t nl = strlen(names[i]), sep = base ? 1 : 0;

		if (nl > MAX_NAME_BYTES || nl + sep > MAX_PATH_BYTES - base) {
			e = MB_E_PATH;
			break;
		}
		if (sep)
			w->path[base] = '/';
		memcpy(w->path + base + sep, names[i], nl);
		w->path_len = base + sep + nl;
		e = walk_entry(w, dfd, names[i], depth);
		w->path_len = base;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return e;
}

int tree_digest(int dirfd, const char *path, uint8_t out[static 32], struct tree_stats *stats)
{
	uint8_t d[SHA256_BYTES];
	struct walk *w;
	int e;

	if (!path || !*path || strlen(path) > MAX_PATH_BYTES)
		return MB_E_PATH;
	w = calloc(1, sizeof(*w));
	if (!w)
		return MB_E_NOMEM;
	w->buf = malloc(TREE_READ_CHUNK_BYTES);
	if (!w->buf) {
		free(w);
		return MB_E_NOMEM;
	}
	if ((e = sha256_init(&w->h)) < 0)
		goto out;
	if ((e = sha256_update(&w->h, TREE_TAG, sizeof(TREE_TAG) - 1)) < 0 ||
	    (e = walk_entry(w, dirfd, path, 0)) < 0) {
		sha256_abort(&w->h);
		goto out;
	}
	if ((e = sha256_final(&w->h, d)) < 0)
		goto out;
	memcpy(out, d, sizeof(d));
	if (stats)
		*stats = w->st;
out:
	free(w->buf);
	free(w);
	return e;
}
