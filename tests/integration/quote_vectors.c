// SPDX-License-Identifier: MIT
/*
 * quote-vectors OUTDIR: writes quote vectors, good and bad, from the
 * recorded honest evidence (tests/vectors/evidence/), each in its own
 * directory with ak.pem, quote.msg, quote.sig, qual.hex and the
 * verifier's own verdict in "expect" (accept/reject), from the function
 * host-verify judges every quote with (hv_quote_check: magic, type,
 * extraData, qualifiedSigner, PCR selection and digest, AK signature), the
 * reasons in "reasons". checkquote_agree.sh then asks tpm2_checkquote the
 * same question. The quotes the TPM signed can only be broken by breaking
 * their signature; to see each of the other checks alone, some quotes are
 * edited and signed again with a software P-256 AK.
 */
#include "../unit/t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <tss2/tss2_mu.h>

#include "attest.h"
#include "bundle.h"
#include "evlog.h"
#include "pcr.h"
#include "record.h"
#include "sha256.h"
#include "tpmkey.h"
#include "verify.h"

struct q {
	TPM2B_PUBLIC ak;
	uint8_t msg[sizeof(TPMS_ATTEST)];
	size_t msg_len;
	uint8_t sig[sizeof(TPMT_SIGNATURE)];
	size_t sig_len;
	uint8_t qual[32];
	uint8_t pcrs[32]; /* what the recorded event logs replay to */
};

static void load(const char *path, struct q *q)
{
	size_t n, off = 0;
	uint8_t *raw = t_slurp(path, &n);
	struct bundle b;
	struct blob f[ATTEST_MAX_FIELDS];
	struct chain c;
	struct record r;

	REQUIRE(bundle_decode(raw, n, &b) == 0 && b.has_quote && b.has_ak);
	REQUIRE(Tss2_MU_TPM2B_PUBLIC_Unmarshal(b.ak.p, b.ak.n, &off, &q->ak) == 0);
	REQUIRE(attest_decode(MSG_QUOTE, b.quote.p, b.quote.n, f) == 0);
	memcpy(q->msg, f[0].p, f[0].n);
	q->msg_len = f[0].n;
	memcpy(q->sig, f[1].p, f[1].n);
	q->sig_len = f[1].n;
	REQUIRE(chain_init(&c, b.nonce) == 0);
	for (size_t i = 0; i < b.nrecords; i++)
		REQUIRE(chain_accept(&c, b.records[i].p, b.records[i].n, &r) == 0);
	REQUIRE(sha256_cat(b.nonce, 32, c.head, 32, q->qual) == 0);
	{
		static struct evlog plog, glog;
		struct pcr_bank bank;

		pcr_bank_init(&bank);
		REQUIRE(evlog_decode(b.platform_log.p, b.platform_log.n, &plog) == 0 &&
			evlog_decode(f[2].p, f[2].n, &glog) == 0 && evlog_replay(&plog, &bank) == 0 &&
			evlog_replay(&glog, &bank) == 0 && pcr_composite(&bank, PCR_VOUCH_MASK, q->pcrs) == 0);
	}
	bundle_free(&b);
	free(raw);
}

/* The verifier's verdict on the quote, from host-verify's own check. */
static struct hv_quote_verdict ours(const struct q *q)
{
	struct hv_quote_expect x = { .ak = &q->ak, .extra_data = q->qual, .check_pcr_digest = true,
				     .pcr_digest = q->pcrs };
	struct hv_quote_verdict v;

	REQUIRE(tpmkey_name(&q->ak, &x.ak_name) == 0);
	hv_quote_check(q->msg, q->msg_len, q->sig, q->sig_len, &x, &v);
	return v;
}

/* ---- quotes signed again with a software AK ---- */

static EVP_PKEY *soft;

