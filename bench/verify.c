// SPDX-License-Identifier: MIT
/*
 * Verification time for bundles of 1k, 10k and 100k records (wall and
 * process CPU time: the machine may be shared), record-chain throughput,
 * and, as the baseline from the same run, SHA-256 alone over the same
 * record bytes (the chain must hash each record, so it can be no faster)
 * and one checkpoint signature's check. The bundles are the recorded honest run A with
 * its records replaced by a longer chain for the same nonce (TAP output,
 * test points, and a checkpoint every 256 records carrying run A's
 * signature bytes): every check still runs, signatures included, and the
 * verdict is a rejection (the quote binds run A's real head), which costs
 * the same. Median of 5 runs each. Run from the top of the tree.
 *
 *   bench/verify [--workers K] [N]
 *     N: only N records (a profiler's run); K: checkpoint signatures on K
 *     threads (0: in the verifying thread, one at a time)
 *
 * "main ms" is the verifying thread's own CPU time: on an idle machine
 * with the signatures on other cores, the wall time tends to it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>

#include "attestation.h"
#include "bundle.h"
#include "record.h"
#include "sha256.h"
#include "tpmkey.h"
#include "verify.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static double thread_cpu(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	struct stat st;
	uint8_t *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !(b = malloc((size_t)st.st_size)) ||
	    read(fd, b, (size_t)st.st_size) != st.st_size)
		exit(99);
	close(fd);
	*n = (size_t)st.st_size;
	return b;
}

/* A chain of n records for b's nonce, in one buffer. */
static void make_records(struct bundle *b, size_t n, const struct bytes *sig, uint8_t **ret_buf)
{
	uint8_t *buf = malloc(n * 160 + 4096);
	struct bytes *recs = calloc(n, sizeof(*recs));
	struct chain c;
	struct cb_wr w;
	char line[64];

	if (!buf || !recs || chain_init(&c, b->nonce) != 0)
		exit(99);
	cb_wr_init(&w, buf, n * 160 + 4096);
	for (size_t i = 0; i < n; i++) {
		struct record r = { .time_ns = 1000000 + i };
		size_t start = w.len;
		int len = snprintf(line, sizeof(line), "ok %zu - case %zu\n", i / 3 + 1, i);

		if (i == n - 1) {
			r.kind = REC_END;
		} else if (i % 256 == 255) {
			r.kind = REC_CHECKPOINT;
			r.u.checkpoint.sig = sig->p;
			r.u.checkpoint.sig_len = sig->n;
		} else if (i % 3 == 0) {
			r.kind = REC_STDOUT;
			r.u.chunk.p = (const uint8_t *)line;
			r.u.chunk.n = (size_t)len;
		} else {
			r.kind = REC_TEST;
			r.u.test.num = i;
			r.u.test.ok = true;
			r.u.test.desc = (const uint8_t *)"case";
			r.u.test.desc_len = 4;
		}
		if (chain_seal(&c, &r, &w) != 0)
			exit(99);
		recs[i] = (struct bytes){ buf + start, w.len - start };
	}
	b->records = recs;
	b->nrecords = n;
	*ret_buf = buf;
}

