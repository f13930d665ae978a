// SPDX-License-Identifier: MIT
/* libFuzzer: the evidence bundle decoder, then the whole verifier on
 * whatever decodes (pins from the recorded honest evidence). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "attestation.h"
#include "bundle.h"
#include "verify.h"

static struct hv_pins pins;
static struct manifest manifest;

static int load_pins(void)
{
	static const char *dir = "tests/vectors/evidence/";
	char path[256];
	FILE *f;
	uint8_t buf[4096];
	size_t n, off = 0;

	snprintf(path, sizeof(path), "%sek.pub", dir);
	if (!(f = fopen(path, "rb")))
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, n, &off, &pins.ek) != 0)
		return -1;
	snprintf(path, sizeof(path), "%smanifest.cbor", dir);
	if (!(f = fopen(path, "rb")))
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (manifest_decode(buf, n, &manifest) != 0)
		return -1;
	snprintf(path, sizeof(path), "%sverifier.pem", dir);
	if (attestation_read_pubkey(path, pins.verifier_pub) != 0)
		return -1;
	pins.manifest = &manifest;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static int ready = -2;
	struct bundle b;
	struct hv_verdict v;

	if (ready == -2) {
		setenv("TSS2_LOG", "all+none", 1); /* libtss2-mu logs each refusal */
		ready = sodium_init() < 0 ? -1 : load_pins(); /* run from the top of the tree */
	}
	if (bundle_decode(p, n, &b) != 0)
		return 0;
	if (ready == 0 && hv_verify(&b, &pins, &v) == 0) {
		if (v.exit == EXIT_PASSED && v.nreasons != 0)
			__builtin_trap(); /* accept only with no reason against */
		hv_verdict_free(&v);
	}
	bundle_free(&b);
	return 0;
}
