// SPDX-License-Identifier: MIT
#include "judge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "attestation.h"
#include "bundle.h"
#include "manifest.h"
#include "record.h"
#include "report.h"
#include "results.h"
#include "sha256.h"
#include "tpmpub.h"
#include "verify.h"

static uint8_t *slurp(const char *path, size_t *n, size_t max)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && (size_t)len <= max &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) &&
	    fread(buf, 1, (size_t)len, f) == (size_t)len) {
		*n = (size_t)len;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Who the messages name: "host-verify", or "vouch verify" and the like. */
static const char *prog(const struct hv_files *o)
{
	return o->prog ? o->prog : "host-verify";
}

void hv_default_cache(char *buf, size_t cap)
{
	const char *v = getenv("VOUCH_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

	if (v && *v)
		snprintf(buf, cap, "%s", v);
	else if (x && *x)
		snprintf(buf, cap, "%s/vouch", x);
	else
		snprintf(buf, cap, "%s/.cache/vouch", h ? h : "/tmp");
}

/* The Ed25519 key whose signature on an activation transcript (or a DSSE
 * envelope) we trust: --verifier-key (PEM), else this host's own. */
static int verifier_pub(const struct hv_files *o, uint8_t pk[32])
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	char path[PATH_MAX + 32];
	int e;

	if (o->verifier_key) {
		if ((e = attestation_read_pubkey(o->verifier_key, pk)) < 0)
			fprintf(stderr, "%s: %s: %s\n", prog(o), o->verifier_key, mb_strerror(e));
		return e < 0 ? -1 : 0;
	}
	snprintf(path, sizeof(path), "%s/verifier.key", o->cache);
	e = attestation_load_or_create_key(path, pk, sk);
	sodium_memzero(sk, sizeof(sk));
	if (e < 0)
		fprintf(stderr, "%s: verifier key %s: %s\n", prog(o), path, mb_strerror(e));
	return e < 0 ? -1 : 0;
}

/* A hex argument of exactly 32 bytes (a nonce or a SHA-256). */
static int hex_arg(const struct hv_files *o, const char *what, const char *s, uint8_t out[static 32])
{
	if (sha256_from_hex(s, strlen(s), out) < 0) {
		fprintf(stderr, "%s: %s: not 64 lowercase hex digits\n", prog(o), what);
		return -1;
	}
	return 0;
}

int hv_check_envelope(const struct hv_files *o)
{
	static const char *const words[] = { "PASSED", "WARNED", "FAILED" };
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], *env, *payload = NULL, nonce[32], subject[32];
	enum attestation_result res = ATT_RESULT_FAILED;
	size_t n, pn = 0, which = 0, count = 1;
	int e;

	if (sodium_init() < 0)
		return EXIT_INTERNAL;
	if ((o->nonce_hex && hex_arg(o, "--nonce", o->nonce_hex, nonce) < 0) ||
	    (o->subject_hex && hex_arg(o, "--subject", o->subject_hex, subject) < 0))
		return EXIT_USAGE;
	if (verifier_pub(o, pk) < 0)
		return EXIT_USAGE;
	if (!(env = slurp(o->check_envelope, &n, 16u << 20))) {
		fprintf(stderr, "%s: cannot read %s\n", prog(o), o->check_envelope);
		return EXIT_USAGE;
	}
	e = attestation_verify_which(env, n, pk, &payload, &pn, &which, &count);
	free(env);
	if (e == 0)
		e = attestation_statement_check(payload, pn, o->nonce_hex ? nonce : NULL,
						o->subject_hex ? subject : NULL, &res);
	free(payload);
	if (e < 0) {
		printf("attestation: REJECTED: %s\n", attestation_strerror(e));
		return EXIT_REJECTED;
	}
	printf("attestation: signature OK (%zu-byte in-toto statement", pn);
	if (count > 1) /* which one the key made */
		printf("; signature %zu of %zu", which + 1, count);
	printf("), result %s%s%s\n", words[res], o->nonce_hex ? ", this session" : "",
	       o->subject_hex ? ", this subject" : "");
	/* the gate: a verified statement of a failed run fails the pipeline */
	return res == ATT_RESULT_FAILED ? EXIT_TESTS_FAILED : EXIT_PASSED;
}

static int load_pins(const struct hv_files *o, struct hv_pins *pins)
{
	char path[PATH_MAX + 32];
	uint8_t *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/vtpm-v1/ek.pub", o->cache);
	buf = slurp(o->ek ? o->ek : path, &n, 4096);
	if (!buf || mb_public_unmarshal(buf, n, &pins->ek) < 0) {
		fprintf(stderr, "%s: cannot read the pinned EK %s\n", prog(o), o->ek ? o->ek : path);
		free(buf);
		return -1;
	}
	free(buf);
	if (o->nonce_hex) {
		if (hex_arg(o, "--nonce", o->nonce_hex, pins->nonce) < 0)
			return -1;
		pins->has_nonce = true;
	}
	pins->require_agent_boundary = o->require_agent_boundary;
	return verifier_pub(o, pins->verifier_pub);
}

