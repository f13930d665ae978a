// SPDX-License-Identifier: MIT
/* JUnit XML and JSON reports: counts, the synthetic attestation and
 * harness cases, escaping of hostile test names, bounds, and
 * well-formedness as judged by Python's XML and JSON parsers. */
#include "t.h"

#include <unistd.h>

#include "bundle.h"
#include "cb.h"
#include "record.h"
#include "report.h"
#include "verify.h"

/* verify.c has the real tables; this test needs only something to print. */
const char *hv_reason_name(enum hv_reason r)
{
	return r == HV_QUOTE_SIGNATURE ? "quote-signature" : r == HV_PIN_AGENT ? "pin-agent" : "other";
}

const char *hv_reason_text(enum hv_reason r)
{
	return r == HV_QUOTE_SIGNATURE ? "the quote is not signed by the AK" : "a check failed";
}

/* Every awkward thing a TAP line can carry. */
static const char hostile[] = "<a href=\"x\">&amp;'</a>\x01\x1b[31m\x7f\tend\r\n"
			      "\xff\xc0\x80\xed\xa0\x80\xef\xbf\xbe\xf4\x90\x80\x80"
			      "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8 \xc2\x85 trunc\xe2\x82";

/* U+FFFD, the replacement character, once and in runs */
#define R1 "\xef\xbf\xbd"
#define R4 R1 R1 R1 R1
#define R6 R4 R1 R1

/* hostile as the parsers must return it: XML has dropped the control
 * characters and replaced U+FFFE, JSON has kept both */
static const char hostile_xml[] = "<a href=\"x\">&amp;'</a>[31m\tend\r\n" R6 R4 R1
				  "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8  trunc" R1 R1;
static const char hostile_json[] = "<a href=\"x\">&amp;'</a>\x01\x1b[31m\x7f\tend\r\n" R6 "\xef\xbf\xbe" R4
				   "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8 \xc2\x85 trunc" R1 R1;

static struct hv_verdict *make_verdict(size_t ntests)
{
	struct hv_verdict *v = calloc(1, sizeof(*v));

	REQUIRE(v);
	v->tests = calloc(ntests ? ntests : 1, sizeof(*v->tests));
	REQUIRE(v->tests);
	v->ntests = ntests;
	v->attested = true;
	v->exit = EXIT_PASSED;
	v->end_reason = END_COMPLETE;
	v->phase_ns[PHASE_HARNESS_START] = 2000000000u;
	v->phase_ns[PHASE_HARNESS_END] = 3500000000u;
	for (size_t i = 0; i < ntests; i++) {
		v->tests[i].num = i + 1;
		v->tests[i].ok = true;
		v->tests[i].time_ns = 2000000000u + (i + 1) * 1000000u;
		snprintf(v->tests[i].name, sizeof(v->tests[i].name), "t%zu", i + 1);
	}
	memset(v->chain_head, 0xab, 32);
	return v;
}

static void free_verdict(struct hv_verdict *v)
{
	free(v->tests);
	free(v);
}

/* The five kinds of test point: pass, fail, skip, TODO failing, TODO passing. */
static struct hv_verdict *mixed_verdict(void)
{
	struct hv_verdict *v = make_verdict(5);

	v->tests[1].ok = false;
	snprintf(v->tests[1].reason, sizeof(v->tests[1].reason), "got 3");
	v->tests[2].directive = DIRECTIVE_SKIP;
	snprintf(v->tests[2].reason, sizeof(v->tests[2].reason), "no network");
	v->tests[3].ok = false;
	v->tests[3].directive = DIRECTIVE_TODO;
	v->tests[4].directive = DIRECTIVE_TODO;
	v->exit = EXIT_TESTS_FAILED;
	v->passed = 2, v->failed = 1, v->skipped = 1, v->todo = 2;
	v->harness_exit = 1;
	return v;
}

typedef int (*writer)(const struct hv_verdict *, const char *, FILE *);

static char *render(writer w, const struct hv_verdict *v, const char *arg, int *ret_err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	*ret_err = w(v, arg, f);
	REQUIRE(fclose(f) == 0);
	return buf;
}

static char *put(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	fn(f, s, n);
	REQUIRE(fclose(f) == 0);
	return buf;
}

