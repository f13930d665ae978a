// SPDX-License-Identifier: MIT
/*
 * The tamper matrix: honest evidence recorded from real swtpm + QEMU runs
 * (tests/vectors/evidence/, see record.sh and record-verity.sh there) is accepted; each forgery
 * below is rejected with exactly the set of reasons it earns, so that a
 * check removed or weakened shows even while another still rejects. Run
 * from the top of the tree.
 */
#include "t.h"
#include "t_tpmsig.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "attest.h"
#include "attestation.h"
#include "bundle.h"
#include "evlog.h"
#include "manifest.h"
#include "pcr.h"
#include "record.h"
#include "runspec.h"
#include "sha256.h"
#include "tpmkey.h"
#include "verity.h"
#include "verify.h"

#define DIR "tests/vectors/evidence/"

static struct manifest *manifest;
static struct hv_pins pins;
static uint8_t *raw_a, *raw_b;
static struct bundle honest_a, honest_b;

/* A recorded set's manifest (on the heap, in *m) and pins: PREFIX is ""
 * (record.sh) or "verity-" (record-verity.sh). */
static void load_pins(const char *prefix, struct manifest **m, struct hv_pins *p)
{
	char path[128];
	size_t n, off = 0;
	uint8_t *b;

	*m = malloc(sizeof(**m));
	snprintf(path, sizeof(path), DIR "%smanifest.cbor", prefix);
	b = t_slurp(path, &n);
	REQUIRE(*m && manifest_decode(b, n, *m) == 0);
	free(b);
	snprintf(path, sizeof(path), DIR "%sek.pub", prefix);
	b = t_slurp(path, &n);
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(b, n, &off, &p->ek) == 0 && off == n);
	free(b);
	snprintf(path, sizeof(path), DIR "%sverifier.pem", prefix);
	REQUIRE(attestation_read_pubkey(path, p->verifier_pub) == 0);
	p->manifest = *m;
}

/* A recorded set's honest bundle (PREFIX "verity-" or "plain-"), its
 * manifest and pins; the bundle's bytes in *raw, for the caller to free. */
static void load_recorded(const char *prefix, struct manifest **m, struct hv_pins *p, uint8_t **raw,
			  struct bundle *b)
{
	char path[128];
	size_t n;

	load_pins(prefix, m, p);
	snprintf(path, sizeof(path), DIR "%shonest.cbor", prefix);
	*raw = t_slurp(path, &n);
	REQUIRE(bundle_decode(*raw, n, b) == 0);
}

static void load(void)
{
	size_t n;

	load_pins("", &manifest, &pins);
	raw_a = t_slurp(DIR "honest-a.cbor", &n);
	REQUIRE(bundle_decode(raw_a, n, &honest_a) == 0);
	raw_b = t_slurp(DIR "honest-b.cbor", &n);
	REQUIRE(bundle_decode(raw_b, n, &honest_b) == 0);
}

/* A forged bundle: a shallow copy of honest A with its own records array. */
struct forged {
	struct bundle b;
	struct bytes recs[16384];
	uint8_t store[4 << 20];
	size_t used;
};

static struct forged F;

static void forge_from(const struct bundle *src)
{
	REQUIRE(src->nrecords <= 16384);
	F.b = *src;
	memcpy(F.recs, src->records, src->nrecords * sizeof(F.recs[0]));
	F.b.records = F.recs;
	F.used = 0;
}

static uint8_t *store(const void *p, size_t n)
{
	uint8_t *d;

	REQUIRE(n <= sizeof(F.store) - F.used);
	d = F.store + F.used;
	memcpy(d, p, n);
	F.used += n;
	return d;
}

static int has_reason(const struct hv_verdict *v, enum hv_reason r)
{
	for (size_t i = 0; i < v->nreasons; i++)
		if (v->reasons[i].code == r)
			return 1;
	return 0;
}

/* That exit, and that reason alone (none for HV_OK). */
static void judge(const char *what, const struct bundle *b, const struct hv_pins *p,
		  enum exit_code want_exit, enum hv_reason want)
{
	struct hv_verdict v;

	REQUIRE(hv_verify(b, p, &v) == 0);
	int ok = v.exit == want_exit && v.nreasons == (want == HV_OK ? 0u : 1u) &&
		 (want == HV_OK || has_reason(&v, want));

	if (!ok)
		for (size_t i = 0; i < v.nreasons; i++)
			printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	t_report(ok, "%s: exit %d%s%s", what, v.exit, want == HV_OK ? "" : ", ",
		 want == HV_OK ? "" : hv_reason_name(want));
	hv_verdict_free(&v);
}

/* The exact set of reasons, in any order: a check that is removed or
 * that starts firing elsewhere fails the case. */
static void judge_set(const char *what, const struct bundle *b, const struct hv_pins *p,
		      enum exit_code want_exit, const enum hv_reason *want, size_t nwant)
{
	struct hv_verdict v;
	int ok;

	REQUIRE(hv_verify(b, p, &v) == 0);
	ok = v.exit == want_exit && v.nreasons == nwant;
	for (size_t i = 0; ok && i < nwant; i++)
		ok = has_reason(&v, want[i]);
	if (!ok)
		for (size_t i = 0; i < v.nreasons; i++)
			printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	t_report(ok, "%s: exit %d, %zu reasons", what, v.exit, nwant);
	hv_verdict_free(&v);
}

#define JUDGE_SET(what, b, p, ex, ...)                                                    \
	do {                                                                              \
		const enum hv_reason want_[] = { __VA_ARGS__ };                          \
		judge_set(what, b, p, ex, want_, sizeof(want_) / sizeof(want_[0]));       \
	} while (0)

/* Index of the first record of a kind. */
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

/* Re-seals records from..end so that the chain is intact again: the
 * forgery then has to get past the checks behind the chain. */
static void reseal_from(size_t from)
{
	struct chain c;
	struct record rec;

	REQUIRE(chain_init(&c, F.b.nonce) == 0);
	for (size_t i = 0; i < F.b.nrecords; i++) {
		if (i < from) {
			REQUIRE(chain_accept(&c, F.recs[i].p, F.recs[i].n, &rec) == 0);
			continue;
		}
		uint8_t buf[MAX_RECORD_BYTES];
		struct cb_wr w;

		REQUIRE(record_decode(F.recs[i].p, F.recs[i].n, &rec) == 0);
		cb_wr_init(&w, buf, sizeof(buf));
		REQUIRE(chain_seal(&c, &rec, &w) == 0);
		F.recs[i] = (struct bytes){ store(buf, w.len), w.len };
	}
}

static void test_honest(void)
{
	judge("honest run A", &honest_a, &pins, EXIT_PASSED, HV_OK);
	judge("honest run B", &honest_b, &pins, EXIT_PASSED, HV_OK);
}

static void pin_case(const char *what, uint8_t *field, enum hv_reason r)
{
	field[0] ^= 1;
	judge(what, &honest_a, &pins, EXIT_REJECTED, r);
	field[0] ^= 1;
}

static void test_pins(void)
{
	struct manifest_tree *a = (struct manifest_tree *)manifest_find_tree(manifest, "agent");
	struct manifest_tree *h = (struct manifest_tree *)manifest_find_tree(manifest, "harness");
	char *saved;

	pin_case("modified kernel", manifest->kernel_digest, HV_PIN_KERNEL);
	pin_case("modified initramfs", manifest->initramfs_digest, HV_PIN_INITRAMFS);
	pin_case("modified root image", manifest->image_digest, HV_PIN_ROOTFS);
	pin_case("modified agent", a->digest, HV_PIN_AGENT);
	pin_case("modified harness", h->digest, HV_PIN_HARNESS);
	saved = manifest->cmdline;
	manifest->cmdline = "console=ttyS0 init=/bin/sh";
	judge("modified command line", &honest_a, &pins, EXIT_REJECTED, HV_PIN_CMDLINE);
	manifest->cmdline = saved;
	/* a verity root the pinned command line does not enforce; the root
	 * "hash" is the image digest PCR 9 holds, so only this check fails */
	manifest->has_verity = true;
	memcpy(manifest->verity_root, manifest->image_digest, 32);
	manifest->verity_offset = 4096;
	judge("verity root pinned, command line without vouch.verity", &honest_a, &pins, EXIT_REJECTED,
	      HV_MANIFEST_INCONSISTENT);
	manifest->has_verity = false;
	{
		static char cmd[4200];

		snprintf(cmd, sizeof(cmd), "%s vouch.verity=1:%064d", saved, 0);
		manifest->cmdline = cmd;
		JUDGE_SET("command line with vouch.verity, no verity root pinned", &honest_a, &pins, EXIT_REJECTED, HV_MANIFEST_INCONSISTENT, HV_PIN_CMDLINE);
		manifest->cmdline = saved;
	}
	/* a verity root pinned, and a command line that names it, or
	 * another root, or names it twice: the command line is not the
	 * recorded one (pin-cmdline) in each, and disagrees with the
	 * manifest in the last two */
	{
		static char cmd[4200];
		char spec[VERITY_SPEC_BYTES], other[VERITY_SPEC_BYTES];

		manifest->has_verity = true;
		memcpy(manifest->verity_root, manifest->image_digest, 32);
		manifest->verity_offset = 4096;
		REQUIRE(verity_spec_format(spec, 1, manifest->verity_root) == 0);
		manifest->verity_root[0] ^= 1;
		REQUIRE(verity_spec_format(other, 1, manifest->verity_root) == 0);
		manifest->verity_root[0] ^= 1;
		manifest->cmdline = cmd;
		snprintf(cmd, sizeof(cmd), "%s %s%s", saved, VERITY_SPEC_KEY, spec);
		JUDGE_SET("command line with the pinned verity root", &honest_a, &pins, EXIT_REJECTED,
			  HV_PIN_CMDLINE);
		snprintf(cmd, sizeof(cmd), "%s %s%s", saved, VERITY_SPEC_KEY, other);
		JUDGE_SET("command line with another verity root than the manifest's", &honest_a, &pins,
			  EXIT_REJECTED, HV_PIN_CMDLINE, HV_MANIFEST_INCONSISTENT);
		snprintf(cmd, sizeof(cmd), "%s %s%s %s%s", saved, VERITY_SPEC_KEY, spec, VERITY_SPEC_KEY, spec);
		JUDGE_SET("command line with the pinned verity root twice", &honest_a, &pins, EXIT_REJECTED,
			  HV_PIN_CMDLINE, HV_MANIFEST_INCONSISTENT);
		manifest->cmdline = saved;
		manifest->has_verity = false;
	}
	saved = a->path;
	a->path = "/opt/other";
	JUDGE_SET("run spec measured another agent path", &honest_a, &pins, EXIT_REJECTED, HV_RUNSPEC_PATHS);
	a->path = saved;
}

