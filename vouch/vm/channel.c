// SPDX-License-Identifier: MIT
#include "channel.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"

/* name's path on PATH in buf, or NULL (no PATH: not found). */
static const char *on_path(const char *name, char *buf, size_t cap)
{
	const char *p = getenv("PATH");

	while (p && *p) {
		size_t n = strcspn(p, ":");

		/* an empty entry is the current directory: not looked in */
		if (n > 0 && pathf(buf, cap, "%.*s/%s", (int)n, p, name) == 0 && access(buf, X_OK) == 0)
			return buf;
		p += n;
		p += *p == ':';
	}
	return NULL;
}

enum channel channel_auto(enum vmm vmm, char *why, size_t cap)
{
	char path[PATH_MAX];

	if (vmm == VMM_FIRECRACKER) {
		snprintf(why, cap, "vsock (Firecracker's only channel)");
		return CHANNEL_VSOCK;
	}
	if (on_path(VSOCK_BACKEND, path, sizeof(path))) {
		snprintf(why, cap, "vsock (the default where its backend is installed: %s)", path);
		return CHANNEL_VSOCK;
	}
	snprintf(why, cap, "virtio-serial (the default: " VSOCK_BACKEND " is not on PATH)");
	return CHANNEL_SERIAL;
}

int channel_of_cmdline(const char *cmdline, enum channel *ret)
{
	static const char key[] = "vouch.channel=";
	const char *p = cmdline;
	enum channel ch = CHANNEL_SERIAL; /* guest-init's default, vport:vouch.evidence */

	while (*p) {
		size_t n = strcspn(p, " \n");

		if (n >= sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0) {
			const char *v = p + sizeof(key) - 1;
			size_t vn = n - (sizeof(key) - 1);

			if (vn >= 6 && memcmp(v, "vsock:", 6) == 0)
				ch = CHANNEL_VSOCK;
			else if (vn >= 6 && memcmp(v, "vport:", 6) == 0)
				ch = CHANNEL_SERIAL;
			else
				return MB_E_INVAL;
		}
		p += n;
		p += *p != 0;
	}
	*ret = ch;
	return 0;
}

const char *channel_name(enum channel ch)
{
	return ch == CHANNEL_VSOCK ? "vsock" : "virtio-serial";
}

int channel_pick(enum vmm vmm, bool given, enum channel asked, const char *pinned,
		 enum channel *ret, char *why, size_t cap)
{
	char path[PATH_MAX];
	enum channel ch, pin = CHANNEL_SERIAL;
	int e;

	if (pinned && (e = channel_of_cmdline(pinned, &pin)) < 0) {
		snprintf(why, cap, "the pinned kernel command line names no channel vouch knows");
		return e;
	}
	if (given && pinned && asked != pin) {
		snprintf(why, cap, "--channel %s, but the manifest pins %s (its kernel command line)",
			 channel_name(asked), channel_name(pin));
		return MB_E_RANGE;
	}
	if (given) {
		ch = asked;
		snprintf(why, cap, "%s (--channel)", channel_name(ch));
	} else if (pinned) {
		ch = pin;
		snprintf(why, cap, "%s (the manifest's kernel command line)", channel_name(ch));
	} else {
		ch = channel_auto(vmm, why, cap);
	}
	if (vmm == VMM_QEMU && ch == CHANNEL_VSOCK && !on_path(VSOCK_BACKEND, path, sizeof(path))) {
		snprintf(why, cap, "the vsock channel%s needs " VSOCK_BACKEND " on PATH (tools/install-deps)",
			 given ? "" : ", which the manifest pins,");
		return MB_E_RANGE;
	}
	*ret = ch;
	return 0;
}
