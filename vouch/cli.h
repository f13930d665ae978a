/* SPDX-License-Identifier: MIT */
/* What the vouch subcommands share. */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <stddef.h>

/* Exit codes, shared with host-verify (schemas/exit-codes.md). */
enum {
	EXIT_PASSED = 0,
	EXIT_TESTS_FAILED = 1,
	EXIT_REJECTED = 2,
	EXIT_INCOMPLETE = 3,
	EXIT_USAGE = 64,
	EXIT_INTERNAL = 70,
};

const char *cli_cache_root(char *buf, size_t cap);
int cli_usage_launch(void);
int cmd_launch(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
