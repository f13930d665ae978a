/* SPDX-License-Identifier: MIT */
#ifndef VOUCH_MANIFEST_CMD_H
#define VOUCH_MANIFEST_CMD_H

int cmd_manifest(int argc, char **argv);

#endif
