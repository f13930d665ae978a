// SPDX-License-Identifier: MIT
/*
 * Cut, appended and long evidence: what the verifier counts as results.
 * Honest evidence (tests/vectors/evidence/) is cut where a real run can
 * be cut, records are appended by hand (chained, unsigned), and a chain
 * longer than the generic CBOR item limit is judged end to end through
 * the bundle encoder and decoder. Where the rule under test does not
 * depend on the TPM, the AK is a software P-256 key, activated by a test
 * verifier key: the verifier does the same maths on it. Run from the top
 * of the tree.
 */
#include "t.h"
#include "t_tpmsig.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "attest.h"
#include "attestation.h"
#include "bundle.h"
#include "evlog.h"
#include "manifest.h"
#include "pcr.h"
#include "record.h"
#include "report.h"
#include "runspec.h"
#include "sha256.h"
#include "tpmkey.h"
#include "verify.h"

#define DIR "tests/vectors/evidence/"

static struct manifest *manifest;
static struct hv_pins pins;
static uint8_t *raw;
static struct bundle honest;

/* ---- evidence under construction ---- */

struct ev {
	struct bundle b;
	struct bytes *recs;
	size_t cap;
	struct chain ch;
};

static uint8_t *arena;
static size_t arena_used;
#define ARENA_BYTES ((size_t)32 << 20)

static uint8_t *keep(const void *p, size_t n)
{
	uint8_t *d;

	REQUIRE(n <= ARENA_BYTES - arena_used);
	d = arena + arena_used;
	memcpy(d, p, n);
	arena_used += n;
	return d;
}

/* The first n records of src, as they are; the chain state after them. */
static void ev_from(struct ev *e, const struct bundle *src, size_t n, size_t cap)
{
	struct record rec;

	REQUIRE(n <= src->nrecords && n <= cap);
	free(e->recs);
	e->b = *src;
	e->recs = calloc(cap, sizeof(*e->recs));
	REQUIRE(e->recs);
	e->cap = cap;
	memcpy(e->recs, src->records, n * sizeof(*e->recs));
	e->b.records = e->recs;
	e->b.nrecords = n;
	REQUIRE(chain_init(&e->ch, e->b.nonce) == 0);
	for (size_t i = 0; i < n; i++)
		REQUIRE(chain_accept(&e->ch, e->recs[i].p, e->recs[i].n, &rec) == 0);
}

static void ev_free(struct ev *e)
{
	free(e->recs);
	e->recs = NULL;
}

/* The run was cut: no quote, and the launcher's reason. */
static void ev_cut(struct ev *e)
{
	e->b.has_quote = false;
	snprintf(e->b.incomplete, sizeof(e->b.incomplete), "the VM stopped before the quote");
}

/* ---- a software AK ---- */

struct swak {
	EVP_PKEY *key;
	TPM2B_PUBLIC pub;
	TPM2B_NAME name;
	uint8_t vpk[crypto_sign_PUBLICKEYBYTES], vsk[crypto_sign_SECRETKEYBYTES];
	struct hv_pins pins; /* the usual pins, this verifier key */
};

static struct swak ak;

static void swak_make(struct swak *a)
{
	BIGNUM *x = NULL, *y = NULL;
	size_t off = 0;

	a->key = EVP_EC_gen("P-256");
	REQUIRE(a->key && EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
		EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
	/* the honest AK's template (restricted, fixedTPM, ...), another point */
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(honest.ak.p, honest.ak.n, &off, &a->pub) == 0);
	a->pub.publicArea.unique.ecc.x.size =
		(UINT16)BN_bn2binpad(x, a->pub.publicArea.unique.ecc.x.buffer, 32);
	a->pub.publicArea.unique.ecc.y.size =
		(UINT16)BN_bn2binpad(y, a->pub.publicArea.unique.ecc.y.buffer, 32);
	REQUIRE(tpmkey_name(&a->pub, &a->name) == 0);
	crypto_sign_keypair(a->vpk, a->vsk);
	a->pins = pins;
	memcpy(a->pins.verifier_pub, a->vpk, sizeof(a->vpk));
	BN_free(x);
	BN_free(y);
}

