// SPDX-License-Identifier: MIT
/*
 * What guest-init refuses in the session's first frame, built for the
 * host from the guest's own source (guest-init/hello.c): a frame of any
 * other type; every bad hello vector (tests/vectors/bad, decoder "hello"),
 * with the error it names; every bad run spec vector carried in an
 * otherwise good hello, with its error; platform events over a TPM relay
 * (taken only with a TPM device). Each refusal names its step and leaves
 * the out-parameter untouched; the good hello frame is taken whole.
 */
#include "t.h"

#include "../../guest-init/gi.h"

#define DIR "tests/vectors/"

static uint8_t *nonce_of_good; /* the good hello's, for the hellos made here */

/* A hello around rs and platform, encoded by the library's own encoder. */
static size_t make_hello(const uint8_t *rs, size_t rn, const uint8_t *pl, size_t pn, uint8_t *out, size_t cap)
{
	struct hello h = { .runspec = rs, .runspec_len = rn, .platform = pl, .platform_len = pn };
	struct cb_wr w;
	size_t n;

	memcpy(h.nonce, nonce_of_good, NONCE_BYTES);
	cb_wr_init(&w, out, cap);
	hello_encode(&h, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

/* gi_hello_accept on a frame of type t over p: its error, *why and
 * whether *ret kept its sentinel */
static int take(uint8_t t, const uint8_t *p, size_t n, bool device, const char **why, bool *untouched,
		  struct hello *h)
{
	static struct runspec rs;
	struct frame f = { .type = t, .p = p, .n = n };
	int e;

	memset(h, 0, sizeof(*h));
	h->runspec_len = 4242;
	*why = "";
	e = gi_hello_accept(&f, device, h, &rs, why);
	*untouched = h->runspec_len == 4242;
	return e;
}

static void test_good(void)
{
	size_t n, rn, fn, used;
	uint8_t *hb = t_slurp(DIR "good/hello.cbor", &n);
	uint8_t *rb = t_slurp(DIR "good/runspec.cbor", &rn);
	uint8_t *fb = t_slurp(DIR "good/frame-hello.bin", &fn);
	struct hello h, want;
	struct frame f;
	const char *why;
	bool untouched;

	REQUIRE(hello_decode(hb, n, &want) == 0);
	nonce_of_good = malloc(NONCE_BYTES);
	REQUIRE(nonce_of_good);
	memcpy(nonce_of_good, want.nonce, NONCE_BYTES);
	REQUIRE(frame_parse(fb, fn, &f, &used) == 1 && used == fn);
	for (int device = 0; device < 2; device++) {
		int e = take(f.type, f.p, f.n, device, &why, &untouched, &h);

		t_report(e == 0 && !untouched && memcmp(h.nonce, want.nonce, NONCE_BYTES) == 0 &&
				 h.runspec_len == rn && memcmp(h.runspec, rb, rn) == 0 && h.platform_len == 0,
			 "good/frame-hello.bin (TPM %s): taken, nonce and run spec bytes as sent (%s)",
			 device ? "device" : "relay", mb_errname(e));
	}
	for (unsigned t = 0; t < 256; t++) {
		int e;

		if (t == FRAME_HELLO)
			continue;
		e = take((uint8_t)t, hb, n, true, &why, &untouched, &h);
		if (e != MB_E_FRAME_TYPE || strcmp(why, "first frame is not a hello") != 0 || !untouched) {
			t_report(false, "a good hello in a frame of type %u: refused as not a hello (%s, %s)", t,
				 mb_errname(e), why);
			break;
		}
		if (t == 255)
			t_report(true, "a good hello in a frame of any type but hello: refused as not a hello");
	}
	free(hb);
	free(rb);
	free(fb);
}

/* every bad vector of decoder "hello", and every one of "runspec" carried
 * in a good hello */
static void test_bad_vectors(void)
{
	size_t n;
	char *list = (char *)t_slurp(DIR "bad/EXPECTED", &n), *save = NULL;
	unsigned hellos = 0, runspecs = 0;

	list[n] = 0;
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		static uint8_t buf[2 * MAX_FRAME_PAYLOAD_BYTES];
		char file[256], decoder[32], want[64], path[512];
		const char *why, *want_why;
		struct hello h, probe;
		uint8_t *b;
		size_t bn;
		bool untouched;
		int e;

		if (line[0] == '#' || sscanf(line, "%255s %31s %63s", file, decoder, want) != 3)
			continue;
		if (strcmp(decoder, "hello") != 0 && strcmp(decoder, "runspec") != 0)
			continue;
		snprintf(path, sizeof(path), DIR "bad/%s", file);
		b = t_slurp(path, &bn);
		if (decoder[0] == 'h') {
			hellos++;
			e = take(FRAME_HELLO, b, bn, true, &why, &untouched, &h);
			want_why = "reading the session hello";
		} else {
			size_t hn = make_hello(b, bn, NULL, 0, buf, sizeof(buf));

			runspecs++;
			want_why = "reading the run spec";
			if (hello_decode(buf, hn, &probe) < 0) {
				/* too big for a hello: refused there, as whole */
				want_why = "reading the session hello";
				snprintf(want, sizeof(want), "%s", mb_errname(hello_decode(buf, hn, &probe)));
			}
			e = take(FRAME_HELLO, buf, hn, true, &why, &untouched, &h);
		}
		t_report(strcmp(mb_errname(e), want) == 0 && strcmp(why, want_why) == 0 && untouched,
			 "bad/%s in a hello frame: refused, %s: %s (got %s: %s%s)", file, want_why, want, why,
			 mb_errname(e), untouched ? "" : ", out-parameter written");
		free(b);
	}
	free(list);
	REQUIRE(hellos >= 20 && runspecs >= 40);
}

/* A platform log of the launcher's four events, as the hello carries it. */
static void test_platform(void)
{
	static struct evlog log;
	static const char *const tags[] = { "vouch.kernel", "vouch.initramfs", "vouch.cmdline", "vouch.rootfs" };
	static uint8_t pl[4096], buf[2 * MAX_FRAME_PAYLOAD_BYTES];
	size_t pn, rn, hn;
	uint8_t *rb = t_slurp(DIR "good/runspec.cbor", &rn);
	struct hello h;
	const char *why;
	bool untouched;
	struct cb_wr w;
	int e;

	evlog_init(&log);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t d[32];

		memset(d, (int)(0x10 + i), 32);
		REQUIRE(evlog_append(&log, i < 3 ? PCR_BOOT : PCR_ROOT, EV_IPL, d, tags[i], strlen(tags[i])) == 0);
	}
	cb_wr_init(&w, pl, sizeof(pl));
	evlog_encode(&log, &w);
	REQUIRE(cb_wr_finish(&w, &pn) == 0);
	hn = make_hello(rb, rn, pl, pn, buf, sizeof(buf));

	e = take(FRAME_HELLO, buf, hn, false, &why, &untouched, &h);
	t_report(e == MB_E_RANGE && strcmp(why, "platform events sent over a TPM relay") == 0 && untouched,
		 "platform events in the hello over a TPM relay: refused (%s: %s)", why, mb_errname(e));
	e = take(FRAME_HELLO, buf, hn, true, &why, &untouched, &h);
	t_report(e == 0 && h.platform_len == pn && memcmp(h.platform, pl, pn) == 0 && h.runspec_len == rn,
		 "platform events in the hello with a TPM device: taken as sent (%s)", mb_errname(e));
	free(rb);
}

int main(void)
{
	test_good();
	test_bad_vectors();
	test_platform();
	free(nonce_of_good);
	return t_done();
}
