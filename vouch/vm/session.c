// SPDX-License-Identifier: MIT
/* The session with guest-init, host side (session.h). */
#include "session.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>

#include <openssl/crypto.h>
#include <tss2/tss2_mu.h>

#include "ak.h"
#include "attest.h"
#include "credential.h"
#include "proc.h"
#include "relay.h"
#include "tpmkey.h"
#include "tpmpub.h"

int session_vmm_gone(struct run *r, const char *when)
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

int session_hello(struct run *r)
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
		run_live(r, "record %llu refused: %s", (unsigned long long)r->res->records - 1, mb_strerror(e));
		return 0;
	}
	switch (rec.kind) {
	case REC_PHASE:
		r->res->phase_ns[rec.u.phase.phase] = rec.time_ns;
		run_live(r, "%s", launch_phase_names[rec.u.phase.phase]);
		break;
	case REC_TEST:
		if (rec.u.test.ok)
			r->res->tests_ok++;
		else
			r->res->tests_not_ok++;
		run_live(r, "%s %llu - %.*s", rec.u.test.ok ? "ok" : "not ok",
		     (unsigned long long)rec.u.test.num, (int)rec.u.test.desc_len, rec.u.test.desc);
		break;
	case REC_LIMIT:
		r->res->cut = true;
		run_live(r, "harness cut off at limit %u", rec.u.limit.what);
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
		run_live(r, "quote received");
		return 0;
	case FRAME_ERROR:
		snprintf(r->res->error, sizeof(r->res->error), "%.*s", (int)(f->n > 200 ? 200 : f->n), f->p);
		run_live(r, "guest-init failed: %s", r->res->error);
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

int session_loop(struct run *r, int64_t deadline)
{
	bool ev_open = true, tr_open = r->tr_fd >= 0;
	int e;

	while (ev_open && !run_interrupted) {
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
			return r->quote ? 0 : session_vmm_gone(r, "before the quote");
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
	return run_interrupted ? MB_E_CLOSED : 0;
}
