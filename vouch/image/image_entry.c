// SPDX-License-Identifier: MIT
/*
 * One archive entry onto the staging tree, per the OCI image spec's
 * changeset rules: whiteouts and opaque directories, an existing entry
 * replaced (a directory kept and re-described when the new entry is one
 * too), hard links within the tree, and all metadata: owner, mode with
 * setuid/setgid/sticky, xattrs, mtime (clamped to the build time).
 */
#include "image_stage.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "image.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."

struct ent {
	struct archive_entry *e;
	char rel[MAX_PATH_BYTES + 1];
	const char *name; /* last part of rel */
	int pfd;          /* parent directory */
	mode_t type;
};

static int split_parent(struct ent *en, char parent[static MAX_PATH_BYTES + 1])
{
	char *slash = strrchr(en->rel, '/');

	if (!slash) {
		parent[0] = 0;
		en->name = en->rel;
		return 0;
	}
	memcpy(parent, en->rel, (size_t)(slash - en->rel));
	parent[slash - en->rel] = 0;
	en->name = slash + 1;
	return 0;
}

static int set_xattrs(struct ent *en, int fd)
{
	const char *name;
	const void *val;
	size_t size, n = 0;
	char proc[64 + MAX_NAME_BYTES];

	if (fd < 0 && snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", en->pfd, en->name) >=
			      (int)sizeof(proc))
		return IMG_E_NAME;
	archive_entry_xattr_reset(en->e);
	while (archive_entry_xattr_next(en->e, &name, &val, &size) == ARCHIVE_OK) {
		int r;

		if (++n > IMG_MAX_XATTRS || size > IMG_MAX_XATTR_VALUE_BYTES)
			return IMG_E_LIMIT;
		/* symlinks, devices: by path, never following the last name */
		r = fd >= 0 ? fsetxattr(fd, name, val, size, 0) : lsetxattr(proc, name, val, size, 0);
		if (r < 0)
			return IMG_E_XATTR;
	}
	return 0;
}

static void clamp_time(const struct stage *s, struct archive_entry *e, struct timespec ts[2])
{
	int64_t sec = archive_entry_mtime_is_set(e) ? archive_entry_mtime(e) : s->epoch;
	long nsec = archive_entry_mtime_is_set(e) ? archive_entry_mtime_nsec(e) : 0;

	if (sec > s->epoch || sec < 0) {
		sec = s->epoch;
		nsec = 0;
	}
	ts[0].tv_sec = ts[1].tv_sec = (time_t)sec;
	ts[0].tv_nsec = ts[1].tv_nsec = nsec;
}

static int check_ids(struct archive_entry *e, uid_t *uid, gid_t *gid)
{
	int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);

	if (u < 0 || g < 0 || u >= (int64_t)UINT32_MAX || g >= (int64_t)UINT32_MAX)
		return IMG_E_CONFIG;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

/* Owner before mode (chown clears setuid), xattrs after chown (it drops
 * security.capability), time last. fd < 0: by name in pfd. */
static int set_meta(struct stage *s, struct ent *en, int fd)
{
	mode_t mode = archive_entry_perm(en->e) & 07777;
	struct timespec ts[2];
	uid_t uid;
	gid_t gid;
	int e;

	if ((e = check_ids(en->e, &uid, &gid)) < 0)
		return e;
	if ((fd >= 0 ? fchown(fd, uid, gid) : fchownat(en->pfd, en->name, uid, gid,
						       AT_SYMLINK_NOFOLLOW)) < 0)
		return IMG_E_PRIV;
	if (en->type != AE_IFLNK &&
	    (fd >= 0 ? fchmod(fd, mode) : fchmodat(en->pfd, en->name, mode, 0)) < 0)
		return MB_E_IO;
	if ((e = set_xattrs(en, fd)) < 0)
		return e;
	clamp_time(s, en->e, ts);
	if (en->type == AE_IFDIR)
		return stage_dirtime_add(s, en->rel, ts[1].tv_sec, ts[1].tv_nsec);
	if ((fd >= 0 ? futimens(fd, ts) : utimensat(en->pfd, en->name, ts, AT_SYMLINK_NOFOLLOW)) < 0)
		return MB_E_IO;
	return 0;
}

