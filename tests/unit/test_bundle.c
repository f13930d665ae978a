// SPDX-License-Identifier: MIT
/* The evidence bundle and the attestation messages: round trip of real
 * recorded evidence, truncation at every offset, trailing bytes, and a
 * bad-input table with the exact error of each row. */
#include "t.h"

#include "attest.h"
#include "bundle.h"
#include "sha256.h"

static struct bundle b;
static uint8_t *raw;
static size_t rawn;

static size_t encode(const struct bundle *x, uint8_t **ret)
{
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, NULL, MAX_BUNDLE_BYTES);
	bundle_encode(x, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	*ret = w.p;
	return n;
}

static void test_round_trip(void)
{
	uint8_t *again;
	size_t n = encode(&b, &again);

	CHECK_EQ(n, rawn);
	CHECK_MEM(again, raw, rawn);
	free(again);
	CHECK(b.has_ak && b.has_activation && b.has_quote && !b.tpm_device);
	CHECK(b.nrecords > 10);
}

static void test_truncation_and_trailing(void)
{
	struct bundle got = { .nrecords = 4242 };
	uint8_t *p = malloc(rawn + 1);

	REQUIRE(p);
	memcpy(p, raw, rawn);
	for (size_t cut = 0; cut < rawn; cut++) {
		int e = bundle_decode(p, cut, &got);

		CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
	}
	CHECK_EQ(got.nrecords, 4242);
	p[rawn] = 0;
	CHECK_EQ(bundle_decode(p, rawn + 1, &got), MB_E_TRAILING);
	free(p);
}

/* Re-encodes the honest bundle with one field changed. */
static int decode_variant(void (*edit)(struct bundle *))
{
	struct bundle x = b, got;
	uint8_t *p;
	size_t n;
	int e;

	edit(&x);
	n = encode(&x, &p);
	e = bundle_decode(p, n, &got);
	if (e == 0)
		bundle_free(&got);
	free(p);
	return e;
}

static void device_mode(struct bundle *x) { x->tpm_device = true; }
static void big_runspec(struct bundle *x)
{
	static uint8_t big[MAX_RUNSPEC_BYTES + 1];

	x->runspec = (struct bytes){ big, sizeof(big) };
}
static void big_record(struct bundle *x)
{
	static uint8_t big[MAX_RECORD_BYTES + 1];
	static struct bytes recs[1];

	recs[0] = (struct bytes){ big, sizeof(big) };
	x->records = recs;
	x->nrecords = 1;
}
static void big_ek(struct bundle *x)
{
	static uint8_t big[1025];

	x->ek = (struct bytes){ big, sizeof(big) };
}
static void long_name(struct bundle *x)
{
	static uint8_t name[69];

	x->ak_name = (struct bytes){ name, sizeof(name) };
}

