// SPDX-License-Identifier: MIT
#include "vtpm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include "err.h"
#include "frame.h"
#include "proc.h"
#include "tcti.h"
#include "tpmpub.h"

#define VTPM_LAYOUT "v1" /* bump when the provisioning changes */

/* Says which step failed and why (errno as the step left it) in t->why. */
static int vtpm_fail(struct vtpm *t, const char *step, int e)
{
	int err = errno;

	snprintf(t->why, sizeof(t->why), "%s: %s%s%s", step, mb_strerror(e), err ? ": " : "",
		 err ? strerror(err) : "");
	return e;
}

int vtpm_connect(const char *path)
{
	return unix_socket(path, false);
}

static int read_ek(const char *sock, TPM2B_PUBLIC *ret)
{
	struct tcti_stream tcti;
	ESYS_CONTEXT *esys = NULL;
	ESYS_TR ek;
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *n = NULL, *qn = NULL;
	int fd = vtpm_connect(sock), e = MB_E_CRYPTO;

	if (fd < 0)
		return fd;
	tcti_stream_init(&tcti, fd, TCTI_RAW, NULL, 30000);
	if (Esys_Initialize(&esys, tcti_stream_ctx(&tcti), NULL) == 0 &&
	    Esys_TR_FromTPMPublic(esys, MB_EK_RSA_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek) == 0 &&
	    Esys_ReadPublic(esys, ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &n, &qn) == 0) {
		*ret = *pub;
		e = 0;
	}
	Esys_Free(pub);
	Esys_Free(n);
	Esys_Free(qn);
	Esys_Finalize(&esys);
	close(fd);
	return e;
}

static int write_text(const char *path, const char *text)
{
	return file_write_all(path, text, strlen(text));
}

/* swtpm_setup with a CA of this cache's own (not the system-wide one). */
static int provision_into(const char *dir)
{
	char state[PATH_MAX], ca[PATH_MAX], conf[PATH_MAX], caconf[PATH_MAX], text[4 * PATH_MAX];
	char log[PATH_MAX];

	if (pathf(state, sizeof(state), "%s/state", dir) < 0)
		return MB_E_PATH;
	if (pathf(ca, sizeof(ca), "%s/ca", dir) < 0)
		return MB_E_PATH;
	if (pathf(conf, sizeof(conf), "%s/swtpm_setup.conf", dir) < 0)
		return MB_E_PATH;
	if (pathf(caconf, sizeof(caconf), "%s/swtpm-localca.conf", dir) < 0)
		return MB_E_PATH;
	if (pathf(log, sizeof(log), "%s/setup.log", dir) < 0)
		return MB_E_PATH;
	if (mkdir(state, 0700) < 0 || mkdir(ca, 0700) < 0)
		return MB_E_IO;
	if (pathf(text, sizeof(text),
		 "statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\n"
		 "certserial = %s/certserial\n", ca, ca, ca, ca) < 0 ||
	    write_text(caconf, text) < 0)
		return MB_E_IO;
	if (pathf(text, sizeof(text),
		 "create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = %s\n"
		 "create_certs_tool_options = /etc/swtpm-localca.options\nactive_pcr_banks = sha256\n",
		 caconf) < 0 ||
	    write_text(conf, text) < 0)
		return MB_E_IO;
	char *argv[] = { "swtpm_setup", "--tpm2", "--tpmstate", state, "--create-ek-cert",
			 "--config", conf, NULL };

	/* swtpm_setup starts a swtpm of its own, through a double fork:
	 * contained, so that a launcher killed meanwhile leaves none */
	pid_t pid = proc_spawn_contained(argv, log);
	int st;

	if (pid < 0)
		return MB_E_IO;
	st = proc_wait(pid, frame_now_ms() + 60000);
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : MB_E_IO;
}

