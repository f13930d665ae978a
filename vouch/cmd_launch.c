// SPDX-License-Identifier: MIT
/*
 * vouch launch and vouch run: one attested run, judged at its end when a
 * manifest is at hand.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "cli.h"
#include "manifest.h"
#include "judge.h"
#include "launch.h"
#include "proc.h"
#include "runspec_opts.h"

const char *cli_cache_root(char *buf, size_t cap)
{
	hv_default_cache(buf, cap);
	return buf;
}

/* The guest's console is no evidence, but when its kernel refused blocks
 * of a verity root the user should hear why the run failed. */
static void verity_hint(const struct launch_opts *o)
{
	char path[PATH_MAX];
	uint8_t *log = NULL;
	size_t n;

	if (!o->verity || !o->out_dir || pathf(path, sizeof(path), "%s/console.log", o->out_dir) < 0 ||
	    file_read_all(path, &log, &n, 16u << 20) < 0)
		return;
	if (memmem(log, n, "device-mapper: verity", 21) && memmem(log, n, " is corrupted", 13))
		printf("the guest's kernel refused blocks of the root image that do not match the pinned\n"
		       "verity root (see %s): the image file changed after it was built\n", path);
	free(log);
}

static void print_result(const struct launch_opts *o, const struct launch_result *res)
{
	printf("records %llu, tests %llu ok / %llu not ok, harness exit %d%s, %s, %s, %.2f s\n",
	       (unsigned long long)res->records, (unsigned long long)res->tests_ok,
	       (unsigned long long)res->tests_not_ok, res->exit_code,
	       res->exit_signal ? " (signal)" : "", res->activated ? "AK activated" : "AK NOT activated",
	       res->have_quote ? "quoted" : "NO quote", (double)res->total_ms / 1000.0);
	if (!o->quiet && res->phase_ns[PHASE_MOUNTED]) {
		printf("timeline (guest clock, ms since its kernel started):");
		for (unsigned p = 1; p <= PHASE_MAX_; p++)
			if (res->phase_ns[p])
				printf("%s %s %.1f", p == 1 ? "" : ",", launch_phase_names[p],
				       (double)res->phase_ns[p] / 1e6);
		putchar('\n');
	}
	verity_hint(o);
	if (res->relay_refused)
		fprintf(stderr, "vouch: the TPM relay refused %llu command(s) from the guest\n",
			(unsigned long long)res->relay_refused);
	if (res->host_error[0])
		fprintf(stderr, "vouch: launch failed: %s\n", res->host_error);
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

int cli_usage_launch(void)
{
	fprintf(stderr,
		"usage: vouch launch --kernel K --initrd I --rootfs IMG [--fstype erofs|ext4]\n"
		"           [--vmm qemu|firecracker] [--tpm relay|device] [--manifest M [--no-pin-check]]\n"
		"           [--out DIR] [--timeout S] [--vm-timeout S] [--memory MiB] [--cpus N] [--uid N]\n"
		"           [--gid N] [--agent PATH] [--harness PATH] [--cwd DIR] [--env K=V]...\n"
		"           [--max-output B] [--max-procs N] [--agent-user UID:GID] [--quiet]\n"
		"           [--print-vmm-config]\n"
		"           [-- CMD [ARG...]]   (the command is required without a pinned run spec)\n"
		"See vouch(1).\n");
	return EXIT_USAGE;
}

/* Reads and decodes a manifest; says why on stderr when it cannot. */
static int load_manifest(const char *who, const char *path, struct manifest *m)
{
	uint8_t *buf = NULL;
	size_t n;
	int e;

	errno = 0;
	if ((e = file_read_all(path, &buf, &n, MAX_MANIFEST_BYTES)) == 0)
		e = manifest_decode(buf, n, m);
	else if (e == MB_E_IO && errno) {
		fprintf(stderr, "vouch %s: %s: %s\n", who, path, strerror(errno));
		return e;
	}
	free(buf);
	if (e < 0)
		fprintf(stderr, "vouch %s: %s: %s\n", who, path, mb_strerror(e));
	return e;
}

/* A manifest's dm-verity root, as the launcher boots it. */
static const struct boot_verity *manifest_verity(const struct manifest *m, struct boot_verity *v)
{
	if (!m->has_verity)
		return NULL;
	memcpy(v->root, m->verity_root, sizeof(v->root));
	v->offset = m->verity_offset;
	return v;
}

/* The VMM's configuration as a run would write it (Firecracker's JSON). */
static int print_vmm_config(const struct launch_opts *o)
{
	char cmdline[1024];
	int e;

	if (o->vmm != VMM_FIRECRACKER) {
		fprintf(stderr, "vouch: --print-vmm-config is for --vmm firecracker\n");
		return EXIT_USAGE;
	}
	if ((e = boot_cmdline_verity(cmdline, sizeof(cmdline), o->rootfstype, o->tpm_device,
				     VMM_FIRECRACKER, o->verity)) < 0 ||
	    (e = launch_firecracker_config(o, "RUN_DIR", cmdline, stdout)) < 0) {
		fprintf(stderr, "vouch: %s\n", mb_strerror(e));
		return EXIT_USAGE;
	}
	return 0;
}

/* The run spec of vouch launch: the manifest's pinned one when there is
 * one, else the defaults; then the options and the command given. With a
 * pin, a run spec that differs from it is refused before boot (the
 * verifier would refuse the run) unless no_pin_check. */
static int launch_runspec(const struct manifest *m, const char *mpath, const struct runspec_opts *ro,
			  bool no_pin_check, int argc, char **argv, struct runspec *rs)
{
	int e;

	if (m && m->has_runspec) {
		if ((e = runspec_decode(m->runspec, m->runspec_len, rs)) < 0) {
			fprintf(stderr, "vouch launch: %s: pinned run spec: %s\n", mpath, mb_strerror(e));
			return -1;
		}
	} else {
		runspec_opts_defaults(rs);
		if (argc == 0)
			return cli_usage_launch(), -1;
		if (m)
			fprintf(stderr, "vouch launch: %s pins no run spec: the verifier will refuse the run\n"
					"  (manifest-incomplete); make it with the command to run\n", mpath);
	}
	runspec_opts_apply(ro, rs, argc, argv);
	if (m && m->has_runspec && !no_pin_check &&
	    runspec_opts_check_pin(m, rs, "vouch launch", mpath) < 0) {
		fprintf(stderr, "  (--no-pin-check runs it anyway, for a verifier to refuse)\n");
		return -1;
	}
	return 0;
}

int cmd_launch(int argc, char **argv)
{
	enum { NO_PIN_CHECK = 2000, PRINT_VMM_CONFIG };
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' }, { "initrd", required_argument, 0, 'i' },
		{ "rootfs", required_argument, 0, 'r' }, { "fstype", required_argument, 0, 'F' },
		{ "out", required_argument, 0, 'o' }, { "tpm", required_argument, 0, 't' },
		{ "vm-timeout", required_argument, 0, 'V' },
		{ "memory", required_argument, 0, 'm' }, { "cpus", required_argument, 0, 'c' },
		{ "quiet", no_argument, 0, 'q' }, { "manifest", required_argument, 0, 'M' },
		{ "vmm", required_argument, 0, 'W' }, { "print-vmm-config", no_argument, 0, PRINT_VMM_CONFIG },
		{ "no-pin-check", no_argument, 0, NO_PIN_CHECK },
		RUNSPEC_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	static struct runspec rs;
	static struct manifest m;
	static struct runspec_opts ro;
	struct boot_verity verity;
	struct launch_opts o = { .rootfstype = "ext4", .memory_mib = 512, .cpus = 1,
				 .rs = &rs };
	struct launch_result res;
	const char *manifest = NULL, *fstype = NULL;
	bool no_pin_check = false;
	char cache[PATH_MAX];
	unsigned long v;
	int c, e;

	memset(&ro, 0, sizeof(ro));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if ((e = runspec_opts_parse(&ro, c, optarg, "vouch launch")) < 0)
			return EXIT_USAGE;
		if (e > 0)
			continue;
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'r': o.rootfs = optarg; break;
		case 'F':
			if (strcmp(optarg, "ext4") != 0 && strcmp(optarg, "erofs") != 0) {
				fprintf(stderr, "vouch launch: --fstype %s: ext4 or erofs\n", optarg);
				return EXIT_USAGE;
			}
			o.rootfstype = fstype = optarg;
			break;
		case 'o': o.out_dir = optarg; break;
		case 'M': manifest = optarg; break;
		case PRINT_VMM_CONFIG: o.print_vmm_config = true; break;
		case NO_PIN_CHECK: no_pin_check = true; break;
		case 'W':
			if (strcmp(optarg, "qemu") != 0 && strcmp(optarg, "firecracker") != 0)
				return cli_usage_launch();
			o.vmm = strcmp(optarg, "firecracker") == 0 ? VMM_FIRECRACKER : VMM_QEMU;
			break;
		case 'q': o.quiet = true; break;
		case 't':
			if (strcmp(optarg, "relay") != 0 && strcmp(optarg, "device") != 0)
				return cli_usage_launch();
			o.tpm_device = strcmp(optarg, "device") == 0;
			break;
		case 'V': case 'm': case 'c':
			if (runspec_opts_uint(optarg, UINT32_MAX - 1, &v) < 0)
				return cli_usage_launch();
			if (c == 'V')
				o.vm_timeout_s = (unsigned)v;
			else if (c == 'm')
				o.memory_mib = (unsigned)v;
			else
				o.cpus = (unsigned)v;
			break;
		default:
			return cli_usage_launch();
		}
	}
	if (!o.kernel || !o.initrd || !o.rootfs || argc - optind > (int)MAX_ARGS ||
	    (manifest && !o.out_dir) || (no_pin_check && !manifest))
		return cli_usage_launch();
	/* a manifest that pins a dm-verity root: the image is read through it */
	if (manifest) {
		if (load_manifest("launch", manifest, &m) < 0)
			return EXIT_USAGE;
		/* the image's format is the manifest's; --fstype may only agree */
		if (fstype && strcmp(fstype, m.image_format) != 0) {
			fprintf(stderr, "vouch launch: --fstype %s, but %s pins an %s image\n", fstype,
				manifest, m.image_format);
			return EXIT_USAGE;
		}
		o.rootfstype = m.image_format;
		o.verity = manifest_verity(&m, &verity);
	}
	if (launch_runspec(manifest ? &m : NULL, manifest, &ro, no_pin_check, argc - optind,
			   argv + optind, &rs) < 0)
		return EXIT_USAGE;
	/* the VM's deadline leaves the harness its own, plus boot and quote */
	if (o.vm_timeout_s == 0)
		o.vm_timeout_s = rs.timeout_s + 120;
	o.cache_root = cli_cache_root(cache, sizeof(cache));
	if (o.print_vmm_config)
		return print_vmm_config(&o);
	e = launch_run(&o, &res);
	print_result(&o, &res);
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


