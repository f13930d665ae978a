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
#include "launch.h"
#include "manifest.h"
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
	if ((e = boot_cmdline_verity(cmdline, sizeof(cmdline), o->rootfstype, o->tpm_device,
				     VMM_FIRECRACKER, o->verity)) < 0 ||
	    (e = launch_firecracker_config(o, "RUN_DIR", cmdline, stdout)) < 0) {
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

int cmd_launch(int argc, char **argv)
{
	enum { NO_PIN_CHECK = 2000, PRINT_VMM_CONFIG };
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' }, { "initrd", required_argument, 0, 'i' },
		{ "rootfs", required_argument, 0, 'r' }, { "fstype", required_argument, 0, 'F' },
		{ "out", required_argument, 0, 'o' }, { "tpm", required_argument, 0, 't' },
		{ "vm-timeout", required_argument, 0, 'V' },
		{ "memory", required_argument, 0, 'm' }, { "cpus", required_argument, 0, 'c' },
		{ "quiet", no_argument, 0, 'q' }, { "manifest", required_argument, 0, 'M' },
		{ "vmm", required_argument, 0, 'W' }, { "print-vmm-config", no_argument, 0, PRINT_VMM_CONFIG },
		{ "no-pin-check", no_argument, 0, NO_PIN_CHECK },
		RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	static struct runspec rs;
	static struct manifest m;
	static struct runspec_opts ro;
	static struct boot_paths boot;
	char why[2 * PATH_MAX];
	struct boot_verity verity;
	struct launch_opts o = { .rootfstype = "ext4", .memory_mib = 512, .cpus = 1,
				 .rs = &rs };
	struct launch_result res;
	const char *manifest = NULL, *fstype = NULL, *last = NULL;
	bool no_pin_check = false;
	char cache[PATH_MAX];
	unsigned long v;
	int c, e;

	memset(&ro, 0, sizeof(ro));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ho:", opts, NULL)) != -1) {
		last = optarg;
		if ((e = runspec_opts_parse(&ro, c, optarg, "vouch launch")) < 0)
			return EXIT_USAGE;
		if (e > 0)
			continue;
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'r': o.rootfs = optarg; break;
		case 'F':
			if (cmd_pick("vouch launch", "fstype", optarg, "ext4", "erofs") < 0)
				return EXIT_USAGE;
			o.rootfstype = fstype = optarg;
			break;
		case 'o': o.out_dir = optarg; break;
		case 'M': manifest = optarg; break;
		case PRINT_VMM_CONFIG: o.print_vmm_config = true; break;
		case NO_PIN_CHECK: no_pin_check = true; break;
		case 'W':
			if ((e = cmd_pick("vouch launch", "vmm", optarg, "qemu", "firecracker")) < 0)
				return EXIT_USAGE;
			o.vmm = e ? VMM_FIRECRACKER : VMM_QEMU;
			break;
		case 'q': o.quiet = true; break;
		case 't':
			if ((e = cmd_pick("vouch launch", "tpm", optarg, "relay", "device")) < 0)
				return EXIT_USAGE;
			o.tpm_device = e == 1;
			break;
		case 'V': case 'm': case 'c':
			if (runspec_opts_uint(optarg, UINT32_MAX - 1, &v) < 0) {
				fprintf(stderr, "vouch launch: --%s %s: a number\n",
					c == 'V' ? "vm-timeout" : c == 'm' ? "memory" : "cpus", optarg);
				return EXIT_USAGE;
			}
			if (c == 'V')
				o.vm_timeout_s = (unsigned)v;
			else if (c == 'm')
				o.memory_mib = (unsigned)v;
			else
				o.cpus = (unsigned)v;
			break;
		default:
			return cmd_common_opt(c);
		}
	}
	if ((e = cmd_check_command(argc, argv, 0, last)) != 0)
		return e;
	if (!o.rootfs || argc - optind > (int)MAX_ARGS || (manifest && !o.out_dir) ||
	    (no_pin_check && !manifest))
		return CMD_USAGE;
	if (paths_boot(&o.kernel, &o.initrd, &boot, why, sizeof(why)) < 0) {
		fprintf(stderr, "vouch launch: no kernel and initramfs found: give --kernel and --initrd\n"
				"  (or VOUCH_KERNEL and VOUCH_INITRD); %s\n", why);
		return EXIT_USAGE;
	}
	/* a manifest that pins a dm-verity root: the image is read through it */
	if (manifest) {
		if (cli_load_manifest("launch", manifest, &m) < 0)
			return EXIT_USAGE;
		/* the image's format is the manifest's; --fstype may only agree */
		if (fstype && strcmp(fstype, m.image_format) != 0) {
			fprintf(stderr, "vouch launch: --fstype %s, but %s pins an %s image\n", fstype,
				manifest, m.image_format);
			return EXIT_USAGE;
		}
		o.rootfstype = m.image_format;
		o.verity = cli_manifest_verity(&m, &verity);
	}
	if ((e = launch_runspec(manifest ? &m : NULL, manifest, &ro, no_pin_check, argc - optind,
				argv + optind, &rs)) != 0)
		return e;
	/* the VM's deadline leaves the harness its own, plus boot and quote */
	if (o.vm_timeout_s == 0)
		o.vm_timeout_s = rs.timeout_s + 120;
	o.cache_root = cli_cache_root(cache, sizeof(cache));
	if (o.print_vmm_config)
		return print_vmm_config(&o);
	e = launch_run(&o, &res);
	cli_print_result("vouch launch", &o, &res);
	if (manifest)
		return cli_judge_run("vouch launch", o.out_dir, manifest, o.cache_root);
	if (e < 0) {
		fprintf(stderr, "vouch launch: %s%s%s\n", mb_strerror(e), res.error[0] ? ": " : "",
			res.error);
		return e == MB_E_CHAIN || e == MB_E_SEQUENCE || e == MB_E_CRYPTO ? EXIT_REJECTED
										 : EXIT_INCOMPLETE;
	}
	if (!res.have_quote || !res.activated || res.exit_code < 0)
		return EXIT_INCOMPLETE;
	return res.exit_code == 0 && !res.exit_signal && !res.cut && res.tests_not_ok == 0
		       ? EXIT_PASSED : EXIT_TESTS_FAILED;
}
