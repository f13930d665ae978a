// SPDX-License-Identifier: MIT
/* What vouch launch and vouch run share: the manifest, the result, the
 * judgement at the end. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "channel.h"
#include "cmd.h"
#include "judge.h"
#include "proc.h"
#include "runspec_opts.h"
#include "vmm.h"

void cli_vm_defaults(struct launch_opts *o, struct runspec *rs)
{
	memset(o, 0, sizeof(*o));
	o->rootfstype = "ext4";
	o->memory_mib = 512;
	o->cpus = 1;
	o->vmm = VMM_QEMU;
	o->vmm_auto = true;
	o->channel = CHANNEL_SERIAL;
	o->rs = rs;
}

int cli_vm_opt(struct launch_opts *o, int c, const char *arg, const char *who)
{
	unsigned long v;
	int e;

	switch (c) {
	case 'k': o->kernel = arg; return 1;
	case 'i': o->initrd = arg; return 1;
	case 'o': o->out_dir = arg; return 1;
	case 'q': o->quiet = true; return 1;
	case 'W':
		if ((o->vmm_auto = strcmp(arg, "auto") == 0))
			return 1;
		if (strcmp(arg, "qemu") != 0 && strcmp(arg, "firecracker") != 0) {
			fprintf(stderr, "%s: --vmm %s: auto, qemu or firecracker\n", who, arg);
			return -1;
		}
		o->vmm = strcmp(arg, "firecracker") == 0 ? VMM_FIRECRACKER : VMM_QEMU;
		/* Firecracker has vsock only: it is its channel unless told
		 * otherwise (and then refused) */
		if (!o->channel_set)
			o->channel = o->vmm == VMM_FIRECRACKER ? CHANNEL_VSOCK : CHANNEL_SERIAL;
		return 1;
	case 'C':
		return cmd_channel(who, arg, &o->channel, &o->channel_set) < 0 ? -1 : 1;
	case 't':
		if ((e = cmd_pick(who, "tpm", arg, "relay", "device")) < 0)
			return -1;
		o->tpm_device = e == 1;
		return 1;
	case 'V': case 'm': case 'c':
		if (runspec_opts_uint(arg, UINT32_MAX - 1, &v) < 0) {
			fprintf(stderr, "%s: --%s %s: a number\n", who,
				c == 'V' ? "vm-timeout" : c == 'm' ? "memory" : "cpus", arg);
			return -1;
		}
		if (c == 'V')
			o->vm_timeout_s = (unsigned)v;
		else if (c == 'm')
			o->memory_mib = (unsigned)v;
		else
			o->cpus = (unsigned)v;
		return 1;
	}
	return 0;
}

int cli_run_opt(struct runspec_opts *ro, struct launch_opts *o, int c, const char *arg, const char *who)
{
	int e = runspec_opts_parse(ro, c, arg, who);

	return e != 0 ? e : cli_vm_opt(o, c, arg, who);
}

int cli_parse_opts(int argc, char **argv, const struct option *opts, struct runspec_opts *ro,
		   struct launch_opts *o, const char *who, cli_own_opt_fn *own, void *ctx,
		   const char **ret_last)
{
	const char *last = NULL;
	int c, e, li;

	optind = 1;
	while (li = -1, (c = getopt_long(argc, argv, "ho:", opts, &li)) != -1) {
		last = optarg;
		if ((e = own(ctx, c, optarg, li >= 0 ? &opts[li] : NULL)) == 0 &&
		    (e = cli_run_opt(ro, o, c, optarg, who)) == 0)
			return cmd_common_opt(c);
		if (e < 0)
			return EXIT_USAGE;
	}
	*ret_last = last;
	return 0;
}

int cli_boot_files(struct launch_opts *o, struct boot_paths *buf, const char *who)
{
	char why[2 * PATH_MAX];

	if (paths_boot(&o->kernel, &o->initrd, buf, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: no kernel and initramfs found: give --kernel and --initrd\n"
				"  (or VOUCH_KERNEL and VOUCH_INITRD); %s\n", who, why);
		return EXIT_USAGE;
	}
	return 0;
}

/* Why the options or a manifest's pinned command line rule Firecracker
 * out for --vmm auto (in buf), or NULL: an option it refuses, or a pin
 * that is not the command line vouch would boot Firecracker with. */
static const char *firecracker_ruled_out(const struct launch_opts *o, const char *pinned, char *buf,
					 size_t cap)
{
	enum channel ch = o->channel_set ? (enum channel)o->channel : CHANNEL_VSOCK;
	char fc[1024];

	if (vmm_check_opts(VMM_FIRECRACKER, ch, o->tpm_device, o->cpus, o->memory_mib, buf, cap) < 0)
		return buf;
	if (!pinned || (boot_cmdline_verity(fc, sizeof(fc), o->rootfstype, o->tpm_device, VMM_FIRECRACKER,
					     ch, o->verity) == 0 &&
			strcmp(fc, pinned) == 0))
		return NULL;
	return "the manifest pins a kernel command line that is not Firecracker's "
	       "(vouch image --vmm firecracker makes one)";
}

