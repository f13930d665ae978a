/* SPDX-License-Identifier: MIT */
/*
 * Image sources: an OCI image layout (directory or tar), a `docker save`
 * archive (directory or tar), a plain rootfs tar, or a directory. The kind
 * is told by content. Every blob is checked against its SHA-256 before it
 * is used and again while it streams into the extractor.
 */
#ifndef VOUCH_OCI_H
#define VOUCH_OCI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"
#include "mb_limits.h"

struct archive;
struct json_object;

enum oci_kind {
	OCI_LAYOUT = 1,  /* oci-layout, index.json, blobs/sha256/ */
	OCI_DOCKER,      /* manifest.json + layer tars */
	OCI_ROOTFS_TAR,  /* one tar (any compression): the tree itself */
	OCI_ROOTFS_DIR,  /* a directory: the tree itself */
};

struct oci_layer {
	char path[MAX_PATH_BYTES + 1]; /* below the source directory */
	uint8_t digest[SHA256_BYTES];
	bool has_digest;
	int64_t size; /* -1: not given */
};

struct oci_image {
	enum oci_kind kind;
	int dirfd;            /* layout or docker directory; -1 for rootfs kinds */
	char path[PATH_MAX];  /* the source as given */
	size_t nlayers;
	struct oci_layer layers[IMG_MAX_LAYERS];
	struct json_object *config; /* image config; NULL when there is none */
	uint8_t id[SHA256_BYTES];   /* config digest (the image id) when known */
	char why[MAX_PATH_BYTES + 64]; /* the file or field that failed */
};

/* A verified blob streaming into libarchive. */
struct oci_blob;

/* Tells the kind and reads index, manifest and config; a layout or docker
 * archive given as a tar is unpacked below workdir first. */
int oci_open(const char *src, const char *workdir, struct oci_image *ret) MB_WARN_UNUSED;
void oci_close(struct oci_image *img);
/* Layer i as an archive reader; oci_layer_close checks the blob's digest
 * once more over every byte read. */
int oci_layer_open(struct oci_image *img, size_t i, struct archive **ret_a,
		   struct oci_blob **ret_b) MB_WARN_UNUSED;
int oci_layer_close(struct archive *a, struct oci_blob *b) MB_WARN_UNUSED;
/* OCI_ROOTFS_DIR: the directory walked (never through a symlink) onto s. */
struct stage;
int oci_dir_apply(struct oci_image *img, struct stage *s) MB_WARN_UNUSED;

/* Below: oci_blob.c, for oci.c. */
/* Opens rel below dirfd, every step resolved inside dirfd; a regular file. */
int oci_open_in(int dirfd, const char *rel, int *ret_fd) MB_WARN_UNUSED;
/* Reads and parses a JSON file of at most IMG_MAX_JSON_BYTES; checks its
 * SHA-256 when want is not NULL. */
int oci_json_read(int dirfd, const char *rel, const uint8_t *want,
		  struct json_object **ret) MB_WARN_UNUSED;
/* A new reader: tar formats, every compression libarchive knows. */
struct archive *oci_archive_new(void);
/* Blob rel below dirfd checked against want (when not NULL) and size
 * (when >= 0), then opened for streaming. */
int oci_blob_open(int dirfd, const char *rel, const uint8_t *want, int64_t size,
		  struct archive **ret_a, struct oci_blob **ret_b) MB_WARN_UNUSED;
/* "sha256:<64 lowercase hex>" */
int oci_digest_parse(const char *s, uint8_t out[static SHA256_BYTES]) MB_WARN_UNUSED;

/* Helpers for the config (NULL or "" when absent or not a string). */
const char *oci_json_str(struct json_object *o, const char *key);

#endif
