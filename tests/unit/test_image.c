// SPDX-License-Identifier: MIT
/*
 * vouch image's staging code: path normalisation and digest parsing
 * tables, and layers built in memory with libarchive applied to a scratch
 * tree: whiteouts, opaque directories, links across layers, and each
 * hostile entry with its exact error (and nothing written for it).
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../vouch/image/image.h"
#include "../../vouch/image/image_stage.h"
#include "../../vouch/image/oci.h"
#include "err.h"
#include "t.h"
#include "tree.h"

static void test_normalize(void)
{
	static const struct {
		const char *in, *out;
		int err;
	} rows[] = {
		{ "./a//b/", "a/b", 0 },   { "/abs/x", "abs/x", 0 }, { ".", "", 0 },
		{ "./", "", 0 },           { "a/./b", "a/b", 0 },    { "a/../b", NULL, IMG_E_PATH_ESCAPE },
		{ "..", NULL, IMG_E_PATH_ESCAPE }, { "../x", NULL, IMG_E_PATH_ESCAPE },
		{ "x/..", NULL, IMG_E_PATH_ESCAPE }, { "...", "...", 0 }, { "..a", "..a", 0 },
	};
	char out[MAX_PATH_BYTES + 1], longname[300], longpath[MAX_PATH_BYTES + 64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		strcpy(out, "unchanged");
		int e = stage_normalize(rows[i].in, out);

		CHECK_EQ(e, rows[i].err);
		CHECK(strcmp(out, rows[i].out ? rows[i].out : "unchanged") == 0);
	}
	memset(longname, 'n', 256);
	longname[256] = 0;
	CHECK_EQ(stage_normalize(longname, out), IMG_E_NAME);
	for (size_t i = 0; i < sizeof(longpath) - 1; i++)
		longpath[i] = i % 2 ? '/' : 'p';
	longpath[sizeof(longpath) - 1] = 0;
	CHECK_EQ(stage_normalize(longpath, out), IMG_E_NAME);
	t_report(!t_cur_failed, "stage_normalize: table, '..' refused, limits");
	t_cur_failed = 0;
}

static void test_digest_parse(void)
{
	static const char *const bad[] = {
		"", "sha256:", "sha512:0000000000000000000000000000000000000000000000000000000000000000",
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
	};
	uint8_t d[32], keep[32];

	CHECK_EQ(oci_digest_parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
				  "7852b855", d), 0);
	CHECK(d[0] == 0xe3 && d[31] == 0x55);
	memcpy(keep, d, sizeof(d));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(oci_digest_parse(bad[i], d), IMG_E_DIGEST);
		CHECK_MEM(d, keep, sizeof(d));
	}
	CHECK_EQ(oci_digest_parse(NULL, d), IMG_E_DIGEST);
	t_report(!t_cur_failed, "oci_digest_parse: sha256 only, lowercase, exact length");
	t_cur_failed = 0;
}

/* A layer in memory: entries as "type path [target]" ('f' file with the
 * path as content, 'd' dir, 'l' symlink, 'h' hard link, 'b' huge file). */
