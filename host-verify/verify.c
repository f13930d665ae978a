// SPDX-License-Identifier: MIT
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "ak.h"
#include "attest.h"
#include "cpsig.h"
#include "evlog.h"
#include "pcr.h"
#include "results.h"
#include "runspec.h"
#include "sha256.h"
#include "tap.h"
#include "tpmkey.h"
#include "tpmpub.h"
#include "verity.h"

static const struct { const char *name, *text; } reasons[HV_REASON_MAX_] = {
	[HV_OK] = { "ok", "every check passed" },
	[HV_BUNDLE_MALFORMED] = { "bundle-malformed", "the evidence bundle cannot be decoded" },
	[HV_MANIFEST_INCOMPLETE] = { "manifest-incomplete", "the manifest lacks a pin this run needs" },
	[HV_EK_NOT_PINNED] = { "ek-not-pinned", "the endorsement key is not the pinned one" },
	[HV_AK_MALFORMED] = { "ak-malformed", "the attestation key cannot be decoded" },
	[HV_AK_ATTRIBUTES] = { "ak-attributes", "the attestation key is not a restricted fixedTPM ECC P-256 signing key" },
	[HV_AK_NOT_ACTIVATED] = { "ak-not-activated", "no valid credential activation for this attestation key in this session" },
	[HV_QUOTE_MISSING] = { "quote-missing", "the run ended without a quote" },
	[HV_QUOTE_MALFORMED] = { "quote-malformed", "the quote cannot be decoded" },
	[HV_QUOTE_MAGIC] = { "quote-magic", "the quote is not TPM-generated" },
	[HV_QUOTE_TYPE] = { "quote-type", "the attestation is not a quote" },
	[HV_QUOTE_SIGNATURE] = { "quote-signature", "the quote is not signed by the attestation key" },
	[HV_QUOTE_NONCE] = { "quote-nonce", "the quote does not bind this session's nonce and chain head" },
	[HV_QUOTE_PCR_SELECTION] = { "quote-pcr-selection", "the quote does not cover exactly SHA-256 PCRs 8, 9, 11, 12, 13" },
	[HV_PCR_REPLAY] = { "pcr-replay", "the event logs do not replay to the quoted PCR digest" },
	[HV_EVENT_LOG_MALFORMED] = { "event-log-malformed", "an event log cannot be decoded" },
	[HV_EVENT_UNEXPECTED] = { "event-unexpected", "an event is missing, extra, or of the wrong PCR, type or tag" },
	[HV_PIN_KERNEL] = { "pin-kernel", "the kernel is not the pinned one" },
	[HV_PIN_INITRAMFS] = { "pin-initramfs", "the initramfs is not the pinned one" },
	[HV_PIN_CMDLINE] = { "pin-cmdline", "the kernel command line is not the pinned one" },
	[HV_PIN_ROOTFS] = { "pin-rootfs", "the root image is not the pinned one" },
	[HV_PIN_RUNSPEC] = { "pin-runspec", "the measured run spec is not the one in the bundle" },
	[HV_PIN_AGENT] = { "pin-agent", "the agent tree is not the pinned one" },
	[HV_PIN_HARNESS] = { "pin-harness", "the harness tree is not the pinned one" },
	[HV_PIN_SEPARATOR] = { "pin-separator", "the separator event is wrong" },
	[HV_PIN_CHAIN_HEAD] = { "pin-chain-head", "the measured chain head is not the head of the records" },
	[HV_RUNSPEC_MALFORMED] = { "runspec-malformed", "the run spec cannot be decoded" },
	[HV_RUNSPEC_PATHS] = { "runspec-paths", "the run spec measured trees other than the manifest's or its pinned run spec's" },
	[HV_RECORD_MALFORMED] = { "record-malformed", "a record cannot be decoded" },
	[HV_RECORD_SEQUENCE] = { "record-sequence", "a record is missing, duplicated or out of order" },
	[HV_RECORD_CHAIN] = { "record-chain", "a record does not chain to its predecessor" },
	[HV_RECORD_AFTER_END] = { "record-after-end", "records follow the end record" },
	[HV_CHECKPOINT_SIGNATURE] = { "checkpoint-signature", "a checkpoint is not signed by the attestation key" },
	[HV_RECORDS_INCOMPLETE] = { "records-incomplete", "the records stop before the end record" },
	[HV_TESTS_MISMATCH] = { "tests-mismatch", "the test records differ from the TAP output they came from" },
	[HV_MANIFEST_INCONSISTENT] = { "manifest-inconsistent", "the manifest's verity root and its kernel command line disagree" },
	[HV_NONCE_MISMATCH] = { "nonce-mismatch", "the evidence is not of the session with the demanded nonce" },
	[HV_QUOTE_SIGNER] = { "quote-signer", "the quote's qualifiedSigner is not the attestation key's qualified name" },
	[HV_AGENT_BOUNDARY_OFF] = { "agent-boundary-off", "the run spec does not put the agent behind its own user" },
	[HV_ACTIVATION_MISSING] = { "activation-missing", "the run stopped before the attestation key was activated" },
	[HV_RUNSPEC_ARGV] = { "runspec-argv", "the command run is not the pinned one" },
	[HV_RUNSPEC_ENV] = { "runspec-env", "the environment is not the pinned one" },
	[HV_RUNSPEC_CWD] = { "runspec-cwd", "the working directory is not the pinned one" },
	[HV_RUNSPEC_USER] = { "runspec-user", "the harness ran as a user or group other than the pinned one" },
	[HV_RUNSPEC_LIMITS] = { "runspec-limits", "the deadline, output or process limit is not the pinned one" },
	[HV_RUNSPEC_AGENT_USER] = { "runspec-agent-user", "the agent's user is not the pinned one" },
	[HV_TREE_BY_VERITY] = { "tree-by-verity", "a tree was taken by reference to a verity root, and the manifest does not pin its trees by one" },
	[HV_RUNSPEC_RESULTS] = { "runspec-results", "the declared result files are not the pinned ones" },
};

const char *hv_reason_name(enum hv_reason r)
{
	return (unsigned)r < HV_REASON_MAX_ ? reasons[r].name : "unknown";
}

const char *hv_reason_text(enum hv_reason r)
{
	return (unsigned)r < HV_REASON_MAX_ ? reasons[r].text : "unknown reason";
}

/* Reasons that say "not finished" rather than "not true". */
static bool is_incompleteness(enum hv_reason r)
{
	return r == HV_QUOTE_MISSING || r == HV_RECORDS_INCOMPLETE || r == HV_ACTIVATION_MISSING;
}

