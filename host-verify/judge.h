/* SPDX-License-Identifier: MIT */
/*
 * The judgement of one bundle from files, as host-verify and `vouch launch
 * --manifest` both give it: pins loaded (the EK, the verifier key), every
 * check run, the verdict printed, JUnit/JSON/in-toto written.
 */
#ifndef HV_JUDGE_H
#define HV_JUDGE_H

#include <limits.h>
#include <stddef.h>

struct hv_files {
	const char *bundle, *manifest;
	const char *ek;            /* TPM2B_PUBLIC; default: the cache's provisioned EK */
	const char *verifier_key;  /* PEM; default: this host's key in the cache */
	const char *junit, *json, *attestation; /* outputs, each optional */
	const char *check_envelope;
	char cache[PATH_MAX];
};

void hv_default_cache(char *buf, size_t cap);
/* Returns the exit code (schemas/exit-codes.md). */
int hv_judge(const struct hv_files *f);
int hv_check_envelope(const struct hv_files *f);

#endif
