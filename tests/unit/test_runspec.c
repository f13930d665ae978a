// SPDX-License-Identifier: MIT
/* Run spec and session hello: round trip and bad inputs. */
#include "t.h"

#include "cb.h"
#include "runspec.h"

static struct runspec rs, got;

static void sample(struct runspec *s)
{
	static char *argv[] = { "/opt/harness/run", "--tap", NULL };
	static char *envp[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL };

	memset(s, 0, sizeof(*s));
	s->argc = 2;
	memcpy(s->argv, argv, sizeof(argv));
	s->envc = 2;
	memcpy(s->envp, envp, sizeof(envp));
	s->cwd = "/opt/agent";
	s->agent_path = "/opt/agent";
	s->harness_path = "/opt/harness";
	s->uid = 1000;
	s->gid = 1000;
	s->timeout_s = 60;
	s->max_output_bytes = 1 << 20;
	s->max_procs = 64;
}

static size_t encode(const struct runspec *s, uint8_t *buf, size_t cap)
{
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, buf, cap);
	runspec_encode(s, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

/* One key appended to the sample run spec (made a map of 12 keys): each
 * tail refused with its error, nothing written (argc, results, groups
 * untouched). */
struct forged_tail {
	const char *what;
	const uint8_t *tail;
	size_t n;
	int err;
};

static void forged_tails(const char *label, const struct forged_tail *rows, size_t nrows)
{
	static struct runspec rs, got;
	uint8_t b[2048];
	size_t m;

	sample(&rs);
	for (size_t i = 0; i < nrows; i++) {
		int e;

		m = encode(&rs, b, sizeof(b));
		b[0] = 0xac; /* 12 keys */
		memcpy(b + m, rows[i].tail, rows[i].n);
		memset(&got, 0, sizeof(got));
		got.argc = 4242;
		e = runspec_decode(b, m + rows[i].n, &got);
		t_report(e == rows[i].err && got.argc == 4242 && got.nresults == 0 && got.ngroups == 0,
			 "%s: forged, %s: refused (%s; got %s), nothing written", label, rows[i].what,
			 mb_strerror(rows[i].err), mb_strerror(e));
	}
}

static void test_round_trip(void)
{
	uint8_t buf[2048], again[2048];
	size_t n, m;

	sample(&rs);
	n = encode(&rs, buf, sizeof(buf));
	CHECK_EQ(runspec_decode(buf, n, &got), 0);
	CHECK_EQ(got.argc, 2);
	CHECK(strcmp(got.argv[0], "/opt/harness/run") == 0);
	CHECK(got.argv[2] == NULL);
	CHECK(strcmp(got.envp[1], "LANG=C.UTF-8") == 0);
	CHECK(got.envp[2] == NULL);
	CHECK(strcmp(got.cwd, "/opt/agent") == 0);
	CHECK(strcmp(got.harness_path, "/opt/harness") == 0);
	/* the decoded strings live in got, not in a freed buffer */
	CHECK(got.argv[0] >= got.strings && got.argv[0] < got.strings + sizeof(got.strings));
	CHECK_EQ(got.uid, 1000);
	CHECK_EQ(got.timeout_s, 60);
	CHECK_EQ(got.max_procs, 64);
	m = encode(&got, again, sizeof(again));
	CHECK_EQ(m, n);
	CHECK_MEM(again, buf, n);
}

static void test_bad_specs(void)
{
	static const struct {
		const char *field;
		int err;
	} rows[] = {
		{ "cwd relative", MB_E_PATH },
		{ "cwd with ..", MB_E_PATH },
		{ "agent with //", MB_E_PATH },
		{ "harness with /./", MB_E_PATH },
		{ "no argv", MB_E_RANGE },
		{ "timeout 0", MB_E_RANGE },
		{ "procs 0", MB_E_RANGE },
		{ "NUL in an argument", MB_E_RANGE },
		{ "agent tree is /", MB_E_PATH },
		{ "harness with a trailing slash", MB_E_PATH },
	};
	uint8_t buf[2048];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n;
		int e;

		sample(&rs);
		switch (i) {
		case 0: rs.cwd = "opt"; break;
		case 1: rs.cwd = "/opt/../etc"; break;
		case 2: rs.agent_path = "/opt//agent"; break;
		case 3: rs.harness_path = "/opt/./h"; break;
		case 4: rs.argc = 0; break;
		case 5: rs.timeout_s = 0; break;
		case 6: rs.max_procs = 0; break;
		case 7: break;
		case 8: rs.agent_path = "/"; break;
		case 9: rs.harness_path = "/opt/harness/"; break;
		}
		n = encode(&rs, buf, sizeof(buf));
		if (i == 7) {
			/* "/opt/harness/run" -> "/opt/harness\0run" in place */
			uint8_t *p = memmem(buf, n, "/opt/harness/run", 16);

			REQUIRE(p);
			p[12] = 0;
		}
		got.argc = 4242;
		e = runspec_decode(buf, n, &got);
		t_report(e == rows[i].err && got.argc == 4242, "run spec: %s (%s; got %s)",
			 rows[i].field, mb_strerror(rows[i].err), mb_strerror(e));
	}
}

