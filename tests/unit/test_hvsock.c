// SPDX-License-Identifier: MIT
/* The hybrid vsock's host side (hvsock.c): the "OK <port>\n" reply is
 * taken exactly and nothing else is (each malformed shape refused, the
 * out-parameter untouched); a host connection through a fake backend
 * sends "CONNECT <port>\n" and reads the reply only, leaving what follows
 * on the stream; a backend that closes or refuses fails the connect; a
 * guest connection arrives on "<uds>_<port>". */
#include "t.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "../../vouch/vm/hvsock.h"
#include "../../vouch/vm/proc.h"

static void test_parse(void)
{
	static const struct { const char *s; int want; uint32_t port; } v[] = {
		{ "OK 1024\n", 0, 1024 }, { "OK 0\n", 0, 0 }, { "OK 4294967295\n", 0, 4294967295u },
		{ "OK 4294967296\n", MB_E_MALFORMED, 0 }, { "OK 01\n", MB_E_MALFORMED, 0 },
		{ "OK \n", MB_E_MALFORMED, 0 }, { "OK 12", MB_E_MALFORMED, 0 },
		{ "OK -1\n", MB_E_MALFORMED, 0 }, { "OK +1\n", MB_E_MALFORMED, 0 },
		{ "ok 1\n", MB_E_MALFORMED, 0 }, { "OK  1\n", MB_E_MALFORMED, 0 },
		{ "OK 1 \n", MB_E_MALFORMED, 0 }, { "OK 1\r\n", MB_E_MALFORMED, 0 },
		{ "ERR\n", MB_E_MALFORMED, 0 }, { "", MB_E_MALFORMED, 0 }, { "OK1\n", MB_E_MALFORMED, 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t port = 77;
		int e = hvsock_parse_ok(v[i].s, strlen(v[i].s), &port);

		CHECK_EQ(e, v[i].want);
		CHECK_EQ(port, e == 0 ? v[i].port : 77);
	}
}

static char dir[] = "/tmp/test_hvsock.XXXXXX";

/* A backend on uds that answers one connection with reply (NULL: closes
 * after reading the request) and then writes "after". */
static pid_t fake_backend(const char *uds, const char *reply, int *ret_lfd)
{
	int lfd = unix_socket(uds, true);
	pid_t pid;

	REQUIRE(lfd >= 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char req[64];
		int c = accept(lfd, NULL, NULL);
		ssize_t n;

		if (c < 0)
			_exit(2);
		n = read(c, req, sizeof(req) - 1);
		if (n <= 0)
			_exit(3);
		req[n] = 0;
		if (strcmp(req, "CONNECT 1025\n") != 0)
			_exit(4);
		if (reply && (write(c, reply, strlen(reply)) < 0 || write(c, "after", 5) != 5))
			_exit(5);
		usleep(200000);
		_exit(0);
	}
	*ret_lfd = lfd;
	return pid;
}

static void test_connect(void)
{
	char uds[600], buf[8];
	int lfd, fd = -7, st;
	pid_t pid;

	snprintf(uds, sizeof(uds), "%s/v.sock", dir);
	pid = fake_backend(uds, "OK 3000\n", &lfd);
	CHECK_EQ(hvsock_connect(uds, 1025, frame_now_ms() + 5000, &fd), 0);
	CHECK(fd >= 0);
	if (fd >= 0) {
		/* the reply was read to its newline and no further */
		CHECK_EQ(read(fd, buf, 5), 5);
		CHECK_MEM(buf, "after", 5);
		close(fd);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(lfd);
	unlink(uds);

	/* nothing listens on that guest port: the backend closes */
	fd = -7;
	pid = fake_backend(uds, NULL, &lfd);
	CHECK_EQ(hvsock_connect(uds, 1025, frame_now_ms() + 5000, &fd), MB_E_CLOSED);
	CHECK_EQ(fd, -7);
	waitpid(pid, &st, 0);
	close(lfd);
	unlink(uds);

	/* a reply that is not "OK <n>\n" */
	pid = fake_backend(uds, "NO 1\n", &lfd);
	CHECK_EQ(hvsock_connect(uds, 1025, frame_now_ms() + 5000, &fd), MB_E_MALFORMED);
	CHECK_EQ(fd, -7);
	waitpid(pid, &st, 0);
	close(lfd);
	unlink(uds);

	/* no backend at all */
	CHECK_EQ(hvsock_connect(uds, 1025, frame_now_ms() + 5000, &fd), MB_E_IO);
	CHECK_EQ(fd, -7);
}

static void test_listen(void)
{
	char uds[600], path[700];
	struct stat st;
	int lfd = -7, c, a;

	snprintf(uds, sizeof(uds), "%s/g.sock", dir);
	CHECK_EQ(hvsock_listen(uds, 1024, &lfd), 0);
	snprintf(path, sizeof(path), "%s_1024", uds);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	c = unix_socket(path, false);
	CHECK(c >= 0);
	a = accept(lfd, NULL, NULL);
	CHECK(a >= 0);
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	close(lfd);
	unlink(path);
}

int main(void)
{
	REQUIRE(mkdtemp(dir));
	RUN(test_parse);
	RUN(test_connect);
	RUN(test_listen);
	rmdir(dir);
	return t_done();
}
