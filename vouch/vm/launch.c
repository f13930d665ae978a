// SPDX-License-Identifier: MIT
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include <sodium.h>

#include "ak.h"
#include "attest.h"
#include "attestation.h"
#include "boot.h"
#include "bundle.h"
#include "credential.h"
#include "evlog.h"
#include "hvsock.h"
#include "pcr.h"
#include "proc.h"
#include "record.h"
#include "relay.h"
#include "report.h"
#include "sha256.h"
#include "tcti.h"
#include "tpmkey.h"
#include "tpmpub.h"
#include "vmm.h"
#include "vtpm.h"

struct run {
	const struct launch_opts *o;
	struct launch_result *res;
	char dir[PATH_MAX];
	struct vtpm tpm;
	TPM2B_PUBLIC ek;
	struct vmm_proc vm;     /* the VMM, and its vsock backend under QEMU */
	int ev_listen, tr_listen, ev_fd, tr_fd, swtpm_fd;
	struct frame_reader ev_rd, tr_rd;
	struct tcti_stream swtpm;
	uint8_t nonce[NONCE_BYTES];
	uint8_t secret[32];
	bool secret_sent;
	struct chain chain;
	int chain_err;
	struct cb_wr records;   /* every record as received, concatenated */
	size_t *rec_end;        /* where each record ends in records */
	size_t nrec, rec_cap;
	TPM2B_NAME ak_name;     /* computed here, never taken from the guest */
	struct cb_wr platform;  /* the launcher's event log */
	struct evlog plog;
	uint8_t *runspec; size_t runspec_len;
	uint8_t *quote; size_t quote_len;
	TPM2B_PUBLIC ak;
	bool have_ak;
	char cmdline[1024];
	int64_t t0;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void live(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void live(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->o->quiet)
		return;
	printf("  [%6.2fs] ", (double)(frame_now_ms() - r->t0) / 1000.0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *const launch_phase_names[] = {
	[PHASE_MOUNTED] = "mounted", [PHASE_CHANNEL] = "channel open", [PHASE_TPM] = "TPM open",
	[PHASE_MEASURED] = "measured", [PHASE_AK_CREATED] = "AK created",
	[PHASE_ACTIVATED] = "AK activated against the pinned EK", [PHASE_HARNESS_START] = "harness started",
	[PHASE_HARNESS_END] = "harness ended", [PHASE_QUOTE] = "quoting",
	[PHASE_ROOT_CORRUPT] = "root image blocks refused by verity",
};

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

/* The run ends as soon as its VMM is gone: its status and the last lines
 * of its log say why. */
static int vmm_gone_error(struct run *r, const char *when)
{
	int st = r->vm.status;
	char path[PATH_MAX];

	errno = 0;
	if (!r->res->host_error[0])
		snprintf(r->res->host_error, sizeof(r->res->host_error), "%s %s %d %s (see %s)",
			 r->vm.who ? r->vm.who : "the VMM",
			 WIFSIGNALED(st) ? "died of signal" : "exited with status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), when,
			 r->vm.log ? r->vm.log : "its log");
	if (r->vm.log && pathf(path, sizeof(path), "%s/%s", r->dir, r->vm.log) == 0)
		(void)vmm_log_tail(path, 8, r->res->vmm_log, sizeof(r->res->vmm_log));
	return MB_E_CLOSED;
}

static int accept_one(struct run *r, int lfd, int64_t deadline)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int64_t left;

	while ((left = deadline - frame_now_ms()) > 0 && !interrupted) {
		int n = poll(&p, 1, (int)(left > 100 ? 100 : left));

		if (n > 0)
			return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (n < 0 && errno != EINTR)
			return MB_E_IO;
		if (!vmm_running(&r->vm))
			return vmm_gone_error(r, "before the guest connected");
	}
	return interrupted ? MB_E_CLOSED : MB_E_TIMEOUT;
}

/* ---- the session ---- */

static int send_hello(struct run *r)
{
	uint8_t buf[MAX_RUNSPEC_BYTES + 8192];
	struct hello h = { 0 };
	struct cb_wr w;
	size_t n;
	int e;

	cb_wr_init(&w, NULL, MAX_RUNSPEC_BYTES);
	runspec_encode(r->o->rs, &w);
	if ((e = cb_wr_finish(&w, &r->runspec_len)) < 0)
		return e;
	r->runspec = w.p;
	memcpy(h.nonce, r->nonce, sizeof(h.nonce));
	h.runspec = r->runspec;
	h.runspec_len = r->runspec_len;
	if (r->o->tpm_device) {
		h.platform = r->platform.p;
		h.platform_len = r->platform.len;
	}
	cb_wr_init(&w, buf, sizeof(buf));
	hello_encode(&h, &w);
	if ((e = cb_wr_finish(&w, &n)) < 0)
		return e;
	return frame_write(r->ev_fd, FRAME_HELLO, buf, n);
}

static int on_ak(struct run *r, const struct frame *f)
{
	struct blob fl[ATTEST_MAX_FIELDS];
	TPM2B_NAME name;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sec;
	uint8_t bm[sizeof(blob)], sm[sizeof(sec)], msg[4096];
	size_t bo = 0, so = 0, n;
	struct cb_wr w;
	int e;

	if (r->have_ak)
		return MB_E_SEQUENCE; /* one AK per session */
	if ((e = attest_decode(MSG_AK, f->p, f->n, fl)) < 0)
		return e;
	if ((e = mb_public_unmarshal(fl[0].p, fl[0].n, &r->ak)) < 0)
		return e;
	if ((e = ak_check_public(&r->ak)) < 0)
		return e;
	/* the AK's name, computed here from its public area: never taken
	 * from the guest */
	if ((e = tpmkey_name(&r->ak, &name)) < 0)
		return e;
	r->ak_name = name;
	if (fl[1].n != name.size || memcmp(fl[1].p, name.name, name.size) != 0)
		return MB_E_CHAIN; /* the guest's idea of the name is not ours */
	r->have_ak = true;
	if (getrandom(r->secret, sizeof(r->secret), 0) != sizeof(r->secret))
		return MB_E_IO;
	if ((e = credential_make(&r->ek, &name, r->secret, sizeof(r->secret), &blob, &sec)) < 0)
		return e;
	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(&blob, bm, sizeof(bm), &bo) != 0 ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&sec, sm, sizeof(sm), &so) != 0)
		return MB_E_MALFORMED;
	cb_wr_init(&w, msg, sizeof(msg));
	attest_encode(MSG_CREDENTIAL, (const struct blob[]){ { bm, bo }, { sm, so } }, &w);
	if ((e = cb_wr_finish(&w, &n)) < 0)
		return e;
	r->secret_sent = true;
	return frame_write(r->ev_fd, FRAME_CREDENTIAL, msg, n);
}