/* The agent boundary: [uid, gid] round-trips, and is refused when it
 * would give the agent root's identity or the harness's own. */
static void test_agent_user(void)
{
	static const struct {
		const char *what;
		uint32_t uid, gid;
		int err;
	} rows[] = {
		{ "agent 65534:65534", 65534, 65534, 0 },
		{ "agent uid 0", 0, 65534, MB_E_RANGE },
		{ "agent gid 0", 65534, 0, MB_E_RANGE },
		{ "agent uid = harness uid", 1000, 2000, MB_E_RANGE },
		{ "agent uid (uid_t)-1", UINT32_MAX, 1, MB_E_RANGE },
	};
	uint8_t buf[2048], again[2048];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n;
		int e;

		sample(&rs);
		rs.has_agent_user = true;
		rs.agent_uid = rows[i].uid;
		rs.agent_gid = rows[i].gid;
		n = encode(&rs, buf, sizeof(buf));
		memset(&got, 0, sizeof(got));
		got.argc = 4242;
		e = runspec_decode(buf, n, &got);
		t_report(e == rows[i].err && (e < 0 ? got.argc == 4242 && !got.has_agent_user
						 : got.has_agent_user && got.agent_uid == rows[i].uid &&
							   got.agent_gid == rows[i].gid &&
							   encode(&got, again, sizeof(again)) == n &&
							   memcmp(again, buf, n) == 0),
			 "run spec: %s (%s; got %s)", rows[i].what, mb_strerror(rows[i].err), mb_strerror(e));
	}
	/* without the key, no boundary, and the encoding has 11 keys */
	sample(&rs);
	size_t n = encode(&rs, buf, sizeof(buf));

	CHECK_EQ(buf[0], 0xab);
	CHECK_EQ(runspec_decode(buf, n, &got), 0);
	CHECK(!got.has_agent_user);
	/* [uid] alone, [uid, gid, x], and a map where the pair belongs */
	static const uint8_t tails[][10] = {
		{ 0x0b, 0x81, 0x19, 0xff, 0xfe },
		{ 0x0b, 0x83, 0x19, 0xff, 0xfe, 0x19, 0xff, 0xfe, 0x01 },
		{ 0x0b, 0xa0 },
	};
	static const size_t tail_len[] = { 5, 9, 2 };
	static const int tail_err[] = { MB_E_RANGE, MB_E_TOO_LARGE, MB_E_TYPE };

	for (size_t i = 0; i < 3; i++) {
		uint8_t b[2048];
		size_t m = encode(&rs, b, sizeof(b));
		int e;

		b[0] = 0xac; /* 12 keys */
		memcpy(b + m, tails[i], tail_len[i]);
		e = runspec_decode(b, m + tail_len[i], &got);
		t_report(e == tail_err[i], "run spec: malformed agent_user %zu (%s; got %s)", i,
			 mb_strerror(tail_err[i]), mb_strerror(e));
	}
}

/* --results: key 12, present only when files are declared. A run spec
 * without it encodes to the bytes of before (11 keys, 0xab, or 12 with
 * agent_user); with it, round trip exact. Every forged list is refused
 * with its error and nothing written. */