/* An ECDSA-SHA256 signature over SHA-256(msg), marshalled as a TPM's. */
static size_t swak_sign(const struct swak *a, const uint8_t *msg, size_t n, uint8_t *out, size_t cap)
{
	return t_tpm_sign(a->key, msg, n, out, cap);
}

/* The bundle's AK is a, activated: the transcript signed by a's verifier. */
static void swak_install(struct ev *e, const struct swak *a)
{
	uint8_t akm[sizeof(TPM2B_PUBLIC)], msg[ACTIVATION_MSG_MAX_BYTES];
	TPM2B_PUBLIC ek = { 0 };
	TPM2B_NAME ekn;
	size_t off = 0, n;

	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Marshal(&a->pub, akm, sizeof(akm), &off) == 0);
	e->b.ak = (struct bytes){ keep(akm, off), off };
	e->b.has_ak = true;
	e->b.ak_name = (struct bytes){ keep(a->name.name, a->name.size), a->name.size };
	e->b.has_activation = true;
	off = 0;
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(e->b.ek.p, e->b.ek.n, &off, &ek) == 0 &&
		tpmkey_name(&ek, &ekn) == 0);
	n = bundle_activation_message(&e->b, a->name.name, a->name.size, ekn.name, ekn.size, msg, sizeof(msg));
	REQUIRE(n > 0);
	crypto_sign_detached(e->b.activation_sig, NULL, msg, n, a->vsk);
}

/* Seals rec onto e's chain; a checkpoint is signed by a over the head. */
static void ev_append(struct ev *e, struct record *rec, const struct swak *a)
{
	uint8_t buf[MAX_RECORD_BYTES], sig[256], msg[CHECKPOINT_MSG_BYTES];
	struct cb_wr w;

	REQUIRE(e->b.nrecords < e->cap);
	if (rec->kind == REC_CHECKPOINT) {
		REQUIRE(a);
		record_checkpoint_message(e->ch.head, msg);
		rec->u.checkpoint.sig = sig;
		rec->u.checkpoint.sig_len = swak_sign(a, msg, sizeof(msg), sig, sizeof(sig));
	}
	cb_wr_init(&w, buf, sizeof(buf));
	REQUIRE(chain_seal(&e->ch, rec, &w) == 0);
	e->recs[e->b.nrecords++] = (struct bytes){ keep(buf, w.len), w.len };
}

/* Record i of src, re-sealed onto e (a checkpoint re-signed by a). */
static void ev_copy(struct ev *e, const struct bundle *src, size_t i, const struct swak *a)
{
	struct record rec;

	REQUIRE(i < src->nrecords && record_decode(src->records[i].p, src->records[i].n, &rec) == 0);
	ev_append(e, &rec, a);
}

static void ev_checkpoint(struct ev *e, const struct swak *a)
{
	struct record rec = { .kind = REC_CHECKPOINT, .time_ns = 1 };

	ev_append(e, &rec, a);
}

static void ev_chunk(struct ev *e, uint32_t kind, const char *text)
{
	struct record rec = { .kind = kind, .time_ns = 1 };

	rec.u.chunk.p = (const uint8_t *)text;
	rec.u.chunk.n = strlen(text);
	ev_append(e, &rec, NULL);
}

static void ev_test(struct ev *e, uint64_t num, const char *desc)
{
	struct record rec = { .kind = REC_TEST, .time_ns = 1 };

	rec.u.test.num = num;
	rec.u.test.ok = true;
	rec.u.test.desc = (const uint8_t *)desc;
	rec.u.test.desc_len = strlen(desc);
	rec.u.test.reason = (const uint8_t *)"";
	ev_append(e, &rec, NULL);
}

/* A quote by a over e's chain head, nonce and the replayed logs; the guest
 * log's run spec and chain-head events are e's. */
