/* SPDX-License-Identifier: MIT */
/*
 * What runs, as `docker run IMAGE [CMD]` would run it: Entrypoint followed
 * by the command given (else the config's Cmd); the config's Env, with
 * Docker's default PATH first when it has none and HOME from the user's
 * passwd entry (else /) when it has none; WorkingDir (default /); User as
 * a name or number, with an optional :group, resolved in the image's own
 * /etc/passwd and /etc/group as runc resolves it. Supplementary groups are
 * not resolved: the run spec has no field for them.
 */
#ifndef VOUCH_IMAGE_CONFIG_H
#define VOUCH_IMAGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mb_limits.h"
#include "runspec.h"

struct json_object;

/* Docker's PATH for a container whose image sets none. */
#define IMAGE_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* The most of /etc/passwd or /etc/group read. */
#define IMAGE_MAX_ACCOUNTS_BYTES (4u << 20)
/* UIDs and GIDs a User may name (runc's range). */
#define IMAGE_MAX_ID 0x7fffffffu

struct image_user {
	uint32_t uid, gid;
	size_t ngroups; /* supplementary: the /etc/group entries listing the user, ascending */
	uint32_t groups[MAX_RUN_GROUPS];
	char home[MAX_ARG_BYTES + 1]; /* the passwd entry's home, else "/" */
};

/* The user a User spec ("", "name", "uid", and either with ":group" or
 * ":gid") names, looked up in the bytes of passwd and group (NULL when the
 * image has no such file), as runc does: a name must be there, a number
 * need not be (its gid is then 0 unless the spec gives one), the first
 * entry that matches wins, "" is uid 0. IMG_E_USER with why (cap bytes)
 * when a name is not there; IMG_E_CONFIG when the spec is malformed or a
 * number out of range. ret is written only on success. */
int image_user_lookup(const char *spec, const char *passwd, size_t plen, const char *group, size_t glen,
		      struct image_user *ret, char *why, size_t cap) MB_WARN_UNUSED;

/* The same, with the image's /etc/passwd and /etc/group below root (a
 * directory descriptor), resolved inside it as the guest would. */
int image_user_resolve(int root, const char *spec, struct image_user *ret, char *why,
		       size_t cap) MB_WARN_UNUSED;

/* Storage for what image_config_run() puts in a run spec. */
struct image_config_run {
	struct image_user user;
	char home_env[MAX_ARG_BYTES + 8]; /* "HOME=..." */
};

/* Sets rs's argv, env, cwd, uid and gid from cfg (NULL for a source with
 * no config: a rootfs tar or a directory) and the image below root: the
 * user is user_spec when not NULL (--uid/--gid given), else the config's
 * User; argv is Entrypoint + argv[0..argc) when argc > 0, else Entrypoint
 * + Cmd. Strings point into cfg, argv, buf or static storage. rs is left
 * as it was on failure (why says what). */
int image_config_run(struct json_object *cfg, int root, const char *user_spec, int argc, char **argv,
		     struct runspec *rs, struct image_config_run *buf, char *why, size_t cap) MB_WARN_UNUSED;

#endif
