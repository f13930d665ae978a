// SPDX-License-Identifier: MIT
#include "runspec_opts.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb.h"
#include "io.h"

int runspec_opts_uint(const char *s, unsigned long max, unsigned long *ret)
{
	uint64_t v;

	if (mb_dec(s, strlen(s), max, &v) < 0)
		return -1;
	*ret = (unsigned long)v;
	return 0;
}

void runspec_opts_defaults(struct runspec *rs)
{
	static char *default_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
				       "HOME=/root", "LANG=C.UTF-8", NULL };

	rs->argc = 0;
	rs->argv[0] = NULL;
	for (rs->envc = 0; default_env[rs->envc]; rs->envc++)
		rs->envp[rs->envc] = default_env[rs->envc];
	rs->envp[rs->envc] = NULL;
	rs->cwd = "/";
	rs->agent_path = "/opt/agent";
	rs->harness_path = "/opt/harness";
	rs->uid = rs->gid = 0;
	rs->timeout_s = 300;
	rs->max_output_bytes = 64u << 20;
	rs->max_procs = 256;
	rs->nresults = 0;
	rs->results[0] = NULL;
}

int runspec_opts_user(const char *u, uint32_t *ret_uid, uint32_t *ret_gid)
{
	unsigned long uid = 0, gid = 0;
	char buf[64], *colon;

	if (!u || !*u || strcmp(u, "root") == 0) {
		*ret_uid = *ret_gid = 0;
		return 0;
	}
	if (strlen(u) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", u);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (runspec_opts_uint(buf, UINT32_MAX - 1, &uid) < 0 ||
	    (colon && runspec_opts_uint(colon + 1, UINT32_MAX - 1, &gid) < 0))
		return -1;
	*ret_uid = (uint32_t)uid;
	*ret_gid = (uint32_t)(colon ? gid : uid);
	return 0;
}

static int bad(const char *who, const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "%s: --%s %s: %s\n", who, opt, arg, want);
	return -1;
}

/* --agent-user UID:GID, numbers, neither 0 */
static int agent_user(struct runspec_opts *o, const char *arg, const char *who)
{
	const char *colon = strchr(arg, ':');
	unsigned long u, g;
	char ub[16];

	if (!colon || (size_t)(colon - arg) >= sizeof(ub))
		return bad(who, "agent-user", arg, "UID:GID, numbers, neither 0");
	memcpy(ub, arg, (size_t)(colon - arg));
	ub[colon - arg] = 0;
	if (runspec_opts_uint(ub, UINT32_MAX - 1, &u) < 0 ||
	    runspec_opts_uint(colon + 1, UINT32_MAX - 1, &g) < 0 || u == 0 || g == 0)
		return bad(who, "agent-user", arg, "UID:GID, numbers, neither 0");
	o->set.has_agent_user = true;
	o->set.agent_uid = (uint32_t)u;
	o->set.agent_gid = (uint32_t)g;
	o->agent_user = true;
	return 1;
}

/* --results PATH, once each, at most MAX_RESULT_PATHS */
static int result_path(struct runspec_opts *o, const char *arg, const char *who)
{
	struct runspec *s = &o->set;

	if (runspec_check_result_path(arg) < 0)
		return bad(who, "results", arg, "an absolute path inside the guest ending in .xml (JUnit)\n"
			   "  or .tap, no trailing slash, no '.' or '..'");
	for (size_t i = 0; i < s->nresults; i++)
		if (strcmp(s->results[i], arg) == 0)
			return bad(who, "results", arg, "given twice");
	if (s->nresults >= MAX_RESULT_PATHS)
		return bad(who, "results", arg, "at most 16 files");
	s->results[s->nresults++] = (char *)arg;
	s->results[s->nresults] = NULL;
	o->results = true;
	return 1;
}

