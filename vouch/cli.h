/* SPDX-License-Identifier: MIT */
/* What the vouch subcommands share. */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "boot.h"
#include "exit.h"
#include "launch.h"
#include "manifest.h"
#include "paths.h"
#include "runspec.h"
#include "runspec_opts.h"

/* The options vouch launch and vouch run share: the VM, its TPM, where
 * the evidence goes. Each command's getopt_long table holds these (launch
 * adds { "vm-timeout", 'V' }). */
#define CLI_VM_LONG_OPTS                                                                           \
	{ "kernel", required_argument, 0, 'k' }, { "initrd", required_argument, 0, 'i' },         \
	{ "out", required_argument, 0, 'o' }, { "vmm", required_argument, 0, 'W' },               \
	{ "tpm", required_argument, 0, 't' }, { "memory", required_argument, 0, 'm' },            \
	{ "cpus", required_argument, 0, 'c' }, { "quiet", no_argument, 0, 'q' },                 \
	{ "channel", required_argument, 0, 'C' }

/* The defaults of both: an ext4 root, 512 MiB, one CPU, --vmm auto, the
 * TPM relay; what to run is rs. */
void cli_vm_defaults(struct launch_opts *o, struct runspec *rs);
/* Handles one shared option: 1 when c was one (and its argument good), 0
 * when c is not a shared option, -1 after saying on stderr what is wrong
 * (who: "vouch run"). */
int cli_vm_opt(struct launch_opts *o, int c, const char *arg, const char *who);
/* The run spec's options, then the VM's (cli_vm_opt): 1 taken, 0 not
 * one of them, -1 after saying on stderr what is wrong. */
int cli_run_opt(struct runspec_opts *ro, struct launch_opts *o, int c, const char *arg, const char *who);
/* A command's own option (not one cli_run_opt takes), seen first: 1
 * taken, 0 not its own, -1 after saying on stderr what is wrong. lo is
 * the long option given, NULL for a short one. */
typedef int cli_own_opt_fn(void *ctx, int c, const char *arg, const struct option *lo);
/* The option loop of vouch launch and vouch run: each option of opts
 * (the short ones "ho:") to own, else to cli_run_opt, else
 * cmd_common_opt; GNU order (options may follow the operands, up to
 * "--"). 0, or the exit status / CMD_* request; *ret_last is the last
 * option's argument, for cmd_check_command. */
int cli_parse_opts(int argc, char **argv, const struct option *opts, struct runspec_opts *ro,
		   struct launch_opts *o, const char *who, cli_own_opt_fn *own, void *ctx,
		   const char **ret_last);
/* The kernel and initramfs to boot: the flags, else VOUCH_KERNEL and
 * VOUCH_INITRD, else those installed beside vouch or in the build tree it
 * was built in (paths.h; kept in buf). 0, or EXIT_USAGE after saying on
 * stderr where it looked. */
int cli_boot_files(struct launch_opts *o, struct boot_paths *buf, const char *who);
/* The options checked together once all are parsed (m, the manifest, or
 * NULL): --vmm auto decided (vmm_auto; not Firecracker when it refuses an
 * option given, or when m pins a kernel command line that is not the one
 * it would boot); then the guest's channel: --channel, else the one m's
 * command line pins, else the default here (channel_auto: vsock where
 * vhost-device-vsock is installed), said on stdout unless quiet, a
 * --channel other than the pinned one refused unless no_pin_check; then
 * what the VMM would refuse at start, refused now with its limit named.
 * 0, or -1 after saying why on stderr. */
int cli_vm_check(struct launch_opts *o, const struct manifest *m, bool no_pin_check, const char *who);
/* Just before the run: why --vmm auto fell back to QEMU, one line on
 * stderr ("vouch run: using QEMU: no firecracker binary on PATH"). */
void cli_vm_note(const struct launch_opts *o, const char *who);
/* The VM's deadline when none is given: the harness's own, plus boot and
 * quote. */
unsigned cli_vm_timeout(const struct runspec *rs);

/* host-verify's cache root (the verifier key, EK certificates), in buf,
 * made with its parents when missing. */
const char *cli_cache_root(char *buf, size_t cap);
/* Reads and decodes a manifest; says why on stderr when it cannot
 * (who: "run", "launch"). */
int cli_load_manifest(const char *who, const char *path, struct manifest *m);
/* A manifest's dm-verity root, as the launcher boots it; NULL for none. */
const struct boot_verity *cli_manifest_verity(const struct manifest *m, struct boot_verity *v);
/* The run's summary line and timeline on stdout, what went wrong on stderr
 * (who: "vouch run"). */
void cli_print_result(const char *who, const struct launch_opts *o, const struct launch_result *res);
/* The run in out judged against manifest, as host-verify judges a bundle,
 * the pipeline outputs written next to the evidence: the exit status.
 * Messages begin with who ("vouch run"). */
int cli_judge_run(const char *who, const char *out, const char *manifest, const char *cache);

#endif
