/* SPDX-License-Identifier: MIT */
/*
 * A signed statement of an attested run, in the form supply-chain tools
 * read: an in-toto Statement v1 with the test-result v0.1 predicate,
 * wrapped in a DSSE envelope signed with Ed25519 (libsodium). Subjects are
 * the root image (sha256) and the agent and harness trees (vouch's tree
 * digest, under the algorithm name "vouch-tree-sha256"); the configuration
 * is the run spec, the boot components, the session nonce and, when given,
 * the manifest; the predicate's url, when given, says where the run can
 * be seen (docs/host-verify-outputs.md).
 *
 * The signing key is a raw libsodium Ed25519 secret key (seed || public
 * key, 64 bytes) in a file of mode 0600; the public key is written as a
 * PEM SubjectPublicKeyInfo that OpenSSL and cosign read. keyid is the hex
 * SHA-256 of the 32-byte public key.
 */
#ifndef HV_ATTESTATION_H
#define HV_ATTESTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "verify.h"

#define ATTESTATION_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define ATTESTATION_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define ATTESTATION_PREDICATE_TYPE "https://in-toto.io/attestation/test-result/v0.1"

#define ATTESTATION_PK_BYTES 32u
#define ATTESTATION_SK_BYTES 64u
#define ATTESTATION_SIG_BYTES 64u
#define ATTESTATION_KEYID_CHARS 64u           /* hex of SHA-256 */
#define MAX_STATEMENT_BYTES (8u << 20)         /* 4096 test names fit with room */
#define MAX_ENVELOPE_BYTES (12u << 20)         /* base64 of the above + fields */
#define MAX_PAYLOAD_TYPE_BYTES 128u
#define MAX_SIGNATURES 16u                     /* entries of an envelope's "signatures" */
#define MAX_SIG_CHARS 1024u                    /* base64 of one signature */
#define MAX_SIG_BYTES 768u                     /* any algorithm's, decoded */
#define MAX_KEYID_CHARS 256u
#define MAX_URL_BYTES 2048u
#define ATTESTATION_NONCE_NAME "vouch.session-nonce"
#define ATTESTATION_TREE_ALG "vouch-tree-sha256" /* digest-set key of a tree digest */
#define ATTESTATION_BOUNDARY_NAME "vouch.agent-boundary"

/* Errors of this module besides the MB_E_* codes: range 1 of the error
 * space (measured-boot/err.h), its words registered from attestation.c. */
enum attestation_err {
	ATT_E_BASE_ = MB_ERR_BASE(1),
	ATT_E_BASE64 = ATT_E_BASE_ - 1,       /* not strict, padded, canonical base64 */
	ATT_E_PAYLOAD_TYPE = ATT_E_BASE_ - 2, /* payloadType is not in-toto's */
	ATT_E_KEYID = ATT_E_BASE_ - 3,        /* keyid is not the given key's */
	ATT_E_SIGNATURE = ATT_E_BASE_ - 4,    /* the signature does not verify */
	ATT_E_KEY_MODE = ATT_E_BASE_ - 5,     /* key file readable by others or not ours */
	ATT_E_KEY = ATT_E_BASE_ - 6,          /* key file does not hold a consistent key pair */
	ATT_E_NONCE = ATT_E_BASE_ - 7,        /* the statement is of another session */
	ATT_E_SUBJECT = ATT_E_BASE_ - 8,      /* the statement is not about the given digest */
	ATT_E_SIG_LENGTH = ATT_E_BASE_ - 9,   /* no signature has an Ed25519 signature's length */
	ATT_E_MIN_ = ATT_E_BASE_ - 10,
};

/* The statement's predicate result (test-result v0.1). */
enum attestation_result { ATT_RESULT_PASSED = 0, ATT_RESULT_WARNED, ATT_RESULT_FAILED };

/* Words for any code this module returns: mb_strerror's, but for the
 * MB_E_* codes its JSON reader gives, which it names as JSON's. */
const char *attestation_strerror(int err);

struct attestation_info {
	const char *url;                /* where the run can be seen, or NULL */
	bool has_manifest;
	uint8_t manifest_digest[32];    /* SHA-256 of the manifest file */
};

/* Writes the envelope of an attested verdict (v->attested; MB_E_INVAL
 * otherwise: evidence that did not hold is not signed). */
int attestation_write(const struct hv_verdict *v, const uint8_t sk[static 64], FILE *out) MB_WARN_UNUSED;
int attestation_write_info(const struct hv_verdict *v, const struct attestation_info *info,
			   const uint8_t sk[static 64], FILE *out) MB_WARN_UNUSED;

/* Returns 0 only when the envelope is well-formed (exactly the DSSE
 * fields; 1 to MAX_SIGNATURES signatures, each a sig and an optional
 * keyid; base64 in either alphabet, padded or not), of the in-toto
 * payload type, and one of its signatures over the PAE verifies with pk.
 * A keyid is DSSE's unauthenticated hint: absent, empty or another key's,
 * the signature is still tried. Then, if ret_payload is not NULL,
 * *ret_payload (malloc'd, free it) and *ret_payload_len receive the
 * statement, and *ret_index which signature verified, of *ret_count
 * (each pointer may be NULL); all are untouched on failure. When none
 * verifies: ATT_E_KEYID if every keyid names another key, ATT_E_SIG_LENGTH if
 * no signature has an Ed25519 signature's length, else ATT_E_SIGNATURE. */
int attestation_verify_which(const uint8_t *envelope, size_t n, const uint8_t pk[static 32],
			     uint8_t **ret_payload, size_t *ret_payload_len, size_t *ret_index,
			     size_t *ret_count) MB_WARN_UNUSED;
int attestation_verify(const uint8_t *envelope, size_t n, const uint8_t pk[static 32],
		       uint8_t **ret_payload, size_t *ret_payload_len) MB_WARN_UNUSED;

/* Reads what a pipeline gates on from a statement whose signature
 * attestation_verify() accepted: the predicate's result in *ret_result;
 * with nonce, ATT_E_NONCE unless the statement names that session; with
 * subject, ATT_E_SUBJECT unless one of its subjects has that SHA-256 (a
 * file's: the trees' vouch-tree-sha256 digests are not SHA-256s).
 * MB_E_MALFORMED for a statement not of attestation_write()'s shape. */
int attestation_statement_check(const uint8_t *stmt, size_t n, const uint8_t *nonce,
				const uint8_t *subject, enum attestation_result *ret_result) MB_WARN_UNUSED;

/* DSSE's pre-authentication encoding:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. *ret is malloc'd. */
int attestation_pae(const char *type, const uint8_t *body, size_t n,
		    uint8_t **ret, size_t *ret_len) MB_WARN_UNUSED;

void attestation_keyid(const uint8_t pk[static 32], char out[static ATTESTATION_KEYID_CHARS + 1]);

/* Loads the key pair at path, or creates it there (mode 0600, atomically:
 * a concurrent creator's key wins and is loaded). Refuses symlinks,
 * non-regular files and keys readable by group or others. Wipe sk with
 * sodium_memzero when done. */
int attestation_load_or_create_key(const char *path, uint8_t pk[static 32], uint8_t sk[static 64]) MB_WARN_UNUSED;
/* Writes pk as PEM (mode 0644, replaced atomically) and reads it back. */
int attestation_write_pubkey(const char *path, const uint8_t pk[static 32]) MB_WARN_UNUSED;
int attestation_read_pubkey(const char *path, uint8_t pk[static 32]) MB_WARN_UNUSED;

#endif
