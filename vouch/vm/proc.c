// SPDX-License-Identifier: MIT
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "io.h"
#include "mb_limits.h"
#include "sha256.h"

int pathf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap ? MB_E_PATH : 0;
}

/* This process's uid and gid mapped to themselves in a user namespace
 * just made (an unprivileged user may map only its own ids). */
static int map_self(void)
{
	char m[64];
	int n;

	if (file_write_all("/proc/self/setgroups", "deny", 4) < 0)
		return -1;
	n = snprintf(m, sizeof(m), "%u %u 1\n", (unsigned)getuid(), (unsigned)getuid());
	if (file_write_all("/proc/self/uid_map", m, (size_t)n) < 0)
		return -1;
	n = snprintf(m, sizeof(m), "%u %u 1\n", (unsigned)getgid(), (unsigned)getgid());
	return file_write_all("/proc/self/gid_map", m, (size_t)n) < 0 ? -1 : 0;
}

/* The middle process of proc_spawn_contained: in the launcher's pid
 * namespace, dies with the launcher; its child is the first process of
 * a new pid namespace and dies with it; when that one dies, the kernel
 * kills everything else in its namespace. */
static void contained_middle(char *const argv[])
{
	int alive[2], st;
	pid_t pid;

	if (unshare(CLONE_NEWPID) < 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			return; /* no namespace to be had: run as proc_spawn would */
		if (map_self() < 0 || unshare(CLONE_NEWPID) < 0) {
			dprintf(2, "vouch: a pid namespace for %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
	}
	if (pipe2(alive, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		_exit(127);
	if (pid == 0) {
		struct pollfd p = { .fd = alive[0], .events = POLLIN };

		close(alive[1]);
		/* the middle gone before the prctl shows as the pipe's end */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&p, 1, 0) != 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "vouch: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(alive[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* The child: dies with the launcher, logs to log_path, keeps keep[] open
 * across exec; contained, it runs argv as the first process of a pid
 * namespace of its own (contained_middle). */
static pid_t spawn(char *const argv[], const char *log_path, const int *keep, size_t nkeep, bool contained)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* dies with the launcher, even when the launcher is SIGKILLed;
		 * a parent already gone before the prctl is caught by getppid */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		if (log_path) {
			int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(127);
		}
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, 0);
		/* the descriptors handed over (listening sockets) survive exec */
		for (size_t i = 0; i < nkeep; i++)
			if (fcntl(keep[i], F_SETFD, 0) < 0)
				_exit(127);
		/* the child gets its own process group: a Ctrl-C on our
		 * terminal reaches us, and we decide how it ends */
		setpgid(0, 0);
		if (contained)
			contained_middle(argv);
		execvp(argv[0], argv);
		dprintf(2, "vouch: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

pid_t proc_spawn_fds(char *const argv[], const char *log_path, const int *keep, size_t nkeep)
{
	return spawn(argv, log_path, keep, nkeep, false);
}

pid_t proc_spawn_contained(char *const argv[], const char *log_path)
{
	return spawn(argv, log_path, NULL, 0, true);
}

pid_t proc_spawn(char *const argv[], const char *log_path)
{
	return proc_spawn_fds(argv, log_path, NULL, 0);
}

int proc_wait(pid_t pid, int64_t deadline_ms)
{
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return status;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (frame_now_ms() >= deadline_ms) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

int proc_run(char *const argv[], const char *log_path, int64_t deadline_ms)
{
	pid_t pid = proc_spawn(argv, log_path);
	int st;

	if (pid < 0)
		return -1;
	st = proc_wait(pid, deadline_ms);
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void proc_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	/* reaped either way: proc_wait sends SIGKILL past the deadline */
	(void)proc_wait(pid, frame_now_ms() + 2000);
}

int file_read_all(const char *path, uint8_t **ret, size_t *ret_n, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	uint8_t *buf;
	size_t got = 0;

	if (fd < 0)
		return MB_E_IO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return MB_E_FILE_TYPE;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return MB_E_TOO_LARGE;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return MB_E_NOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return MB_E_CHANGED;
	}
	*ret = buf;
	*ret_n = got;
	return 0;
}

int file_write_all(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return MB_E_IO;
	if (mb_write_all(fd, p, n) < 0) {
		close(fd);
		return MB_E_IO;
	}
	return close(fd) == 0 ? 0 : MB_E_IO;
}

int file_sha256(const char *path, uint8_t out[static 32])
{
	static uint8_t buf[1 << 20];
	uint64_t total;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return MB_E_IO;
	e = sha256_fd(fd, buf, sizeof(buf), out, &total);
	close(fd);
	return e;
}

int dir_remove_tree(const char *path)
{
	char *argv[] = { "rm", "-rf", "--one-file-system", "--", (char *)path, NULL };

	return proc_run(argv, NULL, frame_now_ms() + 60000);
}

/* pid's start time (clock ticks after boot, /proc/PID/stat field 22) and
 * whether it is a zombie. MB_E_CLOSED when there is no such process. */
static int proc_stat(pid_t pid, unsigned long long *ret_start, bool *ret_zombie)
{
	char path[64], buf[1024], *p;
	uint64_t v;
	size_t len;
	ssize_t n;
	char state;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? MB_E_CLOSED : MB_E_IO;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0 && errno == ESRCH)
		n = 0;
	close(fd);
	if (n <= 0)
		return n == 0 ? MB_E_CLOSED : MB_E_IO;
	buf[n] = 0;
	/* the command's name may hold spaces and ')': the fields that
	 * follow it start after the last ')' */
	if (!(p = strrchr(buf, ')')) || p[1] != ' ' || !p[2])
		return MB_E_MALFORMED;
	p += 2; /* field 3, the state */
	state = *p;
	for (int f = 3; f < 22; f++)
		if (!(p = strchr(p, ' ')) || !*++p)
			return MB_E_MALFORMED;
	if (mb_dec_prefix(p, strlen(p), UINT64_MAX, &v, &len) < 0 ||
	    (p[len] != ' ' && p[len] != '\n' && p[len]))
		return MB_E_MALFORMED;
	*ret_start = v;
	*ret_zombie = state == 'Z' || state == 'X';
	return 0;
}

/* This process's pid namespace: the inode of /proc/self/ns/pid. */
static int pid_ns(unsigned long long *ret)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) < 0)
		return MB_E_IO;
	*ret = (unsigned long long)st.st_ino;
	return 0;
}

int run_dir_claim(const char *dir)
{
	char tmp[PATH_MAX], path[PATH_MAX], text[80];
	unsigned long long start, ns;
	bool zombie;
	int e, n;

	if ((e = pathf(tmp, sizeof(tmp), "%s/%s.tmp", dir, RUN_OWNER_FILE)) < 0 ||
	    (e = pathf(path, sizeof(path), "%s/%s", dir, RUN_OWNER_FILE)) < 0)
		return e;
	if ((e = proc_stat(getpid(), &start, &zombie)) < 0 || (e = pid_ns(&ns)) < 0)
		return e;
	n = snprintf(text, sizeof(text), "%d %llu %llu\n", (int)getpid(), start, ns);
	if ((e = file_write_all(tmp, text, (size_t)n)) < 0)
		return e;
	if (rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return MB_E_IO;
	}
	return 0;
}

/* A run of 1 to max digits, without a leading zero (but "0"), ended by
 * term; *s moves past term. */
static int owner_number(const char **s, const char *end, size_t max, char term, unsigned long long *ret)
{
	size_t avail = (size_t)(end - *s), len;
	uint64_t v;
	int e;

	if ((e = mb_dec_prefix(*s, avail < max ? avail : max, UINT64_MAX, &v, &len)) == MB_E_RANGE)
		return e;
	if (e < 0 || len >= avail || (*s)[len] != term || (**s == '0' && len > 1))
		return MB_E_MALFORMED;
	*s += len + 1;
	*ret = v;
	return 0;
}

struct owner {
	pid_t pid;
	unsigned long long start, ns;
};

/* The owner file of the run directory name under parent (dfd): only in a
 * directory of this user's, only a regular file of this user's, only
 * "PID STARTTIME PIDNS\n" and nothing more. */
static int read_owner(int pfd, const char *name, struct owner *ret)
{
	char buf[80];
	const char *p = buf, *end;
	unsigned long long pid, start, ns;
	struct stat st;
	ssize_t n;
	int dfd, fd, e = MB_E_FILE_TYPE;

	dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return MB_E_IO;
	if (fstat(dfd, &st) < 0 || st.st_uid != geteuid()) {
		close(dfd);
		return MB_E_FILE_TYPE;
	}
	fd = openat(dfd, RUN_OWNER_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return MB_E_IO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size <= 0 || (size_t)st.st_size >= sizeof(buf))
		goto out;
	n = read(fd, buf, sizeof(buf));
	e = MB_E_MALFORMED;
	if (n != st.st_size)
		goto out;
	end = buf + n;
	if ((e = owner_number(&p, end, 10, ' ', &pid)) < 0 || (e = owner_number(&p, end, 20, ' ', &start)) < 0 ||
	    (e = owner_number(&p, end, 20, '\n', &ns)) < 0)
		goto out;
	if (p != end || pid == 0 || pid > INT_MAX) {
		e = p != end ? MB_E_TRAILING : MB_E_RANGE;
		goto out;
	}
	*ret = (struct owner){ (pid_t)pid, start, ns };
	e = 0;
out:
	close(fd);
	return e;
}

/* Gone: no such process, a zombie, or another process with its pid.
 * An owner in another pid namespace (a container sharing TMPDIR) cannot
 * be told by its pid here, and when /proc cannot tell either, the owner
 * is taken to be there. */
static bool owner_gone(const struct owner *o, unsigned long long our_ns)
{
	unsigned long long now;
	bool zombie;
	int e;

	if (o->ns != our_ns)
		return false;
	if (kill(o->pid, 0) < 0 && errno == ESRCH)
		return true;
	e = proc_stat(o->pid, &now, &zombie);
	if (e == MB_E_CLOSED)
		return true;
	return e == 0 && (zombie || now != o->start);
}

/* mkdtemp's six characters */
static bool temp_suffix(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= 6 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
				(s[i] >= '0' && s[i] <= '9')))
			return false;
	return i == 6;
}

