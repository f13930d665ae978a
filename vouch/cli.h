/* SPDX-License-Identifier: MIT */
/* What the vouch subcommands share. */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <stddef.h>

#include "boot.h"
#include "exit.h"
#include "launch.h"
#include "manifest.h"

/* host-verify's cache root (the verifier key, EK certificates), in buf. */
const char *cli_cache_root(char *buf, size_t cap);
/* Reads and decodes a manifest; says why on stderr when it cannot
 * (who: "run", "launch"). */
int cli_load_manifest(const char *who, const char *path, struct manifest *m);
/* A manifest's dm-verity root, as the launcher boots it; NULL for none. */
const struct boot_verity *cli_manifest_verity(const struct manifest *m, struct boot_verity *v);
/* The run's summary line and timeline on stdout, what went wrong on stderr
 * (who: "vouch run"). */
void cli_print_result(const char *who, const struct launch_opts *o, const struct launch_result *res);
/* The run in out judged against manifest, as host-verify judges a bundle,
 * the pipeline outputs written next to the evidence: the exit status.
 * Messages begin with who ("vouch run"). */
int cli_judge_run(const char *who, const char *out, const char *manifest, const char *cache);

#endif
