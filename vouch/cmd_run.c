// SPDX-License-Identifier: MIT
/*
 * vouch run: an image made by vouch image, run as it pins itself, and
 * judged.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "cli.h"
#include "cmd.h"
#include "err.h"
#include "launch.h"
#include "manifest.h"
#include "paths.h"
#include "proc.h"
#include "runspec_opts.h"

static int pin_matches(const char *path, const uint8_t pin[32], const char *what)
{
	uint8_t d[32];

	if (file_sha256(path, d) < 0) {
		fprintf(stderr, "vouch run: cannot read the %s %s\n", what, path);
		return -1;
	}
	if (memcmp(d, pin, 32) != 0) {
		fprintf(stderr, "vouch run: the %s %s is not the one the manifest pins\n", what, path);
		return -1;
	}
	return 0;
}

static int size_matches(const char *path, uint64_t size)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "vouch run: cannot read the root image %s\n", path);
		return -1;
	}
	if ((uint64_t)st.st_size != size) {
		fprintf(stderr, "vouch run: the root image %s is not the size the manifest pins\n", path);
		return -1;
	}
	return 0;
}

/* The pinned run spec, with the command and options given: refused
 * unless it is the pinned one, field by field and byte by byte. */
static int run_runspec(const struct manifest *m, const char *mpath, const struct runspec_opts *ro,
		       int argc, char **argv, struct runspec *rs)
{
	int e;

	if (!m->has_runspec) {
		fprintf(stderr, "vouch run: %s pins no run spec (the command, environment, user and limits\n"
				"  of the run): make the image again with this vouch image, and the command after\n"
				"  -- unless the image's Entrypoint/Cmd is the one\n", mpath);
		return -1;
	}
	if ((e = runspec_decode(m->runspec, m->runspec_len, rs)) < 0) {
		fprintf(stderr, "vouch run: %s: pinned run spec: %s\n", mpath, mb_strerror(e));
		return -1;
	}
	runspec_opts_apply(ro, rs, argc, argv);
	return runspec_opts_check_pin(m, rs, "vouch run", mpath);
}

/*
 * vouch run --image DIR [--kernel K --initrd I] [options] [-o OUT] [-- CMD...]:
 * from an image made by `vouch image` (rootfs.img + manifest.cbor with
 * its boot components and run spec) to a judged verdict, in one command.
 * It runs the pinned run spec; a command or option that would change it
 * is refused before boot.
 */
int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, 0, 'I' }, { "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'i' }, { "out", required_argument, 0, 'o' },
		{ "vmm", required_argument, 0, 'W' }, { "tpm", required_argument, 0, 't' },
		{ "memory", required_argument, 0, 'm' },
		{ "cpus", required_argument, 0, 'c' }, { "quiet", no_argument, 0, 'q' },
		RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	static struct runspec rs;
	static struct manifest m;
	static struct boot_paths boot;
	char why[2 * PATH_MAX];
	static struct runspec_opts ro;
	struct boot_verity verity;
	struct launch_opts o = { .memory_mib = 512, .cpus = 1, .rs = &rs, .out_dir = "vouch-out" };
	char cache[PATH_MAX], rootfs[PATH_MAX], mpath[PATH_MAX];
	const char *image = NULL, *last = NULL;
	struct launch_result res;
	unsigned long v;
	int c, e;

	memset(&ro, 0, sizeof(ro));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ho:", opts, NULL)) != -1) {
		last = optarg;
		if ((e = runspec_opts_parse(&ro, c, optarg, "vouch run")) < 0)
			return EXIT_USAGE;
		if (e > 0)
			continue;
		switch (c) {
		case 'I': image = optarg; break;
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'q': o.quiet = true; break;
		case 'W':
			if ((e = cmd_pick("vouch run", "vmm", optarg, "qemu", "firecracker")) < 0)
				return EXIT_USAGE;
			o.vmm = e ? VMM_FIRECRACKER : VMM_QEMU;
			break;
		case 't':
			if ((e = cmd_pick("vouch run", "tpm", optarg, "relay", "device")) < 0)
				return EXIT_USAGE;
			o.tpm_device = e == 1;
			break;
		case 'm': case 'c':
			if (runspec_opts_uint(optarg, UINT32_MAX - 1, &v) < 0) {
				fprintf(stderr, "vouch run: --%s %s: a number\n", c == 'm' ? "memory" : "cpus", optarg);
				return EXIT_USAGE;
			}
			if (c == 'm')
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
	if (!image || argc - optind > (int)MAX_ARGS)
		return CMD_USAGE;
	if (paths_boot(&o.kernel, &o.initrd, &boot, why, sizeof(why)) < 0) {
		fprintf(stderr, "vouch run: no kernel and initramfs found: give --kernel and --initrd (or\n"
				"  VOUCH_KERNEL and VOUCH_INITRD); %s\n", why);
		return EXIT_USAGE;
	}
	if (pathf(rootfs, sizeof(rootfs), "%s/rootfs.img", image) < 0 ||
	    pathf(mpath, sizeof(mpath), "%s/manifest.cbor", image) < 0) {
		fprintf(stderr, "vouch run: --image %s: path too long\n", image);
		return EXIT_USAGE;
	}
	if (cli_load_manifest("run", mpath, &m) < 0)
		return EXIT_USAGE;
	if (!m.has_boot) {
		fprintf(stderr, "vouch run: %s pins no kernel: make the image with --kernel and --initrd\n", mpath);
		return EXIT_USAGE;
	}
	/* refuse early what the verifier would refuse late */
	if (run_runspec(&m, mpath, &ro, argc - optind, argv + optind, &rs) < 0 ||
	    pin_matches(o.kernel, m.kernel_digest, "kernel") < 0 ||
	    pin_matches(o.initrd, m.initramfs_digest, "initramfs") < 0)
		return EXIT_USAGE;
	/* a verity image is checked block by block as the guest reads it;
	 * any other is hashed whole before it boots */
	if ((o.verity = cli_manifest_verity(&m, &verity)) != NULL ? size_matches(rootfs, m.image_size) < 0
							      : pin_matches(rootfs, m.image_digest, "root image") < 0)
		return EXIT_USAGE;
	if (!o.verity) /* it matched its pin: the launcher need not hash it again */
		o.rootfs_digest = m.image_digest;
	o.rootfs = rootfs;
	o.rootfstype = m.image_format;
	o.vm_timeout_s = rs.timeout_s + 120;
	o.cache_root = cli_cache_root(cache, sizeof(cache));
	e = launch_run(&o, &res);
	cli_print_result("vouch run", &o, &res);
	(void)e;
	return cli_judge_run("vouch run", o.out_dir, mpath, o.cache_root);
}
