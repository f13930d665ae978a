/* SPDX-License-Identifier: MIT */
/*
 * Where vouch finds the kernel and initramfs it boots when no flag names
 * them: beside an installed binary (BINDIR/../lib/vouch/vmlinux and
 * initramfs.cpio, as `make install` lays them out), else in the build tree
 * the binary was built in (BUILD/guest/initramfs.cpio, and the pinned
 * kernel where tools/kernel/build-kernel --print-path says it is cached;
 * looked up only, never fetched or built from here).
 */
#ifndef VOUCH_PATHS_H
#define VOUCH_PATHS_H

#include <stddef.h>

#include "err.h"

#define PATHS_CAP 4096

struct boot_paths {
	char kernel[PATHS_CAP];
	char initrd[PATHS_CAP];
	const char *from; /* "installed" or "build tree" */
};

/* The boot components vouch uses when none is named: 0 with both paths,
 * else MB_E_IO with why (cap bytes) saying where it looked. Nothing is
 * written to ret on failure. */
int paths_boot_default(struct boot_paths *ret, char *why, size_t cap) MB_WARN_UNUSED;

/* kernel and initrd as a command gets them: the flags when given, else
 * VOUCH_KERNEL and VOUCH_INITRD, else paths_boot_default() into buf.
 * Both NULL and 0 when none is found (why says where it looked); the
 * pair is given or found together, never one of each. */
int paths_boot(const char **kernel, const char **initrd, struct boot_paths *buf, char *why,
	       size_t cap) MB_WARN_UNUSED;

#endif
