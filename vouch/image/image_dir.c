// SPDX-License-Identifier: MIT
/* A directory's names, listed one way for the staging tree and the ext4
 * writer; and the one way their growing arrays grow. */
#include "image.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* unsigned bytes */
}

int image_grow(void *pv, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *v;

	if (n < *cap)
		return 0;
	if (want > SIZE_MAX / size)
		return MB_E_NOMEM;
	memcpy(&v, pv, sizeof(v)); /* pv: the address of any object pointer */
	if (!(v = realloc(v, want * size)))
		return MB_E_NOMEM;
	memcpy(pv, &v, sizeof(v));
	*cap = want;
	return 0;
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
		e = n >= max ? IMG_E_LIMIT : image_grow(&v, n, &cap, sizeof(*v), 32);
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
