// SPDX-License-Identifier: MIT
/*
 * Opening the host channel: a virtio-serial port found by name (there is
 * no udev to make /dev/virtio-ports/NAME, so search sysfs), or a vsock
 * stream to the host (CID 2), as under Firecracker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "gi.h"
#include "io.h"

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return 0;
}

static int find_vport(const char *name, char *dev, size_t cap)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;
	int e = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char path[300], got[128];

		if (strncmp(de->d_name, "vport", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", de->d_name);
		if (read_small(path, got, sizeof(got)) == 0 && strcmp(got, name) == 0) {
			snprintf(dev, cap, "/dev/%s", de->d_name);
			e = 0;
			break;
		}
	}
	closedir(d);
	return e;
}

static int open_vport(const char *name)
{
	char dev[300];
	int e = find_vport(name, dev, sizeof(dev)), fd;

	if (e < 0)
		return e;
	fd = open(dev, O_RDWR | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static int open_vsock(const char *port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST };
	uint64_t p;
	int fd;

	if (mb_dec(port, strlen(port), UINT32_MAX, &p) < 0)
		return -EINVAL;
	a.svm_port = (unsigned)p;
	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Whether a failed open may succeed later: the device is not there yet
 * (ENOENT, ENODEV), or nothing listens on the host's end yet
 * (ECONNREFUSED; ECONNRESET is how Firecracker's hybrid vsock and
 * vhost-device-vsock answer a guest connection no host socket takes). */
static int retryable(int e)
{
	return e == -ENOENT || e == -ENODEV || e == -ECONNREFUSED || e == -ECONNRESET;
}

/* Retries until the device shows up or the deadline passes. */
int gi_channel_open(const char *spec, int64_t deadline_ms)
{
	for (;;) {
		int fd;

		if (strncmp(spec, "vport:", 6) == 0)
			fd = open_vport(spec + 6);
		else if (strncmp(spec, "vsock:", 6) == 0)
			fd = open_vsock(spec + 6);
		else
			return -EINVAL;
		if (fd >= 0 || !retryable(fd))
			return fd;
		if (frame_now_ms() >= deadline_ms)
			return fd;
		usleep(5000);
	}
}

/* A write to a virtio-serial port returns once the host took the bytes; a
 * write to a vsock stream only queues them for the device, and the VM's
 * end right after loses what it had not carried yet: the last records,
 * the quote or the error frame, as soon as the host is busy. close() with
 * SO_LINGER sends the shutdown behind the data and waits until the host
 * side answers it (vhost-device-vsock resets a connection the guest shut
 * both ways, at once), at most GI_CHANNEL_LINGER_S. */
void gi_channel_close(void)
{
	struct linger l = { .l_onoff = 1, .l_linger = GI_CHANNEL_LINGER_S };

	if (G.chan_fd < 0)
		return;
	if (strncmp(G.cfg.channel, "vsock:", 6) == 0)
		(void)setsockopt(G.chan_fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	(void)close(G.chan_fd);
	G.chan_fd = -1;
}
