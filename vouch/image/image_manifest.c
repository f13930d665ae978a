// SPDX-License-Identifier: MIT
/* The reference manifest of an image: manifest.cbor (schemas/manifest.cddl)
 * and manifest.json, a readable view of the same values. */
#include "image_manifest.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "image.h"
#include "oci.h"
#include "proc.h"
#include "runspec.h"
#include "tree.h"

/* A text the manifest can carry: UTF-8, no NUL, bounded. */
static int text_ok(struct json_object *v, size_t max)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);

	if (!json_object_is_type(v, json_type_string) || n > max || strlen(s) != n ||
	    !cb_utf8_valid((const uint8_t *)s, n))
		return IMG_E_CONFIG;
	return 0;
}

static int strings_add(struct json_object *arr, char **v, size_t *n, size_t max)
{
	size_t k = arr ? json_object_array_length(arr) : 0;

	if (arr && !json_object_is_type(arr, json_type_array))
		return IMG_E_CONFIG;
	if (k > max - *n)
		return IMG_E_CONFIG;
	for (size_t i = 0; i < k; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);

		if (text_ok(s, MAX_ARG_BYTES) < 0)
			return IMG_E_CONFIG;
		v[(*n)++] = (char *)json_object_get_string(s);
	}
	return 0;
}

static struct json_object *cfg_get(struct json_object *cfg, const char *key)
{
	struct json_object *c, *v;

