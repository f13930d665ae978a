/* SPDX-License-Identifier: MIT */
/* The launcher's VMMs, behind one narrow interface: which one to use
 * (--vmm auto), the options each refuses (refused here first, with the limit named), starting one for a
 * run, whether it is still running, why it stopped, and its logs kept
 * with the evidence. The backends are
 * qemu.c and firecracker.c; launch.c knows only this file. */
#ifndef VOUCH_VMM_H
#define VOUCH_VMM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "boot.h"

/* Firecracker's machine-config (swagger: vcpu_count 1..32; a
 * mem_size_mib of 0 is refused at start). docs/firecracker.md. */
#define FIRECRACKER_MAX_VCPUS 32u
/* QEMU's q35 machine (MachineClass max_cpus in QEMU 7.2). */
#define QEMU_Q35_MAX_CPUS 288u

/* What a backend boots, and where. */
struct vmm_spec {
	const char *kernel, *initrd, *rootfs, *cmdline;
	const char *dir;        /* the run directory: config, sockets, logs */
	const char *tpm_ctrl;   /* swtpm's chardev socket (a TPM device), else NULL */
	unsigned cpus, memory_mib;
	enum channel channel;
	bool tpm_device;
	volatile sig_atomic_t *stop; /* set by a signal: stop waiting */
};

/* A started VMM: its processes, and whose log says why one stopped. */
struct vmm_proc {
	enum vmm vmm;
	pid_t pid;          /* the VMM; 0 once reaped */
	pid_t helper;       /* its vsock backend (vhost-device-vsock), or 0 */
	const char *who;    /* "QEMU", "Firecracker", "vhost-device-vsock" */
	const char *log;    /* that one's log, a name in the run directory */
	const char *started; /* the live line: "VM starting (QEMU q35, TCG)" */
	bool gone;          /* the VMM or its helper exited ... */
	int status;         /* ... with this wait status */
};

/* 0 when vmm takes these options, else MB_E_RANGE with why (a sentence
 * naming the option and the backend's limit) filled. */
int vmm_check_opts(enum vmm vmm, enum channel ch, bool tpm_device, unsigned cpus,
		   unsigned memory_mib, char *why, size_t cap);

/* --vmm auto. Firecracker when a firecracker binary is on PATH, nothing
 * pinned rules it out and KVM works, else QEMU with why it fell back, the
 * first reason in that order ("no firecracker binary on PATH", pin_why,
 * "/dev/kvm: Permission denied"). pin_why: why the options or a
 * manifest's pinned boot rule Firecracker out, or NULL; kvm_why: vmm_kvm_check's verdict, NULL
 * when KVM works. Pure. */
enum vmm vmm_choose(bool have_firecracker, const char *pin_why, const char *kvm_why, char *why,
		    size_t cap);
/* Whether an executable regular file named name is in a directory of
 * path_env (a PATH value; NULL or empty: none). */
bool vmm_on_path(const char *name, const char *path_env);
/* Whether cpuinfo (the text of /proc/cpuinfo) shows hardware
 * virtualization: a "flags" line with vmx or svm. Pure. */
bool vmm_cpu_virt(const char *cpuinfo, size_t n);
/* Whether KVM at dev works for Firecracker: it opens read-write, speaks
 * API 12, makes a VM, and the CPU has hardware virtualization
 * (vmm_cpu_virt over cpuinfo). NULL when it does, else why not, in buf:
 * "/dev/kvm: No such file or directory". A KVM without vmx or svm, such
 * as a paravirtual one (PVM), opens and makes VMs but hangs our guest
 * kernels (docs/kernel.md). QEMU runs under TCG whatever this says. */
const char *vmm_kvm_check(const char *dev, const char *cpuinfo, size_t n, char *buf, size_t cap);
/* The probes and the choice: the firecracker binary on $PATH, then (when
 * pin_why is NULL) KVM at $VOUCH_KVM_DEVICE (default /dev/kvm) with
 * /proc/cpuinfo. */
enum vmm vmm_auto(const char *pin_why, char *why, size_t cap);

/* Starts vmm for s (its vsock backend first when it needs one): 0 with
 * *ret filled, else an error with *ret saying which process failed (its
 * pid 0). */
int vmm_start(enum vmm vmm, const struct vmm_spec *s, struct vmm_proc *ret);
/* Whether the guest's channels are hybrid vsock (hvsock.h) for vmm and
 * ch, rather than QEMU's virtio-serial chardevs. */
bool vmm_hybrid_vsock(enum vmm vmm, enum channel ch);
/* true while the VMM and its helper run; false once either exited, with
 * p->gone, p->status its wait status, and p->who, p->log naming it. */
bool vmm_running(struct vmm_proc *p);
/* Kills what is left of p. */
void vmm_stop(struct vmm_proc *p);
/* Moves the VMM's logs from dir into the evidence directory out: its
 * console always, its own logs too when failed. Firecracker's own log
 * lines are taken out of the console into firecracker.log. A log that
 * cannot be kept is named in *ret_lost (the first one). */
int vmm_keep_logs(enum vmm vmm, const char *dir, const char *out, bool failed, const char **ret_lost);

/* The last nlines lines of the file at path (at most cap - 1 bytes,
 * NUL-terminated, control bytes other than newline shown as '?'). */
int vmm_log_tail(const char *path, unsigned nlines, char *out, size_t cap);

#endif