struct ctx {
	const struct bundle *b;
	const struct hv_pins *pins;
	const struct manifest *m;
	struct hv_verdict *v;
	TPM2B_PUBLIC ak;
	TPM2B_NAME ak_name;
	EVP_PKEY *akkey;           /* set only when the AK passed every check */
	struct evlog plog, glog;
	bool have_glog;
	struct runspec *rs;
	struct chain chain;
	bool chain_ok, ended;      /* the chain: intact so far, has its end record */
	bool results_ended;        /* an authenticated end record was read */
	struct blob quote[ATTEST_MAX_FIELDS];
	bool have_quote;
	struct tap_match *tap;
	/* test points seen in stdout whose test record has not come yet:
	 * a queue, so that no count of points or records is capped */
	struct tap_seen { uint64_t num; bool ok; uint32_t directive; uint8_t text[32]; } *pending;
	size_t pend_head, pend_len, pend_cap;
	size_t ntap;
	size_t tests_cap;
	bool nomem;
	bool boundary; /* the run spec turned the agent boundary on */
	struct runspec *early; /* the run spec as the records are read by (runspec_early) */
	struct results res; /* the result files, put together and read */
};

/* One line per reason is enough: the first detail of each is kept, up to
 * max reasons. */
static void reason_add(struct hv_reason_line *a, size_t *n, size_t max, enum hv_reason r, const char *fmt,
		       va_list ap)
{
	for (size_t i = 0; i < *n; i++)
		if (a[i].code == r)
			return;
	if (*n == max)
		return;
	a[*n].code = r;
	vsnprintf(a[*n].detail, sizeof(a[0].detail), fmt, ap);
	(*n)++;
}

static void fail(struct ctx *c, enum hv_reason r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct ctx *c, enum hv_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reason_add(c->v->reasons, &c->v->nreasons, HV_MAX_REASONS, r, fmt, ap);
	va_end(ap);
}

static int unmarshal_public(const struct bytes *in, TPM2B_PUBLIC *ret)
{
	return mb_public_unmarshal(in->p, in->n, ret);
}

/* ---- keys ---- */

static void check_ek(struct ctx *c)
{
	TPM2B_PUBLIC ek;
	TPM2B_NAME a, b;

	if (unmarshal_public(&c->b->ek, &ek) < 0 || tpmkey_name(&ek, &a) < 0 ||
	    tpmkey_name(&c->pins->ek, &b) < 0 || a.size != b.size || memcmp(a.name, b.name, a.size) != 0)
		fail(c, HV_EK_NOT_PINNED, "the bundle's EK has another name than the pinned EK");
}

/* The activation transcript is the verifier's first-hand word: this AK
 * answered a credential made for this EK, in this session, over this TPM
 * path, with this platform log. Any of those edited after signing breaks
 * the signature. */
static bool activation_signed(struct ctx *c)
{
	uint8_t msg[ACTIVATION_MSG_MAX_BYTES];
	TPM2B_PUBLIC ek;
	TPM2B_NAME ekn;
	size_t n;

	if (unmarshal_public(&c->b->ek, &ek) < 0 || tpmkey_name(&ek, &ekn) < 0)
		return false;
	n = bundle_activation_message(c->b, c->ak_name.name, c->ak_name.size, ekn.name, ekn.size, msg,
				      sizeof(msg));
	return n > 0 && crypto_sign_verify_detached(c->b->activation_sig, msg, n, c->pins->verifier_pub) == 0;
}

static void check_ak(struct ctx *c)
{
	int e;

	if (!c->b->has_ak) {
		fail(c, HV_AK_NOT_ACTIVATED, "the bundle has no attestation key");
		return;
	}
	if (unmarshal_public(&c->b->ak, &c->ak) < 0 || tpmkey_name(&c->ak, &c->ak_name) < 0) {
		fail(c, HV_AK_MALFORMED, "AK public area does not decode");
		return;
	}
	if ((e = ak_check_public(&c->ak)) < 0) {
		fail(c, HV_AK_ATTRIBUTES, "%s", mb_strerror(e));
		return;
	}
	if (!c->b->has_activation && !c->b->has_quote && c->b->incomplete[0]) {
		/* an honest run cut before the verifier saw the secret come
		 * back: nothing is attested, nothing contradicts either */
		fail(c, HV_ACTIVATION_MISSING, "%s", c->b->incomplete);
		return;
	}
	if (!c->b->has_activation || c->b->ak_name.n != c->ak_name.size ||
	    memcmp(c->b->ak_name.p, c->ak_name.name, c->ak_name.size) != 0) {
		fail(c, HV_AK_NOT_ACTIVATED, "no activation transcript for this AK");
		return;
	}
	if (!activation_signed(c)) {
		fail(c, HV_AK_NOT_ACTIVATED, "the activation transcript is not signed by the pinned verifier "
					     "key over this nonce, AK, EK, TPM mode and platform log");
		return;
	}
	c->akkey = tpmkey_ecc_p256(&c->ak);
	if (!c->akkey)
		fail(c, HV_AK_MALFORMED, "AK point not on the curve");
}

/* arr (room for *cap elements of elem bytes) with room for at least need:
 * twice as much, or need if more; NULL and c->nomem when out of memory,
 * arr and *cap untouched. */
static void *grow(struct ctx *c, void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap * 2 : 64;
	void *p;

	if (n < need)
		n = need;
	if (!(p = realloc(arr, n * elem))) {
		c->nomem = true;
		return NULL;
	}
	*cap = n;
	return p;
}

/* The test records must be what the stdout records' TAP says: each
 * complete stdout line that parses as a test point is matched, in order,
 * against the next test record. */
struct tap_match {
	struct tap_lines lines;
	bool mismatch;
	uint64_t next_num;
	size_t points; /* test points seen in stdout */
};

/* What a test record's description and directive reason must be: the
 * same bytes as in its TAP line (they reach JUnit and the statement). */
static int tap_text_digest(const char *desc, size_t dl, const char *reason, size_t rl, uint8_t out[32])
{
	uint8_t len[8];

	for (int i = 0; i < 4; i++) {
		len[i] = (uint8_t)(dl >> (24 - 8 * i));
		len[4 + i] = (uint8_t)(rl >> (24 - 8 * i));
	}
	const struct sha256_part parts[] = { { len, 4 }, { desc, dl }, { len + 4, 4 }, { reason, rl } };

	return sha256_parts(parts, 4, out);
}

static void tap_push(struct ctx *c, struct tap_seen *s, const struct tap_point *pt)
{
	if (c->pend_head + c->pend_len == c->pend_cap) {
		if (c->pend_head > 0) { /* slide the queue back to the front */
			memmove(c->pending, c->pending + c->pend_head, c->pend_len * sizeof(*c->pending));
			c->pend_head = 0;
		} else {
			struct tap_seen *n = grow(c, c->pending, &c->pend_cap, c->pend_cap + 1, sizeof(*n));

			if (!n)
				return;
			c->pending = n;
		}
	}
	if (tap_text_digest(pt->desc, pt->desc_len, pt->reason, pt->reason_len, s->text) < 0) {
		c->nomem = true;
		return;
	}
	c->pending[c->pend_head + c->pend_len++] = *s;
}

