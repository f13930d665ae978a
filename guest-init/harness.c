// SPDX-License-Identifier: MIT
/*
 * Runs the harness in its box and turns what it prints into records:
 * stdout and stderr chunks, TAP test points parsed from stdout lines, the
 * limits it hit, and how it ended. Every limit cuts the whole namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "gi.h"
#include "tap.h"

#define CGROUP "/sys/fs/cgroup"
#define HARNESS_CG CGROUP "/harness"

struct out_state {
	char line[MAX_TEXT_BYTES];
	size_t len;
	bool overlong; /* the current line passed MAX_TEXT_BYTES: not TAP */
	uint64_t next_num;
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		e = -errno;
	close(fd);
	return e;
}

/* A pids cgroup bounds processes for root too; without cgroup support
 * the rlimit (non-root users only) is what remains. */
static bool setup_cgroup(uint32_t max_procs)
{
	char v[32];

	if (mkdir(CGROUP, 0755) < 0 && errno != EEXIST)
		return false;
	if (mount("cgroup2", CGROUP, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    errno != EBUSY)
		return false;
	if (write_file(CGROUP "/cgroup.subtree_control", "+pids") < 0)
		return false;
	if (mkdir(HARNESS_CG, 0755) < 0 && errno != EEXIST)
		return false;
	snprintf(v, sizeof(v), "%u", max_procs);
	return write_file(HARNESS_CG "/pids.max", v) == 0;
}

static uint64_t cgroup_pids_max_events(void)
{
	char buf[256];
	int fd = open(HARNESS_CG "/pids.events", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "max ");
	return p ? strtoull(p + 4, NULL, 10) : 0;
}

/* Looks the program up in PATH (from the run spec's env) if it has no '/'. */
static void exec_harness(void)
{
	const char *prog = G.rs->argv[0], *path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	char buf[MAX_PATH_BYTES + 1];

	for (size_t i = 0; i < G.rs->envc; i++)
		if (strncmp(G.rs->envp[i], "PATH=", 5) == 0)
			path = G.rs->envp[i] + 5;
	if (strchr(prog, '/')) {
		execve(prog, G.rs->argv, G.rs->envp);
		return;
	}
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		if (n + 1 + strlen(prog) < sizeof(buf)) {
			memcpy(buf, path, n);
			buf[n] = '/';
			strcpy(buf + n + 1, prog);
			execve(buf, G.rs->argv, G.rs->envp);
		}
		path += n + (end ? 1 : 0);
	}
}

static __attribute__((noreturn)) void child_fail(const char *what, int err)
{
	dprintf(STDERR_FILENO, "guest-init: harness set-up: %s: %s\n", what, strerror(err));
	_exit(126);
}

/* PID 1 of the harness namespace: builds the box, forks the harness,
 * reaps everything until the harness ends, and exits with its status. */
static __attribute__((noreturn)) void ns_init(int out_w, int err_w, bool cgroup)
{
	int null, e, status;
	pid_t h, w;

	if (cgroup && write_file(HARNESS_CG "/cgroup.procs", "0") < 0)
		child_fail("joining the pids cgroup", errno);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		child_fail("standard streams", errno);
	if ((e = confine_root(NEWROOT)) < 0)
		child_fail("root", -e);
	if (setsid() < 0)
		child_fail("session", errno);
	if ((e = confine_limits(G.rs->max_output_bytes, G.rs->max_procs)) < 0)
		child_fail("limits", -e);
	if ((e = confine_caps()) < 0)
		child_fail("capabilities", -e);
	if ((e = confine_user(G.rs->uid, G.rs->gid)) < 0)
		child_fail("user", -e);
	if ((e = confine_seccomp()) < 0)
		child_fail("seccomp", -e);
	if (chdir(G.rs->cwd) < 0)
		child_fail(G.rs->cwd, errno);
	/* not dumpable: the harness, with the same uid and capabilities,
	 * cannot ptrace this init (exec makes the harness dumpable again) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		child_fail("dumpable", errno);
	h = fork();
	if (h < 0)
		child_fail("fork", errno);
	if (h == 0) {
		exec_harness();
		dprintf(STDERR_FILENO, "guest-init: cannot run %s: %s\n", G.rs->argv[0], strerror(errno));
		_exit(127);
	}
	close(1);
	close(2);
	for (;;) {
		w = wait(&status);
		if (w == h)
			break;
		if (w < 0 && errno != EINTR) /* EINTR: a signal, wait on */
			_exit(125);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int emit_test(const struct tap_point *p, struct out_state *st)
{
	struct record rec = { .kind = REC_TEST };

	rec.u.test.num = p->has_num ? p->num : st->next_num;
	st->next_num = rec.u.test.num + 1;
	rec.u.test.ok = p->ok;
	rec.u.test.desc = (const uint8_t *)p->desc;
	rec.u.test.desc_len = p->desc_len;
	rec.u.test.directive = p->directive;
	rec.u.test.reason = (const uint8_t *)(p->reason ? p->reason : "");
	rec.u.test.reason_len = p->reason_len;
	/* a description that is not UTF-8 cannot be a text string */
	if (!cb_utf8_valid(rec.u.test.desc, rec.u.test.desc_len) ||
	    !cb_utf8_valid(rec.u.test.reason, rec.u.test.reason_len))
		rec.u.test.desc_len = rec.u.test.reason_len = 0;
	return gi_emit(&rec);
}

/* TAP lines of stdout, after the chunk that carried them was sent. */
static int scan_tap(struct out_state *st, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tap_point pt;
		uint64_t plan;
		int e;

		if (p[i] != '\n') {
			if (st->len < sizeof(st->line))
				st->line[st->len++] = (char)p[i];
			else
				st->overlong = true;
			continue;
		}
		if (!st->overlong &&
		    tap_parse_line(st->line, st->len, &pt, &plan) == TAP_POINT &&
		    (e = emit_test(&pt, st)) < 0)
			return e;
		st->len = 0;
		st->overlong = false;
	}
	return 0;
}