/* When the JUnit report says it was judged: SOURCE_DATE_EPOCH for
 * reproducible reports, else now. The guest has no clock worth trusting
 * for the wall time; its own times are only durations. */
static int64_t judged_at(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	int64_t t = 0;

	if (s && *s && strlen(s) <= 12) {
		for (; *s >= '0' && *s <= '9'; s++)
			t = t * 10 + (*s - '0');
		if (*s == '\0')
			return t;
	}
	return (int64_t)time(NULL);
}

static int write_junit(const struct hv_files *o, const struct hv_verdict *v, const struct bundle *b)
{
	struct report_junit_info info = { .suite = "vouch", .timestamp = judged_at() };
	struct report_capture *cap = malloc(sizeof(*cap));
	char host[256];
	FILE *f;
	int e = -1;

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		info.hostname = host;
	}
	/* rejected evidence: its output is not shown (report_capture_output refuses) */
	if (cap && report_capture_output(b, v, cap) == 0)
		info.capture = cap;
	if (v->exit != EXIT_REJECTED && !info.capture)
		goto out; /* out of memory, or records v did not judge */
	if (!(f = fopen(o->junit, "we")))
		goto out;
	e = report_junit_info(v, &info, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		e = -1;
out:
	free(cap);
	return e;
}

/* Where the run can be seen: --url, else the job's page when the CI
 * names it (GitHub Actions, GitLab CI), else none. */
static const char *run_url(const struct hv_files *o, char *buf, size_t cap)
{
	const char *srv = getenv("GITHUB_SERVER_URL"), *repo = getenv("GITHUB_REPOSITORY"),
		   *id = getenv("GITHUB_RUN_ID"), *gl = getenv("CI_JOB_URL");
	int k;

	if (o->url)
		return o->url;
	if (srv && *srv && repo && *repo && id && *id) {
		k = snprintf(buf, cap, "%s/%s/actions/runs/%s", srv, repo, id);
		return k > 0 && (size_t)k < cap ? buf : NULL;
	}
	return gl && *gl ? gl : NULL;
}

static int write_outputs(const struct hv_files *o, const struct hv_verdict *v, const struct bundle *b,
			 const struct attestation_info *info)
{
	char path[PATH_MAX + 32];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	FILE *f;
	int e = 0;

	if (o->junit && write_junit(o, v, b) < 0)
		e = -1;
	if (o->json && (!(f = fopen(o->json, "we")) || report_json(v, o->bundle, f) < 0 || fclose(f) != 0))
		e = -1;
	/* an attestation says the evidence held: none for evidence that did not */
	if (o->attestation && v->attested) {
		snprintf(path, sizeof(path), "%s/verifier.key", o->cache);
		if (attestation_load_or_create_key(path, pk, sk) < 0 || !(f = fopen(o->attestation, "we")) ||
		    attestation_write_info(v, info, sk, f) < 0 || fclose(f) != 0)
			e = -1;
		sodium_memzero(sk, sizeof(sk));
	} else if (o->attestation) {
		printf("no attestation written: the evidence was not attested\n");
	}
	return e;
}

/* Each result file, and each case of theirs that failed, by name
 * (untrusted text: printed through the report's escaping). */
static void print_result_files(const struct hv_verdict *v)
{
	size_t shown = 0;

	for (size_t i = 0; i < v->nfiles; i++) {
		const struct hv_result_file *f = &v->files[i];

		printf("  result file ");
		report_put_json_string(stdout, f->name, strnlen(f->name, sizeof(f->name)));
		printf(" (%s): %s", results_format_name(f->format), results_status_name(f->status));
		if (f->status == HV_FILE_PARSED)
			printf(", %llu tests, %llu failed", (unsigned long long)f->tests, (unsigned long long)f->failed);
		else if (f->why[0])
			printf(": %s", f->why);
		putchar('\n');
	}
	for (size_t i = v->stream_tests; i < v->ntests && shown < 20; i++) {
		const struct hv_test *t = &v->tests[i];
		char label[sizeof(t->name) + sizeof(t->classname) + 8];
		size_t n = strcspn(t->message, "\n");

		if (t->ok || t->directive != DIRECTIVE_NONE)
			continue;
		report_test_label(t, label, sizeof(label));
		printf("  failed: ");
		report_put_json_string(stdout, label, strlen(label));
		if (n) {
			printf(": ");
			report_put_json_string(stdout, t->message, n < 200 ? n : 200);
		}
		putchar('\n');
		shown++;
	}
}

