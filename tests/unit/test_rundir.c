// SPDX-License-Identifier: MIT
/* Run directories and their owners: run_dir_claim writes "PID START NS\n"
 * for this process; run_dirs_sweep removes exactly the directories whose
 * owner is gone (exited and reaped, a zombie, or a pid now another
 * process's) and keeps everything else: a live owner's, a directory
 * without an owner file or with one that does not parse (each malformed
 * shape), an owner file that is a symlink or a directory, names that are
 * not PREFIX plus mkdtemp's six characters, symlinks and plain files with
 * the name, another user's directory or owner file, an owner in another
 * pid namespace. */
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "../../vouch/vm/proc.h"

static char parent[512]; /* short: every path made from it fits */
static unsigned long long ns; /* this process's pid namespace */

/* "PID START NS\n" */
static int owner_text(char *buf, size_t cap, pid_t pid, unsigned long long start, unsigned long long in_ns)
{
	return snprintf(buf, cap, "%d %llu %llu\n", (int)pid, start, in_ns);
}

/* /proc/PID/stat's state (field 3) and start time (field 22), parsed here
 * on their own, not with proc.c's parser */
static int stat_of(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[2048], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (!(p = strrchr(buf, ')')))
		return -1;
	return sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		      state, start) == 2 ? 0 : -1;
}

static void put_dir(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", parent, name);
	REQUIRE(mkdir(p, 0700) == 0);
}

static void put_owner(const char *name, const char *text, size_t n)
{
	char p[PATH_MAX];

	put_dir(name);
	snprintf(p, sizeof(p), "%s/%s/%s", parent, name, RUN_OWNER_FILE);
	REQUIRE(file_write_all(p, text, n) == 0);
}

static bool exists(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", parent, name);
	return lstat(p, &st) == 0;
}

/* A child that waits on a pipe: its pid and start time while it lives. */
static pid_t child(int *ret_wfd, unsigned long long *ret_start)
{
	int p[2];
	char st;
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	REQUIRE(stat_of(pid, &st, ret_start) == 0);
	*ret_wfd = p[1];
	return pid;
}

static void test_claim(void)
{
	char dir[1024], p[PATH_MAX], want[64], st;
	unsigned long long start;
	uint8_t *got = NULL;
	size_t n = 0;

	snprintf(dir, sizeof(dir), "%s/claim", parent);
	REQUIRE(mkdir(dir, 0700) == 0);
	REQUIRE(stat_of(getpid(), &st, &start) == 0);
	CHECK_EQ(run_dir_claim(dir), 0);
	snprintf(p, sizeof(p), "%s/%s", dir, RUN_OWNER_FILE);
	REQUIRE(file_read_all(p, &got, &n, 64) == 0);
	owner_text(want, sizeof(want), getpid(), start, ns);
	CHECK_EQ(n, strlen(want));
	CHECK(n == strlen(want) && memcmp(got, want, n) == 0);
	free(got);
	snprintf(p, sizeof(p), "%s/%s.tmp", dir, RUN_OWNER_FILE);
	CHECK(access(p, F_OK) != 0); /* nothing left aside */
	CHECK_EQ(run_dir_claim("/nonexistent/vouch-run-xxxxxx"), MB_E_IO);
	REQUIRE(dir_remove_tree(dir) == 0);
}

static const char *const kept_names[] = {
	"vouch-run-live01", "vouch-run-kid001", "vouch-run-noown1", "vouch-run-symown", "vouch-run-dirown",
	"vouch-run-abc", "vouch-run-abcdefg", "vouch-run-ab.def", "other-run-dead01", "vouch-run-link01",
	"vouch-run-file01", "vouch-run-other1", "vouch-run-other2", "target", "vouch-run-othns1",
	/* malformed owner files, each naming a dead process */
	"vouch-run-bad000", "vouch-run-bad001", "vouch-run-bad002", "vouch-run-bad003", "vouch-run-bad004",
	"vouch-run-bad005", "vouch-run-bad006", "vouch-run-bad007", "vouch-run-bad008", "vouch-run-bad009",
	"vouch-run-bad010", "vouch-run-bad011", "vouch-run-bad012", "vouch-run-bad013", "vouch-run-bad014",
	"vouch-run-bad015",
};
#define NBAD 16
static const char *const gone_names[] = {
	"vouch-run-dead01", "vouch-run-zomb01", "vouch-run-reuse1",
};

