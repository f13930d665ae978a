/* SPDX-License-Identifier: MIT */
/*
 * The record decoder's fast path: the exact bytes of the few record
 * shapes that make up nearly every chain (stdout, stderr, results, test
 * and checkpoint records), read in one pass over a byte pointer.
 *
 * It decides nothing on its own: it accepts only a subset of what the
 * strict decoder (record_decode_strict) accepts, with the same result,
 * and declines everything else, so that the strict decoder, run next,
 * gives every rejection and its exact reason. tests/unit/test_record_fast.c
 * runs both over the vector corpus and every mutation of it.
 */
#ifndef MB_RECORD_FAST_H
#define MB_RECORD_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* true and *ret: a canonical record of one of those shapes, within every
 * limit; false (ret untouched): anything else, for the strict decoder. */
bool record_fast_decode(const uint8_t *p, size_t len, struct record *ret);

#endif
