// SPDX-License-Identifier: MIT
/*
 * vouch launch: one attested run from its parts (kernel, initramfs, root
 * image, run spec), judged at its end when a manifest is at hand.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "cli.h"
#include "cmd.h"
#include "err.h"
#include "firecracker.h"
#include "manifest.h"
#include "launch.h"
#include "paths.h"
#include "proc.h"
#include "runspec_opts.h"

/* The VMM's configuration as a run would write it (Firecracker's JSON). */
static int print_vmm_config(const struct launch_opts *o)
{
	char cmdline[1024];
	int e;

	if (o->vmm != VMM_FIRECRACKER) {
		fprintf(stderr, "vouch launch: --print-vmm-config is for --vmm firecracker\n");
		return EXIT_USAGE;
	}
	struct vmm_spec s = { .kernel = o->kernel, .initrd = o->initrd, .rootfs = o->rootfs,
			      .cmdline = cmdline, .dir = "RUN_DIR", .cpus = o->cpus,
			      .memory_mib = o->memory_mib, .channel = CHANNEL_VSOCK };

	if ((e = boot_cmdline_verity(cmdline, sizeof(cmdline), o->rootfstype, o->tpm_device,
				     VMM_FIRECRACKER, CHANNEL_VSOCK, o->verity)) < 0 ||
	    (e = firecracker_config(&s, stdout)) < 0) {
		fprintf(stderr, "vouch launch: %s\n", mb_strerror(e));
		return EXIT_USAGE;
	}
	return 0;
}

/* The run spec of vouch launch: the manifest's pinned one when there is
 * one, else the defaults; then the options and the command given. With a
 * pin, a run spec that differs from it is refused before boot (the
 * verifier would refuse the run) unless no_pin_check. 0, CMD_USAGE or
 * EXIT_USAGE. */