static void swak_quote(struct ev *e, const struct swak *a)
{
	static struct evlog glog, plog;
	static uint8_t lb[MAX_QUOTE_EVLOG_BYTES], qm[64 * 1024];
	uint8_t am[sizeof(TPMS_ATTEST)], sig[256], qn_in[4 + 34];
	struct blob q[ATTEST_MAX_FIELDS];
	TPMS_ATTEST at = { 0 };
	struct pcr_bank bank;
	size_t off = 0, sn;
	struct cb_wr w;

	REQUIRE(attest_decode(MSG_QUOTE, honest.quote.p, honest.quote.n, q) == 0);
	REQUIRE(Tss2_MU_TPMS_ATTEST_Unmarshal(q[0].p, q[0].n, &off, &at) == 0);
	REQUIRE(evlog_decode(q[2].p, q[2].n, &glog) == 0 && glog.n == 5);
	REQUIRE(sha256_buf(e->b.runspec.p, e->b.runspec.n, glog.ev[0].digest) == 0);
	memcpy(glog.ev[4].digest, e->ch.head, 32);
	cb_wr_init(&w, lb, sizeof(lb));
	evlog_encode(&glog, &w);
	REQUIRE(w.err == 0);
	q[2] = (struct blob){ lb, w.len };
	REQUIRE(evlog_decode(e->b.platform_log.p, e->b.platform_log.n, &plog) == 0);
	pcr_bank_init(&bank);
	REQUIRE(evlog_replay(&plog, &bank) == 0 && evlog_replay(&glog, &bank) == 0 &&
		pcr_composite(&bank, PCR_VOUCH_MASK, at.attested.quote.pcrDigest.buffer) == 0);
	at.attested.quote.pcrDigest.size = 32;
	REQUIRE(sha256_cat(e->b.nonce, 32, e->ch.head, 32, at.extraData.buffer) == 0);
	at.extraData.size = 32;
	/* qualifiedSigner of a primary key of the endorsement hierarchy */
	qn_in[0] = 0x40, qn_in[1] = 0x00, qn_in[2] = 0x00, qn_in[3] = 0x0b;
	memcpy(qn_in + 4, a->name.name, 34);
	at.qualifiedSigner.size = 34;
	at.qualifiedSigner.name[0] = 0x00, at.qualifiedSigner.name[1] = 0x0b;
	REQUIRE(sha256_buf(qn_in, sizeof(qn_in), at.qualifiedSigner.name + 2) == 0);
	off = 0;
	REQUIRE(Tss2_MU_TPMS_ATTEST_Marshal(&at, am, sizeof(am), &off) == 0);
	q[0] = (struct blob){ am, off };
	sn = swak_sign(a, am, off, sig, sizeof(sig));
	q[1] = (struct blob){ sig, sn };
	cb_wr_init(&w, qm, sizeof(qm));
	attest_encode(MSG_QUOTE, q, &w);
	REQUIRE(w.err == 0);
	e->b.quote = (struct bytes){ keep(qm, w.len), w.len };
	e->b.has_quote = true;
	e->b.incomplete[0] = 0;
}

/* ---- judging ---- */

static int has_reason(const struct hv_verdict *v, enum hv_reason r)
{
	for (size_t i = 0; i < v->nreasons; i++)
		if (v->reasons[i].code == r)
			return 1;
	return 0;
}

/* The exact reason set, the exit, and the counts that matter here. */
struct want {
	enum exit_code exit;
	size_t ntests;
	uint64_t unauthenticated;
	enum hv_reason reasons[4];
	size_t nreasons;
};

static void judge(const char *what, const struct bundle *b, const struct hv_pins *p, const struct want *w,
		  struct hv_verdict *keep_v)
{
	struct hv_verdict v;
	int ok;

