// SPDX-License-Identifier: MIT
#include "attestation.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "io.h"
#include "record.h"
#include "report.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

#define W(code, text) MB_ERR_WORD(ATT_E_BASE_, code, text)

static const struct mb_err_word att_words[] = {
	W(ATT_E_BASE64, "not base64 (standard or URL-safe alphabet, padded or not, canonical)"),
	W(ATT_E_PAYLOAD_TYPE, "payload type is not in-toto's"),
	W(ATT_E_KEYID, "no signature by the key: every keyid names another"),
	W(ATT_E_SIGNATURE, "no signature verifies under the key"),
	W(ATT_E_KEY_MODE, "key file readable by others or owned by another user"),
	W(ATT_E_KEY, "key file does not hold a consistent key pair"),
	W(ATT_E_NONCE, "statement of another session (nonce)"),
	W(ATT_E_SUBJECT, "statement about another image (subject)"),
	W(ATT_E_SIG_LENGTH, "no signature of an Ed25519 signature's length"),
};
/* Known wherever this file, the only one returning them, is linked
 * (measured-boot/err.h). */
MB_ERR_REGISTER(att, ATT_E_BASE_, ATT_E_MIN_, att_words)

const char *attestation_strerror(int err)
{
	switch (err) {
	case MB_E_MALFORMED: return "malformed JSON";
	case MB_E_UNSUPPORTED: return "JSON escape in a field that needs none";
	case MB_E_TYPE: return "JSON value of the wrong type";
	case MB_E_KEY_ORDER: return "duplicate JSON member";
	case MB_E_UNKNOWN_KEY: return "unknown JSON member";
	case MB_E_MISSING_KEY: return "required JSON member missing";
	case MB_E_LIMIT: return "no signature, or more than 16";
	default: return mb_strerror(err);
	}
}

void attestation_keyid(const uint8_t pk[static 32], char out[static ATTESTATION_KEYID_CHARS + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, ATTESTATION_PK_BYTES);
	sodium_bin2hex(out, ATTESTATION_KEYID_CHARS + 1, h, sizeof(h));
}

int attestation_pae(const char *type, const uint8_t *body, size_t n, uint8_t **ret, size_t *ret_len)
{
	char head[MAX_PAYLOAD_TYPE_BYTES + 64];
	size_t tlen = strlen(type);
	uint8_t *p;
	int k;

	if (tlen > MAX_PAYLOAD_TYPE_BYTES || n > MAX_STATEMENT_BYTES)
		return MB_E_TOO_LARGE;
	k = snprintf(head, sizeof(head), "DSSEv1 %zu %s %zu ", tlen, type, n);
	if (k < 0 || (size_t)k >= sizeof(head))
		return MB_E_INVAL;
	p = malloc((size_t)k + n + 1);
	if (!p)
		return MB_E_NOMEM;
	memcpy(p, head, (size_t)k);
	if (n)
		memcpy(p + k, body, n);
	*ret = p;
	*ret_len = (size_t)k + n;
	return 0;
}

/* ---- the statement ---- */

enum outcome { OUT_PASSED, OUT_FAILED, OUT_WARNED };

static enum outcome test_outcome(const struct hv_test *t)
{
	if (t->directive != DIRECTIVE_NONE)
		return OUT_WARNED; /* skipped, or TODO either way */
	return t->ok ? OUT_PASSED : OUT_FAILED;
}

/* A resource descriptor: name and a digest set of one algorithm. */
static void put_digest(FILE *f, const char *name, const char *alg, const uint8_t d[static 32])
{
	fputs("{\"name\":", f);
	report_put_json_string(f, name, strlen(name));
	fprintf(f, ",\"digest\":{\"%s\":\"", alg);
	for (size_t i = 0; i < 32; i++)
		fprintf(f, "%02x", d[i]);
	fputs("\"}}", f);
}

