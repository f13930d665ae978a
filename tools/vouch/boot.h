/* SPDX-License-Identifier: MIT */
/* The kernel command line of a vouch VM: one function, so that what the
 * launcher boots and what a manifest pins cannot drift apart. */
#ifndef VOUCH_BOOT_H
#define VOUCH_BOOT_H

#include <stdbool.h>
#include <stddef.h>

int boot_cmdline(char *out, size_t cap, const char *fstype, bool tpm_device);

#endif
