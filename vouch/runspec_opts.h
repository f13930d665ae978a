/* SPDX-License-Identifier: MIT */
/*
 * The run spec from the command line, one way for every subcommand that
 * makes or checks one (vouch image, manifest, launch, run): the same
 * options, the same defaults, and one check of a run spec against the one
 * a manifest pins.
 */
#ifndef VOUCH_RUNSPEC_OPTS_H
#define VOUCH_RUNSPEC_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "manifest.h"
#include "runspec.h"

/* getopt_long codes of the shared options, clear of any letter */
enum {
	RSO_TIMEOUT = 1000, RSO_CWD, RSO_UID, RSO_GID, RSO_ENV, RSO_MAX_OUTPUT, RSO_MAX_PROCS,
	RSO_AGENT, RSO_HARNESS, RSO_AGENT_USER, RSO_NO_AGENT_BOUNDARY, RSO_RESULTS,
};

#define RUNSPEC_LONG_OPTS                                                                          \
	{ "timeout", required_argument, 0, RSO_TIMEOUT }, { "cwd", required_argument, 0, RSO_CWD }, \
	{ "uid", required_argument, 0, RSO_UID }, { "gid", required_argument, 0, RSO_GID },         \
	{ "env", required_argument, 0, RSO_ENV },                                                   \
	{ "max-output", required_argument, 0, RSO_MAX_OUTPUT },                                     \
	{ "max-procs", required_argument, 0, RSO_MAX_PROCS },                                       \
	{ "agent", required_argument, 0, RSO_AGENT },                                               \
	{ "harness", required_argument, 0, RSO_HARNESS },                                           \
	{ "agent-user", required_argument, 0, RSO_AGENT_USER },                                     \
	{ "no-agent-boundary", no_argument, 0, RSO_NO_AGENT_BOUNDARY },                           \
	{ "results", required_argument, 0, RSO_RESULTS }

/* Which fields the command line set; the rest keep their defaults (or
 * the pinned run spec's). env holds the --env strings, in order. */
struct runspec_opts {
	bool timeout, cwd, uid, gid, env, max_output, max_procs, agent, harness;
	bool agent_user, no_agent_boundary; /* the boundary set on, or kept off */
	bool results;        /* --results given: set.results replace the pinned list */
	struct runspec set;  /* the values given; strings point into argv */
};

/* The defaults of vouch launch and vouch manifest: cwd /, root, 300 s,
 * 64 MiB of output, 256 processes, a PATH, HOME and LANG, /opt/agent and
 * /opt/harness. Strings are static. */
void runspec_opts_defaults(struct runspec *rs);
/* Handles one shared option: 1 when c was one (and its argument good), 0
 * when c is not a shared option, -1 after saying on stderr what is wrong. */
int runspec_opts_parse(struct runspec_opts *o, int c, const char *arg, const char *who);
/* Applies the options given to rs, and the command when argc > 0. */
void runspec_opts_apply(const struct runspec_opts *o, struct runspec *rs, int argc, char **argv);
/* "uid[:gid]" (numeric; gid defaults to uid) or "root"; -1 for a name. */
int runspec_opts_user(const char *u, uint32_t *ret_uid, uint32_t *ret_gid);
/* A decimal number no larger than max, nothing else. */
int runspec_opts_uint(const char *s, unsigned long max, unsigned long *ret);

/* rs against the run spec m pins: 0 when they are the same field by field
 * and encode to the pinned bytes; else says which field differs on stderr
 * (who: "vouch run") and returns -1. */
int runspec_opts_check_pin(const struct manifest *m, const struct runspec *rs, const char *who,
			   const char *mpath);
/* Encodes rs into m's pin (has_runspec), after checking it decodes. */
int runspec_opts_pin(struct manifest *m, const struct runspec *rs) MB_WARN_UNUSED;

#endif
