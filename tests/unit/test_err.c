// SPDX-License-Identifier: MIT
/* The one error space (measured-boot/err.h): MB_E_*, ATT_E_* and IMG_E_*
 * each in a range of its own below -errno's, every code named and in
 * words by the one mb_strerror, and a range that would meet another
 * refused. Linked with attestation.o and image_err.o, as vouch is. */
#include "t.h"

#include <errno.h>

#include "attestation.h"
#include "err.h"
#include "../../vouch/image/image.h"

#define MAX_CODES (MB_ERR_MAX_RANGES * MB_ERR_RANGE_CODES)

struct want {
	const char *prefix;
	int first, last; /* the enum's own ends */
} const wants[] = {
	{ "MB_E_", MB_E_NOMEM, MB_E_PCR },
	{ "ATT_E_", ATT_E_BASE64, ATT_E_SIG_LENGTH },
	{ "IMG_E_", IMG_E_FORMAT, IMG_E_USER },
};

static const struct mb_err_range *range_of(const char *prefix)
{
	const struct mb_err_range *r;

	for (size_t i = 0; (r = mb_err_range_at(i)); i++)
		if (r->n && r->words[0].name && strncmp(r->words[0].name, prefix, strlen(prefix)) == 0)
			return r;
	return NULL;
}

/* Each module's range is known, spans exactly its enum, and sits below
 * -4095 and away from every other range. */
static void test_ranges_disjoint(void)
{
	const struct mb_err_range *r, *q;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		REQUIRE((r = range_of(wants[i].prefix)));
		CHECK_EQ(r->base - 1, wants[i].first);
		CHECK_EQ(r->base - (int)r->n, wants[i].last);
	}
	for (size_t i = 0; (r = mb_err_range_at(i)); i++, n++) {
		CHECK(r->base - 1 < -4095 && r->base - (int)r->n < -4095);
		for (size_t j = 0; (q = mb_err_range_at(j)); j++)
			if (j != i) /* [base - n, base - 1] and q's do not meet */
				CHECK(r->base - (int)r->n > q->base - 1 || q->base - (int)q->n > r->base - 1);
	}
	CHECK_EQ(n, 3);
	/* the old collision: -ETIMEDOUT was IMG_E_WHITEOUT */
	CHECK(strcmp(mb_errname(-ETIMEDOUT), "ETIMEDOUT") == 0);
	CHECK(strcmp(mb_errname(IMG_E_WHITEOUT), "IMG_E_WHITEOUT") == 0);
	CHECK(IMG_E_WHITEOUT != -ETIMEDOUT && MB_E_NOMEM != -EPERM && ATT_E_BASE64 != -64);
}

/* Every code of every range: its own name (with its range's prefix,
 * none twice), words that are not the fallback's, none twice. */
static void test_every_code_named(void)
{
	static const char *names[MAX_CODES], *texts[MAX_CODES];
	const struct mb_err_range *r;
	size_t n = 0;

	for (size_t i = 0; (r = mb_err_range_at(i)); i++) {
		const char *prefix = r->words[0].name, *sep = strstr(prefix, "_E_");
		size_t plen = sep ? (size_t)(sep - prefix) + 3 : 0;

		CHECK(plen > 3);
		for (int code = r->base - 1; code >= r->base - (int)r->n; code--) {
			const char *name = mb_errname(code), *text = mb_strerror(code);

			REQUIRE(n < MAX_CODES);
			if (!name || !text || strncmp(name, prefix, plen) != 0 || strcmp(name, "MB_E_?") == 0 ||
			    !text[0] || strcmp(text, "unknown error") == 0) {
				printf("# %d: %s: %s\n", code, name ? name : "(null)", text ? text : "(null)");
				t_cur_failed = 1;
				continue;
			}
			for (size_t k = 0; k < n; k++)
				if (strcmp(names[k], name) == 0 || strcmp(texts[k], text) == 0) {
					printf("# %d: %s / \"%s\" said twice\n", code, name, text);
					t_cur_failed = 1;
				}
			names[n] = name;
			texts[n++] = text;
		}
	}
	CHECK_EQ(n, (MB_E_BASE_ - 1 - MB_E_ERR_MIN_) + (ATT_E_BASE_ - 1 - ATT_E_MIN_) +
			     (IMG_E_BASE_ - 1 - IMG_E_MIN_));
}

