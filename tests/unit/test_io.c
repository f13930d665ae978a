// SPDX-License-Identifier: MIT
/* The one decimal parser (measured-boot/io.c), as a table of inputs: what
 * each caller's rule rests on. */
#include "t.h"

#include "io.h"

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
		t_report(e == want_e && v == 12345 && len == 777, "prefix \"%s\" max %llu: refused (%d)", s,
			 (unsigned long long)max, want_e);
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
		t_report(e == want_e && v == 12345, "whole \"%.*s\" max %llu: refused (%d)", (int)n, s,
			 (unsigned long long)max, want_e);
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
	return t_done();
}
