/* SPDX-License-Identifier: MIT */
/*
 * The judgement of one bundle from files, as host-verify and `vouch launch
 * --manifest` both give it: pins loaded (the EK, the verifier key), every
 * check run, the verdict printed, JUnit/JSON/in-toto written.
 */
#ifndef HV_JUDGE_H
#define HV_JUDGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct hv_files {
	const char *bundle, *manifest;
	const char *ek;            /* TPM2B_PUBLIC; default: the cache's provisioned EK */
	const char *verifier_key;  /* PEM; default: this host's key in the cache */
	const char *junit, *json, *attestation; /* outputs, each optional */
	const char *check_envelope;
	const char *nonce_hex;     /* demand this session (64 hex digits), or NULL */
	const char *url;           /* the statement's url; NULL: the CI's job URL, if any */
	const char *subject_hex;   /* --verify-attestation: demand this subject digest */
	bool require_agent_boundary;
	const char *prog;          /* what messages begin with; NULL: "host-verify" */
	char cache[PATH_MAX];
};

void hv_default_cache(char *buf, size_t cap);
/* Returns the exit code (schemas/exit-codes.md). hv_check_envelope's is
 * the statement's: 0 PASSED (or WARNED: passed with skips), 1 FAILED,
 * 2 not verified or not of the demanded session/subject, 64 usage. */
int hv_judge(const struct hv_files *f);
int hv_check_envelope(const struct hv_files *f);

#endif