/* The SHA-256 of a file's bytes. */
static void put_descriptor(FILE *f, const char *name, const uint8_t d[static 32])
{
	put_digest(f, name, "sha256", d);
}

static void put_test_names(FILE *f, const char *key, const struct hv_verdict *v, enum outcome want)
{
	bool first = true;

	fprintf(f, ",\"%s\":[", key);
	for (size_t i = 0; i < v->ntests; i++) {
		char label[sizeof(v->tests[i].name) + 32];

		if (test_outcome(&v->tests[i]) != want)
			continue;
		report_test_label(&v->tests[i], label, sizeof(label));
		if (!first)
			fputc(',', f);
		report_put_json_string(f, label, strlen(label));
		first = false;
	}
	fputc(']', f);
}

static const char *result_of(const struct hv_verdict *v)
{
	if (v->exit != EXIT_PASSED)
		return "FAILED";
	for (size_t i = 0; i < v->ntests; i++)
		if (test_outcome(&v->tests[i]) == OUT_WARNED)
			return "WARNED";
	return "PASSED";
}

static void put_statement(FILE *f, const struct hv_verdict *v, const struct attestation_info *info)
{
	fputs("{\"_type\":\"" ATTESTATION_STATEMENT_TYPE "\",\"subject\":[", f);
	put_descriptor(f, "rootfs.img", v->image_digest);
	/* vouch's tree digest (schemas/tree-digest.md), no file's SHA-256:
	 * named as its own algorithm so no tool compares it to one; a plain
	 * run has no tree, only the root image */
	if (!v->plain) {
		fputc(',', f);
		put_digest(f, "agent", ATTESTATION_TREE_ALG, v->agent_digest);
		fputc(',', f);
		put_digest(f, "harness", ATTESTATION_TREE_ALG, v->harness_digest);
	}
	fputs("],\"predicateType\":\"" ATTESTATION_PREDICATE_TYPE "\",\"predicate\":{", f);
	fprintf(f, "\"result\":\"%s\",\"configuration\":[", result_of(v));
	put_descriptor(f, "runspec", v->runspec_digest);
	fputc(',', f);
	put_descriptor(f, "kernel", v->kernel_digest);
	fputc(',', f);
	put_descriptor(f, "initramfs", v->initramfs_digest);
	if (v->has_verity) { /* the root hash every block read was checked against */
		fputc(',', f);
		put_descriptor(f, "rootfs.img.dm-verity-root", v->verity_root);
	}
	if (info && info->has_manifest) {
		fputc(',', f);
		put_descriptor(f, "manifest", info->manifest_digest);
	}
	/* the session: a verifier that asked for a fresh run checks it */
	fputs(",{\"name\":\"" ATTESTATION_NONCE_NAME "\",\"annotations\":{\"nonce\":\"", f);
	for (size_t i = 0; i < NONCE_BYTES; i++)
		fprintf(f, "%02x", v->nonce[i]);
	fputs("\"}}", f);
	/* where the results came from: behind the agent boundary, only
	 * channels the agent could not write */
	fputs(",{\"name\":\"" ATTESTATION_BOUNDARY_NAME "\",\"annotations\":{", f);
	if (v->agent_boundary)
		fprintf(f, "\"on\":\"true\",\"agentUser\":\"%u:%u\",\"resultsFrom\":\"results-channel\"}}]",
			v->agent_uid, v->agent_gid);
	else
		fputs("\"on\":\"false\",\"resultsFrom\":\"stdout\"}}]", f);
	if (info && info->url) {
		fputs(",\"url\":", f);
		report_put_json_string(f, info->url, strlen(info->url));
	}
	put_test_names(f, "passedTests", v, OUT_PASSED);
	put_test_names(f, "warnedTests", v, OUT_WARNED);
	put_test_names(f, "failedTests", v, OUT_FAILED);
	fputs("}}", f);
}

