// SPDX-License-Identifier: MIT
/*
 * The record decoder's fast path against the strict decoder alone, over
 * the vector corpus (every good and bad record vector, the records of
 * the chain vectors and of the recorded evidence bundles) and over every
 * mutation of each of them (each byte changed several ways, each
 * truncation, a byte appended): the same error code on every input, the
 * same decoded record on every accept, and the fast path never accepting
 * what the strict decoder refuses. Run from the top of the tree.
 */
#include "t.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cb.h"
#include "record.h"
#include "record_fast.h"

static size_t inputs, fast_accepts, strict_accepts, disagreements;

static bool same_record(const struct record *a, const struct record *b)
{
	if (a->seq != b->seq || memcmp(a->prev, b->prev, 32) != 0 || a->time_ns != b->time_ns || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case REC_STDOUT:
	case REC_STDERR:
	case REC_RESULTS:
		return a->u.chunk.p == b->u.chunk.p && a->u.chunk.n == b->u.chunk.n;
	case REC_TEST:
		return a->u.test.num == b->u.test.num && a->u.test.ok == b->u.test.ok &&
		       a->u.test.directive == b->u.test.directive && a->u.test.desc == b->u.test.desc &&
		       a->u.test.desc_len == b->u.test.desc_len && a->u.test.reason == b->u.test.reason &&
		       a->u.test.reason_len == b->u.test.reason_len;
	case REC_CHECKPOINT:
		return a->u.checkpoint.sig == b->u.checkpoint.sig && a->u.checkpoint.sig_len == b->u.checkpoint.sig_len;
	default:
		return memcmp(&a->u, &b->u, sizeof(a->u)) == 0;
	}
}

/* One input through both decoders and through the fast path alone. */
static void compare(const uint8_t *p, size_t n)
{
	struct record a, b, f;
	int ea, eb;
	bool fast;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ea = record_decode(p, n, &a);
	eb = record_decode_strict(p, n, &b);
	fast = record_fast_decode(p, n, &f);
	inputs++;
	fast_accepts += fast;
	strict_accepts += eb == 0;
	if (ea != eb || (ea == 0 && !same_record(&a, &b)) || (fast && (eb != 0 || !same_record(&f, &b)))) {
		if (disagreements++ < 10)
			printf("# %zu bytes, first %02x: record_decode %s, strict %s, fast %s\n", n, n ? p[0] : 0,
			       mb_errname(ea), mb_errname(eb), fast ? "accepts" : "declines");
	}
}

/* The input, then each byte changed several ways, each truncation, and
 * one byte more. */
#define MUTATED_HEAD 160
#define MUTATED_TAIL 16
static void compare_mutations(const uint8_t *p, size_t n)
{
	static const uint8_t xors[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff };
	static const uint8_t sets[] = { 0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x5f, 0x7f, 0xa4, 0xa6,
					0xbf, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xff };
	uint8_t *m = malloc(n + 1);

	REQUIRE(m);
	compare(p, n);
	for (size_t i = 0; i < n; i++) {
		/* a long string's middle is data: the heads are near the ends */
		if (i == MUTATED_HEAD && n > MUTATED_HEAD + MUTATED_TAIL)
			i = n - MUTATED_TAIL;
		memcpy(m, p, n);
		for (size_t k = 0; k < sizeof(xors); k++) {
			m[i] = p[i] ^ xors[k];
			compare(m, n);
		}
		for (size_t k = 0; k < sizeof(sets); k++) {
			m[i] = sets[k];
			compare(m, n);
		}
		m[i] = p[i];
		compare(m, i); /* truncated */
	}
	memcpy(m, p, n);
	m[n] = 0x00;
	compare(m, n + 1);
	free(m);
}

/* Each file of the glob; with seq, each item of the CBOR sequence a file
 * holds (a chain vector) as one record. */
