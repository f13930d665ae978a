// SPDX-License-Identifier: MIT
#include "results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "cb.h"
#include "tap.h"

const char *results_status_name(uint32_t s)
{
	static const char *const names[] = {
		[HV_FILE_PARSED] = "parsed",       [HV_FILE_IGNORED] = "ignored",
		[HV_FILE_REFUSED] = "refused",     [HV_FILE_MALFORMED] = "malformed",
		[HV_FILE_UNFINISHED] = "unfinished", [HV_FILE_UNSAFE] = "unsafe",
		[HV_FILE_MISSING] = "missing",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *results_format_name(uint32_t f)
{
	return f == HV_FILE_JUNIT ? "junit" : f == HV_FILE_TAP ? "tap" : "other";
}

static void say(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* Copies at most cap - 1 bytes and terminates; s need not be. */
static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Appends to a NUL-terminated string in dst[cap], cutting what is over. */
static void append_str(char *dst, size_t cap, const char *s, size_t n)
{
	size_t have = strnlen(dst, cap);

	if (have + 1 >= cap)
		return;
	if (n > cap - 1 - have)
		n = cap - 1 - have;
	memcpy(dst + have, s, n);
	dst[have + n] = '\0';
}

static struct hv_test *new_test(struct results *r, uint32_t file, int *err)
{
	struct hv_test *t;

	if (r->ntests >= RESULTS_MAX_TESTS) {
		*err = MB_E_LIMIT;
		return NULL;
	}
	if (r->ntests == r->tests_cap) {
		size_t cap = r->tests_cap ? r->tests_cap * 2 : 64;
		struct hv_test *n = realloc(r->tests, cap * sizeof(*n));

		if (!n) {
			*err = MB_E_NOMEM;
			return NULL;
		}
		r->tests = n;
		r->tests_cap = cap;
	}
	t = &r->tests[r->ntests++];
	memset(t, 0, sizeof(*t));
	t->file = file;
	t->num = r->ntests;
	t->ok = true;
	t->directive = DIRECTIVE_NONE;
	return t;
}

/* ---- seconds ---- */

bool results_parse_seconds(const char *s, uint64_t *ret_ns)
{
	uint64_t sec = 0, frac = 0, scale = 100000000u;
	size_t i = 0, whole = 0, part = 0;

	/* whole seconds, with Surefire's thousands separators; at most 10
	 * digits (317 years) so that the nanoseconds cannot overflow */
	for (; (s[i] >= '0' && s[i] <= '9') || (s[i] == ',' && whole > 0); i++) {
		if (s[i] == ',')
			continue;
		if (++whole > 10)
			return false;
		sec = sec * 10 + (uint64_t)(s[i] - '0');
	}
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, part++) {
			frac += (uint64_t)(s[i] - '0') * scale; /* past 9 digits: 0 */
			scale /= 10;
		}
	if (s[i] || whole + part == 0 || s[i - 1] == ',')
		return false;
	*ret_ns = sec * 1000000000u + frac;
	return true;
}

/* ---- JUnit XML ---- */

enum jx_elem { JX_SUITES, JX_SUITE, JX_CASE, JX_FAILURE, JX_SKIPPED, JX_OTHER };

struct jx {
	XML_Parser p;
	struct results *r;
	uint32_t file;
	unsigned depth;
	enum jx_elem stack[JUNIT_MAX_DEPTH + 1];
	char suite[JUNIT_MAX_DEPTH + 1][128]; /* the innermost testsuite's name, by depth */
	struct hv_test *cur;                 /* the open testcase */
	size_t cur_idx;
	bool failed, skipped, body;          /* of the open testcase */
	int err;
	char *why;
	size_t why_cap;
};

static void jx_stop(struct jx *x, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void jx_stop(struct jx *x, int err, const char *fmt, ...)
{
	va_list ap;

	if (x->err)
		return;
	x->err = err;
	if (x->why_cap) {
		va_start(ap, fmt);
		vsnprintf(x->why, x->why_cap, fmt, ap);
		va_end(ap);
	}
	XML_StopParser(x->p, XML_FALSE);
}

static const char *attr(const XML_Char **a, const char *name)
{
	for (size_t i = 0; a[i]; i += 2)
		if (strcmp(a[i], name) == 0)
			return a[i + 1];
	return NULL;
}

static void jx_case_start(struct jx *x, const XML_Char **a)
{
	const char *name = attr(a, "name"), *cls = attr(a, "classname"), *time = attr(a, "time");
	struct hv_test *t;
	int e = 0;

	if (!name || !*name) {
		jx_stop(x, MB_E_MALFORMED, "line %lu: a testcase without a name",
			(unsigned long)XML_GetCurrentLineNumber(x->p));
		return;
	}
	if (!(t = new_test(x->r, x->file, &e))) {
		jx_stop(x, e, "more than %u test cases", RESULTS_MAX_TESTS);
		return;
	}
	copy_str(t->name, sizeof(t->name), name, strlen(name));
	/* go-junit-report, jest-junit and CTest all write classname; a
	 * dialect that does not gets its testsuite's name */
	cls = cls && *cls ? cls : x->suite[x->depth];
	copy_str(t->classname, sizeof(t->classname), cls, strlen(cls));
	t->has_duration = time && results_parse_seconds(time, &t->duration_ns);
	x->cur_idx = x->r->ntests - 1;
	x->cur = t;
	x->failed = x->skipped = false;
}

/* <failure>, <error> (both fail the case) and <skipped> of a testcase.
 * The first failure's message leads; a skipped case that also failed
 * (pytest's xfail strict, Surefire reruns) is a failure. */
static void jx_outcome_start(struct jx *x, enum jx_elem e, const XML_Char **a)
{
	struct hv_test *t = &x->r->tests[x->cur_idx];
	const char *msg = attr(a, "message");

	if (e == JX_SKIPPED) {
		x->skipped = true;
		if (msg && !t->reason[0])
			copy_str(t->reason, sizeof(t->reason), msg, strlen(msg));
		return;
	}
	if (x->failed) {
		x->body = false; /* only the first failure's text */
		return;
	}
	x->failed = true;
	x->body = true;
	t->message[0] = '\0';
	if (msg && *msg) {
		append_str(t->message, sizeof(t->message), msg, strlen(msg));
		append_str(t->message, sizeof(t->message), "\n", 1);
	}
}

static void jx_case_end(struct jx *x)
{
	struct hv_test *t = &x->r->tests[x->cur_idx];
	size_t n = strnlen(t->message, sizeof(t->message));

	while (n && (t->message[n - 1] == '\n' || t->message[n - 1] == ' '))
		t->message[--n] = '\0';
	t->ok = !x->failed;
	t->directive = !x->failed && x->skipped ? DIRECTIVE_SKIP : DIRECTIVE_NONE;
	if (x->failed)
		t->reason[0] = '\0';
	x->cur = NULL;
}

static enum jx_elem classify(const char *name)
{
	if (strcmp(name, "testsuites") == 0)
		return JX_SUITES;
	if (strcmp(name, "testsuite") == 0)
		return JX_SUITE;
	if (strcmp(name, "testcase") == 0)
		return JX_CASE;
	if (strcmp(name, "failure") == 0 || strcmp(name, "error") == 0)
		return JX_FAILURE;
	if (strcmp(name, "skipped") == 0)
		return JX_SKIPPED;
	return JX_OTHER;
}

static void XMLCALL jx_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	struct jx *x = ud;
	enum jx_elem e = classify(name), up = x->depth ? x->stack[x->depth - 1] : JX_OTHER;
	unsigned d = x->depth;

	if (x->err)
		return;
	if (d == JUNIT_MAX_DEPTH) {
		jx_stop(x, MB_E_MALFORMED, "elements nested deeper than %u", JUNIT_MAX_DEPTH);
		return;
	}
	if (d == 0 && e != JX_SUITES && e != JX_SUITE) {
		jx_stop(x, MB_E_MALFORMED, "the root element is <%.40s>, not <testsuites> or <testsuite>", name);
		return;
	}
	/* where each element may be: anything else is some dialect's extra
	 * (properties, system-out, Surefire's rerunFailure) and is skipped */
	if ((e == JX_SUITES && d != 0) || (e == JX_SUITE && d != 0 && up != JX_SUITES && up != JX_SUITE) ||
	    (e == JX_CASE && up != JX_SUITE)) {
		jx_stop(x, MB_E_MALFORMED, "line %lu: <%s> inside <%s>",
			(unsigned long)XML_GetCurrentLineNumber(x->p), name,
			d ? (up == JX_CASE ? "testcase" : up == JX_SUITES ? "testsuites" : up == JX_SUITE ? "testsuite" : "another element") : "");
		return;
	}
	if ((e == JX_FAILURE || e == JX_SKIPPED) && up != JX_CASE)
		e = JX_OTHER;
	x->stack[d] = e;
	x->depth = d + 1;
	if (e == JX_SUITE) {
		const char *sn = attr(a, "name");

		copy_str(x->suite[d + 1], sizeof(x->suite[0]), sn ? sn : "", sn ? strlen(sn) : 0);
	} else {
		memcpy(x->suite[d + 1], x->suite[d], sizeof(x->suite[0]));
	}
	if (e == JX_CASE)
		jx_case_start(x, a);
	else if (e == JX_FAILURE || e == JX_SKIPPED)
		jx_outcome_start(x, e, a);
}

static void XMLCALL jx_end(void *ud, const XML_Char *name)
{
	struct jx *x = ud;

	(void)name;
	if (x->err || x->depth == 0)
		return;
	x->depth--;
	if (x->stack[x->depth] == JX_CASE && x->cur)
		jx_case_end(x);
	else if (x->stack[x->depth] == JX_FAILURE)
		x->body = false;
}

/* The text of the first <failure> or <error>: the traceback. */
static void XMLCALL jx_text(void *ud, const XML_Char *s, int len)
{
	struct jx *x = ud;

	if (x->err || !x->body || len <= 0 || x->depth == 0 || x->stack[x->depth - 1] != JX_FAILURE)
		return;
	append_str(x->r->tests[x->cur_idx].message, sizeof(x->r->tests[0].message), s, (size_t)len);
}

/* Not one DTD: no entity but XML's five and character references, and
 * nothing is ever fetched. */
static void XMLCALL jx_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	jx_stop(ud, MB_E_MALFORMED, "a document type declaration (DTDs are not read)");
}

static void XMLCALL jx_entity_decl(void *ud, const XML_Char *name, int pe, const XML_Char *value, int vlen,
				   const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
				   const XML_Char *notation)
{
	(void)name, (void)pe, (void)value, (void)vlen, (void)base, (void)sysid, (void)pubid, (void)notation;
	jx_stop(ud, MB_E_MALFORMED, "an entity declaration");
}

int results_parse_junit(struct results *r, uint32_t file, const uint8_t *p, size_t n, char *why, size_t why_cap)
{
	struct jx *x = calloc(1, sizeof(*x));
	int err = MB_E_NOMEM;

	if (!x)
		return MB_E_NOMEM;
	if (n > RESULTS_MAX_BYTES || n > (size_t)INT32_MAX) {
		say(why, why_cap, "over %u bytes", RESULTS_MAX_BYTES);
		err = MB_E_MALFORMED;
		goto out;
	}
	/* the encoding the document declares (UTF-8 when it says none);
	 * bytes not valid in it are a parse error */
	if (!(x->p = XML_ParserCreate(NULL)))
		goto out;
	x->r = r;
	x->file = file;
	x->why = why;
	x->why_cap = why_cap;
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, jx_start, jx_end);
	XML_SetCharacterDataHandler(x->p, jx_text);
	XML_SetStartDoctypeDeclHandler(x->p, jx_doctype);
	XML_SetEntityDeclHandler(x->p, jx_entity_decl);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(x->p, (const char *)p, (int)n, XML_TRUE) != XML_STATUS_OK && !x->err)
		jx_stop(x, MB_E_MALFORMED, "line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(x->p),
			XML_ErrorString(XML_GetErrorCode(x->p)));
	err = x->err;
