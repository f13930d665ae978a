/* SPDX-License-Identifier: MIT */
#ifndef GI_CONFINE_H
#define GI_CONFINE_H

#include <stddef.h>
#include <stdint.h>

/* Each returns 0 or a negative errno. Call in this order, in the child. */
int confine_root(const char *newroot);
int confine_limits(uint64_t max_output_bytes, uint32_t max_procs);
int confine_caps(void);
/* setgroups (the supplementary groups given, none when ngroups is 0),
 * then gid and uid, real, effective and saved alike. */
int confine_user(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups);
int confine_seccomp(void);
int confine_caps_bound_all(void);
int confine_caps_clear(void);
int confine_seal_proc(void); /* cwd: the box's root */
void confine_exec(char *const argv[], char *const envp[]);
int confine_close_from(unsigned first);

#endif