static void compare_files(const char *pattern, bool seq)
{
	glob_t g;

	REQUIRE(glob(pattern, 0, NULL, &g) == 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t n;
		uint8_t *b = t_slurp(g.gl_pathv[i], &n);
		struct cb_rd r;

		cb_rd_init(&r, b, n);
		while (seq && r.off < n) {
			size_t start = r.off;

			if (cb_skip(&r) < 0)
				break;
			compare_mutations(b + start, r.off - start);
		}
		if (!seq)
			compare_mutations(b, n);
		free(b);
	}
	globfree(&g);
}

static void test_vector_records(void)
{
	size_t before = strict_accepts;

	disagreements = 0;
	compare_files("tests/vectors/good/record-*.cbor", false);
	compare_files("tests/vectors/bad/record-*.cbor", false);
	compare_files("tests/vectors/good/chain.cborseq", true);
	compare_files("tests/vectors/bad/chain-*.cborseq", true);
	CHECK_EQ(disagreements, 0);
	CHECK(strict_accepts > before);
}

#define BUNDLE_MUTATED 24

static void test_bundle_records(void)
{
	static const char *const paths[] = { "tests/vectors/evidence/honest-a.cbor",
					     "tests/vectors/evidence/honest-b.cbor" };
	size_t fast_before = fast_accepts;

	disagreements = 0;
	for (size_t k = 0; k < 2; k++) {
		size_t n;
		uint8_t *raw = t_slurp(paths[k], &n);
		struct bundle b;

		REQUIRE(bundle_decode(raw, n, &b) == 0);
		/* every record as it is; the mutations of the first ones
		 * (each shape is there) */
		for (size_t i = 0; i < b.nrecords; i++)
			if (i < BUNDLE_MUTATED)
				compare_mutations(b.records[i].p, b.records[i].n);
			else
				compare(b.records[i].p, b.records[i].n);
		bundle_free(&b);
		free(raw);
	}
	CHECK_EQ(disagreements, 0);
	/* the fast path is taken: a real run's records are its shapes */
	CHECK(fast_accepts > fast_before);
}

/* The exact errors of the forms the fast path declines, through the
 * decoder every caller uses: a stdout record, then each of its fields in
 * a form the strict reader refuses. */
