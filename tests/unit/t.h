/* SPDX-License-Identifier: MIT */
/*
 * A small TAP producer for unit tests: one "ok N - name" line per test
 * function or table row, "1..N" at the end, exit 0 when all passed and 1
 * otherwise (99 is left for hard errors of the test itself).
 */
#ifndef T_H
#define T_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned t_count, t_failures;
static int t_cur_failed;

#define CHECK(c)                                                                    \
	do {                                                                        \
		if (!(c)) {                                                         \
			t_cur_failed = 1;                                           \
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
		}                                                                   \
	} while (0)

#define CHECK_EQ(a, b)                                                              \
	do {                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                 \
		if (a_ != b_) {                                                     \
			t_cur_failed = 1;                                           \
			printf("# %s:%d: %s == %lld, expected %s == %lld\n",        \
			       __FILE__, __LINE__, #a, a_, #b, b_);                 \
		}                                                                   \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Hard error of the test itself (not of the code under test). */
#define REQUIRE(c)                                                                   \
	do {                                                                         \
		if (!(c)) {                                                          \
			printf("Bail out! %s:%d: %s\n", __FILE__, __LINE__, #c);     \
			exit(99);                                                    \
		}                                                                    \
	} while (0)

static inline void t_report(int ok, const char *fmt, ...)
{
	va_list ap;

	t_count++;
	if (!ok)
		t_failures++;
	printf("%sok %u - ", ok ? "" : "not ", t_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline void t_run(const char *name, void (*fn)(void))
{
	t_cur_failed = 0;
	fn();
	t_report(!t_cur_failed, "%s", name);
}

#define RUN(fn) t_run(#fn, fn)

static inline int t_done(void)
{
	printf("1..%u\n", t_count);
	return t_failures ? 1 : 0;
}

static inline int t_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	if (strlen(hex) % 2 || n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

/* A whole file, for tests that read recorded vectors; hard error if absent. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static inline uint8_t *t_slurp(const char *path, size_t *n)
{
	struct stat st;
	uint8_t *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	REQUIRE(fd >= 0 && fstat(fd, &st) == 0);
	b = malloc((size_t)st.st_size + 1);
	REQUIRE(b && read(fd, b, (size_t)st.st_size) == st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return b;
}

#endif
