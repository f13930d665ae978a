// SPDX-License-Identifier: MIT
/*
 * vouch manifest: writes a reference manifest from a root image, the
 * pinned trees in it, and the boot components a run will use.
 *   vouch manifest --image IMG --fstype F --tree NAME=PATH=HEX ...
 *                  [--verity-root HEX --verity-offset BYTES]
 *                  [--kernel K --initrd I [--tpm relay|device]
 *                   [--channel auto|virtio-serial|vsock]]
 *                  [run spec options] -o OUT.cbor [-- CMD [ARG...]]
 * With a verity root, IMG already holds its hash tree at BYTES (made by
 * veritysetup in the shape manifest.cddl gives). With a command, the run
 * spec vouch launch would make of the same command and options is pinned
 * (the agent and harness paths are the trees'); without one, none is, and
 * host-verify refuses evidence against the manifest.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "cb.h"
#include "channel.h"
#include "cmd.h"
#include "exit.h"
#include "io.h"
#include "manifest.h"
#include "proc.h"
#include "runspec_opts.h"
#include "sha256.h"

/* 64 lowercase hex digits, "sha256:" before them allowed (manifest.json) */
static int parse_hex32(const char *s, uint8_t out[32])
{
	if (strncmp(s, "sha256:", 7) == 0)
		s += 7;
	return sha256_from_hex(s, strlen(s), out);
}

/* NAME=PATH=HEX */
static int parse_tree(char *arg, struct manifest_tree *t)
{
	char *p = strchr(arg, '='), *d = p ? strchr(p + 1, '=') : NULL;

	if (!p || !d)
		return -1;
	*p = 0;
	*d = 0;
	t->name = arg;
	t->path = p + 1;
	return parse_hex32(d + 1, t->digest);
}

/* The run spec vouch launch makes of the same command and options, with
 * the trees' paths: pinned. Without a command nothing is pinned. */
static int pin_runspec(struct manifest *m, struct runspec *rs, const struct runspec_opts *ro,
		       int argc, char **argv)
{
	const struct manifest_tree *a = manifest_find_tree(m, "agent");
	const struct manifest_tree *h = manifest_find_tree(m, "harness");
	int e;

	if (argc == 0) {
		fprintf(stderr, "vouch manifest: no command after --: no run spec pinned, and host-verify\n"
				"  refuses evidence against this manifest\n");
		return 0;
	}
	runspec_opts_defaults(rs);
	if (a)
		rs->agent_path = a->path;
	if (h)
		rs->harness_path = h->path;
	if (!a && !h) /* no tree: a plain run, unless --agent/--harness name them */
		rs->agent_path = rs->harness_path = NULL;
	runspec_opts_apply(ro, rs, argc, argv);
	if ((e = runspec_opts_pin(m, rs)) < 0) {
		fprintf(stderr, "vouch manifest: run spec: %s\n", mb_strerror(e));
		return EXIT_USAGE;
	}
	return 0;
}

/* What vouch manifest was asked, from its command line; the trees,
 * format and verity root go straight into the manifest. */
struct manifest_args {
	struct runspec_opts ro;
	const char *image, *kernel, *initrd, *out;
	bool device, has_offset, channel_set;
	enum channel channel; /* of the QEMU run the command line is for */
	int cmd_argc;     /* the command to run, after -- */
	char **cmd_argv;
};

/* One option of vouch manifest's own: 0, or EXIT_USAGE / a CMD_* request. */
static int manifest_opt(struct manifest_args *a, struct manifest *m, int c, char *arg)
{
	int e;

	switch (c) {
	case 'i': a->image = arg; return 0;
	case 'k': a->kernel = arg; return 0;
	case 'r': a->initrd = arg; return 0;
	case 'o': a->out = arg; return 0;
	case 'f':
		if (cmd_pick("vouch manifest", "fstype", arg, "ext4", "erofs") < 0)
			return EXIT_USAGE;
		m->image_format = arg;
		return 0;
	case 'T':
		if ((e = cmd_pick("vouch manifest", "tpm", arg, "relay", "device")) < 0)
			return EXIT_USAGE;
		a->device = e == 1;
		return 0;
	case 'C':
		e = (int)a->channel;
		if (cmd_channel("vouch manifest", arg, &e, &a->channel_set) < 0)
			return EXIT_USAGE;
		a->channel = (enum channel)e;
		return 0;
	case 'V':
		if (parse_hex32(arg, m->verity_root) < 0) {
			fprintf(stderr, "vouch manifest: --verity-root: 64 lowercase hex digits (\"sha256:\" before them allowed)\n");
			return EXIT_USAGE;
		}
		m->has_verity = true;
		return 0;
	case 'O':
		if (mb_dec(arg, strlen(arg), UINT64_MAX, &m->verity_offset) < 0) {
			fprintf(stderr, "vouch manifest: --verity-offset: a number of bytes\n");
			return EXIT_USAGE;
		}
		a->has_offset = true;
		return 0;
	case 't':
		if (m->ntrees == MAX_TREES || parse_tree(arg, &m->trees[m->ntrees]) < 0) {
			fprintf(stderr, "vouch manifest: --tree NAME=PATH=SHA256HEX\n");
			return EXIT_USAGE;
		}
		m->ntrees++;
		return 0;
	}
	return cmd_common_opt(c);
}

