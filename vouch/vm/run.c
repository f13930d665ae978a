// SPDX-License-Identifier: MIT
/* What the launcher's steps share: the interruption flag, the live lines,
 * the guest's phase names. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>

volatile sig_atomic_t run_interrupted;

void run_live(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->o->quiet)
		return;
	printf("  [%6.2fs] ", (double)(frame_now_ms() - r->t0) / 1000.0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *const launch_phase_names[] = {
	[PHASE_MOUNTED] = "mounted", [PHASE_CHANNEL] = "channel open", [PHASE_TPM] = "TPM open",
	[PHASE_MEASURED] = "measured", [PHASE_AK_CREATED] = "AK created",
	[PHASE_ACTIVATED] = "AK activated against the pinned EK", [PHASE_HARNESS_START] = "harness started",
	[PHASE_HARNESS_END] = "harness ended", [PHASE_QUOTE] = "quoting",
	[PHASE_ROOT_CORRUPT] = "root image blocks refused by verity",
};
