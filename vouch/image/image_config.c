// SPDX-License-Identifier: MIT
/* What runs, as `docker run IMAGE [CMD]` would run it (image_config.h). */
#include "image_config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cb.h"
#include "image.h"

#define MAX_FIELDS 8
#define MAX_LINE 4096

/* A decimal id, digits only, no larger than IMAGE_MAX_ID. */
static bool id_parse(const char *s, size_t n, uint32_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > IMAGE_MAX_ID)
		return false;
	*ret = (uint32_t)v;
	return true;
}

struct line {
	char buf[MAX_LINE + 1];
	char *f[MAX_FIELDS];
	size_t nf;
};

/* The next line of p (colon-separated fields) at *off; false at the end.
 * Lines too long, or holding a NUL, come back with no fields. */
static bool next_line(const char *p, size_t len, size_t *off, struct line *l)
{
	const char *s, *nl;
	size_t n;

	if (!p || *off >= len)
		return false;
	s = p + *off;
	nl = memchr(s, '\n', len - *off);
	n = nl ? (size_t)(nl - s) : len - *off;
	*off += n + (nl ? 1 : 0);
	l->nf = 0;
	if (n > MAX_LINE || memchr(s, 0, n))
		return true;
	memcpy(l->buf, s, n);
	l->buf[n] = 0;
	if (n && l->buf[n - 1] == '\r')
		l->buf[--n] = 0;
	if (n == 0 || l->buf[0] == '#')
		return true;
	for (char *q = l->buf;; q++) {
		if (l->nf == MAX_FIELDS)
			break;
		l->f[l->nf++] = q;
		if (!(q = strchr(q, ':')))
			break;
		*q = 0;
	}
	return true;
}

/* passwd: name:password:uid:gid:gecos:home:shell. want_name NULL: by uid. */
static bool passwd_find(const char *p, size_t len, const char *want_name, uint32_t want_uid,
			struct image_user *u, char *ret_name, size_t cap)
{
	static struct line l;
	size_t off = 0;
	uint32_t uid, gid;

	while (next_line(p, len, &off, &l)) {
		if (l.nf < 4 || !id_parse(l.f[2], strlen(l.f[2]), &uid) || !id_parse(l.f[3], strlen(l.f[3]), &gid))
			continue;
		if (want_name ? strcmp(l.f[0], want_name) != 0 : uid != want_uid)
			continue;
		u->uid = uid;
		u->gid = gid;
		snprintf(u->home, sizeof(u->home), "%s", l.nf > 5 && l.f[5][0] ? l.f[5] : "/");
		snprintf(ret_name, cap, "%s", l.f[0]);
		return true;
	}
	return false;
}

/* group: name:password:gid:members. */
static bool group_find(const char *p, size_t len, const char *want_name, uint32_t *ret_gid)
{
	static struct line l;
	size_t off = 0;
	uint32_t gid;

	while (next_line(p, len, &off, &l)) {
		if (l.nf < 3 || !id_parse(l.f[2], strlen(l.f[2]), &gid) || strcmp(l.f[0], want_name) != 0)
			continue;
		*ret_gid = gid;
		return true;
	}
	return false;
}

/* The supplementary groups of the user named name, as runc takes them:
 * every group whose member list names it, each gid once, ascending; at
 * most MAX_RUN_GROUPS (false past that). */
static bool group_members(const char *p, size_t len, const char *name, struct image_user *u)
{
	static struct line l;
	size_t off = 0;
	uint32_t gid;

	u->ngroups = 0;
	while (next_line(p, len, &off, &l)) {
		size_t i, k;
		char *m, *save = NULL;
		bool member = false;

		if (l.nf < 4 || !id_parse(l.f[2], strlen(l.f[2]), &gid))
			continue;
		for (m = strtok_r(l.f[3], ",", &save); m && !member; m = strtok_r(NULL, ",", &save))
			member = strcmp(m, name) == 0;
		if (!member)
			continue;
		for (i = 0; i < u->ngroups && u->groups[i] < gid; i++)
			;
		if (i < u->ngroups && u->groups[i] == gid)
			continue;
		if (u->ngroups == MAX_RUN_GROUPS)
			return false;
		for (k = u->ngroups; k > i; k--)
			u->groups[k] = u->groups[k - 1];
		u->groups[i] = gid;
		u->ngroups++;
	}
	return true;
}

int image_user_lookup(const char *spec, const char *passwd, size_t plen, const char *group, size_t glen,
		      struct image_user *ret, char *why, size_t cap)
{
	char name[MAX_LINE + 1] = "";
	static struct image_user u;
	char user[MAX_LINE + 1];
	const char *colon = strchr(spec, ':'), *grp = colon ? colon + 1 : NULL;
	size_t un = colon ? (size_t)(colon - spec) : strlen(spec);
	uint32_t num = 0;
	bool numeric;