out:
	if (x->p)
		XML_ParserFree(x->p);
	free(x);
	return err;
}

/* ---- TAP ---- */

int results_parse_tap(struct results *r, uint32_t file, const uint8_t *p, size_t n, char *why, size_t why_cap)
{
	const char *s = (const char *)p;
	uint64_t next = 1, points = 0;
	int64_t plan = -1;
	bool bailed = false;
	int err = 0;

	for (size_t off = 0; off < n;) {
		const char *nl = memchr(s + off, '\n', n - off);
		size_t len = nl ? (size_t)(nl - (s + off)) : n - off;
		struct tap_point pt;
		struct hv_test *t;
		uint64_t pl;

		switch (tap_parse_line(s + off, len, &pt, &pl)) {
		case TAP_PLAN:
			if (plan >= 0 || pl > INT64_MAX) {
				say(why, why_cap, "a second plan, 1..%llu", (unsigned long long)pl);
				return MB_E_MALFORMED;
			}
			plan = (int64_t)pl;
			break;
		case TAP_BAILOUT:
			bailed = true;
			break;
		case TAP_POINT:
			if (!(t = new_test(r, file, &err))) {
				say(why, why_cap, "more than %u test cases", RESULTS_MAX_TESTS);
				return err;
			}
			t->num = pt.has_num ? pt.num : next;
			next = t->num + 1;
			t->ok = pt.ok;
			t->directive = pt.directive;
			copy_str(t->name, sizeof(t->name), pt.desc, pt.desc_len);
			copy_str(t->reason, sizeof(t->reason), pt.reason, pt.reason_len);
			points++;
			break;
		default:
			break;
		}
		off += len + (nl != NULL);
	}
	if (bailed)
		say(why, why_cap, "Bail out! after %llu test points", (unsigned long long)points);
	else if (plan < 0)
		say(why, why_cap, "no plan: %llu test points, and no way to know they are all", (unsigned long long)points);
	else if ((uint64_t)plan != points)
		say(why, why_cap, "plan 1..%lld, %llu test points", (long long)plan, (unsigned long long)points);
	else
		return 0;
	return MB_E_TRUNCATED;
}

