// SPDX-License-Identifier: MIT
/* guest-init's state and its clock: a leaf, called by every other file
 * and calling none. */
#include <time.h>

#include "gi.h"

struct gi G = { .chan_fd = -1, .tpm_fd = -1 };

uint64_t gi_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
