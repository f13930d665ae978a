// SPDX-License-Identifier: MIT
/*
 * quote-vectors OUTDIR: writes quote vectors, good and bad, from the
 * recorded honest evidence (tests/vectors/evidence/), each in its own
 * directory with ak.pem, quote.msg, quote.sig, qual.hex and our own
 * verdict in "expect" (accept/reject): AK signature, TPM_GENERATED magic,
 * quote type, extraData equal to the qualification. checkquote_agree.sh
 * then asks tpm2_checkquote the same question.
 */
#include "../unit/t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>

#include "attest.h"
#include "bundle.h"
#include "record.h"
#include "sha256.h"
#include "tpmkey.h"

struct q {
	TPM2B_PUBLIC ak;
	uint8_t msg[sizeof(TPMS_ATTEST)];
	size_t msg_len;
	uint8_t sig[sizeof(TPMT_SIGNATURE)];
	size_t sig_len;
	uint8_t qual[32];
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
	bundle_free(&b);
	free(raw);
}

/* Our quote-level verdict, as host-verify reaches it. */
static int ours(const struct q *q)
{
	TPMS_ATTEST at = { 0 };
	TPMT_SIGNATURE sig = { 0 };
	size_t off = 0;
	EVP_PKEY *k = tpmkey_ecc_p256(&q->ak);
	int ok;

	ok = k && Tss2_MU_TPMS_ATTEST_Unmarshal(q->msg, q->msg_len, &off, &at) == 0 && off == q->msg_len;
	off = 0;
	ok = ok && Tss2_MU_TPMT_SIGNATURE_Unmarshal(q->sig, q->sig_len, &off, &sig) == 0 && off == q->sig_len;
	ok = ok && at.magic == TPM2_GENERATED_VALUE && at.type == TPM2_ST_ATTEST_QUOTE &&
	     at.extraData.size == 32 && memcmp(at.extraData.buffer, q->qual, 32) == 0 &&
	     tpmkey_verify(k, q->msg, q->msg_len, &sig) == 0;
	EVP_PKEY_free(k);
	return ok;
}

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0 && write(fd, p, n) == (ssize_t)n && close(fd) == 0);
}

static void emit(const char *out, const char *name, const struct q *q)
{
	char dir[512], hex[65], path[600];
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
	put(dir, "expect", ours(q) ? "accept\n" : "reject\n", 7);
	printf("%s %s\n", name, ours(q) ? "accept" : "reject");
}

int main(int argc, char **argv)
{
	static struct q a, b, x;

	if (argc != 2)
		return 99;
	load("tests/vectors/evidence/honest-a.cbor", &a);
	load("tests/vectors/evidence/honest-b.cbor", &b);
	emit(argv[1], "good-a", &a);
	emit(argv[1], "good-b", &b);
	x = a; memcpy(x.qual, b.qual, 32);
	emit(argv[1], "other-session-nonce", &x);
	x = a; x.qual[31] ^= 1;
	emit(argv[1], "qualification-off-by-a-bit", &x);
	x = a; memcpy(x.sig, b.sig, b.sig_len); x.sig_len = b.sig_len;
	emit(argv[1], "signature-of-another-quote", &x);
	x = a; x.ak = b.ak;
	emit(argv[1], "another-ak", &x);
	x = a; x.msg[x.msg_len - 1] ^= 1; /* inside the PCR digest */
	emit(argv[1], "pcr-digest-changed", &x);
	x = a; x.msg[0] ^= 1; /* magic */
	emit(argv[1], "magic-changed", &x);
	x = a; x.sig[x.sig_len - 1] ^= 1; /* last byte of s */
	emit(argv[1], "signature-s-changed", &x);
	x = a; x.sig[8] ^= 1; /* a byte of r */
	emit(argv[1], "signature-r-changed", &x);
	return 0;
}
