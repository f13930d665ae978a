// SPDX-License-Identifier: MIT
/* Declared result files, opened StrictModes-style (declared.h). */
#include "declared.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"

/* Writable by anyone but the owner (sticky or not: /tmp is refused). */
#define OTHERS_WRITE (S_IWGRP | S_IWOTH)

static int check_dir(int fd, uint32_t uid)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return REFUSED_UNREADABLE;
	if (!S_ISDIR(st.st_mode))
		return REFUSED_NOT_REGULAR;
	if (st.st_uid != 0 && st.st_uid != uid)
		return REFUSED_DIR_OWNER;
	if (st.st_mode & OTHERS_WRITE)
		return REFUSED_DIR_MODE;
	return 0;
}

/* Why name below dir could not be opened as what was asked. */
static int open_error(int dir, const char *name, int err)
{
	struct stat st;

	if (err == ENOENT)
		return REFUSED_MISSING;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return REFUSED_SYMLINK;
	if (err == ENOTDIR)
		return REFUSED_NOT_REGULAR;
	return REFUSED_UNREADABLE;
}

static int check_file(int dir, const char *name, uint32_t uid, int *ret_fd)
{
	struct stat st, st2;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return open_error(dir, name, errno);
	if (S_ISLNK(st.st_mode))
		return REFUSED_SYMLINK;
	if (!S_ISREG(st.st_mode))
		return REFUSED_NOT_REGULAR;
	if (st.st_uid != uid)
		return REFUSED_OWNER;
	if (st.st_mode & OTHERS_WRITE)
		return REFUSED_FILE_MODE;
	fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return open_error(dir, name, errno);
	/* the same file as checked (nothing runs now; checked all the same) */
	if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		close(fd);
		return REFUSED_UNREADABLE;
	}
	*ret_fd = fd;
	return 0;
}

int declared_open(int root, const char *path, uint32_t uid, int *ret_fd)
{
	char name[NAME_MAX + 1];
	const char *p = path;
	int dir = dup(root), why;

	if (dir < 0)
		return REFUSED_UNREADABLE;
	if ((why = check_dir(dir, uid)) != 0)
		goto out;
	for (;;) {
		const char *s = p + 1, *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		int next;

		if (n == 0 || n > NAME_MAX) {
			why = REFUSED_UNREADABLE; /* runspec_check_result_path refuses these */
			goto out;
		}
		memcpy(name, s, n);
		name[n] = 0;
		if (!slash) {
			why = check_file(dir, name, uid, ret_fd);
			goto out;
		}
		next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (next < 0) {
			why = open_error(dir, name, errno);
			goto out;
		}
		close(dir);
		dir = next;
		if ((why = check_dir(dir, uid)) != 0)
			goto out;
		p = slash;
	}
out:
	close(dir);
	return why;
}
