// SPDX-License-Identifier: MIT
/* Strict CBOR reader and writer: good items, a bad-input table with the
 * exact error each row must produce, truncation at every offset. */
#include "t.h"

#include "cb.h"
#include "mb_limits.h"

struct bad {
	const char *hex;
	int err;
	const char *what;
};

static const struct bad bad_inputs[] = {
	{ "", MB_E_TRUNCATED, "empty input" },
	{ "18", MB_E_TRUNCATED, "uint8 head without its byte" },
	{ "1817", MB_E_NONCANONICAL, "23 in a one-byte head" },
	{ "1900ff", MB_E_NONCANONICAL, "255 in a two-byte head" },
	{ "1a0000ffff", MB_E_NONCANONICAL, "65535 in a four-byte head" },
	{ "1b00000000ffffffff", MB_E_NONCANONICAL, "2^32-1 in an eight-byte head" },
	{ "3817", MB_E_NONCANONICAL, "negint in a long head" },
	{ "5801ff", MB_E_NONCANONICAL, "bstr length 1 in a one-byte head" },
	{ "780161", MB_E_NONCANONICAL, "tstr length 1 in a one-byte head" },
	{ "980100", MB_E_NONCANONICAL, "array length 1 in a one-byte head" },
	{ "b8010000", MB_E_NONCANONICAL, "map length 1 in a one-byte head" },
	{ "5f41614162ff", MB_E_INDEFINITE, "indefinite bstr" },
	{ "7f6161ff", MB_E_INDEFINITE, "indefinite tstr" },
	{ "9f00ff", MB_E_INDEFINITE, "indefinite array" },
	{ "bf0000ff", MB_E_INDEFINITE, "indefinite map" },
	{ "ff", MB_E_INDEFINITE, "stray break" },
	{ "c000", MB_E_UNSUPPORTED, "tag 0" },
	{ "d8182100", MB_E_UNSUPPORTED, "tag 24" },
	{ "f93c00", MB_E_UNSUPPORTED, "half float" },
	{ "fa3f800000", MB_E_UNSUPPORTED, "single float" },
	{ "fb3ff0000000000000", MB_E_UNSUPPORTED, "double float" },
	{ "f7", MB_E_UNSUPPORTED, "undefined" },
	{ "f0", MB_E_MALFORMED, "simple value 16 (libcbor refuses it)" },
	{ "1c", MB_E_MALFORMED, "reserved additional info 28" },
	{ "5d", MB_E_MALFORMED, "reserved additional info 29 on bstr" },
	{ "0000", MB_E_TRAILING, "two items" },
	{ "a1000000", MB_E_TRAILING, "map then a byte" },
	{ "a200000001", MB_E_KEY_ORDER, "duplicate key" },
	{ "a201000000", MB_E_KEY_ORDER, "keys out of order" },
	{ "a2616200616100", MB_E_KEY_ORDER, "text keys out of order" },
	{ "a20a001800", MB_E_NONCANONICAL, "non-canonical key" },
	{ "a18000", MB_E_TYPE, "array as a map key" },
	{ "a1a00000", MB_E_TYPE, "map as a map key" },
	{ "a100", MB_E_TRUNCATED, "map key without value" },
	{ "8300", MB_E_TOO_LARGE, "array longer than the input" },
	{ "830000", MB_E_TOO_LARGE, "array of 3 with 2 items left" },
	{ "5a7fffffff00", MB_E_TOO_LARGE, "bstr of 2 GiB" },
	{ "5a0010000100", MB_E_TOO_LARGE, "bstr one past the limit" },
	{ "5bffffffffffffffff", MB_E_TOO_LARGE, "bstr of 2^64-1" },
	{ "5910000000", MB_E_TRUNCATED, "bstr of 4096 with 2 bytes" },
	{ "4300", MB_E_TRUNCATED, "bstr of 3 with 1 byte" },
	{ "9a00010001", MB_E_TOO_LARGE, "array of 65537" },
	{ "62c328", MB_E_UTF8, "invalid UTF-8 continuation" },
	{ "63eda080", MB_E_UTF8, "UTF-16 surrogate in UTF-8" },
	{ "62c080", MB_E_UTF8, "overlong UTF-8" },
	{ "64f4908080", MB_E_UTF8, "code point past U+10FFFF" },
	{ "61ff", MB_E_UTF8, "0xff byte in text" },
	{ "81818181818181818100", MB_E_TOO_DEEP, "nine levels of arrays" },
	{ "81818181818181818180", MB_E_TOO_DEEP, "ten levels, innermost empty" },
	{ "a100a100a100a100a100a100a100a100a10000", MB_E_TOO_DEEP, "nine levels of maps" },
};

