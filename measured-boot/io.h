/* SPDX-License-Identifier: MIT */
/* Small I/O helpers both sides need, written once. */
#ifndef MB_IO_H
#define MB_IO_H

#include <stddef.h>

#include "err.h"

/* Writes all n bytes of p to fd, retrying after a signal: 0, or MB_E_IO
 * (errno kept) when a write fails or writes nothing. */
int mb_write_all(int fd, const void *p, size_t n) MB_WARN_UNUSED;

#endif