static void test_runspec_swapped(void)
{
	forge_from(&honest_a);
	F.b.runspec = honest_b.runspec.n == honest_a.runspec.n &&
			      memcmp(honest_b.runspec.p, honest_a.runspec.p, honest_a.runspec.n) != 0
		? honest_b.runspec : (struct bytes){ store(honest_a.runspec.p, honest_a.runspec.n), honest_a.runspec.n };
	if (F.b.runspec.p != honest_b.runspec.p) {
		/* flip a byte inside the last text string: still decodes */
		((uint8_t *)F.b.runspec.p)[F.b.runspec.n - 1] ^= 0x01;
	}
	JUDGE_SET("modified run spec", &F.b, &pins, EXIT_REJECTED, HV_RUNSPEC_LIMITS, HV_PIN_RUNSPEC);
}

/* Exactly one reason, and that one: a change of one part of the run
 * spec is refused for that part and for nothing else. */
static void judge_exact(const char *what, enum hv_reason want, const char *detail_has)
{
	struct hv_verdict v;

	REQUIRE(hv_verify(&honest_a, &pins, &v) == 0);
	int ok = v.exit == EXIT_REJECTED && v.nreasons == 1 && v.reasons[0].code == want &&
		 strstr(v.reasons[0].detail, detail_has) != NULL;

	for (size_t i = 0; !ok && i < v.nreasons; i++)
		printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	t_report(ok, "%s: exit %d, exactly {%s}, detail names %s", what, v.exit, hv_reason_name(want),
		 detail_has);
	hv_verdict_free(&v);
}

/*
 * The manifest pins the whole run spec. Honest evidence of a run whose
 * run spec differs from the pin in one part (the forgery: the code under
 * test, or whoever launched it, ran some other command, as another user,
 * with other limits) is refused with that part's reason alone.
 */
static void test_runspec_pinned(void)
{
	static char *other_argv[] = { "/opt/harness/run-tests", NULL };
	static char *sh_argv[] = { "/bin/sh", "-c", "echo 1..1; echo \"ok 1\"", NULL };
	static char *other_env[] = { "PATH=/bin", NULL };
	static const struct { const char *what; enum hv_reason r; const char *detail; } rows[] = {
		{ "pinned argv is the harness, the run was sh -c", HV_RUNSPEC_ARGV, "argv" },
		{ "pinned argv is sh -c 'echo ok', the run was the harness", HV_RUNSPEC_ARGV, "argv" },
		{ "pinned env differs", HV_RUNSPEC_ENV, "env" },
		{ "pinned cwd differs", HV_RUNSPEC_CWD, "cwd" },
		{ "pinned uid differs", HV_RUNSPEC_USER, "uid" },
		{ "pinned gid differs", HV_RUNSPEC_USER, "gid" },
		{ "pinned timeout differs", HV_RUNSPEC_LIMITS, "timeout_s" },
		{ "pinned output limit differs", HV_RUNSPEC_LIMITS, "max_output_bytes" },
		{ "pinned process limit differs", HV_RUNSPEC_LIMITS, "max_procs" },
		{ "pinned agent path differs", HV_RUNSPEC_PATHS, "agent" },
		{ "pinned harness path differs", HV_RUNSPEC_PATHS, "harness" },
	};
	static uint8_t saved[MAX_RUNSPEC_BYTES];
	static struct runspec rs;
	size_t saved_len = manifest->runspec_len;
	struct manifest_tree *a = (struct manifest_tree *)manifest_find_tree(manifest, "agent");
	struct manifest_tree *h = (struct manifest_tree *)manifest_find_tree(manifest, "harness");
	char *ta = a->path, *th = h->path;

	REQUIRE(manifest->has_runspec);
	memcpy(saved, manifest->runspec, saved_len);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cb_wr w;

		REQUIRE(runspec_decode(saved, saved_len, &rs) == 0);
		switch (i) {
		case 0: rs.argc = 1; memcpy(rs.argv, other_argv, sizeof(other_argv)); break;
		case 1: rs.argc = 3; memcpy(rs.argv, sh_argv, sizeof(sh_argv)); break;
		case 2: rs.envc = 1; memcpy(rs.envp, other_env, sizeof(other_env)); break;
		case 3: rs.cwd = "/tmp"; break;
		case 4: rs.uid = 1000; break;
		case 5: rs.gid = 1000; break;
		case 6: rs.timeout_s = 3; break;
		case 7: rs.max_output_bytes = 100000; break;
		case 8: rs.max_procs = 32; break;
		/* the trees' paths move with the pin: only the run spec differs */
		case 9: rs.agent_path = a->path = "/opt/other"; break;
		case 10: rs.harness_path = h->path = "/opt/other"; break;
		}
		cb_wr_init(&w, manifest->runspec, sizeof(manifest->runspec));
		runspec_encode(&rs, &w);
		REQUIRE(cb_wr_finish(&w, &manifest->runspec_len) == 0);
		judge_exact(rows[i].what, rows[i].r, rows[i].detail);
		a->path = ta;
		h->path = th;
	}
	memcpy(manifest->runspec, saved, saved_len);
	manifest->runspec_len = saved_len;
	manifest->has_runspec = false;
	judge_exact("manifest without a pinned run spec", HV_MANIFEST_INCOMPLETE, "no run spec pinned");
	manifest->has_runspec = true;
	judge("pin restored: honest run A", &honest_a, &pins, EXIT_PASSED, HV_OK);
}

/* The chain breaks, so the quoted head is not the records' head: every
 * flip is refused for the chain, the chain-head event and the quote's
 * extraData, and for what the flipped record itself carried (extra). */
static void flip_record(const char *what, uint32_t kind, enum hv_reason extra)
{
	size_t i;
	uint8_t *p;

	struct record rec;
	uint8_t *prev;

	forge_from(&honest_a);
	i = find_kind(&F.b, kind);
	p = store(F.recs[i].p, F.recs[i].n);
	REQUIRE(record_decode(p, F.recs[i].n, &rec) == 0);
	if (kind == REC_STDOUT || kind == REC_TEST || kind == REC_CHECKPOINT) {
		/* last byte: inside text or bytes, still decodes; the next
		 * record's prev no longer matches */
		p[F.recs[i].n - 1] ^= 0x01;
		F.recs[i].p = p;
		if (extra != HV_OK)
			JUDGE_SET(what, &F.b, &pins, EXIT_REJECTED, HV_RECORD_CHAIN, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE,
				  extra);
		else
			JUDGE_SET(what, &F.b, &pins, EXIT_REJECTED, HV_RECORD_CHAIN, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);
		return;
	}
	/* a byte of the record's own prev: refused at that very record */
	prev = memmem(p, F.recs[i].n, rec.prev, 32);
	REQUIRE(prev);
	prev[7] ^= 0x01;
	F.recs[i].p = p;
	JUDGE_SET(what, &F.b, &pins, EXIT_REJECTED, HV_RECORD_CHAIN, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);
}

static void test_record_flips(void)
{
	flip_record("flipped byte in a phase record", REC_PHASE, HV_OK);
	flip_record("flipped byte in a stdout record", REC_STDOUT, HV_OK);
	flip_record("flipped byte in a test record", REC_TEST, HV_OK); /* the chain breaks there: what follows is not read */
	flip_record("flipped byte in a checkpoint record", REC_CHECKPOINT, HV_CHECKPOINT_SIGNATURE);
	flip_record("flipped byte in the exit record", REC_EXIT, HV_OK);
	flip_record("flipped byte in the end record", REC_END, HV_OK);
}

static void test_record_order(void)
{
	size_t n = honest_a.nrecords;

	forge_from(&honest_a);
	memmove(&F.recs[3], &F.recs[4], (n - 4) * sizeof(F.recs[0]));
	F.b.nrecords = n - 1;
	JUDGE_SET("dropped record", &F.b, &pins, EXIT_REJECTED, HV_RECORD_SEQUENCE, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);

	forge_from(&honest_a);
	memmove(&F.recs[4], &F.recs[3], (n - 3) * sizeof(F.recs[0]));
	F.b.nrecords = n + 1;
	JUDGE_SET("duplicated record", &F.b, &pins, EXIT_REJECTED, HV_RECORD_SEQUENCE, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);

	forge_from(&honest_a);
	F.recs[3] = honest_a.records[4];
	F.recs[4] = honest_a.records[3];
	JUDGE_SET("reordered records", &F.b, &pins, EXIT_REJECTED, HV_RECORD_SEQUENCE, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);

	forge_from(&honest_a);
	F.recs[n] = honest_a.records[2];
	F.b.nrecords = n + 1;
	judge("record appended after the end", &F.b, &pins, EXIT_REJECTED, HV_RECORD_AFTER_END);

	forge_from(&honest_a);
	F.b.nrecords = n - 3;
	JUDGE_SET("truncated stream, quote kept", &F.b, &pins, EXIT_REJECTED, HV_RECORDS_INCOMPLETE, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);

	forge_from(&honest_a);
	F.b.nrecords = n - 3;
	F.b.has_quote = false;
	snprintf(F.b.incomplete, sizeof(F.b.incomplete), "VM died");
	JUDGE_SET("stream cut before the quote", &F.b, &pins, EXIT_INCOMPLETE, HV_RECORDS_INCOMPLETE, HV_QUOTE_MISSING);

	/* an honest run cut before activation: incomplete, not rejected;
	 * the same bundle with its quote kept is a contradiction */
	forge_from(&honest_a);
	F.b.nrecords = 2;
	F.b.has_quote = false;
	F.b.has_activation = false;
	snprintf(F.b.incomplete, sizeof(F.b.incomplete), "VM died");
	JUDGE_SET("run cut before AK activation", &F.b, &pins, EXIT_INCOMPLETE, HV_ACTIVATION_MISSING,
		  HV_RECORDS_INCOMPLETE, HV_QUOTE_MISSING);
	F.b.has_quote = true;
	F.b.incomplete[0] = 0;
	JUDGE_SET("activation missing, quote kept", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_RECORDS_INCOMPLETE, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE, HV_QUOTE_SIGNATURE);

	forge_from(&honest_a);
	F.recs[0] = honest_b.records[0];
	JUDGE_SET("record from another session", &F.b, &pins, EXIT_REJECTED, HV_RECORD_CHAIN, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);
}

