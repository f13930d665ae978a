/* SPDX-License-Identifier: MIT */
/*
 * The run spec (what to run, as whom, with which limits) and the session
 * hello that carries it with the nonce. The run spec travels as its exact
 * encoded bytes; guest-init measures SHA-256 of those bytes into PCR 11.
 * schemas/runspec.cddl is the reference.
 */
#ifndef MB_RUNSPEC_H
#define MB_RUNSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb.h"
#include "err.h"
#include "mb_limits.h"

#define RUNSPEC_VERSION 1u
#define HELLO_VERSION 1u

struct runspec {
	size_t argc, envc;
	char *argv[MAX_ARGS + 1]; /* NULL-terminated, ready for execve */
	char *envp[MAX_ENV + 1];
	char *cwd;
	/* Trees measured as the agent and as the harness: both set, or both
	 * NULL (a plain run, no tree measured; the keys are absent). */
	char *agent_path;
	char *harness_path;
	uint32_t uid, gid;
	/* The harness user's supplementary groups (runc's: the image's
	 * /etc/group entries that list the user), strictly ascending; none:
	 * the key is absent, and the harness has none. */
	size_t ngroups;
	uint32_t groups[MAX_RUN_GROUPS];
	uint32_t timeout_s;
	uint64_t max_output_bytes;
	uint32_t max_procs;
	/* The agent boundary: when set, the agent runs only through
	 * $VOUCH_AS_AGENT as this user, and results come only from the
	 * harness's own channels ($VOUCH_TAP_FD, $VOUCH_RESULTS_DIR). */
	bool has_agent_user;
	uint32_t agent_uid, agent_gid;
	/* Result files the harness writes besides the results directory
	 * (--results): absolute paths inside the guest, each ending in
	 * .xml (JUnit) or .tap, no two the same; none: the key is absent,
	 * and the encoding is the one of run specs before the key. */
	size_t nresults;
	char *results[MAX_RESULT_PATHS + 1];
	char strings[MAX_RUNSPEC_BYTES + MAX_ARGS + MAX_ENV + MAX_RESULT_PATHS + 8];
};

/* Whether the run spec names the agent and harness trees (else a plain
 * run: the pinned root image runs its command). */
bool runspec_has_trees(const struct runspec *rs);
void runspec_encode(const struct runspec *rs, struct cb_wr *w);
/* ret is heap-sized (~70 KiB): allocate it, don't put it on a small stack. */
int runspec_decode(const uint8_t *p, size_t len, struct runspec *ret) MB_WARN_UNUSED;

/* Absolute, not "/", no trailing slash, no empty, "." or ".." parts. */
int runspec_check_tree_path(const char *p) MB_WARN_UNUSED;
/* A declared result file: a tree path (above) of at most
 * MAX_RESULT_PATH_BYTES ending in ".xml" or ".tap", the formats a
 * verifier reads. */
int runspec_check_result_path(const char *p) MB_WARN_UNUSED;

struct hello {
	uint8_t nonce[NONCE_BYTES];
	const uint8_t *runspec; /* encoded run spec, points into the input */
	size_t runspec_len;
	/* Platform events for guest-init to extend, when the launcher cannot
	 * reach the TPM itself (a VMM's TPM device); else empty. */
	const uint8_t *platform;
	size_t platform_len;
};

void hello_encode(const struct hello *h, struct cb_wr *w);
int hello_decode(const uint8_t *p, size_t len, struct hello *ret) MB_WARN_UNUSED;

/* The parts of a run spec, as runspec_compare() names the first that
 * differs; each is one reason for the verifier. */
enum runspec_part {
	RUNSPEC_SAME = 0,
	RUNSPEC_DIFF_ARGV,       /* "argv" */
	RUNSPEC_DIFF_ENV,        /* "env" */
	RUNSPEC_DIFF_CWD,        /* "cwd" */
	RUNSPEC_DIFF_USER,       /* "uid", "gid" */
	RUNSPEC_DIFF_LIMITS,     /* "timeout_s", "max_output_bytes", "max_procs" */
	RUNSPEC_DIFF_PATHS,      /* "agent", "harness" */
	RUNSPEC_DIFF_AGENT_USER, /* "agent_user" (present or not, uid, gid) */
	RUNSPEC_DIFF_RESULTS,    /* "results" (the declared result files, in order) */
};

/* Field by field, in that order: RUNSPEC_SAME when every field is equal,
 * else the part of the first field that differs, with its name in
 * *ret_field (a static string). Pure: no allocation, nothing written on
 * RUNSPEC_SAME. Order and byte content of argv and env count. */
int runspec_compare(const struct runspec *pinned, const struct runspec *got, const char **ret_field);

#endif
