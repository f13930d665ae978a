/* SPDX-License-Identifier: MIT */
/*
 * The evidence bundle: everything a run produced that the verdict rests
 * on, in one CBOR file, so that an auditor can re-verify offline with the
 * manifest and the pins alone (schemas/bundle.cddl):
 * { 0: version, 1: nonce, 2: run spec bytes, 3: platform event log bytes,
 *   4: [* record bytes], 5: EK TPM2B_PUBLIC, 6: ? AK TPM2B_PUBLIC,
 *   7: ? activation transcript, 8: ? quote message bytes,
 *   9: tpm mode ("relay" / "device"), 10: ? incomplete: text }
 * The activation transcript {0: AK name, 1: Ed25519 signature} is signed
 * by the verifier that ran MakeCredential and saw the secret come back.
 * The signed message binds everything that verifier knew first-hand
 * (schemas/bundle.cddl):
 *   "vouch.activation.v2" || nonce || len || AK name || len || EK name ||
 *   tpm mode (0 relay, 1 device) || SHA-256(platform event log)
 * so that neither the EK, nor who measured PCRs 8 and 9, nor the platform
 * log can be edited after signing.
 */
#ifndef MB_BUNDLE_H
#define MB_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cb.h"
#include "err.h"
#include "mb_limits.h"

#define BUNDLE_VERSION 1u
#define ACTIVATION_TAG "vouch.activation.v2"
#define ACTIVATION_MSG_MAX_BYTES 256u
/* Every field but the records at its limit fits in this, with room to
 * spare (test_bundle checks it). */
#define BUNDLE_MAX_FIXED_BYTES (256u * 1024u)
/* A record's byte string head: MAX_RECORD_BYTES takes a 4-byte length. */
#define BUNDLE_RECORD_HEAD_BYTES 5u
/* The largest bundle the schema allows: MAX_RECORDS records of
 * MAX_RECORD_BYTES each, and the rest. An honest run cannot outgrow it. */
#define MAX_BUNDLE_BYTES ((uint64_t)BUNDLE_MAX_FIXED_BYTES + \
			  (uint64_t)MAX_RECORDS * (MAX_RECORD_BYTES + BUNDLE_RECORD_HEAD_BYTES))

struct bytes {
	const uint8_t *p;
	size_t n;
};

struct bundle {
	uint8_t nonce[NONCE_BYTES];
	struct bytes runspec, platform_log, ek, ak, quote;
	size_t nrecords;
	struct bytes *records;  /* heap; each points into the input */
	bool has_ak, has_activation, has_quote;
	struct bytes ak_name;
	uint8_t activation_sig[64];
	bool tpm_device;
	char incomplete[256];   /* why the run did not finish, or "" */
};

void bundle_encode(const struct bundle *b, struct cb_wr *w);
/* The same bytes, written to f and flushed, each record from where it is
 * (the launcher's records are never copied a second time). 0, MB_E_IO or
 * MB_E_NOMEM. */
int bundle_write(const struct bundle *b, FILE *f) MB_WARN_UNUSED;
/* Byte fields point into p, which must outlive ret. */
int bundle_decode(const uint8_t *p, size_t len, struct bundle *ret) MB_WARN_UNUSED;
void bundle_free(struct bundle *b);
/* The activation message the verifier signs, over b's nonce, tpm mode and
 * platform log and the given names (each at most 68 bytes: a TPM2B_NAME).
 * Returns its length, or 0 when it does not fit in cap or a name is too
 * long. */
size_t bundle_activation_message(const struct bundle *b, const uint8_t *ak_name, size_t ak_len,
				 const uint8_t *ek_name, size_t ek_len, uint8_t *out, size_t cap);

#endif
