// SPDX-License-Identifier: MIT
#include "hvsock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "proc.h"

int hvsock_port_path(const char *uds, uint32_t port, char *out, size_t cap)
{
	return pathf(out, cap, "%s_%u", uds, (unsigned)port);
}

int hvsock_listen(const char *uds, uint32_t port, int *ret_fd)
{
	char path[4096];
	int fd, e;

	if ((e = hvsock_port_path(uds, port, path, sizeof(path))) < 0)
		return e;
	if ((fd = unix_socket(path, true)) < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

int hvsock_parse_ok(const char *p, size_t n, uint32_t *ret_port)
{
	uint64_t v = 0;
	size_t i = 3;

	if (n < 5 || p[0] != 'O' || p[1] != 'K' || p[2] != ' ' || p[n - 1] != '\n')
		return MB_E_MALFORMED;
	if (p[3] == '0' && n != 5)
		return MB_E_MALFORMED; /* leading zero */
	for (; i < n - 1; i++) {
		if (p[i] < '0' || p[i] > '9')
			return MB_E_MALFORMED;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > UINT32_MAX)
			return MB_E_MALFORMED;
	}
	if (i == 3)
		return MB_E_MALFORMED;
	*ret_port = (uint32_t)v;
	return 0;
}

/* One line of the reply, byte by byte: nothing of the stream past the
 * newline is read. */
static int read_reply(int fd, int64_t deadline_ms, char *buf, size_t *ret_n)
{
	size_t n = 0;

	while (n < HVSOCK_MAX_REPLY_BYTES) {
		size_t got;
		/* MB_E_CLOSED: nothing listens on that guest port */
		int e = mb_read_some(fd, buf + n, 1, deadline_ms, 1000, &got);

		if (e < 0)
			return e;
		if (buf[n++] == '\n') {
			*ret_n = n;
			return 0;
		}
	}
	return MB_E_MALFORMED;
}

int hvsock_connect(const char *uds, uint32_t port, int64_t deadline_ms, int *ret_fd)
{
	char req[32], reply[HVSOCK_MAX_REPLY_BYTES];
	size_t n = 0;
	uint32_t got;
	int fd, e;

	if ((fd = unix_socket(uds, false)) < 0)
		return fd;
	snprintf(req, sizeof(req), "CONNECT %u\n", (unsigned)port);
	if ((e = mb_write_all(fd, req, strlen(req))) < 0 ||
	    (e = read_reply(fd, deadline_ms, reply, &n)) < 0 ||
	    (e = hvsock_parse_ok(reply, n, &got)) < 0)
		goto out;
	*ret_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return e < 0 ? e : 0;
}
