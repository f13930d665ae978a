// SPDX-License-Identifier: MIT
/* vouch run SRC: the source's image, from the cache or built into it
 * (run_source.h). */
#include "run_source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit.h"
#include "judge.h"
#include "mb_limits.h"
#include "proc.h"
#include "sha256.h"

#define BUILD_PREFIX ".build-" /* + mkdtemp's six characters */
#define KEY_TAG "vouch image cache v1"

bool run_source_is_image(const char *path)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct stat st;

	return pathf(a, sizeof(a), "%s/rootfs.img", path) == 0 &&
	       pathf(b, sizeof(b), "%s/manifest.cbor", path) == 0 && stat(a, &st) == 0 &&
	       S_ISREG(st.st_mode) && stat(b, &st) == 0 && S_ISREG(st.st_mode);
}

int run_source_cache_dir(char *buf, size_t cap)
{
	char root[PATH_MAX];

	hv_default_cache(root, sizeof(root));
	return pathf(buf, cap, "%s/images", root);
}

static int hash_str(struct sha256 *h, const char *s)
{
	return sha256_update(h, s, strlen(s) + 1); /* with its NUL: no two lists hash alike */
}

static int hash_file(struct sha256 *h, const char *path)
{
	uint8_t d[32];
	int e;

	if ((e = file_sha256(path, d)) < 0)
		return e;
	return sha256_update(h, d, sizeof(d));
}

/* The source's own digest: a file's bytes; a layout's index.json and a
 * docker directory's manifest.json, which name every blob by its digest
 * (vouch image checks each blob against it). A plain directory tree has
 * no such name: MB_E_FILE_TYPE. */
static int hash_source(struct sha256 *h, const char *src)
{
	char p[PATH_MAX];
	struct stat st;
	int e;

	if (stat(src, &st) < 0)
		return MB_E_IO;
	if (S_ISREG(st.st_mode))
		return (e = hash_str(h, "file")) < 0 ? e : hash_file(h, src);
	if (!S_ISDIR(st.st_mode))
		return MB_E_FILE_TYPE;
	if (pathf(p, sizeof(p), "%s/oci-layout", src) == 0 && lstat(p, &st) == 0) {
		if ((e = hash_str(h, "oci-layout")) < 0 || (e = hash_file(h, p)) < 0 ||
		    (e = pathf(p, sizeof(p), "%s/index.json", src)) < 0)
			return e;
		return hash_file(h, p);
	}
	if (pathf(p, sizeof(p), "%s/manifest.json", src) == 0 && lstat(p, &st) == 0)
		return (e = hash_str(h, "docker")) < 0 ? e : hash_file(h, p);
	return MB_E_FILE_TYPE;
}

/* The cache key of s, as 64 hex digits. */
static int source_key(const struct run_source *s, char hex[static 65])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct sha256 h;
	uint8_t d[32];
	int e;

	if ((e = sha256_init(&h)) < 0)
		return e;
	if ((e = hash_str(&h, KEY_TAG)) < 0 || (e = hash_file(&h, "/proc/self/exe")) < 0 ||
	    (e = hash_source(&h, s->src)) < 0 || (e = hash_file(&h, s->kernel)) < 0 ||
	    (e = hash_file(&h, s->initrd)) < 0 || (e = hash_str(&h, sde ? sde : "")) < 0)
		goto out;
	for (size_t i = 0; i < s->nopts; i++)
		if ((e = hash_str(&h, s->opts[i].name)) < 0 ||
		    (e = hash_str(&h, s->opts[i].arg ? s->opts[i].arg : "")) < 0)
			goto out;
	if ((e = hash_str(&h, "--")) < 0)
		goto out;
	for (int i = 0; i < s->cmd_argc; i++)
		if ((e = hash_str(&h, s->cmd_argv[i])) < 0)
			goto out;
	if ((e = sha256_final(&h, d)) < 0)
		goto out;
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
out:
	sha256_abort(&h);
	return e;
}

/* mkdir -p of the cache's images folder (the user's own). */
static int make_dirs(const char *path)
{
	char p[PATH_MAX];

	if (pathf(p, sizeof(p), "%s", path) < 0)
		return MB_E_PATH;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return MB_E_IO;
		*c = '/';
	}
	return mkdir(p, 0700) < 0 && errno != EEXIST ? MB_E_IO : 0;
}

/* vouch image SRC -o out [options] [-- CMD...], its stdout (the summary
 * line) dropped and its stderr (errors, progress) the user's; it dies
 * with this process. Its wait status, or -1 when it could not run. */
