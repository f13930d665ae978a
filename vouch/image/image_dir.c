// SPDX-License-Identifier: MIT
/* A directory's names, listed one way for the staging tree and the ext4
 * writer. */
#include "image.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* unsigned bytes */
}

void image_free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int image_list_dir(int dfd, size_t max, bool sorted, char ***ret, size_t *ret_n)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return MB_E_IO;
	}
	while (e == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n >= max) {
			e = IMG_E_LIMIT;
		} else if (n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				e = MB_E_NOMEM;
			else
				v = nv;
		}
		if (e == 0 && !(v[n++] = strdup(de->d_name)))
			e = MB_E_NOMEM;
	}
	closedir(d);
	if (e < 0) {
		image_free_names(v, n);
		return e;
	}
	if (sorted && n > 1) /* qsort of NULL, even of 0 items, is undefined */
		qsort(v, n, sizeof(*v), cmp_name);
	*ret = v;
	*ret_n = n;
	return 0;
}