	if (un > MAX_LINE || (grp && (strchr(grp, ':') || !grp[0]))) {
		snprintf(why, cap, "User \"%.64s\" is not user[:group]", spec);
		return IMG_E_CONFIG;
	}
	memcpy(user, spec, un);
	user[un] = 0;
	numeric = id_parse(user, un, &num);
	if (!numeric && user[0] >= '0' && user[0] <= '9' && strspn(user, "0123456789") == un) {
		snprintf(why, cap, "User \"%.64s\": uid past %u", spec, IMAGE_MAX_ID);
		return IMG_E_CONFIG;
	}
	memset(&u, 0, sizeof(u));
	if (passwd_find(passwd, plen, un && !numeric ? user : NULL, un ? num : 0, &u, name, sizeof(name))) {
		/* found: its uid, primary gid, home and name (for its groups) */
	} else if (un && !numeric) {
		snprintf(why, cap, "User \"%.64s\": no user \"%.64s\" in the image's /etc/passwd%s", spec, user,
			 passwd ? "" : " (the image has none)");
		return IMG_E_USER;
	} else { /* a number with no entry (or root): gid 0, home / */
		u.uid = un ? num : 0;
		u.gid = 0;
		snprintf(u.home, sizeof(u.home), "/");
	}
	if (grp) {
		size_t gn = strlen(grp);

		if (id_parse(grp, gn, &num)) {
			u.gid = num;
		} else if (strspn(grp, "0123456789") == gn) {
			snprintf(why, cap, "User \"%.64s\": gid past %u", spec, IMAGE_MAX_ID);
			return IMG_E_CONFIG;
		} else if (!group_find(group, glen, grp, &u.gid)) {
			snprintf(why, cap, "User \"%.64s\": no group \"%.64s\" in the image's /etc/group%s", spec,
				 grp, group ? "" : " (the image has none)");
			return IMG_E_USER;
		}
	}
	if (name[0] && group && !group_members(group, glen, name, &u)) {
		snprintf(why, cap, "User \"%.64s\": in more than %u groups of the image's /etc/group", spec,
			 MAX_RUN_GROUPS);
		return IMG_E_USER;
	}
	if (!cb_utf8_valid((const uint8_t *)u.home, strlen(u.home))) {
		snprintf(why, cap, "User \"%.64s\": the home in the image's /etc/passwd is not UTF-8", spec);
		return IMG_E_CONFIG;
	}
	*ret = u;
	return 0;
}

/* path (absolute) inside root, as the guest resolves it; *ret NULL when
 * the image has no such file. */
static int read_in_root(int root, const char *path, char **ret, size_t *ret_n)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
	char *buf;
	size_t n = 0;
	int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));

	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return MB_E_IO;
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (!(buf = malloc(IMAGE_MAX_ACCOUNTS_BYTES))) {
		close(fd);
		return MB_E_NOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, IMAGE_MAX_ACCOUNTS_BYTES - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			close(fd);
			return MB_E_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == IMAGE_MAX_ACCOUNTS_BYTES) { /* past the limit: refused */
			free(buf);
			close(fd);
			return IMG_E_LIMIT;
		}
	}
	close(fd);
	*ret = buf;
	*ret_n = n;
	return 0;
}

int image_user_resolve(int root, const char *spec, struct image_user *ret, char *why, size_t cap)
{
	char *passwd = NULL, *group = NULL;
	size_t pn = 0, gn = 0;
	int e;

	if ((e = read_in_root(root, "/etc/passwd", &passwd, &pn)) < 0 ||
	    (e = read_in_root(root, "/etc/group", &group, &gn)) < 0) {
		snprintf(why, cap, "reading the image's /etc/passwd and /etc/group");
		goto out;
	}
	e = image_user_lookup(spec, passwd, pn, group, gn, ret, why, cap);
out:
	free(passwd);
	free(group);
	return e;
}

static struct json_object *cfg_get(struct json_object *cfg, const char *key)
{
	struct json_object *c, *v;

