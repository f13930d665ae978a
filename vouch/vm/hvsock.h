/* SPDX-License-Identifier: MIT */
/*
 * The host side of a hybrid vsock: Firecracker's vsock device, and
 * vhost-device-vsock's uds-path under QEMU, which behaves the same. One
 * Unix socket path U stands for the guest (CID 3):
 *   - a guest connection to CID 2 port P arrives on the Unix socket
 *     "U_P", where the host listens (hvsock_listen);
 *   - a host connection to guest port P connects to U, writes
 *     "CONNECT P\n" and reads "OK N\n" (hvsock_connect). N is the guest's
 *     port under vhost-device-vsock and a host-side port under
 *     Firecracker: any number is taken.
 * A guest's shutdown(SHUT_WR) never reaches the host as EOF, and a
 * host's shutdown(SHUT_WR) drops the whole connection: every stream
 * over it is framed, never ended by EOF.
 */
#ifndef VOUCH_HVSOCK_H
#define VOUCH_HVSOCK_H

#include <stddef.h>
#include <stdint.h>

/* The longest "OK <u32>\n" line, and the reply's bound. */
#define HVSOCK_MAX_REPLY_BYTES 16u

/* Listens for guest connections to port on "<uds>_<port>". */
int hvsock_listen(const char *uds, uint32_t port, int *ret_fd);
/* The path of that socket, in out. */
int hvsock_port_path(const char *uds, uint32_t port, char *out, size_t cap);
/* Connects to guest port through uds by deadline_ms (CLOCK_MONOTONIC):
 * the stream, past the handshake, in *ret_fd. */
int hvsock_connect(const char *uds, uint32_t port, int64_t deadline_ms, int *ret_fd);
/* The handshake's reply, "OK <decimal u32>\n" exactly (no sign, no
 * leading zeros, nothing after the newline): 0 and the number, or
 * MB_E_MALFORMED. */
int hvsock_parse_ok(const char *p, size_t n, uint32_t *ret_port);

#endif
