// SPDX-License-Identifier: MIT
/* The one decimal parser (measured-boot/io.c), as a table of inputs: what
 * each caller's rule rests on; and the one deadline-bound read. */
#include "t.h"

#include <unistd.h>

#include "frame.h"
#include "io.h"

/* mb_read_some on a pipe: what is there (no more than asked), the end of
 * the stream, a deadline passed; *ret_n untouched on failure. */
static void test_read_some(void)
{
	char buf[8] = { 0 };
	size_t n = 99;
	int fds[2];

	REQUIRE(pipe(fds) == 0);
	REQUIRE(write(fds[1], "abcdef", 6) == 6);
	CHECK_EQ(mb_read_some(fds[0], buf, 4, frame_now_ms() + 1000, 100, &n), 0);
	CHECK(n == 4 && memcmp(buf, "abcd", 4) == 0);
	CHECK_EQ(mb_read_some(fds[0], buf, sizeof(buf), frame_now_ms() + 1000, 100, &n), 0);
	CHECK(n == 2 && memcmp(buf, "ef", 2) == 0);
	n = 99;
	CHECK_EQ(mb_read_some(fds[0], buf, sizeof(buf), frame_now_ms() + 50, 10, &n), MB_E_TIMEOUT);
	CHECK_EQ(mb_read_some(fds[0], buf, sizeof(buf), frame_now_ms() - 1, 10, &n), MB_E_TIMEOUT);
	close(fds[1]);
	CHECK_EQ(mb_read_some(fds[0], buf, sizeof(buf), frame_now_ms() + 1000, 100, &n), MB_E_CLOSED);
	close(fds[0]);
	CHECK_EQ(n, 99);
}

/* mb_dec_prefix on s (its whole length): want_e, and on success the number
 * and the digits read; on failure the outputs must stay untouched. */
static void prefix(const char *s, uint64_t max, int want_e, uint64_t want, size_t want_len)
{
	uint64_t v = 12345;
	size_t len = 777;
	int e = mb_dec_prefix(s, strlen(s), max, &v, &len);

	if (want_e == 0)
		t_report(e == 0 && v == want && len == want_len, "prefix \"%s\" max %llu: %llu, %zu digits",
			 s, (unsigned long long)max, (unsigned long long)want, want_len);
	else
		t_report(e == want_e && v == 12345 && len == 777, "prefix \"%s\" max %llu: refused (%s)", s,
			 (unsigned long long)max, mb_errname(want_e));
}

/* mb_dec: the whole of s or nothing. */
static void whole(const char *s, size_t n, uint64_t max, int want_e, uint64_t want)
{
	uint64_t v = 12345;
	int e = mb_dec(s, n, max, &v);

	if (want_e == 0)
		t_report(e == 0 && v == want, "whole \"%.*s\" max %llu: %llu", (int)n, s,
			 (unsigned long long)max, (unsigned long long)want);
	else
		t_report(e == want_e && v == 12345, "whole \"%.*s\" max %llu: refused (%s)", (int)n, s,
			 (unsigned long long)max, mb_errname(want_e));
}

int main(void)
{
	prefix("0", UINT64_MAX, 0, 0, 1);
	prefix("42", UINT64_MAX, 0, 42, 2);
	prefix("42:abc", UINT64_MAX, 0, 42, 2);
	prefix("007 x", UINT64_MAX, 0, 7, 3); /* leading zeros are the caller's to refuse */
	prefix("18446744073709551615", UINT64_MAX, 0, UINT64_MAX, 20);
	prefix("18446744073709551616", UINT64_MAX, MB_E_RANGE, 0, 0);
	prefix("99999999999999999999", UINT64_MAX, MB_E_RANGE, 0, 0);
	prefix("4294967295", UINT32_MAX, 0, UINT32_MAX, 10);
	prefix("4294967296", UINT32_MAX, MB_E_RANGE, 0, 0);
	prefix("4294967299", UINT32_MAX, MB_E_RANGE, 0, 0); /* no wrap past the last digit */
	prefix("100", 99, MB_E_RANGE, 0, 0);
	prefix("99", 99, 0, 99, 2);
	prefix("0", 0, 0, 0, 1);
	prefix("1", 0, MB_E_RANGE, 0, 0);
	prefix("", UINT64_MAX, MB_E_INVAL, 0, 0);
	prefix(":1", UINT64_MAX, MB_E_INVAL, 0, 0);
	prefix("-1", UINT64_MAX, MB_E_INVAL, 0, 0);
	prefix("+1", UINT64_MAX, MB_E_INVAL, 0, 0);
	prefix(" 1", UINT64_MAX, MB_E_INVAL, 0, 0);
	prefix("0x10", UINT64_MAX, 0, 0, 1);

	whole("123", 3, UINT64_MAX, 0, 123);
	whole("123", 2, UINT64_MAX, 0, 12); /* n bounds it, no terminator needed */
	whole("12a", 3, UINT64_MAX, MB_E_INVAL, 0);
	whole("12 ", 3, UINT64_MAX, MB_E_INVAL, 0);
	whole("", 0, UINT64_MAX, MB_E_INVAL, 0);
	whole("1\0" "2", 3, UINT64_MAX, MB_E_INVAL, 0);
	whole("300", 3, 300, 0, 300);
	whole("301", 3, 300, MB_E_RANGE, 0);
	whole("0000000000000000000000001", 25, 1, 0, 1);
	RUN(test_read_some);
	return t_done();
}