	if (!json_object_object_get_ex(cfg, "config", &c) || !json_object_object_get_ex(c, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* Run defaults from the image config: Entrypoint + Cmd, Env, WorkingDir,
 * User. The strings stay owned by the config. */
int image_manifest_config(struct manifest *m, struct json_object *cfg)
{
	struct json_object *wd = cfg_get(cfg, "WorkingDir"), *user = cfg_get(cfg, "User");
	int e;

	if (!cfg)
		return 0;
	m->argc = m->envc = 0;
	if ((e = strings_add(cfg_get(cfg, "Entrypoint"), m->argv, &m->argc, MAX_ARGS)) < 0 ||
	    (e = strings_add(cfg_get(cfg, "Cmd"), m->argv, &m->argc, MAX_ARGS)) < 0 ||
	    (e = strings_add(cfg_get(cfg, "Env"), m->envp, &m->envc, MAX_ENV)) < 0)
		return e;
	if ((wd && text_ok(wd, MAX_ARG_BYTES) < 0) || (user && text_ok(user, MAX_ARG_BYTES) < 0))
		return IMG_E_CONFIG;
	m->cwd = wd && json_object_get_string_len(wd) ? (char *)json_object_get_string(wd) : "/";
	m->user = user ? (char *)json_object_get_string(user) : "";
	m->has_config = true;
	return 0;
}

/* The parent of path (absolute, in the image) resolved inside the staging
 * root as guest-init resolves it inside the image. */
static int open_parent(int root, const char *path, const char **ret_base)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
	char parent[MAX_PATH_BYTES + 1];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (path[0] != '/' || !slash || !slash[1] || strlen(path) > MAX_PATH_BYTES)
		return MB_E_PATH;
	n = (size_t)(slash - path);
	memcpy(parent, path, n);
	parent[n] = 0;
	fd = (int)syscall(SYS_openat2, root, n ? parent : "/", &how, sizeof(how));
	if (fd < 0)
		return IMG_E_TREE;
	*ret_base = slash + 1;
	return fd;
}

int image_manifest_tree(struct manifest *m, int root, const char *name, const char *path)
{
	struct manifest_tree *t = &m->trees[m->ntrees];
	const char *base;
	int fd, e;

	if (m->ntrees >= MAX_TREES)
		return MB_E_LIMIT;
	if ((fd = open_parent(root, path, &base)) < 0)
		return fd;
	if (faccessat(fd, base, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		e = IMG_E_TREE;
	else
		e = tree_digest(fd, base, t->digest, NULL);
	close(fd);
	if (e < 0)
		return e;
	t->name = (char *)name;
	t->path = (char *)path;
	m->ntrees++;
	return 0;
}

int image_manifest_boot(struct manifest *m, const char *kernel, const char *initrd, const char *cmdline)
{
	int e;

	if (!kernel && !initrd && !cmdline)
		return 0;
	if (!kernel || !initrd || (cmdline && strlen(cmdline) > MAX_ARG_BYTES))
		return MB_E_INVAL;
	if ((e = file_sha256(kernel, m->kernel_digest)) < 0 ||
	    (e = file_sha256(initrd, m->initramfs_digest)) < 0)
		return e;
	m->cmdline = (char *)(cmdline ? cmdline : "");
	m->has_boot = true;
	return 0;
}

int image_manifest_write_cbor(const struct manifest *m, const char *path)
{
	struct cb_wr w;
	size_t n;
	int e;

	cb_wr_init(&w, NULL, MAX_MANIFEST_BYTES);
	manifest_encode(m, &w);
	if ((e = cb_wr_finish(&w, &n)) == 0)
		e = file_write_all(path, w.p, n);
	cb_wr_free(&w);
	return e;
}

static struct json_object *hex(const uint8_t d[static SHA256_BYTES])
{
	char s[8 + 2 * SHA256_BYTES] = "sha256:";

	for (size_t i = 0; i < SHA256_BYTES; i++)
		snprintf(s + 7 + 2 * i, 3, "%02x", d[i]);
	return json_object_new_string(s);
}

static struct json_object *strv(char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* The pinned run spec, readable (manifest.cbor has its exact bytes). */
static struct json_object *runspec_view(const struct manifest *m)
{
	static struct runspec rs;
	struct json_object *o;

	if (runspec_decode(m->runspec, m->runspec_len, &rs) < 0 || !(o = json_object_new_object()))
		return NULL;
	json_object_object_add(o, "argv", strv(rs.argv, rs.argc));
	json_object_object_add(o, "env", strv(rs.envp, rs.envc));
	json_object_object_add(o, "cwd", json_object_new_string(rs.cwd));
	json_object_object_add(o, "uid", json_object_new_int64(rs.uid));
	json_object_object_add(o, "gid", json_object_new_int64(rs.gid));
	struct json_object *g = json_object_new_array();

	for (size_t i = 0; g && i < rs.ngroups; i++)
		json_object_array_add(g, json_object_new_int64(rs.groups[i]));
	json_object_object_add(o, "groups", g);
	json_object_object_add(o, "timeout_s", json_object_new_int64(rs.timeout_s));
	json_object_object_add(o, "max_output_bytes", json_object_new_int64((int64_t)rs.max_output_bytes));
	json_object_object_add(o, "max_procs", json_object_new_int64(rs.max_procs));
	/* null in a plain run, which names no tree */
	json_object_object_add(o, "agent", rs.agent_path ? json_object_new_string(rs.agent_path) : NULL);
	json_object_object_add(o, "harness", rs.harness_path ? json_object_new_string(rs.harness_path) : NULL);
	return o;
}

static struct json_object *json_view(const struct manifest *m)
{
	struct json_object *o = json_object_new_object(), *img = json_object_new_object();
	struct json_object *trees = json_object_new_array();

	json_object_object_add(o, "version", json_object_new_int(MANIFEST_VERSION));
	json_object_object_add(img, "digest", hex(m->image_digest));
	json_object_object_add(img, "size", json_object_new_int64((int64_t)m->image_size));
	json_object_object_add(img, "format", json_object_new_string(m->image_format));
	if (m->has_verity) {
		json_object_object_add(img, "verity_root", hex(m->verity_root));
		json_object_object_add(img, "verity_offset", json_object_new_int64((int64_t)m->verity_offset));
		if (m->trees_by_verity)
			json_object_object_add(img, "trees_by_verity", json_object_new_boolean(1));
	}
	json_object_object_add(o, "image", img);
	for (size_t i = 0; i < m->ntrees; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "name", json_object_new_string(m->trees[i].name));
		json_object_object_add(t, "path", json_object_new_string(m->trees[i].path));
		json_object_object_add(t, "digest", hex(m->trees[i].digest));
		json_object_array_add(trees, t);
	}
	json_object_object_add(o, "trees", trees);
	if (m->has_boot) {
		struct json_object *b = json_object_new_object();

		json_object_object_add(b, "kernel", hex(m->kernel_digest));
		json_object_object_add(b, "initramfs", hex(m->initramfs_digest));
		json_object_object_add(b, "cmdline", json_object_new_string(m->cmdline));
		json_object_object_add(o, "boot", b);
	}
	if (m->has_runspec)
		json_object_object_add(o, "runspec", runspec_view(m));
	if (m->has_config) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "argv", strv(m->argv, m->argc));
		json_object_object_add(c, "env", strv(m->envp, m->envc));
		json_object_object_add(c, "cwd", json_object_new_string(m->cwd));
		json_object_object_add(c, "user", json_object_new_string(m->user));
		json_object_object_add(o, "config", c);
	}
	return o;
}

int image_manifest_write_json(const struct manifest *m, const char *path)
{
	struct json_object *o = json_view(m);
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE)
			  : NULL;
	char *buf = s ? malloc(strlen(s) + 2) : NULL;
	int e = MB_E_NOMEM;

	if (buf) {
		size_t n = strlen(s);

		memcpy(buf, s, n);
		buf[n] = '\n';
		e = file_write_all(path, buf, n + 1);
		free(buf);
	}
	json_object_put(o);
	return e;
}