/* A checkpoint re-signed by a key that is not the AK, chain resealed. */
static void test_checkpoint_other_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	size_t i;
	uint8_t sigm[sizeof(TPMT_SIGNATURE)], buf[1024];
	uint8_t msg[CHECKPOINT_MSG_BYTES];
	struct record rec;
	struct cb_wr w;

	REQUIRE(k);
	forge_from(&honest_a);
	i = find_kind(&F.b, REC_CHECKPOINT);
	REQUIRE(record_decode(F.recs[i].p, F.recs[i].n, &rec) == 0);
	record_checkpoint_message(rec.prev, msg);
	rec.u.checkpoint.sig = sigm;
	rec.u.checkpoint.sig_len = t_tpm_sign(k, msg, sizeof(msg), sigm, sizeof(sigm));
	cb_wr_init(&w, buf, sizeof(buf));
	record_encode(&rec, &w);
	REQUIRE(w.err == 0);
	F.recs[i] = (struct bytes){ store(buf, w.len), w.len };
	reseal_from(i + 1);
	JUDGE_SET("checkpoint signed by another key", &F.b, &pins, EXIT_REJECTED, HV_CHECKPOINT_SIGNATURE, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE);
	EVP_PKEY_free(k);
}

static void test_keys(void)
{
	struct hv_pins other = pins;

	other.ek.publicArea.unique.rsa.buffer[10] ^= 1;
	judge("another EK", &honest_a, &other, EXIT_REJECTED, HV_EK_NOT_PINNED);

	other = pins;
	other.verifier_pub[0] ^= 1;
	JUDGE_SET("activation signed by another verifier", &honest_a, &other, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);

	forge_from(&honest_a);
	F.b.has_activation = false;
	JUDGE_SET("AK never activated", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);

	forge_from(&honest_a);
	F.b.ak = honest_b.ak;
	JUDGE_SET("another AK (from another session)", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNER, HV_QUOTE_SIGNATURE);

	/* the AK's attributes without restricted: its name changes too */
	TPM2B_PUBLIC ak = { 0 };
	uint8_t m[sizeof(ak)];
	size_t off = 0;

	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(honest_a.ak.p, honest_a.ak.n, &off, &ak) == 0);
	ak.publicArea.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
	off = 0;
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Marshal(&ak, m, sizeof(m), &off) == 0);
	forge_from(&honest_a);
	F.b.ak = (struct bytes){ store(m, off), off };
	JUDGE_SET("AK without the restricted attribute", &F.b, &pins, EXIT_REJECTED, HV_AK_ATTRIBUTES, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNER, HV_QUOTE_SIGNATURE);
}

/* What the activation transcript binds besides the nonce and the AK: the
 * EK the credential was made for, the TPM mode and the platform log. Each
 * edited after signing is refused by the transcript alone (without it,
 * the reason sets below lose ak-not-activated). */
static void test_activation_binding(void)
{
	struct hv_pins other = pins;
	TPM2B_PUBLIC ek = { 0 };
	uint8_t m[sizeof(ek)];
	size_t off = 0;

	forge_from(&honest_a);
	F.b.tpm_device = !F.b.tpm_device;
	JUDGE_SET("TPM mode edited after signing", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED,
		  HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);

	/* another EK in the bundle, and pinned: only the transcript knows
	 * that the credential was made for the recorded one */
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(honest_a.ek.p, honest_a.ek.n, &off, &ek) == 0);
	ek.publicArea.unique.rsa.buffer[10] ^= 1;
	off = 0;
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Marshal(&ek, m, sizeof(m), &off) == 0);
	other.ek = ek;
	forge_from(&honest_a);
	F.b.ek = (struct bytes){ store(m, off), off };
	JUDGE_SET("EK edited after signing (and pinned)", &F.b, &other, EXIT_REJECTED,
		  HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);
	forge_from(&honest_a);
	F.b.ek = (struct bytes){ store(m, off), off };
	JUDGE_SET("EK edited after signing", &F.b, &pins, EXIT_REJECTED, HV_EK_NOT_PINNED,
		  HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);

	/* the platform log with the kernel event's digest changed, and the
	 * manifest pinning that kernel: replay fails, the pin holds, and the
	 * transcript says the log is not the one the verifier saw */
	static struct evlog log;
	static uint8_t lb[16 * 1024];
	struct cb_wr w;

	REQUIRE(evlog_decode(honest_a.platform_log.p, honest_a.platform_log.n, &log) == 0);
	log.ev[0].digest[0] ^= 1;
	cb_wr_init(&w, lb, sizeof(lb));
	evlog_encode(&log, &w);
	REQUIRE(w.err == 0);
	forge_from(&honest_a);
	F.b.platform_log = (struct bytes){ lb, w.len };
	manifest->kernel_digest[0] ^= 1;
	JUDGE_SET("platform log edited after signing", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED,
		  HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE, HV_PCR_REPLAY);
	manifest->kernel_digest[0] ^= 1;
}

/* Rewrites the quote message with a changed TPMS_ATTEST, signature kept. */
static void forge_attest(void (*edit)(TPMS_ATTEST *))
{
	struct blob q[ATTEST_MAX_FIELDS];
	TPMS_ATTEST at = { 0 };
	uint8_t am[sizeof(at)], buf[64 * 1024];
	size_t off = 0;
	struct cb_wr w;

	REQUIRE(attest_decode(MSG_QUOTE, honest_a.quote.p, honest_a.quote.n, q) == 0);
	REQUIRE(Tss2_MU_TPMS_ATTEST_Unmarshal(q[0].p, q[0].n, &off, &at) == 0);
	edit(&at);
	off = 0;
	REQUIRE(Tss2_MU_TPMS_ATTEST_Marshal(&at, am, sizeof(am), &off) == 0);
	q[0] = (struct blob){ am, off };
	cb_wr_init(&w, buf, sizeof(buf));
	attest_encode(MSG_QUOTE, q, &w);
	REQUIRE(w.err == 0);
	forge_from(&honest_a);
	F.b.quote = (struct bytes){ store(buf, w.len), w.len };
}

static void edit_selection(TPMS_ATTEST *a) { a->attested.quote.pcrSelect.pcrSelections[0].pcrSelect[1] ^= 0x04; }
static void edit_magic(TPMS_ATTEST *a) { a->magic ^= 1; }
static void edit_type(TPMS_ATTEST *a) { a->type = TPM2_ST_ATTEST_CERTIFY; }
static void edit_nonce(TPMS_ATTEST *a) { a->extraData.buffer[0] ^= 1; }
static void edit_bank(TPMS_ATTEST *a) { a->attested.quote.pcrSelect.pcrSelections[0].hash = TPM2_ALG_SHA1; }

/* Inserts, before the exit record, one stdout record and one test record
 * per test point (num, ok, desc), resealing the chain after them. */
static size_t insert_points(size_t npoints, uint64_t first, size_t bad_at)
{
	size_t at = find_kind(&F.b, REC_EXIT), tail = F.b.nrecords - at;
	struct record tmpl_out, tmpl_test;
	struct bytes rest[64];

	REQUIRE(tail <= 64 && F.b.nrecords + 2 * npoints <= 16384);
	REQUIRE(record_decode(F.recs[find_kind(&F.b, REC_STDOUT)].p, F.recs[find_kind(&F.b, REC_STDOUT)].n,
			      &tmpl_out) == 0);
	REQUIRE(record_decode(F.recs[find_kind(&F.b, REC_TEST)].p, F.recs[find_kind(&F.b, REC_TEST)].n,
			      &tmpl_test) == 0);
	memcpy(rest, F.recs + at, tail * sizeof(rest[0]));
	for (size_t i = 0; i < npoints; i++) {
		char line[64];
		uint64_t num = first + i;
		bool ok = i != bad_at;
		int k = snprintf(line, sizeof(line), "%sok %llu - t\n", ok ? "" : "not ", (unsigned long long)num);
		struct record o = tmpl_out, t = tmpl_test;

		o.u.chunk.p = store(line, (size_t)k);
		o.u.chunk.n = (size_t)k;
		t.u.test.num = num;
		t.u.test.ok = ok;
		t.u.test.directive = DIRECTIVE_NONE;
		t.u.test.desc = (const uint8_t *)"t";
		t.u.test.desc_len = 1;
		t.u.test.reason_len = 0;
		for (int j = 0; j < 2; j++) {
			uint8_t buf[1024];
			struct cb_wr w;

			cb_wr_init(&w, buf, sizeof(buf));
			record_encode(j ? &t : &o, &w);
			REQUIRE(w.err == 0);
			F.recs[at + 2 * i + j] = (struct bytes){ store(buf, w.len), w.len };
		}
	}
	memcpy(F.recs + at + 2 * npoints, rest, tail * sizeof(rest[0]));
	F.b.nrecords += 2 * npoints;
	reseal_from(at);
	return at;
}

/* No cap on test points: counting goes on past 4096 (the attack was a
 * "not ok 4097" after 4095 passes, once uncounted), and an honest suite
 * of that size has no tests-mismatch. The chain is resealed, so the
 * quote and the checkpoints no longer cover it: the reason set is the
 * evidence's, never tests-mismatch. */
static void test_many_points(void)
{
	struct hv_verdict v;
	uint64_t first;

	forge_from(&honest_a);
	{
		struct hv_verdict h;

		REQUIRE(hv_verify(&honest_a, &pins, &h) == 0);
		first = h.ntests + 1;
		hv_verdict_free(&h);
	}
	insert_points(5000, first, 4999);
	REQUIRE(hv_verify(&F.b, &pins, &v) == 0);
	t_report(v.ntests == first - 1 + 5000 && v.failed == 1 && !has_reason(&v, HV_TESTS_MISMATCH),
		 "5000 more test points counted: %zu tests, %llu failed", v.ntests,
		 (unsigned long long)v.failed);
	hv_verdict_free(&v);
}