	REQUIRE(hv_verify(b, p, &v) == 0);
	ok = v.exit == w->exit && v.nreasons == w->nreasons && v.ntests == w->ntests &&
	     v.unauthenticated == w->unauthenticated;
	for (size_t i = 0; ok && i < w->nreasons; i++)
		ok = has_reason(&v, w->reasons[i]);
	if (!ok)
		for (size_t i = 0; i < v.nreasons; i++)
			printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	t_report(ok, "%s: exit %d (want %d), %zu tests (want %zu), %llu unauthenticated (want %llu)", what,
		 v.exit, w->exit, v.ntests, w->ntests, (unsigned long long)v.unauthenticated,
		 (unsigned long long)w->unauthenticated);
	if (keep_v)
		*keep_v = v;
	else
		hv_verdict_free(&v);
}

static char *render(int (*fn)(const struct hv_verdict *, const char *, FILE *), const struct hv_verdict *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f && fn(v, "vouch", f) == 0 && fclose(f) == 0);
	return buf;
}

static size_t find_kind(const struct bundle *b, uint32_t kind)
{
	for (size_t i = 0; i < b->nrecords; i++) {
		struct record r;

		if (record_decode(b->records[i].p, b->records[i].n, &r) == 0 && r.kind == kind)
			return i;
	}
	REQUIRE(!"record kind not in the honest evidence");
	return 0;
}

/* ---- the cases ---- */

/*
 * The attack: after an honest activation and checkpoint, a chain of
 * hand-made records (TAP lines and their test records, chained right,
 * signed by nobody), and no quote. It came out as three passing JUnit
 * test cases; now the five honest tests covered by the checkpoint are
 * the results, the six appended records are counted as unauthenticated,
 * and JUnit and report.json say so.
 */
static void test_appended_after_checkpoint(void)
{
	const struct want w = { EXIT_INCOMPLETE, 5, 6, { HV_QUOTE_MISSING, HV_RECORDS_INCOMPLETE }, 2 };
	const struct want w_end = { EXIT_INCOMPLETE, 5, 9, { HV_QUOTE_MISSING }, 1 };
	size_t cp = find_kind(&honest, REC_CHECKPOINT);
	struct hv_verdict v;
	struct ev e = { 0 };
	char *x, *j;

	ev_from(&e, &honest, cp + 1, honest.nrecords + 16);
	for (uint64_t n = 6; n <= 8; n++) {
		char line[64], desc[32];

		snprintf(desc, sizeof(desc), "forged %llu", (unsigned long long)n);
		snprintf(line, sizeof(line), "ok %llu - %s\n", (unsigned long long)n, desc);
		ev_chunk(&e, REC_STDOUT, (const char *)keep(line, strlen(line) + 1));
		ev_test(&e, n, (const char *)keep(desc, strlen(desc) + 1));
	}
	ev_cut(&e);
	judge("hand-made tests appended after the last checkpoint, no quote", &e.b, &pins, &w, &v);
	x = render(report_junit, &v);
	j = render(report_json, &v);
	t_report(!strstr(x, "forged") && !strstr(j, "forged") && v.passed == 5,
		 "... no appended test in JUnit or report.json, 5 passed");
	t_report(strstr(x, "<property name=\"vouch.unauthenticated_records\" value=\"6\"/>") &&
			 strstr(x, "<system-err>[vouch: 6 records after the last verified checkpoint") &&
			 strstr(j, "\"unauthenticated\": 6,"),
		 "... JUnit and report.json count 6 unauthenticated records");
	free(x);
	free(j);
	hv_verdict_free(&v);

	/* and a made-up exit and end record: still not the guest's */
	{
		struct record ex = { .kind = REC_EXIT, .time_ns = 1 }, end = { .kind = REC_END, .time_ns = 1 };
		struct record ph = { .kind = REC_PHASE, .time_ns = 1, .u.phase.phase = PHASE_HARNESS_END };

		ev_append(&e, &ex, NULL);
		ev_append(&e, &ph, NULL);
		ev_append(&e, &end, NULL);
	}
	judge("... with a made-up exit and end record", &e.b, &pins, &w_end, &v);
	t_report(v.harness_exit == -1 && v.end_reason == END_FATAL && v.phase_ns[PHASE_HARNESS_END] == 0,
		 "... the made-up exit status and end are not read");
	hv_verdict_free(&v);
	ev_free(&e);
}