static void tap_feed(struct ctx *c, struct tap_match *t, const uint8_t *p, size_t n)
{
	for (size_t j = 0; j < n && !t->mismatch; j++) {
		struct tap_point pt;
		enum tap_line kind;
		uint64_t plan, num;

		if (!tap_lines_put(&t->lines, p[j], &kind, &pt, &plan))
			continue;
		if (kind == TAP_PLAN && c->v->tap_plan < 0 && plan <= INT64_MAX)
			c->v->tap_plan = (int64_t)plan;
		else if (kind == TAP_BAILOUT)
			c->v->tap_bailed_out = true;
		if (kind == TAP_POINT) {
			num = pt.has_num ? pt.num : t->next_num;
			t->next_num = num + 1;
			/* the guest sends a line's test record after its chunk,
			 * so the record may still be ahead: compare at the end */
			t->points++;
			c->ntap++;
			tap_push(c, &(struct tap_seen){ num, pt.ok, pt.directive, { 0 } }, &pt);
		}
	}
}

/* A test record takes the oldest test point not yet matched: it must be
 * that point, number, outcome, directive and text. */
static void tap_match_record(struct ctx *c, const struct record *rec)
{
	const struct tap_seen *want;
	uint8_t text[32];

	if (c->pend_len == 0) {
		fail(c, HV_TESTS_MISMATCH, "test record %llu has no TAP line before it",
		     (unsigned long long)rec->u.test.num);
		return;
	}
	want = &c->pending[c->pend_head];
	c->pend_head++;
	c->pend_len--;
	if (c->pend_len == 0)
		c->pend_head = 0;
	if (tap_text_digest((const char *)rec->u.test.desc, rec->u.test.desc_len,
			    (const char *)rec->u.test.reason, rec->u.test.reason_len, text) < 0) {
		c->nomem = true;
		return;
	}
	if (want->num != rec->u.test.num || want->ok != rec->u.test.ok ||
	    want->directive != rec->u.test.directive || memcmp(want->text, text, 32) != 0)
		fail(c, HV_TESTS_MISMATCH, "test record %llu does not match its TAP line",
		     (unsigned long long)rec->u.test.num);
}

/* At the end of complete records every test point has its record; in a
 * stream cut short the records of the last points may still be ahead. */
static void tap_compare(struct ctx *c)
{
	if (c->results_ended && c->pend_len > 0)
		fail(c, HV_TESTS_MISMATCH, "%zu test points in stdout, %zu test records", c->ntap,
		     c->v->ntests);
}

/* ---- records ---- */

static void copy_text(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = 0;
}

static void count_test(struct hv_verdict *v, const struct hv_test *t)
{
	if (t->directive == DIRECTIVE_SKIP)
		v->skipped++;
	else if (t->directive == DIRECTIVE_TODO)
		v->todo++;
	else if (t->ok)
		v->passed++;
	else
		v->failed++;
}

static int note_test(struct ctx *c, const struct record *rec)
{
	struct hv_verdict *v = c->v;
	struct hv_test *t;

	tap_match_record(c, rec);
	if (v->ntests == c->tests_cap) {
		struct hv_test *n = grow(c, v->tests, &c->tests_cap, v->ntests + 1, sizeof(*n));

		if (!n)
			return MB_E_NOMEM;
		v->tests = n;
	}
	t = &v->tests[v->ntests++];
	/* every field set, each string as a C string: zeroing a whole
	 * hv_test (1 KiB) per test point cost more than reading its record */
	t->num = rec->u.test.num;
	t->ok = rec->u.test.ok;
	t->directive = rec->u.test.directive;
	t->time_ns = rec->time_ns;
	t->file = 0;
	t->has_duration = false;
	t->duration_ns = 0;
	t->classname[0] = 0;
	t->message[0] = 0;
	copy_text(t->name, sizeof(t->name), rec->u.test.desc, rec->u.test.desc_len);
	copy_text(t->reason, sizeof(t->reason), rec->u.test.reason, rec->u.test.reason_len);
	count_test(v, t);
	return 0;
}

/* What one authenticated record says. Checkpoints were checked on the
 * first pass. */
static void note_record(struct ctx *c, const struct record *rec)
{
	struct hv_verdict *v = c->v;

	switch (rec->kind) {
	case REC_PHASE:
		v->phase_ns[rec->u.phase.phase] = rec->time_ns;
		break;
	case REC_STDOUT:
		v->stdout_bytes += rec->u.chunk.n;
		/* with the agent boundary on, stdout is a log the agent could
		 * write into: results come from the results channel alone */
		if (!c->boundary)
			tap_feed(c, c->tap, rec->u.chunk.p, rec->u.chunk.n);
		break;
	case REC_RESULTS:
		v->results_bytes += rec->u.chunk.n;
		if (c->boundary)
			tap_feed(c, c->tap, rec->u.chunk.p, rec->u.chunk.n);
		else
			fail(c, HV_RECORD_MALFORMED, "results channel record %llu in a run without the agent boundary",
			     (unsigned long long)rec->seq);
		break;
	case REC_STDERR:
		v->stderr_bytes += rec->u.chunk.n;
		break;
	case REC_TEST:
		(void)note_test(c, rec);
		break;
	case REC_FILE:
		if (rec->u.file.last)
			v->result_files++;
		if (results_piece(&c->res, rec) < 0)
			c->nomem = true;
		break;
	case REC_REFUSED:
		if (results_refused(&c->res, rec) < 0)
			c->nomem = true;
		break;
	case REC_LIMIT:
		v->cut = true;
		break;
	case REC_EXIT:
		v->harness_exit = (int)rec->u.exit.code;
		v->harness_signal = (int)rec->u.exit.signal;
		break;
	case REC_END:
		v->end_reason = rec->u.end.reason;
		c->results_ended = true;
		break;
	default:
		break;
	}
}

static enum hv_reason record_reason(int e)
{
	return e == MB_E_SEQUENCE ? HV_RECORD_SEQUENCE : e == MB_E_CHAIN ? HV_RECORD_CHAIN
									     : HV_RECORD_MALFORMED;
}

/*
 * Records read but not yet authenticated, decoded once: held until a
 * verified checkpoint (or, at the end, the quote) covers them, then read.
 * At most HELD_MAX are kept, in a ring (record i in slot i % HELD_MAX); a
 * longer stretch without a verified checkpoint is decoded a second time
 * when covered, so memory stays bounded whatever the bundle. Holding
 * nothing (no memory) is only slower.
 */
#define HELD_MAX 4096

struct held {
	struct record *r; /* HELD_MAX of them, or NULL */
	size_t first;     /* index of the first record not yet read */
	size_t n;         /* records held, from first on */
};

static void hold(struct held *h, size_t i, const struct record *rec)
{
	if (h->r && h->n < HELD_MAX && i == h->first + h->n)
		h->r[(h->first + h->n++) % HELD_MAX] = *rec;
}

/* Reads records first..upto-1: what they say becomes the verdict's. */
static void read_upto(struct ctx *c, struct held *h, size_t upto)
{
	for (size_t i = h->first; i < upto; i++) {
		struct record rec;

		if (i - h->first < h->n)
			note_record(c, &h->r[i % HELD_MAX]);
		/* chain_accept decoded each of these already */
		else if (record_decode(c->b->records[i].p, c->b->records[i].n, &rec) == 0)
			note_record(c, &rec);
	}
	if (upto > h->first) {
		h->n = upto - h->first < h->n ? h->n - (upto - h->first) : 0;
		h->first = upto;
	}
}

