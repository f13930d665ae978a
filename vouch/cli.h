/* SPDX-License-Identifier: MIT */
/* What the vouch subcommands share. */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <stddef.h>

#include "exit.h"

const char *cli_cache_root(char *buf, size_t cap);
int cli_usage_launch(void);
int cmd_launch(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
