// SPDX-License-Identifier: MIT
/* The QEMU backend: q35 under TCG, qboot, the root image read-only on
 * virtio-blk; the guest's channels on virtio-serial ports, or on vsock
 * through vhost-device-vsock (started here, ready when its socket is). */
#include "qemu.h"

#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "proc.h"

int qemu_check_opts(enum channel ch, bool tpm_device, unsigned cpus, unsigned memory_mib, char *why,
		    size_t cap)
{
	(void)ch, (void)tpm_device, (void)cpus, (void)memory_mib, (void)why, (void)cap;
	return 0; /* q35 takes every channel and either TPM path */
}

static int start_qemu(const struct vmm_spec *s, struct vmm_proc *p)
{
	char mem[16], cpus[16], drive[PATH_MAX + 64], ev[PATH_MAX + 64], tr[PATH_MAX + 64];
	char con[PATH_MAX + 64], tpm[PATH_MAX + 64], log[PATH_MAX];
	char vmem[64], vsk[PATH_MAX + 64];
	bool vsock = s->channel == CHANNEL_VSOCK;
	char *argv[64];
	int n = 0;

	snprintf(mem, sizeof(mem), "%u", s->memory_mib);
	/* vhost-user needs the guest's memory shared with the backend:
	 * without share=on QEMU says nothing and the guest's connect()
	 * times out */
	snprintf(vmem, sizeof(vmem), "memory-backend-memfd,id=mem,size=%uM,share=on", s->memory_mib);
	snprintf(cpus, sizeof(cpus), "%u", s->cpus);
	if (pathf(drive, sizeof(drive), "file=%s,if=none,id=root,format=raw,readonly=on", s->rootfs) < 0 ||
	    pathf(ev, sizeof(ev), "socket,id=ev,path=%s/evidence.sock", s->dir) < 0 ||
	    pathf(tr, sizeof(tr), "socket,id=tr,path=%s/relay.sock", s->dir) < 0 ||
	    pathf(con, sizeof(con), "file,id=con,path=%s/console.log", s->dir) < 0 ||
	    pathf(tpm, sizeof(tpm), "socket,id=chrtpm,path=%s", s->tpm_ctrl ? s->tpm_ctrl : "") < 0 ||
	    pathf(vsk, sizeof(vsk), "socket,id=vsk,path=%s/vhost-vsock.sock", s->dir) < 0 ||
	    pathf(log, sizeof(log), "%s/qemu.log", s->dir) < 0)
		return MB_E_PATH;
	argv[n++] = "qemu-system-x86_64";
	/* q35 under TCG: microvm hangs at random in timer calibration there
	 * and has no TPM ACPI table */
	argv[n++] = "-M"; argv[n++] = vsock ? "q35,memory-backend=mem" : "q35";
	if (vsock) {
		argv[n++] = "-object"; argv[n++] = vmem;
	}
	argv[n++] = "-accel"; argv[n++] = "tcg";
	argv[n++] = "-cpu"; argv[n++] = "max";
	argv[n++] = "-m"; argv[n++] = mem;
	argv[n++] = "-smp"; argv[n++] = cpus;
	/* qboot, not SeaBIOS: with a TPM SeaBIOS's tables grow into where
	 * QEMU puts the initrd, and the guest loses its ACPI tables (and the
	 * TPM with them); qboot also starts the PVH entry sooner */
	argv[n++] = "-bios"; argv[n++] = "/usr/share/qemu/qboot.rom";
	argv[n++] = "-nodefaults"; argv[n++] = "-no-user-config";
	argv[n++] = "-nographic"; argv[n++] = "-no-reboot";
	argv[n++] = "-kernel"; argv[n++] = (char *)s->kernel;
	argv[n++] = "-initrd"; argv[n++] = (char *)s->initrd;
	argv[n++] = "-append"; argv[n++] = (char *)s->cmdline;
	argv[n++] = "-chardev"; argv[n++] = con;
	argv[n++] = "-serial"; argv[n++] = "chardev:con";
	argv[n++] = "-drive"; argv[n++] = drive;
	argv[n++] = "-device"; argv[n++] = "virtio-blk-pci,drive=root";
	if (vsock) {
		argv[n++] = "-chardev"; argv[n++] = vsk;
		argv[n++] = "-device"; argv[n++] = "vhost-user-vsock-pci,chardev=vsk";
	} else {
		argv[n++] = "-device"; argv[n++] = "virtio-serial-pci,id=vs";
		argv[n++] = "-chardev"; argv[n++] = ev;
		argv[n++] = "-device"; argv[n++] = "virtserialport,bus=vs.0,chardev=ev,name=vouch.evidence";
	}
	if (s->tpm_device) {
		argv[n++] = "-chardev"; argv[n++] = tpm;
		argv[n++] = "-tpmdev"; argv[n++] = "emulator,id=tpm0,chardev=chrtpm";
		argv[n++] = "-device"; argv[n++] = "tpm-crb,tpmdev=tpm0";
	} else if (!vsock) {
		argv[n++] = "-chardev"; argv[n++] = tr;
		argv[n++] = "-device"; argv[n++] = "virtserialport,bus=vs.0,chardev=tr,name=vouch.tpm";
	}
	argv[n] = NULL;
	p->who = "QEMU";
	p->log = "qemu.log";
	p->pid = proc_spawn(argv, log);
	if (p->pid < 0) {
		p->pid = 0;
		return MB_E_IO;
	}
	return 0;
}