static int verify_workers = -1;

void hv_verify_set_workers(int n)
{
	verify_workers = n;
}

/* The record pass: the chain, the checkpoints queued for their
 * signatures, and the records read once a verified checkpoint covers them. */
struct pass {
	struct held h;
	struct cpsig *sigs; /* NULL without a valid AK */
	size_t covered;     /* records a verified checkpoint covers */
};

/* The results of the checkpoint checks, in chain order: each verified one
 * covers the records up to it, the first failing one is the one reported.
 * At most max of them; with wait, each waited for, else only those done. */
static void take_checkpoints(struct ctx *c, struct pass *s, bool wait, size_t max)
{
	uint64_t i;
	bool ok;

	for (size_t k = 0; k < max && s->sigs && cpsig_take(s->sigs, wait, &i, &ok) > 0; k++) {
		if (!ok) {
			fail(c, HV_CHECKPOINT_SIGNATURE, "checkpoint at record %llu", (unsigned long long)i);
			continue;
		}
		/* the checkpoint counts with what it signs */
		s->covered = (size_t)i + 1;
		read_upto(c, &s->h, s->covered);
	}
}

/* The checkpoint's signature is the AK's over the head before it: queued,
 * with i its place in the chain (its seq, which the chain checked). */
static void queue_checkpoint(struct ctx *c, struct pass *s, const struct record *rec, size_t i)
{
	if (!c->akkey) {
		fail(c, HV_CHECKPOINT_SIGNATURE, "checkpoint %llu cannot be checked without a valid AK",
		     (unsigned long long)rec->seq);
		return;
	}
	if (!s->sigs)
		return; /* no memory: c->nomem already says the verdict is void */
	while (!cpsig_can_submit(s->sigs))
		take_checkpoints(c, s, true, 1);
	if (cpsig_submit(s->sigs, i, rec->prev, rec->u.checkpoint.sig, rec->u.checkpoint.sig_len) < 0)
		c->nomem = true;
}

/*
 * One pass: the chain, every checkpoint's signature, and what the records
 * say, from authenticated records only. With a quote and an end record,
 * the quote binds the whole chain. Without either, only what a verified
 * checkpoint covers is the guest's: anyone can append records that chain
 * (the chain is a hash, not a signature), so those after the last
 * checkpoint are counted as unauthenticated and never become test results.
 * The signatures are checked on other threads while the chain goes on;
 * before any other reason is given, every checkpoint before it is taken,
 * so the reasons come in chain order as if checked one at a time.
 */
static void check_records(struct ctx *c)
{
	struct pass s = { .h.r = malloc(HELD_MAX * sizeof(struct record)) };
	size_t trusted;

	if (c->akkey && cpsig_open(&c->ak, verify_workers < 0 ? cpsig_default_workers() : (unsigned)verify_workers,
				   &s.sigs) < 0)
		c->nomem = true;
	c->chain_ok = chain_init(&c->chain, c->b->nonce) == 0;
	for (size_t i = 0; i < c->b->nrecords && c->chain_ok; i++) {
		struct record rec;
		int e;

		if (c->ended) {
			take_checkpoints(c, &s, true, SIZE_MAX);
			fail(c, HV_RECORD_AFTER_END, "record %zu follows the end record", i);
			c->chain_ok = false;
			break;
		}
		e = chain_accept(&c->chain, c->b->records[i].p, c->b->records[i].n, &rec);
		if (e < 0) {
			take_checkpoints(c, &s, true, SIZE_MAX);
			fail(c, record_reason(e), "record %zu: %s", i, mb_strerror(e));
			c->chain_ok = false;
			break;
		}
		c->v->records++;
		/* a full hold waits for the checkpoints that would empty it */
		while (s.h.r && s.h.n == HELD_MAX && s.sigs && cpsig_pending(s.sigs) > 0)
			take_checkpoints(c, &s, true, 1);
		hold(&s.h, i, &rec);
		if (rec.kind == REC_CHECKPOINT) {
			queue_checkpoint(c, &s, &rec, i);
		} else if (rec.kind == REC_END) {
			c->ended = true;
		}
		/* a claim against the evidence, never for it: read wherever it
		 * is, even where nothing signs it (a run that dies on a
		 * corrupt root seldom reaches a checkpoint) */
		else if (rec.kind == REC_PHASE && rec.u.phase.phase == PHASE_ROOT_CORRUPT) {
			take_checkpoints(c, &s, true, SIZE_MAX);
			fail(c, HV_PIN_ROOTFS, "the guest's kernel refused blocks of the root image that do "
					       "not match the pinned verity root");
		}
		take_checkpoints(c, &s, false, SIZE_MAX);
	}
	take_checkpoints(c, &s, true, SIZE_MAX);
	cpsig_close(s.sigs);
	if (c->chain_ok && !c->ended)
		fail(c, HV_RECORDS_INCOMPLETE, "%zu records, no end record", c->b->nrecords);
	memcpy(c->v->chain_head, c->chain.head, 32);
	trusted = c->have_quote && c->ended ? (size_t)c->v->records : s.covered;
	if (trusted > c->v->records)
		trusted = (size_t)c->v->records;
	c->v->unauthenticated = c->v->records - trusted;
	read_upto(c, &s.h, trusted);
	free(s.h.r);
}

/* ---- result files ---- */

static bool file_failed(const struct hv_result_file *f)
{
	return f->status != HV_FILE_PARSED && f->status != HV_FILE_IGNORED;
}

/* The result files' tests join the TAP stream's. A file that could not
 * be put together or read is not passed over: it is a failed test case
 * of its own, classname "vouch.results", named after the file, with the
 * reason as its failure text (docs/host-verify-outputs.md). */
static void take_results(struct ctx *c)
{
	struct results *r = &c->res;
	struct hv_verdict *v = c->v;
	size_t bad = r->dropped > 0, need;

	v->stream_tests = v->ntests;
	if (results_finish(r) < 0) {
		c->nomem = true;
		return;
	}
	for (size_t i = 0; i < r->nfiles; i++)
		bad += file_failed(&r->files[i]);
	need = v->ntests + r->ntests + bad;
	if (need == v->ntests)
		goto files;
	if (need > c->tests_cap) {
		struct hv_test *n = grow(c, v->tests, &c->tests_cap, need, sizeof(*n));

		if (!n)
			return;
		v->tests = n;
	}
	for (size_t i = 0; i < r->ntests; i++) {
		v->tests[v->ntests] = r->tests[i];
		count_test(v, &v->tests[v->ntests++]);
	}
	for (size_t i = 0; i < r->nfiles + (r->dropped > 0); i++) {
		struct hv_test *t = &v->tests[v->ntests];

		if (i < r->nfiles && !file_failed(&r->files[i]))
			continue;
		memset(t, 0, sizeof(*t));
		t->file = (uint32_t)(i + 1);
		t->num = v->ntests - v->stream_tests + 1;
		snprintf(t->classname, sizeof(t->classname), "%s", RESULTS_CLASSNAME);
		if (i < r->nfiles) {
			snprintf(t->name, sizeof(t->name), "%s", r->files[i].name);
			snprintf(t->message, sizeof(t->message), "%s %s: %s",
				 results_format_name(r->files[i].format), results_status_name(r->files[i].status),
				 r->files[i].why);
		} else {
			t->file = HV_TEST_FILES_PAST;
			snprintf(t->name, sizeof(t->name), "(files past the %u-th)", RESULTS_MAX_FILES);
			snprintf(t->message, sizeof(t->message), "%llu file pieces past the first %u files",
				 (unsigned long long)r->dropped, RESULTS_MAX_FILES);
		}
		count_test(v, t);
		v->ntests++;
	}
files:
	v->files = r->files;
	v->nfiles = r->nfiles;
	r->files = NULL;
}

