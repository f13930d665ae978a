// SPDX-License-Identifier: MIT
/*
 * What guest-init measures before anything it did not bring runs: the run
 * spec (PCR 11), then the agent and harness trees in the read-only image
 * (PCR 12). Paths resolve inside the image, whatever its symlinks say.
 * With vouch.trees=verity the trees are not walked but referenced by the
 * verity root the image is read through (docs/measure-by-verity.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "gi.h"
#include "pcr.h"
#include "sha256.h"
#include "tree.h"
#include "verity.h"

int gi_measure_runspec(void)
{
	uint8_t d[32];
	int e = sha256_buf(G.runspec_bytes, G.runspec_len, d);

	if (e < 0)
		return e;
	return gi_tpm_extend(PCR_RUNSPEC, EV_EVENT_TAG, d, "vouch.runspec");
}

/* The parent of path, opened with every step resolved inside /ro. */
static int open_parent_in_image(const char *path, const char **ret_base)
{
	char parent[MAX_PATH_BYTES + 1];
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	const char *slash = strrchr(path, '/');
	size_t n;
	int root, fd;

	if (!slash || slash[1] == 0 || strlen(path) > MAX_PATH_BYTES)
		return MB_E_PATH;
	n = (size_t)(slash - path);
	memcpy(parent, path, n);
	parent[n] = 0;
	root = open("/ro", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return MB_E_IO;
	fd = (int)syscall(SYS_openat2, root, n ? parent : "/", &how, sizeof(how));
	close(root);
	if (fd < 0)
		return MB_E_IO;
	*ret_base = slash + 1;
	return fd;
}

static int measure_tree(const char *path, const char *tag)
{
	const char *base;
	uint8_t d[32];
	struct tree_stats st;
	int fd = open_parent_in_image(path, &base), e;

	if (fd < 0)
		return fd;
	e = tree_digest(fd, base, d, &st);
	close(fd);
	if (e < 0)
		return e;
	gi_console("%s %s: %llu entries, %llu bytes", tag, path, (unsigned long long)st.entries,
		   (unsigned long long)st.content_bytes);
	return gi_tpm_extend(PCR_TREES, EV_EVENT_TAG, d, tag);
}

/* The tree at path, by reference: it must resolve inside the image as the
 * walk would find it, and its event is SHA-256("vouch.tree-by-verity" ||
 * R || path), R the root hash the live verity target checks every read
 * against. */
static int reference_tree(const uint8_t root[SHA256_BYTES], const char *path, const char *tag)
{
	const char *base;
	struct stat st;
	uint8_t d[32];
	int fd = open_parent_in_image(path, &base), e;

	if (fd < 0)
		return fd;
	e = fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ? MB_E_IO : 0;
	close(fd);
	if (e < 0 || (e = verity_tree_ref(root, path, d)) < 0)
		return e;
	gi_console("%s %s: by verity root %.64s", tag, path, strchr(G.cfg.verity, ':') + 1);
	return gi_tpm_extend(PCR_TREES, EV_EVENT_TAG, d, tag);
}

int gi_measure_trees(void)
{
	uint8_t root[SHA256_BYTES];
	uint64_t blocks;
	int e;

	if (!runspec_has_trees(G.rs)) {
		/* the root image (PCR 9) is what runs: nothing else to measure */
		gi_console("plain run: no agent or harness tree");
		return 0;
	}
	if (!G.cfg.trees_by_verity) {
		if ((e = measure_tree(G.rs->agent_path, "vouch.agent-tree")) < 0)
			return e;
		return measure_tree(G.rs->harness_path, "vouch.harness-tree");
	}
	/* only through a live verity target that has refused nothing yet */
	if ((e = verity_spec_parse(G.cfg.verity, strlen(G.cfg.verity), &blocks, root)) < 0)
		return e;
	if ((e = gi_verity_corrupted()) != 0)
		return e < 0 ? MB_E_IO : MB_E_CHANGED;
	if ((e = reference_tree(root, G.rs->agent_path, "vouch.agent-tree.verity")) < 0)
		return e;
	return reference_tree(root, G.rs->harness_path, "vouch.harness-tree.verity");
}

/* With a TPM device the launcher cannot reach the TPM before the guest
 * does (the VMM owns it), so it hands its platform events over in the
 * hello and guest-init, trusted and first to run, extends them before
 * anything else. They stay in the platform log, not the guest's. */
int gi_measure_platform(const uint8_t *p, size_t n)
{
	static struct evlog platform;
	int e = evlog_decode(p, n, &platform);

	if (e < 0)
		return e;
	for (size_t i = 0; i < platform.n; i++) {
		const struct evlog_event *ev = &platform.ev[i];

		if (ev->pcr != PCR_BOOT && ev->pcr != PCR_ROOT)
			return MB_E_PCR;
		if ((e = gi_tpm_extend_raw(ev->pcr, ev->digest)) < 0)
			return e;
	}
	return 0;
}