static int build_statement(const struct hv_verdict *v, const struct attestation_info *info,
			   char **ret, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return MB_E_NOMEM;
	put_statement(f, v, info);
	err = ferror(f) ? MB_E_NOMEM : 0;
	if (fclose(f) != 0)
		err = MB_E_NOMEM;
	if (!err && len > MAX_STATEMENT_BYTES)
		err = MB_E_TOO_LARGE;
	if (err) {
		free(buf);
		return err;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static char *base64(const uint8_t *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, B64);
	char *s = malloc(cap);

	if (s)
		sodium_bin2base64(s, cap, p, n, B64);
	return s;
}

int attestation_write(const struct hv_verdict *v, const uint8_t sk[static 64], FILE *out)
{
	return attestation_write_info(v, NULL, sk, out);
}

int attestation_write_info(const struct hv_verdict *v, const struct attestation_info *info,
			   const uint8_t sk[static 64], FILE *out)
{
	char *stmt = NULL, *payload64 = NULL, *sig64 = NULL, keyid[ATTESTATION_KEYID_CHARS + 1];
	uint8_t *pae = NULL, sig[ATTESTATION_SIG_BYTES], pk[ATTESTATION_PK_BYTES];
	size_t stmt_len = 0, pae_len = 0;
	int err;

	if (!v || !out || !v->attested || !report_verdict_name(v->exit) || v->ntests > HV_MAX_TESTS ||
	    (v->ntests && !v->tests) || (info && info->url && strlen(info->url) > MAX_URL_BYTES))
		return MB_E_INVAL;
	if (sodium_init() < 0)
		return MB_E_CRYPTO;
	err = build_statement(v, info, &stmt, &stmt_len);
	if (err)
		goto out;
	err = attestation_pae(ATTESTATION_PAYLOAD_TYPE, (const uint8_t *)stmt, stmt_len, &pae, &pae_len);
	if (err)
		goto out;
	if (crypto_sign_detached(sig, NULL, pae, pae_len, sk) != 0) {
		err = MB_E_CRYPTO;
		goto out;
	}
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	attestation_keyid(pk, keyid);
	payload64 = base64((const uint8_t *)stmt, stmt_len);
	sig64 = base64(sig, sizeof(sig));
	if (!payload64 || !sig64) {
		err = MB_E_NOMEM;
		goto out;
	}
	fprintf(out, "{\"payloadType\":\"%s\",\"payload\":\"%s\",\"signatures\":[{\"keyid\":\"%s\",\"sig\":\"%s\"}]}\n",
		ATTESTATION_PAYLOAD_TYPE, payload64, keyid, sig64);
	err = fflush(out) == 0 && !ferror(out) ? 0 : MB_E_IO;
out:
	free(stmt);
	free(pae);
	free(payload64);
	free(sig64);
	return err;
}

/* ---- reading a statement back ---- */

/* The statement is attestation_write()'s, and its signature was checked
 * with the pinned key: the reader finds the members it needs by their
 * quoted keys. A JSON string cannot hold an unescaped '"', so a test name
 * cannot fake a member; each member is searched for inside its own part
 * (the subject array, the predicate) and must occur exactly once. */
static const char *find_once(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *hit = NULL;

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0) {
			if (hit)
				return NULL;
			hit = hay + i;
		}
	return hit;
}