static void junit_counts(void)
{
	struct hv_verdict *v = mixed_verdict();
	int err;
	char *x = render(report_junit, v, "calc", &err);

	CHECK_EQ(err, 0);
	/* 5 points + attestation + harness; the failing test and the harness
	 * fail; the skip and the failing TODO are skipped */
	CHECK(strstr(x, "<testsuite name=\"calc\" tests=\"7\" failures=\"2\" errors=\"0\" skipped=\"2\" time=\"1.500\""
			" id=\"0\" package=\"calc\">"));
	/* junit-10.xsd has no skipped on testsuites */
	CHECK(strstr(x, "<testsuites name=\"calc\" tests=\"7\" failures=\"2\" errors=\"0\" time=\"1.500\">"));
	/* the tests took 5 ms of the harness's 1.5 s: the harness case has the rest */
	CHECK(strstr(x, "<testcase name=\"vouch.harness\" classname=\"vouch\" time=\"1.495\">"));
	CHECK(strstr(x, "<testcase name=\"t2\" classname=\"calc\" time=\"0.001\">\n      <failure type=\"tap\" message=\"not ok 2: got 3\"/>"));
	CHECK(strstr(x, "<testcase name=\"t3\" classname=\"calc\" time=\"0.001\">\n      <skipped message=\"no network\"/>"));
	CHECK(strstr(x, "<testcase name=\"t4\" classname=\"calc\" time=\"0.001\">\n      <skipped message=\"TODO\"/>"));
	CHECK(strstr(x, "<testcase name=\"t5\" classname=\"calc\" time=\"0.001\"/>"));
	CHECK(strstr(x, "<testcase name=\"vouch.attestation\" classname=\"vouch\" time=\"0.000\"/>"));
	CHECK(strstr(x, "message=\"harness exited with status 1\""));
	free(x);
	free_verdict(v);
}

static void junit_not_attested(void)
{
	struct hv_verdict *v = make_verdict(1);
	int err;
	char *x;

	v->attested = false;
	v->exit = EXIT_REJECTED;
	v->nreasons = 2;
	v->reasons[0].code = HV_QUOTE_SIGNATURE;
	snprintf(v->reasons[0].detail, sizeof(v->reasons[0].detail), "r=<0> & s=\"1\"");
	v->reasons[1].code = HV_PIN_AGENT;
	snprintf(v->reasons[1].detail, sizeof(v->reasons[1].detail), "agent tree differs");
	x = render(report_junit, v, NULL, &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"0\""));
	CHECK(strstr(x, "<testcase name=\"vouch.attestation\" classname=\"vouch\" time=\"0.000\">\n"
			"      <failure type=\"attestation\" message=\"evidence not attested (rejected: quote-signature)\">"
			"quote-signature (11): the quote is not signed by the AK: r=&lt;0&gt; &amp; s=&quot;1&quot;&#10;"
			"pin-agent (22): a check failed: agent tree differs&#10;</failure>"));
	CHECK(strstr(x, "<testsuite name=\"vouch\"")); /* the default suite name */
	free(x);

	v->nreasons = 0;
	v->exit = EXIT_INCOMPLETE;
	x = render(report_junit, v, "s", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "message=\"evidence not attested (incomplete)\">no reason recorded</failure>"));
	free(x);
	free_verdict(v);
}

/* Records after the last verified checkpoint of cut evidence: counted
 * in a property and said in the suite's system-err, never test cases. */
static void junit_unauthenticated(void)
{
	struct hv_verdict *v = make_verdict(1);
	int err;
	char *x;

	v->attested = false;
	v->exit = EXIT_INCOMPLETE;
	v->unauthenticated = 5;
	x = render(report_junit, v, "s", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "<property name=\"vouch.unauthenticated_records\" value=\"5\"/>\n    </properties>"));
	CHECK(strstr(x, "<testcase name=\"t1\" classname=\"s\" time=\"0.001\"/>\n    <system-out></system-out>\n"
			"    <system-err>[vouch: 5 records after the last verified checkpoint are "
			"unauthenticated: not counted as tests]\n</system-err>\n  </testsuite>"));
	CHECK(strstr(x, "tests=\"3\" failures=\"1\""));
	free(x);
	v->unauthenticated = 0;
	x = render(report_junit, v, "s", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "<property name=\"vouch.unauthenticated_records\" value=\"0\"/>"));
	CHECK(strstr(x, "<system-err></system-err>"));
	free(x);
	free_verdict(v);
}

/* The cases' times never add up to more than the suite's: a test point
 * after the harness's end, one whose clock went back, no end marked, no
 * start marked. */