/* q's AK becomes the software key (the same public area, its point) */
static void soft_ak(struct q *q)
{
	BIGNUM *x = NULL, *y = NULL;

	if (!soft)
		REQUIRE((soft = EVP_EC_gen("P-256")));
	REQUIRE(EVP_PKEY_get_bn_param(soft, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
		EVP_PKEY_get_bn_param(soft, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
	REQUIRE(BN_bn2binpad(x, q->ak.publicArea.unique.ecc.x.buffer, 32) == 32 &&
		BN_bn2binpad(y, q->ak.publicArea.unique.ecc.y.buffer, 32) == 32);
	BN_free(x);
	BN_free(y);
}

/* q's message decoded, edited, named as the software AK's and signed by it */
static void soft_resign(struct q *q, void (*edit)(TPMS_ATTEST *))
{
	TPMS_ATTEST at = { 0 };
	TPMT_SIGNATURE sig = { 0 };
	TPM2B_NAME n;
	uint8_t buf[4 + sizeof(n.name)], der[80];
	const unsigned char *dp = der;
	size_t off = 0, dl = sizeof(der);
	const uint32_t h = TPM2_RH_ENDORSEMENT;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	soft_ak(q);
	REQUIRE(Tss2_MU_TPMS_ATTEST_Unmarshal(q->msg, q->msg_len, &off, &at) == 0 && off == q->msg_len);
	/* qualifiedSigner: nameAlg || SHA-256(TPM_RH_ENDORSEMENT || Name) */
	REQUIRE(tpmkey_name(&q->ak, &n) == 0 && n.size == 34);
	buf[0] = (uint8_t)(h >> 24); buf[1] = (uint8_t)(h >> 16); buf[2] = (uint8_t)(h >> 8); buf[3] = (uint8_t)h;
	memcpy(buf + 4, n.name, 34);
	at.qualifiedSigner.size = 34;
	at.qualifiedSigner.name[0] = 0x00;
	at.qualifiedSigner.name[1] = 0x0b;
	REQUIRE(sha256_buf(buf, 38, at.qualifiedSigner.name + 2) == 0);
	if (edit)
		edit(&at);
	off = 0;
	REQUIRE(Tss2_MU_TPMS_ATTEST_Marshal(&at, q->msg, sizeof(q->msg), &off) == 0);
	q->msg_len = off;
	REQUIRE(md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, soft) == 1 &&
		EVP_DigestSign(md, der, &dl, q->msg, q->msg_len) == 1);
	REQUIRE((es = d2i_ECDSA_SIG(NULL, &dp, (long)dl)));
	ECDSA_SIG_get0(es, &r, &s);
	sig.sigAlg = TPM2_ALG_ECDSA;
	sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig.signature.ecdsa.signatureR.size = (UINT16)BN_bn2binpad(r, sig.signature.ecdsa.signatureR.buffer, 32);
	sig.signature.ecdsa.signatureS.size = (UINT16)BN_bn2binpad(s, sig.signature.ecdsa.signatureS.buffer, 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	off = 0;
	REQUIRE(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, q->sig, sizeof(q->sig), &off) == 0);
	q->sig_len = off;
}

static void edit_magic(TPMS_ATTEST *a) { a->magic ^= 1; }
static void edit_type(TPMS_ATTEST *a) { a->type = TPM2_ST_ATTEST_CERTIFY; }
static void edit_extra(TPMS_ATTEST *a) { a->extraData.buffer[0] ^= 1; }

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0 && write(fd, p, n) == (ssize_t)n && close(fd) == 0);
}

/* want: the reasons the verifier must give, in its order ("" to accept);
 * beyond: a check tpm2_checkquote (5.4) does not make, so it is not asked
 * to agree. */
static void emit(const char *out, const char *name, const struct q *q, const char *want, bool beyond)
{
	char dir[512], hex[65], path[600], why[512] = "";
	struct hv_quote_verdict v = ours(q);
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", out, name);
	REQUIRE(mkdir(dir, 0755) == 0);
	snprintf(path, sizeof(path), "%s/ak.pem", dir);
	REQUIRE((f = fopen(path, "w")) && tpmkey_write_pem(&q->ak, f) == 0 && fclose(f) == 0);
	put(dir, "quote.msg", q->msg, q->msg_len);
	put(dir, "quote.sig", q->sig, q->sig_len);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", q->qual[i]);
	put(dir, "qual.hex", hex, 64);
	put(dir, "expect", v.nreasons == 0 ? "accept\n" : "reject\n", 7);
	for (size_t i = 0; i < v.nreasons; i++)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", i ? " " : "",
			 hv_reason_name(v.reasons[i].code));
	put(dir, "reasons", why, strlen(why));
	put(dir, "want", want, strlen(want));
	if (beyond)
		put(dir, "beyond", "", 0);
	printf("%s %s %s\n", name, v.nreasons == 0 ? "accept" : "reject", why);
}

int main(int argc, char **argv)
{
	static struct q a, b, x;

	if (argc != 2)
		return 99;
	load("tests/vectors/evidence/honest-a.cbor", &a);
	load("tests/vectors/evidence/honest-b.cbor", &b);
	emit(argv[1], "good-a", &a, "", false);
	emit(argv[1], "good-b", &b, "", false);
	x = a; memcpy(x.qual, b.qual, 32);
	emit(argv[1], "other-session-nonce", &x, "quote-nonce", false);
	x = a; x.qual[31] ^= 1;
	emit(argv[1], "qualification-off-by-a-bit", &x, "quote-nonce", false);
	x = a; memcpy(x.sig, b.sig, b.sig_len); x.sig_len = b.sig_len;
	emit(argv[1], "signature-of-another-quote", &x, "quote-signature", false);
	x = a; x.ak = b.ak;
	emit(argv[1], "another-ak", &x, "quote-signer quote-signature", false);
	x = a; x.msg[x.msg_len - 1] ^= 1; /* inside the PCR digest */
	emit(argv[1], "pcr-digest-changed", &x, "pcr-replay quote-signature", false);
	x = a; x.msg[0] ^= 1; /* magic */
	emit(argv[1], "magic-changed", &x, "quote-magic quote-signature", false);
	x = a; x.sig[x.sig_len - 1] ^= 1; /* last byte of s */
	emit(argv[1], "signature-s-changed", &x, "quote-signature", false);
	x = a; x.sig[8] ^= 1; /* a byte of r */
	emit(argv[1], "signature-r-changed", &x, "quote-signature", false);
	x = a; soft_resign(&x, NULL);
	emit(argv[1], "software-ak", &x, "", false);
	x = a; soft_resign(&x, edit_magic);
	emit(argv[1], "software-ak-magic-changed", &x, "quote-magic", true);
	x = a; soft_resign(&x, edit_type);
	emit(argv[1], "software-ak-type-certify", &x, "quote-type", true);
	x = a; soft_resign(&x, edit_extra);
	emit(argv[1], "software-ak-extradata-changed", &x, "quote-nonce", false);
	x = a; soft_resign(&x, NULL); x.ak = a.ak;
	emit(argv[1], "software-signature-honest-ak", &x, "quote-signer quote-signature", false);
	EVP_PKEY_free(soft);
	return 0;
}
