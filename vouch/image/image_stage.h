/* SPDX-License-Identifier: MIT */
/*
 * The staging tree: layers are applied to a directory that nothing else
 * writes, one archive entry at a time. Every path is walked one name at a
 * time from the staging root with O_NOFOLLOW: no symlink is ever followed
 * while writing and no '..' is accepted, so nothing lands outside.
 */
#ifndef VOUCH_IMAGE_STAGE_H
#define VOUCH_IMAGE_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mb_limits.h"

struct archive;
struct archive_entry;

struct stage_dirtime {
	char *path;
	int64_t sec;
	long nsec;
};

struct stage_pathset {
	char **v;
	size_t n, cap;
	bool sorted;
};

struct stage {
	int root;          /* O_DIRECTORY fd of the staging root */
	int64_t epoch;     /* build time; later mtimes are clamped to it */
	uint64_t entries;  /* entries applied, all layers */
	uint64_t bytes;    /* file content written, all layers */
	struct stage_dirtime *dt; /* directory mtimes, set at the end */
	size_t ndt, capdt;
	struct stage_pathset layer; /* paths the current layer wrote */
	uint8_t *buf;
	char where[MAX_PATH_BYTES + 1]; /* the entry that failed */
};

/* Layer kinds: an image layer applies whiteouts; a plain tree does not. */
enum { STAGE_WHITEOUTS = 1 };

int stage_init(struct stage *s, const char *root_path, int64_t epoch);
void stage_free(struct stage *s);
/* Applies every entry of a (read-opened) archive. */
int stage_apply(struct stage *s, struct archive *a, unsigned flags);
/* One entry (the loop of stage_apply, for readers of other kinds). */
int stage_apply_entry(struct stage *s, struct archive *a, struct archive_entry *ae,
		      unsigned flags);
/* Sets directory mtimes (after the last layer). */
int stage_finish(struct stage *s);

/* Path handling shared with the source reader. */
/* "./a//b/" -> "a/b"; '' for the root. Refuses '..' and long names. */
int stage_normalize(const char *in, char out[static MAX_PATH_BYTES + 1]);
/* Opens the directory rel (normalized) below root, one name at a time,
 * never through a symlink; creates missing ones when s is not NULL. */
int stage_open_dir(struct stage *s, int root, const char *rel, bool create, int *ret_fd);
/* rm -r of name in dirfd, never following a symlink. */
int stage_remove(int dirfd, const char *name, unsigned depth);

/* Sets the current layer's path set empty. */
void stage_layer_reset(struct stage *s);
int stage_layer_add(struct stage *s, const char *rel);
/* Removes what lower layers left in dirfd (rel): opaque directory. */
int stage_opaque(struct stage *s, int dirfd, const char *rel, unsigned depth);
int stage_dirtime_add(struct stage *s, const char *rel, int64_t sec, long nsec);

#endif
