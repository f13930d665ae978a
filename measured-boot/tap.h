/* SPDX-License-Identifier: MIT */
/*
 * A parser for the lines of a TAP version 14 stream (testanything.org):
 * test points, the plan and "Bail out!". Only top-level lines count:
 * subtests (indented) and YAML blocks are someone else's business.
 * Shared so that the verifier can check the guest's test records against
 * the stdout records they came from.
 */
#ifndef MB_TAP_H
#define MB_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mb_limits.h"

enum tap_line { TAP_OTHER = 0, TAP_POINT, TAP_PLAN, TAP_BAILOUT, TAP_VERSION };

struct tap_point {
	bool ok;
	bool has_num;
	uint64_t num;
	const char *desc; /* points into the line; not NUL-terminated */
	size_t desc_len;
	uint32_t directive; /* enum record_directive */
	const char *reason;
	size_t reason_len;
};

/* Classifies one line (without its newline). For TAP_POINT fills *pt; for
 * TAP_PLAN sets *plan (the N of "1..N"). */
enum tap_line tap_parse_line(const char *line, size_t n, struct tap_point *pt, uint64_t *plan);

/* The lines of a byte stream as both sides cut them: bytes gathered up
 * to a newline; a line longer than MAX_TEXT_BYTES is no TAP line. Zero it
 * to start. */
struct tap_lines {
	char line[MAX_TEXT_BYTES];
	size_t len;
	bool overlong;
};

/* One byte of the stream: false while a line is gathered; at its newline
 * true, the line classified into *kind (TAP_OTHER when overlong) with *pt
 * and *plan filled as tap_parse_line fills them. pt points into l until
 * the next byte. */
bool tap_lines_put(struct tap_lines *l, uint8_t c, enum tap_line *kind, struct tap_point *pt,
		   uint64_t *plan);

#endif
