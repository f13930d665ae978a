/* SPDX-License-Identifier: MIT */
/*
 * The verdict on one run's evidence. Every check runs every time; accept
 * is reachable only after all of them passed. Each failure has its own
 * reason code (never renumbered: reports carry them).
 */
#ifndef HV_VERIFY_H
#define HV_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "bundle.h"
#include "err.h"
#include "exit.h"
#include "manifest.h"
#include "record.h"

enum hv_reason {
	HV_OK = 0,
	HV_BUNDLE_MALFORMED = 1,
	HV_MANIFEST_INCOMPLETE = 2,    /* manifest lacks a pin the run needs */
	HV_EK_NOT_PINNED = 3,          /* the EK is not the pinned one */
	HV_AK_MALFORMED = 4,
	HV_AK_ATTRIBUTES = 5,          /* not restricted/fixedTPM/... ECC P-256 SHA-256 */
	HV_AK_NOT_ACTIVATED = 6,       /* no valid activation for this AK in this session */
	HV_QUOTE_MISSING = 7,
	HV_QUOTE_MALFORMED = 8,
	HV_QUOTE_MAGIC = 9,            /* not TPM_GENERATED_VALUE */
	HV_QUOTE_TYPE = 10,            /* not TPM_ST_ATTEST_QUOTE */
	HV_QUOTE_SIGNATURE = 11,       /* not signed by the AK */
	HV_QUOTE_NONCE = 12,           /* extraData is not SHA-256(nonce || chain head) */
	HV_QUOTE_PCR_SELECTION = 13,   /* not exactly SHA-256 PCRs 8, 9, 11, 12, 13 */
	HV_PCR_REPLAY = 14,            /* the logs do not replay to the quoted digest */
	HV_EVENT_LOG_MALFORMED = 15,
	HV_EVENT_UNEXPECTED = 16,      /* an event missing, extra, or of the wrong type/tag/PCR */
	HV_PIN_KERNEL = 17,
	HV_PIN_INITRAMFS = 18,
	HV_PIN_CMDLINE = 19,
	HV_PIN_ROOTFS = 20,
	HV_PIN_RUNSPEC = 21,
	HV_PIN_AGENT = 22,
	HV_PIN_HARNESS = 23,
	HV_PIN_SEPARATOR = 24,
	HV_PIN_CHAIN_HEAD = 25,        /* PCR 13's last event is not the chain head */
	HV_RUNSPEC_MALFORMED = 26,
	HV_RUNSPEC_PATHS = 27,         /* measured trees are not the manifest's paths, or the
					* pinned run spec's agent and harness */
	HV_RECORD_MALFORMED = 28,
	HV_RECORD_SEQUENCE = 29,       /* dropped, duplicated or reordered */
	HV_RECORD_CHAIN = 30,          /* a record does not chain to its predecessor */
	HV_RECORD_AFTER_END = 31,
	HV_CHECKPOINT_SIGNATURE = 32,
	HV_RECORDS_INCOMPLETE = 33,    /* no end record */
	HV_TESTS_MISMATCH = 34,        /* test records differ from the TAP in stdout */
	HV_MANIFEST_INCONSISTENT = 35, /* the verity root and the command line disagree */
	HV_NONCE_MISMATCH = 36,        /* not the nonce the caller demanded (--nonce) */
	HV_QUOTE_SIGNER = 37,          /* qualifiedSigner is not the AK's qualified name */
	HV_AGENT_BOUNDARY_OFF = 38,    /* the run spec has no agent boundary (--require-agent-boundary) */
	HV_ACTIVATION_MISSING = 39,    /* the run stopped before the AK was activated */
	/* the measured run spec is not the manifest's pinned one, by part
	 * (runspec_compare); the agent and harness paths are HV_RUNSPEC_PATHS */
	HV_RUNSPEC_ARGV = 40,
	HV_RUNSPEC_ENV = 41,
	HV_RUNSPEC_CWD = 42,
	HV_RUNSPEC_USER = 43,          /* uid or gid */
	HV_RUNSPEC_LIMITS = 44,        /* timeout, output bytes or process limit */
	HV_RUNSPEC_AGENT_USER = 45,    /* the agent's user, or whether it has its own */
	HV_TREE_BY_VERITY = 46,        /* a tree taken by reference to a verity root the manifest
					* does not pin trees by (docs/measure-by-verity.md) */
	HV_RUNSPEC_RESULTS = 47,       /* the declared result files (--results) */
	HV_REASON_MAX_ = 48,
};

