// SPDX-License-Identifier: MIT
/*
 * The root image through dm-verity: "vouch.verity=BLOCKS:ROOT" on the
 * command line (measured in PCR 8 and pinned by the manifest) becomes a
 * read-only device-mapper target over the root disk, so every block the
 * guest reads is checked against the pinned root hash before it is used.
 *
 * One shape only (schemas/manifest.cddl): version 1, SHA-256, 4096-byte
 * data and hash blocks, no salt, the hash tree in the same disk right
 * after BLOCKS data blocks. Three ioctls on /dev/mapper/control do it:
 * veritysetup and libdevmapper would add a dynamic userspace for the same
 * three calls.
 */
#include "gi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mb_limits.h"
#include "verity.h"

#define VERITY_NAME "vouch-root"

static void dm_init(struct dm_ioctl *io, size_t size, unsigned flags)
{
	memset(io, 0, sizeof(*io));
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = (uint32_t)size;
	io->data_start = sizeof(*io);
	io->flags = flags;
	snprintf(io->name, sizeof(io->name), "%s", VERITY_NAME);
}

/* 1 when the verity target has refused a block (its status says 'C'),
 * 0 when not or when the root is not read through verity, <0 on error. */
int gi_verity_corrupted(void)
{
	struct {
		struct dm_ioctl io;
		char data[512];
	} st;
	const struct dm_target_spec *t;
	int ctl, e = 0;

	if (!G.cfg.verity[0])
		return 0;
	if ((ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	memset(&st, 0, sizeof(st));
	dm_init(&st.io, sizeof(st), 0); /* no STATUS_TABLE flag: the info status */
	if (ioctl(ctl, DM_TABLE_STATUS, &st) < 0)
		e = -errno;
	close(ctl);
	if (e < 0)
		return e;
	if (st.io.target_count != 1 || (st.io.flags & DM_BUFFER_FULL_FLAG) ||
	    st.io.data_start + sizeof(*t) + 1 > sizeof(st))
		return -EPROTO;
	t = (const struct dm_target_spec *)((const char *)&st + st.io.data_start);
	/* verity's info status is one letter: V (verified so far) or C */
	return ((const char *)(t + 1))[0] == 'C';
}

int gi_verity_open(const char *dev, const char *spec, char *out, size_t cap)
{
	struct {
		struct dm_ioctl io;
		struct dm_target_spec t;
		char params[256];
	} load;
	struct dm_ioctl io;
	uint8_t root_bytes[SHA256_BYTES];
	const char *root;
	uint64_t blocks, size;
	struct stat st;
	dev_t made;
	int ctl, fd, e, tries;

	if (verity_spec_parse(spec, strlen(spec), &blocks, root_bytes) < 0)
		return -EINVAL;
	root = strchr(spec, ':') + 1; /* checked: 64 lowercase hex digits */
	/* the disk must hold the data and at least one hash block after it */
	if ((fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	e = fstat(fd, &st) < 0 ? -errno : ioctl(fd, BLKGETSIZE64, &size) < 0 ? -errno : 0;
	close(fd);
	if (e < 0)
		return e;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (size / VERITY_BLOCK_BYTES <= blocks)
		return -ERANGE;

	if ((ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	dm_init(&io, sizeof(io), DM_READONLY_FLAG);
	if (ioctl(ctl, DM_DEV_CREATE, &io) < 0)
		goto fail;
	made = (dev_t)io.dev;

	memset(&load, 0, sizeof(load));
	dm_init(&load.io, sizeof(load), DM_READONLY_FLAG);
	load.io.target_count = 1;
	load.t.sector_start = 0;
	load.t.length = blocks * (VERITY_BLOCK_BYTES / 512);
	snprintf(load.t.target_type, sizeof(load.t.target_type), "verity");
	/* version dev hash_dev data_bs hash_bs data_blocks hash_start alg root salt */
	if (snprintf(load.params, sizeof(load.params), "1 %u:%u %u:%u %u %u %llu %llu sha256 %s -",
		     major(st.st_rdev), minor(st.st_rdev), major(st.st_rdev), minor(st.st_rdev),
		     VERITY_BLOCK_BYTES, VERITY_BLOCK_BYTES, (unsigned long long)blocks,
		     (unsigned long long)blocks, root) >= (int)sizeof(load.params)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (ioctl(ctl, DM_TABLE_LOAD, &load) < 0)
		goto fail;
	/* DM_DEV_SUSPEND without DM_SUSPEND_FLAG resumes: the table goes live */
	dm_init(&io, sizeof(io), 0);
	if (ioctl(ctl, DM_DEV_SUSPEND, &io) < 0)
		goto fail;
	close(ctl);

	if (snprintf(out, cap, "/dev/dm-%u", minor(made)) >= (int)cap)
		return -ENAMETOOLONG;
	/* devtmpfs makes the node; make it ourselves if it is late */
	for (tries = 0; stat(out, &st) < 0 && tries < 100; tries++)
		usleep(10000);
	if (stat(out, &st) < 0 && mknod(out, S_IFBLK | 0400, made) < 0)
		return -errno;
	return 0;
fail:
	e = -errno;
	dm_init(&io, sizeof(io), 0);
	(void)ioctl(ctl, DM_DEV_REMOVE, &io); /* best effort: the run fails anyway */
	close(ctl);
	return e;
}