static int on_activated(struct run *r, const struct frame *f)
{
	struct blob fl[ATTEST_MAX_FIELDS];
	int e;

	if (!r->secret_sent || r->res->activated)
		return MB_E_SEQUENCE;
	if ((e = attest_decode(MSG_ACTIVATED, f->p, f->n, fl)) < 0)
		return e;
	if (fl[0].n != sizeof(r->secret) || CRYPTO_memcmp(fl[0].p, r->secret, sizeof(r->secret)) != 0)
		return MB_E_CRYPTO;
	r->res->activated = true; /* the guest's "AK activated" phase follows */
	return 0;
}

static int on_record(struct run *r, const struct frame *f)
{
	struct record rec;
	int e;

	cb_put_raw(&r->records, f->p, f->n); /* kept whatever the checks say */
	if (r->records.err)
		return r->records.err;
	if (r->nrec == r->rec_cap) {
		/* up to MAX_RECORDS, the schema's limit, and not one more */
		size_t cap = r->rec_cap ? r->rec_cap * 2 : 1024;
		size_t *n;

		if (cap > MAX_RECORDS)
			cap = MAX_RECORDS;
		if (r->nrec == cap)
			return MB_E_LIMIT;
		if (!(n = realloc(r->rec_end, cap * sizeof(*n))))
			return MB_E_NOMEM;
		r->rec_end = n;
		r->rec_cap = cap;
	}
	r->rec_end[r->nrec++] = r->records.len;
	r->res->records++;
	if (r->chain_err)
		return 0;
	if ((e = chain_accept(&r->chain, f->p, f->n, &rec)) < 0) {
		r->chain_err = e;
		live(r, "record %llu refused: %s", (unsigned long long)r->res->records - 1, mb_strerror(e));
		return 0;
	}
	switch (rec.kind) {
	case REC_PHASE:
		r->res->phase_ns[rec.u.phase.phase] = rec.time_ns;
		live(r, "%s", launch_phase_names[rec.u.phase.phase]);
		break;
	case REC_TEST:
		if (rec.u.test.ok)
			r->res->tests_ok++;
		else
			r->res->tests_not_ok++;
		live(r, "%s %llu - %.*s", rec.u.test.ok ? "ok" : "not ok",
		     (unsigned long long)rec.u.test.num, (int)rec.u.test.desc_len, rec.u.test.desc);
		break;
	case REC_LIMIT:
		r->res->cut = true;
		live(r, "harness cut off at limit %u", rec.u.limit.what);
		break;
	case REC_EXIT:
		r->res->exit_code = (int)rec.u.exit.code;
		r->res->exit_signal = (int)rec.u.exit.signal;
		break;
	default:
		break;
	}
	return 0;
}