	if (!cfg || !json_object_object_get_ex(cfg, "config", &c) || !json_object_object_get_ex(c, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* A string the run spec can carry: UTF-8, no NUL, bounded. */
static const char *text(struct json_object *v)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);

	if (!json_object_is_type(v, json_type_string) || n > MAX_ARG_BYTES || strlen(s) != n ||
	    !cb_utf8_valid((const uint8_t *)s, n))
		return NULL;
	return s;
}

static int strings_add(struct json_object *arr, const char *key, char **v, size_t *n, size_t max, char *why,
		       size_t cap)
{
	size_t k = arr ? json_object_array_length(arr) : 0;

	if (arr && !json_object_is_type(arr, json_type_array)) {
		snprintf(why, cap, "the image config's %s is not a list of strings", key);
		return IMG_E_CONFIG;
	}
	if (k > max - *n) {
		snprintf(why, cap, "the image config's %s makes more than %zu entries", key, max);
		return IMG_E_CONFIG;
	}
	for (size_t i = 0; i < k; i++) {
		const char *s = text(json_object_array_get_idx(arr, i));

		if (!s) {
			snprintf(why, cap, "the image config's %s[%zu] is not UTF-8 text of at most %u bytes", key,
				 i, MAX_ARG_BYTES);
			return IMG_E_CONFIG;
		}
		v[(*n)++] = (char *)s;
	}
	return 0;
}

static bool env_has(char *const *env, size_t n, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], key, k) == 0 && env[i][k] == '=')
			return true;
	return false;
}

int image_config_run(struct json_object *cfg, int root, const char *user_spec, int argc, char **argv,
		     struct runspec *rs, struct image_config_run *buf, char *why, size_t cap)
{
	static char *av[MAX_ARGS + 1], *env[MAX_ENV + 1];
	struct json_object *wd = cfg_get(cfg, "WorkingDir"), *user = cfg_get(cfg, "User");
	const char *spec = user_spec, *cwd = "/";
	size_t ac = 0, ec = 0;
	int e;

	/* Entrypoint, then the command given or the config's Cmd */
	if ((e = strings_add(cfg_get(cfg, "Entrypoint"), "Entrypoint", av, &ac, MAX_ARGS, why, cap)) < 0)
		return e;
	if (argc > 0) {
		if ((size_t)argc > MAX_ARGS - ac) {
			snprintf(why, cap, "Entrypoint and the command make more than %u arguments", MAX_ARGS);
			return IMG_E_CONFIG;
		}
		for (int i = 0; i < argc; i++)
			av[ac++] = argv[i];
	} else if ((e = strings_add(cfg_get(cfg, "Cmd"), "Cmd", av, &ac, MAX_ARGS, why, cap)) < 0) {
		return e;
	}
	/* Docker's PATH when the config sets none, the config's Env, and
	 * HOME from the user's passwd entry when the config sets none */
	env[0] = IMAGE_DEFAULT_PATH;
	if ((e = strings_add(cfg_get(cfg, "Env"), "Env", env + 1, &ec, MAX_ENV - 1, why, cap)) < 0)
		return e;
	if (env_has(env + 1, ec, "PATH"))
		memmove(env, env + 1, ec * sizeof(env[0]));
	else
		ec++;
	if (wd) {
		const char *s = text(wd);

		if (!s) {
			snprintf(why, cap, "the image config's WorkingDir is not UTF-8 text of at most %u bytes",
				 MAX_ARG_BYTES);
			return IMG_E_CONFIG;
		}
		if (s[0] == '/')
			cwd = s;
	}
	if (!spec && user && !(spec = text(user))) {
		snprintf(why, cap, "the image config's User is not UTF-8 text of at most %u bytes", MAX_ARG_BYTES);
		return IMG_E_CONFIG;
	}
	if ((e = image_user_resolve(root, spec ? spec : "", &buf->user, why, cap)) < 0)
		return e;
	if (!env_has(env, ec, "HOME")) {
		if (strlen(buf->user.home) > MAX_ARG_BYTES - 5) {
			snprintf(why, cap, "the home of the image's user is longer than %u bytes", MAX_ARG_BYTES - 5);
			return IMG_E_CONFIG;
		}
		if (ec >= MAX_ENV) {
			snprintf(why, cap, "the image config's Env and HOME make more than %u entries", MAX_ENV);
			return IMG_E_CONFIG;
		}
		snprintf(buf->home_env, sizeof(buf->home_env), "HOME=%s", buf->user.home);
		env[ec++] = buf->home_env;
	}
	rs->argc = ac;
	memcpy(rs->argv, av, ac * sizeof(av[0]));
	rs->argv[ac] = NULL;
	rs->envc = ec;
	memcpy(rs->envp, env, ec * sizeof(env[0]));
	rs->envp[ec] = NULL;
	rs->cwd = (char *)cwd;
	rs->uid = buf->user.uid;
	rs->gid = buf->user.gid;
	rs->ngroups = buf->user.ngroups;
	memcpy(rs->groups, buf->user.groups, sizeof(rs->groups));
	return 0;
}
