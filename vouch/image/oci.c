// SPDX-License-Identifier: MIT
/* Image sources told apart by content, and their index, manifest and
 * config read and checked. Blobs: oci_blob.c. */
#include "oci.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image_stage.h"

#define MAX_INDEX_DEPTH 4

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	NULL,
};

const char *oci_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *json_get(struct json_object *o, const char *key, json_type t)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static int fail(struct oci_image *img, int e, const char *what)
{
	snprintf(img->why, sizeof(img->why), "%s", what);
	return e;
}

static int blob_path(const uint8_t d[static SHA256_BYTES], char out[static MAX_PATH_BYTES + 1])
{
	int o = snprintf(out, MAX_PATH_BYTES + 1, "blobs/sha256/");

	for (size_t i = 0; i < SHA256_BYTES; i++)
		o += snprintf(out + o, (size_t)(MAX_PATH_BYTES + 1 - o), "%02x", d[i]);
	return 0;
}

/* {mediaType, digest, size}: the digest must be sha256, the size given. */
static int desc_parse(struct json_object *d, uint8_t digest[static SHA256_BYTES], int64_t *size)
{
	struct json_object *sz = json_get(d, "size", json_type_int);

	if (!json_object_is_type(d, json_type_object) || !sz)
		return IMG_E_JSON;
	*size = json_object_get_int64(sz);
	if (*size < 0)
		return IMG_E_JSON;
	return oci_digest_parse(oci_json_str(d, "digest"), digest);
}

static bool host_platform(struct json_object *desc)
{
	struct json_object *p = json_get(desc, "platform", json_type_object);
	const char *os = oci_json_str(p, "os"), *arch = oci_json_str(p, "architecture");
	struct utsname u;
	const char *want = "amd64";

	if (uname(&u) == 0 && strcmp(u.machine, "aarch64") == 0)
		want = "arm64";
	return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, want) == 0;
}

/* One manifest of an index: the only one, or the only one for this host. */
static int index_pick(struct oci_image *img, struct json_object *index, struct json_object **ret)
{
	struct json_object *m = json_get(index, "manifests", json_type_array), *pick = NULL;
	size_t n = m ? json_object_array_length(m) : 0;

	if (n == 0)
		return fail(img, IMG_E_JSON, "index: no manifests");
	if (n == 1) {
		*ret = json_object_array_get_idx(m, 0);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(m, i);

		if (host_platform(d)) {
			if (pick)
				return fail(img, IMG_E_FORMAT, "index: several manifests for this host");
			pick = d;
		}
	}
	if (!pick)
		return fail(img, IMG_E_FORMAT, "index: no manifest for this host");
	*ret = pick;
	return 0;
}

static int layers_parse(struct oci_image *img, struct json_object *man)
{
	struct json_object *l = json_get(man, "layers", json_type_array);
	size_t n = l ? json_object_array_length(l) : 0;

	if (!l)
		return fail(img, IMG_E_JSON, "manifest: no layers");
	if (n > IMG_MAX_LAYERS)
		return fail(img, IMG_E_LIMIT, "manifest: too many layers");
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(l, i);
		struct oci_layer *ly = &img->layers[i];
		const char *mt = oci_json_str(d, "mediaType");
		size_t k = 0;

		while (layer_types[k] && (!mt || strcmp(layer_types[k], mt) != 0))
			k++;
		if (!layer_types[k])
			return fail(img, IMG_E_MEDIA_TYPE, mt ? mt : "layer without mediaType");
		if (desc_parse(d, ly->digest, &ly->size) < 0)
			return fail(img, IMG_E_JSON, "manifest: layer descriptor");
		ly->has_digest = true;
		blob_path(ly->digest, ly->path);
	}
	img->nlayers = n;
	return 0;
}

/* The manifest a descriptor points at; an index is followed down. */
static int manifest_load(struct oci_image *img, struct json_object *desc, int depth,
			 struct json_object **ret)
{
	char path[MAX_PATH_BYTES + 1];
	uint8_t d[SHA256_BYTES];
	int64_t size;
	struct json_object *m, *next;
	int e;

