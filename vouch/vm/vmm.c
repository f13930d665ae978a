// SPDX-License-Identifier: MIT
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

int vmm_check_opts(enum vmm vmm, enum channel ch, bool tpm_device, unsigned cpus,
		   unsigned memory_mib, char *why, size_t cap)
{
	const char *name = vmm == VMM_FIRECRACKER ? "Firecracker" : "QEMU (q35)";
	unsigned max_cpus = vmm == VMM_FIRECRACKER ? FIRECRACKER_MAX_VCPUS : QEMU_Q35_MAX_CPUS;

	if (cpus == 0 || cpus > max_cpus) {
		snprintf(why, cap, "--cpus %u: %s takes 1 to %u", cpus, name, max_cpus);
		return MB_E_RANGE;
	}
	if (memory_mib == 0) {
		snprintf(why, cap, "--memory 0: %s needs at least 1 MiB", name);
		return MB_E_RANGE;
	}
	if (vmm == VMM_FIRECRACKER && tpm_device) {
		snprintf(why, cap, "--tpm device: Firecracker has no TPM device (the relay is the only way)");
		return MB_E_RANGE;
	}
	if (vmm == VMM_FIRECRACKER && ch != CHANNEL_VSOCK) {
		snprintf(why, cap, "--channel virtio-serial: Firecracker has vsock only");
		return MB_E_RANGE;
	}
	return 0;
}

int vmm_log_tail(const char *path, unsigned nlines, char *out, size_t cap)
{
	char buf[4096];
	struct stat st;
	off_t from;
	ssize_t n;
	size_t start, k = 0;
	unsigned seen = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (cap == 0)
		return MB_E_INVAL;
	if (fd < 0)
		return MB_E_IO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return MB_E_FILE_TYPE;
	}
	from = st.st_size > (off_t)sizeof(buf) ? st.st_size - (off_t)sizeof(buf) : 0;
	n = pread(fd, buf, sizeof(buf), from);
	close(fd);
	if (n < 0)
		return MB_E_IO;
	/* the last nlines lines: back from the end, a trailing newline
	 * ending the last line rather than starting an empty one */
	start = (size_t)n;
	while (start > 0 && buf[start - 1] == '\n')
		start--;
	size_t end = start;

	while (start > 0) {
		if (buf[start - 1] == '\n' && ++seen == nlines)
			break;
		start--;
	}
	for (size_t i = start; i < end && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)buf[i];

		out[k++] = c == '\n' || (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[k] = 0;
	return 0;
}
