// SPDX-License-Identifier: MIT
/*
 * Runs the harness in its box and turns what it prints into records:
 * stdout and stderr chunks, TAP test points, the limits it hit, the
 * result files it left, and how it ended. Every limit cuts the whole
 * namespace. With the agent boundary on (agent.h), TAP comes only from
 * the results channel ($VOUCH_TAP_FD) and stdout is a log; without it,
 * TAP comes from stdout, as a plain suite prints it.
 */
#include <dirent.h>
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
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "confine.h"
#include "declared.h"
#include "gi.h"
#include "io.h"
#include "tap.h"

#define CGROUP "/sys/fs/cgroup"
#define HARNESS_CG CGROUP "/harness"

struct out_state {
	struct tap_lines tap;
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
	uint64_t v;
	size_t len;
	ssize_t n;
	char *p;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (!(p = strstr(buf, "max ")) || mb_dec_prefix(p + 4, strlen(p + 4), UINT64_MAX, &v, &len) < 0)
		return 0;
	return v;
}

static __attribute__((noreturn)) void child_fail(const char *what, int err)
{
	dprintf(STDERR_FILENO, "guest-init: harness set-up: %s: %s\n", what, strerror(err));
	_exit(126);
}

/* The harness's environment: the run spec's, where its results
 * directory is, and with the boundary on, its helper and its TAP channel. */
static char **harness_env(void)
{
	static char *extra[] = { "VOUCH_RESULTS_DIR=" AGENT_RESULTS, "VOUCH_AS_AGENT=" AGENT_HELPER,
				 "VOUCH_TAP_FD=3" };
	size_t n = G.rs->envc, k = G.rs->has_agent_user ? 3 : 1;
	char **env = calloc(n + k + 1, sizeof(*env));

	if (!env)
		return NULL;
	memcpy(env, G.rs->envp, n * sizeof(*env));
	memcpy(env + n, extra, k * sizeof(*env));
	return env;
}

/* What was measured is what runs: the agent and harness trees are
 * read-only in the box, for the harness and the agent alike. */