/* ---- putting files together ---- */

static enum hv_file_format format_of(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && strcmp(name + n - 4, ".xml") == 0)
		return HV_FILE_JUNIT;
	if (n > 4 && strcmp(name + n - 4, ".tap") == 0)
		return HV_FILE_TAP;
	return HV_FILE_OTHER;
}

/* A relative path as guest-init names them: no empty, "." or ".."
 * component, no control character, valid UTF-8 (the record's tstr). */
static bool name_ok(const uint8_t *p, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > RESULTS_MAX_NAME_BYTES)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] < 0x20)
			return false;
		if (i < n && p[i] != '/')
			continue;
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

static void refuse(struct results *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct results *r, const char *fmt, ...)
{
	struct hv_result_file *f = &r->files[r->nfiles - 1];
	va_list ap;

	if (r->refused)
		return;
	r->refused = true;
	f->status = HV_FILE_REFUSED;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

/* The file is whole: read it. Its tests are kept only if all of it reads. */
static int close_file(struct results *r)
{
	struct hv_result_file *f = &r->files[r->nfiles - 1];
	size_t first = r->ntests;
	int e = 0;

	r->open = false;
	if (r->refused || f->format == HV_FILE_OTHER) {
		r->len = 0;
		return 0;
	}
	e = f->format == HV_FILE_JUNIT
		    ? results_parse_junit(r, (uint32_t)r->nfiles, r->buf, r->len, f->why, sizeof(f->why))
		    : results_parse_tap(r, (uint32_t)r->nfiles, r->buf, r->len, f->why, sizeof(f->why));
	r->len = 0;
	if (e == MB_E_NOMEM)
		return e;
	if (e < 0) {
		r->ntests = first;
		f->status = e == MB_E_TRUNCATED ? HV_FILE_UNFINISHED : HV_FILE_MALFORMED;
		return 0;
	}
	f->status = HV_FILE_PARSED;
	f->tests = r->ntests - first;
	for (size_t i = first; i < r->ntests; i++)
		f->failed += !r->tests[i].ok && r->tests[i].directive == DIRECTIVE_NONE;
	return 0;
}

static bool declared(const struct results *r, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < r->ndeclared; i++)
		if (strlen(r->declared[i]) == n && memcmp(r->declared[i], p, n) == 0)
			return true;
	return false;
}