static size_t make_layer(const char *const *ents, size_t n, uint8_t *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	size_t used = 0;

	REQUIRE(a && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
	REQUIRE(archive_write_open_memory(a, buf, cap, &used) == ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		const char *p = ents[i] + 2, *sp = strchr(p, ' ');
		char path[512];

		snprintf(path, sizeof(path), "%.*s", sp ? (int)(sp - p) : (int)strlen(p), p);
		archive_entry_set_pathname(e, path);
		archive_entry_set_mtime(e, 1000, 0);
		switch (ents[i][0]) {
		case 'd': archive_entry_set_filetype(e, AE_IFDIR); archive_entry_set_perm(e, 0755); break;
		case 'l': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_set_symlink(e, sp + 1); break;
		case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_hardlink(e, sp + 1); break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, ents[i][0] == 'b' ? 0 : (la_int64_t)strlen(path));
		}
		REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
		if (ents[i][0] == 'f')
			REQUIRE(archive_write_data(a, path, strlen(path)) == (la_ssize_t)strlen(path));
		archive_entry_free(e);
	}
	REQUIRE(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

static char scratch[] = "/tmp/test_image.XXXXXX";

static int apply(struct stage *s, const char *const *ents, size_t n)
{
	static uint8_t buf[1 << 16];
	size_t len = make_layer(ents, n, buf, sizeof(buf));
	struct archive *a = archive_read_new();
	int e;

	REQUIRE(a && archive_read_support_format_tar(a) == ARCHIVE_OK);
	REQUIRE(archive_read_open_memory(a, buf, len) == ARCHIVE_OK);
	e = stage_apply(s, a, STAGE_WHITEOUTS);
	archive_read_free(a);
	return e;
}

static bool exists(const struct stage *s, const char *p)
{
	struct stat st;

	return fstatat(s->root, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void fresh(struct stage *s, const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	REQUIRE(stage_init(s, p, 2000) == 0);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_layers(void)
{
	static const char *const l1[] = {
		"d etc", "f etc/a", "h etc/b etc/a", "d opq", "f opq/old", "d opq/sub", "f opq/sub/x",
		"d gone", "f gone/y", "l etc/link ../etc/a",
	};
	static const char *const l2[] = {
		"f etc/.wh.a", "h etc/c etc/b", "f opq/new", "f opq/.wh..wh..opq", "f .wh.gone",
		"f opq/sub/z",
	};
	struct stage s;
	struct stat b, c;

	fresh(&s, "layers");
	CHECK_EQ(apply(&s, l1, N(l1)), 0);
	CHECK_EQ(apply(&s, l2, N(l2)), 0);
	CHECK(!exists(&s, "etc/a") && exists(&s, "etc/b") && exists(&s, "etc/link"));
	CHECK(fstatat(s.root, "etc/b", &b, 0) == 0 && fstatat(s.root, "etc/c", &c, 0) == 0 &&
	      b.st_ino == c.st_ino);
	CHECK(exists(&s, "opq/new") && !exists(&s, "opq/old") && !exists(&s, "opq/sub/x") &&
	      exists(&s, "opq/sub/z"));
	CHECK(!exists(&s, "gone"));
	CHECK_EQ(stage_finish(&s), 0);
	stage_free(&s);
	t_report(!t_cur_failed, "layers: whiteouts, opaque dir (marker after entries), links across layers");
	t_cur_failed = 0;
}

static void test_hostile(void)
{
	static const struct {
		const char *name;
		const char *ents[3];
		size_t n;
		int err;
		const char *absent;
	} rows[] = {
		{ "path with ..", { "f ../x" }, 1, IMG_E_PATH_ESCAPE, NULL },
		{ "through a symlink", { "l s /tmp", "f s/x" }, 2, IMG_E_SYMLINK_PATH, NULL },
		{ "through a relative symlink", { "l s ..", "f s/x" }, 2, IMG_E_SYMLINK_PATH, NULL },
		{ "parent is a file", { "f p", "f p/x" }, 2, IMG_E_NOT_DIR, NULL },
		{ "hard link outside", { "h x ../../etc/passwd" }, 1, IMG_E_LINK_ESCAPE, "x" },
		{ "hard link to nothing", { "h x nothing" }, 1, IMG_E_LINK_TARGET, "x" },
		{ "hard link to a dir", { "d d", "h x d" }, 2, IMG_E_LINK_TARGET, "x" },
		{ "hard link through a symlink", { "l s /etc", "h x s/passwd" }, 2, IMG_E_SYMLINK_PATH, "x" },
		{ "whiteout of ..", { "f .wh.." }, 1, IMG_E_WHITEOUT, NULL },
		{ "whiteout of .", { "d d", "f d/.wh.." }, 2, IMG_E_WHITEOUT, NULL },
		{ "whiteout through a symlink", { "l s /etc", "f s/.wh.passwd" }, 2, IMG_E_SYMLINK_PATH, NULL },
	};

	for (size_t i = 0; i < N(rows); i++) {
		struct stage s;
		char name[32];

		snprintf(name, sizeof(name), "h%zu", i);
		fresh(&s, name);
		int e = apply(&s, rows[i].ents, rows[i].n);

		CHECK_EQ(e, rows[i].err);
		if (rows[i].absent)
			CHECK(!exists(&s, rows[i].absent));
		stage_free(&s);
		t_report(!t_cur_failed, "hostile layer: %s -> %s", rows[i].name, mb_errname(rows[i].err));
		t_cur_failed = 0;
	}
}

/* The tar of a layer cut at every 512-byte block: refused or applied, never
 * more than it holds (sanitizers watch the rest). */
static void test_truncated(void)
{
	static const char *const l[] = { "d a", "f a/one", "f a/two", "l a/s one" };
	static uint8_t buf[1 << 16];
	size_t len = make_layer(l, N(l), buf, sizeof(buf));
	unsigned refused = 0;

	for (size_t cut = 0; cut < len; cut += 512) {
		struct archive *a = archive_read_new();
		struct stage s;
		char name[32];
		int e;

		snprintf(name, sizeof(name), "t%zu", cut);
		fresh(&s, name);
		REQUIRE(a && archive_read_support_format_tar(a) == ARCHIVE_OK &&
			archive_read_support_format_empty(a) == ARCHIVE_OK);
		e = archive_read_open_memory(a, buf, cut) == ARCHIVE_OK ? stage_apply(&s, a, 0)
									 : IMG_E_ARCHIVE;
		CHECK(e == 0 || e == IMG_E_ARCHIVE);
		refused += e != 0;
		archive_read_free(a);
		stage_free(&s);
	}
	CHECK(refused > 0);
	t_report(!t_cur_failed, "truncated layer at every block: refused or applied whole entries");
	t_cur_failed = 0;
}

static void test_errnames(void)
{
	for (int e = IMG_E_FORMAT; e > IMG_E_MIN_; e--)
		CHECK(strncmp(mb_errname(e), "IMG_E_", 6) == 0 && mb_strerror(e)[0]);
	CHECK(strcmp(mb_errname(MB_E_IO), "MB_E_IO") == 0);
	t_report(!t_cur_failed, "every IMG_E_* code has a name and words");
	t_cur_failed = 0;
}

int main(void)
{
	char cmd[64];

	test_normalize();
	test_digest_parse();
	test_errnames();
	if (geteuid() != 0) { /* the staging tree chowns; vouch image itself uses fakeroot */
		t_report(1, "staging tests # SKIP need root (chown in the staging tree)");
		return t_done();
	}
	REQUIRE(mkdtemp(scratch));
	test_layers();
	test_hostile();
	test_truncated();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
	REQUIRE(system(cmd) == 0);
	return t_done();
}