static void test_results(void)
{
	static char *two[] = { "/home/app/report.xml", "/home/app/t.tap", NULL };
	const struct forged_tail rows[] = {
		/* 0x0c, then the value of key 12 */
		{ "empty list (the default is never encoded)", (const uint8_t[]){ 0x0c, 0x80 }, 2, MB_E_RANGE },
		{ "relative path", (const uint8_t[]){ 0x0c, 0x81, 0x65, 'a', '.', 'x', 'm', 'l' }, 8, MB_E_PATH },
		{ "'..' in the path", (const uint8_t[]){ 0x0c, 0x81, 0x68, '/', '.', '.', '/', '.', 't', 'a', 'p' }, 11, MB_E_PATH },
		{ "neither .xml nor .tap", (const uint8_t[]){ 0x0c, 0x81, 0x66, '/', 'a', '.', 'x', 'm', 'k' }, 9, MB_E_PATH },
		{ "just '/.xml'", (const uint8_t[]){ 0x0c, 0x81, 0x64, '/', '.', 'x', 'm' }, 7, MB_E_PATH },
		{ "the same file twice", (const uint8_t[]){ 0x0c, 0x82, 0x66, '/', 'a', '.', 't', 'a', 'p',
							     0x66, '/', 'a', '.', 't', 'a', 'p' }, 16, MB_E_RANGE },
		{ "a string, not a list", (const uint8_t[]){ 0x0c, 0x66, '/', 'a', '.', 't', 'a', 'p' }, 8, MB_E_TYPE },
		{ "a number in the list", (const uint8_t[]){ 0x0c, 0x81, 0x01 }, 3, MB_E_TYPE },
		{ "17 files", (const uint8_t[]){ 0x0c, 0x91 }, 2, MB_E_TOO_LARGE },
		{ "key 14", (const uint8_t[]){ 0x0e, 0x81, 0x66, '/', 'a', '.', 't', 'a', 'p' }, 9, MB_E_UNKNOWN_KEY },
	};
	uint8_t buf[2048], again[2048];
	size_t n, m;

	sample(&rs);
	n = encode(&rs, buf, sizeof(buf));
	t_report(buf[0] == 0xab && runspec_decode(buf, n, &got) == 0 && got.nresults == 0 &&
			 got.results[0] == NULL,
		 "results: none declared, no key 12, 11 keys as before");
	rs.nresults = 2;
	memcpy(rs.results, two, sizeof(two));
	n = encode(&rs, buf, sizeof(buf));
	memset(&got, 0, sizeof(got));
	t_report(buf[0] == 0xac && runspec_decode(buf, n, &got) == 0 && got.nresults == 2 &&
			 strcmp(got.results[0], two[0]) == 0 && strcmp(got.results[1], two[1]) == 0 &&
			 got.results[2] == NULL && got.results[0] >= got.strings &&
			 got.results[0] < got.strings + sizeof(got.strings) &&
			 (m = encode(&got, again, sizeof(again))) == n && memcmp(again, buf, n) == 0,
		 "results: two files, round trip exact, strings in the decoded spec");
	rs.has_agent_user = true;
	rs.agent_uid = rs.agent_gid = 65534;
	n = encode(&rs, buf, sizeof(buf));
	t_report(buf[0] == 0xad && runspec_decode(buf, n, &got) == 0 && got.has_agent_user &&
			 got.nresults == 2,
		 "results: with agent_user, 13 keys, in key order");
	forged_tails("results", rows, sizeof(rows) / sizeof(rows[0]));
	sample(&rs);
	/* key 12 before key 11: not canonical */
	rs.has_agent_user = true;
	rs.agent_uid = rs.agent_gid = 65534;
	rs.nresults = 1;
	rs.results[0] = two[0];
	rs.results[1] = NULL;
	n = encode(&rs, buf, sizeof(buf));
	{
		/* the tail is 0x0b [65534, 65534] 0x0c [path]; swap the two entries */
		size_t au = 1 + 1 + 3 + 3, rl = 1 + 1 + 1 + strlen(two[0]);
		uint8_t t[64];

		REQUIRE(au + rl <= sizeof(t) && n > au + rl);
		memcpy(t, buf + n - rl, rl);
		memcpy(t + rl, buf + n - au - rl, au);
		memcpy(buf + n - au - rl, t, au + rl);
		t_report(runspec_decode(buf, n, &got) == MB_E_KEY_ORDER,
			 "results: key 12 before key 11 refused (MB_E_KEY_ORDER)");
	}
	CHECK_EQ(runspec_check_result_path("/a/b.xml"), 0);
	CHECK_EQ(runspec_check_result_path("/a/b.tap"), 0);
	CHECK_EQ(runspec_check_result_path("/a/b.xml/"), MB_E_PATH);
	CHECK_EQ(runspec_check_result_path("/a/./b.xml"), MB_E_PATH);
	CHECK_EQ(runspec_check_result_path("/a//b.xml"), MB_E_PATH);
	CHECK_EQ(runspec_check_result_path("b.xml"), MB_E_PATH);
}