/* The command line into a and m: 0, or the exit status / CMD_* request. */
static int manifest_parse(int argc, char **argv, struct manifest_args *a, struct manifest *m)
{
	static const struct option opts[] = {
		{ "image", required_argument, 0, 'i' }, { "fstype", required_argument, 0, 'f' },
		{ "tree", required_argument, 0, 't' }, { "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'r' }, { "tpm", required_argument, 0, 'T' },
		{ "out", required_argument, 0, 'o' }, { "verity-root", required_argument, 0, 'V' },
		{ "verity-offset", required_argument, 0, 'O' }, { "channel", required_argument, 0, 'C' },
		RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	char why[PATH_MAX + 96];
	const char *last = NULL;
	int c, e;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		last = optarg;
		if ((e = runspec_opts_parse(&a->ro, c, optarg, "vouch manifest")) < 0)
			return EXIT_USAGE;
		if (e == 0 && (e = manifest_opt(a, m, c, optarg)) != 0)
			return e;
	}
	if ((e = cmd_check_command(argc, argv, 0, last)) != 0)
		return e;
	if (!a->image || !a->out || (!a->kernel) != (!a->initrd) || m->has_verity != a->has_offset ||
	    argc - optind > (int)MAX_ARGS)
		return CMD_USAGE;
	/* none asked: the one vouch launch boots by default here */
	if (!a->channel_set)
		a->channel = channel_auto(VMM_QEMU, why, sizeof(why));
	a->cmd_argc = argc - optind;
	a->cmd_argv = argv + optind;
	return 0;
}

/* The root image's digest and size, the boot components' digests and
 * the kernel command line they boot with (in cmdline): 0, or the exit
 * status after saying why. */
static int manifest_measure(const struct manifest_args *a, struct manifest *m, char *cmdline,
			    size_t cap)
{
	struct boot_verity verity = { .trees = false }; /* a hand-made manifest: the trees are walked */
	struct stat st;
	int e = 0;

	errno = 0;
	if (stat(a->image, &st) < 0 || (e = file_sha256(a->image, m->image_digest)) < 0) {
		fprintf(stderr, "vouch manifest: %s: %s\n", a->image, errno ? strerror(errno) : mb_strerror(e));
		return EXIT_INTERNAL;
	}
	m->image_size = (uint64_t)st.st_size;
	if (m->has_verity && !verity_offset_ok(m->verity_offset, m->image_size)) {
		fprintf(stderr, "vouch manifest: --verity-offset: whole 4096-byte blocks, inside the image\n");
		return EXIT_USAGE;
	}
	if (!a->kernel)
		return 0;
	memcpy(verity.root, m->verity_root, sizeof(verity.root));
	verity.offset = m->verity_offset;
	m->has_boot = true;
	if ((e = file_sha256(a->kernel, m->kernel_digest)) < 0 ||
	    (e = file_sha256(a->initrd, m->initramfs_digest)) < 0 ||
	    (e = boot_cmdline_verity(cmdline, cap, m->image_format, a->device, VMM_QEMU, a->channel,
				     m->has_verity ? &verity : NULL)) < 0) {
		fprintf(stderr, "vouch manifest: boot components: %s\n", mb_strerror(e));
		return EXIT_INTERNAL;
	}
	m->cmdline = cmdline;
	return 0;
}

int cmd_manifest(int argc, char **argv)
{
	static struct manifest_args a;
	static struct manifest m;
	static struct runspec rs;
	char cmdline[1024];
	struct cb_wr w;
	size_t n;
	int e;

	memset(&a, 0, sizeof(a));
	m.image_format = "ext4";
	if ((e = manifest_parse(argc, argv, &a, &m)) != 0 ||
	    (e = pin_runspec(&m, &rs, &a.ro, a.cmd_argc, a.cmd_argv)) != 0 ||
	    (e = manifest_measure(&a, &m, cmdline, sizeof(cmdline))) != 0)
		return e;
	cb_wr_init(&w, NULL, MAX_MANIFEST_BYTES);
	manifest_encode(&m, &w);
	if ((e = cb_wr_finish(&w, &n)) < 0 || (e = file_write_all(a.out, w.p, n)) < 0) {
		fprintf(stderr, "vouch manifest: %s: %s\n", a.out, mb_strerror(e));
		cb_wr_free(&w);
		return EXIT_INTERNAL;
	}
	cb_wr_free(&w);
	return 0;
}