static void junit_times(void)
{
	struct hv_verdict *v = make_verdict(3);
	int err;
	char *x;

	v->tests[0].time_ns = 2500000000u;  /* 0.5 s in */
	v->tests[1].time_ns = 2400000000u;  /* before the first: 0 */
	v->tests[2].time_ns = 9000000000u;  /* after the end: up to the end */
	x = render(report_junit, v, "s", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "<testsuite name=\"s\" tests=\"5\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"1.500\""));
	CHECK(strstr(x, "name=\"vouch.harness\" classname=\"vouch\" time=\"0.000\""));
	CHECK(strstr(x, "name=\"t1\" classname=\"s\" time=\"0.500\""));
	CHECK(strstr(x, "name=\"t2\" classname=\"s\" time=\"0.000\""));
	CHECK(strstr(x, "name=\"t3\" classname=\"s\" time=\"1.000\""));
	free(x);
	v->phase_ns[PHASE_HARNESS_END] = 0; /* never marked: the last test point ends it */
	x = render(report_junit, v, "s", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "skipped=\"0\" time=\"7.000\""));
	CHECK(strstr(x, "name=\"t3\" classname=\"s\" time=\"6.500\""));
	CHECK(strstr(x, "name=\"vouch.harness\" classname=\"vouch\" time=\"0.000\""));
	free(x);
	v->phase_ns[PHASE_HARNESS_START] = 0; /* no start: no times at all */
	x = render(report_junit, v, "s", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "skipped=\"0\" time=\"0.000\""));
	CHECK(strstr(x, "name=\"t1\" classname=\"s\" time=\"0.000\""));
	CHECK(strstr(x, "name=\"t3\" classname=\"s\" time=\"0.000\""));
	free(x);
	free_verdict(v);
}

static char *render_info(const struct hv_verdict *v, const struct report_junit_info *info, int *ret_err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	*ret_err = report_junit_info(v, info, f);
	REQUIRE(fclose(f) == 0);
	return buf;
}

/* The harness's output as element text: control characters dropped,
 * invalid UTF-8 replaced, "]]>" and markup escaped, tabs and line ends
 * kept; a cut said; a hostname escaped; the timestamp in UTC. */
static void junit_output(void)
{
	static const char out[] = "a]]>b<c>&\x01\x1b[0m\tx\r\n\xff\xed\xa0\x80\xef\xbf\xbf\xc2\x85 caf\xc3\xa9";
	struct hv_verdict *v = make_verdict(0);
	struct report_capture *cap = calloc(1, sizeof(*cap));
	struct report_junit_info info = { .suite = "s", .hostname = "h\"<&>", .timestamp = 1700000000,
					  .capture = cap };
	int err;
	char *x;

	REQUIRE(cap);
	memcpy(cap->buf[REPORT_STDOUT], out, sizeof(out) - 1);
	cap->n[REPORT_STDOUT] = cap->total[REPORT_STDOUT] = sizeof(out) - 1;
	memcpy(cap->buf[REPORT_STDERR], "e\n", 2);
	cap->n[REPORT_STDERR] = 2;
	cap->total[REPORT_STDERR] = 100000;
	x = render_info(v, &info, &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "<system-out>a]]&gt;b&lt;c&gt;&amp;[0m\tx&#13;\n" R4 R1 " caf\xc3\xa9</system-out>\n"));
	CHECK(strstr(x, "<system-err>e\n\n[vouch: cut at 2 of 100000 bytes]\n</system-err>"));
	CHECK(strstr(x, " id=\"0\" package=\"s\" hostname=\"h&quot;&lt;&amp;&gt;\" timestamp=\"2023-11-14T22:13:20\">"));
	CHECK(!strstr(x, "]]>"));
	if (t_cur_failed)
		printf("# got: %s\n", x);
	free(x);

	/* rejected evidence: no capture, its output not shown */
	v->exit = EXIT_REJECTED;
	v->attested = false;
	v->stdout_bytes = 40;
	info.capture = NULL;
	info.hostname = NULL;
	info.timestamp = -1;
	x = render_info(v, &info, &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "<system-out>[vouch: 40 bytes not shown: the evidence was rejected]\n</system-out>"));
	CHECK(!strstr(x, "hostname=") && !strstr(x, "timestamp="));
	free(x);

	/* a capture that claims more than its buffer is refused, nothing written */
	cap->n[REPORT_STDERR] = REPORT_MAX_OUTPUT_BYTES + 1;
	info.capture = cap;
	x = render_info(v, &info, &err);
	CHECK_EQ(err, MB_E_INVAL);
	CHECK_EQ(strlen(x), 0);
	free(x);
	free(cap);
	free_verdict(v);
}