static int pin_matches(const char *path, const uint8_t pin[32], const char *what)
{
	uint8_t d[32];

	if (file_sha256(path, d) < 0) {
		fprintf(stderr, "vouch run: cannot read the %s %s\n", what, path);
		return -1;
	}
	if (memcmp(d, pin, 32) != 0) {
		fprintf(stderr, "vouch run: the %s %s is not the one the manifest pins\n", what, path);
		return -1;
	}
	return 0;
}

static int size_matches(const char *path, uint64_t size)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "vouch run: cannot read the root image %s\n", path);
		return -1;
	}
	if ((uint64_t)st.st_size != size) {
		fprintf(stderr, "vouch run: the root image %s is not the size the manifest pins\n", path);
		return -1;
	}
	return 0;
}

/* The pinned run spec, with the command and options given: refused
 * unless it is the pinned one, field by field and byte by byte. */
static int run_runspec(const struct manifest *m, const char *mpath, const struct runspec_opts *ro,
		       int argc, char **argv, struct runspec *rs)
{
	int e;

	if (!m->has_runspec) {
		fprintf(stderr, "vouch run: %s pins no run spec (the command, environment, user and limits\n"
				"  of the run): make the image again with this vouch image, and the command after\n"
				"  -- unless the image's Entrypoint/Cmd is the one\n", mpath);
		return -1;
	}
	if ((e = runspec_decode(m->runspec, m->runspec_len, rs)) < 0) {
		fprintf(stderr, "vouch run: %s: pinned run spec: %s\n", mpath, mb_strerror(e));
		return -1;
	}
	runspec_opts_apply(ro, rs, argc, argv);
	return runspec_opts_check_pin(m, rs, "vouch run", mpath);
}