/* A new entry in r->files named name; NULL past RESULTS_MAX_FILES (counted
 * as dropped) or with *err set to MB_E_NOMEM. */
static struct hv_result_file *new_file(struct results *r, const uint8_t *name, size_t n, int *err)
{
	struct hv_result_file *f;

	*err = 0;
	if (r->nfiles == RESULTS_MAX_FILES) {
		r->dropped++;
		return NULL;
	}
	if (!r->files && !(r->files = calloc(RESULTS_MAX_FILES, sizeof(*r->files)))) {
		*err = MB_E_NOMEM;
		return NULL;
	}
	f = &r->files[r->nfiles++];
	memset(f, 0, sizeof(*f));
	copy_str(f->name, sizeof(f->name), (const char *)name, n);
	f->format = format_of(f->name);
	return f;
}

static int open_file(struct results *r, const struct record *rec)
{
	const uint8_t *name = rec->u.file.name;
	size_t n = rec->u.file.name_len;
	struct hv_result_file *f;
	int e;

	if (!(f = new_file(r, name, n, &e)))
		return e;
	r->open = true;
	r->refused = false;
	r->len = 0;
	/* an absolute name is a declared file's, and only that */
	if (n > 0 && name[0] == '/' && !declared(r, name, n)) {
		f->format = HV_FILE_OTHER;
		refuse(r, "an absolute path the run spec does not declare");
		return 0;
	}
	if ((n == 0 || name[0] != '/') && (!name_ok(name, n) || !cb_utf8_valid(name, n))) {
		f->format = HV_FILE_OTHER;
		refuse(r, "not a relative path of at most %u bytes", RESULTS_MAX_NAME_BYTES);
		return 0;
	}
	f->status = f->format == HV_FILE_OTHER ? HV_FILE_IGNORED : HV_FILE_PARSED;
	for (size_t i = 0; i + 1 < r->nfiles; i++)
		if (strcmp(r->files[i].name, f->name) == 0) {
			refuse(r, "shipped a second time");
			break;
		}
	if (rec->u.file.offset != 0)
		refuse(r, "its first piece is at offset %llu", (unsigned long long)rec->u.file.offset);
	return 0;
}