int runspec_opts_parse(struct runspec_opts *o, int c, const char *arg, const char *who)
{
	struct runspec *s = &o->set;
	unsigned long v;

	switch (c) {
	case RSO_CWD:
		if (arg[0] != '/')
			return bad(who, "cwd", arg, "an absolute path");
		s->cwd = (char *)arg;
		o->cwd = true;
		return 1;
	case RSO_AGENT:
	case RSO_HARNESS:
		if (runspec_check_tree_path(arg) < 0)
			return bad(who, c == RSO_AGENT ? "agent" : "harness", arg,
				   "an absolute path below /, no trailing slash");
		*(c == RSO_AGENT ? &s->agent_path : &s->harness_path) = (char *)arg;
		*(c == RSO_AGENT ? &o->agent : &o->harness) = true;
		return 1;
	case RSO_AGENT_USER:
		return agent_user(o, arg, who);
	case RSO_NO_AGENT_BOUNDARY:
		o->no_agent_boundary = true;
		return 1;
	case RSO_RESULTS:
		return result_path(o, arg, who);
	case RSO_ENV:
		if (s->envc >= MAX_ENV || !strchr(arg, '='))
			return bad(who, "env", arg, "NAME=VALUE (at most 256)");
		s->envp[s->envc++] = (char *)arg;
		s->envp[s->envc] = NULL;
		o->env = true;
		return 1;
	case RSO_TIMEOUT:
	case RSO_UID:
	case RSO_GID:
	case RSO_MAX_OUTPUT:
	case RSO_MAX_PROCS:
		if (runspec_opts_uint(arg, c == RSO_MAX_OUTPUT ? ULONG_MAX : UINT32_MAX - 1, &v) < 0 ||
		    ((c == RSO_TIMEOUT || c == RSO_MAX_PROCS) && v == 0))
			return bad(who, c == RSO_TIMEOUT ? "timeout" : c == RSO_UID ? "uid" : c == RSO_GID ? "gid"
					: c == RSO_MAX_OUTPUT ? "max-output" : "max-procs",
				   arg, c == RSO_TIMEOUT || c == RSO_MAX_PROCS ? "a number from 1 to 4294967294"
									       : "a number");
		switch (c) {
		case RSO_TIMEOUT: s->timeout_s = (uint32_t)v; o->timeout = true; break;
		case RSO_UID: s->uid = (uint32_t)v; o->uid = true; break;
		case RSO_GID: s->gid = (uint32_t)v; o->gid = true; break;
		case RSO_MAX_OUTPUT: s->max_output_bytes = v; o->max_output = true; break;
		default: s->max_procs = (uint32_t)v; o->max_procs = true; break;
		}
		return 1;
	default:
		return 0;
	}
}

void runspec_opts_apply(const struct runspec_opts *o, struct runspec *rs, int argc, char **argv)
{
	const struct runspec *s = &o->set;

	if (argc > 0) {
		rs->argc = (size_t)argc;
		for (int i = 0; i < argc; i++)
			rs->argv[i] = argv[i];
		rs->argv[argc] = NULL;
	}
	if (o->env) {
		rs->envc = s->envc;
		memcpy(rs->envp, s->envp, (s->envc + 1) * sizeof(s->envp[0]));
	}
	if (o->cwd)
		rs->cwd = s->cwd;
	if (o->agent)
		rs->agent_path = s->agent_path;
	if (o->harness)
		rs->harness_path = s->harness_path;
	if (o->uid)
		rs->uid = s->uid;
	if (o->gid)
		rs->gid = s->gid;
	if (o->timeout)
		rs->timeout_s = s->timeout_s;
	if (o->max_output)
		rs->max_output_bytes = s->max_output_bytes;
	if (o->max_procs)
		rs->max_procs = s->max_procs;
	if (o->agent_user) {
		rs->has_agent_user = true;
		rs->agent_uid = s->agent_uid;
		rs->agent_gid = s->agent_gid;
	}
	if (o->no_agent_boundary)
		rs->has_agent_user = false;
	if (o->results) {
		rs->nresults = s->nresults;
		memcpy(rs->results, s->results, (s->nresults + 1) * sizeof(s->results[0]));
	}
}

int runspec_opts_pin(struct manifest *m, const struct runspec *rs)
{
	struct runspec *check = malloc(sizeof(*check));
	struct cb_wr w;
	size_t n = 0;
	int e = MB_E_NOMEM;

	if (!check)
		return e;
	cb_wr_init(&w, m->runspec, sizeof(m->runspec));
	runspec_encode(rs, &w);
	/* what the guest would refuse is not pinned either */
	if ((e = cb_wr_finish(&w, &n)) == 0 && (e = runspec_decode(m->runspec, n, check)) == 0) {
		m->runspec_len = n;
		m->has_runspec = true;
	}
	free(check);
	return e;
}

int runspec_opts_check_pin(const struct manifest *m, const struct runspec *rs, const char *who,
			   const char *mpath)
{
	struct runspec *pin = malloc(sizeof(*pin));
	uint8_t *buf = malloc(MAX_RUNSPEC_BYTES);
	const char *field = "?";
	struct cb_wr w;
	size_t n = 0;
	int e = -1;

	if (!pin || !buf) {
		fprintf(stderr, "%s: out of memory\n", who);
		goto out;
	}
	if (!m->has_runspec || runspec_decode(m->runspec, m->runspec_len, pin) < 0) {
		fprintf(stderr, "%s: %s pins no run spec: make it again with the command to run\n", who, mpath);
		goto out;
	}
	if (runspec_compare(pin, rs, &field) != RUNSPEC_SAME) {
		fprintf(stderr, "%s: the run spec's %s is not the one %s pins: the verifier would\n"
				"  refuse the run; make the manifest with this %s, or leave the command\n"
				"  and run spec options out to run the pinned one\n",
			who, field, mpath, field);
		goto out;
	}
	cb_wr_init(&w, buf, MAX_RUNSPEC_BYTES);
	runspec_encode(rs, &w);
	if (cb_wr_finish(&w, &n) < 0 || n != m->runspec_len || memcmp(buf, m->runspec, n) != 0) {
		fprintf(stderr, "%s: the run spec does not encode to the pinned bytes\n", who);
		goto out;
	}
	e = 0;
out:
	free(pin);
	free(buf);
	return e;
}
