// SPDX-License-Identifier: MIT
/* in-toto statements in DSSE envelopes: sign and verify, every forgery of
 * a byte refused, a bad-input table with exact errors, the PAE of the
 * DSSE specification, and the key files. */
#include "t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "attestation.h"
#include "record.h"
#include "sha256.h"

/* verify.c has the real tables; report.c needs the symbols only. */
const char *hv_reason_name(enum hv_reason r)
{
	(void)r;
	return "reason";
}

const char *hv_reason_text(enum hv_reason r)
{
	(void)r;
	return "a check failed";
}

static uint8_t pk[32], sk[64], pk2[32], sk2[64];

static void keys(void)
{
	uint8_t seed[32];

	REQUIRE(sodium_init() >= 0);
	memset(seed, 7, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(seed, 8, sizeof(seed));
	crypto_sign_seed_keypair(pk2, sk2, seed);
}

static struct hv_verdict *make_verdict(void)
{
	static const char *const names[] = { "adds", "divides", "network", "later", "" };
	struct hv_verdict *v = calloc(1, sizeof(*v));

	REQUIRE(v);
	v->tests = calloc(5, sizeof(*v->tests));
	REQUIRE(v->tests);
	v->ntests = 5;
	for (size_t i = 0; i < 5; i++) {
		v->tests[i].num = i + 1;
		v->tests[i].ok = true;
		snprintf(v->tests[i].name, sizeof(v->tests[i].name), "%s", names[i]);
	}
	v->tests[2].directive = DIRECTIVE_SKIP;
	v->attested = true;
	v->exit = EXIT_PASSED;
	memset(v->image_digest, 0x11, 32);
	memset(v->agent_digest, 0x22, 32);
	memset(v->harness_digest, 0x33, 32);
	memset(v->runspec_digest, 0x44, 32);
	return v;
}

static void free_verdict(struct hv_verdict *v)
{
	free(v->tests);
	free(v);
}

/* The envelope for v, signed with k, as a NUL-terminated string. */
static char *envelope(const struct hv_verdict *v, const struct attestation_info *info,
		      const uint8_t k[static 64], size_t *ret_len, int *ret_err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	*ret_err = attestation_write_info(v, info, k, f);
	REQUIRE(fclose(f) == 0);
	*ret_len = len;
	return buf;
}

static char *good_envelope(size_t *ret_len)
{
	struct hv_verdict *v = make_verdict();
	int err;
	char *e = envelope(v, NULL, sk, ret_len, &err);

	REQUIRE(err == 0);
	free_verdict(v);
	return e;
}

static int verify(const char *e, size_t n)
{
	return attestation_verify((const uint8_t *)e, n, pk, NULL, NULL);
}

/* Where a field's string value starts and how long it is. */
static void field(const char *e, const char *name, size_t *ret_off, size_t *ret_len)
{
	char key[32];
	const char *p, *q;

	snprintf(key, sizeof(key), "\"%s\":\"", name);
	p = strstr(e, key);
	REQUIRE(p);
	p += strlen(key);
	q = strchr(p, '"');
	REQUIRE(q);
	*ret_off = (size_t)(p - e);
	*ret_len = (size_t)(q - p);
}

static void pae_of_the_spec(void)
{
	/* DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world") */
	static const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
	uint8_t *p = NULL;
	size_t n = 0;

	CHECK_EQ(attestation_pae("http://example.com/HelloWorld", (const uint8_t *)"hello world", 11, &p, &n), 0);
	CHECK_EQ(n, sizeof(want) - 1);
	CHECK(p && memcmp(p, want, n) == 0);
	free(p);
	CHECK_EQ(attestation_pae("", NULL, 0, &p, &n), 0);
	CHECK(n == 12 && memcmp(p, "DSSEv1 0  0 ", n) == 0);
	free(p);
}

static void keyid_is_sha256_of_key(void)
{
	uint8_t h[32];
	char want[65], got[65];

	REQUIRE(sha256_buf(pk, 32, h) == 0);
	for (size_t i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", h[i]);
	attestation_keyid(pk, got);
	CHECK(strcmp(want, got) == 0);
}

static void sign_then_verify(void)
{
	size_t n, plen = 0;
	char *e = good_envelope(&n);
	uint8_t *payload = NULL;
	char *s;

	CHECK_EQ(attestation_verify((const uint8_t *)e, n, pk, &payload, &plen), 0);
	REQUIRE(payload);
	s = strndup((const char *)payload, plen);
	REQUIRE(s);
	CHECK(strncmp(s, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"rootfs.img\","
			 "\"digest\":{\"sha256\":\"1111111111111111111111111111111111111111111111111111111111111111\"}},"
			 "{\"name\":\"agent\",", 160) == 0);
	CHECK(strstr(s, "\"predicateType\":\"https://in-toto.io/attestation/test-result/v0.1\""));
	CHECK(strstr(s, "\"result\":\"WARNED\""));
	CHECK(strstr(s, "{\"name\":\"runspec\",\"digest\":{\"sha256\":\"4444"));
	/* the trees' digests are vouch's tree hash, named as such, never "sha256" */
	CHECK(strstr(s, "{\"name\":\"agent\",\"digest\":{\"vouch-tree-sha256\":\"2222"));
	CHECK(strstr(s, "{\"name\":\"harness\",\"digest\":{\"vouch-tree-sha256\":\"3333"));
	CHECK(!strstr(s, "\"sha256\":\"2222") && !strstr(s, "\"sha256\":\"3333"));
	CHECK(strstr(s, "\"passedTests\":[\"adds\",\"divides\",\"later\",\"test 5\"],"
			"\"warnedTests\":[\"network\"],\"failedTests\":[]}}"));
	CHECK(!strstr(s, "\"url\""));
	CHECK(strncmp(e, "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"", 57) == 0);
	free(s);
	free(payload);
	free(e);
}

static void results_and_info(void)
{
	struct hv_verdict *v = make_verdict();
	struct attestation_info info = { .url = "https://ci.example/job/1?a=\"b\"", .has_manifest = true };
	uint8_t *payload = NULL;
	size_t n, plen;
	int err;
	char *e, *s;

	memset(info.manifest_digest, 0x55, 32);
	v->tests[2].directive = DIRECTIVE_NONE;
	v->tests[1].ok = false;
	v->exit = EXIT_TESTS_FAILED;
	e = envelope(v, &info, sk, &n, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(attestation_verify((const uint8_t *)e, n, pk, &payload, &plen), 0);
	REQUIRE(payload);
	s = strndup((const char *)payload, plen);
	REQUIRE(s);
	CHECK(strstr(s, "\"result\":\"FAILED\""));
	CHECK(strstr(s, "{\"name\":\"manifest\",\"digest\":{\"sha256\":\"5555"));
	CHECK(strstr(s, "\"url\":\"https://ci.example/job/1?a=\\\"b\\\"\""));
	CHECK(strstr(s, "\"failedTests\":[\"divides\"]"));
	free(s);
	free(payload);
	free(e);

	v->tests[1].ok = true;
	v->exit = EXIT_PASSED;
	e = envelope(v, NULL, sk, &n, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(attestation_verify((const uint8_t *)e, n, pk, &payload, &plen), 0);
	CHECK(payload && memmem(payload, plen, "\"result\":\"PASSED\"", 17));
	free(payload);
	free(e);

	/* evidence that did not hold is not signed */
	v->attested = false;
	v->exit = EXIT_REJECTED;
	e = envelope(v, NULL, sk, &n, &err);
	CHECK_EQ(err, MB_E_INVAL);
	CHECK_EQ(n, 0);
	free(e);
	free_verdict(v);
}

/* Every byte of the payload and the signature changed. All 255 other
 * values where base64 has its corner cases (the signature, the payload's
 * first and last groups with the padding and unused bits); in between,
 * where an Ed25519 check for each of 64 letters at each of ~1,000
 * positions would take seconds, three: another letter of the same case,
 * the other case, and a byte outside the alphabet. */
static void every_byte_of_payload_and_sig(void)
{
	static const uint8_t flips[] = { 0x01, 0x20, 0x80 };
	size_t n, off[2], len[2];
	char *e = good_envelope(&n);
	unsigned accepted = 0, tried = 0;

	field(e, "payload", &off[0], &len[0]);
	field(e, "sig", &off[1], &len[1]);
	for (size_t f = 0; f < 2; f++) {
		for (size_t i = off[f]; i < off[f] + len[f]; i++) {
			char keep = e[i];
			bool all = f == 1 || i < off[f] + 16 || i + 16 >= off[f] + len[f];

			for (int b = 0; b < (all ? 256 : (int)sizeof(flips)); b++) {
				e[i] = all ? (char)b : (char)(keep ^ flips[b]);
				/* the same value in the other alphabet: accepted
				 * only when the string is then all URL-safe */
				if (e[i] == keep || (keep == '+' && e[i] == '-') || (keep == '/' && e[i] == '_'))
					continue;
				accepted += verify(e, n) == 0;
				tried++;
			}
			e[i] = keep;
		}
	}
	CHECK_EQ(accepted, 0);
	CHECK(tried > 120 * 255);
	CHECK_EQ(verify(e, n), 0);
	free(e);
}

/* Three flips of every byte anywhere; only the closing newline may
 * become other whitespace, and the keyid's value (DSSE's unauthenticated
 * hint) any other printable text. */
static void every_byte_of_envelope(void)
{
	static const uint8_t flips[] = { 0x01, 0x20, 0x80 };
	size_t n, koff, klen;
	char *e = good_envelope(&n);
	unsigned accepted = 0, hints = 0;

	REQUIRE(e[n - 1] == '\n');
	field(e, "keyid", &koff, &klen);
	for (size_t i = 0; i + 1 < n; i++) {
		bool hint = i >= koff && i < koff + klen;

		for (size_t k = 0; k < sizeof(flips); k++) {
			e[i] ^= (char)flips[k];
			if (verify(e, n) == 0) {
				if (hint && e[i] >= 0x20 && e[i] < 0x7f && e[i] != '"' && e[i] != '\\')
					hints++;
				else
					accepted++;
			}
			e[i] ^= (char)flips[k];
		}
	}
	CHECK_EQ(accepted, 0);
	CHECK(hints > 0);
	free(e);
}

static void truncated_at_every_offset(void)
{
	size_t n;
	char *e = good_envelope(&n);
	unsigned wrong = 0;

	for (size_t k = 0; k + 1 < n; k++) {
		int err = verify(e, k);

		if (err != MB_E_TRUNCATED) {
			if (!wrong)
				printf("# prefix of %zu bytes: %s\n", k, mb_errname(err));
			wrong++;
		}
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(verify(e, n - 1), 0); /* without the newline */
	free(e);
}

static void wrong_key(void)
{
	size_t n, n2, off, len;
	char *e = good_envelope(&n), *e2;
	struct hv_verdict *v = make_verdict();
	uint8_t *payload = (uint8_t *)"untouched";
	size_t plen = 9;
	int err;

	CHECK_EQ(attestation_verify((const uint8_t *)e, n, pk2, &payload, &plen), ATT_E_KEYID);
	CHECK(strcmp((const char *)payload, "untouched") == 0 && plen == 9);
	/* signed by another key but claiming ours: the signature decides */
	e2 = envelope(v, NULL, sk2, &n2, &err);
	REQUIRE(err == 0);
	field(e2, "keyid", &off, &len);
	attestation_keyid(pk, e2 + off);
	e2[off + len] = '"';
	CHECK_EQ(attestation_verify((const uint8_t *)e2, n2, pk, &payload, &plen), ATT_E_SIGNATURE);
	CHECK(strcmp((const char *)payload, "untouched") == 0 && plen == 9);
	/* the keyid is DSSE's unauthenticated hint: the signature decides */
	CHECK_EQ(attestation_verify((const uint8_t *)e2, n2, pk2, NULL, NULL), 0);
	free(e2);
	free(e);
	free_verdict(v);
}

static void oversized(void)
{
	size_t n = MAX_ENVELOPE_BYTES + 1;
	char *big = malloc(n);

	REQUIRE(big);
	memset(big, ' ', n);
	CHECK_EQ(verify(big, n), MB_E_TOO_LARGE);
	free(big);
}

/* Fills a template: @T payloadType, @P payload, @K keyid, @S sig, @6 a
 * valid base64 of 63 bytes, @N the signature with a non-zero unused bit,
 * @U the signature in the URL-safe alphabet, @D without its padding, @F
 * another key's keyid, @X another key's signature. */
static char *fill(const char *tpl, const char *const parts[static 10], size_t *ret_len)
{
	static const char marks[] = "TPKS6NUDFX";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	for (const char *c = tpl; *c; c++) {
		const char *m = c[0] == '@' && c[1] ? strchr(marks, c[1]) : NULL;

		if (m) {
			fputs(parts[m - marks], f);
			c++;
		} else {
			fputc(*c, f);
		}
	}
	REQUIRE(fclose(f) == 0);
	*ret_len = len;
	return buf;
}

/* Envelopes built from the good one's parts with one defect each. */
static void bad_inputs(void)
{
	static const struct { const char *tpl; int want; } rows[] = {
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", 0 },
		{ " {\n  \"signatures\" : [ {\"sig\":\"@S\", \"keyid\":\"@K\"} ],\r\n\t\"payload\": \"@P\",\n"
		  "  \"payloadType\": \"@T\"\n}\n\n", 0 },
		{ "", MB_E_TRUNCATED },
		{ "  \n", MB_E_TRUNCATED },
		{ "[\"@T\"]", MB_E_TYPE },
		{ "{}", MB_E_MISSING_KEY },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\"}", MB_E_MISSING_KEY },
		/* DSSE: keyid is an optional, unauthenticated hint */
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"sig\":\"@S\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"@S\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"ab\",\"sig\":\"@S\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\"}]}", MB_E_MISSING_KEY },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{}]}", MB_E_MISSING_KEY },
		/* both alphabets, padded or not; never both alphabets in one string */
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@U\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@D\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@D=\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"e3-/\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"e3_+\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_BASE64 },
		/* several signatures: one by the key is enough, wherever it is */
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@F\",\"sig\":\"@X\"},"
		  "{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"},"
		  "{\"sig\":\"@6\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@F\",\"sig\":\"@X\"},"
		  "{\"sig\":\"@X\"}]}", ATT_E_SIGNATURE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@F\",\"sig\":\"@X\"},"
		  "{\"keyid\":\"@F\",\"sig\":\"@S\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@F\",\"sig\":\"@X\"}]}", ATT_E_KEYID },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@F\",\"sig\":\"@X\"},"
		  "{\"keyid\":\"@K\",\"sig\":\"!!!!\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"},"
		  "{\"keyid\":\"@K\",\"sig\":\"@S\"},]}", MB_E_MALFORMED },
		{ "{\"payloadType\":\"@T\",\"payloadType\":\"@T\"}", MB_E_KEY_ORDER },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"Payload\":\"@P\"}", MB_E_UNKNOWN_KEY },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\",\"x\":1}]}",
		  MB_E_UNKNOWN_KEY },
		{ "{\"a_very_long_member_name_that_is_no_dsse_field\":0}", MB_E_UNKNOWN_KEY },
		{ "{\"payloadType\":\"@T\",\"payload\":1,\"signatures\":[]}", MB_E_TYPE },
		{ "{\"payloadType\":\"@T\",\"payload\":null}", MB_E_TYPE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":{}}", MB_E_TYPE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[\"@S\"]}", MB_E_TYPE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[]}", MB_E_LIMIT },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"},"
		  "{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", 0 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]} x",
		  MB_E_TRAILING },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}{}",
		  MB_E_TRAILING },
		{ "{\"payloadType\":\"@T\",}", MB_E_MALFORMED },
		{ "{\"payloadType\"=\"@T\"}", MB_E_MALFORMED },
		{ "{payloadType:\"@T\"}", MB_E_MALFORMED },
		{ "{\"payloadType\":\"@T\";}", MB_E_MALFORMED },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}}}",
		  MB_E_MALFORMED },
		{ "{\"payloadType\":\"application\\/vnd.in-toto+json\"}", MB_E_UNSUPPORTED },
		{ "{\"payloadType\":\"a\tb\"}", MB_E_MALFORMED },
		{ "{\"payloadType\":\"caf\xc3\xa9\"}", MB_E_MALFORMED },
		{ "{\"payloadType\":\"application/json\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}",
		  ATT_E_PAYLOAD_TYPE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"!!!!\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@6\"}]}", ATT_E_SIG_LENGTH },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@N\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"@P=\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"e30\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_SIGNATURE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"e3\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"e3 0=\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_BASE64 },
		{ "{\"payloadType\":\"@T\",\"payload\":\"e30=\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_SIGNATURE },
		{ "{\"payloadType\":\"@T\",\"payload\":\"\",\"signatures\":[{\"keyid\":\"@K\",\"sig\":\"@S\"}]}", ATT_E_SIGNATURE },
	};
	char sig63[85], *parts[10];
	size_t n, n2, off, len;
	char *e = good_envelope(&n), *e2;
	struct hv_verdict *v = make_verdict();
	int err0;
	const char *names[] = { "payloadType", "payload", "keyid", "sig" };

	for (size_t i = 0; i < 4; i++) {
		field(e, names[i], &off, &len);
		parts[i] = strndup(e + off, len);
		REQUIRE(parts[i]);
	}
	memset(sig63, 'A', 84); /* 63 zero bytes */
	sig63[84] = '\0';
	parts[4] = sig63;
	/* the unused bits of the last group: 'A', 'Q', 'g', 'w' are the
	 * canonical choices, the next letter sets the lowest unused bit */
	parts[5] = strdup(parts[3]);
	REQUIRE(parts[5] && strlen(parts[5]) == 88 && parts[5][86] == '=' && parts[5][87] == '=');
	parts[5][85]++;
	parts[6] = strdup(parts[3]); /* URL-safe: the same bytes */
	parts[7] = strndup(parts[3], 86); /* unpadded */
	REQUIRE(parts[6] && parts[7]);
	for (char *c = parts[6]; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
	/* another key's keyid and signature over the same statement */
	e2 = envelope(v, NULL, sk2, &n2, &err0);
	REQUIRE(err0 == 0);
	field(e2, "keyid", &off, &len);
	parts[8] = strndup(e2 + off, len);
	field(e2, "sig", &off, &len);
	parts[9] = strndup(e2 + off, len);
	REQUIRE(parts[8] && parts[9] && strcmp(parts[9], parts[3]) != 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *buf = fill(rows[i].tpl, (const char *const *)parts, &len);
		int err = verify(buf, len);

		t_report(err == rows[i].want, "envelope row %zu: %s (want: %s)", i, attestation_strerror(err),
			 attestation_strerror(rows[i].want));
		free(buf);
	}
	for (size_t i = 0; i < 10; i++)
		if (i != 4)
			free(parts[i]);
	free(e);
	free(e2);
	free_verdict(v);
}

