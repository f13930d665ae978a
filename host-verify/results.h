/* SPDX-License-Identifier: MIT */
/*
 * Result files: what the harness left in $VOUCH_RESULTS_DIR, shipped by
 * guest-init after the harness ended as chained file records (kind 8:
 * name, offset, bytes, last). Each file is put back together from its
 * pieces (from offset 0, contiguous, one last piece, within the limits
 * below) and read by its name: *.xml as JUnit XML in the dialects pytest,
 * go-junit-report/gotestsum, jest-junit, cargo-nextest, Maven Surefire
 * and CTest write; *.tap as TAP (version 13 or 14, top-level lines).
 * Other files are listed, not read.
 *
 * The files are the harness's word (the trusted party's), but their bytes
 * are parsed as hostile: expat with no DTD, no entity but XML's own, the
 * nesting depth bounded. A file that cannot be put together or read is
 * never skipped: it becomes a failed test case of its own (classname
 * "vouch.results", named after the file), so the run fails.
 */
#ifndef HV_RESULTS_H
#define HV_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "record.h"
#include "verify.h"

#define RESULTS_MAX_FILES HV_MAX_RESULT_FILES /* as guest-init ships at most */
#define RESULTS_MAX_BYTES (64u << 20)     /* all files together */
#define RESULTS_MAX_TESTS HV_MAX_FILE_TESTS /* test cases from all files */
#define RESULTS_MAX_NAME_BYTES 255u       /* a file's name, as shipped */
#define JUNIT_MAX_DEPTH 32u               /* element nesting */

#define RESULTS_CLASSNAME "vouch.results" /* the case a bad file becomes */

struct results {
	struct hv_result_file *files;
	size_t nfiles;
	struct hv_test *tests;    /* of every file, in file order */
	size_t ntests, tests_cap;
	/* the file being put together */
	bool open, refused;
	uint8_t *buf;
	size_t len, buf_cap;
	uint64_t total;           /* bytes of all files so far */
	uint64_t dropped;         /* pieces past RESULTS_MAX_FILES files */
	/* the run spec's declared result files (--results): shipped under
	 * their absolute paths, refused, or missing; set before the first
	 * record */
	char *const *declared;
	size_t ndeclared;
};

/* One authenticated file record, in chain order. 0, or MB_E_NOMEM; what
 * is wrong with a file is its status, never an error. */
int results_piece(struct results *r, const struct record *rec) MB_WARN_UNUSED;
/* An authenticated refused record (kind 11): the declared file guest-init
 * would not ship, as a file of status unsafe or missing. 0 or
 * MB_E_NOMEM. */
int results_refused(struct results *r, const struct record *rec) MB_WARN_UNUSED;
/* After the last record: a file still open never got its last piece; a
 * declared file neither shipped nor refused is missing. */
int results_finish(struct results *r) MB_WARN_UNUSED;
void results_free(struct results *r);

/* The parsers, appending to r->tests with file index `file` (1-based).
 * 0; MB_E_MALFORMED with why filled in (the tests appended so far stay:
 * the caller drops them); MB_E_LIMIT past RESULTS_MAX_TESTS; MB_E_NOMEM.
 * For TAP, MB_E_TRUNCATED: well-formed, but the plan is unmet, absent,
 * or the stream bailed out. */
int results_parse_junit(struct results *r, uint32_t file, const uint8_t *p, size_t n, char *why,
			size_t why_cap) MB_WARN_UNUSED;
int results_parse_tap(struct results *r, uint32_t file, const uint8_t *p, size_t n, char *why,
		      size_t why_cap) MB_WARN_UNUSED;

/* Seconds as JUnit writes them ("1.25", "0.001", Surefire's "1,234.5")
 * to nanoseconds; false for anything else. */
bool results_parse_seconds(const char *s, uint64_t *ret_ns);

const char *results_status_name(uint32_t status);  /* "parsed", "refused", ... */
const char *results_format_name(uint32_t format);  /* "junit", "tap", "other" */

#endif
