// SPDX-License-Identifier: MIT
#include "runspec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
	RS_VERSION = 0, RS_ARGV, RS_ENV, RS_CWD, RS_UID, RS_GID, RS_TIMEOUT,
	RS_AGENT, RS_HARNESS, RS_MAX_OUTPUT, RS_MAX_PROCS, RS_AGENT_USER, RS_RESULTS, RS_GROUPS, RS_KEYS_
};
#define RS_BIT(k) (UINT64_C(1) << (k))
#define RS_TREES (RS_BIT(RS_AGENT) | RS_BIT(RS_HARNESS))
/* every key but agent_user, whose presence turns the agent boundary on,
 * and the two trees, which are present together or not at all (a plain
 * run: the root image runs its command, no tree measured) */
#define RS_REQUIRED ((RS_BIT(RS_AGENT_USER) - 1) & ~RS_TREES)

bool runspec_has_trees(const struct runspec *rs)
{
	return rs->agent_path != NULL;
}

void runspec_encode(const struct runspec *rs, struct cb_wr *w)
{
	/* the optional keys are written only when set: a run spec without
	 * them encodes to the bytes it always did */
	cb_put_map(w, RS_KEYS_ - 5 + 2 * runspec_has_trees(rs) + rs->has_agent_user + (rs->nresults > 0) +
			  (rs->ngroups > 0));
	cb_put_uint(w, RS_VERSION);
	cb_put_uint(w, RUNSPEC_VERSION);
	cb_put_uint(w, RS_ARGV);
	cb_put_cstr_array(w, rs->argv, rs->argc);
	cb_put_uint(w, RS_ENV);
	cb_put_cstr_array(w, rs->envp, rs->envc);
	cb_put_uint(w, RS_CWD);
	cb_put_cstr(w, rs->cwd);
	cb_put_uint(w, RS_UID);
	cb_put_uint(w, rs->uid);
	cb_put_uint(w, RS_GID);
	cb_put_uint(w, rs->gid);
	cb_put_uint(w, RS_TIMEOUT);
	cb_put_uint(w, rs->timeout_s);
	if (runspec_has_trees(rs)) {
		cb_put_uint(w, RS_AGENT);
		cb_put_cstr(w, rs->agent_path);
		cb_put_uint(w, RS_HARNESS);
		cb_put_cstr(w, rs->harness_path);
	}
	cb_put_uint(w, RS_MAX_OUTPUT);
	cb_put_uint(w, rs->max_output_bytes);
	cb_put_uint(w, RS_MAX_PROCS);
	cb_put_uint(w, rs->max_procs);
	if (rs->has_agent_user) {
		cb_put_uint(w, RS_AGENT_USER);
		cb_put_array(w, 2);
		cb_put_uint(w, rs->agent_uid);
		cb_put_uint(w, rs->agent_gid);
	}
	if (rs->nresults > 0) {
		cb_put_uint(w, RS_RESULTS);
		cb_put_cstr_array(w, rs->results, rs->nresults);
	}
	if (rs->ngroups > 0) {
		cb_put_uint(w, RS_GROUPS);
		cb_put_array(w, rs->ngroups);
		for (size_t i = 0; i < rs->ngroups; i++)
			cb_put_uint(w, rs->groups[i]);
	}
}

static int get_strings(struct cb_rd *r, struct cb_arena *a, size_t max, size_t min,
		       char **v, size_t *ret_n)
{
	size_t n = 0;
	int e = cb_get_cstr_array(r, a, max, MAX_ARG_BYTES, v, &n);

	if (e < 0)
		return e;
	if (n < min)
		return MB_E_RANGE;
	*ret_n = n;
	return 0;
}

/* Absolute, no "..", no empty or "." components beyond the root itself. */
static int check_abs_path(const char *p)
{
	const char *c = p;

	if (p[0] != '/')
		return MB_E_PATH;
	while (*c) {
		const char *s = ++c;

		while (*c && *c != '/')
			c++;
		if ((c - s == 2 && s[0] == '.' && s[1] == '.') ||
		    (c - s == 1 && s[0] == '.') || (c == s && *c == '/'))
			return MB_E_PATH;
	}
	return 0;
}