static int on_evidence_frame(struct run *r, const struct frame *f)
{
	switch (f->type) {
	case FRAME_RECORD:
		return on_record(r, f);
	case FRAME_AK:
		return on_ak(r, f);
	case FRAME_ACTIVATED:
		return on_activated(r, f);
	case FRAME_QUOTE:
		if (r->quote)
			return MB_E_SEQUENCE;
		if (!(r->quote = malloc(f->n)))
			return MB_E_NOMEM;
		memcpy(r->quote, f->p, f->n);
		r->quote_len = f->n;
		r->res->have_quote = true;
		live(r, "quote received");
		return 0;
	case FRAME_ERROR:
		snprintf(r->res->error, sizeof(r->res->error), "%.*s", (int)(f->n > 200 ? 200 : f->n), f->p);
		live(r, "guest-init failed: %s", r->res->error);
		return 0;
	default:
		return MB_E_FRAME_TYPE;
	}
}

/* A TPM command the relay refused: the first one said with its reason,
 * the rest counted (the count goes into the result). */
static void relay_refused(struct run *r, const struct frame *f)
{
	struct relay_verdict v;

	if (r->res->relay_refused++ == 0) {
		relay_check(f->p, f->n, &v);
		fprintf(stderr, "vouch: the TPM relay refused command 0x%08x from the guest: %s\n", v.cc, v.why);
	}
}

static int session_loop(struct run *r, int64_t deadline)
{
	bool ev_open = true, tr_open = r->tr_fd >= 0;
	int e;

	while (ev_open && !interrupted) {
		struct pollfd p[2] = { { r->ev_fd, POLLIN, 0 }, { tr_open ? r->tr_fd : -1, POLLIN, 0 } };
		int64_t left = deadline - frame_now_ms();
		/* a VMM that is gone sends nothing more: what it left in the
		 * sockets is read (a vsock backend may never close them), then
		 * the session ends */
		bool gone = !vmm_running(&r->vm);
		struct frame f;
		int n;

		if (left <= 0) {
			r->res->vm_deadline = true;
			return MB_E_TIMEOUT;
		}
		if (gone && deadline > frame_now_ms() + 2000)
			deadline = frame_now_ms() + 2000;
		if ((n = poll(p, 2, gone ? 0 : (int)(left > 200 ? 200 : left))) < 0 && errno != EINTR)
			return MB_E_IO;
		if (gone && n <= 0)
			return r->quote ? 0 : vmm_gone_error(r, "before the quote");
		if (tr_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			e = frame_read(&r->tr_rd, deadline, &f);
			if (e == MB_E_CLOSED)
				tr_open = false;
			else if (e < 0)
				return e;
			else if ((e = relay_command(&r->swtpm, r->tr_fd, &f)) < 0)
				return e;
			else if (e == RELAY_REFUSED)
				relay_refused(r, &f);
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* drain every whole frame already buffered */
			do {
				e = frame_read(&r->ev_rd, deadline, &f);
				if (e == MB_E_CLOSED) {
					ev_open = false;
					break;
				}
				if (e < 0)
					return e;
				if ((e = on_evidence_frame(r, &f)) < 0)
					return e;
			} while (r->ev_rd.off < r->ev_rd.len);
		}
	}
	return interrupted ? MB_E_CLOSED : 0;
}

/* ---- evidence out ---- */