/* A test record whose description is not its TAP line's. */
static void test_desc_mismatch(void)
{
	struct hv_verdict v, w;
	size_t i;
	struct record rec;
	uint8_t buf[MAX_RECORD_BYTES];
	struct cb_wr cw;

	forge_from(&honest_a);
	i = find_kind(&F.b, REC_TEST);
	REQUIRE(record_decode(F.recs[i].p, F.recs[i].n, &rec) == 0);
	REQUIRE(rec.u.test.desc_len > 0);
	rec.u.test.desc = (const uint8_t *)"renamed by the agent";
	rec.u.test.desc_len = strlen("renamed by the agent");
	cb_wr_init(&cw, buf, sizeof(buf));
	record_encode(&rec, &cw);
	REQUIRE(cw.err == 0);
	F.recs[i] = (struct bytes){ store(buf, cw.len), cw.len };
	reseal_from(i);
	REQUIRE(hv_verify(&F.b, &pins, &v) == 0);
	/* the same record changed elsewhere (its time), resealed the same
	 * way: the difference is exactly tests-mismatch */
	forge_from(&honest_a);
	REQUIRE(record_decode(F.recs[i].p, F.recs[i].n, &rec) == 0);
	rec.time_ns++;
	cb_wr_init(&cw, buf, sizeof(buf));
	record_encode(&rec, &cw);
	REQUIRE(cw.err == 0);
	F.recs[i] = (struct bytes){ store(buf, cw.len), cw.len };
	reseal_from(i);
	REQUIRE(hv_verify(&F.b, &pins, &w) == 0);
	t_report(has_reason(&v, HV_TESTS_MISMATCH) && !has_reason(&w, HV_TESTS_MISMATCH) &&
		 v.nreasons == w.nreasons + 1, "test description not its TAP line's: tests-mismatch");
	hv_verdict_free(&v);
	hv_verdict_free(&w);
}

static void edit_signer(TPMS_ATTEST *a) { a->qualifiedSigner.name[5] ^= 1; }

/* What the caller may demand on top of the evidence. */
static void test_demands(void)
{
	struct hv_pins p = pins;

	p.has_nonce = true;
	memcpy(p.nonce, honest_a.nonce, 32);
	judge("the demanded nonce", &honest_a, &p, EXIT_PASSED, HV_OK);
	memcpy(p.nonce, honest_b.nonce, 32);
	JUDGE_SET("an old passing bundle for a new nonce", &honest_a, &p, EXIT_REJECTED,
		  HV_NONCE_MISMATCH);
	p = pins;
	p.require_agent_boundary = true;
	JUDGE_SET("agent boundary demanded, run spec without agent_user", &honest_a, &p, EXIT_REJECTED,
		  HV_AGENT_BOUNDARY_OFF);
}

static void test_quote(void)
{
	forge_attest(edit_signer);
	JUDGE_SET("qualifiedSigner of another key", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_SIGNER,
		  HV_QUOTE_SIGNATURE);

	forge_from(&honest_a);
	F.b.quote = honest_b.quote;
	JUDGE_SET("quote from another session", &F.b, &pins, EXIT_REJECTED, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE, HV_QUOTE_SIGNER, HV_QUOTE_SIGNATURE);

	forge_from(&honest_a);
	memcpy(F.b.nonce, honest_b.nonce, 32);
	JUDGE_SET("replayed with another session's nonce", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_RECORD_CHAIN, HV_PIN_CHAIN_HEAD, HV_QUOTE_NONCE, HV_QUOTE_SIGNATURE);

	forge_attest(edit_selection);
	JUDGE_SET("another PCR selection", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_PCR_SELECTION, HV_QUOTE_SIGNATURE);
	forge_attest(edit_magic);
	JUDGE_SET("quote magic changed", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_MAGIC, HV_QUOTE_SIGNATURE);
	forge_attest(edit_type);
	JUDGE_SET("attestation of another type", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_TYPE, HV_QUOTE_SIGNATURE);
	forge_attest(edit_nonce);
	JUDGE_SET("extraData changed", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_NONCE, HV_QUOTE_SIGNATURE);

	forge_from(&honest_a);
	F.b.has_quote = false;
	judge("quote missing", &F.b, &pins, EXIT_INCOMPLETE, HV_QUOTE_MISSING);
}

/* Rewrites the guest event log inside src's quote message. */
static void forge_glog_of(const struct bundle *src, void (*edit)(struct evlog *))
{
	static struct evlog log;
	struct blob q[ATTEST_MAX_FIELDS];
	uint8_t lb[32 * 1024], buf[64 * 1024];
	struct cb_wr w;

	REQUIRE(attest_decode(MSG_QUOTE, src->quote.p, src->quote.n, q) == 0);
	REQUIRE(evlog_decode(q[2].p, q[2].n, &log) == 0);
	edit(&log);
	cb_wr_init(&w, lb, sizeof(lb));
	evlog_encode(&log, &w);
	REQUIRE(w.err == 0);
	q[2] = (struct blob){ lb, w.len };
	cb_wr_init(&w, buf, sizeof(buf));
	attest_encode(MSG_QUOTE, q, &w);
	REQUIRE(w.err == 0);
	forge_from(src);
	F.b.quote = (struct bytes){ store(buf, w.len), w.len };
}

static void forge_glog(void (*edit)(struct evlog *))
{
	forge_glog_of(&honest_a, edit);
}

static void edit_type_changed(struct evlog *l) { l->ev[1].type = EV_IPL; }
static void edit_digest(struct evlog *l) { l->ev[3].digest[0] ^= 1; }
static void edit_drop(struct evlog *l)
{
	/* the quoted PCR 12 then holds an extend the log does not show */
	memmove(&l->ev[2], &l->ev[3], (l->n - 3) * sizeof(l->ev[0]));
	l->n--;
	for (size_t i = 0; i < l->n; i++)
		l->ev[i].recnum = (uint32_t)i;
}
static void edit_swap_tags(struct evlog *l)
{
	struct evlog_event t = l->ev[1];

	memcpy(l->ev[1].digest, l->ev[2].digest, 32);
	memcpy(l->ev[2].digest, t.digest, 32);
}

static void test_event_logs(void)
{
	forge_glog(edit_type_changed);
	judge("event whose type was changed", &F.b, &pins, EXIT_REJECTED, HV_EVENT_UNEXPECTED);
	forge_glog(edit_digest);
	JUDGE_SET("event log that does not replay", &F.b, &pins, EXIT_REJECTED, HV_PIN_SEPARATOR, HV_PCR_REPLAY);
	forge_glog(edit_drop);
	JUDGE_SET("extra PCR extend not in the log", &F.b, &pins, EXIT_REJECTED, HV_EVENT_UNEXPECTED, HV_PCR_REPLAY);
	forge_glog(edit_swap_tags);
	JUDGE_SET("agent and harness digests swapped", &F.b, &pins, EXIT_REJECTED, HV_PIN_AGENT, HV_PIN_HARNESS, HV_PCR_REPLAY);

	forge_from(&honest_a);
	F.b.platform_log = honest_a.runspec;
	JUDGE_SET("platform log that does not decode", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_EVENT_LOG_MALFORMED, HV_PCR_REPLAY, HV_QUOTE_SIGNATURE);
}

/*
 * ---- evidence resealed with software keys ----
 *
 * The verdict rules (failed points, bail-out, unfilled plan, harness exit,
 * limits, root corruption) and the checks behind the quote need evidence
 * that is genuine in every other respect. Honest run A's records are
 * decoded, edited, and sealed again as a TPM would have: a software P-256
 * key stands in for the AK (the AK's public area with its point), it signs
 * the checkpoints and a quote over the replayed PCRs and the new chain
 * head, and a software Ed25519 verifier key signs the activation
 * transcript. Only the keys change: the manifest, EK, nonce, run spec and
 * platform log stay the recorded ones, so each case below differs from an
 * accepted bundle by its edit alone, and asserts the exact reasons.
 */
static EVP_PKEY *soft_ak;
static uint8_t soft_vsec[crypto_sign_SECRETKEYBYTES];
static struct hv_pins soft_pins;
static struct record R[256];
static size_t NR;
static struct bytes soft_runspec; /* when set, the run spec measured instead of A's */
static struct bytes soft_plog;    /* when set, the platform log instead of A's */

static void soft_init(void)
{
	REQUIRE(sodium_init() >= 0 && (soft_ak = EVP_EC_gen("P-256")));
	soft_pins = pins;
	crypto_sign_keypair(soft_pins.verifier_pub, soft_vsec);
}

/* Records of honest A, decoded (their bytes stay in raw_a). */
static void recs_load(void)
{
	REQUIRE(honest_a.nrecords <= 256);
	NR = honest_a.nrecords;
	for (size_t i = 0; i < NR; i++)
		REQUIRE(record_decode(honest_a.records[i].p, honest_a.records[i].n, &R[i]) == 0);
}

static size_t recs_find(uint32_t kind, size_t from)
{
	for (size_t i = from; i < NR; i++)
		if (R[i].kind == kind)
			return i;
	REQUIRE(!"record kind not in the honest evidence");
	return 0;
}

/* The stdout record of a line, e.g. "ok 3 - multiplies\n". */
static size_t recs_find_line(const char *line)
{
	for (size_t i = 0; i < NR; i++)
		if (R[i].kind == REC_STDOUT && R[i].u.chunk.n == strlen(line) &&
		    memcmp(R[i].u.chunk.p, line, R[i].u.chunk.n) == 0)
			return i;
	REQUIRE(!"line not in the honest stdout");
	return 0;
}

static void recs_insert(size_t at, struct record r)
{
	REQUIRE(NR < 256 && at <= NR);
	memmove(&R[at + 1], &R[at], (NR - at) * sizeof(R[0]));
	R[at] = r;
	NR++;
}

static void recs_delete(size_t at)
{
	REQUIRE(at < NR);
	memmove(&R[at], &R[at + 1], (NR - at - 1) * sizeof(R[0]));
	NR--;
}