/* The guest's word that verity refused blocks of the root counts even
 * where nothing signs it: it can only make the verdict worse, and a run
 * that dies on a corrupt root seldom reaches a checkpoint. */
static void test_root_corrupt_unauthenticated(void)
{
	const struct want w = { EXIT_REJECTED, 5, 1,
				{ HV_QUOTE_MISSING, HV_RECORDS_INCOMPLETE, HV_PIN_ROOTFS }, 3 };
	struct record ph = { .kind = REC_PHASE, .time_ns = 1, .u.phase.phase = PHASE_ROOT_CORRUPT };
	struct ev e = { 0 };

	ev_from(&e, &honest, find_kind(&honest, REC_CHECKPOINT) + 1, honest.nrecords);
	ev_append(&e, &ph, NULL);
	ev_cut(&e);
	judge("root-corrupt phase after the last checkpoint: rejected, pin-rootfs", &e.b, &pins, &w, NULL);
	ev_free(&e);
}

/* The honest run with its quote dropped: the exit, harness-end phase and
 * end record come after the last checkpoint, so they are not read. */
static void test_honest_without_quote(void)
{
	const struct want w = { EXIT_INCOMPLETE, 5, 3, { HV_QUOTE_MISSING }, 1 };
	const struct want w_all = { EXIT_PASSED, 5, 0, { 0 }, 0 };
	struct ev e = { 0 };
	struct hv_verdict v;

	ev_from(&e, &honest, honest.nrecords, honest.nrecords);
	judge("honest run, quote kept: the quote covers every record", &e.b, &pins, &w_all, NULL);
	ev_cut(&e);
	judge("honest run, quote dropped", &e.b, &pins, &w, &v);
	t_report(v.harness_exit == -1 && v.records == honest.nrecords,
		 "... %llu records chained, harness exit not read", (unsigned long long)v.records);
	hv_verdict_free(&v);
	ev_free(&e);
}

/*
 * Honest cuts between a TAP chunk and its test record. The guest sends
 * the chunk, then the test record; a checkpoint may come between them,
 * and the stream may be cut there. With the checkpoint the chunk is
 * authenticated and its test record is not: incomplete, never a
 * tests-mismatch. With the end record kept (cut before the quote), the
 * end is after the checkpoint and is not read either: the TAP point
 * waiting for its record is no mismatch. kind is where TAP is read from:
 * stdout, or the results channel (record kind 10) with the agent
 * boundary on.
 */
