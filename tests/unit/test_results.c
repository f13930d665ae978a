// SPDX-License-Identifier: MIT
/*
 * Result files (host-verify/results.c): JUnit XML as six frameworks
 * write it, TAP files, the bad-input table of each parser, and putting
 * files back together from their records, each refusal with its reason.
 */
#include "t.h"

#include "record.h"
#include "results.h"

static struct results R;

static void reset(void)
{
	results_free(&R);
}

/* Parses s as JUnit into a fresh R: the error, why in *why. */
static int junit(const char *s, size_t n, char *why, size_t cap)
{
	reset();
	why[0] = '\0';
	return results_parse_junit(&R, 1, (const uint8_t *)s, n, why, cap);
}

static const struct hv_test *find(const char *name)
{
	for (size_t i = 0; i < R.ntests; i++)
		if (strcmp(R.tests[i].name, name) == 0)
			return &R.tests[i];
	return NULL;
}

static size_t count(bool ok, uint32_t directive)
{
	size_t n = 0;

	for (size_t i = 0; i < R.ntests; i++)
		n += R.tests[i].ok == ok && R.tests[i].directive == directive;
	return n;
}

/* ---- the dialects ---- */

static const char pytest_xml[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" errors=\"0\" "
	"failures=\"1\" skipped=\"1\" tests=\"4\" time=\"0.051\" timestamp=\"2024-05-01T10:00:00.1\" "
	"hostname=\"h\"><testcase classname=\"tests.test_calc\" name=\"test_add\" time=\"0.001\" />"
	"<testcase classname=\"tests.test_calc\" name=\"test_sub\" time=\"0.002\"><failure "
	"message=\"assert 1 == 2\">def test_sub():\n&gt;       assert 1 == 2\nE       assert 1 == 2"
	"</failure></testcase><testcase classname=\"tests.test_calc\" name=\"test_mul[2-4]\" time=\"0.000\">"
	"<skipped type=\"pytest.skip\" message=\"not yet\">tests/test_calc.py:9: not yet</skipped></testcase>"
	"<testcase classname=\"tests.test_calc\" name=\"test_div\" time=\"0.001\"><system-out>x</system-out>"
	"</testcase></testsuite></testsuites>\n";

/* go-junit-report v2 and gotestsum: one suite per package, classname the package */
static const char gotest_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"3\" failures=\"1\">\n"
	"\t<testsuite name=\"example.com/calc\" tests=\"3\" failures=\"1\" errors=\"0\" id=\"0\" "
	"hostname=\"h\" time=\"0.004\" timestamp=\"2024-05-01T10:00:00Z\">\n"
	"\t\t<properties><property name=\"go.version\" value=\"go1.22.1 linux/amd64\"></property></properties>\n"
	"\t\t<testcase name=\"TestAdd\" classname=\"example.com/calc\" time=\"0.000\"></testcase>\n"
	"\t\t<testcase name=\"TestSub/negative\" classname=\"example.com/calc\" time=\"0.001\">\n"
	"\t\t\t<failure message=\"Failed\"><![CDATA[    calc_test.go:12: got -1, want 1]]></failure>\n"
	"\t\t</testcase>\n"
	"\t\t<testcase name=\"TestMul\" classname=\"example.com/calc\" time=\"0.000\">\n"
	"\t\t\t<skipped message=\"Skipped\"><![CDATA[    calc_test.go:20: later]]></skipped>\n"
	"\t\t</testcase>\n\t</testsuite>\n</testsuites>\n";

static const char jest_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"jest tests\" tests=\"2\" failures=\"1\" "
	"errors=\"0\" time=\"1.234\">\n  <testsuite name=\"calc\" errors=\"0\" failures=\"1\" skipped=\"0\" "
	"timestamp=\"2024-05-01T10:00:00\" time=\"0.5\" tests=\"2\">\n"
	"    <testcase classname=\"calc adds\" name=\"calc adds\" time=\"0.003\">\n    </testcase>\n"
	"    <testcase classname=\"calc divides by zero\" name=\"calc divides by zero\" time=\"0.01\">\n"
	"      <failure>Error: expect(received).toThrow()\n    at Object.&lt;anonymous&gt; (calc.test.js:9:5)"
	"</failure>\n    </testcase>\n  </testsuite>\n</testsuites>\n";

/* cargo-nextest: classname the binary id, testsuite per binary */
static const char nextest_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nextest-run\" tests=\"2\" failures=\"1\" "
	"errors=\"0\" uuid=\"1b4f\" timestamp=\"2024-05-01T10:00:00.000+00:00\" time=\"0.020\">\n"
	"    <testsuite name=\"calc\" tests=\"2\" disabled=\"0\" errors=\"0\" failures=\"1\">\n"
	"        <testcase name=\"tests::add\" classname=\"calc\" timestamp=\"2024-05-01T10:00:00.001+00:00\" "
	"time=\"0.004\">\n        </testcase>\n"
	"        <testcase name=\"tests::overflow\" classname=\"calc\" timestamp=\"2024-05-01T10:00:00.002+00:00\" "
	"time=\"0.005\">\n            <failure type=\"test failure\">thread 'tests::overflow' panicked at "
	"src/lib.rs:20:9</failure>\n            <system-out></system-out>\n"
	"            <system-err>panicked</system-err>\n        </testcase>\n    </testsuite>\n</testsuites>\n";

/* Maven Surefire: a bare testsuite, a schema location, an error, a flaky
 * rerun that passed, a time with a thousands separator */
static const char surefire_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	"xsi:noNamespaceSchemaLocation=\"https://maven.apache.org/surefire/maven-surefire-plugin/xsd/"
	"surefire-test-report-3.0.xsd\" version=\"3.0\" name=\"com.example.CalcTest\" time=\"1,234.5\" "
	"tests=\"3\" errors=\"1\" skipped=\"0\" failures=\"0\">\n  <properties>\n    <property "
	"name=\"java.version\" value=\"17\"/>\n  </properties>\n"
	"  <testcase name=\"adds\" classname=\"com.example.CalcTest\" time=\"1,200.25\"/>\n"
	"  <testcase name=\"divides\" classname=\"com.example.CalcTest\" time=\"0.01\">\n"
	"    <error message=\"/ by zero\" type=\"java.lang.ArithmeticException\">java.lang.ArithmeticException: "
	"/ by zero\n\tat com.example.CalcTest.divides(CalcTest.java:14)\n</error>\n  </testcase>\n"
	"  <testcase name=\"flaky\" classname=\"com.example.CalcTest\" time=\"0.02\">\n"
	"    <flakyFailure message=\"once\" type=\"java.lang.AssertionError\"><stackTrace>x</stackTrace>"
	"</flakyFailure>\n  </testcase>\n</testsuite>\n";

/* CTest (ctest --output-junit): a bare testsuite, classname = name,
 * status attributes, skipped for a disabled test */
static const char ctest_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"Linux-c++\" tests=\"3\" failures=\"1\" "
	"disabled=\"1\" skipped=\"0\" hostname=\"\" time=\"0\" timestamp=\"2024-05-01T10:00:00\" >\n"
	"\t<testcase name=\"calc_add\" classname=\"calc_add\" time=\"0.00211\" status=\"run\">\n"
	"\t\t<system-out>ok</system-out>\n\t</testcase>\n"
	"\t<testcase name=\"calc_div\" classname=\"calc_div\" time=\"0.00134\" status=\"fail\">\n"
	"\t\t<failure message=\"Failed\"/>\n\t\t<system-out>division: expected 2 got 3</system-out>\n\t</testcase>\n"
	"\t<testcase name=\"calc_slow\" classname=\"calc_slow\" time=\"0\" status=\"disabled\">\n"
	"\t\t<skipped message=\"Disabled\"/>\n\t</testcase>\n</testsuite>\n";

static void test_dialects(void)
{
	static const struct {
		const char *what, *xml, *failed, *classname, *msg_has;
		size_t tests, passed, skipped;
		uint64_t fail_ns;
	} cases[] = {
		{ "pytest", pytest_xml, "test_sub", "tests.test_calc", "E       assert 1 == 2", 4, 2, 1, 2000000 },
		{ "go-junit-report", gotest_xml, "TestSub/negative", "example.com/calc", "got -1, want 1", 3, 1, 1,
		  1000000 },
		{ "jest-junit", jest_xml, "calc divides by zero", "calc divides by zero", "at Object.<anonymous>", 2,
		  1, 0, 10000000 },
		{ "cargo-nextest", nextest_xml, "tests::overflow", "calc", "panicked at src/lib.rs", 2, 1, 0, 5000000 },
		{ "surefire", surefire_xml, "divides", "com.example.CalcTest", "CalcTest.java:14", 3, 2, 0, 10000000 },
		{ "ctest", ctest_xml, "calc_div", "calc_div", "Failed", 3, 1, 1, 1340000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[160];
		int e = junit(cases[i].xml, strlen(cases[i].xml), why, sizeof(why));
		const struct hv_test *t = find(cases[i].failed);
		int ok = e == 0 && R.ntests == cases[i].tests && count(true, DIRECTIVE_NONE) == cases[i].passed &&
			 count(true, DIRECTIVE_SKIP) == cases[i].skipped && count(false, DIRECTIVE_NONE) == 1 && t &&
			 !t->ok && strcmp(t->classname, cases[i].classname) == 0 &&
			 strstr(t->message, cases[i].msg_has) && t->has_duration && t->duration_ns == cases[i].fail_ns &&
			 t->file == 1;

		if (!ok)
			printf("# e=%d why=%s ntests=%zu msg=%s\n", e, why, R.ntests, t ? t->message : "(none)");
		t_report(ok, "%s: %zu tests, %s failed with its text", cases[i].what, cases[i].tests,
			 cases[i].failed);
	}
	/* the details the reports carry */
	REQUIRE(junit(pytest_xml, strlen(pytest_xml), (char[160]){ 0 }, 160) == 0);
	t_report(strcmp(find("test_sub")->message, "assert 1 == 2\ndef test_sub():\n>       assert 1 == 2\n"
					       "E       assert 1 == 2") == 0 &&
		 strcmp(find("test_mul[2-4]")->reason, "not yet") == 0,
		 "pytest: failure text is the message, then the body; skip reason kept");
	REQUIRE(junit(surefire_xml, strlen(surefire_xml), (char[160]){ 0 }, 160) == 0);
	t_report(find("adds")->duration_ns == 1200250000000ull && find("flaky")->ok,
		 "surefire: 1,200.25 s read; a flaky test that passed on rerun passes");
	/* a testcase with no classname takes its suite's name */
	static const char nocls[] = "<testsuites><testsuite name=\"outer\"><testsuite name=\"inner\">"
				    "<testcase name=\"a\"/></testsuite></testsuite></testsuites>";
	REQUIRE(junit(nocls, strlen(nocls), (char[160]){ 0 }, 160) == 0);
	t_report(R.ntests == 1 && strcmp(R.tests[0].classname, "inner") == 0 && !R.tests[0].has_duration,
		 "no classname: the innermost testsuite's name; no time: none");
	/* an error and a skip in one case (xfail strict): a failure */
	static const char both[] = "<testsuite><testcase name=\"x\"><skipped message=\"s\"/>"
				   "<error message=\"boom\"/></testcase></testsuite>";
	REQUIRE(junit(both, strlen(both), (char[160]){ 0 }, 160) == 0);
	t_report(R.ntests == 1 && !R.tests[0].ok && R.tests[0].directive == DIRECTIVE_NONE &&
		 strcmp(R.tests[0].message, "boom") == 0, "skipped and error in one case: failed");
}

/* ---- JUnit bad inputs ---- */

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
	size_t h = strlen(head), u = strlen(unit), t = strlen(tail);
	char *s = malloc(h + u * times + t + 1), *p;

	REQUIRE(s);
	memcpy(s, head, h);
	p = s + h;
	for (size_t i = 0; i < times; i++, p += u)
		memcpy(p, unit, u);
	memcpy(p, tail, t + 1);
	return s;
}

static void test_junit_bad(void)
{
	static const struct {
		const char *what, *xml, *why_has;
	} bad[] = {
		{ "empty", "", "no element found" },
		{ "not XML", "ok 1 - add\n", "syntax error" },
		{ "another root", "<html><testsuite/></html>", "root element is <html>" },
		{ "testcase at the root", "<testcase name=\"a\"/>", "root element is <testcase>" },
		{ "testcase in testsuites", "<testsuites><testcase name=\"a\"/></testsuites>", "<testcase> inside <testsuites>" },
		{ "testcase in testcase", "<testsuite><testcase name=\"a\"><testcase name=\"b\"/></testcase></testsuite>",
		  "<testcase> inside <testcase>" },
		{ "testsuites inside", "<testsuite><testsuites/></testsuite>", "<testsuites> inside" },
		{ "no name", "<testsuite><testcase classname=\"c\"/></testsuite>", "without a name" },
		{ "empty name", "<testsuite><testcase name=\"\"/></testsuite>", "without a name" },
		{ "unclosed", "<testsuite><testcase name=\"a\">", "no element found" },
		{ "mismatched tag", "<testsuite><testcase name=\"a\"></testsuite>", "mismatched tag" },
		{ "junk after the root", "<testsuite/><testsuite/>", "junk after document element" },
		{ "internal entity (billion laughs)",
		  "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>"
		  "<testsuite><testcase name=\"&lol2;\"/></testsuite>", "document type declaration" },
		{ "external entity", "<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><testsuite>"
				     "<testcase name=\"&x;\"/></testsuite>", "document type declaration" },
		{ "external DTD", "<!DOCTYPE testsuite SYSTEM \"http://example.com/junit.dtd\"><testsuite/>",
		  "document type declaration" },
		{ "undeclared entity", "<testsuite><testcase name=\"&x;\"/></testsuite>", "undefined entity" },
		{ "invalid UTF-8", "<testsuite><testcase name=\"\xc3\x28\"/></testsuite>", "not well-formed" },
		{ "overlong UTF-8", "<testsuite><testcase name=\"\xc0\xaf\"/></testsuite>", "not well-formed" },
		{ "UTF-8 surrogate", "<testsuite><testcase name=\"\xed\xa0\x80\"/></testsuite>", "not well-formed" },
		{ "NUL byte", "<testsuite><testcase name=\"a\0\"/></testsuite>", "not well-formed" },
		{ "unknown encoding", "<?xml version=\"1.0\" encoding=\"x-vouch\"?><testsuite/>", "unknown encoding" },
	};
	char why[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the NUL case's length is its array's, not strlen's */
		size_t n = strcmp(bad[i].what, "NUL byte") == 0 ? 40 : strlen(bad[i].xml);
		int e = junit(bad[i].xml, n, why, sizeof(why));

		if (e != MB_E_MALFORMED || !strstr(why, bad[i].why_has))
			printf("# e=%d why=%s\n", e, why);
		t_report(e == MB_E_MALFORMED && strstr(why, bad[i].why_has), "junit bad: %s: %s", bad[i].what,
			 bad[i].why_has);
	}

	/* nesting: 32 levels parse (suites in suites), 33 do not */
	char *deep_ok = repeat("", "<testsuite>", 31, "<testcase name=\"d\"/>"), *deep_bad;
	char *tmp = repeat(deep_ok, "</testsuite>", 31, "");

	free(deep_ok);
	t_report(junit(tmp, strlen(tmp), why, sizeof(why)) == 0 && R.ntests == 1, "junit: 32 elements deep parse");
	free(tmp);
	deep_bad = repeat("", "<testsuite>", 40000, "");
	t_report(junit(deep_bad, strlen(deep_bad), why, sizeof(why)) == MB_E_MALFORMED &&
		 strstr(why, "nested deeper than 32"), "junit bad: 40000 levels deep: nested deeper than 32");
	free(deep_bad);

	/* a 4 MiB attribute: read, and cut to the field's size */
	char *huge = repeat("<testsuite><testcase classname=\"c\" name=\"", "A", 4u << 20, "\"/></testsuite>");
	t_report(junit(huge, strlen(huge), why, sizeof(why)) == 0 && R.ntests == 1 &&
		 strlen(R.tests[0].name) == sizeof(R.tests[0].name) - 1, "junit: a 4 MiB name is cut to %zu bytes",
		 sizeof(R.tests[0].name) - 1);
	free(huge);
	/* a 4 MiB failure body: the message is cut, the case still fails */
	huge = repeat("<testsuite><testcase name=\"a\"><failure>", "x", 4u << 20, "</failure></testcase></testsuite>");
	t_report(junit(huge, strlen(huge), why, sizeof(why)) == 0 && !R.tests[0].ok &&
		 strlen(R.tests[0].message) == sizeof(R.tests[0].message) - 1, "junit: a 4 MiB failure text is cut");
	free(huge);

	/* truncation at every offset before the root's end tag: refused */
	size_t n = strlen(pytest_xml), end = (size_t)(strrchr(pytest_xml, '>') - pytest_xml) + 1, bad_cut = 0;

	for (size_t k = 0; k < end; k++)
		if (junit(pytest_xml, k, why, sizeof(why)) != MB_E_MALFORMED)
			bad_cut++;
	t_report(bad_cut == 0 && junit(pytest_xml, n - 1, why, sizeof(why)) == 0,
		 "junit bad: truncated at each of %zu offsets: malformed (%zu not)", end, bad_cut);
}

/* ---- TAP files ---- */

static int tap(const char *s, char *why, size_t cap)
{
	reset();
	why[0] = '\0';
	return results_parse_tap(&R, 2, (const uint8_t *)s, strlen(s), why, cap);
}

static void test_tap(void)
{
	char why[160];

	/* bats --formatter tap */
	t_report(tap("1..3\nok 1 adds\nnot ok 2 subtracts\n# (in test file test/calc.bats, line 9)\n"
		     "#   `[ \"$output\" = 1 ]' failed\nok 3 multiplies # skip later\n", why, sizeof(why)) == 0 &&
			 R.ntests == 3 && !find("subtracts")->ok && find("multiplies")->directive == DIRECTIVE_SKIP &&
			 strcmp(find("multiplies")->reason, "later") == 0 && find("adds")->file == 2,
		 "tap: bats output, 3 tests, one failed, one skipped");
	t_report(tap("TAP version 14\r\n1..2\r\nok 1 - a\r\n    ok 1 - sub\r\nok 2 - b\r\n", why, sizeof(why)) == 0 &&
			 R.ntests == 2, "tap: CRLF, subtest lines not counted");
	t_report(tap("1..0 # SKIP no tests here\n", why, sizeof(why)) == 0 && R.ntests == 0, "tap: 1..0 is a plan");

	static const struct { const char *what, *tap; int err; const char *why_has; } bad[] = {
		{ "plan unmet", "1..3\nok 1\nok 2\n", MB_E_TRUNCATED, "plan 1..3, 2 test points" },
		{ "no plan", "ok 1\n", MB_E_TRUNCATED, "no plan" },
		{ "empty", "", MB_E_TRUNCATED, "no plan" },
		{ "bail out", "1..2\nok 1\nBail out! database down\n", MB_E_TRUNCATED, "Bail out!" },
		{ "two plans", "1..1\nok 1\n1..1\n", MB_E_MALFORMED, "a second plan" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = tap(bad[i].tap, why, sizeof(why));

		t_report(e == bad[i].err && strstr(why, bad[i].why_has), "tap bad: %s: %s", bad[i].what, bad[i].why_has);
	}
}

/* ---- putting files together ---- */

static int piece(const char *name, uint64_t off, const char *p, size_t n, bool last)
{
	struct record rec = { .kind = REC_FILE };

	rec.u.file.name = (const uint8_t *)name;
	rec.u.file.name_len = strlen(name);
	rec.u.file.offset = off;
	rec.u.file.p = (const uint8_t *)p;
	rec.u.file.n = n;
	rec.u.file.last = last;
	return results_piece(&R, &rec);
}

/* The file's pieces, split every k bytes, the last one flagged. */
static void ship(const char *name, const char *s, size_t k)
{
	size_t n = strlen(s), off = 0;

	do {
		size_t m = n - off < k ? n - off : k;

		REQUIRE(piece(name, off, s + off, m, off + m == n) == 0);
		off += m;
	} while (off < n);
}

static const char tap_ok[] = "1..1\nok 1 - one\n";

static void gap(void) { (void)piece("g.tap", 0, tap_ok, 10, false); (void)piece("g.tap", 12, tap_ok + 12, 4, true); }
static void overlap(void) { (void)piece("o.tap", 0, tap_ok, 10, false); (void)piece("o.tap", 5, tap_ok + 5, 11, true); }
static void no_last(void) { (void)piece("l.tap", 0, tap_ok, 10, false); }
static void interleaved(void) { (void)piece("a.tap", 0, tap_ok, 10, false); ship("b.tap", tap_ok, 99); }
static void late_start(void) { (void)piece("z.tap", 3, tap_ok, 10, true); }
static void twice(void) { ship("t.tap", tap_ok, 99); ship("t.tap", tap_ok, 99); }
static void dotdot(void) { ship("../x.tap", tap_ok, 99); }
static void absolute(void) { ship("/x.tap", tap_ok, 99); }
static void empty_component(void) { ship("a//x.tap", tap_ok, 99); }
static void over_total(void) { R.total = RESULTS_MAX_BYTES - 5; ship("big.tap", tap_ok, 99); }

static void test_reassembly(void)
{

	/* three files in pieces of 7 bytes: the JUnit read across pieces */
	reset();
	ship("junit/pytest.xml", pytest_xml, 7);
	ship("bats.tap", tap_ok, 7);
	ship("coverage.txt", "not results", 4);
	REQUIRE(results_finish(&R) == 0);
	t_report(R.nfiles == 3 && R.files[0].status == HV_FILE_PARSED && R.files[0].tests == 4 &&
			 R.files[0].failed == 1 && R.files[0].bytes == strlen(pytest_xml) &&
			 R.files[1].status == HV_FILE_PARSED && R.files[1].format == HV_FILE_TAP &&
			 R.files[2].status == HV_FILE_IGNORED && R.ntests == 5 && R.tests[4].file == 2,
		 "three files in 7-byte pieces: junit 4 tests, tap 1, the .txt listed, not read");

	/* a malformed file keeps none of its tests */
	reset();
	REQUIRE(piece("r.xml", 0, pytest_xml, 200, true) == 0);
	t_report(R.nfiles == 1 && R.files[0].status == HV_FILE_MALFORMED && R.ntests == 0 &&
			 strstr(R.files[0].why, "line 1: "),
		 "a truncated file: malformed, none of its tests kept (%s)", R.files[0].why);

	static const struct {
		const char *what, *why_has;
		void (*run)(void);
	} cases[] = {
		{ "a gap between pieces", "a piece at offset 12, expected 10", gap },
		{ "a piece again (overlap)", "a piece at offset 5, expected 10", overlap },
		{ "no last piece before the end", "the records end before its last piece", no_last },
		{ "another file before the last piece", "no last piece before the next file's", interleaved },
		{ "the first piece not at 0", "its first piece is at offset 3", late_start },
		{ "the same name twice", "shipped a second time", twice },
		{ "a name with ..", "not a relative path", dotdot },
		{ "an absolute name, none declared", "an absolute path the run spec does not declare", absolute },
		{ "an empty component", "not a relative path", empty_component },
		{ "past 64 MiB in all", "the result files pass 67108864 bytes", over_total },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hv_result_file *f;
		size_t bad = 0;

		reset();
		cases[i].run();
		REQUIRE(results_finish(&R) == 0);
		for (size_t j = 0; j < R.nfiles; j++)
			if (R.files[j].status == HV_FILE_REFUSED && strstr(R.files[j].why, cases[i].why_has))
				bad++;
		f = R.nfiles ? &R.files[0] : NULL;
		if (bad != 1)
			printf("# %zu files, first %s: %s\n", R.nfiles, f ? results_status_name(f->status) : "-",
			       f ? f->why : "");
		t_report(bad == 1, "refused: %s: %s", cases[i].what, cases[i].why_has);
	}

	/* 257 files: the one past the last is counted, not kept */
	reset();
	for (unsigned i = 0; i <= RESULTS_MAX_FILES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%03u.txt", i);
		ship(name, "x", 1);
	}
	t_report(R.nfiles == RESULTS_MAX_FILES && R.dropped == 1, "file %u: dropped and counted",
		 RESULTS_MAX_FILES + 1);
}

/* Declared result files (--results): shipped under their absolute path
 * and read; refused by guest-init (unsafe, or missing) with the reason
 * named; neither shipped nor refused: missing at the end. Only an exact
 * declared path may be absolute. */
static const struct hv_result_file *file_named(const char *name)
{
	for (size_t i = 0; i < R.nfiles; i++)
		if (strcmp(R.files[i].name, name) == 0)
			return &R.files[i];
	return NULL;
}

static void refused(const char *path, uint32_t why)
{
	struct record rec = { .kind = REC_REFUSED };

	rec.u.refused.path = (const uint8_t *)path;
	rec.u.refused.path_len = strlen(path);
	rec.u.refused.why = why;
	REQUIRE(results_refused(&R, &rec) == 0);
}

static void test_declared(void)
{
	static char *decl[] = { "/home/app/r.xml", "/home/app/t.tap", "/srv/gone.xml", "/srv/bad.xml",
				"/srv/none.tap", NULL };
	const struct hv_result_file *f;

	reset();
	R.declared = decl;
	R.ndeclared = 5;
	ship("/home/app/r.xml", pytest_xml, 100);
	refused("/home/app/t.tap", REFUSED_OWNER);
	refused("/srv/gone.xml", REFUSED_MISSING);
	ship("/srv/bad.xml", "<testsuite><testcase", 7);
	ship("/home/app/r.xml.other.xml", pytest_xml, 1000);
	refused("/undeclared.xml", REFUSED_DIR_MODE);
	REQUIRE(results_finish(&R) == 0);
	f = file_named("/home/app/r.xml");
	t_report(f && f->status == HV_FILE_PARSED && f->format == HV_FILE_JUNIT && f->tests > 0 &&
			 f->tests == R.ntests,
		 "declared: shipped under its absolute path, read as JUnit, its tests counted");
	f = file_named("/home/app/t.tap");
	t_report(f && f->status == HV_FILE_UNSAFE && strstr(f->why, "not owned by the harness's uid") &&
			 strcmp(results_status_name(f->status), "unsafe") == 0,
		 "declared, refused by guest-init (owner): unsafe, the reason named");
	f = file_named("/srv/gone.xml");
	t_report(f && f->status == HV_FILE_MISSING && strstr(f->why, "no such file"),
		 "declared, reported missing by guest-init: missing");
	f = file_named("/srv/bad.xml");
	t_report(f && f->status == HV_FILE_MALFORMED, "declared, malformed: malformed");
	f = file_named("/srv/none.tap");
	t_report(f && f->status == HV_FILE_MISSING && strstr(f->why, "neither shipped nor refused") &&
			 strcmp(results_status_name(f->status), "missing") == 0,
		 "declared, neither shipped nor refused: missing at the end");
	f = file_named("/home/app/r.xml.other.xml");
	t_report(f && f->status == HV_FILE_REFUSED && strstr(f->why, "does not declare"),
		 "an absolute name that is not exactly a declared one: refused");
	f = file_named("/undeclared.xml");
	t_report(f && f->status == HV_FILE_UNSAFE && strstr(f->why, "not a declared file"),
		 "a refused record for an undeclared path: still a failed file, said so");
	t_report(R.nfiles == 7, "one entry each, no more (%zu)", R.nfiles);
	/* refused while a file is open: that file is cut, then the refusal */
	reset();
	R.declared = decl;
	R.ndeclared = 1;
	(void)piece("a.tap", 0, tap_ok, 10, false);
	refused("/home/app/r.xml", REFUSED_SYMLINK);
	REQUIRE(results_finish(&R) == 0);
	t_report(R.nfiles == 2 && R.files[0].status == HV_FILE_REFUSED &&
			 strstr(R.files[0].why, "no last piece") && R.files[1].status == HV_FILE_UNSAFE &&
			 strstr(R.files[1].why, "symlink"),
		 "a refusal cuts the open file before it");
}

static void test_seconds(void)
{
	static const struct { const char *s; bool ok; uint64_t ns; } cases[] = {
		{ "0", true, 0 }, { "0.001", true, 1000000 }, { "1.5", true, 1500000000 }, { ".25", true, 250000000 },
		{ "3.", true, 3000000000 }, { "1,234.5", true, 1234500000000 }, { "0.0000000019", true, 1 },
		{ "9999999999.999999999", true, 9999999999999999999u }, { "", false, 0 }, { ".", false, 0 },
		{ "-1", false, 0 }, { "1e-05", false, 0 }, { "1,", false, 0 }, { ",1", false, 0 },
		{ "1.2.3", false, 0 }, { "1 ", false, 0 }, { "10000000000", false, 0 }, { "NaN", false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 12345;
		bool ok = results_parse_seconds(cases[i].s, &ns);

		t_report(ok == cases[i].ok && ns == (cases[i].ok ? cases[i].ns : 12345),
			 "seconds \"%s\": %s", cases[i].s, cases[i].ok ? "read" : "refused, out-param untouched");
	}
}

int main(void)
{
	test_dialects();
	test_junit_bad();
	test_tap();
	test_reassembly();
	test_declared();
	test_seconds();
	reset();
	return t_done();
}
