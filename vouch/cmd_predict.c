// SPDX-License-Identifier: MIT
/*
 * vouch predict: the PCR values a run must quote, from the reference
 * manifest alone (and the run spec, for PCR 11). PCR 13 also holds the
 * record-chain head, known only when the run ends: it is printed as the
 * value after the separator, the one the head is extended onto.
 *   vouch predict --manifest M [--runspec RUNSPEC.cbor]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evlog.h"
#include "exit.h"
#include "manifest.h"
#include "pcr.h"
#include "proc.h"
#include "sha256.h"
#include "verity.h"

static void print_pcr(const char *label, unsigned i, const uint8_t v[32])
{
	printf("pcr%-2u ", i);
	for (int k = 0; k < 32; k++)
		printf("%02x", v[k]);
	printf("  %s\n", label);
}

int cmd_predict(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "manifest", required_argument, 0, 'm' }, { "runspec", required_argument, 0, 'r' },
		CMD_LONG_OPTS, { 0, 0, 0, 0 },
	};
	static const uint8_t zero4[4];
	const char *mpath = NULL, *rpath = NULL;
	struct manifest *m = malloc(sizeof(*m));
	const struct manifest_tree *a, *h;
	struct pcr_bank bank;
	uint8_t *buf = NULL, d[32], ta[32], th[32];
	size_t n;
	int c, e = 0, rc = EXIT_INTERNAL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'm') {
			mpath = optarg;
		} else if (c == 'r') {
			rpath = optarg;
		} else {
			rc = cmd_common_opt(c);
			goto out;
		}
	}
	if (!mpath || optind != argc) {
		rc = CMD_USAGE;
		goto out;
	}
	if (!m) {
		e = MB_E_NOMEM;
		goto out;
	}
	if ((e = file_read_all(mpath, &buf, &n, MAX_MANIFEST_BYTES)) < 0 || (e = manifest_decode(buf, n, m)) < 0) {
		fprintf(stderr, "vouch predict: %s: %s\n", mpath, mb_strerror(e));
		e = 0; /* said */
		goto out;
	}
	free(buf);
	buf = NULL;
	a = manifest_find_tree(m, "agent");
	h = manifest_find_tree(m, "harness");
	if (!m->has_boot || !a || !h) {
		fprintf(stderr, "vouch predict: the manifest pins no boot components or no agent/harness tree\n");
		goto out;
	}
	/* trees by verity reference: the events name the root and the path */
	if (m->trees_by_verity && ((e = verity_tree_ref(m->verity_root, a->path, ta)) < 0 ||
				   (e = verity_tree_ref(m->verity_root, h->path, th)) < 0))
		goto out;
	pcr_bank_init(&bank);
	if ((e = pcr_extend(&bank, PCR_BOOT, m->kernel_digest)) < 0 ||
	    (e = pcr_extend(&bank, PCR_BOOT, m->initramfs_digest)) < 0 ||
	    (e = sha256_buf(m->cmdline, strlen(m->cmdline), d)) < 0 || (e = pcr_extend(&bank, PCR_BOOT, d)) < 0 ||
	    (e = pcr_extend(&bank, PCR_ROOT, m->has_verity ? m->verity_root : m->image_digest)) < 0 ||
	    (e = pcr_extend(&bank, PCR_TREES, m->trees_by_verity ? ta : a->digest)) < 0 ||
	    (e = pcr_extend(&bank, PCR_TREES, m->trees_by_verity ? th : h->digest)) < 0 ||
	    (e = sha256_buf(zero4, sizeof(zero4), d)) < 0 || (e = pcr_extend(&bank, PCR_SESSION, d)) < 0)
		goto out;
	print_pcr("kernel, initramfs, command line", PCR_BOOT, bank.v[PCR_BOOT]);
	print_pcr(m->has_verity ? "verity root hash" : "root image", PCR_ROOT, bank.v[PCR_ROOT]);
	if (rpath) {
		if ((e = file_read_all(rpath, &buf, &n, MAX_RUNSPEC_BYTES)) < 0 || (e = sha256_buf(buf, n, d)) < 0 ||
		    (e = pcr_extend(&bank, PCR_RUNSPEC, d)) < 0)
			goto out;
		print_pcr("run spec", PCR_RUNSPEC, bank.v[PCR_RUNSPEC]);
	}
	print_pcr("agent tree, harness tree", PCR_TREES, bank.v[PCR_TREES]);
	print_pcr("separator (the chain head is extended onto this)", PCR_SESSION, bank.v[PCR_SESSION]);
	rc = 0;
out:
	if (rc == EXIT_INTERNAL && e < 0)
		fprintf(stderr, "vouch predict: %s\n", mb_strerror(e));
	free(buf);
	free(m);
	return rc;
}
