// SPDX-License-Identifier: MIT
/* vouch verify --bundle B --manifest M: stored evidence judged. */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "judge.h"

/* vouch verify: host-verify's judgement, under the one CLI. */
int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, 0, 'b' }, { "manifest", required_argument, 0, 'm' },
		{ "ek", required_argument, 0, 'e' }, { "verifier-key", required_argument, 0, 'k' },
		{ "junit", required_argument, 0, 'j' }, { "json", required_argument, 0, 'J' },
		{ "attestation", required_argument, 0, 'a' }, { "nonce", required_argument, 0, 'n' },
		{ "require-agent-boundary", no_argument, 0, 'A' }, CMD_LONG_OPTS, { 0, 0, 0, 0 },
	};
	struct hv_files f = { .prog = "vouch verify" };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
		default: return cmd_common_opt(c);
		}
	}
	if (!f.bundle || !f.manifest || optind != argc)
		return CMD_USAGE;
	hv_default_cache(f.cache, sizeof(f.cache));
	return hv_judge(&f);
}