static void set_stdout(size_t i, const char *line)
{
	R[i].u.chunk.p = (const uint8_t *)line;
	R[i].u.chunk.n = strlen(line);
}

static struct record stdout_rec(const char *line)
{
	struct record r = R[recs_find(REC_STDOUT, 0)];

	r.u.chunk.p = (const uint8_t *)line;
	r.u.chunk.n = strlen(line);
	return r;
}

static void soft_sign(const uint8_t *msg, size_t n, TPMT_SIGNATURE *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	size_t dl = sizeof(der);
	const unsigned char *dp = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	REQUIRE(md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, soft_ak) == 1 &&
		EVP_DigestSign(md, der, &dl, msg, n) == 1);
	REQUIRE((es = d2i_ECDSA_SIG(NULL, &dp, (long)dl)));
	ECDSA_SIG_get0(es, &r, &s);
	memset(sig, 0, sizeof(*sig));
	sig->sigAlg = TPM2_ALG_ECDSA;
	sig->signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig->signature.ecdsa.signatureR.size = (UINT16)BN_bn2binpad(r, sig->signature.ecdsa.signatureR.buffer, 32);
	sig->signature.ecdsa.signatureS.size = (UINT16)BN_bn2binpad(s, sig->signature.ecdsa.signatureS.buffer, 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
}

enum { SOFT_POINT_OFF_CURVE = 1 };

/* F := honest A with the records R, sealed and signed with the software
 * keys; glog_edit (if any) changes the guest log after the chain head is
 * in it and before the PCRs are replayed for the quote. */
static void soft_seal(void (*glog_edit)(struct evlog *), unsigned flags)
{
	static struct evlog plog, glog;
	TPM2B_PUBLIC ak = { 0 }, ek = { 0 };
	TPM2B_NAME akn, ekn;
	TPMS_ATTEST at = { 0 };
	TPMT_SIGNATURE sig;
	struct blob q[ATTEST_MAX_FIELDS];
	struct chain c;
	struct pcr_bank bank;
	BIGNUM *x = NULL, *y = NULL;
	uint8_t buf[64 * 1024], am[sizeof(TPMS_ATTEST)], sm[sizeof(TPMT_SIGNATURE)], qb[64 * 1024];
	uint8_t lb[32 * 1024], msg[ACTIVATION_MSG_MAX_BYTES], qn[4 + sizeof(akn.name)];
	size_t off = 0, n;
	struct cb_wr w;

	forge_from(&honest_a);
	if (soft_runspec.n)
		F.b.runspec = soft_runspec;
	if (soft_plog.n)
		F.b.platform_log = soft_plog;
	/* the AK: the recorded public area with the software key's point */
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(honest_a.ak.p, honest_a.ak.n, &off, &ak) == 0);
	REQUIRE(EVP_PKEY_get_bn_param(soft_ak, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
		EVP_PKEY_get_bn_param(soft_ak, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
	REQUIRE(BN_bn2binpad(x, ak.publicArea.unique.ecc.x.buffer, 32) == 32 &&
		BN_bn2binpad(y, ak.publicArea.unique.ecc.y.buffer, 32) == 32);
	BN_free(x);
	BN_free(y);
	if (flags & SOFT_POINT_OFF_CURVE)
		ak.publicArea.unique.ecc.y.buffer[31] ^= 1;
	off = 0;
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Marshal(&ak, buf, sizeof(buf), &off) == 0);
	F.b.ak = (struct bytes){ store(buf, off), off };
	REQUIRE(tpmkey_name(&ak, &akn) == 0);
	F.b.ak_name = (struct bytes){ store(akn.name, akn.size), akn.size };
	F.b.has_ak = F.b.has_activation = true;

	/* the records, checkpoints signed again */
	REQUIRE(chain_init(&c, F.b.nonce) == 0);
	for (size_t i = 0; i < NR; i++) {
		struct record r = R[i];
		uint8_t cm[CHECKPOINT_MSG_BYTES];

		if (r.kind == REC_CHECKPOINT) {
			record_checkpoint_message(c.head, cm);
			soft_sign(cm, sizeof(cm), &sig);
			off = 0;
			REQUIRE(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, sm, sizeof(sm), &off) == 0);
			r.u.checkpoint.sig = store(sm, off);
			r.u.checkpoint.sig_len = off;
		}
		cb_wr_init(&w, buf, sizeof(buf));
		REQUIRE(chain_seal(&c, &r, &w) == 0);
		F.recs[i] = (struct bytes){ store(buf, w.len), w.len };
	}
	F.b.nrecords = NR;

	/* the guest log ends with the new chain head */
	REQUIRE(attest_decode(MSG_QUOTE, honest_a.quote.p, honest_a.quote.n, q) == 0);
	REQUIRE(evlog_decode(q[2].p, q[2].n, &glog) == 0);
	REQUIRE(glog.n == 5 && memcmp(glog.ev[4].data, "vouch.chain-head", 16) == 0);
	memcpy(glog.ev[4].digest, c.head, 32);
	REQUIRE(sha256_buf(F.b.runspec.p, F.b.runspec.n, glog.ev[0].digest) == 0);
	if (glog_edit)
		glog_edit(&glog);
	cb_wr_init(&w, lb, sizeof(lb));
	evlog_encode(&glog, &w);
	REQUIRE(w.err == 0);
	q[2] = (struct blob){ store(lb, w.len), w.len };

	/* the quote: this nonce and head, this signer, the replayed PCRs */
	off = 0;
	REQUIRE(Tss2_MU_TPMS_ATTEST_Unmarshal(q[0].p, q[0].n, &off, &at) == 0);
	REQUIRE(sha256_cat(F.b.nonce, 32, c.head, 32, at.extraData.buffer) == 0);
	at.extraData.size = 32;
	qn[0] = 0x40, qn[1] = 0, qn[2] = 0, qn[3] = 0x0b; /* TPM_RH_ENDORSEMENT */
	memcpy(qn + 4, akn.name, akn.size);
	at.qualifiedSigner.size = 34;
	at.qualifiedSigner.name[0] = 0x00, at.qualifiedSigner.name[1] = 0x0b;
	REQUIRE(sha256_buf(qn, 4 + akn.size, at.qualifiedSigner.name + 2) == 0);
	REQUIRE(evlog_decode(F.b.platform_log.p, F.b.platform_log.n, &plog) == 0);
	pcr_bank_init(&bank);
	REQUIRE(evlog_replay(&plog, &bank) == 0 && evlog_replay(&glog, &bank) == 0 &&
		pcr_composite(&bank, PCR_VOUCH_MASK, at.attested.quote.pcrDigest.buffer) == 0);
	at.attested.quote.pcrDigest.size = 32;
	off = 0;
	REQUIRE(Tss2_MU_TPMS_ATTEST_Marshal(&at, am, sizeof(am), &off) == 0);
	q[0] = (struct blob){ store(am, off), off };
	soft_sign(q[0].p, q[0].n, &sig);
	off = 0;
	REQUIRE(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, sm, sizeof(sm), &off) == 0);
	q[1] = (struct blob){ store(sm, off), off };
	cb_wr_init(&w, qb, sizeof(qb));
	attest_encode(MSG_QUOTE, q, &w);
	REQUIRE(w.err == 0);
	F.b.quote = (struct bytes){ store(qb, w.len), w.len };
	F.b.has_quote = true;

	/* the transcript, signed by the software verifier key */
	off = 0;
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(F.b.ek.p, F.b.ek.n, &off, &ek) == 0 && tpmkey_name(&ek, &ekn) == 0);
	n = bundle_activation_message(&F.b, akn.name, akn.size, ekn.name, ekn.size, msg, sizeof(msg));
	REQUIRE(n > 0 && crypto_sign_detached(F.b.activation_sig, NULL, msg, n, soft_vsec) == 0);
}

/* A verdict with no reason at all: attested, and the exit code alone. */
static void judge_soft(const char *what, enum exit_code want_exit, uint64_t want_failed)
{
	struct hv_verdict v;
	int ok;

	REQUIRE(hv_verify(&F.b, &soft_pins, &v) == 0);
	ok = v.exit == want_exit && v.nreasons == 0 && v.attested && v.failed == want_failed;
	for (size_t i = 0; i < v.nreasons; i++)
		printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	t_report(ok, "%s: exit %d, attested, %llu failed", what, v.exit, (unsigned long long)v.failed);
	hv_verdict_free(&v);
}

/* Each rule that fails the tests of an attested run, alone. */
static void test_verdict_rules(void)
{
	struct record r;
	size_t i;

	recs_load();
	soft_seal(NULL, 0);
	judge_soft("resealed with software keys: passed", EXIT_PASSED, 0);
	JUDGE_SET("resealed, recorded verifier key: not activated", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);

	recs_load();
	set_stdout(recs_find_line("ok 3 - multiplies\n"), "not ok 3 - multiplies\n");
	i = recs_find_line("not ok 3 - multiplies\n") + 1;
	REQUIRE(R[i].kind == REC_TEST);
	R[i].u.test.ok = false;
	soft_seal(NULL, 0);
	judge_soft("one \"not ok\", harness exit 0", EXIT_TESTS_FAILED, 1);

	recs_load();
	recs_insert(recs_find_line("ok 5 - refuses division by zero\n") + 2, stdout_rec("Bail out! no more\n"));
	soft_seal(NULL, 0);
	judge_soft("\"Bail out!\" after every planned point passed, exit 0", EXIT_TESTS_FAILED, 0);

	recs_load();
	i = recs_find_line("ok 5 - refuses division by zero\n");
	recs_delete(i);
	recs_delete(i); /* its test record */
	soft_seal(NULL, 0);
	judge_soft("plan 1..5, four points passed, exit 0", EXIT_TESTS_FAILED, 0);

	recs_load();
	R[recs_find(REC_EXIT, 0)].u.exit.code = 3;
	soft_seal(NULL, 0);
	judge_soft("every point passed, harness exit 3", EXIT_TESTS_FAILED, 0);

	recs_load();
	R[recs_find(REC_EXIT, 0)].u.exit.signal = 9;
	soft_seal(NULL, 0);
	judge_soft("every point passed, harness killed by signal 9", EXIT_TESTS_FAILED, 0);

	recs_load();
	r = R[recs_find(REC_EXIT, 0)];
	r.kind = REC_LIMIT;
	r.u.limit.what = LIMIT_OUTPUT;
	r.u.limit.value = 1;
	recs_insert(recs_find(REC_EXIT, 0), r);
	soft_seal(NULL, 0);
	judge_soft("every point passed, then a limit record", EXIT_TESTS_FAILED, 0);

	recs_load();
	R[recs_find(REC_END, 0)].u.end.reason = END_CUT;
	soft_seal(NULL, 0);
	judge_soft("every point passed, end record says cut", EXIT_TESTS_FAILED, 0);

	recs_load();
	R[recs_find(REC_END, 0)].u.end.reason = END_FATAL;
	soft_seal(NULL, 0);
	judge_soft("every point passed, end record says fatal", EXIT_TESTS_FAILED, 0);

	recs_load();
	r = R[recs_find(REC_PHASE, 0)];
	r.u.phase.phase = PHASE_ROOT_CORRUPT;
	recs_insert(recs_find(REC_END, 0) - 1, r);
	soft_seal(NULL, 0);
	JUDGE_SET("root-corrupt phase record", &F.b, &soft_pins, EXIT_REJECTED, HV_PIN_ROOTFS);
}

