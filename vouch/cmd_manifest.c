// SPDX-License-Identifier: MIT
/*
 * vouch manifest: writes a reference manifest from a root image, the
 * pinned trees in it, and the boot components a run will use.
 *   vouch manifest --image IMG --fstype F --tree NAME=PATH=HEX ...
 *                  [--verity-root HEX --verity-offset BYTES]
 *                  [--kernel K --initrd I [--tpm relay|device]]
 *                  [run spec options] -o OUT.cbor [-- CMD [ARG...]]
 * With a verity root, IMG already holds its hash tree at BYTES (made by
 * veritysetup in the shape manifest.cddl gives). With a command, the run
 * spec vouch launch would make of the same command and options is pinned
 * (the agent and harness paths are the trees'); without one, none is, and
 * host-verify refuses evidence against the manifest.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "cb.h"
#include "cmd.h"
#include "exit.h"
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
	runspec_opts_apply(ro, rs, argc, argv);
	if ((e = runspec_opts_pin(m, rs)) < 0) {
		fprintf(stderr, "vouch manifest: run spec: %s\n", mb_strerror(e));
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_manifest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, 0, 'i' }, { "fstype", required_argument, 0, 'f' },
		{ "tree", required_argument, 0, 't' }, { "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'r' }, { "tpm", required_argument, 0, 'T' },
		{ "out", required_argument, 0, 'o' }, { "verity-root", required_argument, 0, 'V' },
		{ "verity-offset", required_argument, 0, 'O' }, RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	static struct manifest m;
	static struct runspec rs;
	static struct runspec_opts ro;
	const char *image = NULL, *kernel = NULL, *initrd = NULL, *out = NULL, *last = NULL;
	char cmdline[1024], *end;
	bool device = false, has_offset = false;
	struct boot_verity verity;
	struct stat st;
	struct cb_wr w;
	size_t n;
	int c, e;

	m.image_format = "ext4";
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		last = optarg;
		if ((e = runspec_opts_parse(&ro, c, optarg, "vouch manifest")) < 0)
			return EXIT_USAGE;
		if (e > 0)
			continue;
		switch (c) {
		case 'i': image = optarg; break;
		case 'f':
			if (cmd_pick("vouch manifest", "fstype", optarg, "ext4", "erofs") < 0)
				return EXIT_USAGE;
			m.image_format = optarg;
			break;
		case 'k': kernel = optarg; break;
		case 'r': initrd = optarg; break;
		case 'o': out = optarg; break;
		case 'T':
			if ((e = cmd_pick("vouch manifest", "tpm", optarg, "relay", "device")) < 0)
				return EXIT_USAGE;
			device = e == 1;
			break;
		case 'V':
			if (parse_hex32(optarg, m.verity_root) < 0) {
				fprintf(stderr, "vouch manifest: --verity-root: 64 lowercase hex digits (\"sha256:\" before them allowed)\n");
				return EXIT_USAGE;
			}
			m.has_verity = true;
			break;
		case 'O':
			errno = 0;
			m.verity_offset = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno == ERANGE) {
				fprintf(stderr, "vouch manifest: --verity-offset: a number of bytes\n");
				return EXIT_USAGE;
			}
			has_offset = true;
			break;
		case 't':
			if (m.ntrees == MAX_TREES || parse_tree(optarg, &m.trees[m.ntrees]) < 0) {
				fprintf(stderr, "vouch manifest: --tree NAME=PATH=SHA256HEX\n");
				return EXIT_USAGE;
			}
			m.ntrees++;
			break;
		default:
			return cmd_common_opt(c);
		}
	}
	if ((e = cmd_check_command(argc, argv, 0, last)) != 0)
		return e;
	if (!image || !out || (!kernel) != (!initrd) || m.has_verity != has_offset ||
	    argc - optind > (int)MAX_ARGS)
		return CMD_USAGE;
	if ((e = pin_runspec(&m, &rs, &ro, argc - optind, argv + optind)) != 0)
		return e;
	errno = 0;
	if (stat(image, &st) < 0 || (e = file_sha256(image, m.image_digest)) < 0) {
		fprintf(stderr, "vouch manifest: %s: %s\n", image, errno ? strerror(errno) : mb_strerror(e));
		return EXIT_INTERNAL;
	}
	m.image_size = (uint64_t)st.st_size;
	if (m.has_verity && !verity_offset_ok(m.verity_offset, m.image_size)) {
		fprintf(stderr, "vouch manifest: --verity-offset: whole 4096-byte blocks, inside the image\n");
		return EXIT_USAGE;
	}
	memcpy(verity.root, m.verity_root, sizeof(verity.root));
	verity.offset = m.verity_offset;
	if (kernel) {
		m.has_boot = true;
		if ((e = file_sha256(kernel, m.kernel_digest)) < 0 ||
		    (e = file_sha256(initrd, m.initramfs_digest)) < 0 ||
		    (e = boot_cmdline_verity(cmdline, sizeof(cmdline), m.image_format, device, VMM_QEMU,
					     m.has_verity ? &verity : NULL)) < 0) {
			fprintf(stderr, "vouch manifest: boot components: %s\n", mb_strerror(e));
			return EXIT_INTERNAL;
		}
		m.cmdline = cmdline;
	}
	cb_wr_init(&w, NULL, MAX_MANIFEST_BYTES);
	manifest_encode(&m, &w);
	if ((e = cb_wr_finish(&w, &n)) < 0 || (e = file_write_all(out, w.p, n)) < 0) {
		fprintf(stderr, "vouch manifest: %s: %s\n", out, mb_strerror(e));
		cb_wr_free(&w);
		return EXIT_INTERNAL;
	}
	cb_wr_free(&w);
	return 0;
}
