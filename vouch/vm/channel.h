/* SPDX-License-Identifier: MIT */
/* Which channel a run's guest talks over when none is asked for, and
 * which one a pinned kernel command line boots. */
#ifndef VOUCH_CHANNEL_H
#define VOUCH_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "boot.h"

/* QEMU's vsock backend, looked up on PATH. */
#define VSOCK_BACKEND "vhost-device-vsock"

/* The channel of a run that names none: vsock under Firecracker (its
 * only one); under QEMU vsock when vhost-device-vsock is on PATH (the
 * faster: docs/architecture.md, bench/channel.sh), else virtio-serial.
 * why gets one line saying which and why. vouch image, vouch manifest and
 * vouch launch all choose through here: on one machine a manifest made
 * without --channel pins what a run without --channel boots. */
enum channel channel_auto(enum vmm vmm, char *why, size_t cap);

/* The channel the kernel command line cmdline boots, read as guest-init
 * reads it (the last vouch.channel= wins; none is vport:vouch.evidence),
 * in *ret; MB_E_INVAL when its value is neither vsock:... nor vport:...
 * (*ret untouched). */
int channel_of_cmdline(const char *cmdline, enum channel *ret);

/* The channel of a run (in *ret, with why: one line saying which and
 * why): the one asked (given), else the one pinned (pinned: a manifest's
 * kernel command line, or NULL for none), else channel_auto's. Refused
 * with why filled (MB_E_RANGE): one asked that differs from the pinned
 * one (the verifier would refuse the run), and vsock under QEMU where
 * vhost-device-vsock is not on PATH. MB_E_INVAL: a pinned command line
 * channel_of_cmdline cannot read. */
int channel_pick(enum vmm vmm, bool given, enum channel asked, const char *pinned,
		 enum channel *ret, char *why, size_t cap);

/* "virtio-serial" or "vsock", as --channel spells it. */
const char *channel_name(enum channel ch);

#endif
