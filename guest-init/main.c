// SPDX-License-Identifier: MIT
/*
 * guest-init: PID 1 of a vouch microVM. main() is the list of steps; it
 * never returns: every path ends in power-off, through gi_die() on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "gi.h"
#include "pcr.h"
#include "sha256.h"


static void read_hello(void)
{
	struct hello h;
	struct frame f;
	const char *why;
	int e;

	GI_CHECK("waiting for the session hello", frame_read(&G.chan_rd, frame_now_ms() + 60000, &f));
	G.rs = malloc(sizeof(*G.rs));
	if (!G.rs)
		gi_die("keeping the run spec", MB_E_NOMEM);
	if ((e = gi_hello_accept(&f, strcmp(G.cfg.tpm, "device") == 0, &h, G.rs, &why)) < 0)
		gi_die(why, e);
	memcpy(G.nonce, h.nonce, sizeof(G.nonce));
	G.runspec_bytes = malloc(h.runspec_len);
	if (!G.runspec_bytes)
		gi_die("keeping the run spec", MB_E_NOMEM);
	memcpy(G.runspec_bytes, h.runspec, h.runspec_len);
	G.runspec_len = h.runspec_len;
	if (h.platform_len) {
		GI_CHECK("opening the TPM", gi_tpm_open());
		GI_CHECK("extending the platform events", gi_measure_platform(h.platform, h.platform_len));
	}
}

static void open_channel(void)
{
	int fd = gi_channel_open(G.cfg.channel, frame_now_ms() + 10000);

	if (fd < 0)
		gi_die(G.cfg.channel, -fd);
	G.chan_fd = fd;
	GI_CHECK("channel buffer", frame_reader_init(&G.chan_rd, fd));
}

/* The chain head goes into PCR 13, then a quote binds nonce and head. */
static __attribute__((noreturn)) void close_session(int end_reason)
{
	struct record end = { .kind = REC_END, .u.end.reason = (uint32_t)end_reason };
	uint8_t qual[32];
	static uint8_t msg[MAX_FRAME_PAYLOAD_BYTES];
	struct cb_wr w;
	size_t n;

	/* blocks of the root that did not match the pinned root hash were
	 * refused; say so in the chain, where the verifier sees it */
	if (gi_verity_corrupted() > 0)
		GI_CHECK("recording", gi_emit_phase(PHASE_ROOT_CORRUPT));
	GI_CHECK("activating the AK", gi_tpm_activate()); /* if the harness was quicker */
	GI_CHECK("recording", gi_emit_phase(PHASE_QUOTE));
	GI_CHECK("ending the record", gi_emit(&end));
	GI_CHECK("extending the chain head",
		 gi_tpm_extend(PCR_SESSION, EV_EVENT_TAG, G.chain.head, "vouch.chain-head"));
	GI_CHECK("binding nonce and head", sha256_cat(G.nonce, 32, G.chain.head, 32, qual));
	cb_wr_init(&w, msg, sizeof(msg));
	GI_CHECK("quoting", gi_tpm_quote(qual, &w));
	GI_CHECK("encoding the quote", cb_wr_finish(&w, &n));
	GI_CHECK("sending the quote", frame_write(G.chan_fd, FRAME_QUOTE, msg, n));
	gi_tpm_close();
	gi_console("done: %llu records, %llu ms", (unsigned long long)G.chain.next_seq,
		   (unsigned long long)((gi_now_ns() - G.t0_ns) / 1000000u));
	gi_power_off();
}

int main(int argc, char **argv)
{
	static const uint8_t separator[4];
	uint8_t sep_digest[32];
	uint64_t t_mounted;
	int e;

	G.t0_ns = gi_now_ns();
	if (getpid() != 1) {
		const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;

		/* the same binary is the agent boundary's helper in the box */
		if (argc > 0 && strcmp(base ? base + 1 : argv[0], AGENT_HELPER_NAME) == 0)
			return agent_helper_main(argc, argv);
		fprintf(stderr, "guest-init " GI_VERSION ": runs only as PID 1 of a vouch VM\n");
		return 64;
	}
	if ((e = gi_mount_early()) < 0)
		gi_die("mounting /dev, /proc, /sys", -e);
	t_mounted = gi_now_ns();
	if ((e = gi_parse_cmdline(&G.cfg)) < 0)
		gi_die("kernel command line", -e);
	open_channel();
	read_hello();
	GI_CHECK("starting the record", chain_init(&G.chain, G.nonce));
	G.chain_open = true;
	struct record r0 = { .kind = REC_PHASE, .time_ns = t_mounted, .u.phase.phase = PHASE_MOUNTED };

	GI_CHECK("recording", gi_emit(&r0));
	GI_CHECK("recording", gi_emit_phase(PHASE_CHANNEL));
	GI_CHECK("opening the TPM", gi_tpm_open()); /* no-op if the hello opened it */
	GI_CHECK("recording", gi_emit_phase(PHASE_TPM));
	GI_CHECK("measuring the run spec", gi_measure_runspec());
	if ((e = gi_mount_root(G.cfg.root, G.cfg.rootfstype, G.cfg.verity)) < 0)
		gi_die("mounting the root image", -e);
	GI_CHECK("measuring the trees", gi_measure_trees());
	GI_CHECK("recording", gi_emit_phase(PHASE_MEASURED));
	/* the harness starts once the AK exists; its activation (an RSA
	 * decryption in the TPM) happens while the harness runs, before any
	 * checkpoint is signed, and the quote waits for it */
	GI_CHECK("creating the AK", gi_tpm_create_ak());
	GI_CHECK("separator digest", sha256_buf(separator, sizeof(separator), sep_digest));
	GI_CHECK("extending the separator",
		 gi_tpm_extend(PCR_SESSION, EV_SEPARATOR, sep_digest, "vouch.separator"));
	GI_CHECK("recording", gi_emit_phase(PHASE_HARNESS_START));
	e = gi_run_harness();
	if (e < 0)
		gi_die("running the harness", e);
	GI_CHECK("recording", gi_emit_phase(PHASE_HARNESS_END));
	close_session(e);
}
