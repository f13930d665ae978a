// SPDX-License-Identifier: MIT
/* libFuzzer: event log decoder and replay. */
#include <stdint.h>

#include "evlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static struct evlog log;
	struct pcr_bank b;

	if (evlog_decode(p, n, &log) == 0) {
		pcr_bank_init(&b);
		if (evlog_replay(&log, &b) != 0)
			__builtin_trap(); /* a decoded log always replays */
	}
	return 0;
}
