// SPDX-License-Identifier: MIT
/*
 * The box the harness runs in, built inside a fresh PID and mount
 * namespace: the overlay as root (the initramfs, the image's read-only
 * mount, the TPM and the host channel are left behind), a small /dev,
 * dropped capabilities, no_new_privs, a seccomp filter that refuses
 * AF_VSOCK, rlimits, then the run spec's user.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#include "confine.h"
#include "mb_limits.h"

static int make_dev(void)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	char path[64];

	if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "dev/%s", nodes[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
			return -errno;
	}
	if (mkdir("dev/shm", 01777) < 0 || mkdir("dev/pts", 0755) < 0 ||
	    symlink("/proc/self/fd", "dev/fd") < 0 || symlink("/proc/self/fd/0", "dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "dev/stdout") < 0 || symlink("/proc/self/fd/2", "dev/stderr") < 0)
		return -errno;
	return 0;
}

static int mkdir_in(const char *p)
{
	return mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* Root without capabilities may still write what /proc leaves to uid 0:
 * sysctls, and sysrq-trigger, which can reboot or crash the VM. As
 * container runtimes do, /proc/sys goes read-only and the trigger is
 * covered by /dev/null (cwd is the new root). */
int confine_seal_proc(void)
{
	static const char *const ro[] = { "proc/sys", "proc/sysrq-trigger", "proc/irq", "proc/bus" };

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (mount(ro[i], ro[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT) /* not in this kernel */
				continue;
			return -errno;
		}
		if (mount(NULL, ro[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			return -errno;
	}
	return 0;
}

/* Called in the new mount namespace, cwd anywhere. */
int confine_root(const char *newroot)
{
	int e;

	/* nothing we mount from here on propagates back to guest-init */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (chdir(newroot) < 0)
		return -errno;
	if ((e = mkdir_in("proc")) < 0 || (e = mkdir_in("dev")) < 0 || (e = mkdir_in("tmp")) < 0)
		return e;
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	if ((e = confine_seal_proc()) < 0)
		return e;
	if ((e = make_dev()) < 0)
		return e;
	/* The initramfs is rootfs, which pivot_root() refuses: take the
	 * initramfs's own mounts away (devtmpfs with the TPM and channel,
	 * sysfs, the image's read-only mount, the overlay's upper), then move
	 * the overlay over / and chroot into it, as switch_root does. With
	 * CAP_SYS_CHROOT dropped later there is no way back out. */
	static const char *const away[] = { "/dev", "/sys", "/proc", "/ro", "/rw" };

	for (size_t i = 0; i < sizeof(away) / sizeof(away[0]); i++)
		if (umount2(away[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			return -errno; /* EINVAL: not a mount point here */
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return -errno;
	if (chroot(".") < 0 || chdir("/") < 0)
		return -errno;
	return 0;
}

int confine_limits(uint64_t max_output_bytes, uint32_t max_procs)
{
	struct rlimit core = { 0, 0 }, nofile = { 1024, 1024 };
	struct rlimit nproc = { max_procs, max_procs };

	/* output is bounded where guest-init reads it; files land on a
	 * tmpfs bounded by its size. RLIMIT_NPROC binds only a non-root
	 * user: the pids cgroup bounds root too. */
	(void)max_output_bytes;
	if (setrlimit(RLIMIT_CORE, &core) < 0 || setrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
	    setrlimit(RLIMIT_NPROC, &nproc) < 0)
		return -errno;
	return 0;
}

/* Capabilities a harness never keeps: each reaches PID 1, the devices or
 * the kernel. What remains is what "root in a box" needs for files. */
static const int dropped_caps[] = {
	CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_BOOT,
	CAP_MKNOD, CAP_SYS_TIME, CAP_SYS_RESOURCE, CAP_NET_ADMIN, CAP_NET_RAW,
	CAP_SYS_CHROOT, CAP_SETPCAP, CAP_LINUX_IMMUTABLE, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE,
	CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE,
	CAP_AUDIT_READ, CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE, CAP_SYS_PACCT,
	CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_LEASE, CAP_SYS_TTY_CONFIG, CAP_SETFCAP,
	CAP_SYS_NICE,
};

int confine_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	for (size_t i = 0; i < sizeof(dropped_caps) / sizeof(dropped_caps[0]); i++)
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) < 0 && errno != EINVAL)
			return -errno; /* EINVAL: the kernel does not know this cap */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(dropped_caps) / sizeof(dropped_caps[0]); i++) {
		unsigned c = (unsigned)dropped_caps[i];

		data[c / 32].effective &= ~(1u << (c % 32));
		data[c / 32].permitted &= ~(1u << (c % 32));
		data[c / 32].inheritable &= ~(1u << (c % 32));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

int confine_user(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups)
{
	gid_t g[MAX_RUN_GROUPS];

	if (ngroups > MAX_RUN_GROUPS)
		return -E2BIG;
	for (size_t i = 0; i < ngroups; i++)
		g[i] = (gid_t)groups[i];
	if (setgroups(ngroups, ngroups ? g : NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	return 0;
}

/* Every capability out of the bounding and ambient sets, for the agent:
 * root's powers never come back through an exec. The effective set
 * stays for the uid change that follows; confine_caps_clear ends it. */
int confine_caps_bound_all(void)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno; /* EINVAL: the kernel does not know this cap */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* No capability left in any set (the uid change cleared them already
 * for a non-root user; this says so for any). */
int confine_caps_clear(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* Every descriptor from first up closed: nothing guest-init or the box's
 * init holds (the TPM, the channel, the agent socket) reaches what runs. */
int confine_close_from(unsigned first)
{
	if (syscall(SYS_close_range, first, ~0u, 0) < 0)
		return -errno;
	return 0;
}

/* no_new_privs, then: right architecture, no x32 calls, socket() refused
 * for AF_VSOCK (the host end of Firecracker's channels), no new user
 * namespace (clone or unshare with CLONE_NEWUSER: inside one, the box's
 * dropped capabilities come back), and clone3 answered ENOSYS, since
 * its flags sit in memory a filter cannot read (libcs fall back to clone). */
int confine_seccomp(void)
{
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		/* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1), /* __X32_SYSCALL_BIT */
		/* 5 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
		/* 7 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 1, 0),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 3),
		/* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 5),
		/* 12 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
		/* 14 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK, 0, 1),
		/* 16 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

/* execve with a PATH search (PATH from envp, or the usual default) for a
 * program named without a '/'. Returns only on failure, errno set. */
void confine_exec(char *const argv[], char *const envp[])
{
	const char *prog = argv[0], *path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	char buf[4097];
	int err = ENOENT;

	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	if (strchr(prog, '/')) {
		execve(prog, argv, envp);
		return;
	}
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		if (n + 1 + strlen(prog) < sizeof(buf)) {
			memcpy(buf, path, n);
			buf[n] = '/';
			strcpy(buf + n + 1, prog);
			execve(buf, argv, envp);
			/* EACCES remembered as execvp does; ENOENT: on to the next */
			if (errno != ENOENT)
				err = errno;
		}
		path += n + (end ? 1 : 0);
	}
	errno = err;
}
