// SPDX-License-Identifier: MIT
/*
 * What guest-init takes from the session's first frame, before it trusts
 * anything: a hello and nothing else, that decodes strictly, whose run
 * spec decodes (tree paths absolute, no "." or ".." parts), and that
 * carries platform events only when the TPM is a device: over a relay the
 * launcher extends them itself, and a guest that extended them too would
 * measure the boot twice. Pure: no TPM, no channel, no G, so that the host
 * tests it from this source (tests/unit/test_gi_hello.c).
 */
#include "gi.h"

int gi_hello_accept(const struct frame *f, bool tpm_device, struct hello *ret, struct runspec *rs,
		    const char **why)
{
	struct hello h;
	int e;

	if (f->type != FRAME_HELLO) {
		*why = "first frame is not a hello";
		return MB_E_FRAME_TYPE;
	}
	if ((e = hello_decode(f->p, f->n, &h)) < 0) {
		*why = "reading the session hello";
		return e;
	}
	if ((e = runspec_decode(h.runspec, h.runspec_len, rs)) < 0) {
		*why = "reading the run spec";
		return e;
	}
	if (h.platform_len && !tpm_device) {
		*why = "platform events sent over a TPM relay";
		return MB_E_RANGE;
	}
	*ret = h;
	return 0;
}
