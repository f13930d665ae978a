// SPDX-License-Identifier: MIT
/* Framing over a byte stream: parse, bad headers, a real socketpair with
 * split writes, deadlines and a cut stream. */
#include "t.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frame.h"

static void test_parse_good_and_partial(void)
{
	uint8_t buf[16] = { FRAME_RECORD, 0, 0, 0, 3, 'a', 'b', 'c', FRAME_ERROR };
	struct frame f = { 0 };
	size_t used = 0;

	for (size_t cut = 0; cut < 8; cut++)
		CHECK_EQ(frame_parse(buf, cut, &f, &used), 0);
	CHECK_EQ(f.type, 0);
	CHECK_EQ(frame_parse(buf, 9, &f, &used), 1);
	CHECK_EQ(used, 8);
	CHECK_EQ(f.type, FRAME_RECORD);
	CHECK_EQ(f.n, 3);
	CHECK_MEM(f.p, "abc", 3);
}

static void test_parse_bad_headers(void)
{
	uint8_t zero_type[] = { 0, 0, 0, 0, 0 };
	uint8_t high_type[] = { FRAME_TYPE_MAX_ + 1, 0, 0, 0, 0 };
	uint8_t over[] = { FRAME_RECORD, 0x00, 0x10, 0x00, 0x01 };
	uint8_t huge[] = { FRAME_RECORD, 0xff, 0xff, 0xff, 0xff };
	uint8_t max[] = { FRAME_RECORD, 0x00, 0x10, 0x00, 0x00 };
	struct frame f = { .type = 77 };
	size_t used = 55;

	t_report(frame_parse(zero_type, 1, &f, &used) == MB_E_FRAME_TYPE, "frame type 0 refused");
	t_report(frame_parse(high_type, 5, &f, &used) == MB_E_FRAME_TYPE, "frame type past the last refused");
	t_report(frame_parse(over, 5, &f, &used) == MB_E_TOO_LARGE, "payload one past the limit refused");
	t_report(frame_parse(huge, 5, &f, &used) == MB_E_TOO_LARGE, "payload of 4 GiB refused");
	t_report(frame_parse(max, 5, &f, &used) == 0, "payload at the limit waits for more");
	CHECK(f.type == 77 && used == 55);
}

static void test_socketpair_round_trip(void)
{
	int sv[2];
	struct frame_reader r;
	struct frame f;
	static uint8_t big[MAX_FRAME_PAYLOAD_BYTES];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	REQUIRE(frame_reader_init(&r, sv[1]) == 0);
	memset(big, 0x42, sizeof(big));
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		/* a header split across writes, then a big frame, then an empty one */
		uint8_t hdr[FRAME_HEADER_BYTES];

		frame_header(hdr, FRAME_RECORD, 2);
		if (write(sv[0], hdr, 2) != 2)
			_exit(1);
		usleep(20000);
		if (write(sv[0], hdr + 2, 3) != 3 || write(sv[0], "hi", 2) != 2)
			_exit(1);
		if (frame_write(sv[0], FRAME_QUOTE, big, sizeof(big)) < 0)
			_exit(1);
		if (frame_write(sv[0], FRAME_ERROR, NULL, 0) < 0)
			_exit(1);
		_exit(0);
	}
	close(sv[0]);
	CHECK_EQ(frame_read(&r, frame_now_ms() + 10000, &f), 0);
	CHECK(f.type == FRAME_RECORD && f.n == 2 && memcmp(f.p, "hi", 2) == 0);
	CHECK_EQ(frame_read(&r, frame_now_ms() + 10000, &f), 0);
	CHECK(f.type == FRAME_QUOTE && f.n == sizeof(big) && f.p[f.n - 1] == 0x42);
	CHECK_EQ(frame_read(&r, frame_now_ms() + 10000, &f), 0);
	CHECK(f.type == FRAME_ERROR && f.n == 0);
	CHECK_EQ(frame_read(&r, frame_now_ms() + 10000, &f), MB_E_CLOSED);
	int st;

	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	frame_reader_free(&r);
	close(sv[1]);
}

static void test_cut_inside_a_frame(void)
{
	int sv[2];
	struct frame_reader r;
	struct frame f;
	uint8_t part[] = { FRAME_RECORD, 0, 0, 0, 10, 'a', 'b' };

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	REQUIRE(frame_reader_init(&r, sv[1]) == 0);
	REQUIRE(write(sv[0], part, sizeof(part)) == (ssize_t)sizeof(part));
	close(sv[0]);
	CHECK_EQ(frame_read(&r, frame_now_ms() + 5000, &f), MB_E_TRUNCATED);
	frame_reader_free(&r);
	close(sv[1]);
}

static void test_deadline(void)
{
	int sv[2];
	struct frame_reader r;
	struct frame f;
	int64_t t0;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	REQUIRE(frame_reader_init(&r, sv[1]) == 0);
	REQUIRE(write(sv[0], "\x02\x00", 2) == 2); /* a header that never completes */
	t0 = frame_now_ms();
	CHECK_EQ(frame_read(&r, t0 + 100, &f), MB_E_TIMEOUT);
	CHECK(frame_now_ms() - t0 >= 100);
	frame_reader_free(&r);
	close(sv[0]);
	close(sv[1]);
}

static void test_garbage_stream(void)
{
	int sv[2];
	struct frame_reader r;
	struct frame f;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	REQUIRE(frame_reader_init(&r, sv[1]) == 0);
	REQUIRE(write(sv[0], "GET / HTTP/1.1\r\n", 16) == 16);
	CHECK_EQ(frame_read(&r, frame_now_ms() + 5000, &f), MB_E_FRAME_TYPE);
	frame_reader_free(&r);
	close(sv[0]);
	close(sv[1]);
}

static void test_write_refuses(void)
{
	int sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK_EQ(frame_write(sv[0], 0, "x", 1), MB_E_FRAME_TYPE);
	CHECK_EQ(frame_write(sv[0], FRAME_RECORD, "x", MAX_FRAME_PAYLOAD_BYTES + 1), MB_E_TOO_LARGE);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_EQ(frame_write(sv[0], FRAME_RECORD, "x", 1), MB_E_CLOSED);
	close(sv[0]);
}

int main(void)
{
	RUN(test_parse_good_and_partial);
	test_parse_bad_headers();
	RUN(test_socketpair_round_trip);
	RUN(test_cut_inside_a_frame);
	RUN(test_deadline);
	RUN(test_garbage_stream);
	RUN(test_write_refuses);
	return t_done();
}
