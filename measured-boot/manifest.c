// SPDX-License-Identifier: MIT
#include "manifest.h"
#include "runspec.h"

#include <stdlib.h>
#include <string.h>

/* The manifest's map keys (manifest.cddl), and those of its parts. */
enum { M_VERSION = 0, M_IMAGE = 1, M_TREES = 2, M_BOOT = 3, M_CONFIG = 4, M_RUNSPEC = 5, M_KEYS_ };
enum { IMG_DIGEST = 0, IMG_SIZE, IMG_FORMAT, IMG_VERITY_ROOT, IMG_VERITY_OFFSET, IMG_TREES_BY_VERITY, IMG_KEYS_ };
enum { TREE_NAME = 0, TREE_PATH, TREE_DIGEST, TREE_KEYS_ };
enum { BOOT_KERNEL = 0, BOOT_INITRAMFS, BOOT_CMDLINE, BOOT_KEYS_ };
enum { CFG_ARGV = 0, CFG_ENV, CFG_CWD, CFG_USER, CFG_KEYS_ };

#define M_REQUIRED (CB_KEY(M_VERSION) | CB_KEY(M_IMAGE) | CB_KEY(M_TREES))
#define IMG_REQUIRED (CB_KEY(IMG_DIGEST) | CB_KEY(IMG_SIZE) | CB_KEY(IMG_FORMAT))
#define IMG_VERITY (CB_KEY(IMG_VERITY_ROOT) | CB_KEY(IMG_VERITY_OFFSET)) /* both or neither */

static void encode_image(const struct manifest *m, struct cb_wr *w)
{
	cb_put_map(w, !m->has_verity ? IMG_VERITY_ROOT /* the keys before it */
		   : m->trees_by_verity ? IMG_KEYS_ : IMG_TREES_BY_VERITY);
	cb_put_uint(w, IMG_DIGEST);
	cb_put_bstr(w, m->image_digest, SHA256_BYTES);
	cb_put_uint(w, IMG_SIZE);
	cb_put_uint(w, m->image_size);
	cb_put_uint(w, IMG_FORMAT);
	cb_put_cstr(w, m->image_format);
	if (m->has_verity) {
		cb_put_uint(w, IMG_VERITY_ROOT);
		cb_put_bstr(w, m->verity_root, SHA256_BYTES);
		cb_put_uint(w, IMG_VERITY_OFFSET);
		cb_put_uint(w, m->verity_offset);
		if (m->trees_by_verity) {
			cb_put_uint(w, IMG_TREES_BY_VERITY);
			cb_put_bool(w, true);
		}
	}
}

void manifest_encode(const struct manifest *m, struct cb_wr *w)
{
	cb_put_map(w, 3 /* version, image, trees */ + m->has_boot + m->has_config + m->has_runspec);
	cb_put_uint(w, M_VERSION);
	cb_put_uint(w, MANIFEST_VERSION);
	cb_put_uint(w, M_IMAGE);
	encode_image(m, w);
	cb_put_uint(w, M_TREES);
	cb_put_array(w, m->ntrees);
	for (size_t i = 0; i < m->ntrees; i++) {
		cb_put_map(w, TREE_KEYS_);
		cb_put_uint(w, TREE_NAME);
		cb_put_cstr(w, m->trees[i].name);
		cb_put_uint(w, TREE_PATH);
		cb_put_cstr(w, m->trees[i].path);
		cb_put_uint(w, TREE_DIGEST);
		cb_put_bstr(w, m->trees[i].digest, SHA256_BYTES);
	}
	if (m->has_boot) {
		cb_put_uint(w, M_BOOT);
		cb_put_map(w, BOOT_KEYS_);
		cb_put_uint(w, BOOT_KERNEL);
		cb_put_bstr(w, m->kernel_digest, SHA256_BYTES);
		cb_put_uint(w, BOOT_INITRAMFS);
		cb_put_bstr(w, m->initramfs_digest, SHA256_BYTES);
		cb_put_uint(w, BOOT_CMDLINE);
		cb_put_cstr(w, m->cmdline);
	}
	if (m->has_config) {
		cb_put_uint(w, M_CONFIG);
		cb_put_map(w, CFG_KEYS_);
		cb_put_uint(w, CFG_ARGV);
		cb_put_cstr_array(w, m->argv, m->argc);
		cb_put_uint(w, CFG_ENV);
		cb_put_cstr_array(w, m->envp, m->envc);
		cb_put_uint(w, CFG_CWD);
		cb_put_cstr(w, m->cwd);
		cb_put_uint(w, CFG_USER);
		cb_put_cstr(w, m->user);
	}
	if (m->has_runspec) {
		cb_put_uint(w, M_RUNSPEC);
		cb_put_bstr(w, m->runspec, m->runspec_len);
	}
}

