// SPDX-License-Identifier: MIT
/* vouch verifier-key OUT.pem: this host's verifier public key. */
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
	uint8_t pk[32], sk[64];
	char cache[PATH_MAX], path[PATH_MAX + 32];
	int e;

	if (argc != 2)
		return CMD_USAGE;
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
