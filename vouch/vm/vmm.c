// SPDX-License-Identifier: MIT
/* The VMM interface (vmm.h): what every backend shares, and the choice of
 * backend; qemu.c and firecracker.c hold what each does its own way. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "firecracker.h"
#include "proc.h"
#include "qemu.h"

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
	return vmm == VMM_FIRECRACKER ? firecracker_check_opts(ch, tpm_device, cpus, memory_mib, why, cap)
				      : qemu_check_opts(ch, tpm_device, cpus, memory_mib, why, cap);
}

int vmm_start(enum vmm vmm, const struct vmm_spec *s, struct vmm_proc *ret)
{
	*ret = (struct vmm_proc){ .vmm = vmm };
	return vmm == VMM_FIRECRACKER ? firecracker_start(s, ret) : qemu_start(s, ret);
}

bool vmm_hybrid_vsock(enum vmm vmm, enum channel ch)
{
	return vmm == VMM_FIRECRACKER || ch == CHANNEL_VSOCK;
}

bool vmm_running(struct vmm_proc *p)
{
	pid_t *ps[] = { &p->pid, &p->helper };

	if (p->gone)
		return false;
	for (size_t i = 0; i < 2; i++) {
		int st;

		if (*ps[i] > 0 && waitpid(*ps[i], &st, WNOHANG) == *ps[i]) {
			if (ps[i] == &p->helper) {
				p->who = "vhost-device-vsock";
				p->log = "vhost-vsock.log";
			}
			*ps[i] = 0;
			p->gone = true;
			p->status = st;
			return false;
		}
	}
	return true;
}

void vmm_stop(struct vmm_proc *p)
{
	proc_kill(p->pid);
	proc_kill(p->helper);
	p->pid = p->helper = 0;
}

int vmm_keep_logs(enum vmm vmm, const char *dir, const char *out, bool failed, const char **ret_lost)
{
	return vmm == VMM_FIRECRACKER ? firecracker_keep_logs(dir, out, failed, ret_lost)
				      : qemu_keep_logs(dir, out, failed, ret_lost);
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

