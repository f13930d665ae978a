// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the JUnit reader (expat, no DTD) and the TAP file reader on
 * arbitrary bytes, then the same bytes shipped as a result file in
 * pieces. Invariants: an accepted file's cases have names and end in a
 * NUL within their fields; a refused one says why.
 */
#include <stdint.h>
#include <string.h>

#include "results.h"

static void check(const struct results *r, int e, const char *why)
{
	if (e < 0 && e != MB_E_LIMIT && e != MB_E_NOMEM && !why[0])
		__builtin_trap(); /* every refusal names its reason */
	for (size_t i = 0; i < r->ntests; i++) {
		const struct hv_test *t = &r->tests[i];

		if (strnlen(t->name, sizeof(t->name)) == sizeof(t->name) ||
		    strnlen(t->classname, sizeof(t->classname)) == sizeof(t->classname) ||
		    strnlen(t->message, sizeof(t->message)) == sizeof(t->message) ||
		    strnlen(t->reason, sizeof(t->reason)) == sizeof(t->reason))
			__builtin_trap();
		if (e == 0 && !t->name[0] && t->file == 1)
			__builtin_trap(); /* JUnit cases always have a name */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	struct results r = { 0 };
	struct record rec = { .kind = REC_FILE };
	char why[160] = "";
	int e;

	e = results_parse_junit(&r, 1, p, n, why, sizeof(why));
	check(&r, e, why);
	results_free(&r);
	why[0] = '\0';
	e = results_parse_tap(&r, 2, p, n, why, sizeof(why));
	check(&r, e, why);
	results_free(&r);

	/* as a result file, in pieces of up to 97 bytes */
	for (size_t off = 0; off <= n; off += 97) {
		size_t k = n - off < 97 ? n - off : 97;

		rec.u.file.name = (const uint8_t *)"r.xml";
		rec.u.file.name_len = 5;
		rec.u.file.offset = off;
		rec.u.file.p = p + off;
		rec.u.file.n = k;
		rec.u.file.last = off + k == n;
		if (results_piece(&r, &rec) < 0 || rec.u.file.last)
			break;
	}
	if (results_finish(&r) < 0 || r.nfiles != 1 || r.files[0].status == HV_FILE_REFUSED)
		__builtin_trap(); /* whole and in order: never refused */
	results_free(&r);
	return 0;
}
