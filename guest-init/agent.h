/* SPDX-License-Identifier: MIT */
/*
 * The agent boundary. When the run spec names an agent user, the harness
 * runs the code under test only through $VOUCH_AS_AGENT (this binary,
 * bound read-only into the box): the helper hands its argv, environment,
 * working directory and standard streams to the box's init over a Unix
 * socket only the harness's uid can open, and the box's init runs the
 * command as the agent: its own uid and gid, its own PID and mount
 * namespaces (it sees neither the harness nor the results directory), no
 * capabilities, no_new_privs, the box's seccomp filter, nothing open
 * above fd 2. The helper exits with the agent's status (128 + signal
 * when a signal ended it).
 *
 * The harness reports results only where the agent cannot write: TAP on
 * $VOUCH_TAP_FD (fd 3, read live by guest-init) and files in
 * $VOUCH_RESULTS_DIR (mode 0700, the harness's uid), collected after it
 * ends. Its stdout and stderr are then logs, never results.
 */
#ifndef GI_AGENT_H
#define GI_AGENT_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_DIR "/run/vouch"                  /* in the box: a tmpfs of its own */
#define AGENT_SOCK AGENT_DIR "/agent.sock"      /* harness uid only, 0600 */
#define AGENT_HELPER AGENT_DIR "/as-agent"      /* guest-init itself, read-only */
#define AGENT_RESULTS AGENT_DIR "/results"      /* harness uid only, 0700 */
#define AGENT_HELPER_NAME "as-agent"
#define RESULTS_MOUNT "/vouch-results"          /* the same tmpfs, as guest-init sees it */
#define TAP_FD 3

/* One request: "VAG1", u32 body length (little endian), then the body:
 * u32 argc, u32 envc, then cwd, argv[0..argc), env[0..envc) as
 * NUL-terminated strings, nothing after. The first byte carries the
 * helper's fds 0, 1 and 2 (SCM_RIGHTS). The answer is a u32 status. */
#define AGENT_MAGIC "VAG1"
#define AGENT_HEADER_BYTES 8u
#define MAX_AGENT_REQUEST_BYTES (256u * 1024u)
#define MAX_AGENT_STRINGS 4096u

struct agent_request {
	char *cwd;
	char **argv; /* NULL-terminated, pointing into the body */
	char **envp; /* NULL-terminated */
	size_t argc, envc;
};

/* Parses a request body; pointers go into body (kept by the caller) and
 * a heap array freed with agent_request_free. 0 or -errno. */
int agent_request_parse(char *body, size_t n, struct agent_request *ret);
void agent_request_free(struct agent_request *r);

/* In the box's init, before the root is switched: the tmpfs at
 * newroot/run/vouch with the helper, the results directory and the
 * listening socket (fd in ret_fd). */
int agent_box_prepare(const char *newroot, uint32_t uid, uint32_t gid, int *ret_fd);
/* The same without an agent: the tmpfs with the results directory alone,
 * so that a plain run's harness has $VOUCH_RESULTS_DIR too. */
int agent_box_results(const char *newroot);
struct agent_ids {
	uint32_t harness_uid;         /* the only peer served */
	uint32_t agent_uid, agent_gid;
	uint32_t max_procs;           /* the agent's RLIMIT_NPROC */
};

/* Takes one connection from the listening socket and serves it in a
 * child of its own; returns at once. */
int agent_box_accept(int lfd, const struct agent_ids *ids);

/* The helper's main, when guest-init runs as as-agent in the box. */
int agent_helper_main(int argc, char **argv);

#endif