static void print_verdict(const struct hv_verdict *v)
{
	static const char *const words[] = { "PASSED", "TESTS FAILED", "REJECTED", "INCOMPLETE" };

	printf("verdict: %s (exit %d)\n", (unsigned)v->exit < 4 ? words[v->exit] : "?", v->exit);
	for (size_t i = 0; i < v->nreasons; i++)
		printf("  %s: %s (%s)\n", hv_reason_name(v->reasons[i].code),
		       hv_reason_text(v->reasons[i].code), v->reasons[i].detail);
	if (v->plain)
		printf("plain run: no agent or harness tree; the pinned root image ran the command\n");
	printf("records %llu, tests %llu passed / %llu failed / %llu skipped / %llu todo, harness exit %d%s%s\n",
	       (unsigned long long)v->records, (unsigned long long)v->passed,
	       (unsigned long long)v->failed, (unsigned long long)v->skipped,
	       (unsigned long long)v->todo, v->harness_exit, v->harness_signal ? " (signal)" : "",
	       v->cut ? ", cut off at a limit" : "");
	if (v->unauthenticated)
		printf("  %llu records after the last verified checkpoint are unauthenticated: not read\n",
		       (unsigned long long)v->unauthenticated);
	if (v->tap_bailed_out)
		printf("  the harness bailed out (TAP \"Bail out!\")\n");
	if (v->tap_plan >= 0 && (uint64_t)v->tap_plan != v->stream_tests)
		printf("  TAP plan 1..%lld, %zu test points\n", (long long)v->tap_plan, v->stream_tests);
	print_result_files(v);
	if (v->tap_plan < 0 && v->ntests == 0 && v->exit != EXIT_REJECTED) {
		printf("  no TAP test points: the verdict rests on the harness's exit status alone\n");
		/* the one surprise of the boundary: TAP on stdout is not read */
		if (v->agent_boundary && v->stdout_bytes > 0)
			printf("  (the agent boundary was on: TAP is read from $VOUCH_TAP_FD only, and stdout\n"
			       "  is a log; see docs/agent-boundary.md)\n");
	}
}


int hv_judge(const struct hv_files *o)
{
	struct hv_pins pins = { 0 };
	struct attestation_info info = { 0 };
	struct hv_verdict v;
	struct bundle b;
	struct manifest *m = NULL;
	uint8_t *bb = NULL, *mb = NULL;
	char url[MAX_URL_BYTES + 1];
	size_t bn, mn;
	int e, rc = EXIT_INTERNAL;

	/* libtss2-mu logs malformed input to stderr; our reasons say it */
	setenv("TSS2_LOG", "all+none", 0);
	if (sodium_init() < 0)
		return EXIT_INTERNAL;
	if (!(bb = slurp(o->bundle, &bn, MAX_BUNDLE_BYTES)) || !(mb = slurp(o->manifest, &mn, MAX_MANIFEST_BYTES))) {
		fprintf(stderr, "%s: cannot read %s\n", prog(o), bb ? o->manifest : o->bundle);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!(m = malloc(sizeof(*m))) || (e = manifest_decode(mb, mn, m)) < 0) {
		fprintf(stderr, "%s: manifest: %s\n", prog(o), m ? mb_strerror(e) : "out of memory");
		rc = EXIT_USAGE;
		goto out;
	}
	pins.manifest = m;
	if (load_pins(o, &pins) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if ((e = bundle_decode(bb, bn, &b)) < 0) {
		printf("verdict: REJECTED (exit 2)\n  bundle-malformed: %s\n", mb_strerror(e));
		rc = EXIT_REJECTED;
		goto out;
	}
	if ((e = hv_verify(&b, &pins, &v)) < 0) {
		fprintf(stderr, "%s: %s\n", prog(o), mb_strerror(e));
		bundle_free(&b);
		goto out;
	}
	print_verdict(&v);
	info.has_manifest = sha256_buf(mb, mn, info.manifest_digest) == 0;
	info.url = run_url(o, url, sizeof(url));
	if (info.url && strlen(info.url) > MAX_URL_BYTES) {
		fprintf(stderr, "%s: the run's URL is over %u bytes: not written\n", prog(o), MAX_URL_BYTES);
		info.url = NULL;
	}
	rc = write_outputs(o, &v, &b, &info) < 0 ? EXIT_INTERNAL : (int)v.exit;
	hv_verdict_free(&v);
	bundle_free(&b);
out:
	free(m);
	free(bb);
	free(mb);
	return rc;
}