static void test_bad_table(void)
{
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		uint8_t buf[64];
		int n = t_hex(bad_inputs[i].hex, buf, sizeof(buf));
		int e;

		REQUIRE(n >= 0);
		e = cb_validate(buf, (size_t)n, MAX_CBOR_DEPTH);
		t_report(e == bad_inputs[i].err, "bad input rejected: %s (%s: got %s)",
			 bad_inputs[i].what, mb_strerror(bad_inputs[i].err), mb_strerror(e));
	}
}

static const char *const good_inputs[] = {
	"00", "17", "1818", "18ff", "190100", "1a00010000", "1b0000000100000000",
	"20", "3818", "40", "4100", "60", "6161", "80", "a0", "f4", "f5", "f6",
	"8100", "a2000001f5", "a2616100616201", "a20a010b02",
	"818181818181818100", "83010203", "62c3a9", "64f09f9880",
};

static void test_good_inputs(void)
{
	for (size_t i = 0; i < sizeof(good_inputs) / sizeof(good_inputs[0]); i++) {
		uint8_t buf[64];
		int n = t_hex(good_inputs[i], buf, sizeof(buf));
		int e;

		REQUIRE(n >= 0);
		e = cb_validate(buf, (size_t)n, MAX_CBOR_DEPTH);
		if (e != 0)
			printf("# %s: %s\n", good_inputs[i], mb_strerror(e));
		CHECK_EQ(e, 0);
	}
}

/* A writer round trip, then every strict prefix must be refused. */
static void test_writer_and_truncation(void)
{
	uint8_t buf[512];
	struct cb_wr w;
	size_t n;
	static const uint64_t ints[] = { 0, 23, 24, 255, 256, 65535, 65536,
					  UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX };

	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_map(&w, 3);
	cb_put_uint(&w, 0);
	cb_put_array(&w, sizeof(ints) / sizeof(ints[0]));
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		cb_put_uint(&w, ints[i]);
	cb_put_uint(&w, 1);
	cb_put_bstr(&w, "\x01\x02\x03", 3);
	cb_put_uint(&w, 2);
	cb_put_cstr(&w, "h\xc3\xa9llo");
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(cb_validate(buf, n, 2), 0);

	struct cb_rd r;
	struct cb_map m;
	uint64_t key, v;
	size_t an;
	const uint8_t *s;
	size_t sn;

	cb_rd_init(&r, buf, n);
	CHECK_EQ(cb_map_begin(&r, &m, 3), 0);
	CHECK_EQ(cb_map_next(&r, &m, &key), 1);
	CHECK_EQ(key, 0);
	CHECK_EQ(cb_get_array(&r, 16, &an), 0);
	CHECK_EQ(an, sizeof(ints) / sizeof(ints[0]));
	for (size_t i = 0; i < an; i++) {
		CHECK_EQ(cb_get_uint(&r, UINT64_MAX, &v), 0);
		CHECK(v == ints[i]);
	}
	CHECK_EQ(cb_map_next(&r, &m, &key), 1);
	CHECK_EQ(cb_get_bstr(&r, 3, &s, &sn), 0);
	CHECK_EQ(sn, 3);
	CHECK_EQ(cb_map_next(&r, &m, &key), 1);
	CHECK_EQ(key, 2);
	CHECK_EQ(cb_get_tstr(&r, 16, &s, &sn), 0);
	CHECK_EQ(sn, 6);
	CHECK_EQ(cb_map_next(&r, &m, &key), 0);
	CHECK_EQ(cb_end(&r), 0);

	for (size_t cut = 0; cut < n; cut++) {
		int e = cb_validate(buf, cut, 2);

		if (e != MB_E_TRUNCATED && e != MB_E_TOO_LARGE)
			printf("# prefix of %zu bytes: %s\n", cut, mb_strerror(e));
		CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
	}
}