/*
 * The AK's activation runs while the harness does: guest-init creates the
 * AK, extends the separator, starts the harness, and activates when the
 * credential arrives; no checkpoint is signed before that, so the first
 * one covers the harness's first records. Honest A's records in that
 * order pass; the same run whose activation failed after the harness
 * started (every test point already "ok") is incomplete, its tests never
 * read; and with the activation gone but a quote kept, it is rejected.
 */
static void test_activation_during_harness(void)
{
	struct hv_verdict v;
	struct record act;
	size_t a, cp, oks = 0;

	recs_load();
	a = recs_find(REC_PHASE, 0);
	while (R[a].kind != REC_PHASE || R[a].u.phase.phase != PHASE_ACTIVATED)
		a = recs_find(REC_PHASE, a + 1);
	act = R[a];
	recs_delete(a);
	cp = recs_find(REC_CHECKPOINT, 0);
	REQUIRE(R[recs_find(REC_PHASE, a)].u.phase.phase == PHASE_HARNESS_START && recs_find(REC_TEST, 0) < cp);
	recs_insert(cp, act); /* activated after the harness's output, then the first checkpoint */
	soft_seal(NULL, 0);
	judge_soft("activated while the harness ran, first checkpoint after it: passed", EXIT_PASSED, 0);

	F.b.has_activation = false;
	JUDGE_SET("activated while the harness ran, transcript dropped, quote kept", &F.b, &soft_pins,
		  EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);

	/* what the launcher keeps when the TPM refused the credential after
	 * the harness started: the records up to then, none signed */
	F.b.nrecords = cp;
	F.b.has_quote = false;
	snprintf(F.b.incomplete, sizeof(F.b.incomplete),
		 "activating the AK: activating the credential (TPM: tpm:parameter(2):integrity check failed)");
	JUDGE_SET("activation failed after the harness started", &F.b, &soft_pins, EXIT_INCOMPLETE,
		  HV_ACTIVATION_MISSING, HV_RECORDS_INCOMPLETE, HV_QUOTE_MISSING);
	for (size_t i = 0; i < cp; i++)
		oks += R[i].kind == REC_TEST && R[i].u.test.ok;
	REQUIRE(oks > 0 && hv_verify(&F.b, &soft_pins, &v) == 0);
	t_report(v.ntests == 0 && v.passed == 0 && !v.attested,
		 "activation failed after the harness started: its %zu \"ok\" records are not tests", oks);
	hv_verdict_free(&v);

	/* the same with the harness's records complete to the end record */
	recs_load();
	recs_delete(a);
	recs_delete(recs_find(REC_CHECKPOINT, 0));
	soft_seal(NULL, 0);
	F.b.has_activation = false;
	F.b.has_quote = false;
	snprintf(F.b.incomplete, sizeof(F.b.incomplete), "activating the AK: the credential never came");
	JUDGE_SET("activation never came, records to the end", &F.b, &soft_pins, EXIT_INCOMPLETE,
		  HV_ACTIVATION_MISSING, HV_QUOTE_MISSING);
	REQUIRE(hv_verify(&F.b, &soft_pins, &v) == 0);
	t_report(v.ntests == 0 && !v.attested, "activation never came, records to the end: no tests read");
	hv_verdict_free(&v);
}

/* Test records against their TAP lines, each field alone. */
static void test_tap_records(void)
{
	size_t i;
	struct record r;

	recs_load();
	R[recs_find_line("ok 2 - subtracts\n") + 1].u.test.ok = false;
	soft_seal(NULL, 0);
	JUDGE_SET("test record not ok, its TAP line ok", &F.b, &soft_pins, EXIT_REJECTED, HV_TESTS_MISMATCH);

	recs_load();
	R[recs_find_line("ok 2 - subtracts\n") + 1].u.test.num = 7;
	soft_seal(NULL, 0);
	JUDGE_SET("test record numbered 7, its TAP line 2", &F.b, &soft_pins, EXIT_REJECTED, HV_TESTS_MISMATCH);

	recs_load();
	R[recs_find_line("ok 2 - subtracts\n") + 1].u.test.directive = DIRECTIVE_SKIP;
	soft_seal(NULL, 0);
	JUDGE_SET("test record SKIP, its TAP line without directive", &F.b, &soft_pins, EXIT_REJECTED,
		  HV_TESTS_MISMATCH);

	recs_load();
	i = recs_find_line("ok 2 - subtracts\n") + 1;
	R[i].u.test.desc = (const uint8_t *)"adds";
	R[i].u.test.desc_len = 4;
	soft_seal(NULL, 0);
	JUDGE_SET("test record named as another point", &F.b, &soft_pins, EXIT_REJECTED, HV_TESTS_MISMATCH);

	recs_load();
	r = R[recs_find(REC_TEST, 0)];
	recs_insert(recs_find(REC_STDOUT, 0), r);
	soft_seal(NULL, 0);
	JUDGE_SET("test record before any TAP line", &F.b, &soft_pins, EXIT_REJECTED, HV_TESTS_MISMATCH);

	recs_load();
	recs_delete(recs_find_line("ok 5 - refuses division by zero\n") + 1);
	soft_seal(NULL, 0);
	JUDGE_SET("last TAP point without its test record", &F.b, &soft_pins, EXIT_REJECTED, HV_TESTS_MISMATCH);

	recs_load();
	r = R[recs_find(REC_STDOUT, 0)];
	r.kind = REC_RESULTS;
	recs_insert(recs_find(REC_EXIT, 0), r);
	soft_seal(NULL, 0);
	JUDGE_SET("results-channel record without the agent boundary", &F.b, &soft_pins, EXIT_REJECTED,
		  HV_RECORD_MALFORMED);
}

static void glog_agent_pcr13(struct evlog *l) { l->ev[1].pcr = PCR_SESSION; }
static void glog_agent_type(struct evlog *l) { l->ev[1].type = EV_IPL; }
static void glog_agent_tag(struct evlog *l) { l->ev[1].data[6] ^= 1; }
static void glog_agent_digest(struct evlog *l) { l->ev[1].digest[0] ^= 1; }
static void glog_separator(struct evlog *l) { l->ev[3].digest[0] ^= 1; }
static void glog_head(struct evlog *l) { l->ev[4].digest[0] ^= 1; }
static void glog_extra(struct evlog *l)
{
	l->ev[5] = l->ev[4];
	l->ev[5].recnum = 5;
	l->n = 6;
}

/* The guest log's events, each property alone, with the PCRs replayed
 * (so that the quote holds and only the event check can see it). */
static void test_events_resealed(void)
{
	recs_load();
	soft_seal(glog_agent_pcr13, 0);
	JUDGE_SET("agent-tree event moved to PCR 13", &F.b, &soft_pins, EXIT_REJECTED, HV_EVENT_UNEXPECTED);
	soft_seal(glog_agent_type, 0);
	JUDGE_SET("agent-tree event of another type", &F.b, &soft_pins, EXIT_REJECTED, HV_EVENT_UNEXPECTED);
	soft_seal(glog_agent_tag, 0);
	JUDGE_SET("agent-tree event with another tag", &F.b, &soft_pins, EXIT_REJECTED, HV_EVENT_UNEXPECTED);
	soft_seal(glog_agent_digest, 0);
	JUDGE_SET("agent tree not the pinned one", &F.b, &soft_pins, EXIT_REJECTED, HV_PIN_AGENT);
	soft_seal(glog_separator, 0);
	JUDGE_SET("separator of another digest", &F.b, &soft_pins, EXIT_REJECTED, HV_PIN_SEPARATOR);
	soft_seal(glog_head, 0);
	JUDGE_SET("chain-head event not the records' head", &F.b, &soft_pins, EXIT_REJECTED, HV_PIN_CHAIN_HEAD);
	soft_seal(glog_extra, 0);
	JUDGE_SET("an extra event after the chain head", &F.b, &soft_pins, EXIT_REJECTED, HV_EVENT_UNEXPECTED);
	soft_seal(NULL, SOFT_POINT_OFF_CURVE);
	JUDGE_SET("AK point off the curve", &F.b, &soft_pins, EXIT_REJECTED, HV_AK_MALFORMED,
		  HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);
	soft_seal(NULL, 0);
	F.b.ak_name = honest_b.ak_name;
	JUDGE_SET("transcript naming another AK", &F.b, &soft_pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED,
		  HV_CHECKPOINT_SIGNATURE, HV_QUOTE_SIGNATURE);
}

/*
 * With the agent boundary on (run spec with agent_user, pinned so), the
 * results come from the results channel alone: stdout is a log the agent
 * could write into. The same TAP moved to the results channel passes; a
 * "not ok" forged into stdout changes nothing; the same forged into the
 * results channel without its test record is a mismatch.
 */