/* ---- event logs ---- */

struct expect {
	uint32_t pcr, type;
	const char *tag;
	const uint8_t *pin; /* NULL: pinned by a later check */
	enum hv_reason reason;
};

static void check_events(struct ctx *c, const struct evlog *log, const struct expect *x, size_t nx,
			 const char *which)
{
	if (log->n != nx) {
		fail(c, HV_EVENT_UNEXPECTED, "%s log has %zu events, expected %zu", which, log->n, nx);
		return;
	}
	for (size_t i = 0; i < nx; i++) {
		const struct evlog_event *ev = &log->ev[i];

		/* the type and tag are not covered by the digest: never trust
		 * them alone, and never let them differ from what we expect */
		if (ev->pcr != x[i].pcr || ev->type != x[i].type || ev->data_len != strlen(x[i].tag) ||
		    memcmp(ev->data, x[i].tag, ev->data_len) != 0) {
			fail(c, HV_EVENT_UNEXPECTED, "%s event %zu is not %s on PCR %u", which, i, x[i].tag,
			     x[i].pcr);
			continue;
		}
		if (x[i].pin && CRYPTO_memcmp(ev->digest, x[i].pin, 32) != 0)
			fail(c, x[i].reason, "%s", x[i].tag);
	}
}

/* A pinned verity root is only worth its name if the pinned command line
 * makes the guest read the root through it, and a command line that asks
 * for verity must be pinned with the root it names. */
static void check_verity_cmdline(struct ctx *c)
{
	const struct manifest *m = c->m;
	char want[sizeof(VERITY_SPEC_KEY) + VERITY_SPEC_BYTES] = VERITY_SPEC_KEY;
	const size_t kl = sizeof(VERITY_SPEC_KEY) - 1;
	size_t n = 0, wl;
	const char *p;
	bool found = false;

	if (m->has_verity) {
		if (verity_spec_format(want + kl, m->verity_offset / VERITY_BLOCK_BYTES, m->verity_root) < 0) {
			fail(c, HV_MANIFEST_INCONSISTENT, "verity offset out of range");
			return;
		}
		n = strlen(want);
	}
	/* every vouch.verity= word of the command line, as a whole word */
	for (p = m->cmdline; *p; p += wl) {
		while (*p == ' ')
			p++;
		wl = strcspn(p, " ");
		if (wl >= kl && memcmp(p, VERITY_SPEC_KEY, kl) == 0) {
			if (!m->has_verity || found || wl != n || memcmp(p, want, n) != 0) {
				fail(c, HV_MANIFEST_INCONSISTENT, "command line has %.*s, manifest pins %s",
				     (int)(wl > 96 ? 96 : wl), p, m->has_verity ? want : "no verity root");
				return;
			}
			found = true;
		}
	}
	if (m->has_verity && !found)
		fail(c, HV_MANIFEST_INCONSISTENT, "verity root pinned, but the command line has no %s", want);
	/* guest-init references the trees when the command line says so: the
	 * word and the manifest's mark go together */
	found = false;
	for (p = m->cmdline; *p; p += wl) {
		while (*p == ' ')
			p++;
		wl = strcspn(p, " ");
		if (wl == sizeof(VERITY_TREES_WORD) - 1 && memcmp(p, VERITY_TREES_WORD, wl) == 0)
			found = true;
	}
	if (found != m->trees_by_verity)
		fail(c, HV_MANIFEST_INCONSISTENT, found ? "the command line has " VERITY_TREES_WORD
						 ", the manifest does not pin trees by verity"
						 : "trees pinned by verity, but the command line has no "
						   VERITY_TREES_WORD);
}

static void check_platform_log(struct ctx *c)
{
	const struct manifest *m = c->m;
	uint8_t cmd[32];
	int e;

	if ((e = evlog_decode(c->b->platform_log.p, c->b->platform_log.n, &c->plog)) < 0) {
		fail(c, HV_EVENT_LOG_MALFORMED, "platform log: %s", mb_strerror(e));
		return;
	}
	if (!m->has_boot) {
		fail(c, HV_MANIFEST_INCOMPLETE, "no boot components (kernel, initramfs, command line)");
		return;
	}
	if (sha256_buf(m->cmdline, strlen(m->cmdline), cmd) < 0)
		return;
	check_verity_cmdline(c);
	const struct expect x[] = {
		{ PCR_BOOT, EV_IPL, "vouch.kernel", m->kernel_digest, HV_PIN_KERNEL },
		{ PCR_BOOT, EV_IPL, "vouch.initramfs", m->initramfs_digest, HV_PIN_INITRAMFS },
		{ PCR_BOOT, EV_IPL, "vouch.cmdline", cmd, HV_PIN_CMDLINE },
		{ PCR_ROOT, EV_IPL, "vouch.rootfs", m->has_verity ? m->verity_root : m->image_digest,
		  HV_PIN_ROOTFS },
	};

	check_events(c, &c->plog, x, 4, "platform");
}

/* One line naming the field that differs, with both values when short. */
static void describe_runspec_diff(struct ctx *c, enum hv_reason r, const char *field,
				  const struct runspec *pin, const struct runspec *got)
{
	const struct { const char *name; uint64_t pin, got; } nums[] = {
		{ "uid", pin->uid, got->uid },
		{ "gid", pin->gid, got->gid },
		{ "timeout_s", pin->timeout_s, got->timeout_s },
		{ "max_output_bytes", pin->max_output_bytes, got->max_output_bytes },
		{ "max_procs", pin->max_procs, got->max_procs },
	};
	const char *ps = NULL, *gs = NULL;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (strcmp(field, nums[i].name) == 0) {
			fail(c, r, "%s: measured %llu, pinned %llu", field, (unsigned long long)nums[i].got,
			     (unsigned long long)nums[i].pin);
			return;
		}
	if (strcmp(field, "argv") == 0)
		fail(c, r, "argv: measured [%.24s .. %.30s] (%zu), pinned [%.24s .. %.30s] (%zu)",
		     got->argv[0], got->argv[got->argc - 1], got->argc, pin->argv[0],
		     pin->argv[pin->argc - 1], pin->argc);
	else if (strcmp(field, "env") == 0)
		fail(c, r, "env: measured %zu strings, pinned %zu, not the same", got->envc, pin->envc);
	else if (strcmp(field, "cwd") == 0 || strcmp(field, "agent") == 0 || strcmp(field, "harness") == 0) {
		ps = field[0] == 'c' ? pin->cwd : field[0] == 'a' ? pin->agent_path : pin->harness_path;
		gs = field[0] == 'c' ? got->cwd : field[0] == 'a' ? got->agent_path : got->harness_path;
		fail(c, r, "%s: measured %.60s, pinned %.60s", field, gs ? gs : "no tree", ps ? ps : "no tree");
	} else {
		fail(c, r, "%s: the measured run spec's is not the pinned one", field);
	}
}