static int readonly_trees(void)
{
	const char *const trees[] = { G.rs->agent_path, G.rs->harness_path };

	/* a plain run has none: the root image is what was measured */
	for (size_t i = 0; i < 2 && runspec_has_trees(G.rs); i++)
		if (mount(trees[i], trees[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, trees[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
			return -errno;
	return 0;
}

/* The harness itself, forked by the box's init. */
static __attribute__((noreturn)) void exec_harness(unsigned keep_fds)
{
	sigset_t none;
	char **env;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((e = confine_close_from(keep_fds)) < 0)
		child_fail("closing descriptors", -e);
	if ((e = confine_limits(G.rs->max_output_bytes, G.rs->max_procs)) < 0)
		child_fail("limits", -e);
	if ((e = confine_caps()) < 0)
		child_fail("capabilities", -e);
	if ((e = confine_user(G.rs->uid, G.rs->gid, G.rs->groups, G.rs->ngroups)) < 0)
		child_fail("user", -e);
	if ((e = confine_seccomp()) < 0)
		child_fail("seccomp", -e);
	if (chdir(G.rs->cwd) < 0)
		child_fail(G.rs->cwd, errno);
	if (!(env = harness_env()))
		child_fail("environment", ENOMEM);
	confine_exec(G.rs->argv, env);
	dprintf(STDERR_FILENO, "guest-init: cannot run %s: %s\n", G.rs->argv[0], strerror(errno));
	_exit(127);
}

/* The box's descriptors: 0 /dev/null, 1 and 2 the output pipes, 3 the
 * results channel when the boundary is on; nothing else of guest-init's
 * (the TPM, the host channel) crosses into the box. */
static unsigned box_fds(int out_w, int err_w, int tap_w)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), e;

	if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0 ||
	    (tap_w >= 0 && dup2(tap_w, TAP_FD) < 0))
		child_fail("standard streams", errno);
	if ((e = confine_close_from(tap_w >= 0 ? TAP_FD + 1 : 3)) < 0)
		child_fail("closing descriptors", -e);
	return tap_w >= 0 ? TAP_FD + 1 : 3;
}

/* Serves agent requests until the harness ends; exits with its status. */
static __attribute__((noreturn)) void box_loop(pid_t h, int sfd, int lfd)
{
	const struct agent_ids ids = { G.rs->uid, G.rs->agent_uid, G.rs->agent_gid, G.rs->max_procs };

	for (;;) {
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { lfd, POLLIN, 0 } };
		struct signalfd_siginfo si;
		int status;
		pid_t w;

		if (poll(p, lfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			_exit(125);
		if (p[0].revents && read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
			_exit(125);
		/* reap every zombie: the harness, agent runners, orphans */
		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == h)
				_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		if (lfd >= 0 && p[1].revents && agent_box_accept(lfd, &ids) < 0)
			gi_console("agent request not served: %s", strerror(errno));
	}
}

/* PID 1 of the harness namespace: builds the box, forks the harness,
 * serves the agent boundary, reaps everything until the harness ends,
 * and exits with its status. It keeps its capabilities (the agent's
 * namespaces need them); the harness and the agent drop theirs. */
static __attribute__((noreturn)) void ns_init(int out_w, int err_w, int tap_w, bool cgroup)
{
	bool boundary = G.rs->has_agent_user;
	int e, lfd = -1, sfd;
	unsigned keep;
	sigset_t chld;
	pid_t h;

	if (cgroup && write_file(HARNESS_CG "/cgroup.procs", "0") < 0)
		child_fail("joining the pids cgroup", errno);
	keep = box_fds(out_w, err_w, tap_w);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail("mount namespace", errno);
	if (boundary && (e = agent_box_prepare(NEWROOT, G.rs->uid, G.rs->gid, &lfd)) < 0)
		child_fail("the agent boundary", -e);
	if (!boundary && (e = agent_box_results(NEWROOT)) < 0)
		child_fail("the results directory", -e);
	if ((e = confine_root(NEWROOT)) < 0)
		child_fail("root", -e);
	if ((e = readonly_trees()) < 0)
		child_fail("read-only trees", -e);
	if (setsid() < 0)
		child_fail("session", errno);
	/* not dumpable: the harness, with the same uid, cannot ptrace this
	 * init (exec makes the harness dumpable again) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		child_fail("dumpable", errno);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 || (sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		child_fail("signalfd", errno);
	h = fork();
	if (h < 0)
		child_fail("fork", errno);
	if (h == 0)
		exec_harness(keep);
	/* the pipes end when the harness and what it started are done; the
	 * agent gets the streams the harness hands it, not these */
	close(1);
	close(2);
	if (tap_w >= 0)
		close(TAP_FD);
	box_loop(h, sfd, lfd);
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
		enum tap_line kind;
		uint64_t plan;
		int e;

		if (tap_lines_put(&st->tap, p[i], &kind, &pt, &plan) && kind == TAP_POINT &&
		    (e = emit_test(&pt, st)) < 0)
			return e;
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

/* Reads what is there on one pipe; 0 at end of stream, 1 if more may come.
 * TAP is parsed from the stream that carries results: the results
 * channel with the boundary on, stdout without it. */
static int drain(int fd, uint32_t kind, struct out_state *st, enum cut *cut)
{
	static uint8_t buf[MAX_CHUNK_BYTES];
	uint32_t tap_kind = G.rs->has_agent_user ? REC_RESULTS : REC_STDOUT;
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
	if (kind == tap_kind && (e = scan_tap(st, buf, (size_t)n)) < 0)
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

struct stream {
	int fd;
	uint32_t kind;
	struct out_state st;
};

/* Until the harness's namespace has ended and every stream is closed;
 * the status in ret_status, the cut (if any) as the return value. */
static int supervise(pid_t child, struct stream *s, size_t ns, bool cgroup, int *ret_status)
{
	uint64_t deadline = gi_now_ns() + (uint64_t)G.rs->timeout_s * 1000000000u;
	size_t open = ns;
	bool exited = false;
	enum cut cut = CUT_NONE;
	int status = 0, e;

	while (open > 0 || !exited) {
		struct pollfd pfd[4];
		uint64_t now = gi_now_ns();
		int afd = gi_tpm_activation_fd();
		pid_t w;

		for (size_t i = 0; i < ns; i++)
			pfd[i] = (struct pollfd){ s[i].fd, POLLIN, 0 };
		pfd[ns] = (struct pollfd){ afd, POLLIN, 0 };
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
		if (poll(pfd, ns + 1, 50) < 0 && errno != EINTR) /* EINTR: a signal */
			return MB_E_IO;
		/* the AK's credential, while the harness runs: one thread
		 * talks to the TPM, this one (frames already read ahead into
		 * the buffer count as arrived) */
		if (afd >= 0 && (pfd[ns].revents || G.chan_rd.off < G.chan_rd.len))
			GI_CHECK("activating the AK", gi_tpm_activate());
		for (size_t i = 0; i < ns; i++)
			if (s[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    (e = drain(s[i].fd, s[i].kind, &s[i].st, &cut)) <= 0) {
				if (e < 0)
					return e;
				close(s[i].fd);
				s[i].fd = -1;
				open--;
			}
		/* reap every zombie: ours and any orphan the kernel hands PID 1 */
		while ((w = waitpid(-1, &e, WNOHANG)) > 0)
			if (w == child) {
				exited = true;
				status = e;
			}
	}
	*ret_status = status;
	return cut;
}

/* ---- result files ---- */

#define MAX_RESULT_FILES 256u
#define MAX_RESULT_DEPTH 8u

/* The open file fd as file records named rel; closes fd. */
static int ship_fd(int fd, const char *rel)
{
	static uint8_t buf[MAX_FILE_RECORD_BYTES];
	uint64_t off = 0;
	int e = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		struct record rec = { .kind = REC_FILE };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = MB_E_IO;
			break;
		}
		rec.u.file.name = (const uint8_t *)rel;
		rec.u.file.name_len = strlen(rel);
		rec.u.file.offset = off;
		rec.u.file.p = buf;
		rec.u.file.n = (size_t)n;
		rec.u.file.last = n < (ssize_t)sizeof(buf);
		if (off > UINT32_MAX - (uint64_t)n) {
			e = MB_E_LIMIT;
			break;
		}
		if ((e = gi_emit(&rec)) < 0 || rec.u.file.last)
			break;
		off += (uint64_t)n;
	}
	close(fd);
	return e;
}

static int emit_file(int dfd, const char *name, const char *rel)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return 0; /* gone or not openable: nothing to ship */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	return ship_fd(fd, rel);
}

/* The run spec's declared result files, in its order: each shipped
 * under its absolute path when it is the harness's alone (declared.h),
 * else a refused record with the path and why, so the verifier fails
 * the run naming it. */
static int collect_declared(void)
{
	int root = open(NEWROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), e = 0;

	if (root < 0)
		return MB_E_IO;
	for (size_t i = 0; i < G.rs->nresults && e == 0; i++) {
		const char *path = G.rs->results[i];
		struct record rec = { .kind = REC_REFUSED };
		int fd = -1, why = declared_open(root, path, G.rs->uid, &fd);

		if (why == 0) {
			e = ship_fd(fd, path);
			continue;
		}
		gi_console("results: %s not shipped (refused, %d)", path, why);
		rec.u.refused.path = (const uint8_t *)path;
		rec.u.refused.path_len = strlen(path);
		rec.u.refused.why = (uint32_t)why;
		e = gi_emit(&rec);
	}
	close(root);
	return e;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under the results directory, as chained records,
 * in bytewise name order; links and other kinds are neither followed
 * nor shipped. */
static int collect_dir(int dfd, const char *prefix, unsigned depth, unsigned *count)
{
	char rel[MAX_TEXT_BYTES], **names = NULL;
	size_t n = 0;
	int e = 0, fd = dup(dfd);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return MB_E_IO;
	}
	names = calloc(MAX_RESULT_FILES + 1, sizeof(*names));
	while (names && (de = readdir(d)) && n <= MAX_RESULT_FILES)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    !(names[n++] = strdup(de->d_name)))
			e = MB_E_NOMEM;
	closedir(d);
	if (!names)
		return MB_E_NOMEM;
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n && e == 0; i++) {
		struct stat st;

		if (!names[i] || fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    snprintf(rel, sizeof(rel), "%s%s", prefix, names[i]) >= (int)sizeof(rel) - 1 ||
		    !cb_utf8_valid((const uint8_t *)rel, strlen(rel)))
			continue;
		if (S_ISREG(st.st_mode)) {
			if (++*count <= MAX_RESULT_FILES)
				e = emit_file(dfd, names[i], rel);
		} else if (S_ISDIR(st.st_mode) && depth < MAX_RESULT_DEPTH) {
			int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

			if (sub >= 0) {
				strcat(rel, "/");
				e = collect_dir(sub, rel, depth + 1, count);
				close(sub);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return e;
}

static int collect_results(void)
{
	unsigned count = 0;
	int dfd = open(RESULTS_MOUNT, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), e;

	if (dfd < 0)
		return MB_E_IO;
	e = collect_dir(dfd, "", 0, &count);
	close(dfd);
	if (count > MAX_RESULT_FILES)
		gi_console("results: %u files, the first %u shipped", count, MAX_RESULT_FILES);
	return e;
}

/* The results directory lives on a tmpfs of its own that guest-init
 * mounts here and the box's init binds into the box: what the harness
 * leaves there is still readable after the box is gone. */
static int mount_results(void)
{
	char opts[96];

	if (mkdir(RESULTS_MOUNT, 0700) < 0 && errno != EEXIST)
		return MB_E_IO;
	snprintf(opts, sizeof(opts), "mode=0700,uid=%u,gid=%u,size=64m,nr_inodes=4096", G.rs->uid, G.rs->gid);
	return mount("tmpfs", RESULTS_MOUNT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0 ? MB_E_IO : 0;
}

/* Yama as a second wall behind the PID namespaces: attaching needs
 * CAP_SYS_PTRACE, which neither the harness nor the agent has. */
static void yama_admin_only(void)
{
	if (write_file("/proc/sys/kernel/yama/ptrace_scope", "2") < 0)
		gi_console("no Yama in this kernel: ptrace is bounded by namespaces and uids alone");
}

/* Runs the harness to its end; returns the record_end reason or an MB_E_*. */
int gi_run_harness(void)
{
	bool boundary = G.rs->has_agent_user, cgroup = setup_cgroup(G.rs->max_procs);
	int out[2], err[2], tap[2] = { -1, -1 }, status = 0, cut, e;
	struct stream s[3];
	size_t ns = 2;
	pid_t child;

	if (!cgroup)
		gi_console("no pids cgroup: the process limit binds non-root users only");
	yama_admin_only();
	if ((e = mount_results()) < 0)
		return e;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || (boundary && pipe2(tap, O_CLOEXEC) < 0))
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
		if (boundary)
			close(tap[0]);
		ns_init(out[1], err[1], tap[1], cgroup);
	}
	close(out[1]);
	close(err[1]);
	s[0] = (struct stream){ out[0], REC_STDOUT, { .next_num = 1 } };
	s[1] = (struct stream){ err[0], REC_STDERR, { .next_num = 1 } };
	if (boundary) {
		close(tap[1]);
		s[ns++] = (struct stream){ tap[0], REC_RESULTS, { .next_num = 1 } };
	}
	if ((cut = supervise(child, s, ns, cgroup, &status)) < 0)
		return cut;
	if ((e = collect_results()) < 0)
		return e;
	if ((e = collect_declared()) < 0)
		return e;
	if ((e = finish(status)) < 0)
		return e;
	return cut ? END_CUT : END_COMPLETE;
}