static int write_data(struct archive *a, int fd, int64_t size)
{
	for (;;) {
		const void *buf;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &n, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return IMG_E_ARCHIVE;
		if (off < 0 || (uint64_t)off > (uint64_t)size || n > (uint64_t)size - (uint64_t)off)
			return IMG_E_ENTRY_SIZE;
		for (size_t done = 0; done < n;) {
			ssize_t w = pwrite(fd, (const char *)buf + done, n - done, off + (off_t)done);

			if (w < 0 && errno == EINTR) /* interrupted: write again */
				continue;
			if (w <= 0)
				return MB_E_IO;
			done += (size_t)w;
		}
	}
	return ftruncate(fd, size) < 0 ? MB_E_IO : 0; /* sparse tails */
}

static int make_file(struct stage *s, struct archive *a, struct ent *en)
{
	int64_t size = archive_entry_size(en->e);
	int fd, e;

	if (size < 0 || (uint64_t)size > IMG_MAX_FILE_BYTES ||
	    (uint64_t)size > IMG_MAX_TOTAL_BYTES - s->bytes)
		return IMG_E_ENTRY_SIZE;
	s->bytes += (uint64_t)size;
	fd = openat(en->pfd, en->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return MB_E_IO;
	if ((e = write_data(a, fd, size)) == 0)
		e = set_meta(s, en, fd);
	close(fd);
	return e;
}

static int make_dir(struct stage *s, struct ent *en, bool exists)
{
	int fd, e;

	if (!exists && mkdirat(en->pfd, en->name, 0700) < 0)
		return MB_E_IO;
	fd = openat(en->pfd, en->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	/* a re-described directory keeps its entries, not its xattrs */
	if (exists) {
		char names[4096];
		ssize_t n = flistxattr(fd, names, sizeof(names));

		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
			(void)fremovexattr(fd, names + i); /* best effort: ENODATA is fine */
	}
	e = set_meta(s, en, fd);
	close(fd);
	return e;
}

static int make_node(struct stage *s, struct ent *en)
{
	const char *target;
	int e;

	switch (en->type) {
	case AE_IFLNK:
		target = archive_entry_symlink(en->e);
		if (!target || strlen(target) >= MAX_PATH_BYTES)
			return IMG_E_NAME;
		e = symlinkat(target, en->pfd, en->name);
		break;
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		e = mknodat(en->pfd, en->name, en->type | 0600,
			    makedev(archive_entry_rdevmajor(en->e), archive_entry_rdevminor(en->e)));
		if (e < 0 && errno == EPERM)
			return IMG_E_PRIV;
		break;
	default:
		return IMG_E_ENTRY_TYPE;
	}
	if (e < 0)
		return MB_E_IO;
	return set_meta(s, en, -1);
}

/* A hard link names a file already in the tree, by its path from the root;
 * the new name shares its inode and metadata. */
static int make_link(struct stage *s, struct ent *en, const char *target)
{
	char rel[MAX_PATH_BYTES + 1], parent[MAX_PATH_BYTES + 1];
	struct ent t = { 0 };
	struct stat st;
	int e;

	if ((e = stage_normalize(target, rel)) < 0)
		return e == IMG_E_PATH_ESCAPE ? IMG_E_LINK_ESCAPE : e;
	if (!rel[0])
		return IMG_E_LINK_TARGET;
	memcpy(t.rel, rel, sizeof(rel));
	split_parent(&t, parent);
	if ((e = stage_open_dir(NULL, s->root, parent, false, &t.pfd)) < 0)
		return e == MB_E_FILE_TYPE ? IMG_E_LINK_TARGET : e;
	if (fstatat(t.pfd, t.name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
		e = IMG_E_LINK_TARGET;
	else if (linkat(t.pfd, t.name, en->pfd, en->name, 0) < 0) /* 0: the link itself */
		e = MB_E_IO;
	close(t.pfd);
	return e;
}

static int make_entry(struct stage *s, struct archive *a, struct ent *en)
{
	const char *hl = archive_entry_hardlink(en->e);
	struct stat old;
	bool exists = fstatat(en->pfd, en->name, &old, AT_SYMLINK_NOFOLLOW) == 0;
	bool keep = exists && !hl && en->type == AE_IFDIR && S_ISDIR(old.st_mode);
	int e;

	if (exists && !keep && (e = stage_remove(en->pfd, en->name, 0)) < 0)
		return e;
	if (hl)
		return make_link(s, en, hl);
	switch (en->type) {
	case AE_IFREG: return make_file(s, a, en);
	case AE_IFDIR: return make_dir(s, en, keep);
	default: return make_node(s, en);
	}
}

static int whiteout(struct stage *s, struct ent *en, const char *parent)
{
	const char *victim = en->name + strlen(WH_PREFIX);
	int e;

	if (strcmp(en->name, WH_OPAQUE) == 0) {
		if ((e = stage_open_dir(s, s->root, parent, true, &en->pfd)) < 0)
			return e;
		if ((e = stage_opaque(s, en->pfd, parent, 0)) < 0)
			return e;
		return parent[0] ? stage_layer_add(s, parent) : 0;
	}
	if (strncmp(en->name, WH_META, strlen(WH_META)) == 0)
		return 0; /* aufs bookkeeping (.wh..wh.plnk ...): not content */
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return IMG_E_WHITEOUT;
	e = stage_open_dir(NULL, s->root, parent, false, &en->pfd);
	if (e == MB_E_FILE_TYPE)
		return 0; /* parent gone: so is the victim */
	if (e < 0)
		return e;
	return stage_remove(en->pfd, victim, 0);
}

static int apply_root(struct stage *s, struct ent *en)
{
	int fd, e;

	if (en->type != AE_IFDIR || archive_entry_hardlink(en->e))
		return IMG_E_ENTRY_TYPE;
	fd = openat(s->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	e = set_meta(s, en, fd);
	close(fd);
	return e;
}

static int apply_one(struct stage *s, struct archive *a, struct ent *en, unsigned flags)
{
	char parent[MAX_PATH_BYTES + 1];
	int e;

	if (++s->entries > IMG_MAX_ENTRIES)
		return IMG_E_LIMIT;
	if ((e = stage_normalize(archive_entry_pathname(en->e) ? archive_entry_pathname(en->e)
							     : "", en->rel)) < 0)
		return e;
	en->type = archive_entry_filetype(en->e);
	if (!en->rel[0])
		return apply_root(s, en);
	split_parent(en, parent);
	if ((flags & STAGE_WHITEOUTS) && strncmp(en->name, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return whiteout(s, en, parent);
	if ((e = stage_open_dir(s, s->root, parent, true, &en->pfd)) < 0)
		return e;
	if ((e = make_entry(s, a, en)) < 0)
		return e;
	return stage_layer_add(s, en->rel);
}

int stage_apply_entry(struct stage *s, struct archive *a, struct archive_entry *ae,
		      unsigned flags)
{
	struct ent en = { .e = ae, .pfd = -1 };
	int e = apply_one(s, a, &en, flags);

	if (en.pfd >= 0)
		close(en.pfd);
	if (e < 0)
		snprintf(s->where, sizeof(s->where), "%s", archive_entry_pathname(ae));
	return e;
}

int stage_apply(struct stage *s, struct archive *a, unsigned flags)
{
	struct archive_entry *ae;
	int r, e;

	stage_layer_reset(s);
	while ((r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			snprintf(s->where, sizeof(s->where), "%s", archive_error_string(a));
			return IMG_E_ARCHIVE;
		}
		if ((e = stage_apply_entry(s, a, ae, flags)) < 0)
			return e;
	}
	return 0;
}