const char *hv_reason_name(enum hv_reason r);   /* "quote-signature" */
const char *hv_reason_text(enum hv_reason r);   /* a sentence */

#define HV_MAX_REASONS 16

/* Tests in one verdict: the TAP stream's (one record each), then the
 * result files' (results.h), then one for each result file that failed
 * to read and one for files past the last. */
#define HV_MAX_RESULT_FILES (256u + MAX_RESULT_PATHS) /* the directory's, the declared */
#define HV_MAX_FILE_TESTS 1000000u
#define HV_TEST_FILES_PAST UINT32_MAX
#define HV_MAX_TESTS ((size_t)MAX_RECORDS + HV_MAX_FILE_TESTS + HV_MAX_RESULT_FILES + 1u)

struct hv_test {
	uint64_t num;
	bool ok;
	uint32_t directive; /* enum record_directive */
	char name[256];
	char reason[128];
	uint64_t time_ns;   /* guest clock */
	/* a test case read from a result file (results.c) */
	uint32_t file;      /* 0: the TAP stream; N: the verdict's files[N - 1];
			     * HV_TEST_FILES_PAST: stands for files past the last */
	bool has_duration;
	uint64_t duration_ns; /* the file's own time for it */
	char classname[128];
	char message[512];  /* failure text: message attribute, then body */
};

/* One file the guest shipped from the results directory (record kind 8). */
enum hv_file_format { HV_FILE_OTHER = 0, HV_FILE_JUNIT = 1, HV_FILE_TAP = 2 };
enum hv_file_status {
	HV_FILE_PARSED = 0,    /* its tests are the verdict's */
	HV_FILE_IGNORED = 1,   /* neither *.xml nor *.tap: kept as an artifact, not read */
	HV_FILE_REFUSED = 2,   /* its pieces do not make one whole file within the limits */
	HV_FILE_MALFORMED = 3, /* does not parse as its format */
	HV_FILE_UNFINISHED = 4,/* TAP without its plan met, or with a bail-out */
	HV_FILE_UNSAFE = 5,    /* declared, refused by guest-init: others could have written it */
	HV_FILE_MISSING = 6,   /* declared, and not there */
};

struct hv_result_file {
	char name[256];
	uint32_t format, status;
	char why[160];      /* for any status but parsed and ignored */
	uint64_t bytes;
	uint64_t tests, failed;
};

/* One reason a check failed, with its detail. */
struct hv_reason_line {
	enum hv_reason code;
	char detail[160];
};

struct hv_verdict {
	enum exit_code exit;
	size_t nreasons;
	struct hv_reason_line reasons[HV_MAX_REASONS];
	bool attested;              /* every evidence check passed */
	/* what the records say: authenticated records only */
	uint64_t records;           /* records that chain */
	uint64_t unauthenticated;   /* of those, after the last verified checkpoint of evidence
				     * without a quote or an end record: not read */
	size_t ntests;
	struct hv_test *tests;      /* heap, ntests entries (NULL if none): the TAP stream's
				     * (up to MAX_RECORDS), then the result files' */
	size_t stream_tests;        /* of ntests, the TAP stream's (they come first) */
	uint64_t passed, failed, skipped, todo;
	int harness_exit;           /* -1 when unknown */
	int harness_signal;
	bool cut;                   /* a limit record */
	int64_t tap_plan;           /* N of the TAP plan "1..N" in stdout, -1 if none */
	bool tap_bailed_out;        /* "Bail out!" in stdout */
	uint32_t end_reason;        /* enum record_end; END_FATAL if none */
	uint64_t phase_ns[PHASE_MAX_ + 1];
	uint64_t stdout_bytes, stderr_bytes;
	/* the agent boundary (runspec agent_user): on, the results came from
	 * the results channel and directory alone; off, from stdout */
	bool agent_boundary;
	uint32_t agent_uid, agent_gid;
	uint64_t results_bytes;     /* on the results channel (record kind 10) */
	uint64_t result_files;      /* files shipped from the results directory */
	size_t nfiles;
	struct hv_result_file *files; /* heap, nfiles entries (NULL if none) */
	/* a plain run: the run spec names no agent or harness tree, and none
	 * was measured (report.json "trees": "none") */
	bool plain;
	/* digests, for reports */
	uint8_t nonce[NONCE_BYTES];     /* the session's, from the bundle */
	uint8_t chain_head[32];
	uint8_t pcr_digest[32];
	uint8_t runspec_digest[32];
	uint8_t image_digest[32];
	bool has_verity;            /* the root was read through dm-verity */
	uint8_t verity_root[32];    /* ... checked block by block against this */
	bool trees_by_verity;       /* the trees were referenced by it, not walked: the
				     * tree digests are the manifest's (docs/measure-by-verity.md) */
	uint8_t agent_digest[32], harness_digest[32];
	uint8_t kernel_digest[32], initramfs_digest[32];
};