static void test_truncation_every_offset(void)
{
	uint8_t buf[2048];
	size_t n;

	sample(&rs);
	n = encode(&rs, buf, sizeof(buf));
	for (size_t cut = 0; cut < n; cut++) {
		int e = runspec_decode(buf, cut, &got);

		CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
	}
	buf[n] = 0xf6;
	CHECK_EQ(runspec_decode(buf, n + 1, &got), MB_E_TRAILING);
	/* a version we do not know */
	buf[2] = 2;
	CHECK_EQ(runspec_decode(buf, n, &got), MB_E_VERSION);
}

static void test_too_many_args(void)
{
	static uint8_t buf[1 << 16];
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_map(&w, 2);
	cb_put_uint(&w, 0);
	cb_put_uint(&w, 1);
	cb_put_uint(&w, 1);
	cb_put_array(&w, MAX_ARGS + 1);
	for (unsigned i = 0; i < MAX_ARGS + 1; i++)
		cb_put_cstr(&w, "a");
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(runspec_decode(buf, n, &got), MB_E_TOO_LARGE);
}

static void test_hello(void)
{
	uint8_t spec[2048], buf[4096];
	struct hello h = { 0 }, hg;
	struct cb_wr w;
	size_t sn, n;

	sample(&rs);
	sn = encode(&rs, spec, sizeof(spec));
	for (int i = 0; i < 32; i++)
		h.nonce[i] = (uint8_t)(0xa0 + i);
	h.runspec = spec;
	h.runspec_len = sn;
	cb_wr_init(&w, buf, sizeof(buf));
	hello_encode(&h, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(hello_decode(buf, n, &hg), 0);
	CHECK_MEM(hg.nonce, h.nonce, 32);
	CHECK_EQ(hg.runspec_len, sn);
	CHECK_MEM(hg.runspec, spec, sn);
	for (size_t cut = 0; cut < n; cut++) {
		int e = hello_decode(buf, cut, &hg);

		CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
	}
	/* a nonce of 31 bytes */
	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_map(&w, 3);
	cb_put_uint(&w, 0);
	cb_put_uint(&w, HELLO_VERSION);
	cb_put_uint(&w, 1);
	cb_put_bstr(&w, h.nonce, 31);
	cb_put_uint(&w, 2);
	cb_put_bstr(&w, spec, sn);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(hello_decode(buf, n, &hg), MB_E_LENGTH);
}

/* runspec_compare: each field changed alone is found, with its name and
 * part; equal specs (decoded from the same bytes) are the same. */
static void test_compare(void)
{
	static char *argv2[] = { "/opt/harness/run", "--tap", "-v", NULL };
	static char *argv_other[] = { "/opt/harness/run", "--TAP", NULL };
	static char *envp_order[] = { "LANG=C.UTF-8", "PATH=/usr/bin:/bin", NULL };
	static const struct { const char *field; int part; } rows[] = {
		{ "argv", RUNSPEC_DIFF_ARGV },      /* one more argument */
		{ "argv", RUNSPEC_DIFF_ARGV },      /* one argument changed */
		{ "argv", RUNSPEC_DIFF_ARGV },      /* one argument less */
		{ "env", RUNSPEC_DIFF_ENV },        /* the same strings, other order */
		{ "env", RUNSPEC_DIFF_ENV },        /* none */
		{ "cwd", RUNSPEC_DIFF_CWD },
		{ "uid", RUNSPEC_DIFF_USER },
		{ "gid", RUNSPEC_DIFF_USER },
		{ "timeout_s", RUNSPEC_DIFF_LIMITS },
		{ "max_output_bytes", RUNSPEC_DIFF_LIMITS },
		{ "max_procs", RUNSPEC_DIFF_LIMITS },
		{ "agent", RUNSPEC_DIFF_PATHS },
		{ "harness", RUNSPEC_DIFF_PATHS },
		{ "agent_user", RUNSPEC_DIFF_AGENT_USER },     /* the boundary on, not pinned */
		{ "agent_user uid", RUNSPEC_DIFF_AGENT_USER }, /* both on, another uid */
		{ "agent_user gid", RUNSPEC_DIFF_AGENT_USER }, /* both on, another gid */
		{ "results", RUNSPEC_DIFF_RESULTS },           /* one declared, none pinned */
		{ "results", RUNSPEC_DIFF_RESULTS },           /* the same two, other order */
		{ "agent", RUNSPEC_DIFF_PATHS },               /* a plain run, trees pinned */
	};
	static char *res_two[] = { "/r/a.xml", "/r/b.tap", NULL };
	static char *res_swapped[] = { "/r/b.tap", "/r/a.xml", NULL };
	static struct runspec a, b;
	const char *field = "untouched";
	uint8_t buf[2048];
	size_t n;

	sample(&rs);
	n = encode(&rs, buf, sizeof(buf));
	REQUIRE(runspec_decode(buf, n, &a) == 0 && runspec_decode(buf, n, &b) == 0);
	t_report(runspec_compare(&a, &b, &field) == RUNSPEC_SAME && strcmp(field, "untouched") == 0 &&
			 runspec_compare(&rs, &a, &field) == RUNSPEC_SAME,
		 "compare: the same run spec, decoded or not, is the same; nothing written");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int part;

		sample(&b);
		switch (i) {
		case 0: b.argc = 3; memcpy(b.argv, argv2, sizeof(argv2)); break;
		case 1: memcpy(b.argv, argv_other, sizeof(argv_other)); break;
		case 2: b.argc = 1; b.argv[1] = NULL; break;
		case 3: memcpy(b.envp, envp_order, sizeof(envp_order)); break;
		case 4: b.envc = 0; b.envp[0] = NULL; break;
		case 5: b.cwd = "/opt/agent/"; break;
		case 6: b.uid = 0; break;
		case 7: b.gid = 1001; break;
		case 8: b.timeout_s = 61; break;
		case 9: b.max_output_bytes += 1; break;
		case 10: b.max_procs = 65; break;
		case 11: b.agent_path = "/opt/harness"; break;
		case 12: b.harness_path = "/opt/agent"; break;
		case 13: b.has_agent_user = true; b.agent_uid = b.agent_gid = 65534; break;
		case 14: case 15:
			a.has_agent_user = b.has_agent_user = true;
			a.agent_uid = a.agent_gid = b.agent_uid = b.agent_gid = 65534;
			*(i == 14 ? &b.agent_uid : &b.agent_gid) = 65533;
			break;
		case 16: sample(&a); b.nresults = 1; b.results[0] = res_two[0]; break;
		case 17:
			sample(&a);
			a.nresults = b.nresults = 2;
			memcpy(a.results, res_two, sizeof(res_two));
			memcpy(b.results, res_swapped, sizeof(res_swapped));
			break;
		case 18: sample(&a); b.agent_path = b.harness_path = NULL; break;
		}
		field = "untouched";
		part = runspec_compare(&a, &b, &field);
		t_report(part == rows[i].part && strcmp(field, rows[i].field) == 0 &&
				 runspec_compare(&b, &a, &field) == rows[i].part,
			 "compare: %s changed alone is found (part %d; got %d, %s)", rows[i].field,
			 rows[i].part, part, field);
	}
}

