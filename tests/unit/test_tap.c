// SPDX-License-Identifier: MIT
/* TAP 14 line parsing. */
#include "t.h"

#include "record.h"
#include "tap.h"

static void row(const char *line, enum tap_line want, int ok, long long num,
		const char *desc, uint32_t dir, const char *reason)
{
	struct tap_point p = { 0 };
	uint64_t plan = 0;
	enum tap_line got = tap_parse_line(line, strlen(line), &p, &plan);
	int good = got == want;

	if (good && want == TAP_POINT) {
		good = p.ok == ok && (num < 0 ? !p.has_num : (p.has_num && p.num == (uint64_t)num)) &&
		       p.desc_len == strlen(desc) && memcmp(p.desc, desc, p.desc_len) == 0 &&
		       p.directive == dir &&
		       (!reason || (p.reason_len == strlen(reason) && memcmp(p.reason, reason, p.reason_len) == 0));
	}
	if (good && want == TAP_PLAN)
		good = plan == (uint64_t)num;
	char shown[128];

	/* a '#' in a TAP test name would read as a directive: show it as '%' */
	snprintf(shown, sizeof(shown), "%s", line);
	for (char *c = shown; *c; c++)
		if (*c == '#')
			*c = '%';
	t_report(good, "tap: \"%s\"", shown);
}

/* Feeds s to l byte by byte: how many lines ended, the last one's kind
 * and test point. */
static int feed(struct tap_lines *l, const char *s, size_t n, enum tap_line *kind,
		struct tap_point *pt)
{
	uint64_t plan;
	int lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += tap_lines_put(l, (uint8_t)s[i], kind, pt, &plan);
	return lines;
}

/* The line assembler both sides cut stdout with. */
static void lines(void)
{
	static char big[MAX_TEXT_BYTES + 16];
	struct tap_lines l = { 0 };
	struct tap_point pt;
	enum tap_line kind = TAP_VERSION;

	t_report(feed(&l, "ok 1 - a", 8, &kind, &pt) == 0 && kind == TAP_VERSION,
		 "lines: no line before its newline");
	t_report(feed(&l, "\nnot ok 2 - b\n", 14, &kind, &pt) == 2 && kind == TAP_POINT && !pt.ok &&
			 pt.num == 2 && pt.desc_len == 1 && pt.desc[0] == 'b',
		 "lines: a line split over two chunks, then a whole one");
	/* a test point of exactly MAX_TEXT_BYTES is a line; one byte more is not */
	memset(big, 'x', sizeof(big));
	memcpy(big, "ok 3 - ", 7);
	big[MAX_TEXT_BYTES] = '\n';
	t_report(feed(&l, big, MAX_TEXT_BYTES + 1, &kind, &pt) == 1 && kind == TAP_POINT &&
			 pt.num == 3 && pt.desc_len == MAX_TEXT_BYTES - 7,
		 "lines: a line of MAX_TEXT_BYTES is read");
	big[MAX_TEXT_BYTES] = 'x';
	big[MAX_TEXT_BYTES + 1] = '\n';
	t_report(feed(&l, big, MAX_TEXT_BYTES + 2, &kind, &pt) == 1 && kind == TAP_OTHER,
		 "lines: a line one byte longer is no test point");
	t_report(feed(&l, "ok 4\n", 5, &kind, &pt) == 1 && kind == TAP_POINT && pt.num == 4,
		 "lines: the line after an overlong one is read again");
}

int main(void)
{
	lines();
	row("ok 1 - adds", TAP_POINT, 1, 1, "adds", DIRECTIVE_NONE, NULL);
	row("not ok 2 - divides", TAP_POINT, 0, 2, "divides", DIRECTIVE_NONE, NULL);
	row("ok", TAP_POINT, 1, -1, "", DIRECTIVE_NONE, NULL);
	row("not ok", TAP_POINT, 0, -1, "", DIRECTIVE_NONE, NULL);
	row("ok 3", TAP_POINT, 1, 3, "", DIRECTIVE_NONE, NULL);
	row("ok adds without number", TAP_POINT, 1, -1, "adds without number", DIRECTIVE_NONE, NULL);
	row("ok 4 # SKIP no network", TAP_POINT, 1, 4, "", DIRECTIVE_SKIP, "no network");
	row("ok 5 - thing # skip", TAP_POINT, 1, 5, "thing", DIRECTIVE_SKIP, "");
	row("ok 5 - thing # Skipped: slow", TAP_POINT, 1, 5, "thing", DIRECTIVE_SKIP, "slow");
	row("not ok 6 - later # TODO not written", TAP_POINT, 0, 6, "later", DIRECTIVE_TODO, "not written");
	row("not ok 7 - a # todoist", TAP_POINT, 0, 7, "a", DIRECTIVE_NONE, NULL);
	row("ok 8 - has \\# hash", TAP_POINT, 1, 8, "has \\# hash", DIRECTIVE_NONE, NULL);
	row("ok 9 - crlf\r", TAP_POINT, 1, 9, "crlf", DIRECTIVE_NONE, NULL);
	row("ok 10 - comment # just a comment", TAP_POINT, 1, 10, "comment", DIRECTIVE_NONE, NULL);
	row("ok 99999999999999999999 - too long a number", TAP_POINT, 1, -1,
	    "99999999999999999999 - too long a number", DIRECTIVE_NONE, NULL);
	row("okay 1", TAP_OTHER, 0, 0, "", 0, NULL);
	row("ok1", TAP_OTHER, 0, 0, "", 0, NULL);
	row("ok 1x", TAP_OTHER, 0, 0, "", 0, NULL);
	row("    ok 1 - subtest", TAP_OTHER, 0, 0, "", 0, NULL);
	row("# comment", TAP_OTHER, 0, 0, "", 0, NULL);
	row("", TAP_OTHER, 0, 0, "", 0, NULL);
	row("1..5", TAP_PLAN, 0, 5, "", 0, NULL);
	row("1..0 # SKIP nothing", TAP_PLAN, 0, 0, "", 0, NULL);
	row("1..x", TAP_OTHER, 0, 0, "", 0, NULL);
	row("TAP version 14", TAP_VERSION, 0, 0, "", 0, NULL);
	row("Bail out! no disk", TAP_BAILOUT, 0, 0, "", 0, NULL);
	return t_done();
}
