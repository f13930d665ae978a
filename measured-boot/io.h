/* SPDX-License-Identifier: MIT */
/* Small I/O helpers both sides need, written once. */
#ifndef MB_IO_H
#define MB_IO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Writes all n bytes of p to fd, retrying after a signal: 0, or MB_E_IO
 * (errno kept) when a write fails or writes nothing. */
int mb_write_all(int fd, const void *p, size_t n) MB_WARN_UNUSED;

/* Reads what fd has, at least 1 and at most n bytes, into p by deadline_ms
 * (frame_now_ms's clock), waiting in polls of at most slice_ms and again
 * after a signal: 0 with the count in *ret_n; MB_E_TIMEOUT, MB_E_CLOSED
 * (end of stream) or MB_E_IO. */
int mb_read_some(int fd, void *p, size_t n, int64_t deadline_ms, int slice_ms,
		 size_t *ret_n) MB_WARN_UNUSED;

/* The one decimal parser. A number is digits only: no sign, no space, no
 * "0x"; leading zeros are read (a caller that refuses them checks s[0]).
 * mb_dec_prefix reads the digits at the start of s[0..n) and leaves what
 * follows to the caller: 0 with the number in *ret and the count of digits
 * in *ret_len; MB_E_INVAL when s does not start with a digit, MB_E_RANGE
 * when the number is larger than max. mb_dec wants s[0..n) to be the
 * number and nothing else (MB_E_INVAL for anything after it). Nothing is
 * written on failure. */
int mb_dec_prefix(const char *s, size_t n, uint64_t max, uint64_t *ret, size_t *ret_len) MB_WARN_UNUSED;
int mb_dec(const char *s, size_t n, uint64_t max, uint64_t *ret) MB_WARN_UNUSED;

#endif
