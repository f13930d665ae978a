// SPDX-License-Identifier: MIT
/*
 * guest-init: PID 1 of a vouch microVM. It never returns from main: every
 * path ends in power-off through die() or finish().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#define VERSION "0.1"

static void console(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void console(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	/* best effort: the console may be gone, and there is no one to tell */
	(void)!write(STDERR_FILENO, "guest-init: ", 12);
	(void)!write(STDERR_FILENO, buf, (size_t)n);
	(void)!write(STDERR_FILENO, "\n", 1);
}

/* The only way out: flush, then stop the VM. reboot(RB_AUTOBOOT) with the
 * VMM told not to reboot (QEMU -no-reboot, Firecracker reboot=k) ends it. */
static __attribute__((noreturn)) void power_off(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static __attribute__((noreturn)) void die(const char *what, int err)
{
	console("fatal: %s: %s", what, err < 0 ? mb_strerror(err) : strerror(err));
	power_off();
}

static int mount_early(void)
{
	static const struct {
		const char *src, *dst, *type;
		unsigned long flags;
	} m[] = {
		{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC },
		{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (mkdir(m[i].dst, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (mount(m[i].src, m[i].dst, m[i].type, m[i].flags, NULL) < 0 && errno != EBUSY)
			return -errno; /* EBUSY: the kernel mounted it already */
	}
	return 0;
}

int main(void)
{
	int e;

	if (getpid() != 1) {
		fprintf(stderr, "guest-init " VERSION ": runs only as PID 1 of a vouch VM\n");
		return 64;
	}
	if ((e = mount_early()) < 0)
		die("mounting /dev, /proc, /sys", -e);
	console("version " VERSION);
	die("no run yet", ENOSYS);
}
