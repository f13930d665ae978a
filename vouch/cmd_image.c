// SPDX-License-Identifier: MIT
/*
 * vouch image SRC -o DIR: the image flattened into a staging tree below
 * DIR, written as DIR/rootfs.img (ext4 or erofs, the same bytes on every
 * build) with DIR/manifest.cbor and DIR/manifest.json. On any failure nothing is
 * left: the work happens in DIR/.vouch-image.XXXXXX, and DIR goes too
 * when this run made it.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "channel.h"
#include "cmd.h"
#include "err.h"
#include "exit.h"
#include "frame.h"
#include "image_config.h"
#include "io.h"
#include "image_ext4.h"
#include "image_manifest.h"
#include "image_stage.h"
#include "image_verity.h"
#include "oci.h"
#include "paths.h"
#include "proc.h"
#include "progress.h"
#include "runspec_opts.h"

#define MAX_IMAGE_ARGS 1024u /* options, run spec options and the command */
#define MAX_EPOCH 253402300799LL /* 9999-12-31T23:59:59Z */
/* A fixed file system UUID: the image is named by its digest instead. */
#define EROFS_UUID "5ec1a1e0-0000-4000-8000-00000000000a"

struct image_opts {
	const char *src, *out, *agent, *harness, *kernel, *initrd, *cmdline;
	const char *format; /* "ext4" or "erofs" */
	bool verity;        /* append a dm-verity hash tree, pin its root */
	bool walk_trees;    /* with verity: the guest walks the trees all the same */
	bool tpm_device, tpm_set, vmm_set, channel_set;
	enum vmm vmm;
	enum channel channel;
	char channel_why[PATH_MAX + 96]; /* the channel chosen for the launcher's command line */
	struct runspec_opts rs;  /* run spec options; --agent/--harness also pick the trees */
	int cmd_argc;            /* the command after --, when given */
	char **cmd_argv;
	struct boot_paths boot;  /* the kernel and initramfs found, when not given */
	char no_boot[2 * PATH_MAX]; /* where they were looked for, when not found */
	struct progress prog;    /* --progress: live progress on stderr */
};

struct image_run {
	struct image_opts o;
	char work[PATH_MAX];
	bool made_out;
	int64_t epoch;
	struct oci_image img;
	struct stage st;
	struct manifest m;
	char cmdline[MAX_ARG_BYTES + 1]; /* the launcher's, when not given */
	const char *step; /* what was being done when it failed */
	char where[MAX_PATH_BYTES + 64];
};

/* 0, or the exit status or CMD_* request that ends the command. */
/* One option of vouch image's own: 1 taken, 0 not one, or an exit code
 * (EXIT_USAGE) after saying why. */
static int image_opt(struct image_opts *o, int c, const char *arg)
{
	int e;

	switch (c) {
	case 'o': o->out = arg; return 1;
	case 'k': o->kernel = arg; return 1;
	case 'i': o->initrd = arg; return 1;
	case 'c': o->cmdline = arg; return 1;
	case 'V': o->verity = true; return 1;
	case 'W': o->walk_trees = true; return 1;
	case 'P':
		if (progress_mode_parse(arg, &o->prog.mode) == 0)
			return 1;
		fprintf(stderr, "vouch image: --progress %s: text or json\n", arg);
		return EXIT_USAGE;
	case 'f':
		if (cmd_pick("vouch image", "format", arg, "ext4", "erofs") < 0)
			return EXIT_USAGE;
		o->format = arg;
		return 1;
	case 't':
		if ((e = cmd_pick("vouch image", "tpm", arg, "relay", "device")) < 0)
			return EXIT_USAGE;
		o->tpm_device = e == 1;
		o->tpm_set = true;
		return 1;
	case 'v':
		if ((e = cmd_pick("vouch image", "vmm", arg, "qemu", "firecracker")) < 0)
			return EXIT_USAGE;
		o->vmm = e ? VMM_FIRECRACKER : VMM_QEMU;
		o->vmm_set = true;
		return 1;
	case 'C':
		e = (int)o->channel;
		if (cmd_channel("vouch image", arg, &e, &o->channel_set) < 0)
			return EXIT_USAGE;
		o->channel = (enum channel)e;
		return 1;
	}
	return 0;
}