/* vhost-device-vsock, QEMU's vsock backend: QEMU reaches it on
 * vhost-vsock.sock, and it presents the guest to the host as
 * Firecracker's hybrid vsock on v.sock. It outlives QEMU, so it is the
 * launcher's to stop (vmm_stop; PR_SET_PDEATHSIG when the launcher is
 * killed). Ready when its socket exists. */
static int start_vsockd(const struct vmm_spec *s, struct vmm_proc *p)
{
	char vm[2 * PATH_MAX + 64], sock[PATH_MAX], log[PATH_MAX];
	struct stat st;

	if (pathf(sock, sizeof(sock), "%s/vhost-vsock.sock", s->dir) < 0 ||
	    pathf(vm, sizeof(vm), "guest-cid=3,socket=%s,uds-path=%s/v.sock", sock, s->dir) < 0 ||
	    pathf(log, sizeof(log), "%s/vhost-vsock.log", s->dir) < 0)
		return MB_E_PATH;
	char *argv[] = { "vhost-device-vsock", "--vm", vm, NULL };

	p->who = "vhost-device-vsock";
	p->log = "vhost-vsock.log";
	if ((p->helper = proc_spawn(argv, log)) < 0) {
		p->helper = 0;
		return MB_E_IO;
	}
	for (int64_t until = frame_now_ms() + 10000; frame_now_ms() < until && !*s->stop;) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (waitpid(p->helper, &p->status, WNOHANG) == p->helper) {
			p->helper = 0;
			p->gone = true;
			return MB_E_CLOSED;
		}
		usleep(5000);
	}
	return MB_E_TIMEOUT;
}

int qemu_start(const struct vmm_spec *s, struct vmm_proc *ret)
{
	int e;

	if (s->channel == CHANNEL_VSOCK && (e = start_vsockd(s, ret)) < 0)
		return e;
	if ((e = start_qemu(s, ret)) < 0)
		return e;
	ret->started = s->channel == CHANNEL_VSOCK ? "VM starting (QEMU q35, TCG, vsock)"
						   : "VM starting (QEMU q35, TCG)";
	return 0;
}

/* The guest's console always; QEMU's and its vsock backend's own words
 * when the launch failed. */
int qemu_keep_logs(const char *dir, const char *out, bool failed, const char **ret_lost)
{
	static const char *const logs[] = { "console.log", "qemu.log", "vhost-vsock.log" };
	int e = 0;

	for (size_t i = 0; i < (failed ? 3 : 1); i++)
		if (file_keep(dir, out, logs[i]) < 0 && e == 0) {
			e = MB_E_IO;
			*ret_lost = logs[i];
		}
	return e;
}