static const char *find_any(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

static void hex32(const uint8_t d[static 32], char out[static 65])
{
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int attestation_statement_check(const uint8_t *stmt, size_t n, const uint8_t *nonce,
				const uint8_t *subject, enum attestation_result *ret_result)
{
	static const char head[] = "{\"_type\":\"" ATTESTATION_STATEMENT_TYPE "\",\"subject\":[";
	static const char pred[] = "],\"predicateType\":\"" ATTESTATION_PREDICATE_TYPE
				   "\",\"predicate\":{\"result\":\"";
	const char *s = (const char *)stmt, *p, *r;
	char want[160], hex[65];
	enum attestation_result res;

	if (!stmt || n < sizeof(head) || memcmp(s, head, sizeof(head) - 1) != 0 ||
	    !(p = find_once(s, n, pred)))
		return MB_E_MALFORMED;
	r = p + sizeof(pred) - 1;
	if ((size_t)(s + n - r) >= 8 && memcmp(r, "PASSED\"", 7) == 0)
		res = ATT_RESULT_PASSED;
	else if ((size_t)(s + n - r) >= 8 && memcmp(r, "WARNED\"", 7) == 0)
		res = ATT_RESULT_WARNED;
	else if ((size_t)(s + n - r) >= 8 && memcmp(r, "FAILED\"", 7) == 0)
		res = ATT_RESULT_FAILED;
	else
		return MB_E_MALFORMED;
	if (subject) {
		hex32(subject, hex);
		snprintf(want, sizeof(want), "\"digest\":{\"sha256\":\"%s\"}}", hex);
		/* only inside the subject array, before the predicate */
		if (!find_any(s, (size_t)(p - s), want))
			return ATT_E_SUBJECT;
	}
	if (nonce) {
		hex32(nonce, hex);
		snprintf(want, sizeof(want), "{\"name\":\"" ATTESTATION_NONCE_NAME
			 "\",\"annotations\":{\"nonce\":\"%s\"}}", hex);
		if (!find_once(r, (size_t)(s + n - r), want))
			return ATT_E_NONCE;
	}
	*ret_result = res;
	return 0;
}

/* ---- reading an envelope: a bounded reader over exactly the DSSE shape ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
};

struct span {
	const uint8_t *p;
	size_t n;
};

/* One entry of "signatures": keyid is DSSE's unauthenticated hint, and
 * may be absent or empty. */
struct dsse_sig {
	struct span keyid, sig;
	bool has_keyid;
};

struct envelope {
	struct span type, payload;
	struct dsse_sig sigs[MAX_SIGNATURES];
	size_t nsigs;
};

static void skip_ws(struct rd *r)
{
	while (r->off < r->len && (r->p[r->off] == ' ' || r->p[r->off] == '\t' ||
				   r->p[r->off] == '\n' || r->p[r->off] == '\r'))
		r->off++;
}

static bool value_start(uint8_t c)
{
	return c == '{' || c == '[' || c == '"' || c == 't' || c == 'f' || c == 'n' || c == '-' ||
	       (c >= '0' && c <= '9');
}

/* Consumes c, which opens a value of the expected type. */
static int open_value(struct rd *r, char c)
{
	skip_ws(r);
	if (r->off == r->len)
		return MB_E_TRUNCATED;
	if (r->p[r->off] != (uint8_t)c)
		return value_start(r->p[r->off]) ? MB_E_TYPE : MB_E_MALFORMED;
	r->off++;
	return 0;
}

/* A string of printable ASCII without escapes: every field of an envelope
 * is a media type, hex or base64, none of which needs one. */
static int read_string(struct rd *r, size_t max, struct span *ret)
{
	size_t start;
	int err = open_value(r, '"');

	if (err)
		return err;
	start = r->off;
	for (;;) {
		uint8_t c;

		if (r->off == r->len)
			return MB_E_TRUNCATED;
		c = r->p[r->off];
		if (c == '"')
			break;
		if (c == '\\')
			return MB_E_UNSUPPORTED;
		if (c < 0x20 || c > 0x7e)
			return MB_E_MALFORMED;
		if (r->off - start >= max)
			return MB_E_TOO_LARGE;
		r->off++;
	}
	*ret = (struct span){ r->p + start, r->off - start };
	r->off++;
	return 0;
}

typedef int (*member_fn)(struct rd *r, size_t key, struct envelope *e);

/* An object of the members keys[0..nkeys), in any order, each at most
 * once, and those in the mask required all there. */
static int read_object(struct rd *r, const char *const *keys, size_t nkeys, uint32_t required,
		       member_fn fn, struct envelope *e)
{
	uint32_t seen = 0;
	int err = open_value(r, '{');

	skip_ws(r);
	if (!err && r->off < r->len && r->p[r->off] == '}') {
		r->off++;
		return required ? MB_E_MISSING_KEY : 0;
	}
	while (!err) {
		struct span k;
		size_t i;

		err = read_string(r, 32, &k);
		if (err == MB_E_TYPE)
			err = MB_E_MALFORMED; /* a member name must be a string */
		if (err == MB_E_TOO_LARGE)
			err = MB_E_UNKNOWN_KEY;
		if (err)
			break;
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i]) == k.n && memcmp(keys[i], k.p, k.n) == 0)
				break;
		if (i == nkeys)
			return MB_E_UNKNOWN_KEY;
		if (seen & 1u << i)
			return MB_E_KEY_ORDER;
		seen |= 1u << i;
		err = open_value(r, ':');
		if (err == MB_E_TYPE)
			err = MB_E_MALFORMED;
		if (err || (err = fn(r, i, e)))
			break;
		skip_ws(r);
		if (r->off == r->len)
			return MB_E_TRUNCATED;
		if (r->p[r->off] == '}') {
			r->off++;
			return (seen & required) == required ? 0 : MB_E_MISSING_KEY;
		}
		if (r->p[r->off++] != ',')
			return MB_E_MALFORMED;
	}
	return err;
}

