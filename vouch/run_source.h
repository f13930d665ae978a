/* SPDX-License-Identifier: MIT */
/*
 * vouch run SRC: the image of an OCI layout, a docker save archive or a
 * rootfs tar, built by vouch image on the fly into the cache and reused
 * on the next run. An entry is named by the digest of everything that
 * makes its bytes (the source, vouch itself, the kernel and initramfs it
 * pins, SOURCE_DATE_EPOCH, every vouch image option and the command) and
 * appears only whole: it is built in a directory of its own and renamed
 * into place, so a build that was killed, or lost a race to another,
 * never leaves an entry that counts as cached.
 */
#ifndef VOUCH_RUN_SOURCE_H
#define VOUCH_RUN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "progress.h"

#define RUN_SOURCE_MAX_OPTS 512 /* option words passed on to vouch image */

struct run_source {
	const char *src;
	const char *kernel, *initrd;         /* what the image pins (paths found) */
	struct {
		const char *name, *arg; /* --name [arg]; arg NULL for a flag */
	} opts[RUN_SOURCE_MAX_OPTS];    /* vouch image's options, in order */
	size_t nopts;
	int cmd_argc; /* the command after --, pinned as vouch image pins it */
	char **cmd_argv;
	struct progress prog;
};

/* An image directory made by vouch image (rootfs.img and manifest.cbor
 * in it), which vouch run runs as it is. */
bool run_source_is_image(const char *path);
/* The cache folder of images (VOUCH_CACHE, else XDG_CACHE_HOME/vouch,
 * else ~/.cache/vouch; then /images) into buf. */
int run_source_cache_dir(char *buf, size_t cap);
/* The image directory of s in ret (cap bytes): the cached one, else one
 * built now. 0, or the exit status after saying on stderr what failed
 * (messages begin with who). */
int run_source_image(const struct run_source *s, const char *who, char *ret, size_t cap);

#endif