/*
 * vouch run --image DIR [--kernel K --initrd I] [options] [-o OUT] [-- CMD...]:
 * from an image made by `vouch image` (rootfs.img + manifest.cbor with
 * its boot components and run spec) to a judged verdict, in one command.
 * It runs the pinned run spec; a command or option that would change it
 * is refused before boot.
 */
int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, 0, 'I' }, { "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'i' }, { "out", required_argument, 0, 'o' },
		{ "vmm", required_argument, 0, 'W' }, { "tpm", required_argument, 0, 't' },
		{ "memory", required_argument, 0, 'm' },
		{ "cpus", required_argument, 0, 'c' }, { "quiet", no_argument, 0, 'q' },
		RUNSPEC_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	static struct runspec rs;
	static struct manifest m;
	static struct runspec_opts ro;
	struct boot_verity verity;
	struct launch_opts o = { .memory_mib = 512, .cpus = 1, .rs = &rs, .out_dir = "vouch-out" };
	char cache[PATH_MAX], rootfs[PATH_MAX], mpath[PATH_MAX];
	const char *image = NULL;
	struct launch_result res;
	unsigned long v;
	int c, e;

	o.kernel = getenv("VOUCH_KERNEL");
	o.initrd = getenv("VOUCH_INITRD");
	memset(&ro, 0, sizeof(ro));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if ((e = runspec_opts_parse(&ro, c, optarg, "vouch run")) < 0)
			return EXIT_USAGE;
		if (e > 0)
			continue;
		switch (c) {
		case 'I': image = optarg; break;
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'q': o.quiet = true; break;
		case 'W': o.vmm = strcmp(optarg, "firecracker") == 0 ? VMM_FIRECRACKER : VMM_QEMU; break;
		case 't': o.tpm_device = strcmp(optarg, "device") == 0; break;
		case 'm': case 'c':
			if (runspec_opts_uint(optarg, UINT32_MAX - 1, &v) < 0)
				goto usage;
			if (c == 'm')
				o.memory_mib = (unsigned)v;
			else
				o.cpus = (unsigned)v;
			break;
		default:
			goto usage;
		}
	}
	if (!image || argc - optind > (int)MAX_ARGS)
		goto usage;
	if (!o.kernel || !o.initrd) {
		fprintf(stderr, "vouch run: no %s: give --kernel and --initrd (or VOUCH_KERNEL and VOUCH_INITRD);\n"
				"  tools/kernel/build-kernel --print-path prints the kernel, the initramfs is\n"
				"  build/guest/initramfs.cpio\n", !o.kernel ? "kernel" : "initramfs");
		return EXIT_USAGE;
	}
	if (pathf(rootfs, sizeof(rootfs), "%s/rootfs.img", image) < 0 ||
	    pathf(mpath, sizeof(mpath), "%s/manifest.cbor", image) < 0)
		goto usage;
	if (load_manifest("run", mpath, &m) < 0)
		return EXIT_USAGE;
	if (!m.has_boot) {
		fprintf(stderr, "vouch run: %s pins no kernel: make the image with --kernel and --initrd\n", mpath);
		return EXIT_USAGE;
	}
	/* refuse early what the verifier would refuse late */
	if (run_runspec(&m, mpath, &ro, argc - optind, argv + optind, &rs) < 0 ||
	    pin_matches(o.kernel, m.kernel_digest, "kernel") < 0 ||
	    pin_matches(o.initrd, m.initramfs_digest, "initramfs") < 0)
		return EXIT_USAGE;
	/* a verity image is checked block by block as the guest reads it;
	 * any other is hashed whole before it boots */
	if ((o.verity = manifest_verity(&m, &verity)) != NULL ? size_matches(rootfs, m.image_size) < 0
							      : pin_matches(rootfs, m.image_digest, "root image") < 0)
		return EXIT_USAGE;
	if (!o.verity) /* it matched its pin: the launcher need not hash it again */
		o.rootfs_digest = m.image_digest;
	o.rootfs = rootfs;
	o.rootfstype = m.image_format;
	o.vm_timeout_s = rs.timeout_s + 120;
	o.cache_root = cli_cache_root(cache, sizeof(cache));
	e = launch_run(&o, &res);
	print_result(&o, &res);
	(void)e;
	return judge_run(o.out_dir, mpath, o.cache_root);
usage:
	fprintf(stderr, "usage: vouch run --image DIR [--kernel K --initrd I] [--vmm qemu|firecracker]\n"
			"                 [--tpm relay|device] [--memory MiB] [--cpus N] [-o OUT] [--quiet]\n"
			"                 [run spec options, as vouch launch] [-- CMD [ARG...]]\n"
			"  (runs the run spec the image pins; VOUCH_KERNEL and VOUCH_INITRD stand in for\n"
			"  --kernel and --initrd)\n");
	return EXIT_USAGE;
}