/* Getters leave their out-parameters and the reader untouched on error. */
static void test_getters_no_write_on_error(void)
{
	static const uint8_t text[] = { 0x61, 'a' };
	static const uint8_t big[] = { 0x19, 0x01, 0x00 };
	struct cb_rd r;
	uint64_t v = 777;
	const uint8_t *s = (const uint8_t *)"x";
	size_t sn = 99;
	uint8_t exact[4] = { 9, 9, 9, 9 };
	char cs[4] = "zzz";

	cb_rd_init(&r, text, sizeof(text));
	CHECK_EQ(cb_get_uint(&r, 10, &v), MB_E_TYPE);
	CHECK_EQ(v, 777);
	CHECK_EQ(r.off, 0);
	CHECK_EQ(cb_get_bstr(&r, 10, &s, &sn), MB_E_TYPE);
	CHECK_EQ(sn, 99);
	CHECK_EQ(cb_get_bstr_exact(&r, exact, 4), MB_E_TYPE);
	CHECK_EQ(exact[0], 9);
	CHECK_EQ(cb_get_cstr(&r, cs, 1), MB_E_TOO_LARGE);
	CHECK(strcmp(cs, "zzz") == 0);
	CHECK_EQ(r.off, 0);

	cb_rd_init(&r, big, sizeof(big));
	CHECK_EQ(cb_get_uint(&r, 255, &v), MB_E_RANGE);
	CHECK_EQ(v, 777);
	CHECK_EQ(cb_get_uint(&r, 256, &v), 0);
	CHECK_EQ(v, 256);
}

static void test_cstr_refuses_nul(void)
{
	static const uint8_t t[] = { 0x63, 'a', 0, 'b' };
	struct cb_rd r;
	char cs[8];

	cb_rd_init(&r, t, sizeof(t));
	CHECK_EQ(cb_get_cstr(&r, cs, sizeof(cs)), MB_E_RANGE);
}

static void test_map_key_rules(void)
{
	/* {0: 1, 0: 2}: the schema-level reader refuses duplicates too */
	static const uint8_t dup[] = { 0xa2, 0x00, 0x01, 0x00, 0x02 };
	static const uint8_t txt[] = { 0xa1, 0x61, 'a', 0x00 };
	struct cb_rd r;
	struct cb_map m;
	uint64_t key, v;

	cb_rd_init(&r, dup, sizeof(dup));
	CHECK_EQ(cb_map_begin(&r, &m, 2), 0);
	CHECK_EQ(cb_map_next(&r, &m, &key), 1);
	CHECK_EQ(cb_get_uint(&r, 10, &v), 0);
	CHECK_EQ(cb_map_next(&r, &m, &key), MB_E_KEY_ORDER);

	cb_rd_init(&r, txt, sizeof(txt));
	CHECK_EQ(cb_map_begin(&r, &m, 2), 0);
	CHECK_EQ(cb_map_next(&r, &m, &key), MB_E_UNKNOWN_KEY);
	CHECK_EQ(cb_map_require(&m, 1), MB_E_MISSING_KEY);
}

/* a field that keeps what it read, and refuses key 5 as unknown */
static int sum_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	uint64_t v;
	int e;

	if (key == 5)
		return MB_E_UNKNOWN_KEY;
	if ((e = cb_get_uint(r, 100, &v)) == 0)
		*(uint64_t *)ctx += v;
	return e;
}

