// SPDX-License-Identifier: MIT
#include "frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define READER_BYTES (FRAME_HEADER_BYTES + MAX_FRAME_PAYLOAD_BYTES)

void frame_header(uint8_t out[static FRAME_HEADER_BYTES], uint8_t type, uint32_t n)
{
	out[0] = type;
	out[1] = (uint8_t)(n >> 24);
	out[2] = (uint8_t)(n >> 16);
	out[3] = (uint8_t)(n >> 8);
	out[4] = (uint8_t)n;
}

int frame_parse(const uint8_t *buf, size_t len, struct frame *ret, size_t *ret_used)
{
	uint32_t n;

	if (len < 1)
		return 0;
	if (buf[0] == 0 || buf[0] > FRAME_TYPE_MAX_)
		return MB_E_FRAME_TYPE;
	if (len < FRAME_HEADER_BYTES)
		return 0;
	n = (uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 8 | buf[4];
	if (n > MAX_FRAME_PAYLOAD_BYTES)
		return MB_E_TOO_LARGE;
	if (n > len - FRAME_HEADER_BYTES)
		return 0;
	ret->type = buf[0];
	ret->p = buf + FRAME_HEADER_BYTES;
	ret->n = n;
	*ret_used = FRAME_HEADER_BYTES + n;
	return 1;
}

int64_t frame_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int frame_reader_init(struct frame_reader *r, int fd)
{
	uint8_t *buf = malloc(READER_BYTES);

	if (!buf)
		return MB_E_NOMEM;
	*r = (struct frame_reader){ .fd = fd, .buf = buf };
	return 0;
}

void frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

static int wait_readable(int fd, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int timeout = -1, n;

		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - frame_now_ms();

			if (left <= 0)
				return MB_E_TIMEOUT;
			timeout = left > 60000 ? 60000 : (int)left;
		}
		n = poll(&pfd, 1, timeout);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) /* EINTR: a signal, wait again */
			return MB_E_IO;
	}
}

int frame_read(struct frame_reader *r, int64_t deadline_ms, struct frame *ret)
{
	for (;;) {
		size_t used;
		ssize_t got;
		int e;

		e = frame_parse(r->buf + r->off, r->len - r->off, ret, &used);
		if (e < 0)
			return e;
		if (e == 1) {
			r->off += used;
			return 0;
		}
		/* need more: move the partial frame to the front, then read */
		if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if ((e = wait_readable(r->fd, deadline_ms)) < 0)
			return e;
		got = read(r->fd, r->buf + r->len, READER_BYTES - r->len);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN) /* retry after poll */
				continue;
			return MB_E_IO;
		}
		if (got == 0)
			return r->len == 0 ? MB_E_CLOSED : MB_E_TRUNCATED;
		r->len += (size_t)got;
	}
}

int frame_write(int fd, uint8_t type, const void *p, size_t n)
{
	uint8_t hdr[FRAME_HEADER_BYTES];
	struct iovec iov[2];
	size_t total, done = 0;

	if (type == 0 || type > FRAME_TYPE_MAX_)
		return MB_E_FRAME_TYPE;
	if (n > MAX_FRAME_PAYLOAD_BYTES)
		return MB_E_TOO_LARGE;
	frame_header(hdr, type, (uint32_t)n);
	total = sizeof(hdr) + n;
	while (done < total) {
		ssize_t w;
		int cnt = 0;

		if (done < sizeof(hdr)) {
			iov[cnt++] = (struct iovec){ hdr + done, sizeof(hdr) - done };
			if (n)
				iov[cnt++] = (struct iovec){ (void *)p, n };
		} else {
			iov[cnt++] = (struct iovec){ (uint8_t *)p + (done - sizeof(hdr)), total - done };
		}
		w = writev(fd, iov, cnt);
		if (w < 0) {
			if (errno == EINTR) /* interrupted before writing: retry */
				continue;
			return errno == EPIPE ? MB_E_CLOSED : MB_E_IO;
		}
		done += (size_t)w;
	}
	return 0;
}
