// SPDX-License-Identifier: MIT
/*
 * guest-probe: tries, from inside the harness box, what the box must
 * forbid. Each subcommand exits 0 when the attempt was refused, 1 when it
 * succeeded (a hole), 2 on a usage error. Static musl, so the sample image
 * needs no libc.
 *   guest-probe vsock | ptrace PID | mknod PATH | remount-rw | open PATH
 *   guest-probe kill PID | unshare-user | clone3 | ptrace-any
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int refused(const char *what, int rc)
{
	if (rc < 0) {
		printf("%s refused: %s\n", what, strerror(errno));
		return 0;
	}
	printf("%s ALLOWED\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "vsock") == 0)
		return refused("socket(AF_VSOCK)", socket(AF_VSOCK, SOCK_STREAM, 0));
	if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
		return refused("ptrace attach", (int)ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0));
	if (argc == 3 && strcmp(argv[1], "mknod") == 0)
		return refused("mknod", mknod(argv[2], S_IFCHR | 0600, makedev(10, 224)));
	if (argc == 2 && strcmp(argv[1], "remount-rw") == 0)
		return refused("remount rw", mount(NULL, "/", NULL, MS_REMOUNT, NULL));
	if (argc == 3 && strcmp(argv[1], "open") == 0)
		return refused("open", open(argv[2], O_RDWR));
	if (argc == 3 && strcmp(argv[1], "kill") == 0)
		return refused("kill", kill(atoi(argv[2]), SIGKILL));
	if (argc == 2 && strcmp(argv[1], "unshare-user") == 0)
		return refused("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	if (argc == 2 && strcmp(argv[1], "clone3") == 0) {
		/* refused means ENOSYS here: a filter cannot read clone3's flags */
		long r = syscall(435, NULL, 0);

		printf("clone3: %s\n", r < 0 ? strerror(errno) : "ran");
		return r < 0 && errno == ENOSYS ? 0 : 1;
	}
	fprintf(stderr, "usage: guest-probe vsock|ptrace PID|mknod PATH|remount-rw|open PATH|kill PID|unshare-user|clone3\n");
	return 2;
}
