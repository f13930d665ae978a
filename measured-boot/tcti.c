// SPDX-License-Identifier: MIT
#include "tcti.h"

#include <string.h>
#include <unistd.h>

#include <tss2/tss2_common.h>

#include "io.h"

#define TCTI_STREAM_MAGIC UINT64_C(0x766f756368746374) /* "vouchtct" */

static struct tcti_stream *cast(TSS2_TCTI_CONTEXT *ctx)
{
	struct tcti_stream *t = (struct tcti_stream *)ctx;

	if (!t || t->common.v1.magic != TCTI_STREAM_MAGIC)
		return NULL;
	return t;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int read_exact(int fd, uint8_t *p, size_t n, int64_t deadline_ms)
{
	while (n > 0) {
		size_t got;
		int e = mb_read_some(fd, p, n, deadline_ms, 60000, &got);

		if (e < 0)
			return e;
		p += got;
		n -= got;
	}
	return 0;
}

/* A response must carry its own size exactly, and at least a header. */
static int check_response(const uint8_t *p, size_t n)
{
	if (n < TPM_HEADER_BYTES)
		return MB_E_TRUNCATED;
	if (be32(p + 2) != n)
		return MB_E_LENGTH;
	return 0;
}

static TSS2_RC tcti_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, const uint8_t *cmd)
{
	struct tcti_stream *t = cast(ctx);
	int e;

	if (!t || !cmd)
		return TSS2_TCTI_RC_BAD_REFERENCE;
	if (t->state != 0)
		return TSS2_TCTI_RC_BAD_SEQUENCE;
	if (size < TPM_HEADER_BYTES || size > MAX_TPM_MSG_BYTES || be32(cmd + 2) != size)
		return TSS2_TCTI_RC_BAD_VALUE;
	if (t->mode == TCTI_RAW)
		e = mb_write_all(t->fd, cmd, size);
	else
		e = frame_write(t->fd, FRAME_TPM_CMD, cmd, size);
	t->last_err = e;
	if (e < 0)
		return TSS2_TCTI_RC_IO_ERROR;
	t->state = 1;
	return TSS2_RC_SUCCESS;
}

static int fetch_response(struct tcti_stream *t)
{
	int64_t deadline = frame_now_ms() + t->timeout_ms;
	int e;

	if (t->mode == TCTI_RAW) {
		uint32_t n;

		if ((e = read_exact(t->fd, t->rsp, TPM_HEADER_BYTES, deadline)) < 0)
			return e;
		n = be32(t->rsp + 2);
		if (n < TPM_HEADER_BYTES)
			return MB_E_LENGTH;
		if (n > sizeof(t->rsp))
			return MB_E_TOO_LARGE;
		if ((e = read_exact(t->fd, t->rsp + TPM_HEADER_BYTES, n - TPM_HEADER_BYTES, deadline)) < 0)
			return e;
		t->rsp_len = n;
	} else {
		struct frame f;

		if ((e = frame_read(t->reader, deadline, &f)) < 0)
			return e;
		if (f.type != FRAME_TPM_RSP)
			return MB_E_FRAME_TYPE;
		if (f.n > sizeof(t->rsp))
			return MB_E_TOO_LARGE;
		memcpy(t->rsp, f.p, f.n);
		t->rsp_len = f.n;
	}
	return check_response(t->rsp, t->rsp_len);
}

static TSS2_RC tcti_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *rsp, int32_t timeout)
{
	struct tcti_stream *t = cast(ctx);
	int e;

	(void)timeout; /* our own deadline applies: a blocking call either way */
	if (!t || !size)
		return TSS2_TCTI_RC_BAD_REFERENCE;
	if (t->state == 0)
		return TSS2_TCTI_RC_BAD_SEQUENCE;
	if (t->state == 1) {
		e = fetch_response(t);
		t->last_err = e;
		if (e < 0) {
			t->state = 0;
			return e == MB_E_TIMEOUT ? TSS2_TCTI_RC_TRY_AGAIN : TSS2_TCTI_RC_IO_ERROR;
		}
		t->state = 2;
	}
	/* callers may first ask for the size with rsp == NULL */
	if (!rsp) {
		*size = t->rsp_len;
		return TSS2_RC_SUCCESS;
	}
	if (*size < t->rsp_len)
		return TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
	memcpy(rsp, t->rsp, t->rsp_len);
	*size = t->rsp_len;
	t->state = 0;
	return TSS2_RC_SUCCESS;
}

static void tcti_finalize(TSS2_TCTI_CONTEXT *ctx)
{
	struct tcti_stream *t = cast(ctx);

	if (t)
		t->state = 0; /* the fd belongs to the caller */
}

static TSS2_RC tcti_not_implemented(TSS2_TCTI_CONTEXT *ctx)
{
	(void)ctx;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static TSS2_RC tcti_set_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t locality)
{
	(void)ctx;
	(void)locality;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

void tcti_stream_init(struct tcti_stream *t, int fd, enum tcti_mode mode,
		      struct frame_reader *reader, int timeout_ms)
{
	memset(t, 0, sizeof(*t));
	t->common.v1.magic = TCTI_STREAM_MAGIC;
	t->common.v1.version = 2;
	t->common.v1.transmit = tcti_transmit;
	t->common.v1.receive = tcti_receive;
	t->common.v1.finalize = tcti_finalize;
	t->common.v1.cancel = tcti_not_implemented;
	t->common.v1.setLocality = tcti_set_locality;
	t->fd = fd;
	t->mode = mode;
	t->reader = reader;
	t->timeout_ms = timeout_ms;
}