/* cb_map_walk: every field read, required keys checked, the first error
 * ends the walk, ret_seen written only on success. */
static void test_map_walk(void)
{
	static const uint8_t good[] = { 0xa2, 0x00, 0x01, 0x02, 0x03 }; /* {0: 1, 2: 3} */
	static const uint8_t unknown[] = { 0xa2, 0x00, 0x01, 0x05, 0x03 };
	static const uint8_t big[] = { 0xa2, 0x00, 0x01, 0x02, 0x18, 0xc8 }; /* 2: 200 */
	static const uint8_t order[] = { 0xa2, 0x02, 0x01, 0x00, 0x03 };
	struct cb_rd r;
	uint64_t sum = 0, seen = 77;

	cb_rd_init(&r, good, sizeof(good));
	CHECK_EQ(cb_map_walk(&r, 2, CB_KEY(0) | CB_KEY(2), sum_field, &sum, &seen), 0);
	CHECK_EQ(sum, 4);
	CHECK_EQ(seen, CB_KEY(0) | CB_KEY(2));
	CHECK_EQ(cb_end(&r), 0);
	seen = 77;
	cb_rd_init(&r, good, sizeof(good));
	CHECK_EQ(cb_map_walk(&r, 2, CB_KEY(1), sum_field, &sum, &seen), MB_E_MISSING_KEY);
	cb_rd_init(&r, good, sizeof(good));
	CHECK_EQ(cb_map_walk(&r, 1, 0, sum_field, &sum, &seen), MB_E_TOO_LARGE);
	cb_rd_init(&r, unknown, sizeof(unknown));
	CHECK_EQ(cb_map_walk(&r, 2, 0, sum_field, &sum, &seen), MB_E_UNKNOWN_KEY);
	cb_rd_init(&r, big, sizeof(big));
	CHECK_EQ(cb_map_walk(&r, 2, 0, sum_field, &sum, &seen), MB_E_RANGE);
	cb_rd_init(&r, order, sizeof(order));
	CHECK_EQ(cb_map_walk(&r, 2, 0, sum_field, &sum, &seen), MB_E_KEY_ORDER);
	cb_rd_init(&r, good, 3); /* ends inside the map */
	CHECK_EQ(cb_map_walk(&r, 2, 0, sum_field, &sum, NULL), MB_E_TRUNCATED);
	CHECK_EQ(seen, 77);
}

static void test_writer_limits(void)
{
	uint8_t buf[4];
	struct cb_wr w;
	size_t n = 12345;

	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_bstr(&w, "abcdef", 6);
	CHECK_EQ(cb_wr_finish(&w, &n), MB_E_TOO_LARGE);
	CHECK_EQ(n, 12345);

	/* a heap writer grows, up to its cap */
	cb_wr_init(&w, NULL, 100000);
	for (int i = 0; i < 20000; i++)
		cb_put_uint(&w, 1000);
	CHECK_EQ(cb_wr_finish(&w, &n), 0);
	CHECK_EQ(n, 60000);
	for (int i = 0; i < 20000; i++)
		cb_put_uint(&w, 1000);
	CHECK_EQ(cb_wr_finish(&w, &n), MB_E_TOO_LARGE);
	cb_wr_free(&w);
}

static void test_depth_limit_is_a_parameter(void)
{
	static const uint8_t three[] = { 0x81, 0x81, 0x81, 0x00 };

	CHECK_EQ(cb_validate(three, sizeof(three), 3), 0);
	CHECK_EQ(cb_validate(three, sizeof(three), 2), MB_E_TOO_DEEP);
	CHECK_EQ(cb_validate(three, sizeof(three), MAX_CBOR_DEPTH + 1), MB_E_INVAL);
}

