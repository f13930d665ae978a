// SPDX-License-Identifier: MIT
/* The staging tree: paths, directories, removal, opaque directories and
 * directory times. Entries themselves: image_entry.c. */
#include "image_stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "image.h"

int stage_init(struct stage *s, const char *root_path, int64_t epoch)
{
	memset(s, 0, sizeof(*s));
	s->root = -1;
	s->epoch = epoch;
	if (mkdir(root_path, 0755) < 0)
		return MB_E_IO;
	s->root = open(root_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	s->buf = malloc(IMG_COPY_CHUNK_BYTES);
	if (s->root < 0 || !s->buf)
		return s->root < 0 ? MB_E_IO : MB_E_NOMEM;
	/* the root belongs to root unless a layer says otherwise */
	if (fchown(s->root, 0, 0) < 0 || fchmod(s->root, 0755) < 0)
		return IMG_E_PRIV;
	return stage_dirtime_add(s, "", epoch, 0);
}

void stage_free(struct stage *s)
{
	if (s->root >= 0)
		close(s->root);
	for (size_t i = 0; i < s->ndt; i++)
		free(s->dt[i].path);
	free(s->dt);
	stage_layer_reset(s);
	free(s->layer.v);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->root = -1;
}

int stage_normalize(const char *in, char out[static MAX_PATH_BYTES + 1])
{
	char buf[MAX_PATH_BYTES + 1];
	size_t o = 0;

	while (*in) {
		const char *end = strchr(in, '/');
		size_t n = end ? (size_t)(end - in) : strlen(in);

		if (n == 2 && in[0] == '.' && in[1] == '.')
			return IMG_E_PATH_ESCAPE;
		if (n > MAX_NAME_BYTES)
			return IMG_E_NAME;
		if (n > 0 && !(n == 1 && in[0] == '.')) {
			if (n + 1 > MAX_PATH_BYTES - o)
				return IMG_E_NAME;
			if (o)
				buf[o++] = '/';
			memcpy(buf + o, in, n);
			o += n;
		}
		in += n + (end ? 1 : 0);
	}
	buf[o] = 0;
	memcpy(out, buf, o + 1);
	return 0;
}

/* One step down: name in fd, a directory, never a symlink. */
static int open_step(struct stage *s, int fd, const char *name, bool create, const char *rel,
		     int *ret)
{
	struct stat st;
	int e, nfd;

	nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd >= 0) {
		*ret = nfd;
		return 0;
	}
	if (errno == ENOENT && create) {
		/* 0755 whatever the umask: the image must not depend on it */
		if (mkdirat(fd, name, 0755) < 0 || fchmodat(fd, name, 0755, 0) < 0)
			return MB_E_IO;
		/* implied parents: root's, 0755, the build time */
		if ((e = stage_dirtime_add(s, rel, s->epoch, 0)) < 0)
			return e;
		return open_step(s, fd, name, false, rel, ret);
	}
	if (errno == ENOENT)
		return MB_E_FILE_TYPE; /* missing, not created */
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return MB_E_IO;
	return S_ISLNK(st.st_mode) ? IMG_E_SYMLINK_PATH : IMG_E_NOT_DIR;
}

