// SPDX-License-Identifier: MIT
/*
 * guest-init's measurements, built for the host from the guest's own
 * source (guest-init/measure.c) with the TPM calls stubbed: the run spec
 * is extended on PCR 11 under its tag; platform events handed over in the
 * hello (TPM-device mode) are extended on PCRs 8 and 9 and nowhere else:
 * an event for any other PCR is refused before it reaches the TPM, and a
 * log that does not decode extends nothing. Trees by verity reference
 * (vouch.trees=verity) are taken only through a verity target that is
 * live and has refused nothing: otherwise nothing is extended.
 */
#include "t.h"

#include "../../guest-init/gi.h"
#include "pcr.h"
#include "sha256.h"

struct gi G;
static int verity_state; /* what gi_verity_corrupted() answers */

int gi_verity_corrupted(void)
{
	return verity_state;
}

static struct { uint32_t pcr; uint8_t digest[32]; char tag[32]; bool raw; } ext[64];
static size_t next;

void gi_console(const char *fmt, ...)
{
	(void)fmt;
}

int gi_tpm_extend_raw(uint32_t pcr, const uint8_t digest[static 32])
{
	REQUIRE(next < 64);
	ext[next].pcr = pcr;
	memcpy(ext[next].digest, digest, 32);
	ext[next].tag[0] = 0;
	ext[next++].raw = true;
	return 0;
}

int gi_tpm_extend(uint32_t pcr, uint32_t type, const uint8_t digest[static 32], const char *tag)
{
	(void)type;
	REQUIRE(next < 64 && strlen(tag) < 32);
	ext[next].pcr = pcr;
	memcpy(ext[next].digest, digest, 32);
	strcpy(ext[next].tag, tag);
	ext[next++].raw = false;
	return 0;
}

/* A platform log of the launcher's four events, the last on pcr. */
static size_t platform_log(uint32_t last_pcr, uint8_t *out, size_t cap)
{
	static struct evlog log;
	static const char *const tags[] = { "vouch.kernel", "vouch.initramfs", "vouch.cmdline", "vouch.rootfs" };
	struct cb_wr w;
	size_t n;

	evlog_init(&log);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t d[32];

		memset(d, (int)(0x10 + i), 32);
		REQUIRE(evlog_append(&log, i < 3 ? PCR_BOOT : last_pcr, EV_IPL, d, tags[i], strlen(tags[i])) == 0);
	}
	cb_wr_init(&w, out, cap);
	evlog_encode(&log, &w);
	REQUIRE(cb_wr_finish(&w, &n) == 0);
	return n;
}

static void test_runspec(void)
{
	static uint8_t rs[] = { 0xa1, 0x00, 0x01 };
	uint8_t d[32];

	next = 0;
	G.runspec_bytes = rs;
	G.runspec_len = sizeof(rs);
	REQUIRE(sha256_buf(rs, sizeof(rs), d) == 0);
	t_report(gi_measure_runspec() == 0 && next == 1 && ext[0].pcr == PCR_RUNSPEC &&
			 memcmp(ext[0].digest, d, 32) == 0 && strcmp(ext[0].tag, "vouch.runspec") == 0,
		 "run spec: SHA-256 of its bytes, PCR 11, vouch.runspec");
}

static void test_platform(void)
{
	uint8_t buf[4096];
	size_t n = platform_log(PCR_ROOT, buf, sizeof(buf));
	int ok;

	next = 0;
	ok = gi_measure_platform(buf, n) == 0 && next == 4;
	for (size_t i = 0; ok && i < 4; i++)
		ok = ext[i].raw && ext[i].pcr == (i < 3 ? PCR_BOOT : PCR_ROOT) && ext[i].digest[0] == 0x10 + i;
	t_report(ok, "platform events of the launcher: extended on PCRs 8, 8, 8, 9 in order");

	for (uint32_t pcr = 0; pcr < 24; pcr++) {
		int e;

		if (pcr == PCR_BOOT || pcr == PCR_ROOT)
			continue;
		n = platform_log(pcr, buf, sizeof(buf));
		next = 0;
		e = gi_measure_platform(buf, n);
		ok = e == MB_E_PCR;
		for (size_t i = 0; i < next; i++)
			ok = ok && ext[i].pcr == PCR_BOOT;
		t_report(ok, "platform event on PCR %u: refused (%s), never extended", pcr, mb_errname(e));
	}

	n = platform_log(PCR_ROOT, buf, sizeof(buf));
	next = 0;
	t_report(gi_measure_platform(buf, n - 1) < 0 && next == 0, "platform log cut short: refused, nothing extended");
}

static struct runspec trees_rs = { .agent_path = "/opt/agent", .harness_path = "/opt/harness" };

/* A plain run names no tree: nothing is measured, walked or referenced,
 * with or without the verity mark. */
static void test_plain(void)
{
	static struct runspec plain;

	G.rs = &plain;
	for (int by_verity = 0; by_verity < 2; by_verity++) {
		memset(&G.cfg, 0, sizeof(G.cfg));
		G.cfg.trees_by_verity = by_verity;
		next = 0;
		int e = gi_measure_trees();

		t_report(e == 0 && next == 0, "plain run%s: no tree measured, nothing extended (got %s)",
			 by_verity ? " (trees by verity)" : "", mb_strerror(e));
	}
	memset(&G.cfg, 0, sizeof(G.cfg));
	G.rs = NULL;
}

static void test_trees_by_verity(void)
{
	static const struct { const char *what; const char *spec; int state, err; } rows[] = {
		{ "verity target refused a block already", "8:" "0123456789abcdef0123456789abcdef"
							"0123456789abcdef0123456789abcdef", 1, MB_E_CHANGED },
		{ "no live verity target", "8:" "0123456789abcdef0123456789abcdef"
					  "0123456789abcdef0123456789abcdef", -6, MB_E_IO },
		{ "a root that is not 64 hex digits", "8:0123", 0, MB_E_LENGTH },
	};

	G.rs = &trees_rs;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&G.cfg, 0, sizeof(G.cfg));
		G.cfg.trees_by_verity = true;
		snprintf(G.cfg.verity, sizeof(G.cfg.verity), "%s", rows[i].spec);
		verity_state = rows[i].state;
		next = 0;
		int e = gi_measure_trees();

		t_report(e == rows[i].err && next == 0, "trees by verity: %s: %s, nothing extended (got %s)",
			 rows[i].what, mb_strerror(rows[i].err), mb_strerror(e));
	}
	verity_state = 0;
	memset(&G.cfg, 0, sizeof(G.cfg));
	G.rs = NULL;
}

int main(void)
{
	test_runspec();
	test_plain();
	test_platform();
	test_trees_by_verity();
	return t_done();
}