/* Key k and its string s cut out of an encoding, the map one key
 * shorter: what no encoder writes. */
static size_t cut_key(uint8_t *buf, size_t n, uint8_t k, const char *s)
{
	uint8_t pat[64];
	size_t l = strlen(s);
	uint8_t *p;

	REQUIRE(l < 24 && buf[0] > 0xa0 && buf[0] < 0xb8);
	pat[0] = k;
	pat[1] = (uint8_t)(0x60 + l);
	memcpy(pat + 2, s, l);
	REQUIRE((p = memmem(buf, n, pat, l + 2)));
	memmove(p, p + l + 2, n - (size_t)(p - buf) - (l + 2));
	buf[0]--;
	return n - (l + 2);
}

/* A plain run: neither tree; both keys absent, strictly as a pair, and
 * no agent user without an agent tree. */
static void test_plain(void)
{
	static struct runspec a;
	uint8_t buf[2048], again[2048];
	const char *field = "untouched";
	size_t n, m, full;
	int e;

	sample(&rs);
	full = encode(&rs, buf, sizeof(buf));
	rs.agent_path = rs.harness_path = NULL;
	n = encode(&rs, buf, sizeof(buf));
	CHECK_EQ(n, full - 12 - 14); /* 07 "/opt/agent", 08 "/opt/harness" gone */
	CHECK_EQ(buf[0], 0xa9);      /* nine keys */
	CHECK_EQ(runspec_decode(buf, n, &got), 0);
	CHECK(got.agent_path == NULL && got.harness_path == NULL && !runspec_has_trees(&got));
	CHECK(strcmp(got.argv[0], "/opt/harness/run") == 0 && got.uid == 1000);
	m = encode(&got, again, sizeof(again));
	CHECK_EQ(m, n);
	CHECK_MEM(again, buf, n);
	CHECK(runspec_compare(&rs, &got, &field) == RUNSPEC_SAME && strcmp(field, "untouched") == 0);
	/* the agent tree without the harness's, and the reverse */
	for (int i = 0; i < 2; i++) {
		sample(&rs);
		n = encode(&rs, buf, sizeof(buf));
		n = i ? cut_key(buf, n, 0x07, "/opt/agent") : cut_key(buf, n, 0x08, "/opt/harness");
		a.argc = 4242;
		e = runspec_decode(buf, n, &a);
		t_report(e == MB_E_MISSING_KEY && a.argc == 4242, "run spec: the %s tree alone is refused (got %s)",
			 i ? "harness" : "agent", mb_strerror(e));
	}
	/* an agent user, and no agent tree to run */
	sample(&rs);
	rs.agent_path = rs.harness_path = NULL;
	rs.has_agent_user = true;
	rs.agent_uid = rs.agent_gid = 65534;
	n = encode(&rs, buf, sizeof(buf));
	a.argc = 4242;
	e = runspec_decode(buf, n, &a);
	t_report(e == MB_E_MISSING_KEY && a.argc == 4242, "run spec: an agent user without an agent tree is refused (got %s)",
		 mb_strerror(e));
}

