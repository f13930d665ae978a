// SPDX-License-Identifier: MIT
/*
 * Checkpoint signatures checked in parallel (host-verify/cpsig.c): with 0,
 * 1, 2, 3 and 8 threads, a mix of valid signatures and forged ones (over
 * another head, truncated, with a byte after, garbage) comes back in the
 * order it was queued, each with its own result; and hv_verify gives the
 * same verdict, reason details included (the first failing checkpoint in
 * chain order), whatever the number of threads. Run from the top of the
 * tree.
 */
#include "t.h"
#include "t_tpmsig.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "attestation.h"
#include "bundle.h"
#include "cpsig.h"
#include "record.h"
#include "verify.h"

#define DIR "tests/vectors/evidence/"
#define NJOBS 300

static const unsigned thread_counts[] = { 0, 1, 2, 3, 8 };

static EVP_PKEY *key;
static TPM2B_PUBLIC ak;
static uint8_t sigs[NJOBS][sizeof(TPMT_SIGNATURE) + 1];
static size_t sig_len[NJOBS];
static uint8_t heads[NJOBS][32];
static bool want_ok[NJOBS];

static void soft_ak(void)
{
	BIGNUM *x = NULL, *y = NULL;

	REQUIRE((key = EVP_EC_gen("P-256")) &&
		EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
		EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
	ak.publicArea.type = TPM2_ALG_ECC;
	ak.publicArea.nameAlg = TPM2_ALG_SHA256;
	ak.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	ak.publicArea.unique.ecc.x.size = 32;
	ak.publicArea.unique.ecc.y.size = 32;
	REQUIRE(BN_bn2binpad(x, ak.publicArea.unique.ecc.x.buffer, 32) == 32 &&
		BN_bn2binpad(y, ak.publicArea.unique.ecc.y.buffer, 32) == 32);
	BN_free(x);
	BN_free(y);
}

/* The AK's TPMT_SIGNATURE over the checkpoint message of head. */
static size_t sign(const uint8_t head[32], uint8_t *out, size_t cap)
{
	uint8_t msg[CHECKPOINT_MSG_BYTES];

	record_checkpoint_message(head, msg);
	return t_tpm_sign(key, msg, sizeof(msg), out, cap);
}

/* Valid signatures, but for a few: over another head, one byte short,
 * one byte after, garbage; the last job is forged too. */
static void make_jobs(void)
{
	for (size_t i = 0; i < NJOBS; i++) {
		memset(heads[i], 0, 32);
		memcpy(heads[i], &i, sizeof(i));
		sig_len[i] = sign(heads[i], sigs[i], sizeof(sigs[i]) - 1);
		want_ok[i] = true;
	}
	heads[5][31] ^= 1; /* signed one head, claims another */
	sig_len[6]--;
	sigs[100][sig_len[100]++] = 0;
	memset(sigs[201], 0xa5, sig_len[201]);
	heads[NJOBS - 1][0] ^= 1;
	want_ok[5] = want_ok[6] = want_ok[100] = want_ok[201] = want_ok[NJOBS - 1] = false;
}

static void test_order_and_results(void)
{
	for (size_t t = 0; t < sizeof(thread_counts) / sizeof(thread_counts[0]); t++) {
		struct cpsig *p;
		size_t next = 0, taken = 0, wrong = 0;
		uint64_t tag;
		bool ok;

		REQUIRE(cpsig_open(&ak, thread_counts[t], &p) == 0);
		while (taken < NJOBS) {
			/* queue while there is room, take what is done, and
			 * wait for the oldest when full or at the end */
			if (next < NJOBS && cpsig_can_submit(p)) {
				REQUIRE(cpsig_submit(p, next, heads[next], sigs[next], sig_len[next]) == 0);
				next++;
			}
			while (cpsig_take(p, next == NJOBS || !cpsig_can_submit(p), &tag, &ok) > 0) {
				if (tag != taken || ok != want_ok[taken])
					wrong++;
				taken++;
			}
		}
		CHECK_EQ(wrong, 0);
		CHECK_EQ(cpsig_pending(p), 0);
		CHECK_EQ(cpsig_take(p, true, &tag, &ok), 0); /* nothing queued */
		cpsig_close(p);
	}
}

static void test_queue_full(void)
{
	struct cpsig *p;
	uint64_t tag;
	bool ok;

	REQUIRE(cpsig_open(&ak, 0, &p) == 0);
	for (size_t i = 0; i < CPSIG_MAX_PENDING; i++)
		CHECK_EQ(cpsig_submit(p, i, heads[i], sigs[i], sig_len[i]), 0);
	CHECK(!cpsig_can_submit(p));
	CHECK_EQ(cpsig_submit(p, 99, heads[0], sigs[0], sig_len[0]), MB_E_LIMIT);
	CHECK_EQ(cpsig_take(p, false, &tag, &ok), 1);
	CHECK_EQ(tag, 0);
	CHECK(ok);
	CHECK(cpsig_can_submit(p));
	cpsig_close(p); /* with checks still queued */
	CHECK(cpsig_default_workers() >= 1 && cpsig_default_workers() <= CPSIG_MAX_WORKERS);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	return t_slurp(path, n);
}

/* Run A with a chain of n records for its nonce (as bench/verify.c's): a
 * checkpoint every 64 records, each with the signature bytes given, by
 * another key than run A's AK, so each is checked and each fails; the
 * first failing one is record 63. */
static void long_chain(struct bundle *b, size_t n, const struct bytes *sig, uint8_t **ret_buf,
		       struct bytes **ret_recs)
{
	uint8_t *buf = malloc(n * 160);
	struct bytes *recs = calloc(n, sizeof(*recs));
	struct chain c;
	struct cb_wr w;

	REQUIRE(buf && recs && chain_init(&c, b->nonce) == 0);
	cb_wr_init(&w, buf, n * 160);
	for (size_t i = 0; i < n; i++) {
		struct record r = { .time_ns = 1000 + i, .kind = REC_STDOUT, .u.chunk = { (const uint8_t *)"x\n", 2 } };
		size_t start = w.len;

		if (i == n - 1) {
			r.kind = REC_END;
			r.u.end.reason = END_COMPLETE;
		} else if (i % 64 == 63) {
			r.kind = REC_CHECKPOINT;
			r.u.checkpoint.sig = sig->p;
			r.u.checkpoint.sig_len = sig->n;
		}
		REQUIRE(chain_seal(&c, &r, &w) == 0);
		recs[i] = (struct bytes){ buf + start, w.len - start };
	}
	b->records = recs;
	b->nrecords = n;
	*ret_buf = buf;
	*ret_recs = recs;
}

static bool same_verdict(const struct hv_verdict *a, const struct hv_verdict *b)
{
	if (a->exit != b->exit || a->attested != b->attested || a->nreasons != b->nreasons ||
	    a->records != b->records || a->unauthenticated != b->unauthenticated || a->ntests != b->ntests ||
	    a->passed != b->passed || a->stdout_bytes != b->stdout_bytes ||
	    memcmp(a->chain_head, b->chain_head, 32) != 0)
		return false;
	for (size_t i = 0; i < a->nreasons; i++)
		if (a->reasons[i].code != b->reasons[i].code || strcmp(a->reasons[i].detail, b->reasons[i].detail) != 0)
			return false;
	return true;
}

static void test_verdict_any_threads(void)
{
	struct manifest *m = malloc(sizeof(*m));
	struct hv_pins pins = { 0 };
	struct bundle honest, longb;
	struct bytes sig = { 0 }, *recs;
	size_t n, off = 0;
	uint8_t *raw = slurp(DIR "honest-a.cbor", &n), *mraw, *ek, *buf;

	REQUIRE(m && bundle_decode(raw, n, &honest) == 0);
	mraw = slurp(DIR "manifest.cbor", &n);
	REQUIRE(manifest_decode(mraw, n, m) == 0);
	ek = slurp(DIR "ek.pub", &n);
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(ek, n, &off, &pins.ek) == 0 &&
		attestation_read_pubkey(DIR "verifier.pem", pins.verifier_pub) == 0);
	pins.manifest = m;
	/* a well-formed signature by another key than the bundle's AK */
	sig = (struct bytes){ sigs[0], sig_len[0] };
	longb = honest;
	long_chain(&longb, 5000, &sig, &buf, &recs);
	for (int which = 0; which < 2; which++) {
		const struct bundle *b = which ? &longb : &honest;
		struct hv_verdict first;

		for (size_t t = 0; t < sizeof(thread_counts) / sizeof(thread_counts[0]); t++) {
			struct hv_verdict v;

			hv_verify_set_workers((int)thread_counts[t]);
			REQUIRE(hv_verify(b, &pins, &v) == 0);
			if (t == 0) {
				first = v;
				continue;
			}
			CHECK(same_verdict(&first, &v));
			hv_verdict_free(&v);
		}
		if (which == 0) {
			CHECK_EQ(first.exit, EXIT_PASSED);
		} else {
			CHECK_EQ(first.exit, EXIT_REJECTED);
			CHECK_EQ(first.reasons[0].code, HV_CHECKPOINT_SIGNATURE);
			CHECK(strcmp(first.reasons[0].detail, "checkpoint at record 63") == 0);
			CHECK_EQ(first.records, 5000);
			CHECK_EQ(first.unauthenticated, 0); /* the quote is there: every record read */
		}
		hv_verdict_free(&first);
	}
	hv_verify_set_workers(-1);
	free(recs);
	free(buf);
	bundle_free(&honest);
	free(raw);
	free(mraw);
	free(ek);
	free(m);
}

int main(void)
{
	soft_ak();
	make_jobs();
	RUN(test_order_and_results);
	RUN(test_queue_full);
	RUN(test_verdict_any_threads);
	EVP_PKEY_free(key);
	return t_done();
}
