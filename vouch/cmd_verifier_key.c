// SPDX-License-Identifier: MIT
/* vouch verifier-key OUT.pem: this host's verifier public key. */
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attestation.h"
#include "cli.h"
#include "cmd.h"
#include "err.h"

/* This host's verifier key: it signs activation transcripts and
 * attestations; pipelines pin its public half. */
int cmd_verifier_key(int argc, char **argv)
{
	static const struct option opts[] = { CMD_LONG_OPTS, { 0, 0, 0, 0 } };
	uint8_t pk[32], sk[64];
	char cache[PATH_MAX], path[PATH_MAX + 32];
	const char *what = path; /* what a failure was about */
	int c, e;

	optind = 1;
	if ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return cmd_common_opt(c);
	if (argc - optind != 1)
		return CMD_USAGE;
	snprintf(path, sizeof(path), "%s/verifier.key", cli_cache_root(cache, sizeof(cache)));
	e = attestation_load_or_create_key(path, pk, sk);
	explicit_bzero(sk, sizeof(sk));
	if (e == 0 && (e = attestation_write_pubkey(argv[optind], pk)) < 0)
		what = argv[optind];
	if (e < 0) {
		fprintf(stderr, "vouch verifier-key: %s: %s\n", what, mb_strerror(e));
		return EXIT_INTERNAL;
	}
	return 0;
}
