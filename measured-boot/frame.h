/* SPDX-License-Identifier: MIT */
/*
 * One framing over any byte stream (virtio-serial port, vsock, unix
 * socket): type (1 byte) || payload length (u32, big-endian) || payload.
 * The type routes a frame without decoding it: TPM relay frames carry raw
 * TPM bytes, the others one CBOR item.
 */
#ifndef MB_FRAME_H
#define MB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mb_limits.h"

enum frame_type {
	FRAME_HELLO = 1,      /* host -> guest: nonce and run spec */
	FRAME_RECORD = 2,     /* guest -> host: one evidence record */
	FRAME_TPM_CMD = 3,    /* guest -> host: raw TPM command (relay) */
	FRAME_TPM_RSP = 4,    /* host -> guest: raw TPM response (relay) */
	FRAME_AK = 5,         /* guest -> host: AK public area and EK public */
	FRAME_CREDENTIAL = 6, /* host -> guest: credential blob and secret */
	FRAME_ACTIVATED = 7,  /* guest -> host: the secret the AK recovered */
	FRAME_QUOTE = 8,      /* guest -> host: quote, signature, event log */
	FRAME_ERROR = 9,      /* guest -> host: a fatal error, as text */
	FRAME_TYPE_MAX_ = 9,
};

struct frame {
	uint8_t type;
	const uint8_t *p; /* points into the buffer parsed */
	size_t n;
};

void frame_header(uint8_t out[static FRAME_HEADER_BYTES], uint8_t type, uint32_t n);

/* 1 and the frame when buf starts with a whole frame (*ret_used bytes),
 * 0 when more bytes are needed, negative when the bytes can never form a
 * valid frame (unknown type, oversized length). */
int frame_parse(const uint8_t *buf, size_t len, struct frame *ret, size_t *ret_used) MB_WARN_UNUSED;

/* A buffered reader of frames from a file descriptor. */
struct frame_reader {
	int fd;
	uint8_t *buf;
	size_t len, off;
};

int frame_reader_init(struct frame_reader *r, int fd) MB_WARN_UNUSED;
void frame_reader_free(struct frame_reader *r);
/* Waits for one whole frame until deadline_ms on CLOCK_MONOTONIC (or
 * forever when negative). The frame points into the reader's buffer and
 * stays valid until the next call. MB_E_CLOSED on a clean end of stream
 * between frames, MB_E_TRUNCATED on an end inside one. */
int frame_read(struct frame_reader *r, int64_t deadline_ms, struct frame *ret) MB_WARN_UNUSED;
/* Writes a whole frame, retrying short writes and EINTR. */
int frame_write(int fd, uint8_t type, const void *p, size_t n) MB_WARN_UNUSED;

int64_t frame_now_ms(void);

#endif
