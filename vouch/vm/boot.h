/* SPDX-License-Identifier: MIT */
/* The kernel command line of a vouch VM: one function, so that what the
 * launcher boots and what a manifest pins cannot drift apart. */
#ifndef VOUCH_BOOT_H
#define VOUCH_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vmm { VMM_QEMU = 0, VMM_FIRECRACKER = 1 };
/* How the guest's channels (evidence, TPM relay) reach the host:
 * virtio-serial ports (QEMU only), or AF_VSOCK to CID 2 (Firecracker's
 * device, or vhost-device-vsock under QEMU), both of which present the
 * host side as Firecracker's hybrid vsock (hvsock.h). */
enum channel { CHANNEL_SERIAL = 0, CHANNEL_VSOCK = 1 };

#define VSOCK_EVIDENCE_PORT 1024u
#define VSOCK_TPM_PORT 1025u

/* A root image read through dm-verity (manifest.cddl: the one shape). */
struct boot_verity {
	uint8_t root[32];
	uint64_t offset; /* bytes of data; the hash tree starts here */
	bool trees;      /* vouch.trees=verity: the guest references the trees */
};

/* Firecracker has no TPM device: with it, the TPM is always relayed,
 * and the channel is always vsock. verity is NULL for a root image read
 * as it is. */
int boot_cmdline(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm,
		 enum channel ch);
int boot_cmdline_verity(char *out, size_t cap, const char *fstype, bool tpm_device, enum vmm vmm,
			enum channel ch, const struct boot_verity *verity);

#endif