static int write_out(const char *dir, const char *name, const void *p, size_t n)
{
	char path[PATH_MAX];

	if (pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return MB_E_PATH;
	return file_write_all(path, p, n);
}

static int write_quote_files(const struct run *r, const char *out)
{
	struct blob fl[ATTEST_MAX_FIELDS];
	uint8_t qual[32];
	char hex[65], path[PATH_MAX];
	FILE *f;
	int e;

	if ((e = attest_decode(MSG_QUOTE, r->quote, r->quote_len, fl)) < 0)
		return e;
	if ((e = write_out(out, "quote.msg", fl[0].p, fl[0].n)) < 0 ||
	    (e = write_out(out, "quote.sig", fl[1].p, fl[1].n)) < 0 ||
	    (e = write_out(out, "guest-evlog.cbor", fl[2].p, fl[2].n)) < 0)
		return e;
	/* what extraData must be: SHA-256(nonce || chain head) */
	if ((e = sha256_cat(r->nonce, 32, r->chain.head, 32, qual)) < 0)
		return e;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", qual[i]);
	if ((e = write_out(out, "extradata.hex", hex, 64)) < 0)
		return e;
	if (!r->have_ak || pathf(path, sizeof(path), "%s/ak.pem", out) < 0 || !(f = fopen(path, "w")))
		return MB_E_IO;
	e = tpmkey_write_pem(&r->ak, f);
	return fclose(f) == 0 ? e : MB_E_IO;
}

/* evidence.cbor: everything the verdict rests on, for host-verify and
 * for an auditor years later. */
static int write_bundle(struct run *r, const char *out)
{
	uint8_t ekm[sizeof(TPM2B_PUBLIC)], akm[sizeof(TPM2B_PUBLIC)], msg[ACTIVATION_MSG_MAX_BYTES];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	struct bundle b = { 0 };
	struct bytes *recs = calloc(r->nrec ? r->nrec : 1, sizeof(*recs));
	size_t eo = 0, ao = 0, n, prev = 0;
	char keyp[PATH_MAX], path[PATH_MAX];
	TPM2B_NAME ekn;
	FILE *f;
	int fd = -1, e = 0;

	if (!recs)
		return MB_E_NOMEM;
	for (size_t i = 0; i < r->nrec; i++) {
		recs[i] = (struct bytes){ r->records.p + prev, r->rec_end[i] - prev };
		prev = r->rec_end[i];
	}
	memcpy(b.nonce, r->nonce, sizeof(b.nonce));
	b.runspec = (struct bytes){ r->runspec, r->runspec_len };
	b.platform_log = (struct bytes){ r->platform.p, r->platform.len };
	b.records = recs;
	b.nrecords = r->nrec;
	b.tpm_device = r->o->tpm_device;
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&r->ek, ekm, sizeof(ekm), &eo) != 0) {
		e = MB_E_MALFORMED;
		goto out;
	}
	b.ek = (struct bytes){ ekm, eo };
	if (r->have_ak && Tss2_MU_TPM2B_PUBLIC_Marshal(&r->ak, akm, sizeof(akm), &ao) == 0) {
		b.has_ak = true;
		b.ak = (struct bytes){ akm, ao };
	}
	if (r->res->activated) {
		/* the verifier saw the secret come back: it signs that, for later */
		if ((e = pathf(keyp, sizeof(keyp), "%s/verifier.key", r->o->cache_root)) < 0 ||
		    (e = attestation_load_or_create_key(keyp, pk, sk)) < 0)
			goto out;
		/* over the nonce, the AK, the EK that MakeCredential used, the
		 * TPM path and the platform log: what this verifier saw itself */
		if ((e = tpmkey_name(&r->ek, &ekn)) < 0 ||
		    (n = bundle_activation_message(&b, r->ak_name.name, r->ak_name.size, ekn.name, ekn.size,
						   msg, sizeof(msg))) == 0) {
			sodium_memzero(sk, sizeof(sk));
			e = e < 0 ? e : MB_E_INVAL;
			goto out;
		}
		crypto_sign_detached(b.activation_sig, NULL, msg, n, sk);
		sodium_memzero(sk, sizeof(sk));
		b.has_activation = true;
		b.ak_name = (struct bytes){ r->ak_name.name, r->ak_name.size };
	}
	if (r->quote) {
		b.has_quote = true;
		b.quote = (struct bytes){ r->quote, r->quote_len };
	} else {
		snprintf(b.incomplete, sizeof(b.incomplete), "%s",
			 r->res->error[0] ? r->res->error
			 : r->res->vm_deadline ? "the VM deadline passed before the quote"
					       : "the VM stopped before the quote");
	}
	/* streamed from the records as received: no second copy of them */
	if ((e = pathf(path, sizeof(path), "%s/evidence.cbor", out)) < 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0 ||
	    !(f = fdopen(fd, "w"))) {
		e = e < 0 ? e : MB_E_IO;
		goto out;
	}
	fd = -1;
	e = bundle_write(&b, f);
	if (fclose(f) != 0 && e == 0)
		e = MB_E_IO;