int stage_open_dir(struct stage *s, int root, const char *rel, bool create, int *ret_fd)
{
	char part[MAX_PATH_BYTES + 1];
	const char *p = rel;
	unsigned depth = 0;
	int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return MB_E_IO;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[MAX_NAME_BYTES + 1];
		int nfd;

		if (++depth > IMG_MAX_DEPTH || n > MAX_NAME_BYTES) {
			e = n > MAX_NAME_BYTES ? IMG_E_NAME : IMG_E_LIMIT;
			break;
		}
		memcpy(name, p, n);
		name[n] = 0;
		memcpy(part, rel, (size_t)(p - rel) + n);
		part[(size_t)(p - rel) + n] = 0;
		if ((e = open_step(s, fd, name, create && s, part, &nfd)) < 0)
			break;
		close(fd);
		fd = nfd;
		p += n + (end ? 1 : 0);
	}
	if (e < 0) {
		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

static int remove_children(int fd, unsigned depth)
{
	char **names = NULL;
	size_t n = 0;
	int e = image_list_dir(fd, SIZE_MAX, false, &names, &n);

	for (size_t i = 0; e == 0 && i < n; i++)
		e = stage_remove(fd, names[i], depth + 1);
	image_free_names(names, n);
	close(fd);
	return e;
}

int stage_remove(int dirfd, const char *name, unsigned depth)
{
	struct stat st;
	int fd, e;

	if (depth > IMG_MAX_DEPTH)
		return IMG_E_LIMIT;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : MB_E_IO; /* nothing there: nothing to do */
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? MB_E_IO : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	if ((e = remove_children(fd, depth)) < 0)
		return e;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? MB_E_IO : 0;
}

void stage_layer_reset(struct stage *s)
{
	for (size_t i = 0; i < s->layer.n; i++)
		free(s->layer.v[i]);
	s->layer.n = 0;
	s->layer.sorted = true;
}

int stage_layer_add(struct stage *s, const char *rel)
{
	struct stage_pathset *ps = &s->layer;
	int e;

	if ((e = image_grow(&ps->v, ps->n, &ps->cap, sizeof(*ps->v), 256)) < 0)
		return e;
	if (!(ps->v[ps->n] = strdup(rel)))
		return MB_E_NOMEM;
	ps->n++;
	ps->sorted = false;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Did this layer write rel, or something below it? */
static bool layer_touched(struct stage *s, const char *rel)
{
	struct stage_pathset *ps = &s->layer;
	size_t lo = 0, hi = ps->n, n = strlen(rel);

	if (!ps->sorted && ps->n > 1) {
		qsort(ps->v, ps->n, sizeof(*ps->v), cmp_str);
		ps->sorted = true;
	}
	while (lo < hi) { /* first element >= rel */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ps->v[mid], rel) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* rel itself sorts first; its descendants "rel/..." follow, possibly
	 * after siblings such as "rel-x" ('-' < '/'): scan those */
	for (; lo < ps->n && strncmp(ps->v[lo], rel, n) == 0; lo++)
		if (ps->v[lo][n] == 0 || ps->v[lo][n] == '/')
			return true;
	return false;
}

static int opaque_child(struct stage *s, int fd, const char *rel, const char *name,
			unsigned depth)
{
	char path[MAX_PATH_BYTES + 1];
	struct stat st;
	int cfd, e;

	if (strlen(rel) + strlen(name) + 1 > MAX_PATH_BYTES)
		return IMG_E_NAME;
	strcpy(path, rel);
	if (*rel)
		strcat(path, "/");
	strcat(path, name);
	if (!layer_touched(s, path))
		return stage_remove(fd, name, depth + 1);
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	cfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return MB_E_IO;
	e = stage_opaque(s, cfd, path, depth + 1);
	close(cfd);
	return e;
}

int stage_opaque(struct stage *s, int dirfd, const char *rel, unsigned depth)
{
	char **names = NULL;
	size_t n = 0;
	int e;

	if (depth > IMG_MAX_DEPTH)
		return IMG_E_LIMIT;
	if ((e = image_list_dir(dirfd, SIZE_MAX, false, &names, &n)) < 0)
		return e;
	for (size_t i = 0; e == 0 && i < n; i++)
		e = opaque_child(s, dirfd, rel, names[i], depth);
	image_free_names(names, n);
	return e;
}

int stage_dirtime_add(struct stage *s, const char *rel, int64_t sec, long nsec)
{
	int e;

	if ((e = image_grow(&s->dt, s->ndt, &s->capdt, sizeof(*s->dt), 256)) < 0)
		return e;
	if (!(s->dt[s->ndt].path = strdup(rel)))
		return MB_E_NOMEM;
	s->dt[s->ndt].sec = sec;
	s->dt[s->ndt].nsec = nsec;
	s->ndt++;
	return 0;
}

/* In the order recorded: a later layer's time wins. Directories gone since
 * (whiteouts, replaced) are skipped. */
int stage_finish(struct stage *s)
{
	for (size_t i = 0; i < s->ndt; i++) {
		struct timespec ts[2];
		int fd;

		if (stage_open_dir(NULL, s->root, s->dt[i].path, false, &fd) < 0)
			continue;
		ts[0].tv_sec = ts[1].tv_sec = (time_t)s->dt[i].sec;
		ts[0].tv_nsec = ts[1].tv_nsec = s->dt[i].nsec;
		if (futimens(fd, ts) < 0) {
			close(fd);
			return MB_E_IO;
		}
		close(fd);
	}
	return 0;
}