static int launch_runspec(const struct manifest *m, const char *mpath, const struct runspec_opts *ro,
			  bool no_pin_check, int argc, char **argv, struct runspec *rs)
{
	int e;

	if (m && m->has_runspec) {
		if ((e = runspec_decode(m->runspec, m->runspec_len, rs)) < 0) {
			fprintf(stderr, "vouch launch: %s: pinned run spec: %s\n", mpath, mb_strerror(e));
			return EXIT_USAGE;
		}
	} else {
		runspec_opts_defaults(rs);
		if (argc == 0) {
			fprintf(stderr, "vouch launch: no command: give one after --, or a manifest that pins\n"
					"  a run spec\n");
			return CMD_USAGE;
		}
		if (m)
			fprintf(stderr, "vouch launch: %s pins no run spec: the verifier will refuse the run\n"
					"  (manifest-incomplete); make it with the command to run\n", mpath);
	}
	runspec_opts_apply(ro, rs, argc, argv);
	if (m && m->has_runspec && !no_pin_check &&
	    runspec_opts_check_pin(m, rs, "vouch launch", mpath) < 0) {
		fprintf(stderr, "  (--no-pin-check runs it anyway, for a verifier to refuse)\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* What vouch launch was asked, from its command line. */
struct launch_args {
	struct launch_opts o;
	struct runspec_opts ro;
	const char *manifest, *fstype;
	bool no_pin_check;
	struct boot_paths boot; /* the kernel and initramfs found, when not given */
	int cmd_argc;     /* the command to run, after -- */
	char **cmd_argv;
};

enum { NO_PIN_CHECK = 2000, PRINT_VMM_CONFIG };

/* An option of vouch launch's own (cli_own_opt_fn). */
static int launch_opt(void *ctx, int c, const char *arg, const struct option *lo)
{
	struct launch_args *a = ctx;

	(void)lo;
	switch (c) {
	case 'r': a->o.rootfs = arg; return 1;
	case 'F':
		if (cmd_pick("vouch launch", "fstype", arg, "ext4", "erofs") < 0)
			return -1;
		a->o.rootfstype = a->fstype = arg;
		return 1;
	case 'M': a->manifest = arg; return 1;
	case PRINT_VMM_CONFIG: a->o.print_vmm_config = true; return 1;
	case NO_PIN_CHECK: a->no_pin_check = true; return 1;
	}
	return 0;
}

/* The command line into a: 0, or the exit status / CMD_* request. */
static int launch_parse(int argc, char **argv, struct launch_args *a)
{
	static const struct option opts[] = {
		CLI_VM_LONG_OPTS, { "vm-timeout", required_argument, 0, 'V' },
		{ "rootfs", required_argument, 0, 'r' }, { "fstype", required_argument, 0, 'F' },
		{ "manifest", required_argument, 0, 'M' },
		{ "print-vmm-config", no_argument, 0, PRINT_VMM_CONFIG },
		{ "no-pin-check", no_argument, 0, NO_PIN_CHECK },
		RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	const char *last;
	int e;

	if ((e = cli_parse_opts(argc, argv, opts, &a->ro, &a->o, "vouch launch", launch_opt, a, &last)) != 0)
		return e;
	if ((e = cmd_check_command(argc, argv, 0, last)) != 0)
		return e;
	if (!a->o.rootfs || argc - optind > (int)MAX_ARGS || (a->manifest && !a->o.out_dir) ||
	    (a->no_pin_check && !a->manifest))
		return CMD_USAGE;
	if ((e = cli_boot_files(&a->o, &a->boot, "vouch launch")) != 0)
		return e;
	a->cmd_argc = argc - optind;
	a->cmd_argv = argv + optind;
	return 0;
}

/* A manifest that pins a dm-verity root: the image is read through it,
 * in the manifest's format (--fstype may only agree). 0 or EXIT_USAGE. */
static int launch_pinned_image(struct launch_args *a, struct manifest *m, struct boot_verity *verity)
{
	if (cli_load_manifest("launch", a->manifest, m) < 0)
		return EXIT_USAGE;
	if (a->fstype && strcmp(a->fstype, m->image_format) != 0) {
		fprintf(stderr, "vouch launch: --fstype %s, but %s pins an %s image\n", a->fstype,
			a->manifest, m->image_format);
		return EXIT_USAGE;
	}
	a->o.rootfstype = m->image_format;
	a->o.verity = cli_manifest_verity(m, verity);
	return 0;
}

/* The exit status of a run with no manifest to judge it by: what the
 * launcher saw, which no verifier checked. */
static int unjudged_status(int e, const struct launch_result *res)
{
	if (e < 0) {
		fprintf(stderr, "vouch launch: %s%s%s\n", mb_strerror(e), res->error[0] ? ": " : "",
			res->error);
		return e == MB_E_CHAIN || e == MB_E_SEQUENCE || e == MB_E_CRYPTO ? EXIT_REJECTED
										 : EXIT_INCOMPLETE;
	}
	if (!res->have_quote || !res->activated || res->exit_code < 0)
		return EXIT_INCOMPLETE;
	return res->exit_code == 0 && !res->exit_signal && !res->cut && res->tests_not_ok == 0
		       ? EXIT_PASSED : EXIT_TESTS_FAILED;
}

int cmd_launch(int argc, char **argv)
{
	static struct launch_args a;
	static struct runspec rs;
	static struct manifest m;
	struct boot_verity verity;
	struct launch_result res;
	char cache[PATH_MAX];
	int e;

	memset(&a, 0, sizeof(a));
	cli_vm_defaults(&a.o, &rs);
	if ((e = launch_parse(argc, argv, &a)) != 0)
		return e;
	if (a.manifest && (e = launch_pinned_image(&a, &m, &verity)) != 0)
		return e;
	if ((e = launch_runspec(a.manifest ? &m : NULL, a.manifest, &a.ro, a.no_pin_check,
				a.cmd_argc, a.cmd_argv, &rs)) != 0)
		return e;
	if (a.o.vm_timeout_s == 0)
		a.o.vm_timeout_s = cli_vm_timeout(&rs);
	a.o.cache_root = cli_cache_root(cache, sizeof(cache));
	if (cli_vm_check(&a.o, a.manifest ? &m : NULL, a.no_pin_check, "vouch launch") < 0)
		return EXIT_USAGE;
	cli_vm_note(&a.o, "vouch launch");
	if (a.o.print_vmm_config)
		return print_vmm_config(&a.o);
	e = launch_run(&a.o, &res);
	cli_print_result("vouch launch", &a.o, &res);
	if (a.manifest)
		return cli_judge_run("vouch launch", a.o.out_dir, a.manifest, a.o.cache_root);
	return unjudged_status(e, &res);
}
