// SPDX-License-Identifier: MIT
/*
 * One attested run, as a list of steps: setup (the vTPM, the platform
 * measurements, the channels' sockets), the VMM (vmm.h), the session with
 * guest-init (session.c), the evidence (evidence.c); every process and
 * file it made gone at the end, whatever happened.
 */
#include "launch.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <tss2/tss2_esys.h>

#include "boot.h"
#include "evidence.h"
#include "evlog.h"
#include "hvsock.h"
#include "pcr.h"
#include "proc.h"
#include "run.h"
#include "session.h"
#include "sha256.h"
#include "tcti.h"
#include "vmm.h"
#include "vtpm.h"

static void on_signal(int sig)
{
	run_interrupted = sig;
}

/* ---- platform measurements ---- */

static int platform_event(struct run *r, ESYS_CONTEXT *esys, uint32_t pcr, const uint8_t d[32],
			  const char *tag)
{
	int e = evlog_append(&r->plog, pcr, EV_IPL, d, tag, strlen(tag));

	if (e < 0)
		return e;
	if (esys) {
		TPML_DIGEST_VALUES v = { .count = 1 };

		v.digests[0].hashAlg = TPM2_ALG_SHA256;
		memcpy(v.digests[0].digest.sha256, d, 32);
		if (Esys_PCR_Extend(esys, pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &v) != 0)
			return MB_E_CRYPTO;
	}
	return 0;
}

/* Kernel, initramfs, command line (PCR 8) and root image (PCR 9): by the
 * launcher itself on its own TPM connection (relay), or handed to
 * guest-init in the hello (TPM device). */
static int measure_platform(struct run *r)
{
	const struct launch_opts *o = r->o;
	uint8_t k[32], i[32], c[32], root[32];
	ESYS_CONTEXT *esys = NULL;
	int e;

	if ((e = file_sha256(o->kernel, k)) < 0 || (e = file_sha256(o->initrd, i)) < 0 ||
	    (e = sha256_buf(r->cmdline, strlen(r->cmdline), c)) < 0)
		return e;
	/* with dm-verity the guest's kernel checks every block it reads
	 * against the root hash: that is what is measured, and the image
	 * is not read here at all */
	if (o->verity)
		memcpy(root, o->verity->root, sizeof(root));
	else if (o->rootfs_digest) /* hashed a moment ago, against its pin */
		memcpy(root, o->rootfs_digest, sizeof(root));
	else if ((e = file_sha256(o->rootfs, root)) < 0)
		return e;
	evlog_init(&r->plog);
	if (!o->tpm_device && Esys_Initialize(&esys, tcti_stream_ctx(&r->swtpm), NULL) != 0)
		return MB_E_CRYPTO;
	if ((e = platform_event(r, esys, PCR_BOOT, k, "vouch.kernel")) == 0 &&
	    (e = platform_event(r, esys, PCR_BOOT, i, "vouch.initramfs")) == 0 &&
	    (e = platform_event(r, esys, PCR_BOOT, c, "vouch.cmdline")) == 0)
		e = platform_event(r, esys, PCR_ROOT, root, "vouch.rootfs");
	if (esys)
		Esys_Finalize(&esys);
	if (e < 0)
		return e;
	cb_wr_init(&r->platform, NULL, 64 * 1024);
	evlog_encode(&r->plog, &r->platform);
	return cb_wr_finish(&r->platform, &(size_t){ 0 });
}

static int accept_one(struct run *r, int lfd, int64_t deadline)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int64_t left;

	while ((left = deadline - frame_now_ms()) > 0 && !run_interrupted) {
		int n = poll(&p, 1, (int)(left > 100 ? 100 : left));

		if (n > 0)
			return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (n < 0 && errno != EINTR)
			return MB_E_IO;
		if (!vmm_running(&r->vm))
			return session_vmm_gone(r, "before the guest connected");
	}
	return run_interrupted ? MB_E_CLOSED : MB_E_TIMEOUT;
}

/* ---- the whole run ---- */

static int build_cmdline(struct run *r)
{
	return boot_cmdline_verity(r->cmdline, sizeof(r->cmdline), r->o->rootfstype, r->o->tpm_device,
				   (enum vmm)r->o->vmm, (enum channel)r->o->channel, r->o->verity);
}

/* Every host-side failure names its step and its cause: which process,
 * file or socket, and errno as the step left it. */
static int step_fail(struct run *r, const char *step, int e)
{
	int err = errno;

	if (!r->res->host_error[0])
		snprintf(r->res->host_error, sizeof(r->res->host_error), "%s: %s%s%s", step, mb_strerror(e),
			 err ? ": " : "", err ? strerror(err) : "");
	return e;
}