bool verity_offset_ok(uint64_t offset, uint64_t image_size)
{
	return offset > 0 && offset % VERITY_BLOCK_BYTES == 0 && offset < image_size &&
	       offset / VERITY_BLOCK_BYTES <= MAX_VERITY_DATA_BLOCKS;
}

/* The decoder's state: each map's fields are read by a cb_field_fn over
 * it (cb_map_walk). */
struct dec {
	struct cb_rd r;
	struct cb_arena a;
	struct manifest *m;
	struct manifest_tree *tree; /* the tree being read */
};

static int image_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct dec *d = ctx;
	int e;

	switch (key) {
	case IMG_DIGEST:
		return cb_get_bstr_exact(r, d->m->image_digest, SHA256_BYTES);
	case IMG_SIZE:
		return cb_get_uint(r, UINT64_MAX, &d->m->image_size);
	case IMG_FORMAT:
		if ((e = cb_get_cstr_arena(r, &d->a, 16, &d->m->image_format)) == 0 &&
		    strcmp(d->m->image_format, "ext4") != 0 && strcmp(d->m->image_format, "erofs") != 0)
			e = MB_E_RANGE;
		return e;
	case IMG_VERITY_ROOT:
		d->m->has_verity = true;
		return cb_get_bstr_exact(r, d->m->verity_root, SHA256_BYTES);
	case IMG_VERITY_OFFSET:
		return cb_get_uint(r, UINT64_MAX, &d->m->verity_offset);
	case IMG_TREES_BY_VERITY: /* true or absent: one encoding per meaning */
		if ((e = cb_get_bool(r, &d->m->trees_by_verity)) == 0 && !d->m->trees_by_verity)
			e = MB_E_RANGE;
		return e;
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int decode_image(struct dec *d)
{
	uint64_t seen;
	int e;

	if ((e = cb_map_walk(&d->r, IMG_KEYS_, IMG_REQUIRED, image_field, d, &seen)) < 0)
		return e;
	/* a root hash and where its tree starts: both or neither */
	if ((seen & IMG_VERITY) != 0 && (seen & IMG_VERITY) != IMG_VERITY)
		return MB_E_MISSING_KEY;
	if (d->m->has_verity && !verity_offset_ok(d->m->verity_offset, d->m->image_size))
		return MB_E_RANGE;
	/* trees taken by reference need the root they are referenced by */
	if (d->m->trees_by_verity && !d->m->has_verity)
		return MB_E_MISSING_KEY;
	return 0;
}

static int tree_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct dec *d = ctx;
	struct manifest_tree *t = d->tree;
	int e;

	switch (key) {
	case TREE_NAME:
		return cb_get_cstr_arena(r, &d->a, MAX_TREE_NAME_BYTES, &t->name);
	case TREE_PATH:
		if ((e = cb_get_cstr_arena(r, &d->a, MAX_PATH_BYTES, &t->path)) == 0)
			e = runspec_check_tree_path(t->path);
		return e;
	case TREE_DIGEST:
		return cb_get_bstr_exact(r, t->digest, SHA256_BYTES);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int decode_tree(struct dec *d, struct manifest_tree *t)
{
	d->tree = t;
	return cb_map_walk(&d->r, TREE_KEYS_, CB_KEYS_BELOW(TREE_KEYS_), tree_field, d, NULL);
}

static int decode_trees(struct dec *d)
{
	size_t n;
	int e;

	if ((e = cb_get_array(&d->r, MAX_TREES, &n)) < 0)
		return e == MB_E_TOO_LARGE ? MB_E_LIMIT : e;
	for (size_t i = 0; i < n; i++) {
		if ((e = decode_tree(d, &d->m->trees[i])) < 0)
			return e;
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->m->trees[j].name, d->m->trees[i].name) == 0)
				return MB_E_RANGE; /* names identify pins: unique */
	}
	d->m->ntrees = n;
	return 0;
}