/* ---- key files ---- */

static char dir[] = "/tmp/test_attestation.XXXXXX";

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void key_created_then_loaded(void)
{
	char path[128];
	uint8_t a_pk[32], a_sk[64], b_pk[32], b_sk[64], derived[32];
	struct stat st;

	path_in(path, sizeof(path), "signing.key");
	CHECK_EQ(attestation_load_or_create_key(path, a_pk, a_sk), 0);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 && st.st_size == 64);
	crypto_sign_ed25519_sk_to_pk(derived, a_sk);
	CHECK_MEM(derived, a_pk, 32);
	CHECK_EQ(attestation_load_or_create_key(path, b_pk, b_sk), 0);
	CHECK_MEM(a_pk, b_pk, 32);
	CHECK_MEM(a_sk, b_sk, 64);
	sodium_memzero(a_sk, sizeof(a_sk));
	sodium_memzero(b_sk, sizeof(b_sk));
}

static void write_bytes(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	REQUIRE(fd >= 0 && write(fd, p, n) == (ssize_t)n && fchmod(fd, mode) == 0 && close(fd) == 0);
}

static void bad_key_files(void)
{
	char good[128], path[128];
	uint8_t key[64], out_pk[32], out_sk[64], zero_pk[32] = { 0 }, zero_sk[64] = { 0 };
	int err;

	path_in(good, sizeof(good), "signing.key");
	memcpy(key, sk, 64);
	memset(out_pk, 0, 32);
	memset(out_sk, 0, 64);
#define BAD(name, want)                                                              \
	do {                                                                         \
		path_in(path, sizeof(path), name);                                   \
		err = attestation_load_or_create_key(path, out_pk, out_sk);          \
		t_report(err == (want) && memcmp(out_pk, zero_pk, 32) == 0 &&        \
				 memcmp(out_sk, zero_sk, 64) == 0,                   \
			 "key file %s: %s", name, attestation_strerror(err));        \
	} while (0)
	path_in(path, sizeof(path), "open.key");
	write_bytes(path, key, 64, 0644);
	BAD("open.key", ATT_E_KEY_MODE);
	path_in(path, sizeof(path), "short.key");
	write_bytes(path, key, 63, 0600);
	BAD("short.key", MB_E_LENGTH);
	key[40] ^= 1; /* the public half no longer the seed's */
	path_in(path, sizeof(path), "mixed.key");
	write_bytes(path, key, 64, 0600);
	BAD("mixed.key", ATT_E_KEY);
	path_in(path, sizeof(path), "link.key");
	REQUIRE(symlink(good, path) == 0);
	BAD("link.key", MB_E_FILE_TYPE);
	path_in(path, sizeof(path), "dir.key");
	REQUIRE(mkdir(path, 0700) == 0);
	BAD("dir.key", MB_E_FILE_TYPE);
	path_in(path, sizeof(path), "fifo.key");
	REQUIRE(mkfifo(path, 0600) == 0);
	BAD("fifo.key", MB_E_FILE_TYPE);
	BAD("no-such-dir/x.key", MB_E_IO);
#undef BAD
	CHECK_EQ(attestation_load_or_create_key("", out_pk, out_sk), MB_E_INVAL);
}