static void test_sweep(void)
{
	char text[128], p[PATH_MAX], q[PATH_MAX], st;
	unsigned long long dstart, zstart, kstart, self;
	int dfd, zfd, kfd, n;
	pid_t dead, zombie, kid;
	unsigned removed = 99;

	REQUIRE(stat_of(getpid(), &st, &self) == 0);
	/* dead: exited and reaped */
	dead = child(&dfd, &dstart);
	close(dfd);
	REQUIRE(waitpid(dead, NULL, 0) == dead);
	REQUIRE(kill(dead, 0) < 0 && errno == ESRCH);
	n = owner_text(text, sizeof(text), dead, dstart, ns);
	put_owner("vouch-run-dead01", text, (size_t)n);
	/* a zombie: exited, not reaped */
	zombie = child(&zfd, &zstart);
	close(zfd);
	for (int i = 0; i < 500 && !(stat_of(zombie, &st, &(unsigned long long){ 0 }) == 0 && st == 'Z'); i++)
		usleep(2000);
	REQUIRE(stat_of(zombie, &st, &(unsigned long long){ 0 }) == 0 && st == 'Z');
	n = owner_text(text, sizeof(text), zombie, zstart, ns);
	put_owner("vouch-run-zomb01", text, (size_t)n);
	/* this process's pid, another start time: the pid was taken again */
	n = owner_text(text, sizeof(text), getpid(), self + 1, ns);
	put_owner("vouch-run-reuse1", text, (size_t)n);

	/* live owners: this process, and a running child */
	put_dir("vouch-run-live01");
	snprintf(p, sizeof(p), "%s/vouch-run-live01", parent);
	REQUIRE(run_dir_claim(p) == 0);
	kid = child(&kfd, &kstart);
	n = owner_text(text, sizeof(text), kid, kstart, ns);
	put_owner("vouch-run-kid001", text, (size_t)n);

	/* no owner file; an owner file that is a symlink to a dead owner's,
	 * one that is a directory */
	put_dir("vouch-run-noown1");
	put_dir("vouch-run-symown");
	snprintf(p, sizeof(p), "%s/vouch-run-dead01/%s", parent, RUN_OWNER_FILE);
	snprintf(q, sizeof(q), "%s/vouch-run-symown/%s", parent, RUN_OWNER_FILE);
	REQUIRE(symlink(p, q) == 0);
	put_dir("vouch-run-dirown");
	snprintf(q, sizeof(q), "%s/vouch-run-dirown/%s", parent, RUN_OWNER_FILE);
	REQUIRE(mkdir(q, 0700) == 0);

	/* a dead owner, but names that are not the prefix and six characters */
	n = owner_text(text, sizeof(text), dead, dstart, ns);
	put_owner("vouch-run-abc", text, (size_t)n);
	put_owner("vouch-run-abcdefg", text, (size_t)n);
	put_owner("vouch-run-ab.def", text, (size_t)n);
	put_owner("other-run-dead01", text, (size_t)n);
	/* the name as a symlink to a dead owner's directory, as a plain file */
	put_owner("target", text, (size_t)n);
	snprintf(p, sizeof(p), "%s/target", parent);
	snprintf(q, sizeof(q), "%s/vouch-run-link01", parent);
	REQUIRE(symlink(p, q) == 0);
	snprintf(q, sizeof(q), "%s/vouch-run-file01", parent);
	REQUIRE(file_write_all(q, text, (size_t)n) == 0);
	/* a dead owner's pid and start, in another pid namespace */
	n = owner_text(text, sizeof(text), dead, dstart, ns + 1);
	put_owner("vouch-run-othns1", text, (size_t)n);
	n = owner_text(text, sizeof(text), dead, dstart, ns);
	/* another user's directory, with a dead owner */
	put_owner("vouch-run-other1", text, (size_t)n);
	snprintf(q, sizeof(q), "%s/vouch-run-other1", parent);
	bool chowned = geteuid() == 0 && chown(q, 4242, 4242) == 0;
	/* this user's directory, another user's owner file */
	put_owner("vouch-run-other2", text, (size_t)n);
	snprintf(q, sizeof(q), "%s/vouch-run-other2/%s", parent, RUN_OWNER_FILE);
	chowned = chowned && chown(q, 4242, 4242) == 0;

	/* owner files that do not parse, each naming the dead process */
	char b[NBAD][128];
	int d = (int)dead;

	snprintf(b[0], 128, "0%d %llu %llu\n", d, dstart, ns);  /* leading zero */
	snprintf(b[1], 128, "%d %llu %llu", d, dstart, ns);     /* no newline */
	snprintf(b[2], 128, "%d %llu %llu\nx", d, dstart, ns);  /* trailing */
	snprintf(b[3], 128, "%d  %llu %llu\n", d, dstart, ns);  /* two spaces */
	snprintf(b[4], 128, "%d\n", d);                         /* pid alone */
	snprintf(b[5], 128, "-%d %llu %llu\n", d, dstart, ns);  /* a sign */
	snprintf(b[6], 128, "0 %llu %llu\n", dstart, ns);       /* pid 0 */
	snprintf(b[7], 128, "99999999999 %llu %llu\n", dstart, ns); /* 11 digits */
	snprintf(b[8], 128, "2147483648 %llu %llu\n", dstart, ns);  /* INT_MAX + 1 */
	snprintf(b[9], 128, "%d 99999999999999999999 %llu\n", d, ns); /* past 2^64 */
	snprintf(b[10], 128, "%s", "");                         /* empty */
	memset(b[11], '1', 100);                                /* too long */
	b[11][99] = '\n';
	b[11][100] = 0;
	snprintf(b[12], 128, "%d %llu\n", d, dstart);           /* no namespace */
	snprintf(b[13], 128, "%d %llu %llu \n", d, dstart, ns); /* space before newline */
	snprintf(b[14], 128, "%d %llu %llu\r\n", d, dstart, ns); /* CR */
	snprintf(b[15], 128, "%d\t%llu %llu\n", d, dstart, ns); /* a tab */
	for (int i = 0; i < NBAD; i++) {
		char name[32];

		snprintf(name, sizeof(name), "vouch-run-bad%03d", i);
		put_owner(name, b[i], strlen(b[i]));
	}

	CHECK_EQ(run_dirs_sweep(parent, "vouch-run-", &removed), 0);
	CHECK_EQ(removed, 3);
	for (size_t i = 0; i < sizeof(gone_names) / sizeof(gone_names[0]); i++)
		if (exists(gone_names[i])) {
			printf("# %s kept, its owner is gone\n", gone_names[i]);
			CHECK(0);
		}
	for (size_t i = 0; i < sizeof(kept_names) / sizeof(kept_names[0]); i++) {
		if (!chowned && strncmp(kept_names[i], "vouch-run-other", 15) == 0)
			continue;
		if (!exists(kept_names[i])) {
			printf("# %s removed\n", kept_names[i]);
			CHECK(0);
		}
	}
	if (!chowned)
		printf("# not root: another user's directory not tried\n");
	/* a second sweep finds nothing more */
	CHECK_EQ(run_dirs_sweep(parent, "vouch-run-", &removed), 0);
	CHECK_EQ(removed, 0);
	/* the live child ends: now its directory goes */
	close(kfd);
	REQUIRE(waitpid(kid, NULL, 0) == kid);
	CHECK_EQ(run_dirs_sweep(parent, "vouch-run-", &removed), 0);
	CHECK_EQ(removed, 1);
	CHECK(!exists("vouch-run-kid001"));
	CHECK(exists("vouch-run-live01"));
	REQUIRE(waitpid(zombie, NULL, 0) == zombie);
}

static void test_sweep_no_parent(void)
{
	unsigned removed = 7;

	CHECK_EQ(run_dirs_sweep("/nonexistent/vouch-parent", "vouch-run-", &removed), MB_E_IO);
	CHECK_EQ(removed, 7); /* untouched on failure */
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(parent, sizeof(parent), "%s/test-rundir-XXXXXX", t && *t ? t : "/tmp");
	REQUIRE(mkdtemp(parent));
	struct stat st;

	REQUIRE(stat("/proc/self/ns/pid", &st) == 0);
	ns = (unsigned long long)st.st_ino;
	RUN(test_claim);
	RUN(test_sweep);
	RUN(test_sweep_no_parent);
	REQUIRE(dir_remove_tree(parent) == 0);
	return t_done();
}