static int boot_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct dec *d = ctx;

	switch (key) {
	case BOOT_KERNEL:
		return cb_get_bstr_exact(r, d->m->kernel_digest, SHA256_BYTES);
	case BOOT_INITRAMFS:
		return cb_get_bstr_exact(r, d->m->initramfs_digest, SHA256_BYTES);
	case BOOT_CMDLINE:
		return cb_get_cstr_arena(r, &d->a, MAX_ARG_BYTES, &d->m->cmdline);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int decode_boot(struct dec *d)
{
	d->m->has_boot = true;
	return cb_map_walk(&d->r, BOOT_KEYS_, CB_KEYS_BELOW(BOOT_KEYS_), boot_field, d, NULL);
}

static int config_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct dec *d = ctx;

	switch (key) {
	case CFG_ARGV:
		return cb_get_cstr_array(r, &d->a, MAX_ARGS, MAX_ARG_BYTES, d->m->argv, &d->m->argc);
	case CFG_ENV:
		return cb_get_cstr_array(r, &d->a, MAX_ENV, MAX_ARG_BYTES, d->m->envp, &d->m->envc);
	case CFG_CWD:
		return cb_get_cstr_arena(r, &d->a, MAX_PATH_BYTES, &d->m->cwd);
	case CFG_USER:
		return cb_get_cstr_arena(r, &d->a, MAX_TEXT_BYTES, &d->m->user);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

static int decode_config(struct dec *d)
{
	d->m->has_config = true;
	return cb_map_walk(&d->r, CFG_KEYS_, CB_KEYS_BELOW(CFG_KEYS_), config_field, d, NULL);
}

/* The pinned run spec: kept as its bytes, but only when they decode as a
 * run spec, so that a pin nothing could ever match is refused here. */
static int decode_runspec(struct dec *d)
{
	struct runspec *rs;
	const uint8_t *p;
	size_t n;
	int e;

	if ((e = cb_get_bstr(&d->r, MAX_RUNSPEC_BYTES, &p, &n)) < 0)
		return e;
	if (!(rs = malloc(sizeof(*rs))))
		return MB_E_NOMEM;
	e = runspec_decode(p, n, rs);
	free(rs);
	if (e < 0)
		return e;
	memcpy(d->m->runspec, p, n);
	d->m->runspec_len = n;
	d->m->has_runspec = true;
	return 0;
}

static char *rebase(struct manifest *to, const struct manifest *from, const char *s)
{
	return s ? to->strings + (s - from->strings) : NULL;
}

static void move_to(struct manifest *ret, const struct manifest *m)
{
	memcpy(ret, m, sizeof(*m));
	ret->image_format = rebase(ret, m, m->image_format);
	for (size_t i = 0; i < m->ntrees; i++) {
		ret->trees[i].name = rebase(ret, m, m->trees[i].name);
		ret->trees[i].path = rebase(ret, m, m->trees[i].path);
	}
	ret->cmdline = rebase(ret, m, m->cmdline);
	for (size_t i = 0; i < m->argc; i++)
		ret->argv[i] = rebase(ret, m, m->argv[i]);
	for (size_t i = 0; i < m->envc; i++)
		ret->envp[i] = rebase(ret, m, m->envp[i]);
	ret->cwd = rebase(ret, m, m->cwd);
	ret->user = rebase(ret, m, m->user);
}

static int top_field(struct cb_rd *r, uint64_t key, void *ctx)
{
	struct dec *d = ctx;
	uint64_t v = 0;
	int e;

	switch (key) {
	case M_VERSION:
		if ((e = cb_get_uint(r, UINT32_MAX, &v)) == 0 && v != MANIFEST_VERSION)
			e = MB_E_VERSION;
		return e;
	case M_IMAGE:
		return decode_image(d);
	case M_TREES:
		return decode_trees(d);
	case M_BOOT:
		return decode_boot(d);
	case M_CONFIG:
		return decode_config(d);
	case M_RUNSPEC:
		return decode_runspec(d);
	default:
		return MB_E_UNKNOWN_KEY;
	}
}

int manifest_decode(const uint8_t *p, size_t len, struct manifest *ret)
{
	struct dec d;
	int e;

	if (len > MAX_MANIFEST_BYTES)
		return MB_E_TOO_LARGE;
	if ((e = cb_validate(p, len, 3)) < 0)
		return e;
	d.m = calloc(1, sizeof(*d.m));
	if (!d.m)
		return MB_E_NOMEM;
	d.a = (struct cb_arena){ .p = d.m->strings, .cap = sizeof(d.m->strings) };
	cb_rd_init(&d.r, p, len);
	if ((e = cb_map_walk(&d.r, M_KEYS_, M_REQUIRED, top_field, &d, NULL)) < 0 ||
	    (e = cb_end(&d.r)) < 0)
		goto out;
	move_to(ret, d.m);
	e = 0;
out:
	free(d.m);
	return e;
}

const struct manifest_tree *manifest_find_tree(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->ntrees; i++)
		if (strcmp(m->trees[i].name, name) == 0)
			return &m->trees[i];
	return NULL;
}
