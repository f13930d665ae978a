/* SPDX-License-Identifier: MIT */
/*
 * Declared result files (the run spec's results, vouch run --results):
 * opened for shipping only when nobody but root and the harness's user
 * could have written them, as sshd's StrictModes judges a user's files.
 * The file must be a regular file of the harness's uid, not writable by
 * its group or others, reached through directories each of root or the
 * harness's uid and not writable by their group or others, with no
 * symlink anywhere on the way (each step opened O_NOFOLLOW below the
 * last). guest-init runs this after the harness's box is gone: nothing
 * in the guest can change the tree between the checks and the read.
 */
#ifndef GI_DECLARED_H
#define GI_DECLARED_H

#include <stdint.h>

/* path (absolute, as runspec_check_result_path takes) below the
 * directory root: 0 and the open file in *ret_fd, or the REFUSED_* code
 * (record.h, > 0) saying why not; *ret_fd untouched then. */
int declared_open(int root, const char *path, uint32_t uid, int *ret_fd);

#endif