/* The measured run spec against the manifest's pinned one, field by
 * field: a run of any other command, environment, user or limits is not
 * the run the manifest vouches for. */
static void check_runspec_pinned(struct ctx *c)
{
	static const enum hv_reason part_reason[] = {
		[RUNSPEC_DIFF_ARGV] = HV_RUNSPEC_ARGV,     [RUNSPEC_DIFF_ENV] = HV_RUNSPEC_ENV,
		[RUNSPEC_DIFF_CWD] = HV_RUNSPEC_CWD,       [RUNSPEC_DIFF_USER] = HV_RUNSPEC_USER,
		[RUNSPEC_DIFF_LIMITS] = HV_RUNSPEC_LIMITS, [RUNSPEC_DIFF_PATHS] = HV_RUNSPEC_PATHS,
		[RUNSPEC_DIFF_AGENT_USER] = HV_RUNSPEC_AGENT_USER, [RUNSPEC_DIFF_RESULTS] = HV_RUNSPEC_RESULTS,
	};
	const struct manifest *m = c->m;
	struct runspec *pin;
	const char *field = "";
	int e, part;

	if (!m->has_runspec) {
		fail(c, HV_MANIFEST_INCOMPLETE, "no run spec pinned");
		return;
	}
	if (!(pin = malloc(sizeof(*pin)))) {
		fail(c, HV_MANIFEST_INCOMPLETE, "pinned run spec: out of memory");
		return;
	}
	/* manifest_decode() took only a run spec that decodes */
	if ((e = runspec_decode(m->runspec, m->runspec_len, pin)) < 0) {
		fail(c, HV_MANIFEST_INCOMPLETE, "pinned run spec: %s", mb_strerror(e));
	} else if ((part = runspec_compare(pin, c->rs, &field)) != RUNSPEC_SAME) {
		enum hv_reason r = (size_t)part < sizeof(part_reason) / sizeof(part_reason[0]) &&
					   part_reason[part] ? part_reason[part] : HV_RUNSPEC_ARGV;

		describe_runspec_diff(c, r, field, pin, c->rs);
	}
	free(pin);
}

static void check_runspec(struct ctx *c, uint8_t digest[32])
{
	const struct manifest_tree *a = manifest_find_tree(c->m, "agent");
	const struct manifest_tree *h = manifest_find_tree(c->m, "harness");
	int e = MB_E_NOMEM;

	if (sha256_buf(c->b->runspec.p, c->b->runspec.n, digest) < 0)
		return;
	memcpy(c->v->runspec_digest, digest, 32);
	c->rs = malloc(sizeof(*c->rs));
	if (!c->rs || (e = runspec_decode(c->b->runspec.p, c->b->runspec.n, c->rs)) < 0) {
		fail(c, HV_RUNSPEC_MALFORMED, "%s", c->rs ? mb_strerror(e) : "out of memory");
		free(c->rs);
		c->rs = NULL;
		return;
	}
	check_runspec_pinned(c);
	/* a plain run: the manifest pins no tree and the run spec names
	 * none; the root image (PCR 9) ran the command */
	if (!a && !h && !runspec_has_trees(c->rs))
		return;
	if (!a && !h) {
		fail(c, HV_RUNSPEC_PATHS, "measured %.60s and %.60s, the manifest pins no tree", c->rs->agent_path,
		     c->rs->harness_path);
		return;
	}
	if (!a || !h) {
		fail(c, HV_MANIFEST_INCOMPLETE, "no agent or harness tree pinned");
		return;
	}
	if (!runspec_has_trees(c->rs)) {
		fail(c, HV_RUNSPEC_PATHS, "measured a plain run (no tree), pinned %.60s and %.60s", a->path, h->path);
		return;
	}
	if (strcmp(c->rs->agent_path, a->path) != 0 || strcmp(c->rs->harness_path, h->path) != 0)
		fail(c, HV_RUNSPEC_PATHS, "measured %s and %s, pinned %s and %s", c->rs->agent_path,
		     c->rs->harness_path, a->path, h->path);
}

/* What the records are read by, from the run spec before it is checked
 * (a run spec that does not decode is refused by check_runspec, and
 * reads here as no boundary, no declared files): whether the agent
 * boundary is on, and the declared result files. */
static void runspec_early(struct ctx *c)
{
	c->early = malloc(sizeof(*c->early));
	if (!c->early || runspec_decode(c->b->runspec.p, c->b->runspec.n, c->early) < 0) {
		free(c->early);
		c->early = NULL;
		return;
	}
	c->boundary = c->early->has_agent_user;
	c->res.declared = c->early->results;
	c->res.ndeclared = c->early->nresults;
}

/* What a tree's event must be. With trees_by_verity in the manifest,
 * guest-init references the tree (docs/measure-by-verity.md): tag
 * TAG.verity, digest SHA-256("vouch.tree-by-verity" || R || path), R the
 * manifest's verity root, which pin-rootfs holds PCR 9's measured root to
 * and manifest-inconsistent the command line's. Without the mark, a
 * referencing event is refused with its own reason, whatever its digest. */
struct tree_pin {
	const char *tag;
	const uint8_t *pin;
	char vtag[32];
	uint8_t ref[32];
};

static void tree_pin_by_verity(struct ctx *c, struct tree_pin *t, const char *path, size_t i)
{
	const struct evlog_event *ev = i < c->glog.n ? &c->glog.ev[i] : NULL;
	/* never a root that is not pinned (manifest_decode refuses the mark
	 * without one; a manifest made in memory may not) */
	bool marked = c->m->trees_by_verity && c->m->has_verity, claims;

	snprintf(t->vtag, sizeof(t->vtag), "%s.verity", t->tag);
	claims = ev && ev->data_len == strlen(t->vtag) && memcmp(ev->data, t->vtag, ev->data_len) == 0;
	if (!marked && !claims)
		return;
	t->tag = t->vtag;
	t->pin = NULL;
	if (!marked) {
		fail(c, HV_TREE_BY_VERITY, "%s, but the manifest %s", t->vtag,
		     c->m->has_verity ? "does not pin trees by verity" : "pins no verity root");
		return;
	}
	memset(t->ref, 0, sizeof(t->ref));
	t->pin = t->ref; /* falls through to reject if the reference cannot be made */
	if (verity_tree_ref(c->m->verity_root, path, t->ref) < 0)
		fail(c, HV_MANIFEST_INCOMPLETE, "no tree reference for %.60s", path);
}

