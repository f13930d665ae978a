// SPDX-License-Identifier: MIT
/*
 * host-verify: the verdict on one run's evidence, for pipelines that only
 * verify.
 *   host-verify --bundle EVIDENCE.cbor --manifest MANIFEST.cbor
 *               [--ek EK.pub] [--verifier-key VERIFIER.pem]
 *               [--nonce HEX] [--require-agent-boundary]
 *               [--junit OUT.xml] [--json OUT.json] [--attestation OUT.dsse.json]
 *               [--url URL]
 *   host-verify --verify-attestation ENVELOPE.json [--verifier-key VERIFIER.pem]
 *               [--nonce HEX] [--subject SHA256]
 *   host-verify --help | --version
 * Exit status: 0 passed, 1 tests failed, 2 rejected, 3 incomplete,
 * 64 usage, 70 internal (schemas/exit-codes.md). Usage: asked for, on
 * stdout and 0; for a mistake, on stderr and 64.
 */
#include <getopt.h>
#include <stdio.h>

#include "judge.h"
#include "verify.h"
#include "version.h"

/* parse's answers besides 0: the usage asked for, the version, a mistake */
enum { PARSE_HELP = 1, PARSE_VERSION, PARSE_USAGE };

static int usage_to(FILE *f)
{
	fprintf(f,
		"usage: host-verify --bundle EVIDENCE.cbor --manifest MANIFEST.cbor [--ek EK.pub]\n"
		"                   [--verifier-key KEY.pem] [--nonce HEX] [--require-agent-boundary]\n"
		"                   [--junit F] [--json F] [--attestation F] [--url URL]\n"
		"       host-verify --verify-attestation ENVELOPE [--verifier-key KEY.pem]\n"
		"                   [--nonce HEX] [--subject SHA256]\n"
		"       host-verify --help | --version\n"
		"See host-verify(1).\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int parse(int argc, char **argv, struct hv_files *o)
{
	static const struct option lo[] = {
		{ "bundle", required_argument, 0, 'b' }, { "manifest", required_argument, 0, 'm' },
		{ "ek", required_argument, 0, 'e' }, { "verifier-key", required_argument, 0, 'k' },
		{ "junit", required_argument, 0, 'j' }, { "json", required_argument, 0, 'J' },
		{ "attestation", required_argument, 0, 'a' }, { "url", required_argument, 0, 'u' },
		{ "verify-attestation", required_argument, 0, 'V' }, { "nonce", required_argument, 0, 'n' },
		{ "subject", required_argument, 0, 's' }, { "require-agent-boundary", no_argument, 0, 'A' },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'v' }, { 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case 'm': o->manifest = optarg; break;
		case 'e': o->ek = optarg; break;
		case 'k': o->verifier_key = optarg; break;
		case 'j': o->junit = optarg; break;
		case 'J': o->json = optarg; break;
		case 'a': o->attestation = optarg; break;
		case 'u': o->url = optarg; break;
		case 'V': o->check_envelope = optarg; break;
		case 'n': o->nonce_hex = optarg; break;
		case 's': o->subject_hex = optarg; break;
		case 'A': o->require_agent_boundary = true; break;
		case 'h': return PARSE_HELP;
		case 'v': return PARSE_VERSION;
		default: return PARSE_USAGE; /* getopt said what */
		}
	}
	if (optind != argc) {
		fprintf(stderr, "host-verify: unexpected argument '%s'\n", argv[optind]);
		return PARSE_USAGE;
	}
	if (o->check_envelope)
		return o->bundle || o->manifest || o->require_agent_boundary || o->url ? PARSE_USAGE : 0;
	return o->bundle && o->manifest && !o->subject_hex ? 0 : PARSE_USAGE;
}

int main(int argc, char **argv)
{
	struct hv_files f = { 0 };

	if (argc > 0)
		argv[0] = "host-verify"; /* getopt's messages name it, not its path */
	switch (parse(argc, argv, &f)) {
	case 0: break;
	case PARSE_HELP: return usage_to(stdout);
	case PARSE_VERSION: printf("host-verify " VOUCH_VERSION "\n"); return 0;
	default: return usage_to(stderr);
	}
	hv_default_cache(f.cache, sizeof(f.cache));
	return f.check_envelope ? hv_check_envelope(&f) : hv_judge(&f);
}