/* The guest's channel, once the VMM is known (cli.h, cli_vm_check). */
static int vm_channel(struct launch_opts *o, const struct manifest *m, bool no_pin_check, const char *who)
{
	const char *pinned = m && m->has_boot && !(no_pin_check && o->channel_set) ? m->cmdline : NULL;
	char why[PATH_MAX + 96];
	enum channel ch;

	if (channel_pick((enum vmm)o->vmm, o->channel_set, (enum channel)o->channel, pinned, &ch, why,
			 sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s\n", who, why);
		return -1;
	}
	o->channel = ch;
	if (!o->quiet && !o->print_vmm_config)
		printf("channel: %s\n", why);
	return 0;
}

int cli_vm_check(struct launch_opts *o, const struct manifest *m, bool no_pin_check, const char *who)
{
	const char *pinned_cmdline = m && m->has_boot ? m->cmdline : NULL;
	char why[200];

	/* --vmm auto: decided here, said just before the run (cli_vm_note) */
	if (o->vmm_auto)
		o->vmm = vmm_auto(firecracker_ruled_out(o, pinned_cmdline, why, sizeof(why)), o->vmm_why,
				  sizeof(o->vmm_why));
	if (vm_channel(o, m, no_pin_check, who) < 0)
		return -1;
	if (vmm_check_opts((enum vmm)o->vmm, (enum channel)o->channel, o->tpm_device, o->cpus,
			   o->memory_mib, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s\n", who, why);
		return -1;
	}
	return 0;
}

void cli_vm_note(const struct launch_opts *o, const char *who)
{
	if (o->vmm_auto && o->vmm == VMM_QEMU)
		fprintf(stderr, "%s: using QEMU: %s\n", who, o->vmm_why);
}

unsigned cli_vm_timeout(const struct runspec *rs)
{
	return rs->timeout_s + 120;
}

const char *cli_cache_root(char *buf, size_t cap)
{
	hv_default_cache(buf, cap);
	/* a new user (a CI runner's own) may have no ~/.cache yet: the
	 * folder and its parent (~/.cache, or XDG_CACHE_HOME) are made,
	 * private, as the XDG spec asks; what fails here fails again, with
	 * its name, where the cache is used */
	char *slash = strrchr(buf, '/');

	if (slash && slash != buf) {
		*slash = 0;
		(void)mkdir(buf, 0700); /* EEXIST mostly */
		*slash = '/';
	}
	(void)mkdir(buf, 0700);
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

void cli_print_result(const char *who, const struct launch_opts *o, const struct launch_result *res)
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
		fprintf(stderr, "%s: the TPM relay refused %llu command(s) from the guest\n", who,
			(unsigned long long)res->relay_refused);
	if (res->host_error[0])
		fprintf(stderr, "%s: launch failed: %s\n", who, res->host_error);
	if (res->vmm_log[0])
		fprintf(stderr, "%s: the last lines of its log:\n%s\n", who, res->vmm_log);
}

/* The run judged at its end, as host-verify would judge its bundle, with
 * the pipeline outputs next to the evidence. */
int cli_judge_run(const char *who, const char *out, const char *manifest, const char *cache)
{
	char b[PATH_MAX], j[PATH_MAX], js[PATH_MAX], a[PATH_MAX];
	struct hv_files f = { .manifest = manifest, .prog = who };

	snprintf(f.cache, sizeof(f.cache), "%s", cache);
	if (pathf(b, sizeof(b), "%s/evidence.cbor", out) < 0 ||
	    pathf(j, sizeof(j), "%s/junit.xml", out) < 0 ||
	    pathf(js, sizeof(js), "%s/report.json", out) < 0 ||
	    pathf(a, sizeof(a), "%s/attestation.dsse.json", out) < 0)
		return EXIT_USAGE;
	/* a launch that failed before the guest sent anything left no
	 * evidence: the run is incomplete, not a usage error */
	if (access(b, F_OK) != 0 && errno == ENOENT) {
		printf("verdict: INCOMPLETE (exit %d): no evidence (the launch failed before any arrived)\n",
		       EXIT_INCOMPLETE);
		return EXIT_INCOMPLETE;
	}
	f.bundle = b;
	f.junit = j;
	f.json = js;
	f.attestation = a;
	printf("judged against %s:\n", manifest);
	fflush(stdout);
	return hv_judge(&f);
}

/* Reads and decodes a manifest; says why on stderr when it cannot. */
int cli_load_manifest(const char *who, const char *path, struct manifest *m)
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
const struct boot_verity *cli_manifest_verity(const struct manifest *m, struct boot_verity *v)
{
	if (!m->has_verity)
		return NULL;
	memcpy(v->root, m->verity_root, sizeof(v->root));
	v->offset = m->verity_offset;
	v->trees = m->trees_by_verity;
	return v;
}
