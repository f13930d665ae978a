// SPDX-License-Identifier: MIT
/* Reference manifest: round trip with and without optional parts, and
 * bad inputs. */
#include "t.h"

#include "cb.h"
#include "manifest.h"

static struct manifest m, got;

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
	for (int v = 0; v < 8; v++) {
		uint8_t buf[2048], again[2048];
		size_t n, k;

		sample(&m, v & 1, v & 2, v & 4);
		n = encode(&m, buf, sizeof(buf));
		CHECK_EQ(manifest_decode(buf, n, &got), 0);
		CHECK_EQ(got.has_verity, (v & 4) != 0);
		if (v & 4) {
			CHECK_EQ(got.verity_offset, m.verity_offset);
			CHECK_MEM(got.verity_root, m.verity_root, 32);
		}
		CHECK_EQ(got.has_boot, (v & 1) != 0);
		CHECK_EQ(got.has_config, (v & 2) != 0);
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

int main(void)
{
	RUN(test_round_trips);
	test_bad_manifests();
	RUN(test_missing_image);
	return t_done();
}
