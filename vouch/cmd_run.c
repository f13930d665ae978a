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
#include "frame.h"
#include "launch.h"
#include "manifest.h"
#include "paths.h"
#include "proc.h"
#include "run_source.h"
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

/* What vouch run was asked, from its command line. */
struct run_args {
	struct launch_opts o;
	struct runspec_opts ro;
	const char *image;
	struct run_source src;  /* SRC, when it is not an image made by vouch image */
	bool no_boot;           /* --no-boot: the image made or found, its pins checked, no run */
	bool image_opts;        /* --format or --verity: options of the image's build */
	char built[PATH_MAX];   /* the image of SRC in the cache */
	struct boot_paths boot; /* the kernel and initramfs found, when not given */
	int cmd_argc;     /* the command to run, after -- */
	char **cmd_argv;
};

enum { OPT_JSON = 2100, OPT_NO_BOOT, OPT_FORMAT, OPT_VERITY };

/* Whether vouch image takes option c too, and it changes the image:
 * the run spec's, the boot's (pinned by the manifest), the format's. */
static bool image_option(int c)
{
	return (c >= RSO_TIMEOUT && c <= RSO_RESULTS) || c == 'W' || c == 't' || c == 'C' ||
	       c == OPT_FORMAT || c == OPT_VERITY;
}

/* An option of vouch run's own (cli_own_opt_fn); one that changes the
 * image is kept, in order, for vouch image too. */
static int run_opt(void *ctx, int c, const char *arg, const struct option *lo)
{
	struct run_args *a = ctx;

	if (lo && image_option(c)) {
		if (a->src.nopts == RUN_SOURCE_MAX_OPTS) {
			fprintf(stderr, "vouch run: more than %u options\n", RUN_SOURCE_MAX_OPTS);
			return -1;
		}
		a->src.opts[a->src.nopts].name = lo->name;
		a->src.opts[a->src.nopts++].arg = lo->has_arg ? arg : NULL;
	}
	switch (c) {
	case 'I': a->image = arg; return 1;
	case OPT_JSON: a->src.prog.mode = PROGRESS_JSON; return 1;
	case OPT_NO_BOOT: a->no_boot = true; return 1;
	case OPT_FORMAT:
		if (cmd_pick("vouch run", "format", arg, "ext4", "erofs") < 0)
			return -1;
		/* fall through */
	case OPT_VERITY: a->image_opts = true; return 1;
	}
	return 0;
}

/* After the options: SRC or --image, and the command. 0 or CMD_USAGE. */
static int run_operands(int argc, char **argv, struct run_args *a, const char *last)
{
	int operands = a->image ? 0 : 1, e;

	if ((e = cmd_check_command(argc, argv, operands, last)) != 0)
		return e;
	if (optind + operands > argc || argc - optind - operands > (int)MAX_ARGS)
		return CMD_USAGE;
	if (!a->image && run_source_is_image(argv[optind]))
		a->image = argv[optind];
	else if (!a->image)
		a->src.src = argv[optind];
	if (a->image && a->image_opts) {
		fprintf(stderr, "vouch run: --format and --verity build an image: %s is one already\n",
			a->image);
		return EXIT_USAGE;
	}
	a->cmd_argc = argc - optind - operands;
	a->cmd_argv = argv + optind + operands;
	return 0;
}

/* The command line into a: 0, or the exit status / CMD_* request. */
static int run_parse(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "image", required_argument, 0, 'I' }, CLI_VM_LONG_OPTS,
		{ "json", no_argument, 0, OPT_JSON }, { "no-boot", no_argument, 0, OPT_NO_BOOT },
		{ "format", required_argument, 0, OPT_FORMAT }, { "verity", no_argument, 0, OPT_VERITY },
		RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	const char *last;
	int e;

	if ((e = cli_parse_opts(argc, argv, opts, &a->ro, &a->o, "vouch run", run_opt, a, &last)) != 0)
		return e;
	if ((e = run_operands(argc, argv, a, last)) != 0)
		return e;
	return cli_boot_files(&a->o, &a->boot, "vouch run");
}

/* SRC's image, from the cache or built now, becomes the image to run:
 * its run spec is the one just pinned from the options and the command,
 * which are not applied twice. 0 or the exit status. */
