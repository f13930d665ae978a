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

struct dec {
	struct cb_rd r;
	struct cb_arena a;
	struct manifest *m;
};

static int decode_image(struct dec *d)
{
	struct cb_map mp;
	uint64_t key;
	int e;

	if ((e = cb_map_begin(&d->r, &mp, IMG_KEYS_)) < 0)
		return e;
	while ((e = cb_map_next(&d->r, &mp, &key)) > 0) {
		switch (key) {
		case IMG_DIGEST:
			e = cb_get_bstr_exact(&d->r, d->m->image_digest, SHA256_BYTES);
			break;
		case IMG_SIZE:
			e = cb_get_uint(&d->r, UINT64_MAX, &d->m->image_size);
			break;
		case IMG_FORMAT:
			if ((e = cb_get_cstr_arena(&d->r, &d->a, 16, &d->m->image_format)) == 0 &&
			    strcmp(d->m->image_format, "ext4") != 0 &&
			    strcmp(d->m->image_format, "erofs") != 0)
				e = MB_E_RANGE;
			break;
		case IMG_VERITY_ROOT:
			e = cb_get_bstr_exact(&d->r, d->m->verity_root, SHA256_BYTES);
			d->m->has_verity = true;
			break;
		case IMG_VERITY_OFFSET:
			e = cb_get_uint(&d->r, UINT64_MAX, &d->m->verity_offset);
			break;
		case IMG_TREES_BY_VERITY: /* true or absent: one encoding per meaning */
			if ((e = cb_get_bool(&d->r, &d->m->trees_by_verity)) == 0 && !d->m->trees_by_verity)
				e = MB_E_RANGE;
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			return e;
	}
	if (e < 0 || (e = cb_map_require(&mp, IMG_REQUIRED)) < 0)
		return e;
	/* a root hash and where its tree starts: both or neither */
	if ((mp.seen & IMG_VERITY) != 0 && (e = cb_map_require(&mp, IMG_VERITY)) < 0)
		return e;
	if (d->m->has_verity && !verity_offset_ok(d->m->verity_offset, d->m->image_size))
		return MB_E_RANGE;
	/* trees taken by reference need the root they are referenced by */
	if (d->m->trees_by_verity && !d->m->has_verity)
		return MB_E_MISSING_KEY;
	return 0;
}

static int decode_tree(struct dec *d, struct manifest_tree *t)
{
	struct cb_map mp;
	uint64_t key;
	int e;

	if ((e = cb_map_begin(&d->r, &mp, TREE_KEYS_)) < 0)
		return e;
	while ((e = cb_map_next(&d->r, &mp, &key)) > 0) {
		switch (key) {
		case TREE_NAME:
			e = cb_get_cstr_arena(&d->r, &d->a, MAX_TREE_NAME_BYTES, &t->name);
			break;
		case TREE_PATH:
			if ((e = cb_get_cstr_arena(&d->r, &d->a, MAX_PATH_BYTES, &t->path)) == 0)
				e = runspec_check_tree_path(t->path);
			break;
		case TREE_DIGEST:
			e = cb_get_bstr_exact(&d->r, t->digest, SHA256_BYTES);
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			return e;
	}
	return e < 0 ? e : cb_map_require(&mp, CB_KEYS_BELOW(TREE_KEYS_));
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

static int decode_boot(struct dec *d)
{
	struct cb_map mp;
	uint64_t key;
	int e;

	if ((e = cb_map_begin(&d->r, &mp, BOOT_KEYS_)) < 0)
		return e;
	while ((e = cb_map_next(&d->r, &mp, &key)) > 0) {
		switch (key) {
		case BOOT_KERNEL:
			e = cb_get_bstr_exact(&d->r, d->m->kernel_digest, SHA256_BYTES);
			break;
		case BOOT_INITRAMFS:
			e = cb_get_bstr_exact(&d->r, d->m->initramfs_digest, SHA256_BYTES);
			break;
		case BOOT_CMDLINE:
			e = cb_get_cstr_arena(&d->r, &d->a, MAX_ARG_BYTES, &d->m->cmdline);
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			return e;
	}
	d->m->has_boot = true;
	return e < 0 ? e : cb_map_require(&mp, CB_KEYS_BELOW(BOOT_KEYS_));
}

static int get_strings(struct dec *d, size_t max, char **v, size_t *ret_n)
{
	return cb_get_cstr_array(&d->r, &d->a, max, MAX_ARG_BYTES, v, ret_n);
}

static int decode_config(struct dec *d)
{
	struct cb_map mp;
	uint64_t key;
	int e;

	if ((e = cb_map_begin(&d->r, &mp, CFG_KEYS_)) < 0)
		return e;
	while ((e = cb_map_next(&d->r, &mp, &key)) > 0) {
		switch (key) {
		case CFG_ARGV:
			e = get_strings(d, MAX_ARGS, d->m->argv, &d->m->argc);
			break;
		case CFG_ENV:
			e = get_strings(d, MAX_ENV, d->m->envp, &d->m->envc);
			break;
		case CFG_CWD:
			e = cb_get_cstr_arena(&d->r, &d->a, MAX_PATH_BYTES, &d->m->cwd);
			break;
		case CFG_USER:
			e = cb_get_cstr_arena(&d->r, &d->a, MAX_TEXT_BYTES, &d->m->user);
			break;
		default:
			return MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			return e;
	}
	d->m->has_config = true;
	return e < 0 ? e : cb_map_require(&mp, CB_KEYS_BELOW(CFG_KEYS_));
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

int manifest_decode(const uint8_t *p, size_t len, struct manifest *ret)
{
	struct dec d;
	struct cb_map mp;
	uint64_t key, v = 0;
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
	if ((e = cb_map_begin(&d.r, &mp, M_KEYS_)) < 0)
		goto out;
	while ((e = cb_map_next(&d.r, &mp, &key)) > 0) {
		switch (key) {
		case M_VERSION:
			if ((e = cb_get_uint(&d.r, UINT32_MAX, &v)) == 0 && v != MANIFEST_VERSION)
				e = MB_E_VERSION;
			break;
		case M_IMAGE:
			e = decode_image(&d);
			break;
		case M_TREES:
			e = decode_trees(&d);
			break;
		case M_BOOT:
			e = decode_boot(&d);
			break;
		case M_CONFIG:
			e = decode_config(&d);
			break;
		case M_RUNSPEC:
			e = decode_runspec(&d);
			break;
		default:
			e = MB_E_UNKNOWN_KEY;
		}
		if (e < 0)
			goto out;
	}
	if (e < 0 || (e = cb_map_require(&mp, M_REQUIRED)) < 0 || (e = cb_end(&d.r)) < 0)
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