int run_dirs_sweep(const char *parent, const char *prefix, unsigned *ret_removed)
{
	size_t pl = strlen(prefix);
	unsigned long long ns;
	unsigned removed = 0;
	struct dirent *d;
	DIR *dir;
	int e;

	if ((e = pid_ns(&ns)) < 0)
		return e;
	if (!(dir = opendir(parent)))
		return MB_E_IO;
	while ((d = readdir(dir)) != NULL) {
		char path[PATH_MAX];
		struct owner o;

		if (strncmp(d->d_name, prefix, pl) != 0 || !temp_suffix(d->d_name + pl) ||
		    read_owner(dirfd(dir), d->d_name, &o) < 0 || !owner_gone(&o, ns) ||
		    pathf(path, sizeof(path), "%s/%s", parent, d->d_name) < 0)
			continue;
		if (dir_remove_tree(path) == 0)
			removed++;
	}
	closedir(dir);
	*ret_removed = removed;
	return 0;
}

int copy_tree(const char *from, const char *to)
{
	char *argv[] = { "cp", "-a", "--", (char *)from, (char *)to, NULL };

	return proc_run(argv, NULL, frame_now_ms() + 60000);
}

const char *proc_sbin(const char *name, char *buf, size_t cap)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (pathf(buf, cap, "%s/%s", dirs[i], name) == 0 && access(buf, X_OK) == 0)
			return buf;
	return name;
}

int unix_socket(const char *path, bool listening)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return MB_E_PATH;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return MB_E_IO;
	if (listening ? bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0
		      : connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return MB_E_IO;
	}
	return fd;
}

int file_keep(const char *dir, const char *out, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX];

	if (pathf(from, sizeof(from), "%s/%s", dir, name) < 0 || access(from, F_OK) != 0 ||
	    pathf(to, sizeof(to), "%s/%s", out, name) < 0)
		return 0;
	if (rename(from, to) < 0 && copy_tree(from, to) < 0)
		return MB_E_IO;
	return 0;
}
