// SPDX-License-Identifier: MIT
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

pid_t proc_spawn_fds(char *const argv[], const char *log_path, const int *keep, size_t nkeep)
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
		execvp(argv[0], argv);
		dprintf(2, "vouch: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
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