static int run_build(struct run_args *a)
{
	int e;

	a->src.kernel = a->o.kernel;
	a->src.initrd = a->o.initrd;
	a->src.cmd_argc = a->cmd_argc;
	a->src.cmd_argv = a->cmd_argv;
	a->src.prog.who = "vouch run";
	if ((e = run_source_image(&a->src, "vouch run", a->built, sizeof(a->built))) != 0)
		return e;
	a->image = a->built;
	memset(&a->ro, 0, sizeof(a->ro));
	a->cmd_argc = 0;
	return 0;
}

/* The image's manifest, and what it pins checked before boot: the run
 * spec, the kernel, the initramfs, the root image. Refuses early what the
 * verifier would refuse late. 0 or EXIT_USAGE. */
static int run_check_pins(struct run_args *a, char *rootfs, char *mpath, size_t cap,
			  struct manifest *m, struct boot_verity *verity)
{
	struct launch_opts *o = &a->o;

	if (pathf(rootfs, cap, "%s/rootfs.img", a->image) < 0 ||
	    pathf(mpath, cap, "%s/manifest.cbor", a->image) < 0) {
		fprintf(stderr, "vouch run: --image %s: path too long\n", a->image);
		return EXIT_USAGE;
	}
	if (cli_load_manifest("run", mpath, m) < 0)
		return EXIT_USAGE;
	if (!m->has_boot) {
		fprintf(stderr, "vouch run: %s pins no kernel: make the image with --kernel and --initrd\n", mpath);
		return EXIT_USAGE;
	}
	if (run_runspec(m, mpath, &a->ro, a->cmd_argc, a->cmd_argv, o->rs) < 0 ||
	    pin_matches(o->kernel, m->kernel_digest, "kernel") < 0 ||
	    pin_matches(o->initrd, m->initramfs_digest, "initramfs") < 0)
		return EXIT_USAGE;
	/* a verity image is checked block by block as the guest reads it;
	 * any other is hashed whole before it boots */
	if ((o->verity = cli_manifest_verity(m, verity)) != NULL ? size_matches(rootfs, m->image_size) < 0
								: pin_matches(rootfs, m->image_digest, "root image") < 0)
		return EXIT_USAGE;
	if (!o->verity) /* it matched its pin: the launcher need not hash it again */
		o->rootfs_digest = m->image_digest;
	o->rootfs = rootfs;
	o->rootfstype = m->image_format;
	return 0;
}

/*
 * vouch run (--image DIR | SRC) [--kernel K --initrd I] [options] [-o OUT] [-- CMD...]:
 * from an image made by `vouch image` (rootfs.img + manifest.cbor with
 * its boot components and run spec), or from a source vouch image takes
 * (built into the cache first, run_source.h), to a judged verdict, in one
 * command.
 * It runs the pinned run spec; a command or option that would change it
 * is refused before boot.
 */
int cmd_run(int argc, char **argv)
{
	static struct run_args a;
	static struct runspec rs;
	static struct manifest m;
	char cache[PATH_MAX], rootfs[PATH_MAX], mpath[PATH_MAX];
	struct boot_verity verity;
	struct launch_result res;
	int e;

	memset(&a, 0, sizeof(a));
	cli_vm_defaults(&a.o, &rs);
	a.o.out_dir = "vouch-out";
	a.src.prog = (struct progress){ PROGRESS_TEXT, "vouch run", frame_now_ms() };
	if ((e = run_parse(argc, argv, &a)) != 0)
		return e;
	if (a.src.src && (e = run_build(&a)) != 0)
		return e;
	if ((e = run_check_pins(&a, rootfs, mpath, PATH_MAX, &m, &verity)) != 0)
		return e;
	if (cli_vm_check(&a.o, &m, false, "vouch run") < 0)
		return EXIT_USAGE;
	if (a.no_boot) {
		printf("%s: pins checked, not booted (--no-boot)\n", a.image);
		return 0;
	}
	a.o.vm_timeout_s = cli_vm_timeout(&rs);
	a.o.cache_root = cli_cache_root(cache, sizeof(cache));
	cli_vm_note(&a.o, "vouch run");
	(void)launch_run(&a.o, &res); /* the verdict is the judge's, from the evidence */
	cli_print_result("vouch run", &a.o, &res);
	return cli_judge_run("vouch run", a.o.out_dir, mpath, a.o.cache_root);
}