/* Supplementary groups (key 13): written only when there are some; 1 to
 * MAX_RUN_GROUPS gids, strictly ascending, each refused otherwise with
 * nothing written; a spec with other groups is a user difference. */
static void test_groups(void)
{
	static struct runspec rs, got, other;
	const struct forged_tail rows[] = {
		/* 0x0d, then the value of key 13 */
		{ "empty list (none is never encoded)", (const uint8_t[]){ 0x0d, 0x80 }, 2, MB_E_RANGE },
		{ "not ascending", (const uint8_t[]){ 0x0d, 0x82, 0x18, 0x1b, 0x14 }, 5, MB_E_RANGE },
		{ "the same gid twice", (const uint8_t[]){ 0x0d, 0x82, 0x18, 0x1b, 0x18, 0x1b }, 6, MB_E_RANGE },
		{ "33 gids", (const uint8_t[]){ 0x0d, 0x98, 0x21 }, 3, MB_E_TOO_LARGE },
		{ "a number, not a list", (const uint8_t[]){ 0x0d, 0x18, 0x1b }, 3, MB_E_TYPE },
		{ "gid 4294967295", (const uint8_t[]){ 0x0d, 0x81, 0x1a, 0xff, 0xff, 0xff, 0xff }, 7, MB_E_RANGE },
		{ "a string in the list", (const uint8_t[]){ 0x0d, 0x81, 0x61, 'x' }, 4, MB_E_TYPE },
	};
	uint8_t buf[2048], again[2048];
	const char *field = NULL;
	size_t n, m;

	sample(&rs);
	rs.ngroups = 3;
	rs.groups[0] = 20, rs.groups[1] = 27, rs.groups[2] = 100000;
	n = encode(&rs, buf, sizeof(buf));
	memset(&got, 0, sizeof(got));
	t_report(buf[0] == 0xac && runspec_decode(buf, n, &got) == 0 && got.ngroups == 3 && got.groups[0] == 20 &&
			 got.groups[1] == 27 && got.groups[2] == 100000 &&
			 (m = encode(&got, again, sizeof(again))) == n && memcmp(again, buf, n) == 0,
		 "groups: three, round trip exact, 12 keys");
	other = got;
	other.groups[1] = 28;
	t_report(runspec_compare(&got, &other, &field) == RUNSPEC_DIFF_USER && field && strcmp(field, "groups") == 0,
		 "groups: other gids are a user difference, field groups");
	other = got;
	other.ngroups = 0;
	t_report(runspec_compare(&got, &other, &field) == RUNSPEC_DIFF_USER, "groups: none against three too");
	forged_tails("groups", rows, sizeof(rows) / sizeof(rows[0]));
}

int main(void)
{
	RUN(test_round_trip);
	test_bad_specs();
	test_agent_user();
	test_results();
	RUN(test_truncation_every_offset);
	RUN(test_too_many_args);
	RUN(test_hello);
	test_compare();
	RUN(test_plain);
	RUN(test_groups);
	return t_done();
}
