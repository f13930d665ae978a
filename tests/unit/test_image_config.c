// SPDX-License-Identifier: MIT
/*
 * The User of an image config resolved in the image's own /etc/passwd and
 * /etc/group as runc resolves it (vouch/image/image_config.c): one row per
 * form (name, number, with a group name or number, none), the first match
 * winning, a number with no entry taking gid 0 and home /, and each name
 * that is not there refused with IMG_E_USER and nothing written.
 */
#include <string.h>

#include "../../vouch/image/image.h"
#include "../../vouch/image/image_config.h"
#include "t.h"

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"# a comment line, skipped\n"
	"\n"
	"bad:x:notanumber:1::/bad:/bin/sh\n"
	"app:x:1000:1001:App:/home/app:/bin/sh\n"
	"app:x:2000:2000:second app, never used:/nope:/bin/sh\n"
	"nohome:x:1500:1500::\n"
	"short:x:1600\n"
	"svc:x:999:999::/srv/svc:/usr/sbin/nologin"; /* no newline at the end */
static const char group[] =
	"root:x:0:\n"
	"app:x:1001:\n"
	"staff:x:50:app\n"
	"staff:x:51:\n"
	"2000:x:77:\n";

static void test_lookup(void)
{
	static const struct {
		const char *spec;
		int e;
		uint32_t uid, gid;
		const char *home;
	} rows[] = {
		{ "", 0, 0, 0, "/root" },
		{ "root", 0, 0, 0, "/root" },
		{ "0", 0, 0, 0, "/root" },
		{ "app", 0, 1000, 1001, "/home/app" },           /* first entry wins */
		{ "1000", 0, 1000, 1001, "/home/app" },          /* a number is a uid */
		{ "app:staff", 0, 1000, 50, "/home/app" },       /* first group wins */
		{ "app:51", 0, 1000, 51, "/home/app" },
		{ "app:4242", 0, 1000, 4242, "/home/app" },      /* a gid need not be there */
		{ "1000:2000", 0, 1000, 2000, "/home/app" },     /* numeric: a gid, not a name */
		{ "4242", 0, 4242, 0, "/" },                     /* no entry: gid 0, home / */
		{ "4242:4243", 0, 4242, 4243, "/" },
		{ ":staff", 0, 0, 50, "/root" },
		{ "nohome", 0, 1500, 1500, "/" },               /* an empty home is / */
		{ "svc", 0, 999, 999, "/srv/svc" },             /* last line, no newline */
		{ "short", IMG_E_USER, 0, 0, NULL },            /* too few fields: no entry */
		{ "bad", IMG_E_USER, 0, 0, NULL },              /* uid not a number: no entry */
		{ "nobody", IMG_E_USER, 0, 0, NULL },
		{ "app:nogroup", IMG_E_USER, 0, 0, NULL },
		{ "4242:nogroup", IMG_E_USER, 0, 0, NULL },
		{ "app:staff:x", IMG_E_CONFIG, 0, 0, NULL },
		{ "app:", IMG_E_CONFIG, 0, 0, NULL },
		{ "2147483648", IMG_E_CONFIG, 0, 0, NULL },     /* past runc's range */
		{ "app:2147483648", IMG_E_CONFIG, 0, 0, NULL },
		{ "2147483647", 0, 2147483647u, 0, "/" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct image_user u = { .uid = 7, .gid = 7, .home = "untouched" };
		char why[256] = "";
		int e = image_user_lookup(rows[i].spec, passwd, strlen(passwd), group, strlen(group), &u, why,
					  sizeof(why));

		t_cur_failed = 0;
		CHECK_EQ(e, rows[i].e);
		if (rows[i].e == 0) {
			CHECK_EQ(u.uid, rows[i].uid);
			CHECK_EQ(u.gid, rows[i].gid);
			CHECK(strcmp(u.home, rows[i].home) == 0);
		} else {
			CHECK(u.uid == 7 && u.gid == 7 && strcmp(u.home, "untouched") == 0);
			CHECK(why[0] != 0);
			if (rows[i].e == IMG_E_USER)
				CHECK(strstr(why, "no user") || strstr(why, "no group"));
		}
		t_report(!t_cur_failed, "User \"%s\": %s", rows[i].spec, mb_errname(rows[i].e));
	}
}

/* Supplementary groups, as runc takes them: every /etc/group entry whose
 * member list names the user (found by name or by uid), each gid once,
 * ascending; a member list's near miss is not a member; a user in more
 * groups than a run spec carries is refused. */
static void test_groups(void)
{
	static const char grp[] =
		"root:x:0:\n"
		"wheel:x:10:root,app\n"
		"audio:x:29:svc,app\n"
		"video:x:44:application,ap,xapp\n"
		"docker:x:999:app\n"
		"docker2:x:999:app\n"
		"bad:x:nan:app\n"
		"short:x:5\n"
		"users:x:100:app"; /* no newline at the end */
	static const struct {
		const char *spec;
		size_t n;
		uint32_t g[4];
	} rows[] = {
		{ "app", 4, { 10, 29, 100, 999 } },
		{ "1000", 4, { 10, 29, 100, 999 } },      /* by uid: the entry's name */
		{ "app:staff", 4, { 10, 29, 100, 999 } }, /* a group given: still the memberships */
		{ "root", 1, { 10 } },
		{ "svc", 1, { 29 } },
		{ "nohome", 0, { 0 } },
		{ "4242", 0, { 0 } }, /* no entry, no name: none */
	};
	char many[40 * 16 + 1] = "", why[256];
	struct image_user u;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char g2[sizeof(grp) + 32];

		snprintf(g2, sizeof(g2), "staff:x:50:\n%s", grp);
		memset(&u, 0, sizeof(u));
		t_cur_failed = 0;
		CHECK_EQ(image_user_lookup(rows[i].spec, passwd, strlen(passwd), g2, strlen(g2), &u, why,
					   sizeof(why)), 0);
		CHECK_EQ(u.ngroups, rows[i].n);
		CHECK(memcmp(u.groups, rows[i].g, rows[i].n * sizeof(u.groups[0])) == 0);
		t_report(!t_cur_failed, "User \"%s\": %zu supplementary groups", rows[i].spec, rows[i].n);
	}
	t_cur_failed = 0;
	for (unsigned k = 1; k <= MAX_RUN_GROUPS + 1; k++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "g%u:x:%u:app\n", k, 3000 + k);
	memset(&u, 0, sizeof(u));
	u.uid = 7;
	CHECK_EQ(image_user_lookup("app", passwd, strlen(passwd), many, strlen(many), &u, why, sizeof(why)),
		 IMG_E_USER);
	CHECK(u.uid == 7 && strstr(why, "more than 32 groups"));
	many[strlen(many) - strlen("g33:x:3033:app\n")] = 0;
	CHECK_EQ(image_user_lookup("app", passwd, strlen(passwd), many, strlen(many), &u, why, sizeof(why)), 0);
	CHECK_EQ(u.ngroups, MAX_RUN_GROUPS);
	t_report(!t_cur_failed, "33 memberships refused, 32 taken");
}

