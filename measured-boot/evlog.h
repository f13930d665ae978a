/* SPDX-License-Identifier: MIT */
/*
 * The event log, in the CBOR form of the TCG Canonical Event Log: an array
 * of records { recnum, pcr, digests, pcclient_std content }. Only SHA-256
 * digests. schemas/evlog.cddl is the reference.
 */
#ifndef MB_EVLOG_H
#define MB_EVLOG_H

#include <stddef.h>
#include <stdint.h>

#include "cb.h"
#include "err.h"
#include "mb_limits.h"
#include "pcr.h"

/* CEL top-level field numbers */
enum {
	CEL_RECNUM = 0,
	CEL_PCR = 1,
	CEL_DIGESTS = 3,
	CEL_PCCLIENT_STD = 5,
};

/* TCG PC Client event types vouch emits */
enum {
	EV_SEPARATOR = 0x04,
	EV_EVENT_TAG = 0x06,
	EV_IPL = 0x0d,
};

#define TPM2_ALG_SHA256_ID 0x000bu

struct evlog_event {
	uint32_t recnum;
	uint32_t pcr;
	uint32_t type;
	uint8_t digest[SHA256_BYTES];
	uint8_t data[MAX_EVENT_DATA_BYTES];
	size_t data_len;
};

struct evlog {
	struct evlog_event ev[MAX_EVENTS];
	size_t n;
};

void evlog_init(struct evlog *log);
/* data is the event's description (for vouch: a tag such as
 * "vouch.agent-tree"); the digest is what gets extended. */
int evlog_append(struct evlog *log, uint32_t pcr, uint32_t type,
		 const uint8_t digest[static 32], const void *data, size_t data_len) MB_WARN_UNUSED;
void evlog_encode(const struct evlog *log, struct cb_wr *w);
int evlog_decode(const uint8_t *p, size_t len, struct evlog *ret) MB_WARN_UNUSED;
/* Extends every event into bank, in order. */
int evlog_replay(const struct evlog *log, struct pcr_bank *bank) MB_WARN_UNUSED;

#endif
