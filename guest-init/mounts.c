// SPDX-License-Identifier: MIT
/* The file systems guest-init needs, and its configuration. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gi.h"
#include "io.h"

static int mkdir_p(const char *p, mode_t mode)
{
	return mkdir(p, mode) == 0 || errno == EEXIST ? 0 : -errno;
}

int gi_mount_early(void)
{
	static const struct {
		const char *src, *dst, *type;
		unsigned long flags;
	} m[] = {
		{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC },
		{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC },
	};
	int e;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if ((e = mkdir_p(m[i].dst, 0755)) < 0)
			return e;
		/* EBUSY: the kernel mounted it already (devtmpfs.mount=1) */
		if (mount(m[i].src, m[i].dst, m[i].type, m[i].flags, NULL) < 0 && errno != EBUSY)
			return -errno;
	}
	return 0;
}

/* Copies a value into dst, refusing overlong or odd ones. */
static int take(char *dst, size_t cap, const char *v, size_t n)
{
	if (n == 0 || n >= cap)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return -EINVAL;
	memcpy(dst, v, n);
	dst[n] = 0;
	return 0;
}

static int take_uint(unsigned *dst, const char *v, size_t n, unsigned max)
{
	uint64_t x;

	if (n == 0 || n > 9 || mb_dec(v, n, max, &x) < 0 || x == 0)
		return -EINVAL;
	*dst = (unsigned)x;
	return 0;
}

int gi_parse_cmdline(struct gi_config *cfg)
{
	char buf[4096];
	struct gi_config c = {
		.channel = "vport:vouch.evidence",
		.tpm = "device",
		.root = "/dev/vda",
		.rootfstype = "ext4",
		.checkpoint_records = 256,
		.checkpoint_ms = 2000,
	};
	ssize_t n;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	for (char *tok = strtok(buf, " \n"); tok && e == 0; tok = strtok(NULL, " \n")) {
		char *eq = strchr(tok, '=');
		size_t kl, vl;

		if (!eq || strncmp(tok, "vouch.", 6) != 0)
			continue;
		kl = (size_t)(eq - tok);
		vl = strlen(eq + 1);
		if (kl == 13 && memcmp(tok, "vouch.channel", kl) == 0)
			e = take(c.channel, sizeof(c.channel), eq + 1, vl);
		else if (kl == 9 && memcmp(tok, "vouch.tpm", kl) == 0)
			e = take(c.tpm, sizeof(c.tpm), eq + 1, vl);
		else if (kl == 10 && memcmp(tok, "vouch.root", kl) == 0)
			e = take(c.root, sizeof(c.root), eq + 1, vl);
		else if (kl == 16 && memcmp(tok, "vouch.rootfstype", kl) == 0)
			e = take(c.rootfstype, sizeof(c.rootfstype), eq + 1, vl);
		else if (kl == 12 && memcmp(tok, "vouch.verity", kl) == 0)
			e = take(c.verity, sizeof(c.verity), eq + 1, vl);
		else if (kl == 11 && memcmp(tok, "vouch.trees", kl) == 0)
			e = vl == 6 && memcmp(eq + 1, "verity", 6) == 0 ? (c.trees_by_verity = true, 0) : -EINVAL;
		else if (kl == 16 && memcmp(tok, "vouch.checkpoint", kl) == 0)
			e = take_uint(&c.checkpoint_records, eq + 1, vl, 1u << 20);
		else if (kl == 19 && memcmp(tok, "vouch.checkpoint_ms", kl) == 0)
			e = take_uint(&c.checkpoint_ms, eq + 1, vl, 3600000);
		else
			e = -EINVAL; /* a vouch.* key we do not know: refuse, don't guess */
	}
	/* trees by reference only to the root the image is read through */
	if (e == 0 && c.trees_by_verity && !c.verity[0])
		e = -EINVAL;
	if (e < 0)
		return e;
	*cfg = c;
	return 0;
}

/* The image read-only at /ro (through dm-verity when the command line
 * says so), a tmpfs for writes, the overlay at NEWROOT. */
int gi_mount_root(const char *dev, const char *fstype, const char *verity)
{
	char vdev[32];
	struct stat st;
	int e, tries;

	/* devtmpfs creates the node when the driver has probed the disk */
	for (tries = 0; stat(dev, &st) < 0 && tries < 200; tries++)
		usleep(10000);
	if (stat(dev, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (verity[0]) {
		if ((e = gi_verity_open(dev, verity, vdev, sizeof(vdev))) < 0)
			return e;
		dev = vdev;
	}
	if ((e = mkdir_p("/ro", 0755)) < 0 || (e = mkdir_p("/rw", 0755)) < 0 ||
	    (e = mkdir_p(NEWROOT, 0755)) < 0)
		return e;
	if (mount(dev, "/ro", fstype, MS_RDONLY, NULL) < 0)
		return -errno;
	if (mount("tmpfs", "/rw", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=50%") < 0)
		return -errno;
	if ((e = mkdir_p("/rw/upper", 0755)) < 0 || (e = mkdir_p("/rw/work", 0755)) < 0)
		return e;
	if (mount("overlay", NEWROOT, "overlay", 0,
		  "lowerdir=/ro,upperdir=/rw/upper,workdir=/rw/work") < 0)
		return -errno;
	return 0;
}
