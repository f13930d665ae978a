/* SPDX-License-Identifier: MIT */
/*
 * The exit status of vouch and host-verify, one enum for both
 * (schemas/exit-codes.md). The numbers are an interface a pipeline gates
 * on: never renumbered, never given a second meaning.
 */
#ifndef MB_EXIT_H
#define MB_EXIT_H

enum exit_code {
	EXIT_PASSED = 0,       /* attested, every test passed */
	EXIT_TESTS_FAILED = 1, /* attested, tests failed or the harness was cut off */
	EXIT_REJECTED = 2,     /* evidence refused */
	EXIT_INCOMPLETE = 3,   /* run incomplete: stream cut, VM died, deadline */
	EXIT_USAGE = 64,       /* bad arguments or options (EX_USAGE) */
	EXIT_INTERNAL = 70,    /* an internal error (EX_SOFTWARE) */
	/* a command that ends in no verdict (vouch image) failed */
	EXIT_FAILED = 1,
};

#endif
