// SPDX-License-Identifier: MIT
#include "report.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "record.h"
#include "results.h"

/* ---- strings from untrusted text ---- */

/* Decodes one UTF-8 sequence (RFC 3629: shortest form, no surrogates, at
 * most U+10FFFF). Returns its length; a byte that does not start a valid
 * sequence decodes as U+FFFD of length 1, so decoding always advances. */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *ret)
{
	uint8_t c = s[0];
	uint32_t cp, min;
	size_t len;

	if (c < 0x80) {
		*ret = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1fu, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0fu, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07u, min = 0x10000;
	else
		goto bad;
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*ret = cp;
	return len;
bad:
	*ret = 0xfffd;
	return 1;
}

static void put_utf8(FILE *out, uint32_t cp)
{
	if (cp < 0x80) {
		fputc((int)cp, out);
	} else if (cp < 0x800) {
		fputc((int)(0xc0 | cp >> 6), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	} else if (cp < 0x10000) {
		fputc((int)(0xe0 | cp >> 12), out);
		fputc((int)(0x80 | (cp >> 6 & 0x3f)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	} else {
		fputc((int)(0xf0 | cp >> 18), out);
		fputc((int)(0x80 | (cp >> 12 & 0x3f)), out);
		fputc((int)(0x80 | (cp >> 6 & 0x3f)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	}
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

void report_put_json_string(FILE *out, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;

	if (n > REPORT_MAX_STRING_BYTES)
		n = REPORT_MAX_STRING_BYTES;
	fputc('"', out);
	for (size_t i = 0; i < n;) {
		uint32_t cp;

		i += utf8_next(p + i, n - i, &cp);
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (is_control(cp))
			fprintf(out, "\\u%04" PRIx32, cp);
		else if (cp == 0x2028 || cp == 0x2029) /* line ends to JavaScript */
			fprintf(out, "\\u%04" PRIx32, cp);
		else
			put_utf8(out, cp);
	}
	fputc('"', out);
}

/* XML character data of the first n bytes of s. In an attribute, tab and
 * line ends become character references, which a parser would otherwise
 * fold into spaces; in element text they stay as they are. What XML 1.0
 * cannot carry at all (C0 controls other than tab and line ends, and
 * U+FFFE/U+FFFF) is dropped or replaced; C1 controls are dropped too. */
static void put_xml(FILE *out, const char *s, size_t n, bool attr)
{
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0; i < n;) {
		uint32_t cp;

		i += utf8_next(p + i, n - i, &cp);
		switch (cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break; /* and so no "]]>" */
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '\t': fputs(attr ? "&#9;" : "\t", out); break;
		case '\n': fputs(attr ? "&#10;" : "\n", out); break;
		case '\r': fputs("&#13;", out); break;
		case 0xfffe: /* not XML characters */
		case 0xffff: put_utf8(out, 0xfffd); break;
		default:
			if (!is_control(cp))
				put_utf8(out, cp);
		}
	}
}

void report_put_xml_text(FILE *out, const char *s, size_t n)
{
	put_xml(out, s, n > REPORT_MAX_STRING_BYTES ? REPORT_MAX_STRING_BYTES : n, true);
}

static void put_xml_cstr(FILE *out, const char *s)
{
	report_put_xml_text(out, s, strlen(s));
}

static void put_json_cstr(FILE *out, const char *s)
{
	report_put_json_string(out, s, strlen(s));
}

/* ---- the verdict ---- */

const char *report_verdict_name(enum exit_code e)
{
	switch (e) {
	case EXIT_PASSED: return "passed";
	case EXIT_TESTS_FAILED: return "tests-failed";
	case EXIT_REJECTED: return "rejected";
	case EXIT_INCOMPLETE: return "incomplete";
	default: return NULL;
	}
}

void report_test_label(const struct hv_test *t, char *out, size_t cap)
{
	size_t n = strnlen(t->name, sizeof(t->name)), k = strnlen(t->classname, sizeof(t->classname));

	if (cap == 0)
		return;
	if (n == 0) {
		snprintf(out, cap, "test %" PRIu64, t->num);
		return;
	}
	/* a result file's case: "classname::name", as pytest names them */
	if (k)
		snprintf(out, cap, "%.*s::%.*s", (int)k, t->classname, (int)n, t->name);
	else
		snprintf(out, cap, "%.*s", (int)n, t->name);
}

static bool verdict_sane(const struct hv_verdict *v)
{
	return v && report_verdict_name(v->exit) && v->nreasons <= HV_MAX_REASONS &&
	       v->ntests <= HV_MAX_TESTS && (v->ntests == 0 || v->tests) &&
	       v->nfiles <= HV_MAX_RESULT_FILES && (v->nfiles == 0 || v->files);
}

/* Where a test came from: its result file, or NULL for the TAP stream. */
static const struct hv_result_file *test_file(const struct hv_verdict *v, const struct hv_test *t)
{
	return t->file && t->file <= v->nfiles ? &v->files[t->file - 1] : NULL;
}

static const char *reason_name(enum hv_reason r)
{
	const char *s = hv_reason_name(r);

	return s ? s : "unknown";
}

static const char *reason_text(enum hv_reason r)
{
	const char *s = hv_reason_text(r);

	return s ? s : "unknown reason";
}

static const char *end_reason_name(uint32_t e)
{
	switch (e) {
	case END_COMPLETE: return "complete";
	case END_CUT: return "cut";
	case END_FATAL: return "fatal";
	default: return "unknown";
	}
}

static bool harness_failed(const struct hv_verdict *v)
{
	return v->harness_exit != 0 || v->harness_signal != 0 || v->cut || v->end_reason != END_COMPLETE;
}

/* One sentence on how the harness ended, for the vouch.harness test case. */
static void harness_summary(const struct hv_verdict *v, char *out, size_t cap)
{
	size_t off = 0;

#define ADD(...) \
	do { \
		int k_ = snprintf(out + off, cap - off, __VA_ARGS__); \
		if (k_ > 0) \
			off = (size_t)k_ < cap - off ? off + (size_t)k_ : cap - 1; \
	} while (0)
	out[0] = '\0';
	if (v->harness_signal != 0)
		ADD("harness killed by signal %d", v->harness_signal);
	else if (v->harness_exit < 0)
		ADD("harness exit status unknown");
	else
		ADD("harness exited with status %d", v->harness_exit);
	if (v->cut)
		ADD("; cut off at a limit");
	if (v->end_reason == END_FATAL)
		ADD("; guest-init ended the run on an error of its own");
	else if (v->end_reason != END_COMPLETE && v->end_reason != END_CUT)
		ADD("; run ended with unknown reason %" PRIu32, v->end_reason);
#undef ADD
}

/* ---- JUnit XML ---- */

enum tc_kind { TC_PASS, TC_FAIL, TC_SKIP, TC_TODO };

static enum tc_kind classify(const struct hv_test *t)
{
	if (t->directive == DIRECTIVE_SKIP)
		return TC_SKIP;
	if (t->directive == DIRECTIVE_TODO)
		return t->ok ? TC_PASS : TC_TODO; /* a TODO that passes is no failure */
	return t->ok ? TC_PASS : TC_FAIL;
}

static void put_seconds(FILE *out, uint64_t ns)
{
	fprintf(out, "%" PRIu64 ".%03" PRIu64, ns / 1000000000u, ns / 1000000u % 1000u);
}

/* Times on the guest clock. The suite's is the harness's span: its start
 * to its end, or to its last test point when the end was never marked.
 * Each test's is the clock's advance from the previous test point (or the
 * harness's start) to its own, inside that span; the vouch.harness case
 * has what is left. So the cases add up to the suite's time, never more
 * (whole milliseconds are cut down, never rounded up). All 0 without a
 * marked start. */
struct clock {
	uint64_t start, end, now;
};

static void clock_init(struct clock *c, const struct hv_verdict *v)
{
	uint64_t start = v->phase_ns[PHASE_HARNESS_START], end = v->phase_ns[PHASE_HARNESS_END];

	if (!end)
		for (size_t i = 0; i < v->ntests; i++)
			end = v->tests[i].time_ns > end ? v->tests[i].time_ns : end;
	if (!start || end < start)
		start = end = 0;
	c->start = c->now = start;
	c->end = end;
}

/* The next test's time: call once per test, in order. */
static uint64_t clock_next(struct clock *c, const struct hv_test *t)
{
	uint64_t at = t->time_ns < c->end ? t->time_ns : c->end, d = 0;

	if (c->start && at > c->now) {
		d = at - c->now;
		c->now = at;
	}
	return d;
}

/* The vouch.harness case's time: the suite's less the tests'. */
static uint64_t harness_rest(const struct hv_verdict *v)
{
	struct clock c;

	clock_init(&c, v);
	for (size_t i = 0; i < v->ntests; i++)
		(void)clock_next(&c, &v->tests[i]);
	return c.end - c.now;
}

/* A result file's failed case: the first line of its text as the
 * message, all of it (the traceback) as the failure's body. */
static void junit_file_failure(FILE *out, const struct hv_verdict *v, const struct hv_test *t)
{
	const struct hv_result_file *f = test_file(v, t);
	size_t n = strnlen(t->message, sizeof(t->message)), first = strcspn(t->message, "\n");
	const char *type = strcmp(t->classname, RESULTS_CLASSNAME) == 0 ? RESULTS_CLASSNAME
			   : f && f->format == HV_FILE_TAP ? "tap" : "junit";

	fprintf(out, ">\n      <failure type=\"%s\" message=\"", type);
	report_put_xml_text(out, t->message, first < n ? first : n);
	fputs("\">", out);
	report_put_xml_text(out, t->message, n);
	fputs("</failure>\n", out);
}

static void junit_test(FILE *out, const struct hv_verdict *v, size_t i, const char *suite, uint64_t ns)
{
	const struct hv_test *t = &v->tests[i];
	size_t rlen = strnlen(t->reason, sizeof(t->reason));
	bool from_file = t->file != 0;
	char label[sizeof(t->name) + 32];

	/* a result file's case keeps its own classname, name and time */
	if (from_file)
		snprintf(label, sizeof(label), "%.*s", (int)strnlen(t->name, sizeof(t->name)), t->name);
	else
		report_test_label(t, label, sizeof(label));
	fputs("    <testcase name=\"", out);
	put_xml_cstr(out, label);
	fputs("\" classname=\"", out);
	if (from_file)
		report_put_xml_text(out, t->classname, strnlen(t->classname, sizeof(t->classname)));
	else
		put_xml_cstr(out, suite);
	fputs("\" time=\"", out);
	put_seconds(out, from_file ? (t->has_duration ? t->duration_ns : 0) : ns);
	fputs("\"", out);
	switch (classify(t)) {
	case TC_PASS:
		fputs("/>\n", out);
		return;
	case TC_FAIL:
		if (from_file && (t->message[0] || !test_file(v, t) || test_file(v, t)->format != HV_FILE_TAP)) {
			junit_file_failure(out, v, t);
			break;
		}
		fprintf(out, ">\n      <failure type=\"tap\" message=\"not ok %" PRIu64, t->num);
		if (rlen) {
			fputs(": ", out);
			report_put_xml_text(out, t->reason, rlen);
		}
		fputs("\"/>\n", out);
		break;
	case TC_SKIP:
		fputs(">\n      <skipped message=\"", out);
		report_put_xml_text(out, t->reason, rlen);
		fputs("\"/>\n", out);
		break;
	case TC_TODO:
		fputs(">\n      <skipped message=\"TODO", out);
		if (rlen) {
			fputs(": ", out);
			report_put_xml_text(out, t->reason, rlen);
		}
		fputs("\"/>\n", out);
		break;
	}
	fputs("    </testcase>\n", out);
}

static void junit_attestation(FILE *out, const struct hv_verdict *v)
{
	fputs("    <testcase name=\"vouch.attestation\" classname=\"vouch\" time=\"0.000\"", out);
	if (v->attested) {
		fputs("/>\n", out);
		return;
	}
	fprintf(out, ">\n      <failure type=\"attestation\" message=\"evidence not attested (%s",
		report_verdict_name(v->exit));
	if (v->nreasons)
		fprintf(out, ": %s", reason_name(v->reasons[0].code));
	fputs(")\">", out);
	if (v->nreasons == 0)
		fputs("no reason recorded", out);
	for (size_t i = 0; i < v->nreasons; i++) {
		fprintf(out, "%s (%d): ", reason_name(v->reasons[i].code), (int)v->reasons[i].code);
		put_xml_cstr(out, reason_text(v->reasons[i].code));
		fputs(": ", out);
		report_put_xml_text(out, v->reasons[i].detail,
				    strnlen(v->reasons[i].detail, sizeof(v->reasons[i].detail)));
		fputs("&#10;", out);
	}
	fputs("</failure>\n    </testcase>\n", out);
}

static void junit_harness(FILE *out, const struct hv_verdict *v)
{
	char why[256];

	fputs("    <testcase name=\"vouch.harness\" classname=\"vouch\" time=\"", out);
	put_seconds(out, harness_rest(v));
	fputs("\"", out);
	if (!harness_failed(v)) {
		fputs("/>\n", out);
		return;
	}
	harness_summary(v, why, sizeof(why));
	fputs(">\n      <failure type=\"harness\" message=\"", out);
	put_xml_cstr(out, why);
	fputs("\"/>\n    </testcase>\n", out);
}

static void junit_properties(FILE *out, const struct hv_verdict *v)
{
	fprintf(out, "    <properties>\n"
		"      <property name=\"vouch.verdict\" value=\"%s\"/>\n"
		"      <property name=\"vouch.exit\" value=\"%d\"/>\n"
		"      <property name=\"vouch.attested\" value=\"%s\"/>\n",
		report_verdict_name(v->exit), (int)v->exit, v->attested ? "true" : "false");
	/* where the results came from: behind the agent boundary, only
	 * channels the agent cannot write; without it, stdout */
	fprintf(out, "      <property name=\"vouch.agent_boundary\" value=\"%s\"/>\n"
		"      <property name=\"vouch.results_from\" value=\"%s\"/>\n",
		v->agent_boundary ? "on" : "off", v->agent_boundary ? "results-channel" : "stdout");
	fputs("      <property name=\"vouch.chain_head\" value=\"", out);
	for (size_t i = 0; i < sizeof(v->chain_head); i++)
		fprintf(out, "%02x", v->chain_head[i]);
	fprintf(out, "\"/>\n      <property name=\"vouch.unauthenticated_records\" value=\"%" PRIu64 "\"/>\n"
		"    </properties>\n", v->unauthenticated);
}

/* The harness's stdout or stderr as the suite's system-out or system-err,
 * with vouch's own lines after it. Without a capture (rejected evidence:
 * its records are no one's word) only those lines. */
static void junit_stream(FILE *out, const struct hv_verdict *v, const struct report_capture *cap,
			 enum report_stream s)
{
	static const char *const tag[] = { "system-out", "system-err" };
	uint64_t total = s == REPORT_STDOUT ? v->stdout_bytes : v->stderr_bytes;

	fprintf(out, "    <%s>", tag[s]);
	if (s == REPORT_STDERR && v->unauthenticated) /* not results: say how many */
		fprintf(out, "[vouch: %" PRIu64 " records after the last verified checkpoint are "
			"unauthenticated: not counted as tests]\n", v->unauthenticated);
	if (cap) {
		put_xml(out, cap->buf[s], cap->n[s], false);
		if (cap->n[s] < cap->total[s])
			fprintf(out, "\n[vouch: cut at %zu of %" PRIu64 " bytes]\n", cap->n[s], cap->total[s]);
	} else if (total) {
		fprintf(out, "[vouch: %" PRIu64 " bytes not shown: the evidence was %s]\n", total,
			report_verdict_name(v->exit));
	}
	fprintf(out, "</%s>\n", tag[s]);
}

static void put_timestamp(FILE *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	/* ISO 8601 in UTC without a zone, the form the Ant schema's pattern takes */
	if (t < 0 || !gmtime_r(&tt, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	fprintf(out, " timestamp=\"%s\"", buf);
}

static void junit_suite_head(FILE *out, const struct hv_verdict *v, const struct report_junit_info *info,
			     const char *suite)
{
	uint64_t failures = 0, skipped = 0, tests = (uint64_t)v->ntests + 2;
	struct clock c;

	for (size_t i = 0; i < v->ntests; i++) {
		enum tc_kind k = classify(&v->tests[i]);

		failures += k == TC_FAIL;
		skipped += k == TC_SKIP || k == TC_TODO;
	}
	failures += !v->attested;
	failures += harness_failed(v);
	clock_init(&c, v);

	/* junit-10.xsd allows no skipped on testsuites; the suite has it */
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
	put_xml_cstr(out, suite);
	fprintf(out, "\" tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"0\" time=\"", tests, failures);
	put_seconds(out, c.end - c.start);
	fputs("\">\n  <testsuite name=\"", out);
	put_xml_cstr(out, suite);
	fprintf(out, "\" tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"0\" skipped=\"%" PRIu64
		"\" time=\"", tests, failures, skipped);
	put_seconds(out, c.end - c.start);
	fputs("\" id=\"0\" package=\"", out);
	put_xml_cstr(out, suite);
	fputs("\"", out);
	if (info && info->hostname) {
		fputs(" hostname=\"", out);
		put_xml_cstr(out, info->hostname);
		fputs("\"", out);
	}
	if (info)
		put_timestamp(out, info->timestamp);
	fputs(">\n", out);
}

int report_junit_info(const struct hv_verdict *v, const struct report_junit_info *info, FILE *out)
{
	const char *suite = info && info->suite && *info->suite ? info->suite : "vouch";
	const struct report_capture *cap = info ? info->capture : NULL;
	struct clock c;

	if (!verdict_sane(v) || !out)
		return MB_E_INVAL;
	if (cap && (cap->n[0] > REPORT_MAX_OUTPUT_BYTES || cap->n[1] > REPORT_MAX_OUTPUT_BYTES))
		return MB_E_INVAL;
	junit_suite_head(out, v, info, suite);
	junit_properties(out, v);
	junit_attestation(out, v);
	junit_harness(out, v);
	clock_init(&c, v);
	for (size_t i = 0; i < v->ntests; i++)
		junit_test(out, v, i, suite, clock_next(&c, &v->tests[i]));
	junit_stream(out, v, cap, REPORT_STDOUT);
	junit_stream(out, v, cap, REPORT_STDERR);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return fflush(out) == 0 && !ferror(out) ? 0 : MB_E_IO;
}

int report_junit(const struct hv_verdict *v, const char *suite_name, FILE *out)
{
	struct report_junit_info info = { .suite = suite_name, .timestamp = -1 };

	return report_junit_info(v, &info, out);
}

/* ---- the harness's output, from authenticated records ---- */

/* Keeps whole UTF-8 sequences: a sequence the cut split is dropped. */
static size_t utf8_trim(const char *p, size_t n)
{
	for (size_t back = 1; back <= 3 && back <= n; back++) {
		uint8_t c = (uint8_t)p[n - back];
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;

		if ((c & 0xc0) != 0x80) /* a lead byte or ASCII: the sequence's start */
			return len > back ? n - back : n;
	}
	return n;
}

int report_capture_output(const struct bundle *b, const struct hv_verdict *v, struct report_capture *ret)
{
	struct report_capture *cap;
	uint64_t trusted;
	int err = 0;

	if (!b || !v || !ret || v->unauthenticated > v->records || v->records > b->nrecords)
		return MB_E_INVAL;
	if (v->exit == EXIT_REJECTED)
		return MB_E_INVAL; /* records of rejected evidence are no one's word */
	if (!(cap = calloc(1, sizeof(*cap))))
		return MB_E_NOMEM;
	trusted = v->records - v->unauthenticated;
	for (uint64_t i = 0; i < trusted; i++) {
		struct record rec;
		enum report_stream s;
		size_t room, k;

		if ((err = record_decode(b->records[i].p, b->records[i].n, &rec)) < 0)
			goto out;
		if (rec.kind != REC_STDOUT && rec.kind != REC_STDERR)
			continue;
		s = rec.kind == REC_STDOUT ? REPORT_STDOUT : REPORT_STDERR;
		room = REPORT_MAX_OUTPUT_BYTES - cap->n[s];
		k = rec.u.chunk.n < room ? rec.u.chunk.n : room;
		if (k)
			memcpy(cap->buf[s] + cap->n[s], rec.u.chunk.p, k);
		cap->n[s] += k;
		cap->total[s] += rec.u.chunk.n;
	}
	for (int s = 0; s < 2; s++)
		if (cap->n[s] < cap->total[s])
			cap->n[s] = utf8_trim(cap->buf[s], cap->n[s]);
	memcpy(ret, cap, sizeof(*cap));
out:
	free(cap);
	return err;
}

/* ---- JSON ---- */

static void put_hex_field(FILE *out, const char *name, const uint8_t *p, size_t n, bool last)
{
	fprintf(out, "    \"%s\": \"", name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
	fprintf(out, "\"%s\n", last ? "" : ",");
}

static void json_reasons(FILE *out, const struct hv_verdict *v)
{
	fputs("  \"reasons\": [", out);
	for (size_t i = 0; i < v->nreasons; i++) {
		fprintf(out, "%s\n    {\"code\": %d, \"name\": ", i ? "," : "", (int)v->reasons[i].code);
		put_json_cstr(out, reason_name(v->reasons[i].code));
		fputs(", \"detail\": ", out);
		report_put_json_string(out, v->reasons[i].detail,
				       strnlen(v->reasons[i].detail, sizeof(v->reasons[i].detail)));
		fputs("}", out);
	}
	fputs(v->nreasons ? "\n  ],\n" : "],\n", out);
}

static void json_counts_harness(FILE *out, const struct hv_verdict *v)
{
	fprintf(out, "  \"counts\": {\"records\": %" PRIu64 ", \"unauthenticated\": %" PRIu64
		", \"tests\": %zu, \"passed\": %" PRIu64
		", \"failed\": %" PRIu64 ", \"skipped\": %" PRIu64 ", \"todo\": %" PRIu64
		", \"stdout_bytes\": %" PRIu64 ", \"stderr_bytes\": %" PRIu64 "},\n",
		v->records, v->unauthenticated, v->ntests, v->passed, v->failed, v->skipped, v->todo,
		v->stdout_bytes, v->stderr_bytes);
	fputs("  \"harness\": {\"exit\": ", out);
	if (v->harness_exit < 0)
		fputs("null", out);
	else
		fprintf(out, "%d", v->harness_exit);
	fprintf(out, ", \"signal\": %d, \"cut\": %s, \"end_reason\": \"%s\"},\n", v->harness_signal,
		v->cut ? "true" : "false", end_reason_name(v->end_reason));
	fprintf(out, "  \"agent_boundary\": {\"on\": %s, ", v->agent_boundary ? "true" : "false");
	if (v->agent_boundary)
		fprintf(out, "\"agent_uid\": %u, \"agent_gid\": %u, ", v->agent_uid, v->agent_gid);
	else
		fputs("\"agent_uid\": null, \"agent_gid\": null, ", out);
	fprintf(out, "\"results_from\": \"%s\", \"results_bytes\": %" PRIu64 ", \"result_files\": %" PRIu64 "},\n",
		v->agent_boundary ? "results-channel" : "stdout", v->results_bytes, v->result_files);
}

static void json_digests(FILE *out, const struct hv_verdict *v)
{
	fputs("  \"digests\": {\n", out);
	put_hex_field(out, "chain_head", v->chain_head, 32, false);
	put_hex_field(out, "pcr_digest", v->pcr_digest, 32, false);
	put_hex_field(out, "runspec", v->runspec_digest, 32, false);
	put_hex_field(out, "image", v->image_digest, 32, false);
	if (v->has_verity) /* what the run's reads were checked against */
		put_hex_field(out, "verity_root", v->verity_root, 32, false);
	if (!v->plain) {
		put_hex_field(out, "agent", v->agent_digest, 32, false);
		put_hex_field(out, "harness", v->harness_digest, 32, false);
	}
	put_hex_field(out, "kernel", v->kernel_digest, 32, false);
	put_hex_field(out, "initramfs", v->initramfs_digest, 32, true);
	fputs("  },\n", out);
}

/* Milliseconds on the guest clock; null for a phase never reached (the
 * guest clock starts at boot, so no phase is marked at 0). */
static void json_timeline(FILE *out, const struct hv_verdict *v)
{
	static const char *const names[PHASE_MAX_ + 1] = {
		[PHASE_MOUNTED] = "mounted", [PHASE_CHANNEL] = "channel", [PHASE_TPM] = "tpm",
		[PHASE_MEASURED] = "measured", [PHASE_AK_CREATED] = "ak-created",
		[PHASE_ACTIVATED] = "activated", [PHASE_HARNESS_START] = "harness-start",
		[PHASE_HARNESS_END] = "harness-end", [PHASE_QUOTE] = "quote",
		[PHASE_ROOT_CORRUPT] = "root-corrupt",
	};

	fputs("  \"timeline\": {", out);
	for (unsigned p = 1; p <= PHASE_MAX_; p++) {
		uint64_t ns = v->phase_ns[p];

		fprintf(out, "%s\n    \"%s\": ", p > 1 ? "," : "", names[p]);
		if (ns)
			fprintf(out, "%" PRIu64 ".%03" PRIu64, ns / 1000000u, ns % 1000000u / 1000u);
		else
			fputs("null", out);
	}
	fputs("\n  },\n", out);
}

static void json_tests(FILE *out, const struct hv_verdict *v)
{
	static const char *const directives[] = { "none", "skip", "todo" };

	fputs("  \"tests\": [", out);
	for (size_t i = 0; i < v->ntests; i++) {
		const struct hv_test *t = &v->tests[i];
		const struct hv_result_file *f = test_file(v, t);

		fprintf(out, "%s\n    {\"num\": %" PRIu64 ", \"ok\": %s, \"name\": ", i ? "," : "", t->num,
			t->ok ? "true" : "false");
		report_put_json_string(out, t->name, strnlen(t->name, sizeof(t->name)));
		fprintf(out, ", \"directive\": \"%s\", \"reason\": ",
			t->directive <= DIRECTIVE_TODO ? directives[t->directive] : "unknown");
		report_put_json_string(out, t->reason, strnlen(t->reason, sizeof(t->reason)));
		if (t->file == 0) {
			fprintf(out, ", \"time_ms\": %" PRIu64 ".%03" PRIu64 "}", t->time_ns / 1000000u,
				t->time_ns % 1000000u / 1000u);
			continue;
		}
		/* a result file's case: where from, its classname, its own
		 * duration (null when the file gave none) and failure text */
		fputs(", \"file\": ", out);
		if (f)
			report_put_json_string(out, f->name, strnlen(f->name, sizeof(f->name)));
		else
			fputs("null", out);
		fputs(", \"classname\": ", out);
		report_put_json_string(out, t->classname, strnlen(t->classname, sizeof(t->classname)));
		if (t->has_duration)
			fprintf(out, ", \"time_ms\": %" PRIu64 ".%03" PRIu64, t->duration_ns / 1000000u,
				t->duration_ns % 1000000u / 1000u);
		else
			fputs(", \"time_ms\": null", out);
		fputs(", \"message\": ", out);
		report_put_json_string(out, t->message, strnlen(t->message, sizeof(t->message)));
		fputs("}", out);
	}
	fputs(v->ntests ? "\n  ],\n" : "],\n", out);
}

static void json_files(FILE *out, const struct hv_verdict *v)
{
	fputs("  \"result_files\": [", out);
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct hv_result_file *f = &v->files[i];

		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		report_put_json_string(out, f->name, strnlen(f->name, sizeof(f->name)));
		fprintf(out, ", \"format\": \"%s\", \"status\": \"%s\", \"bytes\": %" PRIu64
			", \"tests\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"why\": ",
			results_format_name(f->format), results_status_name(f->status), f->bytes, f->tests,
			f->failed);
		report_put_json_string(out, f->why, strnlen(f->why, sizeof(f->why)));
		fputs("}", out);
	}
	fputs(v->nfiles ? "\n  ]\n" : "]\n", out);
}

int report_json(const struct hv_verdict *v, const char *bundle_path, FILE *out)
{
	if (!verdict_sane(v) || !out)
		return MB_E_INVAL;
	fprintf(out, "{\n  \"version\": %u,\n  \"bundle\": ", REPORT_JSON_VERSION);
	if (bundle_path)
		put_json_cstr(out, bundle_path);
	else
		fputs("null", out);
	fprintf(out, ",\n  \"verdict\": \"%s\",\n  \"exit\": %d,\n  \"attested\": %s,\n",
		report_verdict_name(v->exit), (int)v->exit, v->attested ? "true" : "false");
	json_reasons(out, v);
	json_counts_harness(out, v);
	json_digests(out, v);
	/* how the tree digests were established: walked in the guest, or
	 * referenced by the verity root (the manifest's, bound to it); none
	 * in a plain run, where the root image ran the command */
	fprintf(out, "  \"trees\": \"%s\",\n",
		v->plain ? "none" : v->trees_by_verity ? "by-verity-root" : "walked");
	json_timeline(out, v);
	json_tests(out, v);
	json_files(out, v);
	fputs("}\n", out);
	return fflush(out) == 0 && !ferror(out) ? 0 : MB_E_IO;
}
