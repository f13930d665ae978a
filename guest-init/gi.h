/* SPDX-License-Identifier: MIT */
/* guest-init's shared state and the helpers every step uses. */
#ifndef GI_H
#define GI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evlog.h"
#include "frame.h"
#include "record.h"
#include "runspec.h"

#define GI_VERSION "0.1"

/* Where things are, from the kernel command line (never secrets). */
struct gi_config {
	char channel[64]; /* "vport:NAME" or "vsock:PORT" */
	char tpm[64];     /* "device", "vport:NAME" or "vsock:PORT" */
	char root[64];    /* block device of the root image */
	char rootfstype[16];
	char verity[96];  /* "BLOCKS:ROOT" when the root is read through dm-verity */
	bool trees_by_verity; /* vouch.trees=verity: reference the trees, do not walk them */
	unsigned checkpoint_records; /* sign a checkpoint at least every N records */
	unsigned checkpoint_ms;      /* ... or every T milliseconds */
};

struct gi {
	struct gi_config cfg;
	int chan_fd;              /* evidence channel, -1 until open */
	struct frame_reader chan_rd;
	int tpm_fd;               /* relay channel, -1 with a TPM device */
	struct frame_reader tpm_rd;
	uint8_t nonce[NONCE_BYTES];
	uint8_t *runspec_bytes;   /* as received; its digest is measured */
	size_t runspec_len;
	struct runspec *rs;
	struct evlog log;         /* the guest's own events */
	struct chain chain;
	bool chain_open;
	uint64_t t0_ns;           /* when guest-init started */
	uint64_t out_bytes;       /* harness output so far */
	uint64_t since_checkpoint;
	uint64_t last_checkpoint_ns;
	/* signs a checkpoint over the chain's head once the AK is active
	 * (gi_tpm_checkpoint), NULL before: the stream calls the TPM only
	 * through it, so stream.c does not depend on tpm.c */
	int (*checkpoint_sign)(const uint8_t head[static 32], uint8_t *sig, size_t *sig_len);
};

/*
 * The files call one another one way (no cycle):
 *   state, console, hello  <-  verity, channel  <-  stream  <-  fatal  <-  tpm
 *   <-  measure, mounts, agent, confine, harness  <-  main
 */

/* hello.c: the session's first frame, checked (pure; see there). Returns
 * 0 with *ret (pointing into f) and *rs filled in, or the MB_E_* of the
 * first refusal with what was refused in *why and *ret untouched. */
int gi_hello_accept(const struct frame *f, bool tpm_device, struct hello *ret, struct runspec *rs,
		    const char **why) MB_WARN_UNUSED;

/* state.c */
extern struct gi G;
uint64_t gi_now_ns(void);

/* console.c */
void gi_console(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void gi_power_off(void);

/* fatal.c: reports on the channel (if open) and the console, then powers
 * off. */
__attribute__((noreturn)) void gi_die(const char *what, int err);
/* err < 0: an MB_E_* code; err > 0: an errno value */
#define GI_CHECK(what, expr)                          \
	do {                                          \
		int e_ = (expr);                      \
		if (e_ < 0)                           \
			gi_die((what), e_);           \
	} while (0)

/* mounts.c */
int gi_mount_early(void);
int gi_mount_root(const char *dev, const char *fstype, const char *verity);
int gi_parse_cmdline(struct gi_config *cfg);

/* verity.c: a dm-verity device over dev from "BLOCKS:ROOT"; its node in out */
int gi_verity_open(const char *dev, const char *spec, char *out, size_t cap);
/* 1 once the verity root has refused a block; 0 if not (or no verity) */
int gi_verity_corrupted(void);

/* channel.c */
int gi_channel_open(const char *spec, int64_t deadline_ms);
/* Closes the evidence channel (if open) once the host has what was
 * written to it, waiting at most GI_CHANNEL_LINGER_S; before power-off. */
void gi_channel_close(void);
#define GI_CHANNEL_LINGER_S 5

/* stream.c: seal a record into the chain and send it */
int gi_emit(struct record *rec);
int gi_emit_phase(uint32_t phase);
int gi_emit_output(uint32_t kind, const uint8_t *p, size_t n);

/* tpm.c */
int gi_tpm_open(void);
int gi_tpm_extend_raw(uint32_t pcr, const uint8_t digest[static 32]);
int gi_tpm_extend(uint32_t pcr, uint32_t type, const uint8_t digest[static 32], const char *tag);
/* The session's AK, made and sent to the host (which answers with a
 * credential for the pinned EK); then, with the harness already running,
 * its activation: gi_tpm_activation_fd() is the channel while the
 * credential is awaited (-1 once done), gi_tpm_activate() reads it (waits
 * up to 30 s), activates, reports, turns checkpoint signing on and
 * records PHASE_ACTIVATED; a no-op once done. The quote waits for it. */
int gi_tpm_create_ak(void);
int gi_tpm_activation_fd(void);
int gi_tpm_activate(void);
int gi_tpm_checkpoint(const uint8_t head[static 32], uint8_t *sig, size_t *sig_len);
int gi_tpm_quote(const uint8_t qualifying[static 32], struct cb_wr *w);
void gi_tpm_close(void);

/* measure.c */
int gi_measure_runspec(void);
int gi_measure_trees(void);
int gi_measure_platform(const uint8_t *evlog, size_t n);

/* harness.c */
int gi_run_harness(void);

#define NEWROOT "/newroot"

#endif
