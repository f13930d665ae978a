// SPDX-License-Identifier: MIT
#include "tap.h"

#include <string.h>

#include "io.h"
#include "record.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_space(char c) { return c == ' ' || c == '\t'; }

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

/* A decimal number of at most 19 digits (so it cannot overflow), leading
 * zeros read; a longer run of digits is no number. Returns digits
 * consumed, 0 if none. */
static size_t parse_uint(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v;
	size_t i;

	if (mb_dec_prefix(s, n < 19 ? n : 19, UINT64_MAX, &v, &i) < 0 || (i < n && is_digit(s[i])))
		return 0;
	*ret = v;
	return i;
}

/* Finds an unescaped '#' (TAP escapes it as "\#"). */
static const char *find_hash(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '#')
			return s + i;
	}
	return NULL;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static void parse_directive(const char *s, size_t n, struct tap_point *pt)
{
	static const struct { const char *word; uint32_t d; } words[] = {
		{ "skip", DIRECTIVE_SKIP }, { "todo", DIRECTIVE_TODO },
	};

	trim(&s, &n);
	for (size_t w = 0; w < 2; w++) {
		size_t k = 4, i;

		if (n < k)
			continue;
		for (i = 0; i < k; i++)
			if (lower(s[i]) != words[w].word[i])
				break;
		if (i < k)
			continue;
		/* "SKIP", "skipped: why", "TODO why": word, then end or non-letter */
		while (i < n && lower(s[i]) >= 'a' && lower(s[i]) <= 'z')
			i++;
		if (w == 1 && i != 4)
			continue; /* only the word TODO itself */
		pt->directive = words[w].d;
		s += i, n -= i;
		if (n && s[0] == ':')
			s++, n--;
		trim(&s, &n);
		pt->reason = s;
		pt->reason_len = n;
		return;
	}
}

enum tap_line tap_parse_line(const char *s, size_t n, struct tap_point *pt, uint64_t *plan)
{
	struct tap_point p = { 0 };
	const char *hash;
	size_t used;

	if (n && s[n - 1] == '\r')
		n--;
	if (prefix(s, n, "TAP version "))
		return TAP_VERSION;
	if (prefix(s, n, "Bail out!"))
		return TAP_BAILOUT;
	if (prefix(s, n, "1..")) {
		uint64_t v;

		used = parse_uint(s + 3, n - 3, &v);
		if (used && (3 + used == n || is_space(s[3 + used]))) {
			*plan = v;
			return TAP_PLAN;
		}
		return TAP_OTHER;
	}
	if (prefix(s, n, "ok")) {
		p.ok = true;
		s += 2, n -= 2;
	} else if (prefix(s, n, "not ok")) {
		s += 6, n -= 6;
	} else {
		return TAP_OTHER;
	}
	if (n && !is_space(s[0]))
		return TAP_OTHER; /* "okay", "ok1" */
	trim(&s, &n);
	used = parse_uint(s, n, &p.num);
	if (used) {
		p.has_num = true;
		s += used, n -= used;
		if (n && !is_space(s[0]))
			return TAP_OTHER;
		trim(&s, &n);
	}
	if (n && s[0] == '-')
		s++, n--;
	hash = find_hash(s, n);
	if (hash) {
		parse_directive(hash + 1, n - (size_t)(hash + 1 - s), &p);
		n = (size_t)(hash - s);
	}
	trim(&s, &n);
	p.desc = s;
	p.desc_len = n;
	*pt = p;
	return TAP_POINT;
}

bool tap_lines_put(struct tap_lines *l, uint8_t c, enum tap_line *kind, struct tap_point *pt,
		   uint64_t *plan)
{
	if (c != '\n') {
		if (l->len < sizeof(l->line))
			l->line[l->len++] = (char)c;
		else
			l->overlong = true;
		return false;
	}
	*kind = l->overlong ? TAP_OTHER : tap_parse_line(l->line, l->len, pt, plan);
	l->len = 0;
	l->overlong = false;
	return true;
}