static void pubkey_round_trip(void)
{
	/* RFC 8410 section 10.1's example public key */
	static const char rfc8410[] = "-----BEGIN PUBLIC KEY-----\n"
				      "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
				      "-----END PUBLIC KEY-----\n";
	char path[128], buf[256];
	uint8_t got[32], want[32];
	FILE *f;
	size_t n;

	path_in(path, sizeof(path), "signing.pub");
	CHECK_EQ(attestation_write_pubkey(path, pk), 0);
	CHECK_EQ(attestation_read_pubkey(path, got), 0);
	CHECK_MEM(got, pk, 32);
	f = fopen(path, "r");
	REQUIRE(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	CHECK(strncmp(buf, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA", 42) == 0);
	/* the RFC's key, written by someone else, reads */
	REQUIRE(t_hex("19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1", want, 32) == 32);
	path_in(path, sizeof(path), "rfc.pub");
	write_bytes(path, rfc8410, sizeof(rfc8410) - 1, 0644);
	CHECK_EQ(attestation_read_pubkey(path, got), 0);
	CHECK_MEM(got, want, 32);
	/* an X25519 key (OID 1.3.101.110) is no signing key */
	write_bytes(path, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
			  "-----END PUBLIC KEY-----\n", sizeof(rfc8410) - 1, 0644);
	CHECK_EQ(attestation_read_pubkey(path, got), MB_E_ALG);
	write_bytes(path, rfc8410, sizeof(rfc8410) - 2, 0644);
	CHECK_EQ(attestation_read_pubkey(path, got), MB_E_LENGTH);
}

/* What --verify-attestation gates on, read back from a signed statement. */
static enum attestation_result result_of_envelope(struct hv_verdict *v, const uint8_t *nonce,
						  const uint8_t *subject, int *ret_err)
{
	enum attestation_result r = (enum attestation_result)99;
	uint8_t *payload = NULL;
	size_t n, plen = 0;
	int err;
	char *e = envelope(v, NULL, sk, &n, &err);

	REQUIRE(err == 0 && attestation_verify((const uint8_t *)e, n, pk, &payload, &plen) == 0);
	*ret_err = attestation_statement_check(payload, plen, nonce, subject, &r);
	free(payload);
	free(e);
	return r;
}

static void statement_gate(void)
{
	struct hv_verdict *v = make_verdict();
	uint8_t nonce[32], other[32], image[32];
	int err;

	memset(nonce, 0xab, 32);
	memset(other, 0xac, 32);
	memset(image, 0x11, 32);
	memcpy(v->nonce, nonce, 32);
	CHECK_EQ(result_of_envelope(v, nonce, image, &err), ATT_RESULT_WARNED);
	CHECK_EQ(err, 0);
	v->tests[2].directive = DIRECTIVE_NONE;
	CHECK_EQ(result_of_envelope(v, NULL, NULL, &err), ATT_RESULT_PASSED);
	CHECK_EQ(err, 0);
	/* a test name cannot pose as a member: its quotes are escaped */
	snprintf(v->tests[0].name, sizeof(v->tests[0].name),
		 "\"result\":\"PASSED\",{\"name\":\"vouch.session-nonce\",\"annotations\":{\"nonce\":\"%s\"}}",
		 "acacacacacacacacacacacacacacacacacacacacacacacacacacacacacacacac");
	v->tests[1].ok = false;
	v->exit = EXIT_TESTS_FAILED;
	CHECK_EQ(result_of_envelope(v, nonce, NULL, &err), ATT_RESULT_FAILED);
	CHECK_EQ(err, 0);
	result_of_envelope(v, other, NULL, &err);
	CHECK_EQ(err, ATT_E_NONCE);
	result_of_envelope(v, NULL, other, &err);
	CHECK_EQ(err, ATT_E_SUBJECT);
	/* the runspec digest is configuration, not a subject */
	memset(image, 0x44, 32);
	result_of_envelope(v, NULL, image, &err);
	CHECK_EQ(err, ATT_E_SUBJECT);
	/* the agent tree's digest is a subject, but no file's SHA-256 */
	memset(image, 0x22, 32);
	result_of_envelope(v, NULL, image, &err);
	CHECK_EQ(err, ATT_E_SUBJECT);
	free_verdict(v);

	static const char *const bad[] = {
		"", "{}", "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[",
		"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],\"predicateType\":"
		"\"https://in-toto.io/attestation/test-result/v0.1\",\"predicate\":{\"result\":\"MAYBE\"}}",
		"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],\"predicateType\":"
		"\"https://in-toto.io/attestation/test-result/v0.1\",\"predicate\":{\"result\":\"PASSED",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum attestation_result r = ATT_RESULT_WARNED;

		err = attestation_statement_check((const uint8_t *)bad[i], strlen(bad[i]), NULL, NULL, &r);
		t_report(err == MB_E_MALFORMED && r == ATT_RESULT_WARNED, "statement row %zu: %s", i,
			 attestation_strerror(err));
	}
}

int main(void)
{
	char cmd[128];

	keys();
	REQUIRE(mkdtemp(dir));
	RUN(pae_of_the_spec);
	RUN(keyid_is_sha256_of_key);
	RUN(sign_then_verify);
	RUN(results_and_info);
	RUN(statement_gate);
	RUN(every_byte_of_payload_and_sig);
	RUN(every_byte_of_envelope);
	RUN(truncated_at_every_offset);
	RUN(wrong_key);
	RUN(oversized);
	bad_inputs();
	RUN(key_created_then_loaded);
	bad_key_files();
	RUN(pubkey_round_trip);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	REQUIRE(system(cmd) == 0);
	return t_done();
}