/* Around each range: the code past its last, its base and the codes
 * between ranges are nobody's; -errno is errno's. */
static void test_edges(void)
{
	const struct mb_err_range *r;
	char words[128];

	for (size_t i = 0; (r = mb_err_range_at(i)); i++) {
		CHECK(strcmp(mb_errname(r->base - (int)r->n - 1), "MB_E_?") == 0);
		CHECK(strcmp(mb_strerror(r->base - (int)r->n - 1), "unknown error") == 0);
		CHECK(strcmp(mb_errname(r->base), "MB_E_?") == 0);
	}
	CHECK(strcmp(mb_errname(MB_ERR_BASE(1) + 1), "MB_E_?") == 0);
	CHECK(strcmp(mb_errname(-4096), "MB_E_?") == 0);
	CHECK(strcmp(mb_errname(0), "MB_OK") == 0 && strcmp(mb_strerror(0), "success") == 0);
	CHECK(strcmp(mb_strerror(-ENOENT), strerror(ENOENT)) == 0);
	snprintf(words, sizeof(words), "%s", mb_strerror(-4095)); /* strerror's buffer */
	CHECK(strcmp(words, strerror(4095)) == 0);
	CHECK(strcmp(mb_errname(-EINVAL), "EINVAL") == 0);
	CHECK(strcmp(mb_strerror(-EINVAL), "invalid argument") != 0); /* not MB_E_INVAL's words */
	CHECK(strcmp(mb_strerror(1), "unknown error") == 0);
	CHECK(strcmp(mb_strerror(MB_E_IO), "input/output error") == 0);
	CHECK(strcmp(mb_strerror(ATT_E_NONCE), "statement of another session (nonce)") == 0);
	CHECK(strcmp(mb_errname(IMG_E_DIGEST), "IMG_E_DIGEST") == 0);
	/* the DSSE reader's words for its JSON, the rest mb_strerror's */
	CHECK(strcmp(attestation_strerror(MB_E_MALFORMED), "malformed JSON") == 0);
	CHECK(strcmp(attestation_strerror(ATT_E_KEY), mb_strerror(ATT_E_KEY)) == 0);
}

/* A range that would meet another, or is no range, is refused; the
 * table's end is a limit. Last: it fills the table. */
static void test_register_refuses(void)
{
	static const struct mb_err_word w[1] = { { "X_E_ONE", "one" } };
	struct mb_err_range r = { .base = MB_ERR_BASE(2), .n = 1, .words = w };
	size_t before = 0, after = 0;
	int e;

	while (mb_err_range_at(before))
		before++;
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE); /* IMG_E_'s */
	r.base = MB_ERR_BASE(0);
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE); /* MB_E_'s */
	r.base = -4000;                              /* errno's */
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE);
	r.base = MB_ERR_BASE(5) + 100; /* across two ranges */
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE);
	r.base = MB_ERR_BASE(5);
	r.n = 0;
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE);
	r.n = MB_ERR_RANGE_CODES + 1; /* into the next range */
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE);
	while (mb_err_range_at(after))
		after++;
	CHECK_EQ(after, before);
	r.n = 1;
	CHECK_EQ(mb_err_register(&r), 0);
	CHECK(strcmp(mb_errname(MB_ERR_BASE(5) - 1), "X_E_ONE") == 0);
	CHECK_EQ(mb_err_register(&r), MB_E_RANGE); /* twice */
	{
		static struct mb_err_range more[MB_ERR_MAX_RANGES];
		size_t k = 0;

		do {
			more[k] = (struct mb_err_range){ .base = MB_ERR_BASE(10 + (int)k), .n = 1, .words = w };
			e = mb_err_register(&more[k]);
		} while (e == 0 && ++k < MB_ERR_MAX_RANGES);
		CHECK_EQ(e, MB_E_LIMIT);
		CHECK_EQ(k, MB_ERR_MAX_RANGES - before - 1);
	}
}

int main(void)
{
	RUN(test_ranges_disjoint);
	RUN(test_every_code_named);
	RUN(test_edges);
	RUN(test_register_refuses);
	return t_done();
}
