// SPDX-License-Identifier: MIT
/*
 * Every committed vector through its decoder: each good one accepted, each
 * bad one refused with exactly the error tests/vectors/bad/EXPECTED names,
 * and the decoder's out-parameter left as it was. Run from the top of the
 * tree.
 */
#include "t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb.h"
#include "evlog.h"
#include "frame.h"
#include "manifest.h"
#include "record.h"
#include "runspec.h"

#define DIR "tests/vectors/"

static int decode_chain(const uint8_t *buf, size_t n)
{
	size_t nn, off = 0;
	uint8_t *nonce = t_slurp(DIR "good/chain.nonce", &nn);
	struct chain c;
	int e = chain_init(&c, nonce);

	free(nonce);
	while (e == 0 && off < n) {
		struct cb_rd r;
		struct record rec;

		cb_rd_init(&r, buf, n);
		r.off = off;
		if ((e = cb_skip(&r)) < 0)
			break;
		e = chain_accept(&c, buf + off, r.off - off, &rec);
		off = r.off;
	}
	return e;
}

/* Runs one decoder; *untouched tells whether its out-parameter kept the
 * sentinel it was filled with. */
static int decode(const char *decoder, const uint8_t *b, size_t n, bool *untouched)
{
	static struct record rec;
	static struct evlog log;
	static struct runspec rs;
	static struct hello h;
	static struct manifest m;
	struct frame fr;
	size_t used;
	int e;

	*untouched = true;
	if (strcmp(decoder, "record") == 0) {
		memset(&rec, 0xa5, sizeof(rec));
		e = record_decode(b, n, &rec);
		*untouched = rec.seq == 0xa5a5a5a5a5a5a5a5ull;
	} else if (strcmp(decoder, "evlog") == 0) {
		log.n = 4242;
		e = evlog_decode(b, n, &log);
		*untouched = log.n == 4242;
	} else if (strcmp(decoder, "runspec") == 0) {
		rs.argc = 4242;
		e = runspec_decode(b, n, &rs);
		*untouched = rs.argc == 4242;
	} else if (strcmp(decoder, "hello") == 0) {
		h.runspec_len = 4242;
		e = hello_decode(b, n, &h);
		*untouched = h.runspec_len == 4242;
	} else if (strcmp(decoder, "manifest") == 0) {
		m.ntrees = 4242;
		e = manifest_decode(b, n, &m);
		*untouched = m.ntrees == 4242;
	} else if (strcmp(decoder, "chain") == 0) {
		e = decode_chain(b, n);
	} else if (strcmp(decoder, "frame") == 0) {
		fr.type = 77;
		e = frame_parse(b, n, &fr, &used);
		if (e == 1)
			e = used == n ? 0 : MB_E_TRAILING;
		else if (e == 0)
			e = MB_E_TRUNCATED;
		*untouched = e == 0 || fr.type == 77;
	} else {
		REQUIRE(!"unknown decoder in EXPECTED");
		e = 0;
	}
	return e;
}

static void test_bad_vectors(void)
{
	size_t n;
	char *list = (char *)t_slurp(DIR "bad/EXPECTED", &n), *save = NULL;
	unsigned rows = 0;

	list[n] = 0;
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char file[256], decoder[32], want[64], path[512];
		uint8_t *b;
		size_t bn;
		bool untouched;
		int e;

		if (line[0] == '#' || sscanf(line, "%255s %31s %63s", file, decoder, want) != 3)
			continue;
		snprintf(path, sizeof(path), DIR "bad/%s", file);
		b = t_slurp(path, &bn);
		e = decode(decoder, b, bn, &untouched);
		free(b);
		rows++;
		t_report(strcmp(mb_errname(e), want) == 0 && e < 0 && untouched,
			 "bad/%s refused by %s with %s (got %s%s)", file, decoder, want, mb_errname(e),
			 untouched ? "" : ", out-parameter written");
	}
	free(list);
	REQUIRE(rows >= 100);
}

static void test_good_vectors(void)
{
	static const struct { const char *file, *decoder; } good[] = {
		{ "record-phase.cbor", "record" }, { "record-stdout.cbor", "record" },
		{ "record-test.cbor", "record" }, { "record-checkpoint.cbor", "record" },
		{ "record-end.cbor", "record" }, { "chain.cborseq", "chain" },
		{ "evlog.cbor", "evlog" }, { "runspec.cbor", "runspec" },
		{ "runspec-minimal.cbor", "runspec" }, { "runspec-agent.cbor", "runspec" },
		{ "record-results.cbor", "record" }, { "hello.cbor", "hello" },
		{ "manifest.cbor", "manifest" }, { "manifest-minimal.cbor", "manifest" },
		{ "manifest-verity.cbor", "manifest" }, { "manifest-runspec.cbor", "manifest" },
		{ "manifest-trees-by-verity.cbor", "manifest" },
		{ "frame-hello.bin", "frame" },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char path[256];
		uint8_t *b;
		size_t n;
		bool untouched;
		int e;

		snprintf(path, sizeof(path), DIR "good/%s", good[i].file);
		b = t_slurp(path, &n);
		e = decode(good[i].decoder, b, n, &untouched);
		free(b);
		t_report(e == 0, "good/%s accepted by %s (%s)", good[i].file, good[i].decoder,
			 mb_errname(e));
	}
}

int main(void)
{
	test_good_vectors();
	test_bad_vectors();
	return t_done();
}
