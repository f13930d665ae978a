// SPDX-License-Identifier: MIT
/*
 * The agent boundary (agent.h): the box's side, which runs each request
 * as the agent in namespaces of its own, and the helper's side.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

extern char **environ;

static uint32_t get_le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void put_le32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

int agent_request_parse(char *body, size_t n, struct agent_request *ret)
{
	struct agent_request r = { 0 };
	size_t off = 8, want, k = 0;
	char **v;

	if (n < 8 || n > MAX_AGENT_REQUEST_BYTES)
		return -EMSGSIZE;
	r.argc = get_le32(body);
	r.envc = get_le32(body + 4);
	if (r.argc == 0 || r.argc > MAX_AGENT_STRINGS || r.envc > MAX_AGENT_STRINGS - r.argc)
		return -E2BIG;
	want = 1 + r.argc + r.envc;
	v = calloc(r.argc + r.envc + 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* exactly want NUL-terminated strings, ending at the last byte */
	while (k < want && off < n) {
		char *nul = memchr(body + off, 0, n - off);

		if (!nul)
			break;
		if (k == 0)
			r.cwd = body + off;
		else if (k <= r.argc)
			v[k - 1] = body + off;
		else
			v[k] = body + off; /* env after argv's NULL */
		off = (size_t)(nul - body) + 1;
		k++;
	}
	if (k != want || off != n || r.cwd[0] != '/') {
		free(v);
		return -EINVAL;
	}
	v[r.argc] = NULL;
	v[r.argc + 1 + r.envc] = NULL;
	r.argv = v;
	r.envp = v + r.argc + 1;
	*ret = r;
	return 0;
}

void agent_request_free(struct agent_request *r)
{
	free(r->argv);
	r->argv = r->envp = NULL;
}

/* ---- the box's side ---- */

static int mkdir_at(const char *p, mode_t mode)
{
	return mkdir(p, mode) == 0 || errno == EEXIST ? 0 : -errno;
}

static int listen_at(const char *path, uint32_t uid, uint32_t gid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* only the harness's uid may ask: the agent's uid differs (the run
	 * spec decoder refuses the same uid) and it never sees this path */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chown(path, uid, gid) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

#define BOX_TMPFS_OPTS "mode=0755,size=64k,nr_inodes=16"

/* newroot/run/vouch as a tmpfs of its own, with the results directory
 * (guest-init's RESULTS_MOUNT) bound in it; its path in dir. */
static int box_dir(const char *newroot, char *dir, size_t cap)
{
	char results[256];
	int e;

	if (strlen(newroot) > 128)
		return -ENAMETOOLONG;
	snprintf(dir, cap, "%s/run", newroot);
	if ((e = mkdir_at(dir, 0755)) < 0)
		return e;
	snprintf(dir, cap, "%s" AGENT_DIR, newroot);
	snprintf(results, sizeof(results), "%s" AGENT_RESULTS, newroot);
	if ((e = mkdir_at(dir, 0755)) < 0)
		return e;
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, BOX_TMPFS_OPTS) < 0)
		return -errno;
	if (mkdir(results, 0700) < 0 || mount(RESULTS_MOUNT, results, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return 0;
}

/* nothing in it changes from here on */
static int box_dir_seal(const char *dir)
{
	return mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, BOX_TMPFS_OPTS) < 0 ? -errno : 0;
}

int agent_box_results(const char *newroot)
{
	char dir[256];
	int e = box_dir(newroot, dir, sizeof(dir));

	return e < 0 ? e : box_dir_seal(dir);
}