static void test_boundary_results(void)
{
	static uint8_t pin_saved[MAX_RUNSPEC_BYTES], rsb[MAX_RUNSPEC_BYTES];
	static struct runspec rs;
	size_t pin_len = manifest->runspec_len, n;
	struct cb_wr w;
	struct record forged;

	memcpy(pin_saved, manifest->runspec, pin_len);
	REQUIRE(runspec_decode(honest_a.runspec.p, honest_a.runspec.n, &rs) == 0);
	rs.has_agent_user = true;
	rs.agent_uid = rs.agent_gid = 65534;
	cb_wr_init(&w, rsb, sizeof(rsb));
	runspec_encode(&rs, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	memcpy(manifest->runspec, rsb, n);
	manifest->runspec_len = n;
	soft_runspec = (struct bytes){ rsb, n };

	recs_load();
	for (size_t i = 0; i < NR; i++)
		if (R[i].kind == REC_STDOUT && R[i].u.chunk.n > 0 && R[i].u.chunk.p[0] != '#')
			R[i].kind = REC_RESULTS;
	forged = stdout_rec("not ok 6 - forged by the agent\n");
	recs_insert(recs_find(REC_EXIT, 0), forged);
	soft_seal(NULL, 0);
	judge_soft("boundary on: TAP on the results channel, a \"not ok\" forged into stdout", EXIT_PASSED, 0);
	forged.kind = REC_RESULTS;
	recs_insert(recs_find(REC_EXIT, 0), forged);
	soft_seal(NULL, 0);
	JUDGE_SET("boundary on: a results-channel point without its test record", &F.b, &soft_pins, EXIT_REJECTED,
		  HV_TESTS_MISMATCH);

	soft_runspec = (struct bytes){ NULL, 0 };
	memcpy(manifest->runspec, pin_saved, pin_len);
	manifest->runspec_len = pin_len;
}

/* Parts of the evidence or the manifest that do not decode or are
 * missing, each with exactly its reasons. */
static void test_undecodable(void)
{
	struct manifest_tree *h = (struct manifest_tree *)manifest_find_tree(manifest, "harness");
	struct blob q[ATTEST_MAX_FIELDS];
	uint8_t buf[64 * 1024];
	struct cb_wr w;
	char *saved;

	forge_from(&honest_a);
	F.b.has_ak = false;
	F.b.ak = (struct bytes){ NULL, 0 };
	JUDGE_SET("no AK in the bundle", &F.b, &pins, EXIT_REJECTED, HV_AK_NOT_ACTIVATED, HV_CHECKPOINT_SIGNATURE,
		  HV_QUOTE_SIGNER, HV_QUOTE_SIGNATURE);

	REQUIRE(attest_decode(MSG_QUOTE, honest_a.quote.p, honest_a.quote.n, q) == 0);
	q[2] = (struct blob){ honest_a.runspec.p, honest_a.runspec.n };
	cb_wr_init(&w, buf, sizeof(buf));
	attest_encode(MSG_QUOTE, q, &w);
	REQUIRE(w.err == 0);
	forge_from(&honest_a);
	F.b.quote = (struct bytes){ store(buf, w.len), w.len };
	JUDGE_SET("guest log that does not decode", &F.b, &pins, EXIT_REJECTED, HV_EVENT_LOG_MALFORMED);

	forge_from(&honest_a);
	F.b.quote = honest_a.runspec;
	JUDGE_SET("quote message that does not decode", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_MALFORMED,
		  HV_QUOTE_MISSING);

	forge_from(&honest_a);
	F.b.runspec = honest_a.platform_log;
	JUDGE_SET("run spec that does not decode", &F.b, &pins, EXIT_REJECTED, HV_RUNSPEC_MALFORMED,
		  HV_PIN_RUNSPEC);

	manifest->has_boot = false;
	JUDGE_SET("manifest without boot components", &honest_a, &pins, EXIT_REJECTED, HV_MANIFEST_INCOMPLETE);
	manifest->has_boot = true;

	saved = h->path;
	h->path = "/opt/other";
	JUDGE_SET("run spec measured another harness path", &honest_a, &pins, EXIT_REJECTED, HV_RUNSPEC_PATHS);
	h->path = saved;

	{
		size_t nt = manifest->ntrees;

		manifest->ntrees = 0;
		/* a run with trees against a manifest of a plain run */
		JUDGE_SET("manifest without agent and harness trees", &honest_a, &pins, EXIT_REJECTED,
			  HV_RUNSPEC_PATHS);
		manifest->ntrees = 1;
		JUDGE_SET("manifest with one tree of the two", &honest_a, &pins, EXIT_REJECTED,
			  HV_MANIFEST_INCOMPLETE);
		manifest->ntrees = nt;
	}

	forge_attest(edit_bank);
	JUDGE_SET("PCRs of the SHA-1 bank quoted", &F.b, &pins, EXIT_REJECTED, HV_QUOTE_PCR_SELECTION,
		  HV_QUOTE_SIGNATURE);
}

/*
 * ---- trees by verity reference (docs/measure-by-verity.md) ----
 * Honest A as a by-reference run would have been: the manifest pins a
 * verity root R (A's measured PCR 9 digest stands in for it) and marks
 * trees_by_verity, its command line carries vouch.verity=1:R and
 * vouch.trees=verity (the platform log's cmdline event is that line's
 * digest), and the guest log's tree events reference R and the paths.
 * Resealed with the software keys: each case differs from an accepted
 * bundle by its edit alone.
 */
static struct manifest *vm;
static struct hv_pins vpins;
static uint8_t vroot[32], other_root[32];
static char vcmd[MAX_ARG_BYTES + 1], vcmd_plain[MAX_ARG_BYTES + 1];
static const uint8_t *ref_root;    /* the root the guest's tree events reference */
static const char *ref_agent_path; /* the agent's path they reference (NULL: the pinned one) */
static bool ref_pinned_digests;    /* .verity tags over the pinned tree digests */

static void set_plog(const char *cmdline, const uint8_t *rootfs)
{
	static struct evlog l;
	static uint8_t buf[8192];
	struct cb_wr w;

	REQUIRE(evlog_decode(honest_a.platform_log.p, honest_a.platform_log.n, &l) == 0 && l.n == 4);
	REQUIRE(sha256_buf(cmdline, strlen(cmdline), l.ev[2].digest) == 0);
	if (rootfs)
		memcpy(l.ev[3].digest, rootfs, 32);
	cb_wr_init(&w, buf, sizeof(buf));
	evlog_encode(&l, &w);
	REQUIRE(w.err == 0);
	soft_plog = (struct bytes){ buf, w.len };
}

static void glog_by_verity(struct evlog *l)
{
	static const char *const names[] = { "agent", "harness" };

	for (size_t i = 0; i < 2; i++) {
		struct evlog_event *ev = &l->ev[1 + i];
		const struct manifest_tree *t = manifest_find_tree(manifest, names[i]);
		char tag[40];

		snprintf(tag, sizeof(tag), "vouch.%s-tree", names[i]);
		REQUIRE(t && ev->data_len == strlen(tag) && memcmp(ev->data, tag, ev->data_len) == 0);
		strcat(tag, ".verity");
		ev->data_len = strlen(tag);
		memcpy(ev->data, tag, ev->data_len);
		if (ref_pinned_digests)
			memcpy(ev->digest, t->digest, 32);
		else
			REQUIRE(verity_tree_ref(ref_root, i == 0 && ref_agent_path ? ref_agent_path : t->path,
						ev->digest) == 0);
	}
}

/* The marked manifest, its command line and the matching platform log. */
static void by_verity_reset(void)
{
	char spec[VERITY_SPEC_BYTES];

	memcpy(vm, manifest, sizeof(*vm)); /* its strings stay the recorded manifest's */
	vm->has_verity = true;
	memcpy(vm->verity_root, vroot, 32);
	vm->verity_offset = VERITY_BLOCK_BYTES;
	vm->trees_by_verity = true;
	REQUIRE(verity_spec_format(spec, 1, vroot) == 0);
	REQUIRE(snprintf(vcmd_plain, sizeof(vcmd_plain), "%s " VERITY_SPEC_KEY "%s", manifest->cmdline, spec) <
		(int)sizeof(vcmd_plain));
	REQUIRE(snprintf(vcmd, sizeof(vcmd), "%s " VERITY_TREES_WORD, vcmd_plain) < (int)sizeof(vcmd));
	vm->cmdline = vcmd;
	vpins = soft_pins;
	vpins.manifest = vm;
	set_plog(vcmd, NULL);
	ref_root = vroot;
	ref_agent_path = NULL;
	ref_pinned_digests = false;
}

static void test_trees_by_verity(void)
{
	struct evlog plog;
	struct hv_verdict v;

	REQUIRE((vm = malloc(sizeof(*vm))) != NULL);
	REQUIRE(evlog_decode(honest_a.platform_log.p, honest_a.platform_log.n, &plog) == 0 && plog.n == 4);
	memcpy(vroot, plog.ev[3].digest, 32);
	memcpy(other_root, vroot, 32);
	other_root[31] ^= 1;
	recs_load();

	by_verity_reset();
	soft_seal(glog_by_verity, 0);
	REQUIRE(hv_verify(&F.b, &vpins, &v) == 0);
	t_report(v.exit == EXIT_PASSED && v.nreasons == 0 &&
			 memcmp(v.agent_digest, manifest_find_tree(vm, "agent")->digest, 32) == 0 &&
			 memcmp(v.harness_digest, manifest_find_tree(vm, "harness")->digest, 32) == 0,
		 "trees by verity: referenced with the pinned root and paths: passed, the pinned digests reported");
	for (size_t i = 0; i < v.nreasons; i++)
		printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	hv_verdict_free(&v);

	vm->trees_by_verity = false;
	JUDGE_SET("trees by verity: the manifest's mark removed, the command line's word kept", &F.b, &vpins,
		  EXIT_REJECTED, HV_MANIFEST_INCONSISTENT, HV_TREE_BY_VERITY);

	by_verity_reset();
	vm->trees_by_verity = false;
	vm->cmdline = vcmd_plain;
	set_plog(vcmd_plain, NULL);
	soft_seal(glog_by_verity, 0);
	JUDGE_SET("trees by verity: referenced against a verity manifest without the mark", &F.b, &vpins,
		  EXIT_REJECTED, HV_TREE_BY_VERITY);

	by_verity_reset();
	soft_plog = (struct bytes){ 0 };
	soft_seal(glog_by_verity, 0);
	JUDGE_SET("trees by verity: referenced against a manifest with no verity root (a plain image)", &F.b,
		  &soft_pins, EXIT_REJECTED, HV_TREE_BY_VERITY);

	by_verity_reset();
	ref_root = other_root;
	soft_seal(glog_by_verity, 0);
	JUDGE_SET("trees by verity: events referencing another root", &F.b, &vpins, EXIT_REJECTED, HV_PIN_AGENT,
		  HV_PIN_HARNESS);

	by_verity_reset();
	ref_agent_path = manifest_find_tree(manifest, "harness")->path;
	soft_seal(glog_by_verity, 0);
	JUDGE_SET("trees by verity: the agent's event referencing another path", &F.b, &vpins, EXIT_REJECTED,
		  HV_PIN_AGENT);

	by_verity_reset();
	ref_pinned_digests = true;
	soft_seal(glog_by_verity, 0);
	JUDGE_SET("trees by verity: .verity events carrying the pinned digests, not references", &F.b, &vpins,
		  EXIT_REJECTED, HV_PIN_AGENT, HV_PIN_HARNESS);

	by_verity_reset();
	soft_seal(NULL, 0);
	JUDGE_SET("trees by verity: walked events against the marked manifest", &F.b, &vpins, EXIT_REJECTED,
		  HV_EVENT_UNEXPECTED);

	by_verity_reset();
	set_plog(vcmd, other_root);
	ref_root = other_root;
	soft_seal(glog_by_verity, 0);
	JUDGE_SET("trees by verity: PCR 9 measuring another root, the events referencing it", &F.b, &vpins,
		  EXIT_REJECTED, HV_PIN_ROOTFS, HV_PIN_AGENT, HV_PIN_HARNESS);

	soft_plog = (struct bytes){ 0 };
	free(vm);
}

/* A real by-reference run (record-verity.sh: vouch image --verity of the
 * sample, one vouch run): accepted as recorded, and refused against the
 * manifest edited in each way that unties the references. Its own EK and
 * verifier key: it was recorded on another host than run A. */
static void rv_walked_tag(struct evlog *l) { l->ev[1].data_len -= strlen(".verity"); }
static void rv_digest(struct evlog *l) { l->ev[1].digest[0] ^= 1; }

static void test_recorded_by_verity(void)
{
	struct manifest *m, *saved = malloc(sizeof(*saved));
	struct hv_pins p = { 0 };
	struct hv_verdict v;
	struct bundle b;
	uint8_t *raw;

	load_recorded("verity-", &m, &p, &raw, &b);
	REQUIRE(saved && m->trees_by_verity && m->has_verity);
	memcpy(saved, m, sizeof(*m));

	judge("recorded by-reference run: passed", &b, &p, EXIT_PASSED, HV_OK);
	m->trees_by_verity = false;
	JUDGE_SET("recorded by-reference run, the manifest's mark removed", &b, &p, EXIT_REJECTED,
		  HV_MANIFEST_INCONSISTENT, HV_TREE_BY_VERITY);
	m->has_verity = false;
	JUDGE_SET("recorded by-reference run against the same manifest without verity", &b, &p, EXIT_REJECTED,
		  HV_PIN_ROOTFS, HV_MANIFEST_INCONSISTENT, HV_TREE_BY_VERITY);
	memcpy(m, saved, sizeof(*m));
	m->verity_root[0] ^= 1;
	JUDGE_SET("recorded by-reference run, another verity root pinned", &b, &p, EXIT_REJECTED, HV_PIN_ROOTFS,
		  HV_MANIFEST_INCONSISTENT, HV_PIN_AGENT, HV_PIN_HARNESS);
	memcpy(m, saved, sizeof(*m));
	/* the label: by reference, the agent digest is the manifest's word
	 * (docs/measure-by-verity.md); the walk refuses the same edit
	 * (test_pins, "modified agent") */
	((struct manifest_tree *)manifest_find_tree(m, "agent"))->digest[0] ^= 1;
	REQUIRE(hv_verify(&b, &p, &v) == 0);
	t_report(v.exit == EXIT_PASSED && v.nreasons == 0 &&
			 memcmp(v.agent_digest, manifest_find_tree(m, "agent")->digest, 32) == 0,
		 "recorded by-reference run, another agent digest pinned: passed, that pin reported");
	hv_verdict_free(&v);
	memcpy(m, saved, sizeof(*m));
	forge_glog_of(&b, rv_walked_tag);
	judge("recorded by-reference run, its agent event retagged as walked", &F.b, &p, EXIT_REJECTED,
	      HV_EVENT_UNEXPECTED);
	forge_glog_of(&b, rv_digest);
	JUDGE_SET("recorded by-reference run, its agent reference changed", &F.b, &p, EXIT_REJECTED, HV_PIN_AGENT,
		  HV_PCR_REPLAY);

	bundle_free(&b);
	free(raw);
	free(m);
	free(saved);
}

/*
 * ---- plain runs: no agent or harness tree ----
 * Honest A resealed as a plain run would have been: its run spec without
 * the trees (keys 7 and 8), its guest log without the two tree events, a
 * manifest that pins no tree and that run spec. Then the recorded plain
 * run (record-plain.sh: vouch image of a root with no tree, vouch run).
 */
static size_t plain_keep; /* tree events the guest log keeps (0: honest) */

static void glog_plain(struct evlog *l)
{
	REQUIRE(l->n == 5 && plain_keep <= 2);
	memmove(&l->ev[1 + plain_keep], &l->ev[3], 2 * sizeof(l->ev[0]));
	l->n = 3 + plain_keep;
	for (size_t i = 0; i < l->n; i++)
		l->ev[i].recnum = l->ev[0].recnum + (uint32_t)i;
}

static void test_plain_resealed(void)
{
	static struct runspec rs;
	struct manifest *pm = malloc(sizeof(*pm));
	struct hv_pins pp = soft_pins;
	struct hv_verdict v;
	struct cb_wr w;
	size_t n;

	REQUIRE(pm && runspec_decode(honest_a.runspec.p, honest_a.runspec.n, &rs) == 0);
	rs.agent_path = rs.harness_path = NULL;
	rs.has_agent_user = false;
	memcpy(pm, manifest, sizeof(*pm));
	pm->ntrees = 0;
	cb_wr_init(&w, pm->runspec, sizeof(pm->runspec));
	runspec_encode(&rs, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	pm->runspec_len = n;
	pp.manifest = pm;
	soft_runspec = (struct bytes){ pm->runspec, n };
	recs_load();

	plain_keep = 0;
	soft_seal(glog_plain, 0);
	REQUIRE(hv_verify(&F.b, &pp, &v) == 0);
	t_report(v.exit == EXIT_PASSED && v.nreasons == 0 && v.plain && v.attested,
		 "plain run (resealed): no tree in the run spec, the log or the manifest: passed, said plain");
	for (size_t i = 0; i < v.nreasons; i++)
		printf("#   %s: %s\n", hv_reason_name(v.reasons[i].code), v.reasons[i].detail);
	hv_verdict_free(&v);
	/* the plain run spec pinned as it was, but trees in the manifest */
	pm->ntrees = manifest->ntrees;
	JUDGE_SET("plain run (resealed) against a manifest that also pins trees", &F.b, &pp, EXIT_REJECTED,
		  HV_RUNSPEC_PATHS, HV_EVENT_UNEXPECTED);
	pm->ntrees = 0;
	JUDGE_SET("plain run (resealed) against the manifest of the run with trees", &F.b, &soft_pins,
		  EXIT_REJECTED, HV_RUNSPEC_PATHS, HV_EVENT_UNEXPECTED);
	for (plain_keep = 1; plain_keep <= 2; plain_keep++) {
		char what[96];

		soft_seal(glog_plain, 0);
		snprintf(what, sizeof(what), "plain run spec, %s measured all the same (resealed)",
			 plain_keep == 1 ? "the agent tree" : "both trees");
		JUDGE_SET(what, &F.b, &pp, EXIT_REJECTED, HV_EVENT_UNEXPECTED);
	}
	/* the run with trees, as recorded, against the plain run's manifest */
	soft_runspec = (struct bytes){ 0 };
	soft_seal(NULL, 0);
	JUDGE_SET("run with trees (resealed) against a plain run's manifest", &F.b, &pp, EXIT_REJECTED,
		  HV_RUNSPEC_PATHS);
	free(pm);
}

/* A real plain run, recorded: accepted as it is, refused against a
 * manifest that pins trees. */
static void test_recorded_plain(void)
{
	struct manifest *m;
	struct hv_pins p = { 0 };
	struct hv_verdict v;
	struct bundle b;
	uint8_t *raw;

	load_recorded("plain-", &m, &p, &raw, &b);
	REQUIRE(m->ntrees == 0 && m->has_runspec);
	REQUIRE(hv_verify(&b, &p, &v) == 0);
	t_report(v.exit == EXIT_PASSED && v.nreasons == 0 && v.plain && v.attested && v.passed == 1,
		 "recorded plain run: passed, attested, said plain");
	hv_verdict_free(&v);
	/* the same manifest with honest A's trees: the plain run spec is not
	 * the run it pins */
	m->ntrees = manifest->ntrees;
	memcpy(m->trees, manifest->trees, sizeof(m->trees));
	JUDGE_SET("recorded plain run against its manifest with trees added", &b, &p, EXIT_REJECTED,
		  HV_RUNSPEC_PATHS, HV_EVENT_UNEXPECTED);
	bundle_free(&b);
	free(raw);
	free(m);
}

int main(void)
{
	load();
	test_honest();
	test_pins();
	test_runspec_swapped();
	test_runspec_pinned();
	test_record_flips();
	test_record_order();
	test_checkpoint_other_key();
	test_keys();
	test_activation_binding();
	test_demands();
	test_many_points();
	test_desc_mismatch();
	test_quote();
	test_event_logs();
	soft_init();
	test_verdict_rules();
	test_activation_during_harness();
	test_tap_records();
	test_events_resealed();
	test_trees_by_verity();
	test_recorded_by_verity();
	test_plain_resealed();
	test_recorded_plain();
	test_boundary_results();
	test_undecodable();
	EVP_PKEY_free(soft_ak);
	bundle_free(&honest_a);
	bundle_free(&honest_b);
	free(raw_a);
	free(raw_b);
	free(manifest);
	return t_done();
}
