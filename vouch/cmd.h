/* SPDX-License-Identifier: MIT */
/*
 * vouch's commands, one file each (cmd_NAME.c), dispatched from main.c's
 * table. A command gets its own name as argv[0] and returns the exit
 * status (measured-boot/exit.h), or CMD_USAGE for main to print the
 * general usage and exit EXIT_USAGE.
 */
#ifndef VOUCH_CMD_H
#define VOUCH_CMD_H

#include "exit.h"

#define CMD_USAGE (-1)

int cmd_run(int argc, char **argv);
int cmd_launch(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_tree_digest(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_verifier_key(int argc, char **argv);

#endif