	if (depth > MAX_INDEX_DEPTH)
		return fail(img, IMG_E_LIMIT, "index nesting");
	if ((e = desc_parse(desc, d, &size)) < 0)
		return fail(img, e, "index: manifest descriptor");
	blob_path(d, path);
	if ((e = oci_json_read(img->dirfd, path, d, &m)) < 0)
		return fail(img, e, path);
	if (!json_get(m, "manifests", json_type_array)) {
		*ret = m;
		return 0;
	}
	/* next belongs to m, alive until the end */
	e = index_pick(img, m, &next);
	if (e == 0)
		e = manifest_load(img, next, depth + 1, ret);
	json_object_put(m);
	return e;
}

static int config_load(struct oci_image *img, struct json_object *man)
{
	char path[MAX_PATH_BYTES + 1];
	int64_t size;
	int e;

	if (desc_parse(json_get(man, "config", json_type_object), img->id, &size) < 0)
		return fail(img, IMG_E_JSON, "manifest: config descriptor");
	blob_path(img->id, path);
	if ((e = oci_json_read(img->dirfd, path, img->id, &img->config)) < 0)
		return fail(img, e, path);
	return 0;
}

static int layout_load(struct oci_image *img)
{
	struct json_object *lay = NULL, *index = NULL, *desc, *man = NULL;
	const char *v;
	int e;

	if ((e = oci_json_read(img->dirfd, "oci-layout", NULL, &lay)) < 0)
		return fail(img, e, "oci-layout");
	v = oci_json_str(lay, "imageLayoutVersion");
	if (!v || strncmp(v, "1.", 2) != 0) {
		e = fail(img, IMG_E_FORMAT, "oci-layout: imageLayoutVersion");
		goto out;
	}
	if ((e = oci_json_read(img->dirfd, "index.json", NULL, &index)) < 0) {
		e = fail(img, e, "index.json");
		goto out;
	}
	if ((e = index_pick(img, index, &desc)) < 0 ||
	    (e = manifest_load(img, desc, 0, &man)) < 0)
		goto out;
	if ((e = config_load(img, man)) == 0)
		e = layers_parse(img, man);
out:
	json_object_put(man);
	json_object_put(index);
	json_object_put(lay);
	return e;
}

/* "blobs/sha256/<hex>" or "<hex>.json": the digest the name promises. */
static int digest_from_name(const char *p, uint8_t out[static SHA256_BYTES])
{
	char buf[8 + 2 * SHA256_BYTES];
	const char *hex = strncmp(p, "blobs/sha256/", 13) == 0 ? p + 13 : p;
	size_t n = strlen(hex);

	if (n == 2 * SHA256_BYTES + 5 && strcmp(hex + 2 * SHA256_BYTES, ".json") == 0)
		n -= 5;
	else if (hex == p || n != 2 * SHA256_BYTES)
		return IMG_E_DIGEST;
	snprintf(buf, sizeof(buf), "sha256:%.*s", (int)n, hex);
	return oci_digest_parse(buf, out);
}

static int docker_layers(struct oci_image *img, struct json_object *entry)
{
	struct json_object *l = json_get(entry, "Layers", json_type_array);
	struct json_object *rootfs = json_get(img->config, "rootfs", json_type_object);
	struct json_object *ids = json_get(rootfs, "diff_ids", json_type_array);
	size_t n = l ? json_object_array_length(l) : 0;

	if (!l || !ids || json_object_array_length(ids) != n)
		return fail(img, IMG_E_JSON, "manifest.json: Layers and rootfs.diff_ids differ");
	if (n > IMG_MAX_LAYERS)
		return fail(img, IMG_E_LIMIT, "manifest.json: too many layers");
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(l, i);
		struct oci_layer *ly = &img->layers[i];
		const char *id = json_object_get_string(json_object_array_get_idx(ids, i));

		if (!json_object_is_type(p, json_type_string) ||
		    stage_normalize(json_object_get_string(p), ly->path) < 0)
			return fail(img, IMG_E_JSON, "manifest.json: layer path");
		/* a layer tar is its own diff_id (docker save does not compress) */
		if (digest_from_name(ly->path, ly->digest) < 0 && oci_digest_parse(id, ly->digest) < 0)
			return fail(img, IMG_E_JSON, "config: rootfs.diff_ids");
		ly->has_digest = true;
		ly->size = -1;
	}
	img->nlayers = n;
	return 0;
}