static void check_guest_log(struct ctx *c)
{
	static const uint8_t zero4[4];
	const struct manifest_tree *a = manifest_find_tree(c->m, "agent");
	const struct manifest_tree *h = manifest_find_tree(c->m, "harness");
	uint8_t rs[32] = { 0 }, sep[32];
	int e;

	check_runspec(c, rs);
	if (!c->have_quote)
		return;
	if ((e = evlog_decode(c->quote[2].p, c->quote[2].n, &c->glog)) < 0) {
		fail(c, HV_EVENT_LOG_MALFORMED, "guest log: %s", mb_strerror(e));
		return;
	}
	c->have_glog = true;
	if (sha256_buf(zero4, sizeof(zero4), sep) < 0)
		return;
	if (!a && !h && c->rs && !runspec_has_trees(c->rs)) {
		/* a plain run measures no tree: any tree event is one too many */
		const struct expect x[] = {
			{ PCR_RUNSPEC, EV_EVENT_TAG, "vouch.runspec", rs, HV_PIN_RUNSPEC },
			{ PCR_SESSION, EV_SEPARATOR, "vouch.separator", sep, HV_PIN_SEPARATOR },
			{ PCR_SESSION, EV_EVENT_TAG, "vouch.chain-head", c->chain.head, HV_PIN_CHAIN_HEAD },
		};

		check_events(c, &c->glog, x, 3, "guest");
		return;
	}
	if (!a || !h)
		return;
	struct tree_pin ta = { .tag = "vouch.agent-tree", .pin = a->digest },
			th = { .tag = "vouch.harness-tree", .pin = h->digest };

	tree_pin_by_verity(c, &ta, a->path, 1);
	tree_pin_by_verity(c, &th, h->path, 2);
	const struct expect x[] = {
		{ PCR_RUNSPEC, EV_EVENT_TAG, "vouch.runspec", rs, HV_PIN_RUNSPEC },
		{ PCR_TREES, EV_EVENT_TAG, ta.tag, ta.pin, HV_PIN_AGENT },
		{ PCR_TREES, EV_EVENT_TAG, th.tag, th.pin, HV_PIN_HARNESS },
		{ PCR_SESSION, EV_SEPARATOR, "vouch.separator", sep, HV_PIN_SEPARATOR },
		{ PCR_SESSION, EV_EVENT_TAG, "vouch.chain-head", c->chain.head, HV_PIN_CHAIN_HEAD },
	};

	check_events(c, &c->glog, x, 5, "guest");
}

/* ---- what the caller demands ---- */

/* An old passing bundle is still a passing bundle: only the caller knows
 * which session it asked for. */
static void check_nonce(struct ctx *c)
{
	if (c->pins->has_nonce && CRYPTO_memcmp(c->b->nonce, c->pins->nonce, NONCE_BYTES) != 0)
		fail(c, HV_NONCE_MISMATCH, "the bundle's nonce is not the one given");
}

/* The agent boundary is on when the run spec names the agent's own user
 * (runspec key 11, agent_user): then the agent cannot write the harness's
 * files or read its TAP before it is recorded. */
static void check_agent_boundary(struct ctx *c)
{
	if (c->pins->require_agent_boundary && (!c->rs || !c->rs->has_agent_user))
		fail(c, HV_AGENT_BOUNDARY_OFF, "%s", c->rs ? "the run spec has no agent_user"
							 : "no run spec to read");
}

/* ---- the quote ---- */

static bool selection_is_ours(const TPML_PCR_SELECTION *s)
{
	uint8_t want[3] = { 0 };

	for (unsigned i = 0; i < 24; i++)
		if (PCR_VOUCH_MASK & (1u << i))
			want[i / 8] |= (uint8_t)(1u << (i % 8));
	return s->count == 1 && s->pcrSelections[0].hash == TPM2_ALG_SHA256 &&
	       s->pcrSelections[0].sizeofSelect == 3 && memcmp(s->pcrSelections[0].pcrSelect, want, 3) == 0;
}

/* The AK is a primary object of the endorsement hierarchy (guest-init
 * tpm.c), so its qualified name is fully determined by its Name:
 * QN = nameAlg || H(QN(parent) || Name), and a hierarchy's qualified name
 * is its 4-byte handle (TPM 2.0 Part 1, 16.6 "Qualified Name"; the
 * reference implementation's ComputeQualifiedName). Equality is the
 * strongest check there is: a quote by any other key, or by the same
 * public area under another parent, names another signer. */
static bool signer_is_ak(const TPM2B_NAME *ak_name, const TPM2B_NAME *qs)
{
	uint8_t buf[4 + sizeof(ak_name->name)], qn[32];
	const uint32_t h = TPM2_RH_ENDORSEMENT;

	if (ak_name->size != 34 || qs->size != 34 || qs->name[0] != 0x00 || qs->name[1] != 0x0b)
		return false;
	buf[0] = (uint8_t)(h >> 24);
	buf[1] = (uint8_t)(h >> 16);
	buf[2] = (uint8_t)(h >> 8);
	buf[3] = (uint8_t)h;
	memcpy(buf + 4, ak_name->name, 34);
	return sha256_buf(buf, 4 + 34, qn) == 0 && CRYPTO_memcmp(qn, qs->name + 2, 32) == 0;
}

static void quote_fail(struct hv_quote_verdict *v, enum hv_reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void quote_fail(struct hv_quote_verdict *v, enum hv_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reason_add(v->reasons, &v->nreasons, HV_QUOTE_MAX_REASONS, r, fmt, ap);
	va_end(ap);
}

static void check_quote_body(const TPMS_ATTEST *at, const struct hv_quote_expect *x, struct hv_quote_verdict *v)
{
	if (at->magic != TPM2_GENERATED_VALUE)
		quote_fail(v, HV_QUOTE_MAGIC, "magic %08x", at->magic);
	if (at->type != TPM2_ST_ATTEST_QUOTE) {
		quote_fail(v, HV_QUOTE_TYPE, "type %04x", at->type);
		return;
	}
	if (!x->extra_data || at->extraData.size != 32 ||
	    CRYPTO_memcmp(at->extraData.buffer, x->extra_data, 32) != 0)
		quote_fail(v, HV_QUOTE_NONCE, "extraData is not SHA-256(nonce || chain head)");
	if (!signer_is_ak(&x->ak_name, &at->qualifiedSigner))
		quote_fail(v, HV_QUOTE_SIGNER, "%s", x->ak_name.size ? "another signer" : "no AK to compare with");
	if (!selection_is_ours(&at->attested.quote.pcrSelect)) {
		quote_fail(v, HV_QUOTE_PCR_SELECTION, "other PCRs quoted");
		return;
	}
	if (at->attested.quote.pcrDigest.size == 32) {
		memcpy(v->pcr_digest, at->attested.quote.pcrDigest.buffer, 32);
		v->has_pcr_digest = true;
	}
	if (x->check_pcr_digest && (!x->pcr_digest || at->attested.quote.pcrDigest.size != 32 ||
				    CRYPTO_memcmp(x->pcr_digest, at->attested.quote.pcrDigest.buffer, 32) != 0))
		quote_fail(v, HV_PCR_REPLAY, "platform and guest logs replay to another digest");
}

size_t hv_quote_check(const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len,
		      const struct hv_quote_expect *x, struct hv_quote_verdict *ret)
{
	struct hv_quote_verdict v = { 0 };
	TPMS_ATTEST at = { 0 };
	TPMT_SIGNATURE s = { 0 };
	EVP_PKEY *k = NULL;
	size_t off = 0;

	/* structure, magic and type first; signature maths after */
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(msg, msg_len, &off, &at) != 0 || off != msg_len) {
		quote_fail(&v, HV_QUOTE_MALFORMED, "TPMS_ATTEST does not decode exactly");
		goto out;
	}
	off = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig, sig_len, &off, &s) != 0 || off != sig_len) {
		quote_fail(&v, HV_QUOTE_MALFORMED, "TPMT_SIGNATURE does not decode exactly");
		goto out;
	}
	check_quote_body(&at, x, &v);
	if (x->ak)
		k = tpmkey_ecc_p256(x->ak);
	if (!k || tpmkey_verify(k, msg, msg_len, &s) != 0)
		quote_fail(&v, HV_QUOTE_SIGNATURE, "%s", k ? "signature does not verify" : "no valid AK");