/* An array (or map) head of n elements followed by n zeros. */
static uint8_t *container(uint8_t major, size_t n, size_t *ret_len)
{
	size_t items = major == 5 ? 2 * n : n, len = 5 + items;
	uint8_t *p = calloc(1, len);

	REQUIRE(p && n <= UINT32_MAX);
	p[0] = (uint8_t)(major << 5 | 26);
	p[1] = (uint8_t)(n >> 24), p[2] = (uint8_t)(n >> 16), p[3] = (uint8_t)(n >> 8), p[4] = (uint8_t)n;
	*ret_len = len;
	return p;
}

/*
 * The item limit belongs to the reader: MAX_CBOR_ITEMS unless a decoder
 * raises it, and then for that reader alone. Rows: elements, the limit,
 * the expected error of cb_validate_items and of cb_get_array (or of
 * cb_map_begin and cb_skip for maps) through a reader with that limit.
 */
static void test_item_limit_per_reader(void)
{
	static const struct { uint8_t major; size_t n, limit; int err, verr; const char *what; } rows[] = {
		{ 4, MAX_CBOR_ITEMS, MAX_CBOR_ITEMS, 0, 0, "array at the generic limit" },
		{ 4, MAX_CBOR_ITEMS + 1, MAX_CBOR_ITEMS, MB_E_TOO_LARGE, MB_E_TOO_LARGE, "array past the generic limit" },
		{ 4, MAX_CBOR_ITEMS + 1, MAX_RECORDS, 0, 0, "the same array, limit raised" },
		{ 4, MAX_RECORDS, MAX_RECORDS, 0, 0, "array at the raised limit" },
		{ 4, MAX_RECORDS + 1, MAX_RECORDS, MB_E_TOO_LARGE, MB_E_TOO_LARGE, "array past the raised limit" },
		{ 5, MAX_CBOR_ITEMS + 1, MAX_CBOR_ITEMS, MB_E_TOO_LARGE, MB_E_TOO_LARGE, "map past the generic limit" },
		/* its keys are all 0: past the item limit, validation finds them */
		{ 5, MAX_CBOR_ITEMS + 1, MAX_CBOR_ITEMS + 1, 0, MB_E_KEY_ORDER, "the same map, limit raised" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len, n = 4242;
		uint8_t *p = container(rows[i].major, rows[i].n, &len);
		struct cb_rd r, raised;
		struct cb_map m;
		int ev = cb_validate_items(p, len, 1, rows[i].limit), eg, es;

		cb_rd_init(&r, p, len);
		raised = r;
		raised.max_items = rows[i].limit;
		if (rows[i].major == 4) {
			eg = cb_get_array(&raised, SIZE_MAX, &n);
		} else {
			eg = cb_map_begin(&raised, &m, SIZE_MAX);
			n = eg == 0 ? m.n : n;
		}
		raised.off = 0;
		es = cb_skip(&raised);
		t_report(ev == rows[i].verr && eg == rows[i].err && es == rows[i].err &&
				 n == (rows[i].err ? 4242 : rows[i].n) && raised.max_items == rows[i].limit,
			 "item limit: %s (%s; got %s, %s, %s)", rows[i].what, mb_errname(rows[i].err),
			 mb_errname(ev), mb_errname(eg), mb_errname(es));
		/* the generic limit is the default of every other reader */
		t_report(r.max_items == MAX_CBOR_ITEMS &&
				 cb_validate(p, len, 1) == (rows[i].n > MAX_CBOR_ITEMS ? MB_E_TOO_LARGE : 0) &&
				 cb_skip(&r) == (rows[i].n > MAX_CBOR_ITEMS ? MB_E_TOO_LARGE : 0),
			 "item limit: %s, through a default reader: the generic limit", rows[i].what);
		free(p);
	}
}

int main(void)
{
	test_bad_table();
	RUN(test_good_inputs);
	RUN(test_writer_and_truncation);
	RUN(test_getters_no_write_on_error);
	RUN(test_cstr_refuses_nul);
	RUN(test_map_key_rules);
	RUN(test_map_walk);
	RUN(test_writer_limits);
	RUN(test_depth_limit_is_a_parameter);
	test_item_limit_per_reader();
	return t_done();
}
