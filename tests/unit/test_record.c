// SPDX-License-Identifier: MIT
/* Evidence records: round trip of every kind, the hash chain and its
 * forgeries, and a bad-input table with exact errors. */
#include "t.h"

#include "cb.h"
#include "record.h"
#include "sha256.h"

static const uint8_t nonce[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

/* One record of each kind, in a plausible order. */
static size_t sample_records(struct record *out)
{
	static const uint8_t sig[] = { 0x00, 0x18, 0x00, 0x0b, 0x00, 0x01, 0xaa, 0x00, 0x01, 0xbb };
	size_t n = 0;

	out[n++] = (struct record){ .kind = REC_PHASE, .time_ns = 1000, .u.phase.phase = PHASE_MOUNTED };
	out[n++] = (struct record){ .kind = REC_STDOUT, .time_ns = 2000,
				    .u.chunk = { (const uint8_t *)"TAP version 14\n", 15 } };
	out[n++] = (struct record){ .kind = REC_STDERR, .time_ns = 2500,
				    .u.chunk = { (const uint8_t *)"warn\n", 5 } };
	out[n++] = (struct record){ .kind = REC_TEST, .time_ns = 3000,
				    .u.test = { .num = 1, .ok = true,
						.desc = (const uint8_t *)"adds", .desc_len = 4 } };
	out[n++] = (struct record){ .kind = REC_TEST, .time_ns = 3100,
				    .u.test = { .num = 2, .ok = false, .directive = DIRECTIVE_TODO,
						.desc = (const uint8_t *)"div", .desc_len = 3,
						.reason = (const uint8_t *)"later", .reason_len = 5 } };
	out[n++] = (struct record){ .kind = REC_CHECKPOINT, .time_ns = 4000,
				    .u.checkpoint = { sig, sizeof(sig) } };
	out[n++] = (struct record){ .kind = REC_LIMIT, .time_ns = 5000,
				    .u.limit = { LIMIT_OUTPUT, 1 << 20 } };
	out[n++] = (struct record){ .kind = REC_FILE, .time_ns = 5500,
				    .u.file = { (const uint8_t *)"junit.xml", 9, 0,
						(const uint8_t *)"<testsuites/>", 13, true } };
	out[n++] = (struct record){ .kind = REC_REFUSED, .time_ns = 5600,
				    .u.refused = { (const uint8_t *)"/tmp/r.xml", 10, REFUSED_DIR_MODE } };
	out[n++] = (struct record){ .kind = REC_EXIT, .time_ns = 6000, .u.exit = { 1, 0 } };
	out[n++] = (struct record){ .kind = REC_END, .time_ns = 7000, .u.end = { END_COMPLETE } };
	return n;
}

struct sealed {
	uint8_t buf[4096];
	size_t off[16], len[16], n;
};

static void seal_all(struct sealed *s, struct record *recs, size_t n)
{
	struct chain c;
	struct cb_wr w;

	REQUIRE(chain_init(&c, nonce) == 0);
	cb_wr_init(&w, s->buf, sizeof(s->buf));
	for (size_t i = 0; i < n; i++) {
		s->off[i] = w.len;
		REQUIRE(chain_seal(&c, &recs[i], &w) == 0);
		s->len[i] = w.len - s->off[i];
	}
	s->n = n;
}

static void test_round_trip_every_kind(void)
{
	struct record recs[16], got;
	struct sealed s;
	size_t n = sample_records(recs);

	seal_all(&s, recs, n);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(record_decode(s.buf + s.off[i], s.len[i], &got), 0);
		CHECK_EQ(got.seq, i);
		CHECK_EQ(got.kind, recs[i].kind);
		CHECK_EQ(got.time_ns, recs[i].time_ns);
		CHECK_MEM(got.prev, recs[i].prev, 32);
		/* re-encoding the decoded record gives the same bytes */
		uint8_t again[1024];
		struct cb_wr w;
		size_t m;

		cb_wr_init(&w, again, sizeof(again));
		record_encode(&got, &w);
		CHECK_EQ(cb_wr_finish(&w, &m), 0);
		CHECK_EQ(m, s.len[i]);
		CHECK_MEM(again, s.buf + s.off[i], m);
	}
}

static void test_chain_accepts_honest_stream(void)
{
	struct record recs[16], got;
	struct sealed s;
	struct chain c;
	size_t n = sample_records(recs);
	uint8_t h[32];

	seal_all(&s, recs, n);
	REQUIRE(chain_init(&c, nonce) == 0);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(chain_accept(&c, s.buf + s.off[i], s.len[i], &got), 0);
	CHECK_EQ(c.next_seq, n);
	REQUIRE(sha256_buf(s.buf + s.off[n - 1], s.len[n - 1], h) == 0);
	CHECK_MEM(c.head, h, 32);
}