out:
	EVP_PKEY_free(k);
	*ret = v;
	return v.nreasons;
}

/* The bundle's quote, against this session's nonce and chain head, the
 * activated AK and the replayed logs. */
static void check_quote(struct ctx *c)
{
	struct hv_quote_expect x = { .ak_name = c->ak_name, .ak = c->akkey ? &c->ak : NULL };
	struct hv_quote_verdict v;
	struct pcr_bank bank;
	uint8_t want[32], comp[32];

	if (!c->have_quote) {
		fail(c, HV_QUOTE_MISSING, "%s", c->b->incomplete[0] ? c->b->incomplete : "no quote in the bundle");
		return;
	}
	if (sha256_cat(c->b->nonce, 32, c->chain.head, 32, want) == 0)
		x.extra_data = want;
	if (c->have_glog) {
		x.check_pcr_digest = true;
		pcr_bank_init(&bank);
		if (evlog_replay(&c->plog, &bank) == 0 && evlog_replay(&c->glog, &bank) == 0 &&
		    pcr_composite(&bank, PCR_VOUCH_MASK, comp) == 0)
			x.pcr_digest = comp;
	}
	hv_quote_check(c->quote[0].p, c->quote[0].n, c->quote[1].p, c->quote[1].n, &x, &v);
	for (size_t i = 0; i < v.nreasons; i++)
		fail(c, v.reasons[i].code, "%s", v.reasons[i].detail);
	if (v.has_pcr_digest)
		memcpy(c->v->pcr_digest, v.pcr_digest, 32);
}

/* ---- the verdict ---- */

static void decide(struct ctx *c)
{
	struct hv_verdict *v = c->v;
	bool only_incomplete = true;

	for (size_t i = 0; i < v->nreasons; i++)
		if (!is_incompleteness(v->reasons[i].code))
			only_incomplete = false;
	if (v->nreasons > 0) {
		v->attested = false;
		v->exit = only_incomplete ? EXIT_INCOMPLETE : EXIT_REJECTED;
		return;
	}
	v->attested = true;
	/* a TAP plan the test points do not fill, or a bail-out, fails the
	 * tests as surely as a "not ok" */
	if (v->failed > 0 || v->harness_exit != 0 || v->harness_signal != 0 || v->cut ||
	    v->end_reason != END_COMPLETE || v->tap_bailed_out ||
	    (v->tap_plan >= 0 && (uint64_t)v->tap_plan != v->stream_tests))
		v->exit = EXIT_TESTS_FAILED;
	else
		v->exit = EXIT_PASSED;
}

static void copy_digests(struct ctx *c)
{
	const struct manifest_tree *a = manifest_find_tree(c->m, "agent");
	const struct manifest_tree *h = manifest_find_tree(c->m, "harness");

	memcpy(c->v->nonce, c->b->nonce, NONCE_BYTES);
	c->v->plain = c->rs && !runspec_has_trees(c->rs);
	if (c->rs && c->rs->has_agent_user) {
		c->v->agent_boundary = true;
		c->v->agent_uid = c->rs->agent_uid;
		c->v->agent_gid = c->rs->agent_gid;
	}
	memcpy(c->v->image_digest, c->m->image_digest, 32);
	c->v->has_verity = c->m->has_verity;
	c->v->trees_by_verity = c->m->has_verity && c->m->trees_by_verity;
	memcpy(c->v->verity_root, c->m->verity_root, 32);
	if (a)
		memcpy(c->v->agent_digest, a->digest, 32);
	if (h)
		memcpy(c->v->harness_digest, h->digest, 32);
	if (c->m->has_boot) {
		memcpy(c->v->kernel_digest, c->m->kernel_digest, 32);
		memcpy(c->v->initramfs_digest, c->m->initramfs_digest, 32);
	}
}

int hv_verify(const struct bundle *b, const struct hv_pins *pins, struct hv_verdict *ret)
{
	struct hv_verdict v = { .harness_exit = -1, .end_reason = END_FATAL, .exit = EXIT_REJECTED,
				.tap_plan = -1 };
	struct ctx *c = calloc(1, sizeof(*c));

	if (c)
		c->tap = calloc(1, sizeof(*c->tap));
	if (!c || !c->tap) {
		free(c);
		return MB_E_NOMEM;
	}
	c->tap->next_num = 1;
	c->b = b;
	c->pins = pins;
	c->m = pins->manifest;
	c->v = &v;
	c->have_quote = b->has_quote && attest_decode(MSG_QUOTE, b->quote.p, b->quote.n, c->quote) == 0;
	runspec_early(c);
	if (b->has_quote && !c->have_quote)
		fail(c, HV_QUOTE_MALFORMED, "quote message does not decode");
	/* every check, every time */
	check_ek(c);
	check_ak(c);
	check_records(c);
	if (c->chain_ok)
		tap_compare(c);
	take_results(c);
	check_platform_log(c);
	check_guest_log(c);
	check_quote(c);
	check_nonce(c);
	check_agent_boundary(c);
	copy_digests(c);
	decide(c);
	EVP_PKEY_free(c->akkey);
	free(c->rs);
	free(c->early);
	free(c->tap);
	free(c->pending);
	results_free(&c->res);
	if (c->nomem) {
		free(c);
		hv_verdict_free(&v);
		return MB_E_NOMEM;
	}
	free(c);
	*ret = v;
	return 0;
}

void hv_verdict_free(struct hv_verdict *v)
{
	free(v->tests);
	v->tests = NULL;
	free(v->files);
	v->files = NULL;
}