int vtpm_provision(const char *cache_root, char *ret_dir, size_t cap, TPM2B_PUBLIC *ret_ek)
{
	char dir[PATH_MAX], tmp[PATH_MAX], lockp[PATH_MAX], ekp[PATH_MAX];
	uint8_t *buf = NULL, ekm[sizeof(TPM2B_PUBLIC)];
	size_t n = 0, off = 0;
	TPM2B_PUBLIC ek = { 0 };
	struct vtpm t;
	int lock, e;

	if (pathf(dir, sizeof(dir), "%s/vtpm-" VTPM_LAYOUT, cache_root) < 0)
		return MB_E_PATH;
	if (pathf(lockp, sizeof(lockp), "%s/vtpm.lock", cache_root) < 0)
		return MB_E_PATH;
	if (pathf(ekp, sizeof(ekp), "%s/ek.pub", dir) < 0)
		return MB_E_PATH;
	if (mkdir(cache_root, 0700) < 0 && errno != EEXIST)
		return MB_E_IO;
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return MB_E_IO;
	if (flock(lock, LOCK_EX) < 0) {
		e = MB_E_IO;
		goto out;
	}
	if (file_read_all(ekp, &buf, &n, sizeof(ekm)) == 0) {
		e = mb_public_unmarshal(buf, n, &ek);
		free(buf);
		goto done;
	}
	/* build aside, publish with a rename */
	if (pathf(tmp, sizeof(tmp), "%s.tmp", dir) < 0) {
		e = MB_E_PATH;
		goto out;
	}
	(void)dir_remove_tree(tmp);
	if (mkdir(tmp, 0700) < 0) {
		e = MB_E_IO;
		goto out;
	}
	if ((e = provision_into(tmp)) < 0)
		goto out;
	if ((e = vtpm_start(&t, tmp, tmp, 0)) < 0)
		goto out;
	e = read_ek(t.sock, &ek);
	vtpm_stop(&t);
	if (e < 0)
		goto out;
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&ek, ekm, sizeof(ekm), &off) != 0) {
		e = MB_E_MALFORMED;
		goto out;
	}
	if (pathf(ekp, sizeof(ekp), "%s/ek.pub", tmp) < 0) {
		e = MB_E_PATH;
		goto out;
	}
	if ((e = file_write_all(ekp, ekm, off)) < 0)
		goto out;
	(void)dir_remove_tree(dir);
	e = rename(tmp, dir) == 0 ? 0 : MB_E_IO;
done:
	if (e == 0) {
		e = pathf(ret_dir, cap, "%s", dir);
		*ret_ek = ek;
	}
out:
	close(lock);
	return e;
}

/* The launcher binds and listens on swtpm's sockets itself and hands
 * them over: a client can connect the moment this returns. (Waiting for
 * swtpm's own socket file to appear raced with swtpm: it binds, chmods
 * and only then listens, and a connect in between is refused.) */
int vtpm_start(struct vtpm *t, const char *provisioned, const char *run_dir, int for_device)
{
	char src[PATH_MAX + 8], statearg[PATH_MAX + 16], serverarg[64], ctrlarg[64], log[PATH_MAX];
	int fds[2] = { -1, -1 }, nfds = 0, e = 0;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	if (pathf(t->state, sizeof(t->state), "%s/tpm", run_dir) < 0 ||
	    pathf(t->sock, sizeof(t->sock), "%s/tpm.sock", run_dir) < 0 ||
	    pathf(t->ctrl, sizeof(t->ctrl), "%s/tpm.ctrl", run_dir) < 0 ||
	    pathf(log, sizeof(log), "%s/swtpm.log", run_dir) < 0 ||
	    pathf(src, sizeof(src), "%s/state", provisioned) < 0 ||
	    pathf(statearg, sizeof(statearg), "dir=%s", t->state) < 0)
		return vtpm_fail(t, "a path under the run directory is too long", MB_E_PATH);
	if (strcmp(provisioned, run_dir) != 0 || access(t->state, F_OK) != 0) {
		if (copy_tree(src, t->state) < 0)
			return vtpm_fail(t, "copying the provisioned TPM state", MB_E_IO);
	}
	if ((fds[nfds] = unix_socket(t->ctrl, true)) < 0) {
		e = vtpm_fail(t, "listening on the TPM control socket", fds[nfds]);
		goto out;
	}
	snprintf(ctrlarg, sizeof(ctrlarg), "type=unixio,fd=%d", fds[nfds++]);
	if (for_device) {
		/* QEMU initialises the TPM over the control channel */
		char *argv[] = { "swtpm", "socket", "--tpm2", "--tpmstate", statearg, "--ctrl", ctrlarg,
				 NULL };

		pid = proc_spawn_fds(argv, log, fds, (size_t)nfds);
	} else {
		if ((fds[nfds] = unix_socket(t->sock, true)) < 0) {
			e = vtpm_fail(t, "listening on the TPM command socket", fds[nfds]);
			goto out;
		}
		snprintf(serverarg, sizeof(serverarg), "type=unixio,fd=%d", fds[nfds++]);
		char *argv[] = { "swtpm", "socket", "--tpm2", "--tpmstate", statearg, "--server",
				 serverarg, "--ctrl", ctrlarg, "--flags", "not-need-init,startup-clear",
				 NULL };

		pid = proc_spawn_fds(argv, log, fds, (size_t)nfds);
	}
	if (pid < 0) {
		errno = -pid;
		e = vtpm_fail(t, "starting swtpm", MB_E_IO);
		goto out;
	}
	t->pid = pid;
out:
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return e;
}

void vtpm_stop(struct vtpm *t)
{
	proc_kill(t->pid);
	t->pid = 0;
}
