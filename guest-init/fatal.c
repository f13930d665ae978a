// SPDX-License-Identifier: MIT
/* The one way out: what went wrong, on the channel as a record and a
 * frame, on the console, then power-off. Above the stream and verity in
 * the order of files; nothing below calls back up except through gi_die. */
#include <stdio.h>
#include <string.h>

#include "gi.h"

void gi_die(const char *what, int err)
{
	static int dying;
	char msg[256];
	const char *why = mb_strerror(err > 0 ? -err : err); /* -errno or a code */

	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	gi_console("fatal: %s", msg);
	if (!dying && G.chan_fd >= 0) {
		dying = 1; /* a failure while reporting must not recurse */
		if (G.chain_open) {
			struct record end = { .kind = REC_END, .time_ns = gi_now_ns(),
					      .u.end.reason = END_FATAL };

			if (gi_verity_corrupted() > 0)
				(void)!gi_emit_phase(PHASE_ROOT_CORRUPT);
			(void)!gi_emit(&end);
		}
		(void)!frame_write(G.chan_fd, FRAME_ERROR, msg, strlen(msg));
	}
	gi_power_off();
}
