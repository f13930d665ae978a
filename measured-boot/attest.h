/* SPDX-License-Identifier: MIT */
/*
 * The attestation messages between guest-init and the host, each a map of
 * byte strings {0: bstr, 1: bstr, ...} holding TPM structures marshalled
 * by libtss2-mu (schemas/attest.cddl):
 *   FRAME_AK         {0: AK TPM2B_PUBLIC, 1: AK name}
 *   FRAME_CREDENTIAL {0: TPM2B_ID_OBJECT, 1: TPM2B_ENCRYPTED_SECRET}
 *   FRAME_ACTIVATED  {0: the recovered secret}
 *   FRAME_QUOTE      {0: TPMS_ATTEST, 1: TPMT_SIGNATURE, 2: guest event log}
 */
#ifndef MB_ATTEST_H
#define MB_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "cb.h"
#include "err.h"

#define ATTEST_MAX_FIELDS 4u
#define MAX_TPM_BLOB_BYTES 4096u
#define MAX_QUOTE_EVLOG_BYTES (32u * 1024u)

struct blob {
	const uint8_t *p;
	size_t n;
};

enum attest_msg { MSG_AK = 0, MSG_CREDENTIAL, MSG_ACTIVATED, MSG_QUOTE, MSG_KINDS_ };

void attest_encode(enum attest_msg kind, const struct blob *fields, struct cb_wr *w);
/* fields[] points into p. Exactly the kind's field count, each within its
 * limit, or an error. */
int attest_decode(enum attest_msg kind, const uint8_t *p, size_t len,
		  struct blob fields[static ATTEST_MAX_FIELDS]) MB_WARN_UNUSED;

#endif
