// SPDX-License-Identifier: MIT
#include "io.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int mb_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR) /* a signal: try again */
			continue;
		if (w <= 0)
			return MB_E_IO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}
