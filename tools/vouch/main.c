// SPDX-License-Identifier: MIT
/*
 * vouch: the host command line.
 *   vouch tree-digest [--root DIR] PATH...
 *   vouch version
 */
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
#include "launch.h"
#include "proc.h"
#include "manifest_cmd.h"
#include "predict.h"
#include "tree.h"

#define VERSION "0.1"
#define EXIT_USAGE 64
#define EXIT_INTERNAL 70

static int usage(FILE *f)
{
	fprintf(f,
		"usage: vouch <command> [options]\n"
		"\n"
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
		int e = tree_digest(dirfd, argv[i], d, &st);

		if (e < 0) {
			fprintf(stderr, "vouch: %s: %s\n", argv[i], mb_strerror(e));
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

/* Exit codes, shared with host-verify (schemas/exit-codes.md). */
enum {
	EXIT_PASSED = 0,
	EXIT_TESTS_FAILED = 1,
	EXIT_REJECTED = 2,
	EXIT_INCOMPLETE = 3,
};

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*ret = v;
	return 0;
}

static const char *cache_root(char *buf, size_t cap)
{
	hv_default_cache(buf, cap);
	return buf;
}

/* The run judged at its end, as host-verify would judge its bundle, with
 * the pipeline outputs next to the evidence. */
static int judge_run(const char *out, const char *manifest, const char *cache)
{
	char b[PATH_MAX], j[PATH_MAX], js[PATH_MAX], a[PATH_MAX];
	struct hv_files f = { .manifest = manifest };

	snprintf(f.cache, sizeof(f.cache), "%s", cache);
	if (pathf(b, sizeof(b), "%s/evidence.cbor", out) < 0 ||
	    pathf(j, sizeof(j), "%s/junit.xml", out) < 0 ||
	    pathf(js, sizeof(js), "%s/report.json", out) < 0 ||
	    pathf(a, sizeof(a), "%s/attestation.dsse.json", out) < 0)
		return EXIT_USAGE;
	f.bundle = b;
	f.junit = j;
	f.json = js;
	f.attestation = a;
	printf("judged against %s:\n", manifest);
	fflush(stdout);
	return hv_judge(&f);
}

static int cmd_launch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' }, { "initrd", required_argument, 0, 'i' },
		{ "rootfs", required_argument, 0, 'r' }, { "fstype", required_argument, 0, 'F' },
		{ "out", required_argument, 0, 'o' }, { "tpm", required_argument, 0, 't' },
		{ "timeout", required_argument, 0, 'T' }, { "vm-timeout", required_argument, 0, 'V' },
		{ "memory", required_argument, 0, 'm' }, { "cpus", required_argument, 0, 'c' },
		{ "agent", required_argument, 0, 'a' }, { "harness", required_argument, 0, 'H' },
		{ "cwd", required_argument, 0, 'C' }, { "uid", required_argument, 0, 'u' },
		{ "gid", required_argument, 0, 'g' }, { "max-output", required_argument, 0, 'O' },
		{ "max-procs", required_argument, 0, 'P' }, { "env", required_argument, 0, 'e' },
		{ "quiet", no_argument, 0, 'q' }, { "manifest", required_argument, 0, 'M' },
		{ 0, 0, 0, 0 },
	};
	static char *default_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
				       "HOME=/root", "LANG=C.UTF-8", NULL };
	static struct runspec rs;
	struct launch_opts o = { .rootfstype = "ext4", .memory_mib = 512, .cpus = 1,
				 .rs = &rs };
	struct launch_result res;
	const char *manifest = NULL;
	char cache[PATH_MAX];
	unsigned long v;
	int c, e;

	rs.cwd = "/";
	rs.agent_path = "/opt/agent";
	rs.harness_path = "/opt/harness";
	rs.timeout_s = 300;
	rs.max_output_bytes = 64u << 20;
	rs.max_procs = 256;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'r': o.rootfs = optarg; break;
		case 'F': o.rootfstype = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'M': manifest = optarg; break;
		case 'q': o.quiet = true; break;
		case 'a': rs.agent_path = optarg; break;
		case 'H': rs.harness_path = optarg; break;
		case 'C': rs.cwd = optarg; break;
		case 'e':
			if (rs.envc >= MAX_ENV || !strchr(optarg, '='))
				return usage(stderr);
			rs.envp[rs.envc++] = optarg;
			break;
		case 't':
			if (strcmp(optarg, "relay") != 0 && strcmp(optarg, "device") != 0)
				return usage(stderr);
			o.tpm_device = strcmp(optarg, "device") == 0;
			break;
		default:
			if (!optarg || parse_uint(optarg, UINT32_MAX - 1, &v) < 0)
				return usage(stderr);
			switch (c) {
			case 'T': rs.timeout_s = (uint32_t)v; break;
			case 'V': o.vm_timeout_s = (unsigned)v; break;
			case 'm': o.memory_mib = (unsigned)v; break;
			case 'c': o.cpus = (unsigned)v; break;
			case 'u': rs.uid = (uint32_t)v; break;
			case 'g': rs.gid = (uint32_t)v; break;
			case 'O': rs.max_output_bytes = v; break;
			case 'P': rs.max_procs = (uint32_t)v; break;
			default: return usage(stderr);
			}
		}
	}
	if (!o.kernel || !o.initrd || !o.rootfs || optind >= argc || argc - optind > (int)MAX_ARGS ||
	    (manifest && !o.out_dir))
		return usage(stderr);
	rs.argc = (size_t)(argc - optind);
	for (size_t i = 0; i < rs.argc; i++)
		rs.argv[i] = argv[optind + (int)i];
	if (rs.envc == 0) {
		for (rs.envc = 0; default_env[rs.envc]; rs.envc++)
			rs.envp[rs.envc] = default_env[rs.envc];
	}
	/* the VM's deadline leaves the harness its own, plus boot and quote */
	if (o.vm_timeout_s == 0)
		o.vm_timeout_s = rs.timeout_s + 120;
	o.cache_root = cache_root(cache, sizeof(cache));
	e = launch_run(&o, &res);
	printf("records %llu, tests %llu ok / %llu not ok, harness exit %d%s, %s, %s, %.2f s\n",
	       (unsigned long long)res.records, (unsigned long long)res.tests_ok,
	       (unsigned long long)res.tests_not_ok, res.exit_code,
	       res.exit_signal ? " (signal)" : "", res.activated ? "AK activated" : "AK NOT activated",
	       res.have_quote ? "quoted" : "NO quote", (double)res.total_ms / 1000.0);
	if (!o.quiet && res.phase_ns[PHASE_MOUNTED]) {
		printf("timeline (guest clock, ms since its kernel started):");
		for (unsigned p = 1; p <= PHASE_MAX_; p++)
			if (res.phase_ns[p])
				printf("%s %s %.1f", p == 1 ? "" : ",", launch_phase_names[p],
				       (double)res.phase_ns[p] / 1e6);
		putchar('\n');
	}
	if (manifest)
		return judge_run(o.out_dir, manifest, o.cache_root);
	if (e < 0) {
		fprintf(stderr, "vouch: launch: %s%s%s\n", mb_strerror(e), res.error[0] ? ": " : "",
			res.error);
		return e == MB_E_CHAIN || e == MB_E_SEQUENCE || e == MB_E_CRYPTO ? EXIT_REJECTED
										 : EXIT_INCOMPLETE;
	}
	if (!res.have_quote || !res.activated || res.exit_code < 0)
		return EXIT_INCOMPLETE;
	return res.exit_code == 0 && !res.exit_signal && !res.cut && res.tests_not_ok == 0
		       ? EXIT_PASSED : EXIT_TESTS_FAILED;
}

/* vouch verify: host-verify's judgement, under the one CLI. */
static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, 0, 'b' }, { "manifest", required_argument, 0, 'm' },
		{ "ek", required_argument, 0, 'e' }, { "verifier-key", required_argument, 0, 'k' },
		{ "junit", required_argument, 0, 'j' }, { "json", required_argument, 0, 'J' },
		{ "attestation", required_argument, 0, 'a' }, { 0, 0, 0, 0 },
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
	snprintf(path, sizeof(path), "%s/verifier.key", cache_root(cache, sizeof(cache)));
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