static int docker_load(struct oci_image *img)
{
	struct json_object *man = NULL, *entry;
	char cfg[MAX_PATH_BYTES + 1];
	int e;

	if ((e = oci_json_read(img->dirfd, "manifest.json", NULL, &man)) < 0)
		return fail(img, e, "manifest.json");
	if (!json_object_is_type(man, json_type_array) || json_object_array_length(man) != 1) {
		e = fail(img, IMG_E_FORMAT, "manifest.json: not exactly one image");
		goto out;
	}
	entry = json_object_array_get_idx(man, 0);
	if (!oci_json_str(entry, "Config") || stage_normalize(oci_json_str(entry, "Config"), cfg) < 0 ||
	    digest_from_name(cfg, img->id) < 0) {
		e = fail(img, IMG_E_JSON, "manifest.json: Config");
		goto out;
	}
	if ((e = oci_json_read(img->dirfd, cfg, img->id, &img->config)) < 0) {
		e = fail(img, e, cfg);
		goto out;
	}
	e = docker_layers(img, entry);
out:
	json_object_put(man);
	return e;
}

/* A tar's kind, from the names at its top. */
static int tar_kind(struct oci_image *img, enum oci_kind *ret)
{
	struct archive *a = oci_archive_new();
	struct archive_entry *ae;
	bool layout = false, index = false, docker = false;
	uint64_t n = 0;
	int r, e = 0;

	if (!a)
		return MB_E_NOMEM;
	if (archive_read_open_filename(a, img->path, IMG_COPY_CHUNK_BYTES) != ARCHIVE_OK)
		e = IMG_E_ARCHIVE;
	while (e == 0 && (r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		char rel[MAX_PATH_BYTES + 1];

		if (r < ARCHIVE_WARN || ++n > IMG_MAX_ENTRIES) {
			e = r < ARCHIVE_WARN ? IMG_E_ARCHIVE : IMG_E_LIMIT;
			break;
		}
		if (stage_normalize(archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "",
				    rel) < 0)
			continue; /* judged later, where it is used */
		layout |= strcmp(rel, "oci-layout") == 0;
		index |= strcmp(rel, "index.json") == 0;
		docker |= strcmp(rel, "manifest.json") == 0;
	}
	if (e < 0)
		snprintf(img->why, sizeof(img->why), "%s", archive_error_string(a));
	archive_read_free(a);
	if (e == 0)
		*ret = layout && index ? OCI_LAYOUT : docker ? OCI_DOCKER : OCI_ROOTFS_TAR;
	return e;
}

/* An image archive unpacked below workdir: its files as they are. */
static int tar_unpack(struct oci_image *img, const char *workdir)
{
	char dir[PATH_MAX];
	struct stage s;
	struct archive *a = oci_archive_new();
	int e;

	if (!a)
		return MB_E_NOMEM;
	if (snprintf(dir, sizeof(dir), "%s/src", workdir) >= (int)sizeof(dir)) {
		archive_read_free(a);
		return MB_E_PATH;
	}
	e = stage_init(&s, dir, 0);
	if (e == 0 && archive_read_open_filename(a, img->path, IMG_COPY_CHUNK_BYTES) != ARCHIVE_OK)
		e = IMG_E_ARCHIVE;
	if (e == 0 && (e = stage_apply(&s, a, 0)) < 0)
		snprintf(img->why, sizeof(img->why), "%s", s.where);
	stage_free(&s);
	archive_read_free(a);
	if (e == 0 && (img->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		e = MB_E_IO;
	return e;
}

static int open_source(struct oci_image *img, const char *workdir)
{
	struct stat st;
	int e;

	if (stat(img->path, &st) < 0)
		return fail(img, MB_E_IO, img->path);
	if (S_ISDIR(st.st_mode)) {
		img->dirfd = open(img->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (img->dirfd < 0)
			return fail(img, MB_E_IO, img->path);
		img->kind = faccessat(img->dirfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0
				    ? OCI_LAYOUT
			    : faccessat(img->dirfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0
				    ? OCI_DOCKER
				    : OCI_ROOTFS_DIR;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return fail(img, MB_E_FILE_TYPE, img->path);
	if ((e = tar_kind(img, &img->kind)) < 0)
		return e;
	if (img->kind != OCI_ROOTFS_TAR)
		return tar_unpack(img, workdir);
	/* the tar itself is the one layer, opened through its directory */
	{
		char *slash = strrchr(img->path, '/');

		*slash = 0;
		img->dirfd = open(*img->path ? img->path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
		snprintf(img->layers[0].path, sizeof(img->layers[0].path), "%s", slash + 1);
		img->layers[0].size = -1;
		img->nlayers = 1;
	}
	return img->dirfd < 0 ? fail(img, MB_E_IO, img->path) : 0;
}

int oci_open(const char *src, const char *workdir, struct oci_image *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->dirfd = -1;
	if (!realpath(src, ret->path))
		return fail(ret, MB_E_IO, src);
	int e = open_source(ret, workdir);

	if (e < 0)
		return e;
	switch (ret->kind) {
	case OCI_LAYOUT: return layout_load(ret);
	case OCI_DOCKER: return docker_load(ret);
	case OCI_ROOTFS_DIR: ret->nlayers = 1; return 0;
	default: return 0;
	}
}

void oci_close(struct oci_image *img)
{
	if (img->dirfd >= 0)
		close(img->dirfd);
	img->dirfd = -1;
	json_object_put(img->config);
	img->config = NULL;
}

int oci_layer_open(struct oci_image *img, size_t i, struct archive **ret_a,
		   struct oci_blob **ret_b)
{
	const struct oci_layer *ly = &img->layers[i];
	int e = oci_blob_open(img->dirfd, ly->path, ly->has_digest ? ly->digest : NULL, ly->size,
			      ret_a, ret_b);

	if (e < 0)
		snprintf(img->why, sizeof(img->why), "%s", ly->path);
	return e;
}

static int dir_entry(struct oci_image *img, struct stage *s, struct archive *a,
		     struct archive_entry_linkresolver *res, struct archive_entry *ae)
{
	struct archive_entry *sparse = NULL;
	const char *p = archive_entry_pathname(ae);
	size_t n = strlen(img->path);

	if (!p || strncmp(p, img->path, n) != 0 || (p[n] && p[n] != '/'))
		return IMG_E_PATH_ESCAPE;
	archive_entry_copy_pathname(ae, p[n] ? p + n + 1 : "");
	/* a second name of a file becomes a hard link to the first */
	archive_entry_linkify(res, &ae, &sparse);
	return ae ? stage_apply_entry(s, a, ae, 0) : 0;
}

int oci_dir_apply(struct oci_image *img, struct stage *s)
{
	struct archive *a = archive_read_disk_new();
	struct archive_entry_linkresolver *res = archive_entry_linkresolver_new();
	struct archive_entry *ae = archive_entry_new();
	int r, e = 0;

	if (!a || !res || !ae) {
		e = MB_E_NOMEM;
		goto out;
	}
	archive_entry_linkresolver_set_strategy(res, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	/* one file system: a tree given as "/" does not take /proc along */
	if (archive_read_disk_set_symlink_physical(a) != ARCHIVE_OK ||
	    archive_read_disk_set_behavior(a, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS) != ARCHIVE_OK ||
	    archive_read_disk_open(a, img->path) != ARCHIVE_OK)
		e = IMG_E_ARCHIVE;
	while (e == 0 && (r = archive_read_next_header2(a, ae)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			e = IMG_E_ARCHIVE;
			break;
		}
		if (archive_read_disk_can_descend(a))
			archive_read_disk_descend(a);
		e = dir_entry(img, s, a, res, ae);
	}
	if (e == IMG_E_ARCHIVE)
		snprintf(img->why, sizeof(img->why), "%s", archive_error_string(a));
out:
	archive_entry_free(ae);
	archive_entry_linkresolver_free(res);
	if (a)
		archive_read_free(a);
	return e;
}