/* Seals a chunk record of kind onto ch; returns its bytes (malloc'd). */
static struct bytes seal_chunk(struct chain *ch, uint32_t kind, const void *p, size_t n)
{
	static uint8_t buf[MAX_RECORD_BYTES];
	struct record rec = { .kind = kind, .time_ns = 1 };
	struct cb_wr w;
	uint8_t *copy;

	rec.u.chunk.p = p;
	rec.u.chunk.n = n;
	cb_wr_init(&w, buf, sizeof(buf));
	REQUIRE(chain_seal(ch, &rec, &w) == 0);
	copy = malloc(w.len);
	REQUIRE(copy);
	memcpy(copy, buf, w.len);
	return (struct bytes){ copy, w.len };
}

/* The capture reads authenticated records only, keeps the first
 * REPORT_MAX_OUTPUT_BYTES of each stream at a whole UTF-8 sequence and
 * counts all; it refuses rejected evidence and leaves *ret untouched. */
static void capture_output(void)
{
	enum { NREC = 8 };
	static char big[4096];
	struct bytes recs[NREC];
	struct bundle b = { .records = recs, .nrecords = NREC };
	struct hv_verdict *v = make_verdict(0);
	struct report_capture *cap = calloc(1, sizeof(*cap)), *before = calloc(1, sizeof(*cap));
	uint8_t nonce[NONCE_BYTES] = { 1 };
	struct chain ch;
	size_t i = 0;

	REQUIRE(cap && before && chain_init(&ch, nonce) == 0);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 2] = '\xc3'; /* "é" */
	big[sizeof(big) - 1] = '\xa9';
	recs[i++] = seal_chunk(&ch, REC_STDOUT, "out1\n", 5);
	recs[i++] = seal_chunk(&ch, REC_STDERR, "err1\n", 5);
	for (int k = 0; k < 5; k++)
		recs[i++] = seal_chunk(&ch, REC_STDERR, big, sizeof(big));
	recs[i++] = seal_chunk(&ch, REC_STDOUT, "forged\n", 7);
	REQUIRE(i == NREC);
	v->records = NREC;
	v->unauthenticated = 1; /* the last is not covered */
	CHECK_EQ(report_capture_output(&b, v, cap), 0);
	CHECK_EQ(cap->n[REPORT_STDOUT], 5);
	CHECK_EQ(cap->total[REPORT_STDOUT], 5);
	CHECK(memcmp(cap->buf[REPORT_STDOUT], "out1\n", 5) == 0);
	CHECK_EQ(cap->total[REPORT_STDERR], 5 + 5 * sizeof(big));
	CHECK_EQ(cap->n[REPORT_STDERR], 5 + 5 * sizeof(big)); /* under the bound: whole */

	/* a bound of 64 KiB: more records than fit */
	free(cap);
	cap = calloc(1, sizeof(*cap));
	REQUIRE(cap);
	{
		enum { MANY = 17 }; /* 5 + 16 * 4096 bytes: more than 64 KiB */
		struct bytes many[MANY];
		struct bundle mb = { .records = many, .nrecords = MANY };
		struct chain c2;

		REQUIRE(chain_init(&c2, nonce) == 0);
		many[0] = seal_chunk(&c2, REC_STDERR, "err1\n", 5);
		for (int k = 1; k < MANY; k++) {
			big[sizeof(big) - 7] = '\xe2', big[sizeof(big) - 6] = '\x82', big[sizeof(big) - 5] = '\xac';
			many[k] = seal_chunk(&c2, REC_STDERR, big, sizeof(big));
		}
		v->records = MANY;
		v->unauthenticated = 0;
		CHECK_EQ(report_capture_output(&mb, v, cap), 0);
		CHECK_EQ(cap->total[REPORT_STDERR], 5 + 16 * sizeof(big));
		/* 64 KiB end 4091 bytes into the 16th record, between the
		 * second and third byte of its "€" (4089..4091): the
		 * sequence is dropped whole */
		CHECK_EQ(cap->n[REPORT_STDERR], REPORT_MAX_OUTPUT_BYTES - 2);
		CHECK(memcmp(cap->buf[REPORT_STDERR] + cap->n[REPORT_STDERR] - 2, "xx", 2) == 0);
		for (int k = 0; k < MANY; k++)
			free((void *)many[k].p);
	}

	/* rejected, or a verdict not of this bundle: refused, *ret untouched */
	memcpy(before, cap, sizeof(*cap));
	v->exit = EXIT_REJECTED;
	CHECK_EQ(report_capture_output(&b, v, cap), MB_E_INVAL);
	v->exit = EXIT_PASSED;
	v->records = NREC + 1;
	CHECK_EQ(report_capture_output(&b, v, cap), MB_E_INVAL);
	v->records = 2;
	v->unauthenticated = 3;
	CHECK_EQ(report_capture_output(&b, v, cap), MB_E_INVAL);
	CHECK(memcmp(before, cap, sizeof(*cap)) == 0);
	for (size_t k = 0; k < NREC; k++)
		free((void *)recs[k].p);
	free(cap);
	free(before);
	free_verdict(v);
}