int main(int argc, char **argv)
{
	size_t sizes[] = { 1000, 10000, 100000 }, nsizes = 3;
	struct hv_pins pins = { 0 };
	struct manifest *m = malloc(sizeof(*m));
	struct bundle honest, b;
	struct bytes sig = { 0 };
	size_t n, off = 0;
	uint8_t *raw = slurp("tests/vectors/evidence/honest-a.cbor", &n), *mraw, *ek;

	if (bundle_decode(raw, n, &honest) != 0)
		return 99;
	mraw = slurp("tests/vectors/evidence/manifest.cbor", &n);
	if (!m || manifest_decode(mraw, n, m) != 0)
		return 99;
	ek = slurp("tests/vectors/evidence/ek.pub", &n);
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(ek, n, &off, &pins.ek) != 0 ||
	    attestation_read_pubkey("tests/vectors/evidence/verifier.pem", pins.verifier_pub) != 0)
		return 99;
	pins.manifest = m;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			hv_verify_set_workers(atoi(argv[++i]));
		} else {
			sizes[0] = strtoul(argv[i], NULL, 10);
			nsizes = 1;
		}
	}
	for (size_t i = 0; i < honest.nrecords; i++) {
		struct record r;

		if (record_decode(honest.records[i].p, honest.records[i].n, &r) == 0 && r.kind == REC_CHECKPOINT)
			sig = (struct bytes){ r.u.checkpoint.sig, r.u.checkpoint.sig_len };
	}
	if (!sig.p)
		return 99;
	{
		TPM2B_PUBLIC ak = { 0 };
		TPMT_SIGNATURE ts = { 0 };
		EVP_PKEY *key;
		uint8_t msg[CHECKPOINT_MSG_BYTES] = { 0 };
		double t[5];

		off = 0;
		if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(honest.ak.p, honest.ak.n, &off, &ak) != 0 ||
		    !(key = tpmkey_ecc_p256(&ak)))
			return 99;
		off = 0;
		if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig.p, sig.n, &off, &ts) != 0)
			return 99;
		for (int k = 0; k < 5; k++) {
			double t0 = now();

			for (int i = 0; i < 200; i++)
				(void)!tpmkey_verify(key, msg, sizeof(msg), &ts);
			t[k] = (now() - t0) / 200;
		}
		qsort(t, 5, sizeof(t[0]), cmp);
		printf("one checkpoint signature check (ECDSA P-256, median of 5 x 200): %.1f us\n", t[2] * 1e6);
		EVP_PKEY_free(key);
	}
	printf("host-verify on bundles (median of 5; goal: 100k records in <= 50 ms, chain >= 2 M records/s):\n");
	printf("  %7s  %9s  %9s  %13s  %15s  %9s  %8s\n", "records", "verify ms", "(CPU ms)", "chain M rec/s",
	       "SHA-256 M rec/s", "chain/SHA", "main ms");
	for (size_t s = 0; s < nsizes; s++) {
		double t[5], tc[5], tm[5], rate[5], sha[5];
		uint8_t *buf;

		b = honest;
		make_records(&b, sizes[s], &sig, &buf);
		for (int k = 0; k < 5; k++) {
			struct hv_verdict v;
			struct chain c;
			struct record r;
			double t0 = now(), c0 = cpu(), m0 = thread_cpu(), t1;
			uint8_t d[32];

			if (hv_verify(&b, &pins, &v) != 0)
				return 99;
			t[k] = now() - t0;
			tc[k] = cpu() - c0;
			tm[k] = thread_cpu() - m0;
			hv_verdict_free(&v);
			/* the record chain alone: decode, hash, link */
			if (chain_init(&c, b.nonce) != 0)
				return 99;
			t0 = now();
			for (size_t i = 0; i < b.nrecords; i++)
				if (chain_accept(&c, b.records[i].p, b.records[i].n, &r) != 0)
					return 98;
			t1 = now();
			rate[k] = (double)b.nrecords / (t1 - t0);
			/* the baseline: each record's bytes hashed, nothing else */
			t0 = now();
			for (size_t i = 0; i < b.nrecords; i++)
				if (sha256_buf(b.records[i].p, b.records[i].n, d) != 0)
					return 98;
			t1 = now();
			sha[k] = (double)b.nrecords / (t1 - t0);
		}
		qsort(t, 5, sizeof(t[0]), cmp);
		qsort(tc, 5, sizeof(tc[0]), cmp);
		qsort(tm, 5, sizeof(tm[0]), cmp);
		qsort(rate, 5, sizeof(rate[0]), cmp);
		qsort(sha, 5, sizeof(sha[0]), cmp);
		printf("  %7zu  %9.2f  %9.2f  %13.2f  %15.2f  %9.2f  %8.2f   (%zu checkpoints)\n", sizes[s],
		       t[2] * 1e3, tc[2] * 1e3, rate[2] / 1e6, sha[2] / 1e6, rate[2] / sha[2], tm[2] * 1e3,
		       sizes[s] / 256);
		free(b.records);
		free(buf);
	}
	bundle_free(&honest);
	free(raw);
	free(mraw);
	free(ek);
	free(m);
	return 0;
}
