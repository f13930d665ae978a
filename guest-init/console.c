// SPDX-License-Identifier: MIT
/* Console, the clock, and the one way out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "gi.h"

struct gi G = { .chan_fd = -1, .tpm_fd = -1 };

uint64_t gi_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void gi_console(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n, h;

	h = snprintf(buf, sizeof(buf), "guest-init: ");
	va_start(ap, fmt);
	n = vsnprintf(buf + h, sizeof(buf) - (size_t)h - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += h;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* best effort: the console may be gone, and there is no one to tell */
	(void)!write(STDERR_FILENO, buf, (size_t)n);
}

/* reboot(RB_AUTOBOOT) with the VMM told not to reboot (QEMU -no-reboot,
 * Firecracker reboot=k) ends the VM; power-off does not end every VMM. */
void gi_power_off(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

void gi_die(const char *what, int err)
{
	static int dying;
	char msg[256];
	const char *why = err < 0 ? mb_strerror(err) : strerror(err);

	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	gi_console("fatal: %s", msg);
	if (!dying && G.chan_fd >= 0) {
		dying = 1; /* a failure while reporting must not recurse */
		if (G.chain_open) {
			struct record end = { .kind = REC_END, .time_ns = gi_now_ns(),
					      .u.end.reason = END_FATAL };

			if (gi_verity_corrupted() > 0)
				(void)!gi_emit_phase(PHASE_ROOT_CORRUPT);
			(void)!gi_emit(&end);
		}
		(void)!frame_write(G.chan_fd, FRAME_ERROR, msg, strlen(msg));
	}
	gi_power_off();
}