static void junit_harness_endings(void)
{
	static const struct { int code, sig; bool cut; uint32_t end; const char *want; } rows[] = {
		{ 0, 0, false, END_COMPLETE, NULL },
		{ 3, 0, false, END_COMPLETE, "harness exited with status 3" },
		{ 0, 9, false, END_COMPLETE, "harness killed by signal 9" },
		{ 0, 9, true, END_CUT, "harness killed by signal 9; cut off at a limit" },
		{ -1, 0, false, END_FATAL, "harness exit status unknown; guest-init ended the run on an error of its own" },
		{ 0, 0, false, 7, "harness exited with status 0; run ended with unknown reason 7" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct hv_verdict *v = make_verdict(0);
		char want[256];
		int err;
		char *x;

		v->harness_exit = rows[i].code;
		v->harness_signal = rows[i].sig;
		v->cut = rows[i].cut;
		v->end_reason = rows[i].end;
		x = render(report_junit, v, "s", &err);
		CHECK_EQ(err, 0);
		if (rows[i].want) {
			snprintf(want, sizeof(want), "<failure type=\"harness\" message=\"%s\"/>", rows[i].want);
			CHECK(strstr(x, want));
			CHECK(strstr(x, "tests=\"2\" failures=\"1\""));
		} else {
			CHECK(strstr(x, "<testcase name=\"vouch.harness\" classname=\"vouch\" time=\"1.500\"/>"));
			CHECK(strstr(x, "tests=\"2\" failures=\"0\""));
		}
		free(x);
		free_verdict(v);
	}
}

static void xml_escaping(void)
{
	char *x = put(report_put_xml_text, hostile, sizeof(hostile) - 1);

	CHECK(strcmp(x, "&lt;a href=&quot;x&quot;&gt;&amp;amp;&apos;&lt;/a&gt;[31m&#9;end&#13;&#10;"
			R6 R4 R1 "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8  trunc" R1 R1) == 0);
	if (t_cur_failed)
		printf("# got: %s\n", x);
	free(x);
	/* a NUL inside the given length is a control character: dropped */
	x = put(report_put_xml_text, "a\0b", 3);
	CHECK(strcmp(x, "ab") == 0);
	free(x);
}

static void json_escaping(void)
{
	char *x = put(report_put_json_string, hostile, sizeof(hostile) - 1);

	CHECK(strcmp(x, "\"<a href=\\\"x\\\">&amp;'</a>\\u0001\\u001b[31m\\u007f\\u0009end\\u000d\\u000a"
			R6 "\xef\xbf\xbe" R4 "caf\xc3\xa9 \xf0\x9f\x98\x80 \\u2028 \\u0085 trunc" R1 R1 "\"") == 0);
	if (t_cur_failed)
		printf("# got: %s\n", x);
	free(x);
	x = put(report_put_json_string, "a\0b\\", 4);
	CHECK(strcmp(x, "\"a\\u0000b\\\\\"") == 0);
	free(x);
}

/* Whatever comes in, at most REPORT_MAX_STRING_BYTES are read, and no
 * byte grows past 6 ("\u00XX"). */
static void strings_bounded(void)
{
	size_t n = 3 * REPORT_MAX_STRING_BYTES;
	char *big = malloc(n), *x;

	REQUIRE(big);
	memset(big, '\x01', n);
	x = put(report_put_json_string, big, n);
	CHECK_EQ(strlen(x), 6 * REPORT_MAX_STRING_BYTES + 2);
	free(x);
	memset(big, '&', n);
	x = put(report_put_xml_text, big, n);
	CHECK_EQ(strlen(x), 5 * REPORT_MAX_STRING_BYTES);
	free(x);
	free(big);
}

static void json_fields(void)
{
	struct hv_verdict *v = mixed_verdict();
	int err;
	char *j;

	v->records = 42;
	v->stdout_bytes = 100;
	v->phase_ns[PHASE_MOUNTED] = 1234567;
	j = render(report_json, v, "run/bundle.cbor", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(j, "\"bundle\": \"run/bundle.cbor\""));
	CHECK(strstr(j, "\"verdict\": \"tests-failed\",\n  \"exit\": 1,\n  \"attested\": true,\n  \"reasons\": [],"));
	CHECK(strstr(j, "\"counts\": {\"records\": 42, \"unauthenticated\": 0, \"tests\": 5, \"passed\": 2, "
			"\"failed\": 1, \"skipped\": 1, \"todo\": 2, \"stdout_bytes\": 100, \"stderr_bytes\": 0}"));
	CHECK(strstr(j, "\"harness\": {\"exit\": 1, \"signal\": 0, \"cut\": false, \"end_reason\": \"complete\"}"));
	CHECK(strstr(j, "\"chain_head\": \"abababababababababababababababababababababababababababababababab\""));
	CHECK(strstr(j, "\"mounted\": 1.234,"));
	CHECK(strstr(j, "  },\n  \"trees\": \"walked\",\n  \"timeline\""));
	CHECK(strstr(j, "\"channel\": null,"));
	CHECK(strstr(j, "\"harness-start\": 2000.000,"));
	CHECK(strstr(j, "{\"num\": 3, \"ok\": true, \"name\": \"t3\", \"directive\": \"skip\", \"reason\": \"no network\", \"time_ms\": 2003.000}"));
	free(j);

	v->harness_exit = -1;
	v->exit = EXIT_REJECTED;
	v->attested = false;
	v->nreasons = 1;
	v->reasons[0].code = HV_QUOTE_SIGNATURE;
	v->unauthenticated = 17;
	j = render(report_json, v, NULL, &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(j, "\"counts\": {\"records\": 42, \"unauthenticated\": 17, \"tests\": 5,"));
	CHECK(strstr(j, "\"bundle\": null"));
	CHECK(strstr(j, "\"verdict\": \"rejected\""));
	CHECK(strstr(j, "{\"code\": 11, \"name\": \"quote-signature\", \"detail\": \"\"}"));
	CHECK(strstr(j, "\"harness\": {\"exit\": null,"));
	free(j);
	v->has_verity = v->trees_by_verity = true;
	j = render(report_json, v, NULL, &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(j, "\"trees\": \"by-verity-root\","));
	free(j);
	free_verdict(v);
}

/* Cases from a result file keep their classname, name, time and failure
 * text in JUnit and JSON; a file that did not read is a failed case. */
static void file_tests(void)
{
	struct hv_verdict *v = make_verdict(4);
	struct hv_result_file files[2] = { { .name = "junit.xml", .format = HV_FILE_JUNIT, .tests = 2, .failed = 1,
					     .bytes = 900 },
					   { .name = "b.tap", .format = HV_FILE_TAP, .status = HV_FILE_UNFINISHED,
					     .why = "plan 1..3, 2 test points" } };
	char label[300], *x, *j;
	int err;

	v->files = files;
	v->nfiles = 2;
	v->stream_tests = 1;
	for (size_t i = 1; i < 4; i++) {
		v->tests[i].file = i < 3 ? 1 : 2;
		v->tests[i].time_ns = 0;
		snprintf(v->tests[i].classname, sizeof(v->tests[i].classname), "%s",
			 i < 3 ? "tests.test_calc" : "vouch.results");
	}
	snprintf(v->tests[1].name, sizeof(v->tests[1].name), "test_add");
	v->tests[1].has_duration = true;
	v->tests[1].duration_ns = 1500000;
	snprintf(v->tests[2].name, sizeof(v->tests[2].name), "test_sub");
	v->tests[2].ok = false;
	snprintf(v->tests[2].message, sizeof(v->tests[2].message), "assert 1 == 2\nE   traceback <here>");
	snprintf(v->tests[3].name, sizeof(v->tests[3].name), "b.tap");
	v->tests[3].ok = false;
	snprintf(v->tests[3].message, sizeof(v->tests[3].message), "tap unfinished: plan 1..3, 2 test points");
	v->exit = EXIT_TESTS_FAILED;

	x = render(report_junit, v, "suite", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(x, "<testcase name=\"t1\" classname=\"suite\""));
	CHECK(strstr(x, "<testcase name=\"test_add\" classname=\"tests.test_calc\" time=\"0.001\"/>"));
	CHECK(strstr(x, "<testcase name=\"test_sub\" classname=\"tests.test_calc\" time=\"0.000\">\n"
			"      <failure type=\"junit\" message=\"assert 1 == 2\">assert 1 == 2"));
	CHECK(strstr(x, "E   traceback &lt;here&gt;</failure>"));
	CHECK(strstr(x, "<testcase name=\"b.tap\" classname=\"vouch.results\" time=\"0.000\">\n"
			"      <failure type=\"vouch.results\" message=\"tap unfinished: plan 1..3, 2 test points\">"));
	CHECK(strstr(x, "tests=\"6\" failures=\"2\""));
	j = render(report_json, v, "b.cbor", &err);
	CHECK_EQ(err, 0);
	CHECK(strstr(j, "\"name\": \"test_add\", \"directive\": \"none\", \"reason\": \"\", \"file\": "
			"\"junit.xml\", \"classname\": \"tests.test_calc\", \"time_ms\": 1.500, \"message\": \"\"}"));
	CHECK(strstr(j, "\"time_ms\": null, \"message\": \"assert 1 == 2\\u000aE   traceback <here>\"}"));
	CHECK(strstr(j, "\"result_files\": [\n    {\"name\": \"junit.xml\", \"format\": \"junit\", \"status\": "
			"\"parsed\", \"bytes\": 900, \"tests\": 2, \"failed\": 1, \"why\": \"\"},"));
	CHECK(strstr(j, "\"status\": \"unfinished\", \"bytes\": 0, \"tests\": 0, \"failed\": 0, "
			"\"why\": \"plan 1..3, 2 test points\"}"));
	report_test_label(&v->tests[2], label, sizeof(label));
	CHECK(strcmp(label, "tests.test_calc::test_sub") == 0);
	report_test_label(&v->tests[0], label, sizeof(label));
	CHECK(strcmp(label, "t1") == 0);
	free(x);
	free(j);
	v->files = NULL;
	free_verdict(v);
}

/* A verdict that breaks its own bounds is refused before anything is written. */
static void bad_verdicts(void)
{
	struct hv_verdict *v = make_verdict(1);
	writer ws[] = { report_junit, report_json };

	for (size_t w = 0; w < 2; w++) {
		int err;
		char *x;

		v->exit = EXIT_USAGE;
		x = render(ws[w], v, "s", &err);
		CHECK_EQ(err, MB_E_INVAL);
		CHECK_EQ(strlen(x), 0);
		free(x);
		v->exit = EXIT_PASSED;
		v->ntests = HV_MAX_TESTS + 1; /* more tests than records and files can carry */
		x = render(ws[w], v, "s", &err);
		CHECK_EQ(err, MB_E_INVAL);
		free(x);
		v->ntests = 1;
		v->nfiles = 1; /* result files, and no array of them */
		x = render(ws[w], v, "s", &err);
		CHECK_EQ(err, MB_E_INVAL);
		free(x);
		v->nfiles = 0;
		v->nreasons = HV_MAX_REASONS + 1;
		x = render(ws[w], v, "s", &err);
		CHECK_EQ(err, MB_E_INVAL);
		free(x);
		v->nreasons = 0;
		CHECK_EQ(ws[w](NULL, "s", stdout), MB_E_INVAL);
	}
	CHECK(report_verdict_name(EXIT_INTERNAL) == NULL);
	free_verdict(v);
}

static void write_file(const char *path, writer w, const struct hv_verdict *v, const char *arg)
{
	FILE *f = fopen(path, "w");

	REQUIRE(f);
	REQUIRE(w(v, arg, f) == 0);
	REQUIRE(fclose(f) == 0);
}

/* Python's parsers (expat and json) judge well-formedness; the JUnit
 * counts must agree with the test cases, and the hostile name must come
 * back as the text the escaping promises. */
static const char check_py[] =
	"import sys, json, xml.dom.minidom as m\n"
	"want = [open(p, 'rb').read().decode('utf-8', 'strict') for p in sys.argv[3:5]]\n"
	"d = m.parse(sys.argv[1])\n"
	"for s in d.getElementsByTagName('testsuite'):\n"
	"    cs = s.getElementsByTagName('testcase')\n"
	"    assert int(s.getAttribute('tests')) == len(cs), 'tests'\n"
	"    assert int(s.getAttribute('failures')) == len(s.getElementsByTagName('failure')), 'failures'\n"
	"    assert int(s.getAttribute('skipped')) == len(s.getElementsByTagName('skipped')), 'skipped'\n"
	"    names = [c.getAttribute('name') for c in cs]\n"
	"    assert names[0] == 'vouch.attestation' and names[1] == 'vouch.harness', names[:2]\n"
	"    assert names[2] == want[0], ascii(names[2])\n"
	"j = json.loads(open(sys.argv[2], 'rb').read().decode('utf-8', 'strict'))\n"
	"assert j['verdict'] == 'rejected' and j['attested'] is False\n"
	"assert j['tests'][0]['name'] == want[1], ascii(j['tests'][0]['name'])\n"
	"assert j['reasons'][0]['code'] == 11 and j['reasons'][0]['detail'] == want[1]\n"
	"assert len(j['tests']) == j['counts']['tests']\n"
	"assert j['counts']['unauthenticated'] == 3\n"
	"e = d.getElementsByTagName('system-err')\n"
	"assert len(e) == 1 and e[0].firstChild.data.startswith('[vouch: 3 records after'), 'system-err'\n"
	"assert list(j['timeline']) == ['mounted', 'channel', 'tpm', 'measured', 'ak-created',\n"
	"    'activated', 'harness-start', 'harness-end', 'quote', 'root-corrupt']\n"
	"assert len(j['digests']) == 8\n"
	"assert j['bundle'] == 'b\\ufffd.cbor', j['bundle']\n"
	"assert d.getElementsByTagName('testsuite')[0].getAttribute('name') == 'suite <&>'\n";

static void wellformed_python(void)
{
	char dir[] = "/tmp/test_report.XXXXXX", xml[64], json[64], py[64], want_xml[64], want_json[64];
	char cmd[512];
	struct hv_verdict *v = make_verdict(4097); /* more than the old cap */
	uint64_t rnd = 0x9e3779b97f4a7c15u;
	FILE *f;

	if (access("/usr/bin/python3", X_OK) != 0) {
		printf("# /usr/bin/python3 missing (tools/apt-packages lists python3)\n");
		CHECK(0);
		free_verdict(v);
		return;
	}
	REQUIRE(mkdtemp(dir));
	snprintf(xml, sizeof(xml), "%s/junit.xml", dir);
	snprintf(json, sizeof(json), "%s/report.json", dir);
	snprintf(py, sizeof(py), "%s/check.py", dir);
	/* the first test carries the hostile name; the rest random bytes */
	memcpy(v->tests[0].name, hostile, sizeof(hostile));
	for (size_t i = 1; i < v->ntests; i++) {
		for (size_t k = 0; k < sizeof(v->tests[i].name) - 1; k++) {
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			v->tests[i].name[k] = (char)(rnd >> 32 | 1); /* no NUL: full length */
		}
		v->tests[i].ok = i % 3 != 0;
		v->tests[i].directive = i % 7 == 0 ? DIRECTIVE_SKIP : i % 11 == 0 ? DIRECTIVE_TODO : DIRECTIVE_NONE;
		memcpy(v->tests[i].reason, v->tests[i].name, sizeof(v->tests[i].reason) - 1);
	}
	v->attested = false;
	v->exit = EXIT_REJECTED;
	v->nreasons = 1;
	v->reasons[0].code = HV_QUOTE_SIGNATURE;
	v->unauthenticated = 3;
	memcpy(v->reasons[0].detail, hostile, sizeof(hostile));
	write_file(xml, report_junit, v, "suite <&>");
	write_file(json, report_json, v, "b\xff.cbor");
	f = fopen(py, "w");
	REQUIRE(f && fputs(check_py, f) >= 0 && fclose(f) == 0);
	snprintf(want_xml, sizeof(want_xml), "%s/want-xml", dir);
	snprintf(want_json, sizeof(want_json), "%s/want-json", dir);
	f = fopen(want_xml, "w");
	REQUIRE(f && fputs(hostile_xml, f) >= 0 && fclose(f) == 0);
	f = fopen(want_json, "w");
	REQUIRE(f && fputs(hostile_json, f) >= 0 && fclose(f) == 0);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s %s %s", py, xml, json, want_xml, want_json);
	CHECK_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	free_verdict(v);
}

int main(void)
{
	RUN(junit_counts);
	RUN(junit_not_attested);
	RUN(junit_unauthenticated);
	RUN(junit_harness_endings);
	RUN(junit_times);
	RUN(junit_output);
	RUN(capture_output);
	RUN(xml_escaping);
	RUN(json_escaping);
	RUN(strings_bounded);
	RUN(json_fields);
	RUN(file_tests);
	RUN(bad_verdicts);
	RUN(wellformed_python);
	return t_done();
}