int agent_box_prepare(const char *newroot, uint32_t uid, uint32_t gid, int *ret_fd)
{
	char dir[256], helper[256], sock[256];
	int fd, e;

	if ((e = box_dir(newroot, dir, sizeof(dir))) < 0)
		return e;
	snprintf(helper, sizeof(helper), "%s" AGENT_HELPER, newroot);
	snprintf(sock, sizeof(sock), "%s" AGENT_SOCK, newroot);
	/* the helper is guest-init itself, from the initramfs, read-only */
	if ((fd = open(helper, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755)) < 0)
		return -errno;
	close(fd);
	if (mount("/init", helper, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, helper, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return -errno;
	if ((fd = listen_at(sock, uid, gid)) < 0)
		return fd;
	if ((e = box_dir_seal(dir)) < 0) {
		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

static __attribute__((noreturn)) void agent_fail(const char *what, int err)
{
	dprintf(STDERR_FILENO, "as-agent: %s: %s\n", what, strerror(err));
	_exit(126);
}

/* The agent itself: streams from the request, then its identity. */
static __attribute__((noreturn)) void agent_exec(const struct agent_request *rq, const int fds[3],
						 uint32_t uid, uint32_t gid, uint32_t max_procs)
{
	int e;

	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(126);
	if ((e = confine_close_from(3)) < 0)
		agent_fail("closing descriptors", -e);
	if (setsid() < 0)
		agent_fail("session", errno);
	if ((e = confine_limits(0, max_procs)) < 0)
		agent_fail("limits", -e);
	if ((e = confine_caps_bound_all()) < 0)
		agent_fail("capabilities", -e);
	if ((e = confine_user(uid, gid, NULL, 0)) < 0)
		agent_fail("user", -e);
	if ((e = confine_caps_clear()) < 0)
		agent_fail("capabilities", -e);
	if ((e = confine_seccomp()) < 0)
		agent_fail("seccomp", -e);
	if (chdir(rq->cwd) < 0)
		agent_fail(rq->cwd, errno);
	confine_exec(rq->argv, rq->envp);
	dprintf(STDERR_FILENO, "as-agent: cannot run %s: %s\n", rq->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* PID 1 of the agent's namespace: its own /proc (it sees only its own
 * processes), no /run/vouch; runs the agent, reaps, and exits with the
 * agent's status. When it exits, the kernel kills what the agent left. */
static __attribute__((noreturn)) void agent_ns_init(const struct agent_request *rq, const int fds[3],
						    uint32_t uid, uint32_t gid, uint32_t max_procs)
{
	int e, status = 0;
	pid_t a, w;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		agent_fail("dumpable", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chdir("/") < 0)
		agent_fail("mount namespace", errno);
	if (umount2(AGENT_DIR, MNT_DETACH) < 0)
		agent_fail("hiding " AGENT_DIR, errno);
	if (umount2("/proc", MNT_DETACH) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		agent_fail("/proc", errno);
	if ((e = confine_seal_proc()) < 0)
		agent_fail("sealing /proc", -e);
	a = fork();
	if (a < 0)
		agent_fail("fork", errno);
	if (a == 0)
		agent_exec(rq, fds, uid, gid, max_procs);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	for (;;) {
		w = wait(&status);
		if (w == a)
			break;
		if (w < 0 && errno != EINTR)
			_exit(126);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int read_full(int fd, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ECONNRESET;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The header, with exactly three descriptors attached to it. */
static int recv_header(int cfd, char hdr[static AGENT_HEADER_BYTES], int fds[3])
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = hdr, .iov_len = AGENT_HEADER_BYTES };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(cfd, &msg, MSG_CMSG_CLOEXEC);

	if (n <= 0)
		return n < 0 ? -errno : -ECONNRESET;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(3 * sizeof(int)) || (msg.msg_flags & MSG_CTRUNC)) {
		/* close whatever came, then refuse */
		for (; c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
					close(((int *)CMSG_DATA(c))[i]);
		return -EBADMSG;
	}
	memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
	if ((size_t)n < AGENT_HEADER_BYTES)
		return read_full(cfd, hdr + n, AGENT_HEADER_BYTES - (size_t)n);
	return 0;
}

/* Waits for the agent's namespace init, or for the helper to go away
 * (then the agent goes too); answers with the status. */
static int await(int cfd, pid_t a)
{
	int pfd = (int)syscall(SYS_pidfd_open, a, 0), status = 0;
	char out[4];

	if (pfd < 0)
		return -errno;
	for (;;) {
		struct pollfd p[2] = { { pfd, POLLIN, 0 }, { cfd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents) /* the helper left (or spoke out of turn) */
			kill(a, SIGKILL);
	}
	while (waitpid(a, &status, 0) < 0 && errno == EINTR)
		;
	put_le32(out, WIFEXITED(status) ? (uint32_t)WEXITSTATUS(status) : 128u + (uint32_t)WTERMSIG(status));
	return write_full(cfd, out, sizeof(out));
}

static __attribute__((noreturn)) void serve(int cfd, uint32_t uid, uint32_t gid, uint32_t max_procs)
{
	char hdr[AGENT_HEADER_BYTES], *body = NULL;
	struct agent_request rq;
	int fds[3] = { -1, -1, -1 }, e;
	uint32_t n;
	pid_t a;

	if ((e = recv_header(cfd, hdr, fds)) < 0)
		_exit(125);
	n = get_le32(hdr + 4);
	if (memcmp(hdr, AGENT_MAGIC, 4) != 0 || n > MAX_AGENT_REQUEST_BYTES || !(body = malloc(n + 1u)) ||
	    read_full(cfd, body, n) < 0 || agent_request_parse(body, n, &rq) < 0) {
		dprintf(fds[2], "as-agent: malformed request refused\n");
		_exit(125);
	}
	if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
		dprintf(fds[2], "as-agent: namespaces: %s\n", strerror(errno));
		_exit(125);
	}
	a = fork();
	if (a < 0)
		_exit(125);
	if (a == 0) {
		close(cfd);
		agent_ns_init(&rq, fds, uid, gid, max_procs);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	_exit(await(cfd, a) < 0 ? 125 : 0);
}

int agent_box_accept(int lfd, const struct agent_ids *ids)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	pid_t r;

	if (cfd < 0)
		return errno == EINTR || errno == EAGAIN || errno == ECONNABORTED ? 0 : -errno;
	/* the socket's mode already says so; the kernel's word on the peer
	 * is checked as well */
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != ids->harness_uid) {
		close(cfd);
		return 0;
	}
	r = fork();
	if (r == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(lfd);
		serve(cfd, ids->agent_uid, ids->agent_gid, ids->max_procs);
	}
	close(cfd);
	return r < 0 ? -errno : 0;
}

/* ---- the helper's side ---- */

static bool private_var(const char *e)
{
	static const char *const names[] = { "VOUCH_AS_AGENT=", "VOUCH_TAP_FD=", "VOUCH_RESULTS_DIR=" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static int append(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > MAX_AGENT_REQUEST_BYTES - *len)
		return -E2BIG;
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

static int build_request(int argc, char **argv, char **ret, size_t *ret_n)
{
	char cwd[4096], *buf = malloc(MAX_AGENT_REQUEST_BYTES);
	size_t len = AGENT_HEADER_BYTES + 8;
	uint32_t envc = 0;
	int e = 0;

	if (!buf)
		return -ENOMEM;
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	e = append(&buf, &len, cwd);
	for (int i = 1; i < argc && e == 0; i++)
		e = append(&buf, &len, argv[i]);
	for (char **v = environ; v && *v && e == 0; v++)
		if (!private_var(*v)) {
			e = append(&buf, &len, *v);
			envc++;
		}
	if (e < 0 || (uint32_t)(argc - 1) + envc > MAX_AGENT_STRINGS) {
		free(buf);
		return e < 0 ? e : -E2BIG;
	}
	memcpy(buf, AGENT_MAGIC, 4);
	put_le32(buf + 4, (uint32_t)(len - AGENT_HEADER_BYTES));
	put_le32(buf + 8, (uint32_t)(argc - 1));
	put_le32(buf + 12, envc);
	*ret = buf;
	*ret_n = len;
	return 0;
}

static int send_request(int fd, const char *buf, size_t n)
{
	int fds[3] = { 0, 1, 2 };
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = AGENT_HEADER_BYTES };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t w;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	while ((w = sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return -errno;
	return write_full(fd, buf + w, n - (size_t)w);
}

int agent_helper_main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = AGENT_SOCK };
	char *req = NULL, st[4];
	size_t n = 0;
	int fd, e;

	if (argc < 2) {
		fprintf(stderr, "usage: $VOUCH_AS_AGENT CMD [ARG...]: runs CMD as the agent\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "as-agent: cannot reach the box's init at %s: %s\n", AGENT_SOCK, strerror(errno));
		return 125;
	}
	if ((e = build_request(argc, argv, &req, &n)) < 0 || (e = send_request(fd, req, n)) < 0) {
		fprintf(stderr, "as-agent: sending the request: %s\n", mb_strerror(e));
		return 125;
	}
	free(req);
	if ((e = read_full(fd, st, sizeof(st))) < 0) {
		fprintf(stderr, "as-agent: no status from the box's init: %s\n", mb_strerror(e));
		return 125;
	}
	return (int)(get_le32(st) & 0xff);
}
