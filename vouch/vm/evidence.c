// SPDX-License-Identifier: MIT
/* A run's evidence directory (evidence.h). */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "attest.h"
#include "attestation.h"
#include "bundle.h"
#include "proc.h"
#include "sha256.h"
#include "tpmkey.h"

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

int evidence_write(struct run *r)
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
		run_live(r, "%s not kept", lost);
	if (failed && file_keep(r->dir, out, "swtpm.log") < 0)
		run_live(r, "swtpm.log not kept");
	return 0;
}