/* Feeds records in the given order; returns the first error. */
static int feed(const struct sealed *s, const uint8_t *nonce_used, const int *order, size_t n)
{
	struct chain c;
	struct record got;

	REQUIRE(chain_init(&c, nonce_used) == 0);
	for (size_t i = 0; i < n; i++) {
		int e = chain_accept(&c, s->buf + s->off[order[i]], s->len[order[i]], &got);

		if (e < 0)
			return e;
	}
	return 0;
}

static void test_chain_forgeries(void)
{
	struct record recs[16];
	struct sealed s;
	size_t n = sample_records(recs);
	uint8_t other[32];

	seal_all(&s, recs, n);
	memcpy(other, nonce, 32);
	other[0] ^= 1;
	t_report(feed(&s, nonce, (const int[]){ 0, 2 }, 2) == MB_E_SEQUENCE, "dropped record: sequence");
	t_report(feed(&s, nonce, (const int[]){ 0, 1, 1 }, 3) == MB_E_SEQUENCE, "duplicated record: sequence");
	t_report(feed(&s, nonce, (const int[]){ 1, 0 }, 2) == MB_E_SEQUENCE, "reordered records: sequence");
	t_report(feed(&s, other, (const int[]){ 0 }, 1) == MB_E_CHAIN, "chain from another session: chain");

	/* a record re-sealed with the right seq but a forged prev */
	struct record r = recs[1];
	uint8_t buf[512];
	struct cb_wr w;
	size_t m;
	struct chain c;
	struct record got;

	r.seq = 1;
	memset(r.prev, 0xab, 32);
	cb_wr_init(&w, buf, sizeof(buf));
	record_encode(&r, &w);
	REQUIRE(cb_wr_finish(&w, &m) == 0);
	REQUIRE(chain_init(&c, nonce) == 0);
	REQUIRE(chain_accept(&c, s.buf, s.len[0], &got) == 0);
	t_report(chain_accept(&c, buf, m, &got) == MB_E_CHAIN, "forged prev: chain");
	CHECK_EQ(c.next_seq, 1);
}

/* Flipping any single bit of any record must be noticed: by the decoder,
 * by the chain at that record or the next, or (for the last record) by the
 * final head, which the quote binds. */
static void test_every_bit_flip_detected(void)
{
	struct record recs[16], got;
	struct sealed s;
	size_t n = sample_records(recs), undetected = 0, tried = 0;
	uint8_t honest[32];

	seal_all(&s, recs, n);
	REQUIRE(sha256_buf(s.buf + s.off[n - 1], s.len[n - 1], honest) == 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t b = 0; b < s.len[i] * 8; b++) {
			struct chain c;
			int e = 0;

			s.buf[s.off[i] + b / 8] ^= (uint8_t)(1u << (b % 8));
			REQUIRE(chain_init(&c, nonce) == 0);
			for (size_t k = 0; k < n && e == 0; k++)
				e = chain_accept(&c, s.buf + s.off[k], s.len[k], &got);
			s.buf[s.off[i] + b / 8] ^= (uint8_t)(1u << (b % 8));
			tried++;
			if (e == 0 && memcmp(c.head, honest, 32) == 0)
				undetected++;
		}
	}
	printf("# %zu single-bit flips tried\n", tried);
	CHECK_EQ(undetected, 0);
}

static void test_truncation_every_offset(void)
{
	struct record recs[16], got;
	struct sealed s;
	size_t n = sample_records(recs);

	seal_all(&s, recs, n);
	for (size_t i = 0; i < n; i++) {
		struct record before = { .seq = 4242 };

		for (size_t cut = 0; cut < s.len[i]; cut++) {
			int e = record_decode(s.buf + s.off[i], cut, &got);

			got = before;
			CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
		}
		/* trailing byte */
		uint8_t tmp[1024];

		memcpy(tmp, s.buf + s.off[i], s.len[i]);
		tmp[s.len[i]] = 0;
		CHECK_EQ(record_decode(tmp, s.len[i] + 1, &got), MB_E_TRAILING);
	}
}

/* Builds a record map by hand, for shapes the encoder never makes. */
struct raw {
	uint8_t buf[70000];
	struct cb_wr w;
};

