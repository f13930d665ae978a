// SPDX-License-Identifier: MIT
/*
 * Declared result files (guest-init/declared.c), built for the host from
 * the guest's own source, on a real tree: the harness's own file in its
 * own or root's directories is opened and reads back; every way someone
 * else could have written it (owner, modes of the file and of each
 * directory on the way, /tmp's 1777, a symlink at the end or on the way,
 * a fifo, a file where a directory belongs) is refused with its code,
 * and the out-parameter is untouched. Needs root (it chowns).
 */
#include "t.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../guest-init/declared.h"
#include "record.h"

#define H 1000u /* the harness's uid */

static char T[64];
static int root = -1;

static void mk(const char *rel, mode_t mode, uid_t uid, char kind)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s", T, rel);
	if (kind == 'd')
		REQUIRE(mkdir(p, mode) == 0);
	else if (kind == 'p')
		REQUIRE(mkfifo(p, mode) == 0);
	else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode);

		REQUIRE(fd >= 0 && write(fd, "<testsuite/>", 12) == 12);
		close(fd);
	}
	REQUIRE(chown(p, uid, uid) == 0 && chmod(p, mode) == 0);
}

static void ln(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s", T, rel);
	REQUIRE(symlink(target, p) == 0);
}

static void expect(const char *path, int want, const char *what)
{
	int fd = -7, why = declared_open(root, path, H, &fd);
	char buf[32] = { 0 };
	bool good;

	if (want == 0) {
		good = why == 0 && fd >= 0 && read(fd, buf, sizeof(buf)) == 12 && strcmp(buf, "<testsuite/>") == 0;
		if (fd >= 0)
			close(fd);
	} else {
		good = why == want && fd == -7;
	}
	t_report(good, "%s: %s (want %d, got %d)", path, what, want, why);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (the tree's owners are set with chown)\n");
		return 77;
	}
	snprintf(T, sizeof(T), "/tmp/test_gi_declared.XXXXXX");
	REQUIRE(mkdtemp(T) && chmod(T, 0755) == 0);
	mk("/home", 0755, 0, 'd');
	mk("/home/app", 0755, H, 'd');
	mk("/home/app/r.xml", 0644, H, 'f');
	mk("/home/app/ro.xml", 0444, H, 'f');
	mk("/home/app/root.xml", 0644, 0, 'f');
	mk("/home/app/ww.xml", 0666, H, 'f');
	mk("/home/app/gw.xml", 0664, H, 'f');
	mk("/home/app/fifo.tap", 0644, H, 'p');
	mk("/home/app/dir.xml", 0755, H, 'd');
	ln("r.xml", "/home/app/link.xml");
	ln("/home/app", "/home/linked");
	mk("/tmp", 01777, 0, 'd');
	mk("/tmp/r.xml", 0644, H, 'f');
	mk("/shared", 0775, H, 'd');
	mk("/shared/r.xml", 0644, H, 'f');
	mk("/other", 0755, 2000, 'd');
	mk("/other/r.xml", 0644, H, 'f');
	mk("/rootdir", 0755, 0, 'd');
	mk("/rootdir/r.xml", 0644, H, 'f');
	mk("/plain", 0644, H, 'f');
	root = open(T, O_RDONLY | O_DIRECTORY);
	REQUIRE(root >= 0);

	expect("/home/app/r.xml", 0, "the harness's file in its own directory: opened");
	expect("/home/app/ro.xml", 0, "read-only: opened");
	expect("/rootdir/r.xml", 0, "in a directory of root's, 0755: opened");
	expect("/home/app/root.xml", REFUSED_OWNER, "root's file, harness uid 1000");
	expect("/home/app/ww.xml", REFUSED_FILE_MODE, "world-writable file");
	expect("/home/app/gw.xml", REFUSED_FILE_MODE, "group-writable file");
	expect("/home/app/link.xml", REFUSED_SYMLINK, "a symlink to the harness's file");
	expect("/home/linked/r.xml", REFUSED_SYMLINK, "a symlink on the way");
	expect("/home/app/fifo.tap", REFUSED_NOT_REGULAR, "a fifo");
	expect("/home/app/dir.xml", REFUSED_NOT_REGULAR, "a directory");
	expect("/plain/r.xml", REFUSED_NOT_REGULAR, "a file where a directory belongs");
	expect("/tmp/r.xml", REFUSED_DIR_MODE, "in /tmp (1777): others could replace it");
	expect("/shared/r.xml", REFUSED_DIR_MODE, "in a group-writable directory");
	expect("/other/r.xml", REFUSED_DIR_OWNER, "in another user's directory");
	expect("/home/app/none.xml", REFUSED_MISSING, "no such file");
	expect("/nodir/r.xml", REFUSED_MISSING, "no such directory");
	/* the root itself is on the way */
	REQUIRE(chmod(T, 0777) == 0);
	expect("/home/app/r.xml", REFUSED_DIR_MODE, "the root writable by others");
	REQUIRE(chmod(T, 0755) == 0 && chown(T, 2000, 2000) == 0);
	expect("/home/app/r.xml", REFUSED_DIR_OWNER, "the root another user's");
	REQUIRE(chown(T, 0, 0) == 0);
	expect("/home/app/r.xml", 0, "and back: opened");
	close(root);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", T);
	}
	return t_done();
}