static bool same_name(const struct results *r, const struct record *rec)
{
	const char *cur = r->files[r->nfiles - 1].name;

	return strlen(cur) == rec->u.file.name_len && memcmp(cur, rec->u.file.name, rec->u.file.name_len) == 0;
}

int results_piece(struct results *r, const struct record *rec)
{
	struct hv_result_file *f;
	size_t n = rec->u.file.n;
	int e;

	if (rec->kind != REC_FILE)
		return 0;
	if (r->open && !same_name(r, rec)) {
		refuse(r, "no last piece before the next file's");
		if ((e = close_file(r)) < 0)
			return e;
	}
	if (!r->open) {
		if ((e = open_file(r, rec)) < 0 || !r->open)
			return e;
	}
	f = &r->files[r->nfiles - 1];
	if (!r->refused && rec->u.file.offset != f->bytes)
		refuse(r, "a piece at offset %llu, expected %llu", (unsigned long long)rec->u.file.offset,
		       (unsigned long long)f->bytes);
	if (!r->refused && n > RESULTS_MAX_BYTES - r->total)
		refuse(r, "the result files pass %u bytes", RESULTS_MAX_BYTES);
	if (!r->refused) {
		f->bytes += n;
		r->total += n;
		/* unread files are counted, not kept */
		if (f->format != HV_FILE_OTHER && n) {
			if (n > r->buf_cap - r->len) {
				size_t cap = r->buf_cap ? r->buf_cap : 65536;
				uint8_t *b;

				while (cap - r->len < n)
					cap *= 2;
				if (!(b = realloc(r->buf, cap)))
					return MB_E_NOMEM;
				r->buf = b;
				r->buf_cap = cap;
			}
			memcpy(r->buf + r->len, rec->u.file.p, n);
			r->len += n;
		}
	}
	return rec->u.file.last ? close_file(r) : 0;
}