/* An image without /etc/passwd or /etc/group: numbers only. */
static void test_no_files(void)
{
	struct image_user u;
	char why[256] = "";

	t_cur_failed = 0;
	CHECK_EQ(image_user_lookup("", NULL, 0, NULL, 0, &u, why, sizeof(why)), 0);
	CHECK(u.uid == 0 && u.gid == 0 && strcmp(u.home, "/") == 0);
	CHECK_EQ(image_user_lookup("1000:1000", NULL, 0, NULL, 0, &u, why, sizeof(why)), 0);
	CHECK(u.uid == 1000 && u.gid == 1000 && strcmp(u.home, "/") == 0);
	CHECK_EQ(image_user_lookup("app", NULL, 0, NULL, 0, &u, why, sizeof(why)), IMG_E_USER);
	CHECK(strstr(why, "(the image has none)") != NULL);
	CHECK_EQ(image_user_lookup("0:wheel", NULL, 0, NULL, 0, &u, why, sizeof(why)), IMG_E_USER);
	t_report(!t_cur_failed, "no /etc/passwd or /etc/group: numbers resolve, names are refused");
}

/* A line holding a NUL, or longer than a line may be, is no entry. */
static void test_hostile_lines(void)
{
	static char big[8192];
	static const char nul[] = "ev\0l:x:0:0::/:/bin/sh\nok:x:5:5::/ok:/bin/sh\n";
	struct image_user u;
	char why[256];

	t_cur_failed = 0;
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 20, ":x:1:1::/h:/bin/sh\n", 19);
	CHECK_EQ(image_user_lookup("ev", nul, sizeof(nul) - 1, NULL, 0, &u, why, sizeof(why)), IMG_E_USER);
	CHECK_EQ(image_user_lookup("ok", nul, sizeof(nul) - 1, NULL, 0, &u, why, sizeof(why)), 0);
	CHECK(u.uid == 5 && strcmp(u.home, "/ok") == 0);
	CHECK_EQ(image_user_lookup("1", big, sizeof(big) - 1, NULL, 0, &u, why, sizeof(why)), 0);
	CHECK(u.gid == 0 && strcmp(u.home, "/") == 0); /* the long line was skipped */
	t_report(!t_cur_failed, "lines with a NUL or past %u bytes are no entries", 4096);
}

int main(void)
{
	test_lookup();
	test_groups();
	test_no_files();
	test_hostile_lines();
	return t_done();
}
