// SPDX-License-Identifier: MIT
/*
 * The agent boundary's request parser (guest-init/agent.c), built for the
 * host from the guest's own source: what the box's init accepts from the
 * helper, and everything it refuses (every truncation, lying counts, no
 * argv, too many strings, bytes after the last string, a relative working
 * directory, oversized bodies), with the output untouched on refusal.
 */
#include "t.h"

#include <errno.h>

#include "../../guest-init/agent.h"

static void le32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

/* A body: argc, envc, then cwd, argv..., env... each NUL-terminated. */
static size_t body(char *out, size_t cap, const char *cwd, const char *const *argv, size_t argc,
		   const char *const *env, size_t envc)
{
	size_t n = 8;

	le32(out, (uint32_t)argc);
	le32(out + 4, (uint32_t)envc);
	REQUIRE(strlen(cwd) + 1 < cap - n);
	memcpy(out + n, cwd, strlen(cwd) + 1);
	n += strlen(cwd) + 1;
	for (size_t i = 0; i < argc + envc; i++) {
		const char *s = i < argc ? argv[i] : env[i - argc];

		REQUIRE(strlen(s) + 1 < cap - n);
		memcpy(out + n, s, strlen(s) + 1);
		n += strlen(s) + 1;
	}
	return n;
}

static const char *const argv3[] = { "/opt/agent/calc", "add", "" };
static const char *const env2[] = { "PATH=/bin", "HOME=/" };

static void test_good(void)
{
	char b[512];
	size_t n = body(b, sizeof(b), "/opt/harness", argv3, 3, env2, 2);
	struct agent_request r;

	REQUIRE(agent_request_parse(b, n, &r) == 0);
	CHECK_EQ(r.argc, 3);
	CHECK_EQ(r.envc, 2);
	CHECK(strcmp(r.cwd, "/opt/harness") == 0);
	CHECK(strcmp(r.argv[0], "/opt/agent/calc") == 0 && strcmp(r.argv[2], "") == 0 && !r.argv[3]);
	CHECK(strcmp(r.envp[1], "HOME=/") == 0 && !r.envp[2]);
	agent_request_free(&r);
	/* no environment at all is fine */
	n = body(b, sizeof(b), "/", argv3, 1, NULL, 0);
	REQUIRE(agent_request_parse(b, n, &r) == 0);
	CHECK(r.envc == 0 && r.envp[0] == NULL);
	agent_request_free(&r);
}

/* Refused with the given error, and the output left as it was. */
static void refused(const char *what, char *b, size_t n, int err)
{
	struct agent_request r = { .argc = 4242 };
	int e = agent_request_parse(b, n, &r);

	t_report(e == err && r.argc == 4242 && r.argv == NULL, "agent request: %s (%d; got %d)", what, err, e);
}

static void test_truncation_every_offset(void)
{
	char b[512], c[512];
	size_t n = body(b, sizeof(b), "/opt/harness", argv3, 3, env2, 2);
	int bad = 0;

	for (size_t cut = 0; cut < n; cut++) {
		struct agent_request r = { .argc = 4242 };
		int e;

		memcpy(c, b, cut);
		e = agent_request_parse(c, cut, &r);
		if (e == 0 || r.argc != 4242 || (e != -EINVAL && e != -EMSGSIZE))
			bad++;
	}
	t_report(bad == 0, "agent request: every truncation of %zu bytes refused (%d accepted or odd)", n, bad);
}

static void test_bad_requests(void)
{
	char b[512];
	size_t n;

	n = body(b, sizeof(b), "/", argv3, 3, env2, 2);
	b[n] = 'x';
	refused("a byte after the last string", b, n + 1, -EINVAL);
	n = body(b, sizeof(b), "/", argv3, 3, env2, 2);
	b[n - 1] = 'x';
	refused("the last string not terminated", b, n, -EINVAL);
	n = body(b, sizeof(b), "/", argv3, 3, env2, 2);
	le32(b + 4, 3);
	refused("more strings counted than sent", b, n, -EINVAL);
	n = body(b, sizeof(b), "/", argv3, 3, env2, 2);
	le32(b + 4, 1);
	refused("fewer strings counted than sent", b, n, -EINVAL);
	n = body(b, sizeof(b), "/", argv3, 0, env2, 2);
	refused("no argv", b, n, -E2BIG);
	n = body(b, sizeof(b), "/", argv3, 3, env2, 2);
	le32(b, MAX_AGENT_STRINGS + 1);
	refused("argc past the limit", b, n, -E2BIG);
	le32(b, 1);
	le32(b + 4, UINT32_MAX);
	refused("envc that would wrap the count", b, n, -E2BIG);
	n = body(b, sizeof(b), "opt/harness", argv3, 3, env2, 2);
	refused("a relative working directory", b, n, -EINVAL);
	n = body(b, sizeof(b), "", argv3, 3, env2, 2);
	refused("an empty working directory", b, n, -EINVAL);
	refused("a body shorter than its counts", b, 7, -EMSGSIZE);
	refused("a body over MAX_AGENT_REQUEST_BYTES", b, (size_t)MAX_AGENT_REQUEST_BYTES + 1, -EMSGSIZE);
}

int main(void)
{
	RUN(test_good);
	test_truncation_every_offset();
	test_bad_requests();
	return t_done();
}