static void raw_begin(struct raw *r, size_t keys, uint64_t kind)
{
	static const uint8_t zero[32];

	cb_wr_init(&r->w, r->buf, sizeof(r->buf));
	cb_put_map(&r->w, keys);
	cb_put_uint(&r->w, 0);
	cb_put_uint(&r->w, 0);
	cb_put_uint(&r->w, 1);
	cb_put_bstr(&r->w, zero, 32);
	cb_put_uint(&r->w, 2);
	cb_put_uint(&r->w, 0);
	cb_put_uint(&r->w, 3);
	cb_put_uint(&r->w, kind);
}

static int raw_decode(struct raw *r)
{
	struct record got;
	size_t n;

	REQUIRE(cb_wr_finish(&r->w, &n) == 0);
	return record_decode(r->buf, n, &got);
}

static void test_bad_records(void)
{
	static struct raw r;
	static uint8_t big[MAX_CHUNK_BYTES + 1];
	int e;

	raw_begin(&r, 5, REC_PHASE);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 1);
	cb_put_uint(&r.w, 0);
	cb_put_uint(&r.w, PHASE_MOUNTED);
	e = raw_decode(&r);
	t_report(e == 0, "hand-built good record accepted (%s)", mb_strerror(e));

	raw_begin(&r, 4, REC_PHASE);
	e = raw_decode(&r);
	t_report(e == MB_E_MISSING_KEY, "record without body: missing key (%s)", mb_strerror(e));

	raw_begin(&r, 6, REC_PHASE);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 1);
	cb_put_uint(&r.w, 0);
	cb_put_uint(&r.w, 1);
	cb_put_uint(&r.w, 5);
	cb_put_uint(&r.w, 0);
	e = raw_decode(&r);
	t_report(e == MB_E_TOO_LARGE, "record map of six entries: too large (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_PHASE);
	cb_put_uint(&r.w, 5);
	cb_put_uint(&r.w, 0);
	e = raw_decode(&r);
	t_report(e == MB_E_UNKNOWN_KEY, "record with key 5 for 4: unknown key (%s)", mb_strerror(e));

	raw_begin(&r, 5, 0);
	cb_put_uint(&r.w, 4);
	cb_put_null(&r.w);
	e = raw_decode(&r);
	t_report(e == MB_E_KIND, "kind 0: kind (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_KIND_MAX_ + 1);
	cb_put_uint(&r.w, 4);
	cb_put_null(&r.w);
	e = raw_decode(&r);
	t_report(e == MB_E_KIND, "kind past the last: kind (%s)", mb_strerror(e));

	/* a refused result file: why 1..REFUSED_MAX_, both keys, nothing else */
	{
		static const struct { uint64_t why; size_t keys; int err; const char *what; } rows[] = {
			{ REFUSED_MISSING, 2, 0, "why 1" },
			{ REFUSED_MAX_, 2, 0, "the last why" },
			{ 0, 2, MB_E_RANGE, "why 0" },
			{ REFUSED_MAX_ + 1, 2, MB_E_RANGE, "why past the last" },
			{ REFUSED_OWNER, 1, MB_E_MISSING_KEY, "no why" },
			{ REFUSED_OWNER, 3, MB_E_TOO_LARGE, "a third key" },
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			raw_begin(&r, 5, REC_REFUSED);
			cb_put_uint(&r.w, 4);
			cb_put_map(&r.w, rows[i].keys);
			cb_put_uint(&r.w, 0);
			cb_put_tstr(&r.w, "/a.xml", 6);
			if (rows[i].keys > 1) {
				cb_put_uint(&r.w, 1);
				cb_put_uint(&r.w, rows[i].why);
			}
			if (rows[i].keys > 2) {
				cb_put_uint(&r.w, 2);
				cb_put_uint(&r.w, 0);
			}
			e = raw_decode(&r);
			t_report(e == rows[i].err, "refused record, %s: %s (got %s)", rows[i].what,
				 mb_strerror(rows[i].err), mb_strerror(e));
		}
	}

	raw_begin(&r, 5, REC_STDOUT);
	cb_put_uint(&r.w, 4);
	cb_put_tstr(&r.w, "text", 4);
	e = raw_decode(&r);
	t_report(e == MB_E_TYPE, "stdout chunk as text: type (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_STDOUT);
	cb_put_uint(&r.w, 4);
	cb_put_bstr(&r.w, big, sizeof(big));
	e = raw_decode(&r);
	t_report(e == MB_E_TOO_LARGE, "stdout chunk past its limit: too large (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_TEST);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 5);
	cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 1);
	cb_put_uint(&r.w, 1); cb_put_bool(&r.w, true);
	cb_put_uint(&r.w, 2); cb_put_cstr(&r.w, "x");
	cb_put_uint(&r.w, 3); cb_put_uint(&r.w, DIRECTIVE_NONE);
	cb_put_uint(&r.w, 4); cb_put_cstr(&r.w, "");
	e = raw_decode(&r);
	t_report(e == MB_E_RANGE, "encoded default directive: range (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_TEST);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 4);
	cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 1);
	cb_put_uint(&r.w, 1); cb_put_bool(&r.w, true);
	cb_put_uint(&r.w, 2); cb_put_cstr(&r.w, "x");
	cb_put_uint(&r.w, 3); cb_put_uint(&r.w, DIRECTIVE_SKIP);
	e = raw_decode(&r);
	t_report(e == MB_E_MISSING_KEY, "directive without reason: missing key (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_TEST);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 3);
	cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 1);
	cb_put_uint(&r.w, 1); cb_put_uint(&r.w, 1);
	cb_put_uint(&r.w, 2); cb_put_cstr(&r.w, "x");
	e = raw_decode(&r);
	t_report(e == MB_E_TYPE, "test ok as an integer: type (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_EXIT);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 2);
	cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 256);
	cb_put_uint(&r.w, 1); cb_put_uint(&r.w, 0);
	e = raw_decode(&r);
	t_report(e == MB_E_RANGE, "exit code 256: range (%s)", mb_strerror(e));

	raw_begin(&r, 5, REC_PHASE);
	cb_put_uint(&r.w, 4);
	cb_put_map(&r.w, 1);
	cb_put_uint(&r.w, 0);
	cb_put_array(&r.w, 1);
	cb_put_uint(&r.w, 1);
	e = raw_decode(&r);
	t_report(e == MB_E_TOO_DEEP, "array nested in a body: too deep (%s)", mb_strerror(e));

	/* prev of 31 bytes */
	cb_wr_init(&r.w, r.buf, sizeof(r.buf));
	cb_put_map(&r.w, 5);
	cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 0);
	cb_put_uint(&r.w, 1); cb_put_bstr(&r.w, big, 31);
	cb_put_uint(&r.w, 2); cb_put_uint(&r.w, 0);
	cb_put_uint(&r.w, 3); cb_put_uint(&r.w, REC_END);
	cb_put_uint(&r.w, 4); cb_put_map(&r.w, 1); cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 0);
	e = raw_decode(&r);
	t_report(e == MB_E_LENGTH, "prev of 31 bytes: length (%s)", mb_strerror(e));

	/* seq past the record limit */
	cb_wr_init(&r.w, r.buf, sizeof(r.buf));
	cb_put_map(&r.w, 5);
	cb_put_uint(&r.w, 0); cb_put_uint(&r.w, MAX_RECORDS);
	cb_put_uint(&r.w, 1); cb_put_bstr(&r.w, big, 32);
	cb_put_uint(&r.w, 2); cb_put_uint(&r.w, 0);
	cb_put_uint(&r.w, 3); cb_put_uint(&r.w, REC_END);
	cb_put_uint(&r.w, 4); cb_put_map(&r.w, 1); cb_put_uint(&r.w, 0); cb_put_uint(&r.w, 0);
	e = raw_decode(&r);
	t_report(e == MB_E_RANGE, "seq past MAX_RECORDS: range (%s)", mb_strerror(e));

	/* the whole record past its limit */
	static uint8_t huge[MAX_RECORD_BYTES + 1];
	struct record got;

	t_report(record_decode(huge, sizeof(huge), &got) == MB_E_TOO_LARGE,
		 "record past MAX_RECORD_BYTES: too large");
}

static void test_checkpoint_message(void)
{
	uint8_t head[32], msg[CHECKPOINT_MSG_BYTES];

	memset(head, 0x5a, sizeof(head));
	record_checkpoint_message(head, msg);
	CHECK_MEM(msg, "vouch.checkpoint.v1", 19);
	CHECK_MEM(msg + 19, head, 32);
	/* never mistakable for a TPM-generated structure (TPM_GENERATED_VALUE) */
	CHECK(!(msg[0] == 0xff && msg[1] == 'T' && msg[2] == 'C' && msg[3] == 'G'));
}

int main(void)
{
	RUN(test_round_trip_every_kind);
	RUN(test_chain_accepts_honest_stream);
	test_chain_forgeries();
	RUN(test_every_bit_flip_detected);
	RUN(test_truncation_every_offset);
	test_bad_records();
	RUN(test_checkpoint_message);
	return t_done();
}
