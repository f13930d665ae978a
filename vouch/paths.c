// SPDX-License-Identifier: MIT
/* The kernel and initramfs vouch boots when no flag names them. */
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

/* The Makefile gives the build tree (absolute); a build without it (a
 * package's) looks only beside the installed binary. */
#ifndef VOUCH_SRCDIR
#define VOUCH_SRCDIR ""
#endif
#ifndef VOUCH_BUILDDIR
#define VOUCH_BUILDDIR ""
#endif

/* build-kernel's fast path prints a cached kernel at once; past that it
 * would wait for another build's lock, or fetch and build one (the local
 * .deb named here does not exist: it stops there instead). */
#define KERNEL_PATH_TIMEOUT_S 600
#define KERNEL_NO_FETCH "VOUCH_KERNEL_DEB=/nonexistent/vouch-looks-up-cached-kernels-only.deb"

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder of the running binary, symlinks resolved. */
static int exe_dir(char out[static PATHS_CAP])
{
	char exe[PATHS_CAP], *slash;

	if (!realpath("/proc/self/exe", exe))
		return MB_E_IO;
	if (!(slash = strrchr(exe, '/')))
		return MB_E_PATH;
	*slash = 0;
	return pathf(out, PATHS_CAP, "%s", exe[0] ? exe : "/");
}

static int installed(const char *bindir, struct boot_paths *ret)
{
	char k[PATHS_CAP], i[PATHS_CAP];

	if (pathf(k, sizeof(k), "%s/../lib/vouch/vmlinux", bindir) < 0 ||
	    pathf(i, sizeof(i), "%s/../lib/vouch/initramfs.cpio", bindir) < 0 || !is_file(k) || !is_file(i))
		return MB_E_IO;
	if (!realpath(k, ret->kernel) || !realpath(i, ret->initrd))
		return MB_E_IO;
	ret->from = "installed";
	return 0;
}

/* The last line tools/kernel/build-kernel --print-path writes: the cached
 * pinned kernel. vouch only looks it up: when it is not cached, the script
 * fails (its words go nowhere) instead of fetching and building one. */
static int kernel_print_path(const char *script, char out[static PATHS_CAP])
{
	char buf[2 * PATHS_CAP], *line, *argv[] = { (char *)script, "--print-path", NULL };
	size_t n = 0;
	int fd[2], status, e = MB_E_IO;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return MB_E_IO;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return MB_E_IO;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) < 0 || dup2(fd[1], 1) < 0 || dup2(null, 2) < 0 ||
		    putenv(KERNEL_NO_FETCH) != 0)
			_exit(127);
		alarm(KERNEL_PATH_TIMEOUT_S);
		execv(script, argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t r = read(fd[0], buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf) - 1) /* more than a path: keep the tail */
			n = 0;
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return MB_E_IO;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return MB_E_IO;
	buf[n] = 0;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	if (line[0] != '/' || !is_file(line))
		return MB_E_IO;
	e = pathf(out, PATHS_CAP, "%s", line);
	return e < 0 ? e : 0;
}

/* The build tree applies to binaries inside it (build/bin/vouch and the
 * sanitized build/asan/bin/vouch), not to copies taken elsewhere. */
static int build_tree(const char *bindir, struct boot_paths *ret)
{
	char bdir[PATHS_CAP], i[PATHS_CAP], k[PATHS_CAP], script[PATHS_CAP];
	size_t n;
	int e;

	if (!VOUCH_BUILDDIR[0] || !VOUCH_SRCDIR[0] || !realpath(VOUCH_BUILDDIR, bdir))
		return MB_E_IO;
	n = strlen(bdir);
	if (strncmp(bindir, bdir, n) != 0 || (bindir[n] != '/' && bindir[n] != 0))
		return MB_E_IO;
	if (pathf(i, sizeof(i), "%s/guest/initramfs.cpio", bdir) < 0 || !is_file(i) ||
	    pathf(script, sizeof(script), "%s/tools/kernel/build-kernel", VOUCH_SRCDIR) < 0 ||
	    access(script, X_OK) < 0)
		return MB_E_IO;
	if ((e = kernel_print_path(script, k)) < 0)
		return e;
	memcpy(ret->kernel, k, sizeof(k));
	memcpy(ret->initrd, i, sizeof(i));
	ret->from = "build tree";
	return 0;
}

int paths_boot_default(struct boot_paths *ret, char *why, size_t cap)
{
	struct boot_paths found;
	char bindir[PATHS_CAP] = "(unknown)";

	if (exe_dir(bindir) == 0 && (installed(bindir, &found) == 0 || build_tree(bindir, &found) == 0)) {
		*ret = found;
		return 0;
	}
	if (VOUCH_BUILDDIR[0])
		snprintf(why, cap, "looked in %s/../lib/vouch/ (vmlinux, initramfs.cpio),\n"
				   "  and for a vouch inside the build tree %s, in that tree (its kernel once\n"
				   "  tools/kernel/build-kernel has built it)", bindir, VOUCH_BUILDDIR);
	else
		snprintf(why, cap, "looked in %s/../lib/vouch/ (vmlinux, initramfs.cpio)", bindir);
	return MB_E_IO;
}

int paths_boot(const char **kernel, const char **initrd, struct boot_paths *buf, char *why, size_t cap)
{
	const char *k = *kernel, *i = *initrd;
	int e;

	if (!k && (k = getenv("VOUCH_KERNEL")) && !*k)
		k = NULL;
	if (!i && (i = getenv("VOUCH_INITRD")) && !*i)
		i = NULL;
	if ((!k || !i) && (e = paths_boot_default(buf, why, cap)) < 0)
		return e;
	*kernel = k ? k : buf->kernel;
	*initrd = i ? i : buf->initrd;
	return 0;
}