out:
	if (fd >= 0)
		close(fd);
	free(recs);
	return e;
}

static int write_evidence(struct run *r)
{
	const char *out = r->o->out_dir;
	uint8_t m[sizeof(TPM2B_PUBLIC)];
	size_t off = 0;
	int e;

	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return MB_E_IO;
	if ((e = write_out(out, "nonce", r->nonce, sizeof(r->nonce))) < 0 ||
	    (e = write_out(out, "runspec.cbor", r->runspec, r->runspec_len)) < 0 ||
	    (e = write_out(out, "platform-evlog.cbor", r->platform.p, r->platform.len)) < 0 ||
	    (e = write_out(out, "records.cborseq", r->records.p, r->records.len)) < 0)
		return e;
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&r->ek, m, sizeof(m), &off) != 0 ||
	    (e = write_out(out, "ek.pub", m, off)) < 0)
		return e ? e : MB_E_MALFORMED;
	off = 0;
	if (r->have_ak && (Tss2_MU_TPM2B_PUBLIC_Marshal(&r->ak, m, sizeof(m), &off) != 0 ||
			   (e = write_out(out, "ak.pub", m, off)) < 0))
		return e ? e : MB_E_MALFORMED;
	if (r->quote && (e = write_quote_files(r, out)) < 0)
		return e;
	if ((e = write_bundle(r, out)) < 0)
		return e;
	/* the guest's console; the VMM's and swtpm's own words when the
	 * launch failed */
	bool failed = r->res->host_error[0] != 0;
	const char *lost = NULL;

	if (vmm_keep_logs((enum vmm)r->o->vmm, r->dir, out, failed, &lost) < 0)
		live(r, "%s not kept", lost);
	if (failed && file_keep(r->dir, out, "swtpm.log") < 0)
		live(r, "swtpm.log not kept");
	return 0;
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

static int setup(struct run *r, char *prov, size_t cap)
{
	STEP(r, "building the kernel command line", build_cmdline(r));
	STEP(r, "provisioning the vTPM state (swtpm_setup)", vtpm_provision(r->o->cache_root, prov, cap, &r->ek));
	STEP(r, "starting swtpm", start_vtpm(r, prov));
	if (!r->o->tpm_device)
		STEP(r, "connecting to swtpm's command socket", connect_swtpm(r));
	STEP(r, "measuring the platform (kernel, initramfs, command line, root)", measure_platform(r));
	live(r, r->o->verity ? "platform measured (kernel, initramfs, command line, verity root hash)"
			     : "platform measured (kernel, initramfs, command line, root image)");
	STEP(r, "drawing the session nonce", make_nonce(r));
	STEP(r, "starting the record chain", chain_init(&r->chain, r->nonce));
	STEP(r, "listening for the evidence channel", listen_channel(r, 0, &r->ev_listen));
	if (!r->o->tpm_device)
		STEP(r, "listening for the TPM relay channel", listen_channel(r, 1, &r->tr_listen));
	return 0;
}

static int start_vmm(struct run *r)
{
	const struct launch_opts *o = r->o;
	struct vmm_spec s = {
		.kernel = o->kernel, .initrd = o->initrd, .rootfs = o->rootfs, .cmdline = r->cmdline,
		.dir = r->dir, .tpm_ctrl = r->tpm.ctrl, .cpus = o->cpus, .memory_mib = o->memory_mib,
		.channel = (enum channel)o->channel, .tpm_device = o->tpm_device, .stop = &interrupted,
	};
	int e = vmm_start((enum vmm)o->vmm, &s, &r->vm);

	if (e < 0)
		return r->vm.gone ? vmm_gone_error(r, "at start") : e;
	live(r, "%s", r->vm.started);
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
	STEP(r, "starting the VM", start_vmm(r));
	STEP(r, "waiting for the guest's evidence channel", accept_channel(r, r->ev_listen, deadline, &r->ev_fd));
	STEP(r, "evidence channel buffer", frame_reader_init(&r->ev_rd, r->ev_fd));
	STEP(r, "sending the session hello", send_hello(r));
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
		live(&r, "removed %u run director%s of launches that are gone", swept, swept == 1 ? "y" : "ies");
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
			live(&r, "VM did not stop by itself: killed");
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
		if ((we = write_evidence(&r)) < 0)
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
	if (interrupted && e == 0)
		e = MB_E_CLOSED;
	*ret = res;
	return e;
}