static void test_bad_bundles(void)
{
	static const struct {
		void (*edit)(struct bundle *);
		int err;
		const char *what;
	} rows[] = {
		{ device_mode, 0, "device mode round trip" },
		{ big_runspec, MB_E_TOO_LARGE, "run spec past its limit" },
		{ big_record, MB_E_TOO_LARGE, "record past its limit" },
		{ big_ek, MB_E_TOO_LARGE, "EK past its limit" },
		{ long_name, MB_E_TOO_LARGE, "AK name past its limit" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int e = decode_variant(rows[i].edit);

		t_report(e == rows[i].err, "bundle: %s (%s; got %s)", rows[i].what, mb_errname(rows[i].err),
			 mb_errname(e));
	}
}

/* The honest bundle with n empty records (each one byte, 0x40). */
static int decode_with_records(size_t n, struct bundle *got)
{
	struct bundle x = b;
	struct bytes *recs = calloc(n, sizeof(*recs));
	uint8_t *p;
	size_t len;
	int e;

	REQUIRE(recs);
	for (size_t i = 0; i < n; i++)
		recs[i] = (struct bytes){ (const uint8_t *)"", 0 };
	x.records = recs;
	x.nrecords = n;
	len = encode(&x, &p);
	e = bundle_decode(p, len, got);
	if (e == 0)
		bundle_free(got);
	free(p);
	free(recs);
	return e;
}

/* The records array is the one container past MAX_CBOR_ITEMS: up to
 * MAX_RECORDS records decode (schemas/bundle.cddl), one more is refused,
 * and the reader puts the generic limit back for what follows. */
static void test_record_count(void)
{
	static const struct { size_t n; int err; const char *what; } rows[] = {
		{ MAX_CBOR_ITEMS, 0, "records at the generic item limit" },
		{ MAX_CBOR_ITEMS + 1, 0, "records past the generic item limit" },
		{ MAX_RECORDS, 0, "MAX_RECORDS records" },
		{ MAX_RECORDS + 1, MB_E_TOO_LARGE, "MAX_RECORDS + 1 records" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bundle got = { .nrecords = 4242 };
		int e = decode_with_records(rows[i].n, &got);

		t_report(e == rows[i].err && (e != 0 || got.nrecords == 0) && (e == 0 || got.nrecords == 4242),
			 "bundle: %s (%s; got %s)", rows[i].what, mb_errname(rows[i].err), mb_errname(e));
	}
}

/* MAX_BUNDLE_BYTES is derived from the schema: every field but the
 * records at its limit fits in BUNDLE_MAX_FIXED_BYTES, and a record of
 * MAX_RECORD_BYTES takes BUNDLE_RECORD_HEAD_BYTES more. */
static void test_bundle_bound(void)
{
	static uint8_t runspec[MAX_RUNSPEC_BYTES], plog[MAX_EVENTS * 128u], key[1024], quote[65536];
	static uint8_t name[68], rec[MAX_RECORD_BYTES];
	struct bundle x = { .runspec = { runspec, sizeof(runspec) }, .platform_log = { plog, sizeof(plog) },
			    .ek = { key, sizeof(key) }, .ak = { key, sizeof(key) }, .quote = { quote, sizeof(quote) },
			    .ak_name = { name, sizeof(name) }, .has_ak = true, .has_activation = true,
			    .has_quote = true, .tpm_device = true };
	struct bytes one = { rec, sizeof(rec) };
	uint8_t *p;
	size_t fixed, with_one;

	memset(x.incomplete, 'x', sizeof(x.incomplete) - 1);
	fixed = encode(&x, &p);
	free(p);
	x.records = &one;
	x.nrecords = 1;
	with_one = encode(&x, &p);
	free(p);
	CHECK(fixed <= BUNDLE_MAX_FIXED_BYTES);
	CHECK_EQ(with_one - fixed, MAX_RECORD_BYTES + BUNDLE_RECORD_HEAD_BYTES);
	CHECK(MAX_BUNDLE_BYTES == (uint64_t)BUNDLE_MAX_FIXED_BYTES +
					  (uint64_t)MAX_RECORDS * (MAX_RECORD_BYTES + BUNDLE_RECORD_HEAD_BYTES));
}

/* bundle_write streams the very bytes bundle_encode makes; a stream that
 * cannot be written is MB_E_IO. */
static void test_write(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct bytes recs[3] = { { (const uint8_t *)"", 0 }, { raw, 1 }, { raw, 300 } };
	struct bundle x = b;
	uint8_t *want;
	size_t n;

	REQUIRE(f);
	CHECK_EQ(bundle_write(&b, f), 0);
	REQUIRE(fclose(f) == 0);
	CHECK_EQ(len, rawn);
	CHECK(len == rawn && memcmp(buf, raw, rawn) == 0);
	free(buf);
	/* record heads of 0, 1 and 2 length bytes */
	x.records = recs;
	x.nrecords = 3;
	n = encode(&x, &want);
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	CHECK_EQ(bundle_write(&x, f), 0);
	REQUIRE(fclose(f) == 0);
	CHECK(len == n && memcmp(buf, want, n) == 0);
	free(buf);
	free(want);
	f = fopen("/dev/full", "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		CHECK_EQ(bundle_write(&b, f), MB_E_IO);
		fclose(f);
	}
}

/* Hand-written maps for shapes the encoder never makes. */
static void test_bad_maps(void)
{
	static const struct {
		const char *hex;
		int err;
		const char *what;
	} rows[] = {
		{ "a0", MB_E_MISSING_KEY, "empty map" },
		{ "a10002", MB_E_VERSION, "version 2" },
		{ "a10001", MB_E_MISSING_KEY, "version alone" },
		{ "a1006131", MB_E_TYPE, "version as text" },
		{ "a1015801ff", MB_E_NONCANONICAL, "nonce with a long head" },
		{ "a10141ff", MB_E_LENGTH, "nonce of one byte" },
		{ "a10b00", MB_E_UNKNOWN_KEY, "key 11" },
		{ "a1096474657374", MB_E_RANGE, "tpm mode \"test\"" },
		{ "a10a60", MB_E_RANGE, "empty incomplete mark" },
		{ "a1049a000f4241", MB_E_TOO_LARGE, "record count past the limit" },
		{ "a200010001", MB_E_KEY_ORDER, "key 0 twice" },
		{ "818181818100", MB_E_TOO_DEEP, "nesting past the limit" },
		{ "bf00ff", MB_E_INDEFINITE, "indefinite map" },
	};
	struct bundle got = { .nrecords = 4242 };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t buf[64];
		int n = t_hex(rows[i].hex, buf, sizeof(buf)), e;

		REQUIRE(n > 0);
		e = bundle_decode(buf, (size_t)n, &got);
		t_report(e == rows[i].err && got.nrecords == 4242, "bundle: %s (%s; got %s)", rows[i].what,
			 mb_errname(rows[i].err), mb_errname(e));
	}
}

static void test_attest_messages(void)
{
	static const struct {
		enum attest_msg kind;
		const char *hex;
		int err;
		const char *what;
	} rows[] = {
		{ MSG_AK, "a2004100014100", 0, "AK message" },
		{ MSG_AK, "a1004100", MB_E_MISSING_KEY, "AK message without a name" },
		{ MSG_AK, "a3004100014100024100", MB_E_TOO_LARGE, "AK message with a third field" },
		{ MSG_AK, "a2004100024100", MB_E_UNKNOWN_KEY, "AK message with key 2" },
		{ MSG_AK, "a2006100014100", MB_E_TYPE, "AK public as text" },
		{ MSG_ACTIVATED, "a1005841" "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", MB_E_TOO_LARGE,
		  "secret of 65 bytes" },
		{ MSG_QUOTE, "a300410001410002410000", MB_E_TRAILING, "quote message and a byte" },
		{ MSG_CREDENTIAL, "a200410001", MB_E_TRUNCATED, "credential cut short" },
		{ MSG_KINDS_, "a0", MB_E_KIND, "unknown message kind" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t buf[256];
		struct blob f[ATTEST_MAX_FIELDS] = { { (const uint8_t *)"x", 77 } };
		int n = t_hex(rows[i].hex, buf, sizeof(buf)), e;

		REQUIRE(n > 0);
		e = attest_decode(rows[i].kind, buf, (size_t)n, f);
		t_report(e == rows[i].err && (e == 0 || f[0].n == 77), "attest: %s (%s; got %s)", rows[i].what,
			 mb_errname(rows[i].err), mb_errname(e));
	}
}

/* The signed activation message, byte for byte (schemas/bundle.cddl). */
static void test_activation_message(void)
{
	static const uint8_t ak[34] = { 0x00, 0x0b, 1 }, ek[34] = { 0x00, 0x0b, 2 }, log[] = "log";
	struct bundle x = { .platform_log = { log, 3 }, .tpm_device = true };
	uint8_t out[ACTIVATION_MSG_MAX_BYTES], want[ACTIVATION_MSG_MAX_BYTES], big[69] = { 0 };
	size_t n, off = 0, tl = sizeof(ACTIVATION_TAG) - 1;

	memset(x.nonce, 0xa5, sizeof(x.nonce));
	memcpy(want, "vouch.activation.v2", tl);
	off = tl;
	memset(want + off, 0xa5, 32);
	off += 32;
	want[off++] = 34;
	memcpy(want + off, ak, 34);
	off += 34;
	want[off++] = 34;
	memcpy(want + off, ek, 34);
	off += 34;
	want[off++] = 1;
	REQUIRE(sha256_buf(log, 3, want + off) == 0);
	off += 32;
	n = bundle_activation_message(&x, ak, 34, ek, 34, out, sizeof(out));
	CHECK_EQ(n, off);
	CHECK_MEM(out, want, off);
	x.tpm_device = false;
	n = bundle_activation_message(&x, ak, 34, ek, 34, out, sizeof(out));
	CHECK(n == off && out[tl + 32 + 1 + 34 + 1 + 34] == 0);
	CHECK_EQ(bundle_activation_message(&x, ak, 34, ek, 34, out, off - 1), 0);
	CHECK_EQ(bundle_activation_message(&x, big, 69, ek, 34, out, sizeof(out)), 0);
	CHECK_EQ(bundle_activation_message(&x, ak, 34, big, 69, out, sizeof(out)), 0);
}

int main(void)
{
	raw = t_slurp("tests/vectors/evidence/honest-a.cbor", &rawn);
	REQUIRE(bundle_decode(raw, rawn, &b) == 0);
	RUN(test_round_trip);
	RUN(test_truncation_and_trailing);
	test_bad_bundles();
	test_bad_maps();
	test_record_count();
	RUN(test_bundle_bound);
	RUN(test_write);
	test_attest_messages();
	RUN(test_activation_message);
	bundle_free(&b);
	free(raw);
	return t_done();
}