#define STEP(r, what, expr)                                   \
	do {                                                  \
		int e_;                                       \
		errno = 0;                                    \
		if ((e_ = (expr)) < 0)                        \
			return step_fail((r), (what), e_);    \
	} while (0)

/* Where the host listens for the guest's evidence (0) and TPM relay (1)
 * streams: the hybrid vsock's port sockets, or QEMU's virtio-serial
 * chardevs. */
static int listen_channel(struct run *r, int which, int *ret_fd)
{
	char path[PATH_MAX];
	int fd;

	if (vmm_hybrid_vsock((enum vmm)r->o->vmm, (enum channel)r->o->channel)) {
		if (pathf(path, sizeof(path), "%s/v.sock", r->dir) < 0)
			return MB_E_PATH;
		return hvsock_listen(path, which == 0 ? VSOCK_EVIDENCE_PORT : VSOCK_TPM_PORT, ret_fd);
	}
	if (pathf(path, sizeof(path), "%s/%s", r->dir, which == 0 ? "evidence.sock" : "relay.sock") < 0)
		return MB_E_PATH;
	if ((fd = unix_socket(path, true)) < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static int start_vtpm(struct run *r, const char *prov)
{
	int e = vtpm_start(&r->tpm, prov, r->dir, r->o->tpm_device);

	if (e < 0) {
		errno = 0;
		snprintf(r->res->host_error, sizeof(r->res->host_error), "%s", r->tpm.why);
	}
	return e;
}

static int connect_swtpm(struct run *r)
{
	int fd = vtpm_connect(r->tpm.sock);

	if (fd < 0)
		return fd;
	r->swtpm_fd = fd;
	tcti_stream_init(&r->swtpm, r->swtpm_fd, TCTI_RAW, NULL, 30000);
	return 0;
}

static int make_nonce(struct run *r)
{
	return getrandom(r->nonce, sizeof(r->nonce), 0) == sizeof(r->nonce) ? 0 : MB_E_IO;
}

/* What the VM needs before it starts: its command line, swtpm (its
 * sockets bound here, so that QEMU's TPM device can connect at once),
 * and the sockets it connects to. The platform measurement does not:
 * it runs while the guest's kernel boots (measure_during_boot). */
static int setup(struct run *r, char *prov, size_t cap)
{
	STEP(r, "building the kernel command line", build_cmdline(r));
	STEP(r, "provisioning the vTPM state (swtpm_setup)", vtpm_provision(r->o->cache_root, prov, cap, &r->ek));
	STEP(r, "starting swtpm", start_vtpm(r, prov));
	STEP(r, "drawing the session nonce", make_nonce(r));
	STEP(r, "starting the record chain", chain_init(&r->chain, r->nonce));
	STEP(r, "listening for the evidence channel", listen_channel(r, 0, &r->ev_listen));
	if (!r->o->tpm_device)
		STEP(r, "listening for the TPM relay channel", listen_channel(r, 1, &r->tr_listen));
	return 0;
}

/* The platform is measured into PCRs 8 and 9 while the VM boots: the
 * guest's own events go to other PCRs, guest-init uses the TPM only
 * after the hello, and the hello is sent only after this. */
static int measure_during_boot(struct run *r)
{
	if (!r->o->tpm_device)
		STEP(r, "connecting to swtpm's command socket", connect_swtpm(r));
	STEP(r, "measuring the platform (kernel, initramfs, command line, root)", measure_platform(r));
	run_live(r, r->o->verity ? "platform measured (kernel, initramfs, command line, verity root hash)"
			       : "platform measured (kernel, initramfs, command line, root image)");
	return 0;
}

static int start_vmm(struct run *r)
{
	const struct launch_opts *o = r->o;
	struct vmm_spec s = {
		.kernel = o->kernel, .initrd = o->initrd, .rootfs = o->rootfs, .cmdline = r->cmdline,
		.dir = r->dir, .tpm_ctrl = r->tpm.ctrl, .cpus = o->cpus, .memory_mib = o->memory_mib,
		.channel = (enum channel)o->channel, .tpm_device = o->tpm_device, .stop = &run_interrupted,
	};
	int e = vmm_start((enum vmm)o->vmm, &s, &r->vm);

	if (e < 0)
		return r->vm.gone ? session_vmm_gone(r, "at start") : e;
	run_live(r, "%s", r->vm.started);
	return 0;
}

static int accept_channel(struct run *r, int lfd, int64_t deadline, int *ret_fd)
{
	int fd = accept_one(r, lfd, deadline);

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

/* guest-init opens the evidence channel, reads the hello, and only then
 * opens the TPM relay: the relay is accepted after the hello is sent.
 * (QEMU's virtio-serial connects both host sockets itself at start;
 * a vsock connection exists only once the guest makes it.) */
static int session(struct run *r, int64_t deadline)
{
	int e;

	STEP(r, "starting the VM", start_vmm(r));
	if ((e = measure_during_boot(r)) < 0)
		return e;
	STEP(r, "waiting for the guest's evidence channel", accept_channel(r, r->ev_listen, deadline, &r->ev_fd));
	STEP(r, "evidence channel buffer", frame_reader_init(&r->ev_rd, r->ev_fd));
	STEP(r, "sending the session hello", session_hello(r));
	if (r->tr_listen >= 0) {
		STEP(r, "waiting for the guest's TPM relay channel",
		     accept_channel(r, r->tr_listen, deadline, &r->tr_fd));
		STEP(r, "relay channel buffer", frame_reader_init(&r->tr_rd, r->tr_fd));
	}
	STEP(r, "the session with guest-init", session_loop(r, deadline));
	return 0;
}

static void teardown(struct run *r)
{
	int *fds[] = { &r->ev_listen, &r->tr_listen, &r->ev_fd, &r->tr_fd, &r->swtpm_fd };

	vmm_stop(&r->vm);
	vtpm_stop(&r->tpm);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	frame_reader_free(&r->ev_rd);
	frame_reader_free(&r->tr_rd);
	if (r->dir[0])
		(void)dir_remove_tree(r->dir);
	cb_wr_free(&r->records);
	free(r->rec_end);
	cb_wr_free(&r->platform);
	free(r->runspec);
	free(r->quote);
	explicit_bzero(r->secret, sizeof(r->secret));
}

int launch_run(const struct launch_opts *o, struct launch_result *ret)
{
	struct launch_result res = { .exit_code = -1 };
	struct run r = { .o = o, .res = &res, .ev_listen = -1, .tr_listen = -1, .ev_fd = -1,
			 .tr_fd = -1, .swtpm_fd = -1, .t0 = frame_now_ms() };
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	char prov[PATH_MAX], tmpl[PATH_MAX];
	const char *tmpdir = getenv("TMPDIR");
	int64_t deadline = r.t0 + (int64_t)o->vm_timeout_s * 1000;
	unsigned swept = 0;
	int e;

	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* as much as the schema lets a run send: the records are kept here
	 * once, and streamed into the bundle from here */
	cb_wr_init(&r.records, NULL, (size_t)MAX_RECORDS * MAX_RECORD_BYTES);
	/* what the VMM would refuse at start is refused here, limit named */
	if ((e = vmm_check_opts((enum vmm)o->vmm, (enum channel)o->channel, o->tpm_device, o->cpus,
				o->memory_mib, res.host_error, sizeof(res.host_error))) < 0)
		goto out;
	/* what launches killed before their teardown left behind */
	if (run_dirs_sweep(tmpdir ? tmpdir : "/tmp", "vouch-run-", &swept) == 0 && swept)
		run_live(&r, "removed %u run director%s of launches that are gone", swept, swept == 1 ? "y" : "ies");
	if (pathf(tmpl, sizeof(tmpl), "%s/vouch-run-XXXXXX", tmpdir ? tmpdir : "/tmp") < 0 ||
	    !mkdtemp(tmpl)) {
		e = step_fail(&r, "making the run directory under TMPDIR", MB_E_IO);
		goto out;
	}
	snprintf(r.dir, sizeof(r.dir), "%s", tmpl);
	errno = 0;
	if ((e = run_dir_claim(r.dir)) < 0) {
		step_fail(&r, "writing the run directory's owner file", e);
		goto out;
	}
	if ((e = setup(&r, prov, sizeof(prov))) < 0)
		goto out;
	e = session(&r, deadline);
	if (r.vm.pid > 0) {
		int st = proc_wait(r.vm.pid, frame_now_ms() + 10000);
		size_t l = strlen(res.host_error);

		r.vm.pid = 0;
		if (st == -ETIMEDOUT)
			run_live(&r, "VM did not stop by itself: killed");
		else if (e < 0 && l && st >= 0 && (WIFSIGNALED(st) || WEXITSTATUS(st) != 0))
			snprintf(res.host_error + l, sizeof(res.host_error) - l, " (the VMM had %s %d)",
				 WIFSIGNALED(st) ? "died of signal" : "exited with status",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	res.total_ms = (uint64_t)(frame_now_ms() - r.t0);
	/* what arrived is kept, whatever the outcome */
	if (o->out_dir) {
		int we;

		errno = 0;
		if ((we = evidence_write(&r)) < 0)
			step_fail(&r, "writing the evidence directory", we);
		if (e == 0)
			e = we;
	}
	if (e == 0 && r.chain_err)
		e = r.chain_err;
out:
	teardown(&r);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (run_interrupted && e == 0)
		e = MB_E_CLOSED;
	*ret = res;
	return e;
}
