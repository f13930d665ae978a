/* SPDX-License-Identifier: MIT */
/* The version vouch and host-verify print for --version. */
#ifndef MB_VERSION_H
#define MB_VERSION_H

#define VOUCH_VERSION "0.1"

#endif
