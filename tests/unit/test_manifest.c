// SPDX-License-Identifier: MIT
/* Reference manifest: round trip with and without optional parts, and
 * bad inputs. */
#include "t.h"

#include "cb.h"
#include "manifest.h"
#include "runspec.h"

static struct manifest m, got;
static struct runspec rs;

static void sample_runspec(struct runspec *r)
{
	static char *argv[] = { "/opt/harness/run-tests", NULL };
	static char *envp[] = { "PATH=/bin", "LANG=C.UTF-8", NULL };

	memset(r, 0, sizeof(*r));
	r->argc = 1;
	memcpy(r->argv, argv, sizeof(argv));
	r->envc = 2;
	memcpy(r->envp, envp, sizeof(envp));
	r->cwd = "/";
	r->agent_path = "/opt/agent";
	r->harness_path = "/opt/harness";
	r->timeout_s = 300;
	r->max_output_bytes = 64u << 20;
	r->max_procs = 256;
}

/* Pins r in s, as its encoded bytes. */
static void pin_runspec(struct manifest *s, const struct runspec *r)
{
	struct cb_wr w;

	cb_wr_init(&w, s->runspec, sizeof(s->runspec));
	runspec_encode(r, &w);
	REQUIRE(cb_wr_finish(&w, &s->runspec_len) == 0);
	s->has_runspec = true;
}

static void sample(struct manifest *s, bool boot, bool config, bool verity)
{
	static char *argv[] = { "/opt/harness/run", NULL };
	static char *envp[] = { "PATH=/bin", NULL };

	memset(s, 0, sizeof(*s));
	memset(s->image_digest, 0x11, 32);
	s->image_size = 8 << 20;
	s->image_format = "ext4";
	if (verity) {
		s->has_verity = true;
		memset(s->verity_root, 0x66, 32);
		s->verity_offset = s->image_size - 64 * 4096;
	}
	s->ntrees = 2;
	s->trees[0] = (struct manifest_tree){ .name = "agent", .path = "/opt/agent" };
	memset(s->trees[0].digest, 0x22, 32);
	s->trees[1] = (struct manifest_tree){ .name = "harness", .path = "/opt/harness" };
	memset(s->trees[1].digest, 0x33, 32);
	if (boot) {
		s->has_boot = true;
		memset(s->kernel_digest, 0x44, 32);
		memset(s->initramfs_digest, 0x55, 32);
		s->cmdline = "console=ttyS0 quiet";
	}
	if (config) {
		s->has_config = true;
		s->argc = 1;
		memcpy(s->argv, argv, sizeof(argv));
		s->envc = 1;
		memcpy(s->envp, envp, sizeof(envp));
		s->cwd = "/";
		s->user = "1000:1000";
	}
}

