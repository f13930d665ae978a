/* SPDX-License-Identifier: MIT */
/*
 * Evidence records and their hash chain. Each record is one CBOR map
 * { 0: seq, 1: prev, 2: time_ns, 3: kind, 4: body }; prev is the SHA-256
 * of the previous record's encoding, and the first record's prev is
 * SHA-256("vouch.chain.v1" || nonce), so a chain belongs to one session.
 * schemas/record.cddl is the reference.
 */
#ifndef MB_RECORD_H
#define MB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb.h"
#include "err.h"
#include "mb_limits.h"

enum record_kind {
	REC_PHASE = 1,      /* a timeline mark of guest-init */
	REC_STDOUT = 2,     /* a chunk of the harness's stdout */
	REC_STDERR = 3,     /* a chunk of the harness's stderr */
	REC_TEST = 4,       /* one TAP test point */
	REC_CHECKPOINT = 5, /* AK signature over the chain head so far */
	REC_LIMIT = 6,      /* the harness hit a limit and was cut off */
	REC_EXIT = 7,       /* how the harness ended */
	REC_FILE = 8,       /* a piece of a collected result file (JUnit) */
	REC_END = 9,        /* last record; its hash is quoted */
	REC_RESULTS = 10,   /* a chunk of the harness's results channel ($VOUCH_TAP_FD) */
	REC_REFUSED = 11,   /* a declared result file (--results) not shipped, and why */
	REC_KIND_MAX_ = 11,
};

/* Why guest-init did not ship a declared result file: as sshd's
 * StrictModes, a file someone other than root and the harness's user
 * could have written, replaced or pointed elsewhere is not the
 * harness's word. */
enum record_refused {
	REFUSED_MISSING = 1,     /* no such file */
	REFUSED_SYMLINK = 2,     /* the file, or a directory on its path, is a symlink */
	REFUSED_NOT_REGULAR = 3, /* not a regular file (or a path component not a directory) */
	REFUSED_OWNER = 4,       /* the file is not the harness uid's */
	REFUSED_FILE_MODE = 5,   /* the file is writable by its group or by others */
	REFUSED_DIR_OWNER = 6,   /* a directory on its path is neither root's nor the harness uid's */
	REFUSED_DIR_MODE = 7,    /* a directory on its path is writable by its group or by others */
	REFUSED_UNREADABLE = 8,  /* it could not be opened or read */
	REFUSED_MAX_ = 8,
};

enum record_phase {
	PHASE_MOUNTED = 1,
	PHASE_CHANNEL = 2,
	PHASE_TPM = 3,
	PHASE_MEASURED = 4,
	PHASE_AK_CREATED = 5,
	PHASE_ACTIVATED = 6,
	PHASE_HARNESS_START = 7,
	PHASE_HARNESS_END = 8,
	PHASE_QUOTE = 9,
	PHASE_ROOT_CORRUPT = 10, /* the verity root refused blocks that did not match */
	PHASE_MAX_ = 10,
};

enum record_directive { DIRECTIVE_NONE = 0, DIRECTIVE_SKIP = 1, DIRECTIVE_TODO = 2 };

enum record_limit {
	LIMIT_OUTPUT = 1,   /* output bytes */
	LIMIT_PROCS = 2,    /* process count */
	LIMIT_DEADLINE = 3, /* wall clock */
	LIMIT_RECORDS = 4,  /* record count */
	LIMIT_MAX_ = 4,
};

enum record_end {
	END_COMPLETE = 0, /* the harness ended by itself */
	END_CUT = 1,      /* the harness was cut off at a limit */
	END_FATAL = 2,    /* guest-init hit an error of its own */
	END_MAX_ = 2,
};

/* A decoded record. Byte fields point into the buffer it was decoded from. */
struct record {
	uint64_t seq;
	uint8_t prev[SHA256_BYTES];
	uint64_t time_ns;
	uint32_t kind;
	union {
		struct { uint32_t phase; } phase;
		struct { const uint8_t *p; size_t n; } chunk;
		struct {
			uint64_t num;
			bool ok;
			uint32_t directive;
			const uint8_t *desc; size_t desc_len;
			const uint8_t *reason; size_t reason_len;
		} test;
		struct { const uint8_t *sig; size_t sig_len; } checkpoint;
		struct { uint32_t what; uint64_t value; } limit;
		struct { uint32_t code; uint32_t signal; } exit;
		struct {
			const uint8_t *name; size_t name_len;
			uint64_t offset;
			const uint8_t *p; size_t n;
			bool last;
		} file;
		struct { uint32_t reason; } end;
		struct {
			const uint8_t *path; size_t path_len;
			uint32_t why; /* enum record_refused */
		} refused;
	} u;
};

void record_encode(const struct record *rec, struct cb_wr *w);
int record_decode(const uint8_t *p, size_t len, struct record *ret) MB_WARN_UNUSED;
/* The same without the fast path (record_fast.h): every shape through the
 * strict CBOR reader. The same result on every input. */
int record_decode_strict(const uint8_t *p, size_t len, struct record *ret) MB_WARN_UNUSED;

/* The running state of a chain, on either side. */
struct chain {
	uint64_t next_seq;
	uint8_t head[SHA256_BYTES];
};

int chain_init(struct chain *c, const uint8_t nonce[static 32]) MB_WARN_UNUSED;
/* Sets rec's seq and prev, encodes it into w, and advances the chain. */
int chain_seal(struct chain *c, struct record *rec, struct cb_wr *w) MB_WARN_UNUSED;
/* Decodes one encoded record and advances the chain only if it is the
 * next one: right seq, right prev. */
int chain_accept(struct chain *c, const uint8_t *p, size_t len, struct record *ret) MB_WARN_UNUSED;

/* The bytes an AK signs at a checkpoint: "vouch.checkpoint.v1" || head. */
#define CHECKPOINT_TAG "vouch.checkpoint.v1"
#define CHECKPOINT_MSG_BYTES (sizeof(CHECKPOINT_TAG) - 1 + SHA256_BYTES)
void record_checkpoint_message(const uint8_t head[static 32], uint8_t out[static CHECKPOINT_MSG_BYTES]);

#endif