static int signature_member(struct rd *r, size_t key, struct envelope *e)
{
	struct dsse_sig *d = &e->sigs[e->nsigs];

	if (key == 1)
		return read_string(r, MAX_SIG_CHARS, &d->sig);
	d->has_keyid = true;
	return read_string(r, MAX_KEYID_CHARS, &d->keyid);
}

/* One signature or more (DSSE: a verifier must take several), at most
 * MAX_SIGNATURES. */
static int read_signatures(struct rd *r, struct envelope *e)
{
	static const char *const keys[] = { "keyid", "sig" };
	int err = open_value(r, '[');

	if (err)
		return err;
	skip_ws(r);
	if (r->off < r->len && r->p[r->off] == ']')
		return MB_E_LIMIT;
	for (;;) {
		if (e->nsigs == MAX_SIGNATURES)
			return MB_E_LIMIT;
		e->sigs[e->nsigs] = (struct dsse_sig){ 0 };
		if ((err = read_object(r, keys, 2, 1u << 1, signature_member, e)))
			return err;
		e->nsigs++;
		skip_ws(r);
		if (r->off == r->len)
			return MB_E_TRUNCATED;
		if (r->p[r->off] == ']')
			break;
		if (r->p[r->off++] != ',')
			return MB_E_MALFORMED;
	}
	r->off++;
	return 0;
}

static int envelope_member(struct rd *r, size_t key, struct envelope *e)
{
	switch (key) {
	case 0: return read_string(r, MAX_PAYLOAD_TYPE_BYTES, &e->type);
	case 1: return read_string(r, MAX_ENVELOPE_BYTES, &e->payload);
	default: return read_signatures(r, e);
	}
}

static int parse_envelope(const uint8_t *p, size_t n, struct envelope *ret)
{
	static const char *const keys[] = { "payloadType", "payload", "signatures" };
	struct rd r = { p, n, 0 };
	struct envelope e = { 0 };
	int err = read_object(&r, keys, 3, 7u, envelope_member, &e);

	if (err)
		return err;
	skip_ws(&r);
	if (r.off != r.len)
		return MB_E_TRAILING;
	*ret = e;
	return 0;
}

/* Base64 as DSSE allows it, strictly: the standard or the URL-safe
 * alphabet (one of them, not both in one string), padded or not
 * (padding, when there, exactly right), no whitespace, the unused bits
 * zero (libsodium refuses non-canonical encodings). At most cap bytes
 * into out. */