/* What the options say together: the boot they pin, and what it needs. */
static int boot_opts(struct image_opts *o)
{
	if (o->verity && o->cmdline) {
		fprintf(stderr, "vouch image: --cmdline with --verity: the command line must carry the root\n"
				"  hash this run computes; leave --cmdline out and vouch image writes it\n");
		return EXIT_USAGE;
	}
	/* neither given: the ones vouch boots by default, when it finds them */
	if (!o->kernel && !o->initrd && paths_boot(&o->kernel, &o->initrd, &o->boot, o->no_boot,
						   sizeof(o->no_boot)) < 0)
		o->kernel = o->initrd = NULL;
	if ((o->cmdline || o->tpm_set || o->vmm_set || o->channel_set) && !o->kernel) {
		fprintf(stderr, "vouch image: --cmdline, --tpm, --vmm and --channel pin the boot:\n"
				"  give --kernel and --initrd\n");
		return EXIT_USAGE;
	}
	/* none asked: the one vouch run and vouch launch boot by default
	 * here (Firecracker's only one, vsock) */
	if (!o->channel_set && o->kernel && !o->cmdline)
		o->channel = channel_auto(o->vmm, o->channel_why, sizeof(o->channel_why));
	if (!o->kernel != !o->initrd) {
		fprintf(stderr, "vouch image: --kernel and --initrd go together\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct image_opts *o)
{
	static const struct option opts[] = {
		{ "out", required_argument, 0, 'o' },
		{ "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'i' },  { "cmdline", required_argument, 0, 'c' },
		{ "tpm", required_argument, 0, 't' },	  { "vmm", required_argument, 0, 'v' },
		{ "format", required_argument, 0, 'f' },  { "verity", no_argument, 0, 'V' },
		{ "walk-trees", no_argument, 0, 'W' },
		{ "channel", required_argument, 0, 'C' }, { "progress", required_argument, 0, 'P' },
		RUNSPEC_LONG_OPTS, CMD_LONG_OPTS,
		{ 0, 0, 0, 0 },
	};
	const char *last = NULL;
	int c, e;

	optind = 1;
	o->format = "ext4";
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		last = optarg;
		if ((e = runspec_opts_parse(&o->rs, c, optarg, "vouch image")) < 0)
			return EXIT_USAGE;
		if (e > 0) {
			if (c == RSO_AGENT)
				o->agent = optarg;
			else if (c == RSO_HARNESS)
				o->harness = optarg;
			continue;
		}
		if ((e = image_opt(o, c, optarg)) == 0)
			return cmd_common_opt(c);
		if (e != 1)
			return e;
	}
	if (optind >= argc || !o->out || argc - optind - 1 > (int)MAX_ARGS)
		return CMD_USAGE;
	if ((e = cmd_check_command(argc, argv, 1, last)) != 0 || (e = boot_opts(o)) != 0)
		return e;
	o->src = argv[optind];
	o->cmd_argc = argc - optind - 1;
	o->cmd_argv = argv + optind + 1;
	return 0;
}

/* Ownership and device nodes need root; without it, the whole command
 * runs again under fakeroot, whose faked owners the image writer (libext2fs
 * here, or mkfs.erofs) reads back through the same libc calls. */
static int maybe_fakeroot(int argc, char **argv)
{
	char exe[PATH_MAX], *nargv[MAX_IMAGE_ARGS + 4];
	ssize_t n;

	if (geteuid() == 0 || getenv("FAKEROOTKEY"))
		return 0;
	if (argc > (int)MAX_IMAGE_ARGS)
		return MB_E_INVAL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return MB_E_IO;
	exe[n] = 0;
	nargv[0] = "fakeroot";
	nargv[1] = "--";
	nargv[2] = exe;
	nargv[3] = "image"; /* argv[0] is "vouch image" */
	for (int i = 1; i < argc; i++)
		nargv[3 + i] = argv[i];
	nargv[argc + 3] = NULL;
	execvp("fakeroot", nargv);
	return IMG_E_PRIV;
}

/* n digits, exactly (n is 2 or 4: no overflow) */
static int digits(const char *s, size_t n, int *ret)
{
	uint64_t v;

	if (mb_dec(s, n, UINT64_MAX, &v) < 0)
		return -1;
	*ret = (int)v;
	return 0;
}

/* RFC 3339 as image configs write it: 2024-01-02T03:04:05[.frac](Z|+hh:mm). */
static int parse_rfc3339(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t n = strlen(s), i = 19;

	if (n < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			;
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == 0)
		sign = 0;
	else if ((s[i] == '+' || s[i] == '-') && n - i == 6 && !digits(s + i + 1, 2, &oh) &&
		 s[i + 3] == ':' && !digits(s + i + 4, 2, &om))
		sign = s[i] == '+' ? 1 : -1;
	else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ret = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}

static const char *const kind_names[] = {
	[OCI_LAYOUT] = "oci-layout", [OCI_DOCKER] = "docker-archive",
	[OCI_ROOTFS_TAR] = "rootfs-tar", [OCI_ROOTFS_DIR] = "rootfs-dir",
};

/* The source read: its kind, layers and size (the file's, else the
 * layers' when all are known). */
static void source_read(const struct image_run *r)
{
	struct progress_event ev = PROGRESS_EVENT("phase");
	struct stat st;
	int64_t sum = 0;

	ev.phase = "reading";
	ev.state = "done";
	ev.kind = kind_names[r->img.kind];
	ev.path = r->img.path;
	ev.layers = (int64_t)r->img.nlayers;
	for (size_t i = 0; i < r->img.nlayers && sum >= 0; i++)
		sum = r->img.layers[i].size < 0 ? -1 : sum + r->img.layers[i].size;
	ev.bytes = stat(r->img.path, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size
		   : r->img.kind == OCI_ROOTFS_DIR			   ? -1 : sum;
	progress_emit(&r->o.prog, &ev);
}

/* SOURCE_DATE_EPOCH, else the config's "created", else 0. */
static int pick_epoch(struct image_run *r)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH"), *created;
	int64_t v = 0;
	uint64_t u;

	if (sde && *sde) {
		if (mb_dec(sde, strlen(sde), MAX_EPOCH, &u) < 0)
			return MB_E_RANGE;
		v = (int64_t)u;
	} else if ((created = oci_json_str(r->img.config, "created"))) {
		if (parse_rfc3339(created, &v) < 0 || v < 0 || v > MAX_EPOCH)
			return IMG_E_CONFIG;
	}
	r->epoch = v;
	return 0;
}

static int prepare_out(struct image_run *r)
{
	if (mkdir(r->o.out, 0755) == 0)
		r->made_out = true;
	else if (errno != EEXIST) /* there already: fine, nothing in it is touched */
		return MB_E_IO;
	if (pathf(r->work, sizeof(r->work), "%s/.vouch-image.XXXXXX", r->o.out) < 0)
		return MB_E_PATH;
	if (!mkdtemp(r->work)) {
		r->work[0] = 0;
		return MB_E_IO;
	}
	return 0;
}

static int work_path(const struct image_run *r, const char *name, char out[static PATH_MAX])
{
	return pathf(out, PATH_MAX, "%s/%s", r->work, name);
}

static int flatten_layer(struct image_run *r, size_t i)
{
	unsigned flags = r->img.kind == OCI_LAYOUT || r->img.kind == OCI_DOCKER ? STAGE_WHITEOUTS : 0;
	struct archive *a;
	struct oci_blob *b;
	int e, e2;

	if (r->img.kind == OCI_ROOTFS_DIR)
		return oci_dir_apply(&r->img, &r->st);
	if ((e = oci_layer_open(&r->img, i, &a, &b)) < 0)
		return e;
	e = stage_apply(&r->st, a, flags);
	e2 = oci_layer_close(a, b); /* a bad digest wins over what it caused */
	return e2 < 0 ? e2 : e;
}

/* Layer i's size as read: the descriptor's, else the file's; -1 unknown. */
static int64_t layer_bytes(const struct image_run *r, size_t i)
{
	struct stat st;

	if (r->img.layers[i].size >= 0)
		return r->img.layers[i].size;
	if (r->img.kind == OCI_ROOTFS_DIR || r->img.dirfd < 0 ||
	    fstatat(r->img.dirfd, r->img.layers[i].path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return (int64_t)st.st_size;
}

static int flatten(struct image_run *r)
{
	struct progress_event ev = PROGRESS_EVENT("phase");
	char root[PATH_MAX];
	int e;

	r->step = "staging";
	if ((e = work_path(r, "root", root)) < 0 || (e = stage_init(&r->st, root, r->epoch)) < 0)
		return e;
	ev.phase = "staging";
	ev.state = "start";
	ev.layers = (int64_t)r->img.nlayers;
	progress_emit(&r->o.prog, &ev);
	for (size_t i = 0; i < r->img.nlayers; i++) {
		r->step = "layer";
		snprintf(r->where, sizeof(r->where), "layer %zu (%s)", i + 1, r->img.layers[i].path);
		if ((e = flatten_layer(r, i)) < 0)
			return e;
		ev.state = "done";
		ev.layer = (int64_t)i + 1;
		ev.bytes = layer_bytes(r, i);
		ev.total_bytes = (int64_t)r->st.bytes;
		ev.entries = (int64_t)r->st.entries;
		progress_emit(&r->o.prog, &ev);
	}
	r->where[0] = 0;
	return stage_finish(&r->st);
}

/* --agent/--harness, else the image's labels, else /opt/agent and
 * /opt/harness when the image has them. */
static int measure_trees(struct image_run *r)
{
	static const char *const names[] = { "agent", "harness" };
	const char *flags[] = { r->o.agent, r->o.harness };
	struct json_object *c, *labels = NULL;
	int e;

	if (json_object_object_get_ex(r->img.config, "config", &c))
		json_object_object_get_ex(c, "Labels", &labels);
	r->step = "tree digest";
	bool missing[2] = { false, false };

	for (size_t i = 0; i < 2; i++) {
		const char *p = flags[i], *dflt = i ? "/opt/harness" : "/opt/agent";
		char label[32];

		snprintf(label, sizeof(label), "org.vouch.%s", names[i]);
		if (!p)
			p = oci_json_str(labels, label);
		snprintf(r->where, sizeof(r->where), "%s", p ? p : dflt);
		e = image_manifest_tree(&r->m, r->st.root, names[i], p ? p : dflt);
		if (e < 0 && !(e == IMG_E_TREE && !p))
			return e;
		missing[i] = e < 0;
	}
	/* neither tree: a plain run (pin_runspec); one alone is no run */
	for (size_t i = 0; i < 2 && missing[0] != missing[1]; i++)
		if (missing[i])
			fprintf(stderr, "vouch image: no %s tree pinned (%s is not in the image), but %s %s\n"
					"  tree is: vouch run needs both or neither; give --%s PATH or the image\n"
					"  label org.vouch.%s\n",
				names[i], i ? "/opt/harness" : "/opt/agent", i ? "an" : "a", names[!i], names[i],
				names[i]);
	r->where[0] = 0;
	return 0;
}

static int make_erofs(struct image_run *r, const char *img)
{
	char root[PATH_MAX], sde[32];
	/* erofs-utils 1.5: -T would set every inode's time; SOURCE_DATE_EPOCH
	 * fixes only the build time and --preserve-mtime keeps the files' */
	char *argv[] = { "mkfs.erofs", "--quiet", "--preserve-mtime", "-U" EROFS_UUID,
			 (char *)img, root, NULL };
	int e;

	r->step = "mkfs.erofs";
	if ((e = work_path(r, "root", root)) < 0)
		return e;
	snprintf(sde, sizeof(sde), "%lld", (long long)r->epoch);
	if (setenv("SOURCE_DATE_EPOCH", sde, 1) < 0)
		return MB_E_NOMEM;
	if (proc_run(argv, NULL, frame_now_ms() + IMG_MKFS_TIMEOUT_MS) < 0)
		return IMG_E_MKFS;
	return 0;
}

/* The root image in the format asked for (ext4 unless --format erofs). */
static int make_image(struct image_run *r, const char *img)
{
	if (strcmp(r->o.format, "erofs") == 0)
		return make_erofs(r, img);
	r->step = "ext4";
	/* dm-verity's device has 4096-byte logical blocks, and ext4 will not
	 * mount with blocks smaller than its device's */
	return image_ext4_write_blocks(r->st.root, img, r->epoch,
				       r->o.verity ? IMG_EXT4_BLOCK_MAX : IMG_EXT4_BLOCK_MIN, r->where,
				       sizeof(r->where));
}

/* The boot components, with the command line vouch launch boots this
 * image with unless one was given: it names the verity root when there
 * is one, so it is made after the image. */
static int boot_components(struct image_run *r)
{
	struct boot_verity v;
	int e;

	r->step = "boot components";
	for (const char *f = r->o.kernel; f; f = f == r->o.kernel ? r->o.initrd : NULL)
		if (access(f, R_OK) < 0) {
			snprintf(r->where, sizeof(r->where), "%s", f);
			return MB_E_IO;
		}
	if (r->o.kernel && !r->o.cmdline) {
		memcpy(v.root, r->m.verity_root, sizeof(v.root));
		v.offset = r->m.verity_offset;
		v.trees = r->m.trees_by_verity;
		if ((e = boot_cmdline_verity(r->cmdline, sizeof(r->cmdline), r->o.format, r->o.tpm_device,
					     r->o.vmm, r->o.channel, r->m.has_verity ? &v : NULL)) < 0)
			return e;
		r->o.cmdline = r->cmdline;
	}
	return image_manifest_boot(&r->m, r->o.kernel, r->o.initrd, r->o.cmdline);
}

/* A phase's start or end on the progress stream; bytes: path's size
 * (less minus) when path is not NULL. */
static void phase(const struct image_run *r, const char *name, const char *state, const char *path,
		  int64_t minus)
{
	struct progress_event ev = PROGRESS_EVENT("phase");
	struct stat st;

	ev.phase = name;
	ev.state = state;
	if (strcmp(name, "writing") == 0 && strcmp(state, "start") == 0)
		ev.format = r->o.format;
	if (path && stat(path, &st) == 0)
		ev.bytes = (int64_t)st.st_size - minus;
	progress_emit(&r->o.prog, &ev);
}

static int write_outputs(struct image_run *r)
{
	static const char *const names[] = { "rootfs.img", "manifest.cbor", "manifest.json" };
	char img[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
	struct stat st;
	int e;

	phase(r, "writing", "start", NULL, 0);
	if ((e = work_path(r, names[0], img)) < 0 || (e = make_image(r, img)) < 0)
		return e;
	phase(r, "writing", "done", img, 0);
	if (r->o.verity) {
		r->step = "veritysetup";
		if (stat(img, &st) < 0)
			return MB_E_IO;
		phase(r, "verity", "start", NULL, 0);
		if ((e = image_verity(img, r->work, &r->m.verity_offset, r->m.verity_root)) < 0)
			return e;
		r->m.has_verity = true;
		/* the tree digests are of this image's trees (the staging tree
		 * the writer copied, docs/measure-by-verity.md): the guest
		 * references them by the root instead of walking them */
		r->m.trees_by_verity = !r->o.walk_trees;
		phase(r, "verity", "done", img, (int64_t)st.st_size); /* the hash tree */
	}
	phase(r, "manifest", "start", NULL, 0);
	r->step = "manifest";
	if (stat(img, &st) < 0 || (e = file_sha256(img, r->m.image_digest)) < 0)
		return e < 0 ? e : MB_E_IO;
	r->m.image_size = (uint64_t)st.st_size;
	r->m.image_format = (char *)r->o.format; /* not written through */
	if ((e = boot_components(r)) < 0)
		return e;
	if (!r->o.kernel)
		fprintf(stderr, "vouch image: no kernel pinned (no kernel and initramfs found; %s):\n"
				"  vouch run needs one; give --kernel and --initrd\n", r->o.no_boot);
	r->step = "manifest";
	if ((e = work_path(r, names[1], p)) < 0 || (e = image_manifest_write_cbor(&r->m, p)) < 0 ||
	    (e = work_path(r, names[2], p)) < 0 || (e = image_manifest_write_json(&r->m, p)) < 0)
		return e;
	if ((e = work_path(r, names[1], p)) < 0)
		return e;
	phase(r, "manifest", "done", p, 0);
	for (size_t i = 0; i < 3; i++) {
		if ((e = work_path(r, names[i], p)) < 0 ||
		    (e = pathf(q, sizeof(q), "%s/%s", r->o.out, names[i])) < 0)
			return e;
		if (rename(p, q) < 0)
			return MB_E_IO;
	}
	return 0;
}

/* No tree in the image: a plain run, the root image (PCR 9) running its
 * command, with no agent to put behind a boundary. */
static int pin_plain(struct manifest *m, const struct runspec_opts *ro, struct runspec *rs, char *why,
		     size_t cap)
{
	if (ro->agent_user) {
		snprintf(why, cap, "--agent-user needs an agent tree: give --agent PATH and --harness PATH");
		return IMG_E_CONFIG;
	}
	rs->agent_path = rs->harness_path = NULL;
	rs->has_agent_user = false;
	fprintf(stderr, "vouch image: plain run pinned: no agent or harness tree; vouch run runs %.60s%s\n"
			"  in this root image\n", rs->argv[0], rs->argc > 1 ? " ..." : "");
	return runspec_opts_pin(m, rs);
}

/* The run spec vouch run runs, pinned: what `docker run IMAGE [CMD]`
 * would run (image_config.c: Entrypoint + Cmd, Env with Docker's PATH and
 * the user's HOME, WorkingDir, User resolved in the image), the trees'
 * paths and vouch launch's limits, then the options given; with neither
 * tree, a plain run. Nothing is pinned without a command or with one tree
 * alone: the image is still good, but vouch run refuses it. */
static int pin_runspec(struct image_run *r, char *why, size_t cap)
{
	const struct runspec_opts *ro = &r->o.rs;
	struct manifest *m = &r->m;
	const struct manifest_tree *a = manifest_find_tree(m, "agent");
	const struct manifest_tree *h = manifest_find_tree(m, "harness");
	static struct image_config_run buf;
	static struct runspec rs;
	char user[32];
	int e;

	runspec_opts_defaults(&rs);
	/* --uid (and --gid) name the user as docker run -u would */
	if (ro->uid && ro->gid)
		snprintf(user, sizeof(user), "%u:%u", ro->set.uid, ro->set.gid);
	else if (ro->uid)
		snprintf(user, sizeof(user), "%u", ro->set.uid);
	if ((e = image_config_run(r->img.config, r->st.root, ro->uid ? user : NULL, r->o.cmd_argc,
				  r->o.cmd_argv, &rs, &buf, why, cap)) < 0)
		return e;
	runspec_opts_apply(ro, &rs, 0, NULL);
	if ((!a) != (!h) || rs.argc == 0) {
		fprintf(stderr, "vouch image: no run spec pinned (%s): vouch run needs one\n",
			rs.argc == 0 ? "no command: give one after --, or set Entrypoint/Cmd in the image"
				     : "the agent and harness trees are not both pinned");
		return 0;
	}
	if (!a)
		return pin_plain(m, ro, &rs, why, cap);
	if (!ro->agent)
		rs.agent_path = a->path;
	if (!ro->harness)
		rs.harness_path = h->path;
	/* an image that pins an agent tree runs its agent behind the
	 * boundary, as nobody, unless told otherwise */
	if (!ro->agent_user && !ro->no_agent_boundary) {
		rs.has_agent_user = true;
		rs.agent_uid = rs.agent_gid = 65534;
	}
	if (rs.has_agent_user && rs.agent_uid == rs.uid) {
		snprintf(why, cap, "the agent would run as the harness's own user (uid %u): give\n"
				   "  --agent-user UID:GID with another uid, or --no-agent-boundary", rs.uid);
		return IMG_E_CONFIG;
	}
	return runspec_opts_pin(m, &rs);
}

static int build(struct image_run *r)
{
	int e;

	r->step = "output";
	if ((e = prepare_out(r)) < 0)
		return e;
	r->step = "source";
	{
		struct progress_event ev = PROGRESS_EVENT("phase");

		ev.phase = "reading";
		ev.state = "start";
		ev.path = r->o.src;
		progress_emit(&r->o.prog, &ev);
	}
	if ((e = oci_open(r->o.src, r->work, &r->img)) < 0) {
		snprintf(r->where, sizeof(r->where), "%s", r->img.why);
		return e;
	}
	source_read(r);
	if ((e = pick_epoch(r)) < 0)
		return e;
	if ((e = flatten(r)) < 0) {
		if (r->st.where[0])
			snprintf(r->where + strlen(r->where), sizeof(r->where) - strlen(r->where),
				 ": %s", r->st.where);
		else if (r->img.why[0])
			snprintf(r->where, sizeof(r->where), "%s", r->img.why);
		return e;
	}
	r->step = "config";
	if ((e = image_manifest_config(&r->m, r->img.config)) < 0 || (e = measure_trees(r)) < 0)
		return e;
	r->step = "run spec";
	if ((e = pin_runspec(r, r->where, sizeof(r->where))) < 0)
		return e;
	return write_outputs(r);
}

static void cleanup(struct image_run *r, int e)
{
	stage_free(&r->st);
	oci_close(&r->img);
	if (r->work[0])
		(void)dir_remove_tree(r->work); /* best effort: reported by nobody */
	if (e < 0 && r->made_out)
		(void)rmdir(r->o.out); /* this run made it: it goes too */
}

int cmd_image(int argc, char **argv)
{
	struct image_run *r = calloc(1, sizeof(*r));
	int e, err;

	if (!r)
		return EXIT_FAILED;
	r->st.root = -1;
	r->img.dirfd = -1;
	r->o.prog.who = "vouch image";
	r->o.prog.t0_ms = frame_now_ms();
	if ((e = parse_opts(argc, argv, &r->o)) != 0) {
		free(r);
		return e;
	}
	errno = 0;
	if ((e = maybe_fakeroot(argc, argv)) == 0)
		e = build(r);
	err = errno; /* what an I/O failure was, before anything else runs */
	if (e < 0)
		fprintf(stderr, "vouch image: %s%s%s: %s (%s)\n", r->step ? r->step : "start",
			r->where[0] ? ": " : "", r->where,
			e == MB_E_IO && err ? strerror(err) : mb_strerror(e), mb_errname(e));
	else
		printf("%s/rootfs.img  %s%s  %llu bytes  (%zu layer%s)\n", r->o.out, r->o.format,
		       r->m.has_verity ? " + dm-verity" : "", (unsigned long long)r->m.image_size,
		       r->img.nlayers, r->img.nlayers == 1 ? "" : "s");
	if (e == 0 && r->o.channel_why[0])
		printf("  channel pinned: %s\n", r->o.channel_why);
	cleanup(r, e);
	free(r);
	return e < 0 ? EXIT_FAILED : 0;
}