static void cut_between_chunk_and_test(uint32_t kind, const struct bundle *src, const struct hv_pins *p)
{
	const char *kn = kind == REC_STDOUT ? "stdout" : "results channel";
	size_t first_test = find_kind(src, REC_TEST), cp = find_kind(src, REC_CHECKPOINT);
	const struct want cut_plain = { EXIT_INCOMPLETE, 0, first_test, { HV_QUOTE_MISSING, HV_RECORDS_INCOMPLETE }, 2 };
	const struct want cut_cp = { EXIT_INCOMPLETE, 0, 0, { HV_QUOTE_MISSING, HV_RECORDS_INCOMPLETE }, 2 };
	const struct want end_kept = { EXIT_INCOMPLETE, 0, src->nrecords - 1 - first_test,
				       { HV_QUOTE_MISSING }, 1 };
	const struct want passed = { EXIT_PASSED, 5, 0, { 0 }, 0 };
	char what[160];
	struct ev e = { 0 };

	/* as recorded: no checkpoint before the cut, nothing is read */
	ev_from(&e, src, first_test, src->nrecords + 4);
	ev_cut(&e);
	snprintf(what, sizeof(what), "%s: cut between a TAP chunk and its test record", kn);
	judge(what, &e.b, p, &cut_plain, NULL);

	/* a checkpoint right after the chunk, the cut after it */
	ev_from(&e, src, 0, src->nrecords + 4);
	swak_install(&e, &ak);
	for (size_t i = 0; i < first_test; i++)
		ev_copy(&e, src, i, &ak);
	ev_checkpoint(&e, &ak);
	ev_cut(&e);
	snprintf(what, sizeof(what), "%s: checkpoint after the chunk, cut before its test record", kn);
	judge(what, &e.b, &ak.pins, &cut_cp, NULL);

	/* ... the rest of the run, its own checkpoint left out, end kept */
	for (size_t i = first_test; i < src->nrecords; i++)
		if (i != cp)
			ev_copy(&e, src, i, &ak);
	snprintf(what, sizeof(what), "%s: checkpoint after the chunk, cut before the quote", kn);
	judge(what, &e.b, &ak.pins, &end_kept, NULL);

	/* the same records with a quote: every test, passed */
	swak_quote(&e, &ak);
	snprintf(what, sizeof(what), "%s: the same run with its quote", kn);
	judge(what, &e.b, &ak.pins, &passed, NULL);
	ev_free(&e);
}

/* honest A's records with TAP moved to the results channel, and a run
 * spec with the agent boundary on (pinned by the manifest too) */
