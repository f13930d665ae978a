// SPDX-License-Identifier: MIT
/* What every command's option parsing shares (cmd.h): a leaf, so that
 * main.c calls the commands and the commands never call main.c. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

int cmd_common_opt(int c)
{
	if (c == 'h')
		return CMD_HELP;
	if (c == CMD_OPT_VERSION)
		return CMD_VERSION;
	return CMD_USAGE;
}

int cmd_check_command(int argc, char **argv, int operands, const char *last_optarg)
{
	int first = optind + operands;

	if (first >= argc ||
	    (optind > 1 && argv[optind - 1] != last_optarg && strcmp(argv[optind - 1], "--") == 0))
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s' (a command to run goes after --)\n", argv[0], argv[first]);
	return CMD_USAGE;
}

int cmd_channel(const char *who, const char *arg, int *ch, bool *set)
{
	if (strcmp(arg, "auto") == 0) {
		*set = false;
		return 0;
	}
	if (strcmp(arg, "virtio-serial") != 0 && strcmp(arg, "vsock") != 0) {
		fprintf(stderr, "%s: --channel %s: auto, virtio-serial or vsock\n", who, arg);
		return -1;
	}
	*ch = strcmp(arg, "vsock") == 0; /* CHANNEL_VSOCK */
	*set = true;
	return 0;
}

int cmd_pick(const char *who, const char *name, const char *arg, const char *a, const char *b)
{
	if (strcmp(arg, a) == 0)
		return 0;
	if (strcmp(arg, b) == 0)
		return 1;
	fprintf(stderr, "%s: --%s %s: %s or %s\n", who, name, arg, a, b);
	return -1;
}
