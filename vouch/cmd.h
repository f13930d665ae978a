/* SPDX-License-Identifier: MIT */
/*
 * vouch's commands, one file each (cmd_NAME.c), dispatched from main.c's
 * table, which also holds each command's usage. A command gets "vouch
 * NAME" as argv[0] (getopt's messages name it) and returns the exit
 * status (measured-boot/exit.h) or one of the CMD_* requests below, which
 * main answers the same way for every command.
 */
#ifndef VOUCH_CMD_H
#define VOUCH_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include "exit.h"

#define CMD_USAGE (-1)   /* the command's usage on stderr, exit 64 */
#define CMD_HELP (-2)    /* --help, -h: the command's usage on stdout, exit 0 */
#define CMD_VERSION (-3) /* --version: the version on stdout, exit 0 */

/* getopt_long code of --version, clear of letters and the run spec's */
#define CMD_OPT_VERSION 3000

/* Every command's getopt_long table ends with these (and its short
 * options string holds "h"). */
#define CMD_LONG_OPTS { "help", no_argument, 0, 'h' }, { "version", no_argument, 0, CMD_OPT_VERSION }

/* What main is to do about an option the command does not handle itself:
 * CMD_HELP, CMD_VERSION, or CMD_USAGE for anything else (getopt has said
 * what was wrong). */
int cmd_common_opt(int c);
/* After getopt_long is done, for commands that take a command to run:
 * what follows the command's own operands (argv[optind + operands..]) is
 * that command, and must come after a "--" (a stray operand is a
 * mistake, not the first word of the command; getopt puts the "--"
 * before the operands). 0, or CMD_USAGE after saying so on stderr.
 * last_optarg: the argument of the last option getopt returned (NULL for
 * none), which may itself be "--". */
int cmd_check_command(int argc, char **argv, int operands, const char *last_optarg);
/* --NAME's argument, one of two words: 0 for a, 1 for b; else says so on
 * stderr and returns -1. */
int cmd_pick(const char *who, const char *name, const char *arg, const char *a, const char *b);
/* --channel's argument: "auto" clears *set (the channel is chosen later,
 * channel.h), "virtio-serial" or "vsock" sets *set and *ch (enum
 * channel); else says so on stderr and returns -1. */
int cmd_channel(const char *who, const char *arg, int *ch, bool *set);

int cmd_run(int argc, char **argv);
int cmd_launch(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_tree_digest(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_verifier_key(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