enum cut { CUT_NONE = 0, CUT_OUTPUT, CUT_PROCS, CUT_DEADLINE };

static int emit_limit(uint32_t what, uint64_t value)
{
	struct record rec = { .kind = REC_LIMIT, .u.limit = { what, value } };

	gi_console("harness cut off: limit %u (%llu)", what, (unsigned long long)value);
	return gi_emit(&rec);
}

/* Reads what is there on one pipe; 0 at end of stream, 1 if more may come. */
static int drain(int fd, uint32_t kind, struct out_state *st, enum cut *cut)
{
	static uint8_t buf[MAX_CHUNK_BYTES];
	ssize_t n = read(fd, buf, sizeof(buf));
	uint64_t room;
	int e;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : MB_E_IO;
	if (n == 0)
		return 0;
	if (*cut)
		return 1; /* after a cut, output is read and dropped */
	room = G.rs->max_output_bytes - G.out_bytes;
	if ((uint64_t)n > room) {
		n = (ssize_t)room;
		*cut = CUT_OUTPUT;
	}
	G.out_bytes += (uint64_t)n;
	if ((e = gi_emit_output(kind, buf, (size_t)n)) < 0)
		return e;
	if (kind == REC_STDOUT && (e = scan_tap(st, buf, (size_t)n)) < 0)
		return e;
	if (*cut == CUT_OUTPUT && (e = emit_limit(LIMIT_OUTPUT, G.rs->max_output_bytes)) < 0)
		return e;
	return 1;
}

static int finish(int status)
{
	struct record rec = { .kind = REC_EXIT };

	if (WIFEXITED(status)) {
		rec.u.exit.code = (uint32_t)WEXITSTATUS(status);
	} else {
		rec.u.exit.code = 0;
		rec.u.exit.signal = (uint32_t)WTERMSIG(status);
	}
	return gi_emit(&rec);
}

static int supervise(pid_t child, int out_r, int err_r, bool cgroup)
{
	uint64_t deadline = gi_now_ns() + (uint64_t)G.rs->timeout_s * 1000000000u;
	struct out_state out = { .next_num = 1 }, err = { .next_num = 1 };
	bool out_open = true, err_open = true, exited = false;
	enum cut cut = CUT_NONE;
	int status = 0, e;

	while (out_open || err_open || !exited) {
		struct pollfd pfd[2] = { { out_open ? out_r : -1, POLLIN, 0 },
					 { err_open ? err_r : -1, POLLIN, 0 } };
		uint64_t now = gi_now_ns();
		pid_t w;

		if (!cut && now >= deadline) {
			cut = CUT_DEADLINE;
			if ((e = emit_limit(LIMIT_DEADLINE, G.rs->timeout_s)) < 0)
				return e;
		}
		if (!cut && cgroup && cgroup_pids_max_events() > 0) {
			cut = CUT_PROCS;
			if ((e = emit_limit(LIMIT_PROCS, G.rs->max_procs)) < 0)
				return e;
		}
		if (cut)
			kill(child, SIGKILL); /* PID 1 of the namespace: takes all with it */
		if (poll(pfd, 2, 50) < 0 && errno != EINTR) /* EINTR: a signal */
			return MB_E_IO;
		if (out_open && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (e = drain(out_r, REC_STDOUT, &out, &cut)) <= 0) {
			if (e < 0)
				return e;
			out_open = false;
		}
		if (err_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (e = drain(err_r, REC_STDERR, &err, &cut)) <= 0) {
			if (e < 0)
				return e;
			err_open = false;
		}
		/* reap every zombie: ours and any orphan the kernel hands PID 1 */
		while ((w = waitpid(-1, &e, WNOHANG)) > 0)
			if (w == child) {
				exited = true;
				status = e;
			}
	}
	if ((e = finish(status)) < 0)
		return e;
	return cut ? END_CUT : END_COMPLETE;
}

/* Runs the harness to its end; returns the record_end reason or an MB_E_*. */
int gi_run_harness(void)
{
	int out[2], err[2], e;
	bool cgroup = setup_cgroup(G.rs->max_procs);
	pid_t child;

	if (!cgroup)
		gi_console("no pids cgroup: the process limit binds non-root users only");
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return MB_E_IO;
	child = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
					     SIGCHLD, NULL, NULL, NULL, 0);
	if (child < 0) {
		gi_console("clone: %s", strerror(errno));
		return MB_E_IO;
	}
	if (child == 0) {
		close(out[0]);
		close(err[0]);
		ns_init(out[1], err[1], cgroup);
	}
	close(out[1]);
	close(err[1]);
	e = supervise(child, out[0], err[0], cgroup);
	close(out[0]);
	close(err[0]);
	return e;
}