static void test_declined_forms(void)
{
	static const uint8_t prev[32];
	struct record rec = { .kind = REC_STDOUT, .seq = 3, .time_ns = 7, .u.chunk = { (const uint8_t *)"ok 1\n", 5 } };
	uint8_t buf[128], m[130];
	struct cb_wr w;
	struct record out;
	size_t n;

	memcpy(rec.prev, prev, 32);
	cb_wr_init(&w, buf, sizeof(buf));
	record_encode(&rec, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK(record_fast_decode(buf, n, &out));
	/* seq 3 in a one-byte-argument head: a5 00 18 03 ... */
	m[0] = 0xa5, m[1] = 0x00, m[2] = 0x18, m[3] = 0x03;
	memcpy(m + 4, buf + 3, n - 3);
	CHECK(!record_fast_decode(m, n + 1, &out));
	CHECK_EQ(record_decode(m, n + 1, &out), MB_E_NONCANONICAL);
	/* one byte after the record */
	memcpy(m, buf, n);
	m[n] = 0x00;
	CHECK(!record_fast_decode(m, n + 1, &out));
	CHECK_EQ(record_decode(m, n + 1, &out), MB_E_TRAILING);
	/* the chunk as a text string */
	memcpy(m, buf, n);
	m[n - 6] = 0x65;
	CHECK(!record_fast_decode(m, n, &out));
	CHECK_EQ(record_decode(m, n, &out), MB_E_TYPE);
	/* the kind one past the last */
	memcpy(m, buf, n);
	REQUIRE(m[n - 9] == 0x03 && m[n - 8] == REC_STDOUT);
	m[n - 8] = REC_KIND_MAX_ + 1;
	CHECK(!record_fast_decode(m, n, &out));
	CHECK_EQ(record_decode(m, n, &out), MB_E_KIND);
	m[n - 8] = 0;
	CHECK(!record_fast_decode(m, n, &out));
	CHECK_EQ(record_decode(m, n, &out), MB_E_KIND);
	/* prev one byte short, the rest as it was: a5 00 03 01 58 1f ... */
	memcpy(m, buf, 5);
	m[5] = 31;
	memcpy(m + 6, buf + 7, n - 7);
	CHECK(!record_fast_decode(m, n - 1, &out));
	CHECK_EQ(record_decode(m, n - 1, &out), MB_E_LENGTH);
	/* the chunk's length one past the end */
	memcpy(m, buf, n);
	m[n - 6] = 0x46;
	CHECK(!record_fast_decode(m, n, &out));
	CHECK_EQ(record_decode(m, n, &out), MB_E_TRUNCATED);
}

/* rec encoded: the fast path's answer, and record_decode's code */
static int encoded(const struct record *rec, bool *ret_fast)
{
	static uint8_t buf[MAX_RECORD_BYTES + 64];
	struct record out;
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, buf, sizeof(buf));
	record_encode(rec, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	*ret_fast = record_fast_decode(buf, n, &out);
	return record_decode(buf, n, &out);
}

/* Each limit of the common shapes, at the limit (the fast path takes it)
 * and one past (the fast path declines, the strict decoder refuses). */
static void test_limits(void)
{
	static uint8_t big[MAX_CHUNK_BYTES + 1];
	static const uint8_t bad_utf8[] = { 'o', 'k', 0xc3, 0x28 };
	struct record r = { .kind = REC_STDOUT, .seq = MAX_RECORDS - 1, .u.chunk = { big, MAX_CHUNK_BYTES } };
	bool fast;

	CHECK_EQ(encoded(&r, &fast), 0);
	CHECK(fast);
	r.seq = MAX_RECORDS;
	CHECK_EQ(encoded(&r, &fast), MB_E_RANGE);
	CHECK(!fast);
	r.seq = 0;
	r.u.chunk.n = MAX_CHUNK_BYTES + 1;
	CHECK_EQ(encoded(&r, &fast), MB_E_TOO_LARGE);
	CHECK(!fast);
	r = (struct record){ .kind = REC_TEST, .u.test = { .num = 1, .desc = big, .desc_len = MAX_TEXT_BYTES } };
	memset(big, 'a', sizeof(big));
	CHECK_EQ(encoded(&r, &fast), 0);
	CHECK(fast);
	r.u.test.desc_len = MAX_TEXT_BYTES + 1;
	CHECK_EQ(encoded(&r, &fast), MB_E_TOO_LARGE);
	CHECK(!fast);
	r.u.test.desc_len = 2;
	r.u.test.directive = DIRECTIVE_SKIP;
	r.u.test.reason = big;
	r.u.test.reason_len = MAX_TEXT_BYTES;
	CHECK_EQ(encoded(&r, &fast), 0);
	CHECK(fast);
	r.u.test.reason_len = MAX_TEXT_BYTES + 1;
	CHECK_EQ(encoded(&r, &fast), MB_E_TOO_LARGE);
	CHECK(!fast);
	r.u.test.reason = bad_utf8;
	r.u.test.reason_len = sizeof(bad_utf8);
	CHECK_EQ(encoded(&r, &fast), MB_E_UTF8);
	CHECK(!fast);
	r.u.test.directive = DIRECTIVE_NONE;
	r.u.test.desc = bad_utf8;
	r.u.test.desc_len = sizeof(bad_utf8);
	CHECK_EQ(encoded(&r, &fast), MB_E_UTF8);
	CHECK(!fast);
	r = (struct record){ .kind = REC_CHECKPOINT, .u.checkpoint = { big, MAX_TEXT_BYTES } };
	CHECK_EQ(encoded(&r, &fast), 0);
	CHECK(fast);
	r.u.checkpoint.sig_len = MAX_TEXT_BYTES + 1;
	CHECK_EQ(encoded(&r, &fast), MB_E_TOO_LARGE);
	CHECK(!fast);
}

int main(void)
{
	RUN(test_vector_records);
	RUN(test_bundle_records);
	RUN(test_declined_forms);
	RUN(test_limits);
	printf("# %zu inputs, %zu accepted by the strict decoder, %zu by the fast path\n", inputs, strict_accepts,
	       fast_accepts);
	return t_done();
}
