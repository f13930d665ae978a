// SPDX-License-Identifier: MIT
/* The CEL event log: round trip, replay, and a bad-input table. */
#include "t.h"

#include "cb.h"
#include "evlog.h"
#include "sha256.h"

static struct evlog log_a, log_b;

static void make_log(struct evlog *log)
{
	static const char *const tags[] = { "vouch.kernel", "vouch.initramfs", "vouch.cmdline",
					    "vouch.rootfs", "vouch.runspec", "vouch.agent-tree",
					    "vouch.harness-tree", "vouch.separator" };
	static const uint32_t pcrs[] = { 8, 8, 8, 9, 11, 12, 12, 13 };
	static const uint32_t types[] = { EV_IPL, EV_IPL, EV_IPL, EV_IPL, EV_EVENT_TAG,
					  EV_EVENT_TAG, EV_EVENT_TAG, EV_SEPARATOR };

	evlog_init(log);
	for (size_t i = 0; i < 8; i++) {
		uint8_t d[32];

		REQUIRE(sha256_buf(tags[i], strlen(tags[i]), d) == 0);
		REQUIRE(evlog_append(log, pcrs[i], types[i], d, tags[i], strlen(tags[i])) == 0);
	}
}

static size_t encode(const struct evlog *log, uint8_t *buf, size_t cap)
{
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, buf, cap);
	evlog_encode(log, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

static void test_round_trip_and_replay(void)
{
	uint8_t buf[4096];
	struct pcr_bank a, b;
	size_t n;

	make_log(&log_a);
	n = encode(&log_a, buf, sizeof(buf));
	CHECK_EQ(evlog_decode(buf, n, &log_b), 0);
	CHECK_EQ(log_b.n, 8);
	for (size_t i = 0; i < log_b.n; i++) {
		CHECK_EQ(log_b.ev[i].recnum, i);
		CHECK_EQ(log_b.ev[i].pcr, log_a.ev[i].pcr);
		CHECK_EQ(log_b.ev[i].type, log_a.ev[i].type);
		CHECK_MEM(log_b.ev[i].digest, log_a.ev[i].digest, 32);
		CHECK_EQ(log_b.ev[i].data_len, log_a.ev[i].data_len);
	}
	pcr_bank_init(&a);
	pcr_bank_init(&b);
	CHECK_EQ(evlog_replay(&log_a, &a), 0);
	CHECK_EQ(evlog_replay(&log_b, &b), 0);
	CHECK_MEM(&a, &b, sizeof(a));
	/* by hand: PCR 9 = H(0 || d_rootfs) */
	uint8_t d[32], want[32], zero[32] = { 0 };

	REQUIRE(sha256_buf("vouch.rootfs", 12, d) == 0);
	REQUIRE(sha256_cat(zero, 32, d, 32, want) == 0);
	CHECK_MEM(a.v[9], want, 32);
}

static void test_append_limits(void)
{
	uint8_t d[32] = { 0 };
	char big[MAX_EVENT_DATA_BYTES + 1];

	evlog_init(&log_a);
	memset(big, 'x', sizeof(big));
	CHECK_EQ(evlog_append(&log_a, PCR_COUNT, EV_IPL, d, "x", 1), MB_E_PCR);
	CHECK_EQ(evlog_append(&log_a, 8, EV_IPL, d, big, sizeof(big)), MB_E_TOO_LARGE);
	for (size_t i = 0; i < MAX_EVENTS; i++)
		REQUIRE(evlog_append(&log_a, 8, EV_IPL, d, "x", 1) == 0);
	CHECK_EQ(evlog_append(&log_a, 8, EV_IPL, d, "x", 1), MB_E_LIMIT);
	CHECK_EQ(log_a.n, MAX_EVENTS);
}

/* Writes one event map with the given pieces; -1 leaves a field out. */
struct ev_shape {
	int64_t recnum, pcr, alg, type;
	size_t digest_len, ndigests, data_len;
	bool extra_key, data_as_text;
};

static size_t build(const struct ev_shape *s, uint8_t *buf, size_t cap)
{
	static const uint8_t d[64];
	static const uint8_t data[MAX_EVENT_DATA_BYTES + 2];
	struct cb_wr w;
	size_t n, keys = 2 + (s->recnum >= 0) + (s->pcr >= 0) + s->extra_key;

	cb_wr_init(&w, buf, cap);
	cb_put_array(&w, 1);
	cb_put_map(&w, keys);
	if (s->recnum >= 0) {
		cb_put_uint(&w, 0);
		cb_put_uint(&w, (uint64_t)s->recnum);
	}
	if (s->pcr >= 0) {
		cb_put_uint(&w, 1);
		cb_put_uint(&w, (uint64_t)s->pcr);
	}
	cb_put_uint(&w, 3);
	cb_put_array(&w, s->ndigests);
	for (size_t i = 0; i < s->ndigests; i++) {
		cb_put_array(&w, 2);
		cb_put_uint(&w, (uint64_t)s->alg);
		cb_put_bstr(&w, d, s->digest_len);
	}
	cb_put_uint(&w, 5);
	cb_put_map(&w, 2);
	cb_put_uint(&w, 0);
	cb_put_uint(&w, (uint64_t)s->type);
	cb_put_uint(&w, 1);
	if (s->data_as_text)
		cb_put_tstr(&w, "x", 1);
	else
		cb_put_bstr(&w, data, s->data_len);
	if (s->extra_key) {
		cb_put_uint(&w, 6);
		cb_put_uint(&w, 0);
	}
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

static void test_bad_logs(void)
{
	static const struct {
		struct ev_shape s;
		int err;
		const char *what;
	} rows[] = {
		{ { 0, 8, 11, 13, 32, 1, 4, false, false }, 0, "good event" },
		{ { 1, 8, 11, 13, 32, 1, 4, false, false }, MB_E_SEQUENCE, "recnum 1 first" },
		{ { -1, 8, 11, 13, 32, 1, 4, false, false }, MB_E_MISSING_KEY, "no recnum" },
		{ { 0, -1, 11, 13, 32, 1, 4, false, false }, MB_E_MISSING_KEY, "no pcr" },
		{ { 0, 24, 11, 13, 32, 1, 4, false, false }, MB_E_PCR, "pcr 24" },
		{ { 0, 8, 4, 13, 20, 1, 4, false, false }, MB_E_ALG, "sha1 digest" },
		{ { 0, 8, 0x10000, 13, 32, 1, 4, false, false }, MB_E_ALG, "alg past u16" },
		{ { 0, 8, 11, 13, 31, 1, 4, false, false }, MB_E_LENGTH, "digest of 31 bytes" },
		{ { 0, 8, 11, 13, 33, 1, 4, false, false }, MB_E_LENGTH, "digest of 33 bytes" },
		{ { 0, 8, 11, 13, 32, 0, 4, false, false }, MB_E_LENGTH, "no digest" },
		{ { 0, 8, 11, 13, 32, 2, 4, false, false }, MB_E_TOO_LARGE, "two digests" },
		{ { 0, 8, 11, 0x100000000, 32, 1, 4, false, false }, MB_E_RANGE, "type past u32" },
		{ { 0, 8, 11, 13, 32, 1, MAX_EVENT_DATA_BYTES + 1, false, false }, MB_E_TOO_LARGE,
		  "event data past its limit" },
		{ { 0, 8, 11, 13, 32, 1, 4, true, false }, MB_E_TOO_LARGE, "fifth key" },
		{ { 0, 8, 11, 13, 32, 1, 4, false, true }, MB_E_TYPE, "event data as text" },
	};
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n = build(&rows[i].s, buf, sizeof(buf));
		int e;

		log_b.n = 4242;
		e = evlog_decode(buf, n, &log_b);
		t_report(e == rows[i].err && (e == 0 || log_b.n == 4242),
			 "event log: %s (%s; got %s)", rows[i].what, mb_strerror(rows[i].err),
			 mb_strerror(e));
	}
}

static void test_truncation_and_trailing(void)
{
	uint8_t buf[4096];
	size_t n;

	make_log(&log_a);
	n = encode(&log_a, buf, sizeof(buf));
	for (size_t cut = 0; cut < n; cut++) {
		int e = evlog_decode(buf, cut, &log_b);

		CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
	}
	buf[n] = 0;
	CHECK_EQ(evlog_decode(buf, n + 1, &log_b), MB_E_TRAILING);
	/* more events than the limit */
	uint8_t many[] = { 0x98, MAX_EVENTS + 1 };

	CHECK_EQ(evlog_decode(many, sizeof(many), &log_b), MB_E_TOO_LARGE);
}

int main(void)
{
	RUN(test_round_trip_and_replay);
	RUN(test_append_limits);
	test_bad_logs();
	RUN(test_truncation_and_trailing);
	return t_done();
}