int runspec_check_tree_path(const char *p)
{
	size_t n = strlen(p);

	/* a tree is a named thing under /: not / itself, no trailing slash */
	if (n < 2 || p[n - 1] == '/')
		return MB_E_PATH;
	return check_abs_path(p);
}

int runspec_check_result_path(const char *p)
{
	size_t n = strlen(p);

	if (n < 5 || n > MAX_RESULT_PATH_BYTES ||
	    (strcmp(p + n - 4, ".xml") != 0 && strcmp(p + n - 4, ".tap") != 0))
		return MB_E_PATH;
	return runspec_check_tree_path(p);
}

/* At least one (the default, none, is never encoded), each a result
 * path, no two alike. */
static int get_results(struct cb_rd *r, struct cb_arena *a, struct runspec *rs)
{
	int e = get_strings(r, a, MAX_RESULT_PATHS, 1, rs->results, &rs->nresults);

	if (e < 0)
		return e;
	for (size_t i = 0; i < rs->nresults; i++) {
		if ((e = runspec_check_result_path(rs->results[i])) < 0)
			return e;
		for (size_t j = 0; j < i; j++)
			if (strcmp(rs->results[i], rs->results[j]) == 0)
				return MB_E_RANGE; /* the same file twice */
	}
	return 0;
}

/* 1..MAX_RUN_GROUPS gids, strictly ascending: one encoding per set */
static int get_groups(struct cb_rd *r, struct runspec *rs)
{
	size_t n = 0;
	uint64_t v;
	int e;

	if ((e = cb_get_array(r, MAX_RUN_GROUPS, &n)) < 0)
		return e;
	if (n == 0)
		return MB_E_RANGE;
	for (size_t i = 0; i < n; i++) {
		if ((e = cb_get_uint(r, UINT32_MAX - 1, &v)) < 0)
			return e;
		if (i > 0 && v <= rs->groups[i - 1])
			return MB_E_RANGE;
		rs->groups[i] = (uint32_t)v;
	}
	rs->ngroups = n;
	return 0;
}

