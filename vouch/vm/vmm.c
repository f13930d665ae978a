// SPDX-License-Identifier: MIT
/* The VMM interface (vmm.h): what every backend shares, and the choice of
 * backend; qemu.c and firecracker.c hold what each does its own way. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* ---- --vmm auto ---- */

enum vmm vmm_choose(bool have_firecracker, const char *pin_why, const char *kvm_why, char *why,
		    size_t cap)
{
	const char *no = !have_firecracker ? "no firecracker binary on PATH" : pin_why ? pin_why : kvm_why;

	if (!no)
		return VMM_FIRECRACKER;
	snprintf(why, cap, "%s", no);
	return VMM_QEMU;
}

bool vmm_on_path(const char *name, const char *path_env)
{
	char path[PATH_MAX];
	struct stat st;

	for (const char *p = path_env; p && *p;) {
		size_t n = strcspn(p, ":");

		/* an empty entry is the working folder: not looked in */
		if (n > 0 && pathf(path, sizeof(path), "%.*s/%s", (int)n, p, name) == 0 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

bool vmm_cpu_virt(const char *cpuinfo, size_t n)
{
	const char *end = cpuinfo + n;

	for (const char *l = cpuinfo; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;

		if ((size_t)(le - l) > 5 && memcmp(l, "flags", 5) == 0 && (l[5] == ' ' || l[5] == '\t')) {
			for (const char *w = l; w < le;) {
				size_t k = 0;

				while (w < le && (*w == ' ' || *w == '\t' || *w == ':'))
					w++;
				while (w + k < le && w[k] != ' ' && w[k] != '\t')
					k++;
				if ((k == 3 && (memcmp(w, "vmx", 3) == 0 || memcmp(w, "svm", 3) == 0)))
					return true;
				w += k;
			}
		}
		l = le + 1;
	}
	return false;
}

const char *vmm_kvm_check(const char *dev, const char *cpuinfo, size_t n, char *buf, size_t cap)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC), api, vm;

	if (fd < 0) {
		snprintf(buf, cap, "%s: %s", dev, strerror(errno));
		return buf;
	}
	if ((api = ioctl(fd, KVM_GET_API_VERSION, 0)) != KVM_API_VERSION) {
		if (api < 0)
			snprintf(buf, cap, "%s: not KVM (KVM_GET_API_VERSION: %s)", dev, strerror(errno));
		else
			snprintf(buf, cap, "%s: KVM API version %d, not %d", dev, api, KVM_API_VERSION);
		close(fd);
		return buf;
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		snprintf(buf, cap, "%s: cannot make a VM: %s", dev, strerror(errno));
	else
		close(vm);
	close(fd);
	if (vm < 0)
		return buf;
	if (!vmm_cpu_virt(cpuinfo, n)) {
		snprintf(buf, cap, "%s: the CPU shows no hardware virtualization (no vmx or svm flag "
				   "in /proc/cpuinfo)", dev);
		return buf;
	}
	return NULL;
}

/* The start of /proc/cpuinfo: the first CPU's flags are all it needs
 * (its size reads as 0: read to EOF, bounded). */
static size_t read_cpuinfo(char *buf, size_t cap)
{
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while (got < cap && ((n = read(fd, buf + got, cap - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd);
	return got;
}

enum vmm vmm_auto(const char *pin_why, char *why, size_t cap)
{
	static char cpuinfo[64 * 1024];
	const char *dev = getenv("VOUCH_KVM_DEVICE"), *kvm_why = NULL;
	bool fc = vmm_on_path("firecracker", getenv("PATH"));
	char kvm[256];

	if (fc && !pin_why)
		kvm_why = vmm_kvm_check(dev && *dev ? dev : "/dev/kvm", cpuinfo,
					read_cpuinfo(cpuinfo, sizeof(cpuinfo)), kvm, sizeof(kvm));
	return vmm_choose(fc, pin_why, kvm_why, why, cap);
}
