// SPDX-License-Identifier: MIT
/* Tree digest on real directories: what changes it, what does not, and
 * what it refuses. (tests/xcheck/tree_digest.sh checks it against an
 * independent implementation.) */
#include "t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mb_limits.h"
#include "tree.h"

static char base[] = "/tmp/vouch-test-tree-XXXXXX";

static void sh(const char *fmt, const char *arg)
{
	char cmd[4096];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
#pragma GCC diagnostic pop
	REQUIRE(system(cmd) == 0);
}

static void digest(const char *path, uint8_t out[32])
{
	int e = tree_digest(AT_FDCWD, path, out, NULL);

	if (e < 0)
		printf("# %s: %s\n", path, mb_strerror(e));
	REQUIRE(e == 0);
}

static void make_tree(const char *dir, int reverse)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", base, dir);
	if (reverse)
		sh("mkdir -p %s/b/c && printf two > %s/b/c/f2 && printf one > %s/a && ln -s a %s/l", p);
	else
		sh("mkdir -p %s && printf one > %s/a && ln -s a %s/l && mkdir -p %s/b/c", p);
	if (!reverse)
		sh("printf two > %s/b/c/f2", p);
	sh("chmod 0755 %s/b %s/b/c && chmod 0644 %s/a %s/b/c/f2", p);
}

static void test_independent_of_creation_order(void)
{
	uint8_t a[32], b[32];
	char pa[512], pb[512];

	make_tree("one", 0);
	make_tree("two", 1);
	snprintf(pa, sizeof(pa), "%s/one", base);
	snprintf(pb, sizeof(pb), "%s/two", base);
	digest(pa, a);
	digest(pb, b);
	CHECK_MEM(a, b, 32);
	/* nor of timestamps */
	sh("touch -d 2001-01-01 %s/one/a %s/one/b", base);
	digest(pa, b);
	CHECK_MEM(a, b, 32);
}

static void changed(const char *what, const char *cmd, const char *undo)
{
	uint8_t a[32], b[32], c[32];
	char p[512];

	snprintf(p, sizeof(p), "%s/one", base);
	digest(p, a);
	sh(cmd, p);
	digest(p, b);
	sh(undo, p);
	digest(p, c);
	t_report(memcmp(a, b, 32) != 0 && memcmp(a, c, 32) == 0, "tree digest changes with %s", what);
}

static void test_what_changes_it(void)
{
	changed("a content byte", "printf onE > %s/a", "printf one > %s/a");
	changed("a mode bit", "chmod 0645 %s/a", "chmod 0644 %s/a");
	changed("the setuid bit", "chmod 4644 %s/a", "chmod 0644 %s/a");
	changed("the owner", "chown 1:1 %s/a", "chown 0:0 %s/a");
	changed("a rename", "mv %s/a %s/z", "mv %s/z %s/a");
	changed("a symlink target", "ln -sfn b %s/l", "ln -sfn a %s/l");
	changed("an added empty file", "touch %s/b/new", "rm %s/b/new");
	changed("an added empty directory", "mkdir %s/b/new", "rmdir %s/b/new");
	changed("a file turned into a fifo", "rm %s/a && mkfifo -m 0644 %s/a", "rm %s/a && printf one > %s/a && chmod 0644 %s/a");
}

static void test_symlinks_not_followed(void)
{
	uint8_t a[32], b[32];
	char p[512];

	snprintf(p, sizeof(p), "%s/link", base);
	sh("mkdir -p %s/target && ln -sfn target %s/link", base);
	/* the top itself is a symlink: digest of the link, not of the target */
	digest(p, a);
	sh("echo x > %s/target/f", base);
	digest(p, b);
	CHECK_MEM(a, b, 32);
}

static void test_refusals(void)
{
	uint8_t out[32] = { 0x77 };
	char p[8192];
	size_t n;

	CHECK_EQ(tree_digest(AT_FDCWD, "", out, NULL), MB_E_PATH);
	snprintf(p, sizeof(p), "%s/does-not-exist", base);
	CHECK_EQ(tree_digest(AT_FDCWD, p, out, NULL), MB_E_IO);
	/* nesting past MAX_TREE_DEPTH */
	n = (size_t)snprintf(p, sizeof(p), "%s/deep", base);
	for (unsigned i = 0; i <= MAX_TREE_DEPTH + 1; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/d");
	sh("mkdir -p %s", p);
	snprintf(p, sizeof(p), "%s/deep", base);
	CHECK_EQ(tree_digest(AT_FDCWD, p, out, NULL), MB_E_LIMIT);
	CHECK_EQ(out[0], 0x77);
}

static void test_stats_and_single_file(void)
{
	struct tree_stats st = { 0 };
	uint8_t a[32];
	char p[512];

	snprintf(p, sizeof(p), "%s/two", base);
	CHECK_EQ(tree_digest(AT_FDCWD, p, a, &st), 0);
	CHECK_EQ(st.entries, 6); /* top, a, b, b/c, b/c/f2, l */
	CHECK_EQ(st.content_bytes, 6);
	snprintf(p, sizeof(p), "%s/two/a", base);
	CHECK_EQ(tree_digest(AT_FDCWD, p, a, &st), 0);
	CHECK_EQ(st.entries, 1);
	/* relative to a directory descriptor */
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint8_t b[32];

	REQUIRE(fd >= 0);
	CHECK_EQ(tree_digest(fd, "two/a", b, NULL), 0);
	CHECK_MEM(a, b, 32);
	close(fd);
}

int main(void)
{
	REQUIRE(mkdtemp(base) != NULL);
	RUN(test_independent_of_creation_order);
	test_what_changes_it();
	RUN(test_symlinks_not_followed);
	RUN(test_refusals);
	RUN(test_stats_and_single_file);
	sh("rm -rf %s", base);
	return t_done();
}
