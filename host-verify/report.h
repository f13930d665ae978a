/* SPDX-License-Identifier: MIT */
/*
 * The verdict as a release pipeline reads it: JUnit XML for the test
 * reporters of GitLab and GitHub, and a JSON report with everything the
 * verdict holds (docs/host-verify-outputs.md). Test names and reasons
 * come from the harness's TAP output and are untrusted: every string is
 * escaped, stripped of control characters, cut at REPORT_MAX_STRING_BYTES
 * and has invalid UTF-8 replaced by U+FFFD.
 *
 * The writers return 0, MB_E_INVAL for a verdict that breaks its own
 * bounds, or MB_E_IO when out reports an error. On error part of the
 * report may have been written: write to a temporary file and rename.
 */
#ifndef HV_REPORT_H
#define HV_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "verify.h"

#define REPORT_MAX_STRING_BYTES 4096u
#define REPORT_JSON_VERSION 1u

#define REPORT_MAX_OUTPUT_BYTES (64u << 10) /* of stdout and of stderr, in JUnit */

struct bundle;

enum report_stream { REPORT_STDOUT = 0, REPORT_STDERR = 1 };

/* The first REPORT_MAX_OUTPUT_BYTES of the harness's stdout and stderr
 * (cut at a whole UTF-8 sequence), and how many bytes each had. */
struct report_capture {
	size_t n[2];
	uint64_t total[2];
	char buf[2][REPORT_MAX_OUTPUT_BYTES];
};

/* What a JUnit report says besides the verdict: the suite's name (NULL or
 * "": "vouch"), the judging host's name (or NULL), when it was judged
 * (seconds since the epoch, UTC; negative: not said) and the harness's
 * output (NULL: not shown). */
struct report_junit_info {
	const char *suite;
	const char *hostname;
	int64_t timestamp;
	const struct report_capture *capture;
};

int report_junit(const struct hv_verdict *v, const char *suite_name, FILE *out) MB_WARN_UNUSED;
int report_junit_info(const struct hv_verdict *v, const struct report_junit_info *info,
		      FILE *out) MB_WARN_UNUSED;
/* Reads the harness's output from b's authenticated records, those v
 * judged covered by a checkpoint or the quote. MB_E_INVAL for rejected
 * evidence (its records are no one's word) or a v that is not b's;
 * *ret is untouched on error. */
int report_capture_output(const struct bundle *b, const struct hv_verdict *v,
			  struct report_capture *ret) MB_WARN_UNUSED;
int report_json(const struct hv_verdict *v, const char *bundle_path, FILE *out) MB_WARN_UNUSED;

/* "passed", "tests-failed", "rejected", "incomplete"; NULL for any other. */
const char *report_verdict_name(enum exit_code e);

/* A test's name for people: its TAP description, or "test N" when empty.
 * Writes at most cap bytes including the NUL (unescaped, still untrusted). */
void report_test_label(const struct hv_test *t, char *out, size_t cap);

/* The first n bytes of s (at most REPORT_MAX_STRING_BYTES) as a quoted
 * JSON string, and as XML character data safe in text and attributes. */
void report_put_json_string(FILE *out, const char *s, size_t n);
void report_put_xml_text(FILE *out, const char *s, size_t n);

#endif
