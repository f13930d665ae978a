// SPDX-License-Identifier: MIT
#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "frame.h"

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

int mb_read_some(int fd, void *p, size_t n, int64_t deadline_ms, int slice_ms, size_t *ret_n)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline_ms - frame_now_ms();
		ssize_t r;

		if (left <= 0)
			return MB_E_TIMEOUT;
		if (poll(&pfd, 1, (int)(left > slice_ms ? slice_ms : left)) < 0 && errno != EINTR)
			return MB_E_IO;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) /* retry after poll */
			continue;
		if (r < 0)
			return MB_E_IO;
		if (r == 0)
			return MB_E_CLOSED;
		*ret_n = (size_t)r;
		return 0;
	}
}

int mb_dec_prefix(const char *s, size_t n, uint64_t max, uint64_t *ret, size_t *ret_len)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > max || v > (max - d) / 10)
			return MB_E_RANGE;
		v = v * 10 + d;
	}
	if (i == 0)
		return MB_E_INVAL;
	*ret = v;
	*ret_len = i;
	return 0;
}

int mb_dec(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	size_t len;
	int e;

	if ((e = mb_dec_prefix(s, n, max, &v, &len)) < 0)
		return e;
	if (len != n)
		return MB_E_INVAL;
	*ret = v;
	return 0;
}