static size_t encode(const struct manifest *s, uint8_t *buf, size_t cap)
{
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, buf, cap);
	manifest_encode(s, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

static void test_round_trips(void)
{
	for (int v = 0; v < 16; v++) {
		uint8_t buf[2048], again[2048];
		size_t n, k;

		sample(&m, v & 1, v & 2, v & 4);
		if (v & 8) {
			sample_runspec(&rs);
			pin_runspec(&m, &rs);
		}
		n = encode(&m, buf, sizeof(buf));
		CHECK_EQ(manifest_decode(buf, n, &got), 0);
		CHECK_EQ(got.has_verity, (v & 4) != 0);
		if (v & 4) {
			CHECK_EQ(got.verity_offset, m.verity_offset);
			CHECK_MEM(got.verity_root, m.verity_root, 32);
		}
		CHECK_EQ(got.has_boot, (v & 1) != 0);
		CHECK_EQ(got.has_config, (v & 2) != 0);
		CHECK_EQ(got.has_runspec, (v & 8) != 0);
		if (v & 8) {
			CHECK_EQ(got.runspec_len, m.runspec_len);
			CHECK_MEM(got.runspec, m.runspec, m.runspec_len);
		}
		CHECK_EQ(got.ntrees, 2);
		CHECK(manifest_find_tree(&got, "harness") == &got.trees[1]);
		CHECK(manifest_find_tree(&got, "other") == NULL);
		CHECK(strcmp(got.trees[0].path, "/opt/agent") == 0);
		CHECK_MEM(got.trees[1].digest, m.trees[1].digest, 32);
		k = encode(&got, again, sizeof(again));
		CHECK_EQ(k, n);
		CHECK_MEM(again, buf, n);
		for (size_t cut = 0; cut < n; cut++) {
			int e = manifest_decode(buf, cut, &got);

			CHECK(e == MB_E_TRUNCATED || e == MB_E_TOO_LARGE);
		}
	}
}

static void test_bad_manifests(void)
{
	static const struct {
		const char *what;
		int err;
	} rows[] = {
		{ "format squashfs", MB_E_RANGE },
		{ "duplicate tree name", MB_E_RANGE },
		{ "relative tree path", MB_E_PATH },
		{ "nine trees", MB_E_LIMIT },
		{ "tree path with ..", MB_E_PATH },
		{ "verity offset 0", MB_E_RANGE },
		{ "verity offset not a whole block", MB_E_RANGE },
		{ "verity offset at the image's end", MB_E_RANGE },
		{ "verity offset past 2^32 blocks", MB_E_RANGE },
	};
	uint8_t buf[4096];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n;
		int e;

		sample(&m, true, true, i >= 5);
		switch (i) {
		case 0: m.image_format = "squashfs"; break;
		case 1: m.trees[1].name = "agent"; break;
		case 2: m.trees[0].path = "opt/agent"; break;
		case 4: m.trees[1].path = "/opt/../../x"; break;
		case 5: m.verity_offset = 0; break;
		case 6: m.verity_offset += 512; break;
		case 7: m.verity_offset = m.image_size; break;
		case 8:
			m.image_size = UINT64_MAX;
			m.verity_offset = (MAX_VERITY_DATA_BLOCKS + 1) * VERITY_BLOCK_BYTES;
			break;
		}
		if (i == 3) {
			/* MAX_TREES + 1 distinct trees need a hand-built array */
			struct cb_wr w;

			cb_wr_init(&w, buf, sizeof(buf));
			cb_put_map(&w, 3);
			cb_put_uint(&w, 0); cb_put_uint(&w, 1);
			cb_put_uint(&w, 1); cb_put_map(&w, 3);
			cb_put_uint(&w, 0); cb_put_bstr(&w, m.image_digest, 32);
			cb_put_uint(&w, 1); cb_put_uint(&w, 1);
			cb_put_uint(&w, 2); cb_put_cstr(&w, "ext4");
			cb_put_uint(&w, 2); cb_put_array(&w, MAX_TREES + 1);
			for (unsigned k = 0; k < MAX_TREES + 1; k++) {
				char name[8];

				snprintf(name, sizeof(name), "t%u", k);
				cb_put_map(&w, 3);
				cb_put_uint(&w, 0); cb_put_cstr(&w, name);
				cb_put_uint(&w, 1); cb_put_cstr(&w, "/x");
				cb_put_uint(&w, 2); cb_put_bstr(&w, m.image_digest, 32);
			}
			REQUIRE(cb_wr_finish(&w, &n) == 0);
		} else {
			n = encode(&m, buf, sizeof(buf));
		}
		got.ntrees = 4242;
		e = manifest_decode(buf, n, &got);
		t_report(e == rows[i].err && got.ntrees == 4242, "manifest: %s (%s; got %s)",
			 rows[i].what, mb_strerror(rows[i].err), mb_strerror(e));
	}
}

static void test_missing_image(void)
{
	uint8_t buf[64];
	struct cb_wr w;
	size_t n;

	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_map(&w, 2);
	cb_put_uint(&w, 0); cb_put_uint(&w, 1);
	cb_put_uint(&w, 2); cb_put_array(&w, 0);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(manifest_decode(buf, n, &got), MB_E_MISSING_KEY);

	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_map(&w, 1);
	cb_put_uint(&w, 0); cb_put_uint(&w, 2);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(manifest_decode(buf, n, &got), MB_E_VERSION);

	cb_wr_init(&w, buf, sizeof(buf));
	cb_put_map(&w, 1);
	cb_put_uint(&w, 9); cb_put_uint(&w, 2);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	CHECK_EQ(manifest_decode(buf, n, &got), MB_E_UNKNOWN_KEY);
}