static void boundary_evidence(struct ev *e)
{
	static struct runspec rs;
	static uint8_t rsb[MAX_RUNSPEC_BYTES];
	struct cb_wr w;
	size_t n;

	REQUIRE(runspec_decode(honest.runspec.p, honest.runspec.n, &rs) == 0);
	rs.has_agent_user = true;
	rs.agent_uid = rs.agent_gid = 1001;
	cb_wr_init(&w, rsb, sizeof(rsb));
	runspec_encode(&rs, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	memcpy(manifest->runspec, rsb, n);
	manifest->runspec_len = n;
	ev_from(e, &honest, 0, honest.nrecords);
	swak_install(e, &ak);
	e->b.runspec = (struct bytes){ rsb, n };
	for (size_t i = 0; i < honest.nrecords; i++) {
		struct record rec;

		REQUIRE(record_decode(honest.records[i].p, honest.records[i].n, &rec) == 0);
		if (rec.kind == REC_STDOUT)
			rec.kind = REC_RESULTS;
		ev_append(e, &rec, &ak); /* a checkpoint is re-signed */
	}
	e->b.has_quote = false;
}

static void test_cut_between_chunk_and_test(void)
{
	static uint8_t saved[MAX_RUNSPEC_BYTES];
	size_t saved_len = manifest->runspec_len;
	struct ev e = { 0 };

	cut_between_chunk_and_test(REC_STDOUT, &honest, &pins);
	memcpy(saved, manifest->runspec, saved_len);
	boundary_evidence(&e);
	cut_between_chunk_and_test(REC_RESULTS, &e.b, &ak.pins);
	memcpy(manifest->runspec, saved, saved_len);
	manifest->runspec_len = saved_len;
	ev_free(&e);
}

/*
 * A chain of more than 65,536 records (the generic CBOR item limit),
 * honest in every part: phases, a TAP plan, 33,000 test points each with
 * its record, a checkpoint every 1,000 records, exit, end and a quote.
 * Encoded into a bundle, decoded and judged: passed, every test counted.
 * Then the same run cut 9 records after a checkpoint: incomplete, the
 * tests before the checkpoint counted, those 9 records unauthenticated.
 */
#define LONG_POINTS 33000u

static void test_long_chain(void)
{
	const size_t n_head = find_kind(&honest, REC_STDOUT), tail = find_kind(&honest, REC_EXIT);
	struct ev e = { 0 };
	struct hv_verdict v;
	struct bundle got;
	struct cb_wr w;
	size_t len, since = 0, last_cp = 0, prev_cp = 0, last_tests = 0, prev_tests = 0;
	char plan[32];
	int err;

	ev_from(&e, &honest, 0, 2 * LONG_POINTS + 1000);
	swak_install(&e, &ak);
	for (size_t i = 0; i < n_head; i++)
		ev_copy(&e, &honest, i, &ak);
	snprintf(plan, sizeof(plan), "1..%u\n", LONG_POINTS);
	ev_chunk(&e, REC_STDOUT, plan);
	for (uint64_t t = 1; t <= LONG_POINTS; t++) {
		char line[48];
		int k = snprintf(line, sizeof(line), "ok %llu - t\n", (unsigned long long)t);

		ev_chunk(&e, REC_STDOUT, (const char *)keep(line, (size_t)k + 1));
		ev_test(&e, t, "t");
		if ((since += 2) >= 1000) {
			ev_checkpoint(&e, &ak);
			prev_cp = last_cp, prev_tests = last_tests;
			last_cp = e.b.nrecords, last_tests = t;
			since = 0;
		}
	}
	for (size_t i = tail; i < honest.nrecords; i++)
		ev_copy(&e, &honest, i, &ak);
	swak_quote(&e, &ak);
	REQUIRE(e.b.nrecords > MAX_CBOR_ITEMS);

	cb_wr_init(&w, NULL, MAX_BUNDLE_BYTES);
	bundle_encode(&e.b, &w);
	REQUIRE(cb_wr_finish(&w, &len) == 0);
	err = bundle_decode(w.p, len, &got);
	t_report(err == 0 && got.nrecords == e.b.nrecords, "%zu records (%zu bytes) through the bundle codec: %s",
		 e.b.nrecords, len, mb_errname(err));
	if (err == 0) {
		const struct want pass = { EXIT_PASSED, LONG_POINTS, 0, { 0 }, 0 };

		judge("... judged: passed, every test point counted", &got, &ak.pins, &pass, &v);
		t_report(v.records == e.b.nrecords && v.passed == LONG_POINTS, "... %llu records, %llu passed",
			 (unsigned long long)v.records, (unsigned long long)v.passed);
		hv_verdict_free(&v);
		bundle_free(&got);
	}
	cb_wr_free(&w);

	/* cut 9 records after the checkpoint before the last */
	{
		const struct want cut = { EXIT_INCOMPLETE, prev_tests, 9,
					  { HV_QUOTE_MISSING, HV_RECORDS_INCOMPLETE }, 2 };

		REQUIRE(prev_cp > 0 && last_cp > prev_cp + 9);
		e.b.nrecords = prev_cp + 9;
		ev_cut(&e);
		judge("... cut 9 records after a checkpoint", &e.b, &ak.pins, &cut, NULL);
	}
	ev_free(&e);
}

int main(void)
{
	size_t n, off = 0;
	uint8_t *p;

	REQUIRE(sodium_init() >= 0);
	arena = malloc(ARENA_BYTES);
	manifest = malloc(sizeof(*manifest));
	REQUIRE(arena && manifest);
	p = t_slurp(DIR "manifest.cbor", &n);
	REQUIRE(manifest_decode(p, n, manifest) == 0);
	free(p);
	p = t_slurp(DIR "ek.pub", &n);
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, &pins.ek) == 0 && off == n);
	free(p);
	REQUIRE(attestation_read_pubkey(DIR "verifier.pem", pins.verifier_pub) == 0);
	pins.manifest = manifest;
	raw = t_slurp(DIR "honest-a.cbor", &n);
	REQUIRE(bundle_decode(raw, n, &honest) == 0);
	swak_make(&ak);

	test_appended_after_checkpoint();
	test_honest_without_quote();
	test_root_corrupt_unauthenticated();
	test_cut_between_chunk_and_test();
	test_long_chain();

	EVP_PKEY_free(ak.key);
	bundle_free(&honest);
	free(raw);
	free(manifest);
	free(arena);
	return t_done();
}
