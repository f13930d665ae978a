// SPDX-License-Identifier: MIT
/*
 * vouch: the host command line.
 *   vouch tree-digest [--root DIR] PATH...
 *   vouch version
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>

#include "err.h"
#include "image.h"
#include "attestation.h"
#include "judge.h"
#include "cli.h"
#include "launch.h"
#include "proc.h"
#include "manifest_cmd.h"
#include "predict.h"
#include "tree.h"

#define VERSION "0.1"

static int usage(FILE *f)
{
	fprintf(f,
		"usage: vouch <command> [options]\n"
		"\n"
		"  run --image DIR [-o OUT] [-- CMD...]  attested run of an image, judged\n"
		"  launch --kernel K --initrd I --rootfs R [options] -- CMD [ARG...]\n"
		"                                     one attested run in a VM (see vouch(1))\n"
		"  manifest --image IMG --tree NAME=PATH=HEX... [--kernel K --initrd I] -o OUT\n"
		"                                     write a reference manifest\n"
		"  image SRC -o DIR [options]         flatten an image into DIR/rootfs.img + manifest\n"
		"  tree-digest [--root DIR] PATH...   print the tree digest of each PATH\n"
		"  verify --bundle B --manifest M     judge stored evidence (as host-verify)\n"
		"  predict --manifest M               the PCR values a run must quote\n"
		"  verifier-key OUT.pem               write this host's verifier public key\n"
		"  version                            print the version\n"
		"\n"
		"See vouch(1).\n");
	return f == stderr ? EXIT_USAGE : 0;
}

static int cmd_tree_digest(int argc, char **argv)
{
	int dirfd = AT_FDCWD, i = 0, rc = 0;

	if (argc >= 2 && strcmp(argv[0], "--root") == 0) {
		dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			perror(argv[1]);
			return EXIT_USAGE;
		}
		i = 2;
	}
	if (i >= argc)
		return usage(stderr);
	for (; i < argc; i++) {
		struct tree_stats st;
		uint8_t d[32];
		/* with --root, an absolute path is inside the root, as in a manifest */
		const char *p = argv[i];
		int e;

		while (dirfd != AT_FDCWD && p[0] == '/' && p[1])
			p++;
		if (dirfd != AT_FDCWD && strcmp(p, "/") == 0)
			p = ".";
		errno = 0;
		e = tree_digest(dirfd, p, d, &st);
		if (e < 0) {
			fprintf(stderr, "vouch: %s: %s\n", argv[i],
				e == MB_E_IO && errno ? strerror(errno) : mb_strerror(e));
			rc = EXIT_INTERNAL;
			continue;
		}
		for (size_t k = 0; k < sizeof(d); k++)
			printf("%02x", d[k]);
		printf("  %s  (%llu entries, %llu bytes)\n", argv[i],
		       (unsigned long long)st.entries, (unsigned long long)st.content_bytes);
	}
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

/* vouch verify: host-verify's judgement, under the one CLI. */
static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, 0, 'b' }, { "manifest", required_argument, 0, 'm' },
		{ "ek", required_argument, 0, 'e' }, { "verifier-key", required_argument, 0, 'k' },
		{ "junit", required_argument, 0, 'j' }, { "json", required_argument, 0, 'J' },
		{ "attestation", required_argument, 0, 'a' }, { "nonce", required_argument, 0, 'n' },
		{ "require-agent-boundary", no_argument, 0, 'A' }, { 0, 0, 0, 0 },
	};
	struct hv_files f = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': f.bundle = optarg; break;
		case 'm': f.manifest = optarg; break;
		case 'e': f.ek = optarg; break;
		case 'k': f.verifier_key = optarg; break;
		case 'j': f.junit = optarg; break;
		case 'J': f.json = optarg; break;
		case 'a': f.attestation = optarg; break;
		case 'n': f.nonce_hex = optarg; break;
		case 'A': f.require_agent_boundary = true; break;
		default: return usage(stderr);
		}
	}
	if (!f.bundle || !f.manifest || optind != argc)
		return usage(stderr);
	hv_default_cache(f.cache, sizeof(f.cache));
	return hv_judge(&f);
}

/* This host's verifier key: it signs activation transcripts and
 * attestations; pipelines pin its public half. */
static int cmd_verifier_key(int argc, char **argv)
{
	uint8_t pk[32], sk[64];
	char cache[PATH_MAX], path[PATH_MAX + 32];
	int e;

	if (argc != 2)
		return usage(stderr);
	snprintf(path, sizeof(path), "%s/verifier.key", cli_cache_root(cache, sizeof(cache)));
	e = attestation_load_or_create_key(path, pk, sk);
	explicit_bzero(sk, sizeof(sk));
	if (e == 0)
		e = attestation_write_pubkey(argv[1], pk);
	if (e < 0) {
		fprintf(stderr, "vouch: verifier key: %s\n", mb_strerror(e));
		return EXIT_INTERNAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "predict") == 0)
		return cmd_predict(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "verifier-key") == 0)
		return cmd_verifier_key(argc - 1, argv + 1);
	if (strcmp(argv[1], "manifest") == 0)
		return cmd_manifest(argc - 1, argv + 1);
	if (strcmp(argv[1], "launch") == 0)
		return cmd_launch(argc - 1, argv + 1);
	if (strcmp(argv[1], "image") == 0)
		return image_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "tree-digest") == 0)
		return cmd_tree_digest(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vouch " VERSION "\n");
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout);
	fprintf(stderr, "vouch: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