/* A manifest whose key 5 is the item the writer puts there. */
static size_t with_key5(uint8_t *buf, size_t cap, void (*put)(struct cb_wr *w))
{
	struct cb_wr w;
	size_t n;

	sample(&m, false, false, false);
	m.has_runspec = false;
	cb_wr_init(&w, buf, cap);
	/* the encoder's map without key 5, then key 5 by hand */
	cb_put_map(&w, 4);
	cb_put_uint(&w, 0); cb_put_uint(&w, 1);
	cb_put_uint(&w, 1); cb_put_map(&w, 3);
	cb_put_uint(&w, 0); cb_put_bstr(&w, m.image_digest, 32);
	cb_put_uint(&w, 1); cb_put_uint(&w, m.image_size);
	cb_put_uint(&w, 2); cb_put_cstr(&w, "ext4");
	cb_put_uint(&w, 2); cb_put_array(&w, 0);
	cb_put_uint(&w, 5);
	put(&w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

static uint8_t rsbuf[MAX_RUNSPEC_BYTES + 2];
static size_t rslen;

static void put_good(struct cb_wr *w) { cb_put_bstr(w, rsbuf, rslen); }
static void put_tstr(struct cb_wr *w) { cb_put_cstr(w, "/bin/true"); }
static void put_bare(struct cb_wr *w) { cb_put_raw(w, rsbuf, rslen); }
static void put_empty(struct cb_wr *w) { cb_put_bstr(w, rsbuf, 0); }
static void put_oversized(struct cb_wr *w) { cb_put_bstr(w, rsbuf, MAX_RUNSPEC_BYTES + 1); }
static void put_trailing(struct cb_wr *w) { cb_put_bstr(w, rsbuf, rslen + 1); }
static void put_cut(struct cb_wr *w) { cb_put_bstr(w, rsbuf, rslen - 1); }
static void put_map(struct cb_wr *w) { cb_put_map(w, 0); }

/* The pinned run spec: a byte string holding a run spec that decodes. */
static void test_bad_runspec_pins(void)
{
	static const struct {
		const char *what;
		void (*put)(struct cb_wr *w);
		int mutate; /* 1: timeout 0, 2: unknown key */
		int err;
	} rows[] = {
		{ "pinned run spec as a text string", put_tstr, 0, MB_E_TYPE },
		{ "pinned run spec not wrapped in a byte string", put_bare, 0, MB_E_TYPE },
		{ "pinned run spec as a map", put_map, 0, MB_E_TYPE },
		{ "pinned run spec empty", put_empty, 0, MB_E_TRUNCATED },
		{ "pinned run spec past MAX_RUNSPEC_BYTES", put_oversized, 0, MB_E_TOO_LARGE },
		{ "pinned run spec with a byte after it", put_trailing, 0, MB_E_TRAILING },
		{ "pinned run spec cut short", put_cut, 0, MB_E_TRUNCATED },
		{ "pinned run spec with timeout 0", put_good, 1, MB_E_RANGE },
		{ "pinned run spec without argv", put_good, 2, MB_E_MISSING_KEY },
		{ "pinned run spec with a relative cwd", put_good, 3, MB_E_PATH },
	};
	static uint8_t buf[MAX_RUNSPEC_BYTES + 256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cb_wr w;
		size_t n;
		int e;

		sample_runspec(&rs);
		if (rows[i].mutate == 1)
			rs.timeout_s = 0;
		if (rows[i].mutate == 3)
			rs.cwd = "opt";
		memset(rsbuf, 0, sizeof(rsbuf));
		cb_wr_init(&w, rsbuf, sizeof(rsbuf));
		if (rows[i].mutate == 2) { /* the encoder's map less key 1 */
			cb_put_map(&w, 1);
			cb_put_uint(&w, 0); cb_put_uint(&w, RUNSPEC_VERSION);
		} else {
			runspec_encode(&rs, &w);
		}
		REQUIRE(cb_wr_finish(&w, &rslen) == 0);
		n = with_key5(buf, sizeof(buf), rows[i].put);
		got.ntrees = 4242;
		got.has_runspec = false;
		e = manifest_decode(buf, n, &got);
		t_report(e == rows[i].err && got.ntrees == 4242 && !got.has_runspec,
			 "manifest: %s (%s; got %s)", rows[i].what, mb_errname(rows[i].err), mb_errname(e));
	}
	/* and the same frame with a good run spec decodes: each row is one
	 * fault away from an accepted manifest */
	{
		size_t n;

		sample_runspec(&rs);
		pin_runspec(&m, &rs);
		memcpy(rsbuf, m.runspec, m.runspec_len);
		rslen = m.runspec_len;
		n = with_key5(buf, sizeof(buf), put_good);
		t_report(manifest_decode(buf, n, &got) == 0 && got.has_runspec && got.runspec_len == rslen &&
				 memcmp(got.runspec, rsbuf, rslen) == 0,
			 "manifest: the same frame with a good pinned run spec decodes");
	}
}

/* A manifest whose image map is the encoder's (verity or not) followed
 * by key 5 as put writes it: the trees_by_verity mark, forged or not. */
static size_t with_mark(uint8_t *buf, size_t cap, bool verity, void (*put)(struct cb_wr *w))
{
	struct cb_wr w;
	size_t n;

	sample(&m, false, false, verity);
	cb_wr_init(&w, buf, cap);
	cb_put_map(&w, 3);
	cb_put_uint(&w, 0); cb_put_uint(&w, 1);
	cb_put_uint(&w, 1); cb_put_map(&w, verity ? 6 : 4);
	cb_put_uint(&w, 0); cb_put_bstr(&w, m.image_digest, 32);
	cb_put_uint(&w, 1); cb_put_uint(&w, m.image_size);
	cb_put_uint(&w, 2); cb_put_cstr(&w, "ext4");
	if (verity) {
		cb_put_uint(&w, 3); cb_put_bstr(&w, m.verity_root, 32);
		cb_put_uint(&w, 4); cb_put_uint(&w, m.verity_offset);
	}
	cb_put_uint(&w, 5);
	put(&w);
	cb_put_uint(&w, 2); cb_put_array(&w, 0);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

static void put_true(struct cb_wr *w) { cb_put_bool(w, true); }
static void put_false(struct cb_wr *w) { cb_put_bool(w, false); }
static void put_one(struct cb_wr *w) { cb_put_uint(w, 1); }
static void put_null(struct cb_wr *w) { cb_put_null(w); }

/* image key 5, trees_by_verity: true with a verity root, nothing else;
 * a manifest without it decodes as before (the round trips above). */
static void test_trees_by_verity(void)
{
	static const struct {
		const char *what;
		bool verity;
		void (*put)(struct cb_wr *w);
		int err;
	} rows[] = {
		{ "trees_by_verity true with a verity root", true, put_true, 0 },
		{ "forged: trees_by_verity without a verity root", false, put_true, MB_E_MISSING_KEY },
		{ "trees_by_verity false (absent is the only no)", true, put_false, MB_E_RANGE },
		{ "trees_by_verity as the integer 1", true, put_one, MB_E_TYPE },
		{ "trees_by_verity null", true, put_null, MB_E_TYPE },
	};
	uint8_t buf[1024], again[1024];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n = with_mark(buf, sizeof(buf), rows[i].verity, rows[i].put);
		int e;

		got.ntrees = 4242;
		got.trees_by_verity = false;
		e = manifest_decode(buf, n, &got);
		t_report(e == rows[i].err && (e < 0 ? got.ntrees == 4242 : got.trees_by_verity),
			 "manifest: %s (%s; got %s)", rows[i].what, mb_strerror(rows[i].err), mb_strerror(e));
		if (e == 0) /* and the encoder writes the same bytes back */
			t_report(encode(&got, again, sizeof(again)) == n && memcmp(again, buf, n) == 0,
				 "manifest: the marked manifest encodes to the same bytes");
	}
	/* the encoder writes the mark only beside a verity root */
	sample(&m, false, false, false);
	m.trees_by_verity = true;
	size_t n = encode(&m, buf, sizeof(buf));

	CHECK_EQ(manifest_decode(buf, n, &got), 0);
	CHECK(!got.trees_by_verity);
	sample(&m, false, false, true);
	n = encode(&m, buf, sizeof(buf));
	CHECK_EQ(manifest_decode(buf, n, &got), 0);
	CHECK(!got.trees_by_verity);
}

int main(void)
{
	RUN(test_round_trips);
	test_bad_manifests();
	RUN(test_missing_image);
	test_bad_runspec_pins();
	test_trees_by_verity();
	return t_done();
}