static int decode_key(struct cb_rd *r, struct cb_arena *a, uint64_t key, struct runspec *rs)
{
	uint64_t v = 0;
	int e;

	switch (key) {
	case RS_VERSION:
		if ((e = cb_get_uint(r, UINT32_MAX, &v)) < 0)
			return e;
		return v == RUNSPEC_VERSION ? 0 : MB_E_VERSION;
	case RS_ARGV:
		return get_strings(r, a, MAX_ARGS, 1, rs->argv, &rs->argc);
	case RS_ENV:
		return get_strings(r, a, MAX_ENV, 0, rs->envp, &rs->envc);
	case RS_CWD:
		if ((e = cb_get_cstr_arena(r, a, MAX_PATH_BYTES, &rs->cwd)) < 0)
			return e;
		return check_abs_path(rs->cwd);
	case RS_UID:
	case RS_GID:
	case RS_TIMEOUT:
	case RS_MAX_PROCS:
		if ((e = cb_get_uint(r, UINT32_MAX - 1, &v)) < 0)
			return e;
		if (key == RS_UID)
			rs->uid = (uint32_t)v;
		else if (key == RS_GID)
			rs->gid = (uint32_t)v;
		else if (key == RS_TIMEOUT)
			rs->timeout_s = (uint32_t)v;
		else
			rs->max_procs = (uint32_t)v;
		return 0;
	case RS_AGENT:
	case RS_HARNESS:
		e = cb_get_cstr_arena(r, a, MAX_PATH_BYTES,
				      key == RS_AGENT ? &rs->agent_path : &rs->harness_path);
		if (e < 0)
			return e;
		return runspec_check_tree_path(key == RS_AGENT ? rs->agent_path : rs->harness_path);
	case RS_MAX_OUTPUT:
		return cb_get_uint(r, UINT64_MAX, &rs->max_output_bytes);
	case RS_AGENT_USER: {
		uint64_t u = 0, g = 0;
		size_t n = 0;

		if ((e = cb_get_array(r, 2, &n)) < 0)
			return e;
		if (n != 2)
			return MB_E_RANGE;
		if ((e = cb_get_uint(r, UINT32_MAX - 1, &u)) < 0 || (e = cb_get_uint(r, UINT32_MAX - 1, &g)) < 0)
			return e;
		rs->has_agent_user = true;
		rs->agent_uid = (uint32_t)u;
		rs->agent_gid = (uint32_t)g;
		return 0;
	}
	case RS_RESULTS:
		return get_results(r, a, rs);
	case RS_GROUPS:
		return get_groups(r, rs);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static char *rebase(struct runspec *to, const struct runspec *from, const char *s)
{
	if (!s)
		return NULL;
	return to->strings + (s - from->strings);
}

int runspec_decode(const uint8_t *p, size_t len, struct runspec *ret)
{
	struct runspec *rs;
	struct cb_arena a;
	struct cb_rd r;
	struct cb_map m;
	uint64_t key;
	int e;

	if (len > MAX_RUNSPEC_BYTES)
		return MB_E_TOO_LARGE;
	if ((e = cb_validate(p, len, 2)) < 0)
		return e;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return MB_E_NOMEM;
	a = (struct cb_arena){ .p = rs->strings, .cap = sizeof(rs->strings) };
	cb_rd_init(&r, p, len);
	if ((e = cb_map_begin(&r, &m, RS_KEYS_)) < 0)
		goto out;
	while ((e = cb_map_next(&r, &m, &key)) > 0)
		if ((e = decode_key(&r, &a, key, rs)) < 0)
			goto out;
	if (e < 0 || (e = cb_map_require(&m, RS_REQUIRED)) < 0 || (e = cb_end(&r)) < 0)
		goto out;
	/* both trees or neither; an agent user has an agent tree to run */
	if ((!rs->agent_path) != (!rs->harness_path) || (rs->has_agent_user && !rs->agent_path)) {
		e = MB_E_MISSING_KEY;
		goto out;
	}
	/* the agent never shares the harness's identity, and is never root */
	if (rs->timeout_s == 0 || rs->max_procs == 0 ||
	    (rs->has_agent_user && (rs->agent_uid == 0 || rs->agent_gid == 0 || rs->agent_uid == rs->uid))) {
		e = MB_E_RANGE;
		goto out;
	}
	/* strings point into rs->strings: move them onto ret's copy */
	memcpy(ret, rs, sizeof(*rs));
	for (size_t i = 0; i < ret->argc; i++)
		ret->argv[i] = rebase(ret, rs, rs->argv[i]);
	for (size_t i = 0; i < ret->envc; i++)
		ret->envp[i] = rebase(ret, rs, rs->envp[i]);
	ret->cwd = rebase(ret, rs, rs->cwd);
	ret->agent_path = rebase(ret, rs, rs->agent_path);
	ret->harness_path = rebase(ret, rs, rs->harness_path);
	for (size_t i = 0; i < ret->nresults; i++)
		ret->results[i] = rebase(ret, rs, rs->results[i]);
	e = 0;
out:
	free(rs);
	return e;
}

enum { HELLO_VERSION_KEY = 0, HELLO_NONCE = 1, HELLO_RUNSPEC = 2, HELLO_PLATFORM = 3 };

void hello_encode(const struct hello *h, struct cb_wr *w)
{
	cb_put_map(w, h->platform_len ? 4 : 3);
	cb_put_uint(w, HELLO_VERSION_KEY);
	cb_put_uint(w, HELLO_VERSION);
	cb_put_uint(w, HELLO_NONCE);
	cb_put_bstr(w, h->nonce, NONCE_BYTES);
	cb_put_uint(w, HELLO_RUNSPEC);
	cb_put_bstr(w, h->runspec, h->runspec_len);
	if (h->platform_len) {
		cb_put_uint(w, HELLO_PLATFORM);
		cb_put_bstr(w, h->platform, h->platform_len);
	}
}

int hello_decode(const uint8_t *p, size_t len, struct hello *ret)
{
	struct hello h = { 0 };
	struct cb_rd r;
	struct cb_map m;
	uint64_t key, v = 0;
	int e;

	if ((e = cb_validate(p, len, 1)) < 0)
		return e;
	cb_rd_init(&r, p, len);
	if ((e = cb_map_begin(&r, &m, 4)) < 0)
		return e;
	while ((e = cb_map_next(&r, &m, &key)) > 0) {
		switch (key) {
		case HELLO_VERSION_KEY:
			if ((e = cb_get_uint(&r, UINT32_MAX, &v)) == 0 && v != HELLO_VERSION)
				e = MB_E_VERSION;
			break;
		case HELLO_NONCE:
			e = cb_get_bstr_exact(&r, h.nonce, NONCE_BYTES);
			break;
		case HELLO_RUNSPEC:
			e = cb_get_bstr(&r, MAX_RUNSPEC_BYTES, &h.runspec, &h.runspec_len);
			break;
		case HELLO_PLATFORM:
			/* present only when not empty: the default is never encoded */
			e = cb_get_bstr(&r, MAX_EVENTS * 128u, &h.platform, &h.platform_len);
			if (e == 0 && h.platform_len == 0)
				e = MB_E_RANGE;
			break;
		default:
			e = MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			return e;
	}
	if (e < 0 || (e = cb_map_require(&m, 0x7)) < 0 || (e = cb_end(&r)) < 0)
		return e;
	*ret = h;
	return 0;
}

/* Equal strings, or both absent. */
static bool str_same(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool strv_equal(char *const *a, size_t an, char *const *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

int runspec_compare(const struct runspec *pinned, const struct runspec *got, const char **ret_field)
{
	const struct runspec *p = pinned, *g = got;
	const struct { bool same; int part; const char *name; } f[] = {
		{ strv_equal(p->argv, p->argc, g->argv, g->argc), RUNSPEC_DIFF_ARGV, "argv" },
		{ strv_equal(p->envp, p->envc, g->envp, g->envc), RUNSPEC_DIFF_ENV, "env" },
		{ strcmp(p->cwd, g->cwd) == 0, RUNSPEC_DIFF_CWD, "cwd" },
		{ p->uid == g->uid, RUNSPEC_DIFF_USER, "uid" },
		{ p->gid == g->gid, RUNSPEC_DIFF_USER, "gid" },
		{ p->ngroups == g->ngroups && memcmp(p->groups, g->groups, p->ngroups * sizeof(p->groups[0])) == 0,
		  RUNSPEC_DIFF_USER, "groups" },
		{ p->timeout_s == g->timeout_s, RUNSPEC_DIFF_LIMITS, "timeout_s" },
		{ p->max_output_bytes == g->max_output_bytes, RUNSPEC_DIFF_LIMITS, "max_output_bytes" },
		{ p->max_procs == g->max_procs, RUNSPEC_DIFF_LIMITS, "max_procs" },
		{ str_same(p->agent_path, g->agent_path), RUNSPEC_DIFF_PATHS, "agent" },
		{ str_same(p->harness_path, g->harness_path), RUNSPEC_DIFF_PATHS, "harness" },
		{ p->has_agent_user == g->has_agent_user, RUNSPEC_DIFF_AGENT_USER, "agent_user" },
		{ p->agent_uid == g->agent_uid, RUNSPEC_DIFF_AGENT_USER, "agent_user uid" },
		{ p->agent_gid == g->agent_gid, RUNSPEC_DIFF_AGENT_USER, "agent_user gid" },
		{ strv_equal(p->results, p->nresults, g->results, g->nresults), RUNSPEC_DIFF_RESULTS,
		  "results" },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!f[i].same) {
			*ret_field = f[i].name;
			return f[i].part;
		}
	return RUNSPEC_SAME;
}