static int unbase64(struct span s, uint8_t *out, size_t cap, size_t *ret_len)
{
	bool url = memchr(s.p, '-', s.n) || memchr(s.p, '_', s.n);
	bool std = memchr(s.p, '+', s.n) || memchr(s.p, '/', s.n);
	bool pad = s.n > 0 && s.p[s.n - 1] == '=';
	int variant = url ? (pad ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_URLSAFE_NO_PADDING)
			  : (pad ? B64 : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);

	size_t npad = pad + (pad && s.n > 1 && s.p[s.n - 2] == '=');
	size_t most = (s.n + 3) / 4 * 3 - npad; /* at most this many bytes */

	if (url && std)
		return ATT_E_BASE64;
	if (most > cap)
		return MB_E_TOO_LARGE;
	/* libsodium's ERANGE also means bad padding: not base64 either way */
	if (sodium_base642bin(out, cap, (const char *)s.p, s.n, NULL, ret_len, NULL, variant) != 0)
		return ATT_E_BASE64;
	return 0;
}

/* A signature whose keyid, a hint, may be pk's: none, empty, or pk's. */
static bool maybe_ours(const struct dsse_sig *d, const char keyid[static ATTESTATION_KEYID_CHARS + 1])
{
	return !d->has_keyid || d->keyid.n == 0 ||
	       (d->keyid.n == ATTESTATION_KEYID_CHARS && memcmp(d->keyid.p, keyid, d->keyid.n) == 0);
}

/* Every signature decoded (a malformed one makes the envelope malformed),
 * then each checked over the PAE: the index of the first that verifies
 * under pk, or why none does. */
static int find_signature(const struct envelope *e, const uint8_t *pae, size_t pae_len,
			  const uint8_t pk[static 32], size_t *ret_index)
{
	uint8_t sig[MAX_SIGNATURES][MAX_SIG_BYTES];
	size_t len[MAX_SIGNATURES];
	char keyid[ATTESTATION_KEYID_CHARS + 1];
	bool foreign_only = true, sized = false;
	int err;

	attestation_keyid(pk, keyid);
	for (size_t i = 0; i < e->nsigs; i++) {
		if ((err = unbase64(e->sigs[i].sig, sig[i], sizeof(sig[i]), &len[i])))
			return err;
		foreign_only &= !maybe_ours(&e->sigs[i], keyid);
		sized |= len[i] == ATTESTATION_SIG_BYTES;
	}
	for (size_t i = 0; i < e->nsigs; i++) {
		if (len[i] == ATTESTATION_SIG_BYTES &&
		    crypto_sign_verify_detached(sig[i], pae, pae_len, pk) == 0) {
			*ret_index = i;
			return 0;
		}
	}
	/* the most telling reason none verified */
	return foreign_only ? ATT_E_KEYID : !sized ? ATT_E_SIG_LENGTH : ATT_E_SIGNATURE;
}

int attestation_verify_which(const uint8_t *envelope, size_t n, const uint8_t pk[static 32],
			     uint8_t **ret_payload, size_t *ret_payload_len, size_t *ret_index,
			     size_t *ret_count)
{
	struct envelope e;
	uint8_t *body = NULL, *pae = NULL;
	size_t body_len = 0, pae_len = 0, which = 0, cap;
	int err;

	if (!envelope || n > MAX_ENVELOPE_BYTES)
		return n > MAX_ENVELOPE_BYTES ? MB_E_TOO_LARGE : MB_E_INVAL;
	if (sodium_init() < 0)
		return MB_E_CRYPTO;
	err = parse_envelope(envelope, n, &e);
	if (err)
		return err;
	if (e.type.n != strlen(ATTESTATION_PAYLOAD_TYPE) ||
	    memcmp(e.type.p, ATTESTATION_PAYLOAD_TYPE, e.type.n) != 0)
		return ATT_E_PAYLOAD_TYPE;
	cap = (e.payload.n / 4 + 1) * 3;
	body = malloc(cap);
	if (!body)
		return MB_E_NOMEM;
	err = unbase64(e.payload, body, cap, &body_len);
	if (!err)
		err = attestation_pae(ATTESTATION_PAYLOAD_TYPE, body, body_len, &pae, &pae_len);
	if (!err)
		err = find_signature(&e, pae, pae_len, pk, &which);
	if (err)
		goto out;
	if (ret_payload) {
		*ret_payload = body;
		*ret_payload_len = body_len;
		body = NULL;
	}
	if (ret_index)
		*ret_index = which;
	if (ret_count)
		*ret_count = e.nsigs;
out:
	free(body);
	free(pae);
	return err;
}