static int run_image(const struct run_source *s, const char *out)
{
	static char *argv[2 * RUN_SOURCE_MAX_OPTS + MAX_ARGS + 16];
	static char names[RUN_SOURCE_MAX_OPTS][40];
	size_t n = 0;
	int status;
	pid_t pid;

	argv[n++] = "vouch";
	argv[n++] = "image";
	argv[n++] = (char *)s->src;
	argv[n++] = "-o";
	argv[n++] = (char *)out;
	argv[n++] = "--kernel";
	argv[n++] = (char *)s->kernel;
	argv[n++] = "--initrd";
	argv[n++] = (char *)s->initrd;
	argv[n++] = "--progress";
	argv[n++] = s->prog.mode == PROGRESS_JSON ? "json" : "text";
	for (size_t i = 0; i < s->nopts; i++) {
		snprintf(names[i], sizeof(names[i]), "--%s", s->opts[i].name);
		argv[n++] = names[i];
		if (s->opts[i].arg)
			argv[n++] = (char *)s->opts[i].arg;
	}
	argv[n++] = "--";
	for (int i = 0; i < s->cmd_argc; i++)
		argv[n++] = s->cmd_argv[i];
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || null < 0 || dup2(null, 1) < 0)
			_exit(127);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) /* interrupted by a signal we handle: wait on */
			return -1;
	return status;
}

static void cache_event(const struct run_source *s, const char *state, const char *path,
			const char *key)
{
	struct progress_event ev = PROGRESS_EVENT("cache");

	ev.state = state;
	ev.path = path;
	ev.key = key;
	progress_emit(&s->prog, &ev);
}

/* The image built in BUILD_PREFIX dir below cache, then renamed to
 * final. 0, or the exit status after saying why. */
static int build(const struct run_source *s, const char *who, const char *cache, const char *final,
		 const char *key)
{
	struct progress_event ev = PROGRESS_EVENT("built");
	char tmp[PATH_MAX], owner[PATH_MAX], img[PATH_MAX];
	struct stat st;
	unsigned swept;
	int rc;

	(void)run_dirs_sweep(cache, BUILD_PREFIX, &swept); /* builds whose vouch is gone */
	if (pathf(tmp, sizeof(tmp), "%s/" BUILD_PREFIX "XXXXXX", cache) < 0 || !mkdtemp(tmp) ||
	    run_dir_claim(tmp) < 0 || pathf(owner, sizeof(owner), "%s/" RUN_OWNER_FILE, tmp) < 0) {
		fprintf(stderr, "%s: cannot make a build folder in %s: %s\n", who, cache, strerror(errno));
		return EXIT_INTERNAL;
	}
	cache_event(s, "miss", final, key);
	if ((rc = run_image(s, tmp)) != 0) {
		if (rc < 0)
			fprintf(stderr, "%s: cannot start vouch image: %s\n", who, strerror(errno));
		else if (WIFSIGNALED(rc))
			fprintf(stderr, "%s: vouch image was killed (signal %d) building %s\n", who,
				WTERMSIG(rc), s->src);
		else
			fprintf(stderr, "%s: vouch image could not build %s\n", who, s->src);
		(void)dir_remove_tree(tmp);
		return EXIT_USAGE;
	}
	/* the owner file goes first: a folder without one is never swept */
	(void)unlink(owner);
	if (rename(tmp, final) < 0) {
		int err = errno;

		(void)dir_remove_tree(tmp);
		/* another run put the same image there first: its is as good */
		if ((err != EEXIST && err != ENOTEMPTY) || !run_source_is_image(final)) {
			fprintf(stderr, "%s: cannot put the image in %s: %s\n", who, final, strerror(err));
			return EXIT_INTERNAL;
		}
	}
	ev.path = final;
	ev.key = key;
	if (pathf(img, sizeof(img), "%s/rootfs.img", final) == 0 && stat(img, &st) == 0)
		ev.bytes = (int64_t)st.st_size;
	progress_emit(&s->prog, &ev);
	return 0;
}

int run_source_image(const struct run_source *s, const char *who, char *ret, size_t cap)
{
	char cache[PATH_MAX], key[65], final[PATH_MAX];
	int e;

	errno = 0;
	if ((e = source_key(s, key)) < 0) {
		if (e == MB_E_FILE_TYPE)
			fprintf(stderr, "%s: %s is neither an image made by vouch image nor an OCI layout,\n"
					"  a docker save archive or a rootfs tar: for a directory tree, make its\n"
					"  image with vouch image and run it with --image\n", who, s->src);
		else
			fprintf(stderr, "%s: cannot read %s: %s\n", who, s->src,
				errno ? strerror(errno) : mb_strerror(e));
		return EXIT_USAGE;
	}
	if (run_source_cache_dir(cache, sizeof(cache)) < 0 ||
	    pathf(final, sizeof(final), "%s/%s", cache, key) < 0 || make_dirs(cache) < 0) {
		fprintf(stderr, "%s: cannot make the image cache %s: %s\n", who, cache, strerror(errno));
		return EXIT_INTERNAL;
	}
	if (run_source_is_image(final))
		cache_event(s, "reused", final, key);
	else if ((e = build(s, who, cache, final, key)) != 0)
		return e;
	if (pathf(ret, cap, "%s", final) < 0)
		return EXIT_INTERNAL;
	return 0;
}
