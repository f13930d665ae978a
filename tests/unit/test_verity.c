// SPDX-License-Identifier: MIT
/* The command line's vouch.verity=BLOCKS:ROOT word, and digests from hex:
 * round trips, every truncation, and a table of malformed, oversized and
 * out-of-range inputs, each with its exact error and the outputs left
 * untouched. */
#include "t.h"

#include "sha256.h"
#include "verity.h"

static const char ROOT_HEX[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void test_round_trips(void)
{
	static const uint64_t counts[] = { 1, 9, 10, 549, 4096, MAX_VERITY_DATA_BLOCKS - 1,
					   MAX_VERITY_DATA_BLOCKS };
	uint8_t root[SHA256_BYTES], got[SHA256_BYTES];

	for (size_t i = 0; i < sizeof(root); i++)
		root[i] = (uint8_t)(i * 37 + 5);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char s[VERITY_SPEC_BYTES], again[VERITY_SPEC_BYTES];
		uint64_t blocks = 0;

		REQUIRE(verity_spec_format(s, counts[i], root) == 0);
		CHECK(strlen(s) < VERITY_SPEC_BYTES);
		CHECK_EQ(verity_spec_parse(s, strlen(s), &blocks, got), 0);
		CHECK_EQ(blocks, counts[i]);
		CHECK_MEM(got, root, sizeof(root));
		REQUIRE(verity_spec_format(again, blocks, got) == 0);
		CHECK(strcmp(again, s) == 0);
		/* every proper prefix is refused */
		for (size_t cut = 0; cut < strlen(s); cut++)
			CHECK(verity_spec_parse(s, cut, &blocks, got) < 0);
	}
	{
		char s[VERITY_SPEC_BYTES];

		CHECK_EQ(verity_spec_format(s, 0, root), MB_E_RANGE);
		CHECK_EQ(verity_spec_format(s, MAX_VERITY_DATA_BLOCKS + 1, root), MB_E_RANGE);
	}
}

static void test_bad_specs(void)
{
	char upper[128], long_root[128], short_root[128], huge[128], wrap[128], max1[128];
	const char *const r = ROOT_HEX;

	snprintf(upper, sizeof(upper), "12:%.63sA", r);
	snprintf(long_root, sizeof(long_root), "12:%s0", r);
	snprintf(short_root, sizeof(short_root), "12:%.63s", r);
	snprintf(huge, sizeof(huge), "4294967297:%s", r);
	snprintf(wrap, sizeof(wrap), "184467440737095516170:%s", r);
	snprintf(max1, sizeof(max1), "42949672960:%s", r);
	const struct {
		const char *what, *s;
		int err;
	} rows[] = {
		{ "empty", "", MB_E_INVAL },
		{ "block count 0", "0:0123", MB_E_INVAL },
		{ "leading zero", "012:0123", MB_E_INVAL },
		{ "no block count", ":0123", MB_E_INVAL },
		{ "sign", "+12:0123", MB_E_INVAL },
		{ "no colon", "12", MB_E_INVAL },
		{ "other separator", "12=0123", MB_E_INVAL },
		{ "root of 63 digits", short_root, MB_E_LENGTH },
		{ "root of 65 digits", long_root, MB_E_LENGTH },
		{ "no root", "12:", MB_E_LENGTH },
		{ "upper-case hex", upper, MB_E_INVAL },
		{ "2^32 + 1 blocks", huge, MB_E_RANGE },
		{ "10 x 2^32 blocks", max1, MB_E_RANGE },
		{ "a count that would wrap 64 bits", wrap, MB_E_RANGE },
	};
	uint8_t root[SHA256_BYTES];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t blocks = 4242;
		int e;

		memset(root, 0x5a, sizeof(root));
		e = verity_spec_parse(rows[i].s, strlen(rows[i].s), &blocks, root);
		t_report(e == rows[i].err && blocks == 4242 && root[0] == 0x5a && root[31] == 0x5a,
			 "verity spec: %s (%s; got %s)", rows[i].what, mb_errname(rows[i].err), mb_errname(e));
	}
}

static void test_embedded_nul_and_space(void)
{
	char s[VERITY_SPEC_BYTES + 8];
	uint64_t blocks = 7;
	uint8_t root[SHA256_BYTES] = { 0 };

	/* the length is what counts: a NUL or a space inside is refused */
	snprintf(s, sizeof(s), "12:%s", ROOT_HEX);
	s[10] = 0;
	CHECK_EQ(verity_spec_parse(s, 3 + 64, &blocks, root), MB_E_INVAL);
	snprintf(s, sizeof(s), "12:%s ", ROOT_HEX);
	CHECK_EQ(verity_spec_parse(s, strlen(s), &blocks, root), MB_E_LENGTH);
	CHECK_EQ(blocks, 7);
}

static void test_digest_from_hex(void)
{
	uint8_t d[SHA256_BYTES];

	CHECK_EQ(sha256_from_hex(ROOT_HEX, 64, d), 0);
	CHECK(d[0] == 0x01 && d[1] == 0x23 && d[7] == 0xef && d[31] == 0xef);
	memset(d, 0x77, sizeof(d));
	CHECK_EQ(sha256_from_hex(ROOT_HEX, 63, d), MB_E_LENGTH);
	CHECK_EQ(sha256_from_hex(ROOT_HEX, 0, d), MB_E_LENGTH);
	CHECK_EQ(sha256_from_hex("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64, d),
		 MB_E_INVAL);
	CHECK_EQ(sha256_from_hex("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 64, d),
		 MB_E_INVAL);
	CHECK(d[0] == 0x77 && d[31] == 0x77); /* untouched on refusal */
}

int main(void)
{
	RUN(test_round_trips);
	test_bad_specs();
	RUN(test_embedded_nul_and_space);
	RUN(test_digest_from_hex);
	return t_done();
}