struct hv_pins {
	TPM2B_PUBLIC ek;                 /* the pinned EK */
	uint8_t verifier_pub[32];        /* Ed25519 key that signs activation transcripts */
	const struct manifest *manifest;
	bool has_nonce;                  /* demand this nonce (a fresh run, not an old bundle) */
	uint8_t nonce[NONCE_BYTES];
	bool require_agent_boundary;     /* refuse a run spec without agent_user */
};

/* ---- one quote, alone ----
 * The checks host-verify makes of a quote, as one function: hv_verify
 * judges the bundle's quote with it, and checkquote_agree.sh asks
 * tpm2_checkquote the same question about the same bytes. */

#define HV_QUOTE_MAX_REASONS 8

struct hv_quote_expect {
	/* the AK's Name: qualifiedSigner must be the AK's qualified name
	 * under the endorsement hierarchy; size 0 when there is no AK */
	TPM2B_NAME ak_name;
	/* the key the signature must verify with; NULL when there is no
	 * valid AK, and then no signature does */
	const TPM2B_PUBLIC *ak;
	/* extraData must be these 32 bytes, SHA-256(nonce || chain head);
	 * NULL when they could not be computed: then nothing matches */
	const uint8_t *extra_data;
	/* compare the quoted PCR digest with pcr_digest, the digest the event
	 * logs replay to; NULL there: the logs do not replay, no digest is right */
	bool check_pcr_digest;
	const uint8_t *pcr_digest;
};

struct hv_quote_verdict {
	size_t nreasons; /* 0: the quote passed every check */
	struct hv_reason_line reasons[HV_QUOTE_MAX_REASONS];
	bool has_pcr_digest; /* the quote covers PCRs 8, 9, 11, 12, 13 with a 32-byte digest */
	uint8_t pcr_digest[32];
};

/* Checks a quote: msg, a marshalled TPMS_ATTEST, and sig, a
 * TPMT_SIGNATURE, each decoding exactly (else quote-malformed, alone); then
 * magic, type (a wrong one stops the body checks), extraData,
 * qualifiedSigner, the PCR selection (a wrong one stops the digest check)
 * and digest, and the AK's signature over msg. Fills *ret, each reason
 * once in that order, and returns ret->nreasons. */
size_t hv_quote_check(const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len,
		      const struct hv_quote_expect *x, struct hv_quote_verdict *ret);

/* Judges b against the pins. Returns 0 with *ret filled in (its exit says
 * the verdict), or a negative MB_E_* when it could not judge at all
 * (out of memory). Free with hv_verdict_free(). */
int hv_verify(const struct bundle *b, const struct hv_pins *pins, struct hv_verdict *ret) MB_WARN_UNUSED;
/* Threads hv_verify checks checkpoint signatures on: -1 (the default) one
 * per CPU, 0 none (each in the calling thread, in chain order). The
 * verdict is the same whatever the number. */
void hv_verify_set_workers(int n);
void hv_verdict_free(struct hv_verdict *v);

#endif