int attestation_verify(const uint8_t *envelope, size_t n, const uint8_t pk[static 32],
		       uint8_t **ret_payload, size_t *ret_payload_len)
{
	return attestation_verify_which(envelope, n, pk, ret_payload, ret_payload_len, NULL, NULL);
}

/* ---- key files ---- */

static int read_exact(int fd, uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t k = read(fd, p + off, n - off);

		if (k < 0 && errno == EINTR) /* a signal: try again */
			continue;
		if (k <= 0)
			return k < 0 ? MB_E_IO : MB_E_TRUNCATED;
		off += (size_t)k;
	}
	return 0;
}

/* Opens a regular file without following a symlink and without blocking
 * on a FIFO; *st receives its status. A missing file is MB_E_IO with
 * errno ENOENT. */
static int open_regular(const char *path, struct stat *st, int *ret_fd)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return errno == ELOOP ? MB_E_FILE_TYPE : MB_E_IO; /* ELOOP: path is a symlink */
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		int err = S_ISREG(st->st_mode) ? MB_E_IO : MB_E_FILE_TYPE;

		close(fd);
		return err;
	}
	*ret_fd = fd;
	return 0;
}

static int load_key(const char *path, uint8_t pk[static 32], uint8_t sk[static 64], bool *ret_missing)
{
	uint8_t buf[ATTESTATION_SK_BYTES], pk2[ATTESTATION_PK_BYTES], sk2[ATTESTATION_SK_BYTES];
	struct stat st = { 0 };
	int fd = -1, err = open_regular(path, &st, &fd);

	if (err) {
		*ret_missing = err == MB_E_IO && errno == ENOENT;
		return err;
	}
	if ((st.st_mode & 077) || st.st_uid != geteuid())
		err = ATT_E_KEY_MODE;
	else if (st.st_size != ATTESTATION_SK_BYTES)
		err = MB_E_LENGTH;
	else
		err = read_exact(fd, buf, sizeof(buf));
	close(fd);
	/* the stored public half must be the one the seed makes */
	if (!err && (crypto_sign_seed_keypair(pk2, sk2, buf) != 0 || sodium_memcmp(sk2, buf, sizeof(buf)) != 0))
		err = ATT_E_KEY;
	if (!err) {
		memcpy(pk, pk2, sizeof(pk2));
		memcpy(sk, sk2, sizeof(sk2));
	}
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(sk2, sizeof(sk2));
	return err;
}

/* A temporary file beside path, mode 0600; *ret_tmp is malloc'd. */
static int open_temp(const char *path, char **ret_tmp, int *ret_fd)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 8);
	int fd;

	if (!tmp)
		return MB_E_NOMEM;
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", 8);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return MB_E_IO;
	}
	*ret_tmp = tmp;
	*ret_fd = fd;
	return 0;
}

/* Writes a new key to a temporary file and links it into place, so that
 * path never holds half a key and an existing key is never replaced. */
static int create_key(const char *path)
{
	uint8_t pk[ATTESTATION_PK_BYTES], sk[ATTESTATION_SK_BYTES];
	char *tmp = NULL;
	int fd = -1, err = open_temp(path, &tmp, &fd);

	if (err)
		return err;
	crypto_sign_keypair(pk, sk);
	err = mb_write_all(fd, sk, sizeof(sk));
	sodium_memzero(sk, sizeof(sk));
	if (!err && fsync(fd) != 0)
		err = MB_E_IO;
	close(fd);
	/* EEXIST: another process created it first; theirs is loaded */
	if (!err && link(tmp, path) != 0 && errno != EEXIST)
		err = MB_E_IO;
	unlink(tmp);
	free(tmp);
	return err;
}