int results_refused(struct results *r, const struct record *rec)
{
	static const char *const why[] = {
		[REFUSED_MISSING] = "no such file",
		[REFUSED_SYMLINK] = "a symlink (the file or a directory on its path)",
		[REFUSED_NOT_REGULAR] = "not a regular file, or a path component not a directory",
		[REFUSED_OWNER] = "not owned by the harness's uid",
		[REFUSED_FILE_MODE] = "writable by its group or by others",
		[REFUSED_DIR_OWNER] = "a directory on its path is neither root's nor the harness uid's",
		[REFUSED_DIR_MODE] = "a directory on its path is writable by its group or by others",
		[REFUSED_UNREADABLE] = "could not be opened or read",
	};
	const uint8_t *p = rec->u.refused.path;
	size_t n = rec->u.refused.path_len;
	struct hv_result_file *f;
	int e;

	if (rec->kind != REC_REFUSED)
		return 0;
	if (r->open) {
		refuse(r, "no last piece before the next file's");
		if ((e = close_file(r)) < 0)
			return e;
	}
	if (!(f = new_file(r, p, n, &e)))
		return e;
	f->status = rec->u.refused.why == REFUSED_MISSING ? HV_FILE_MISSING : HV_FILE_UNSAFE;
	/* record_decode took only a why in 1..REFUSED_MAX_ */
	snprintf(f->why, sizeof(f->why), "refused by guest-init: %s%s", why[rec->u.refused.why],
		 declared(r, p, n) ? "" : " (and not a declared file)");
	return 0;
}

/* A declared file with no entry: neither shipped nor refused. */
static int declared_missing(struct results *r)
{
	for (size_t i = 0; i < r->ndeclared; i++) {
		const char *d = r->declared[i];
		struct hv_result_file *f;
		bool seen = false;
		int e;

		for (size_t j = 0; j < r->nfiles && !seen; j++)
			seen = strcmp(r->files[j].name, d) == 0;
		if (seen)
			continue;
		if (!(f = new_file(r, (const uint8_t *)d, strlen(d), &e))) {
			if (e < 0)
				return e;
			continue;
		}
		f->status = HV_FILE_MISSING;
		snprintf(f->why, sizeof(f->why), "declared (--results), neither shipped nor refused");
	}
	return 0;
}

int results_finish(struct results *r)
{
	int e;

	if (r->open) {
		refuse(r, "the records end before its last piece");
		if ((e = close_file(r)) < 0)
			return e;
	}
	return declared_missing(r);
}

void results_free(struct results *r)
{
	free(r->files);
	free(r->tests);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
