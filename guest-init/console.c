// SPDX-License-Identifier: MIT
/* The console and power-off: a leaf, calling no other file. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "gi.h"

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
	gi_channel_close();
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