int attestation_load_or_create_key(const char *path, uint8_t pk[static 32], uint8_t sk[static 64])
{
	bool missing = false;
	int err;

	if (!path || !*path)
		return MB_E_INVAL;
	if (sodium_init() < 0)
		return MB_E_CRYPTO;
	err = load_key(path, pk, sk, &missing);
	if (!missing)
		return err;
	err = create_key(path);
	return err ? err : load_key(path, pk, sk, &missing);
}

/* An Ed25519 SubjectPublicKeyInfo (RFC 8410) is this prefix and the key. */
static const uint8_t spki_prefix[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
					 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };
#define PEM_HEAD "-----BEGIN PUBLIC KEY-----\n"
#define PEM_TAIL "\n-----END PUBLIC KEY-----\n"
#define SPKI_B64_CHARS 60u

int attestation_write_pubkey(const char *path, const uint8_t pk[static 32])
{
	uint8_t der[sizeof(spki_prefix) + ATTESTATION_PK_BYTES];
	char pem[sizeof(PEM_HEAD) + SPKI_B64_CHARS + sizeof(PEM_TAIL)], b64[SPKI_B64_CHARS + 1];
	char *tmp = NULL;
	int fd = -1, err, k;

	if (!path || !*path)
		return MB_E_INVAL;
	memcpy(der, spki_prefix, sizeof(spki_prefix));
	memcpy(der + sizeof(spki_prefix), pk, ATTESTATION_PK_BYTES);
	sodium_bin2base64(b64, sizeof(b64), der, sizeof(der), B64);
	k = snprintf(pem, sizeof(pem), PEM_HEAD "%s" PEM_TAIL, b64);
	err = open_temp(path, &tmp, &fd);
	if (err)
		return err;
	if (fchmod(fd, 0644) != 0 || mb_write_all(fd, pem, (size_t)k) != 0 || fsync(fd) != 0)
		err = MB_E_IO;
	close(fd);
	if (!err && rename(tmp, path) != 0)
		err = MB_E_IO;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

int attestation_read_pubkey(const char *path, uint8_t pk[static 32])
{
	const size_t want = sizeof(PEM_HEAD) - 1 + SPKI_B64_CHARS + sizeof(PEM_TAIL) - 1;
	char pem[sizeof(PEM_HEAD) + SPKI_B64_CHARS + sizeof(PEM_TAIL)];
	uint8_t der[sizeof(spki_prefix) + ATTESTATION_PK_BYTES + 2];
	struct stat st = { 0 };
	size_t der_len = 0;
	int fd = -1, err = open_regular(path, &st, &fd);

	if (err)
		return err;
	err = st.st_size == (off_t)want ? read_exact(fd, (uint8_t *)pem, want) : MB_E_LENGTH;
	close(fd);
	if (err)
		return err;
	if (memcmp(pem, PEM_HEAD, sizeof(PEM_HEAD) - 1) != 0 ||
	    memcmp(pem + want - (sizeof(PEM_TAIL) - 1), PEM_TAIL, sizeof(PEM_TAIL) - 1) != 0)
		return MB_E_MALFORMED;
	err = unbase64((struct span){ (const uint8_t *)pem + sizeof(PEM_HEAD) - 1, SPKI_B64_CHARS },
		       der, sizeof(der), &der_len);
	if (err)
		return err;
	if (der_len != sizeof(spki_prefix) + ATTESTATION_PK_BYTES)
		return MB_E_LENGTH;
	if (memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0)
		return MB_E_ALG;
	memcpy(pk, der + sizeof(spki_prefix), ATTESTATION_PK_BYTES);
	return 0;
}
