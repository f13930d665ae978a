// SPDX-License-Identifier: MIT
/*
 * The staging tree as a reproducible ext4 image. `mkfs.ext4 -d` is no use
 * here: e2fsprogs 1.47.0 copies the staging files' ctimes and the host's
 * readdir order into the image. Instead:
 *  1. one walk counts inodes and blocks, and sizes the image from them;
 *  2. mke2fs lays out the empty file system (running it keeps its table
 *     layout, inode tables, root, lost+found and bad block inode, which
 *     ext2fs_initialize alone does not do) with every choice fixed: its
 *     profile, features, UUID, hash seed, label and time;
 *  3. a second walk adds the tree with libext2fs, names in bytewise order,
 *     each inode rewritten last with the staged owner, mode and mtime as
 *     every one of its times (libext2fs would put time(NULL) in a zero one);
 *  4. every superblock copy gets the build time and the read-only feature.
 * Out of room (the count is an estimate), it starts again, bigger.
 */
#include "image_ext4.h"

#include <dirent.h>
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "image.h"
#include "proc.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "superblocks are patched in place: little-endian hosts only"
#endif

#define BLOCK 4096u
#define INODE_BYTES 256u
#define BLOCKS_PER_GROUP (8u * BLOCK)  /* one bitmap block's worth */
#define DESC_BYTES 64u                 /* 64bit group descriptors */
#define DIR_TAIL_BYTES 12u             /* metadata_csum tail of a directory block */
#define FAST_SYMLINK_MAX 59u           /* shorter targets live in the inode */
#define IBODY_XATTR_BYTES 88u          /* 256 - 128 - extra_isize 32 - magic, end */
#define EXTENTS_IN_INODE 4u
#define EXTENTS_PER_BLOCK 340u
#define EXTENT_MAX_BLOCKS 32768u
#define SLACK_BLOCKS 16u
#define SLACK_INODES 16u
#define SHRINK_MIN_BLOCKS 1024u /* less unused than this (and 1/16) is kept */
#define MAX_TRIES 4
#define MAX_ENTRIES (2ull * IMG_MAX_ENTRIES) /* entries and the parents they imply */
#define MAX_SEC 0x37fffffffLL                /* ext4 times end in 2446 */
#define XNAMES_BYTES (IMG_MAX_XATTRS * (XATTR_NAME_MAX + 1))
#define LPF "lost+found"

/* Fixed: the image is named by its digest instead. */
#define FS_UUID "5ec1a1e0-0000-4000-8000-00000000000e"
#define HASH_SEED "5ec1a1e0-0000-4000-8000-00000000000f"
#define FS_LABEL "vouch"
/* No journal (the root is mounted read-only), no resize inode (never
 * grown), no inline data (libext2fs 1.47.0 writes it poorly). */
#define FS_FEATURE_LIST                                                                       \
	"ext_attr,dir_index,filetype,extent,64bit,flex_bg,sparse_super,large_file,huge_file,"  \
	"dir_nlink,extra_isize,metadata_csum"
#define FS_FEATURES "none," FS_FEATURE_LIST

/* Replaces the host's /etc/mke2fs.conf; the command line says it all again. */
static const char mke2fs_conf[] = "[defaults]\n"
				  "\tbase_features = " FS_FEATURE_LIST "\n"
				  "\tdefault_mntopts = acl,user_xattr\n"
				  "\tenable_periodic_fsck = 0\n"
				  "\tblocksize = 4096\n"
				  "\tinode_size = 256\n"
				  "\thash_alg = half_md4\n"
				  "[fs_types]\n"
				  "\text4 = {\n\t\tfeatures = " FS_FEATURE_LIST "\n\t}\n"
				  "\tdefault = {\n\t\tinode_ratio = 16384\n\t}\n";

/* mke2fs reads these too; none may change the image. */
static const char *const mke2fs_env[] = {
	"MKE2FS_SYNC",	   "MKE2FS_DEVICE_SECTSIZE", "MKE2FS_DEVICE_PHYS_SECTSIZE",
	"MKE2FS_FIRST_META_BG", "E2FSPROGS_UNDO_DIR", "TEST_IO_FLAGS",
	"TEST_IO_BLOCK",   "UNIX_IO_FORCE_BOUNCE",
};

struct hardlink {
	dev_t dev;
	ino_t ino;
	uint32_t names;  /* its names in the tree */
	ext2_ino_t ext;  /* its inode in the image, once written */
	uint64_t blocks; /* counted once, not per name */
};

enum lpf { LPF_MKE2FS, LPF_STAGED, LPF_GONE };

struct ctx {
	ext2_filsys fs; /* NULL while counting */
	int64_t epoch;
	uint64_t entries, inodes, blocks;
	struct hardlink *hl;
	size_t nhl, caphl;
	enum lpf lpf;
	errcode_t err; /* libext2fs' last error */
	char *buf, *xnames, *xval;
	char path[MAX_PATH_BYTES + 1]; /* the entry at hand */
	size_t plen;
};

static int e2(struct ctx *c, errcode_t err)
{
	if (!err)
		return 0;
	c->err = err;
	return err == EXT2_ET_NO_MEMORY || err == ENOMEM ? MB_E_NOMEM : IMG_E_EXT4;
}

static bool out_of_room(errcode_t err)
{
	return err == EXT2_ET_BLOCK_ALLOC_FAIL || err == EXT2_ET_INODE_ALLOC_FAIL ||
	       err == EXT2_ET_DIR_NO_SPACE || err == ENOSPC;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* ---- names ---- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* unsigned bytes */
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The names in dfd but "." and "..", bytewise sorted. */
static int list_sorted(struct ctx *c, int dfd, char ***ret, size_t *ret_n)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return MB_E_IO;
	}
	while (e == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n >= MAX_ENTRIES - c->entries) {
			e = IMG_E_LIMIT;
		} else if (n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				e = MB_E_NOMEM;
			else
				v = nv;
		}
		if (e == 0 && !(v[n++] = strdup(de->d_name)))
			e = MB_E_NOMEM;
	}
	closedir(d);
	if (e < 0) {
		free_names(v, n);
		return e;
	}
	qsort(v, n, sizeof(*v), cmp_name);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int path_push(struct ctx *c, const char *name)
{
	size_t n = strlen(name);

	if (n + 1 > MAX_PATH_BYTES - c->plen)
		return IMG_E_NAME;
	if (c->plen)
		c->path[c->plen++] = '/';
	memcpy(c->path + c->plen, name, n + 1);
	c->plen += n;
	return 0;
}

/* ---- hard links: (st_dev, st_ino) of every multiply-linked non-directory ---- */

static int cmp_hl(const void *a, const void *b)
{
	const struct hardlink *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int hardlink_add(struct ctx *c, const struct stat *st, uint64_t blocks)
{
	if (c->nhl == c->caphl) {
		size_t cap = c->caphl ? c->caphl * 2 : 64;
		struct hardlink *v = realloc(c->hl, cap * sizeof(*v));

		if (!v)
			return MB_E_NOMEM;
		c->hl = v;
		c->caphl = cap;
	}
	c->hl[c->nhl++] = (struct hardlink){ st->st_dev, st->st_ino, 1, 0, blocks };
	return 0;
}

/* One entry per inode; its other names cost neither an inode nor blocks. */
static void hardlink_merge(struct ctx *c)
{
	size_t o = 0;

	qsort(c->hl, c->nhl, sizeof(*c->hl), cmp_hl);
	for (size_t i = 0; i < c->nhl; i++) {
		if (o && cmp_hl(&c->hl[o - 1], &c->hl[i]) == 0) {
			c->hl[o - 1].names++;
			c->inodes--;
			c->blocks -= c->hl[i].blocks;
		} else {
			c->hl[o++] = c->hl[i];
		}
	}
	c->nhl = o;
}

static struct hardlink *hardlink_find(struct ctx *c, const struct stat *st)
{
	struct hardlink key = { .dev = st->st_dev, .ino = st->st_ino };

	return bsearch(&key, c->hl, c->nhl, sizeof(key), cmp_hl);
}

/* ---- extended attributes, in name order ---- */

/* The names of name's xattrs in dfd (by /proc path: symlinks and devices
 * cannot be opened), sorted; *ret_n is 0 where the file system has none. */
static int xattr_names(struct ctx *c, int dfd, const char *name, char *path, size_t cap,
		       char **names, size_t *ret_n)
{
	ssize_t len;
	size_t n = 0;

	if (snprintf(path, cap, "/proc/self/fd/%d/%s", dfd, name) >= (int)cap)
		return IMG_E_NAME;
	len = llistxattr(path, c->xnames, XNAMES_BYTES);
	if (len < 0 && (errno == ENOTSUP || errno == ENODATA)) /* none here */
		len = 0;
	if (len < 0)
		return errno == ERANGE ? IMG_E_LIMIT : IMG_E_XATTR;
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(c->xnames + i) + 1) {
		if (n == IMG_MAX_XATTRS)
			return IMG_E_LIMIT;
		names[n++] = c->xnames + i;
	}
	qsort(names, n, sizeof(*names), cmp_name);
	*ret_n = n;
	return 0;
}

/* Counting: one block when they do not fit in the inode. Writing: each
 * one set through libext2fs (which converts POSIX ACLs to ext4's form). */
static int xattrs(struct ctx *c, int dfd, const char *name, ext2_ino_t ino, uint64_t *blocks)
{
	char path[64 + MAX_NAME_BYTES], *names[IMG_MAX_XATTRS];
	struct ext2_xattr_handle *h = NULL;
	size_t n, room = 0;
	int e;

	if ((e = xattr_names(c, dfd, name, path, sizeof(path), names, &n)) < 0 || n == 0)
		return e;
	if (c->fs && ((e = e2(c, ext2fs_xattrs_open(c->fs, ino, &h))) < 0 ||
		      (e = e2(c, ext2fs_xattrs_read(h))) < 0))
		goto out;
	for (size_t i = 0; i < n; i++) {
		ssize_t v = lgetxattr(path, names[i], c->fs ? c->xval : NULL,
				      c->fs ? IMG_MAX_XATTR_VALUE_BYTES : 0);

		if (v < 0 || (size_t)v > IMG_MAX_XATTR_VALUE_BYTES) {
			e = v < 0 && errno != ERANGE ? IMG_E_XATTR : IMG_E_LIMIT;
			goto out;
		}
		room += ((16 + strlen(names[i]) + 3) & ~3u) + (((size_t)v + 3) & ~3u);
		if (c->fs && (e = e2(c, ext2fs_xattr_set(h, names[i], c->xval, (size_t)v))) < 0)
			goto out;
	}
	if (blocks && room > IBODY_XATTR_BYTES)
		(*blocks)++;
out:
	if (h)
		ext2fs_xattrs_close(&h);
	return e;
}

/* ---- counting ---- */

static uint64_t extent_blocks(uint64_t extents)
{
	return extents > EXTENTS_IN_INODE ? div_up(extents, EXTENTS_PER_BLOCK) : 0;
}

/* Directory blocks with the names filled in order (libext2fs puts each
 * in the first block with room), and an extent block when they are many:
 * a directory grows a block at a time between its files' data. */
static uint64_t dir_blocks(char **names, size_t n)
{
	uint64_t blocks = 1, used = 12 + 12; /* "." and ".." */

	for (size_t i = 0; i < n; i++) {
		uint64_t len = (8 + strlen(names[i]) + 3) & ~3u;

		if (used + len > BLOCK - DIR_TAIL_BYTES) {
			blocks++;
			used = 0;
		}
		used += len;
	}
	return blocks + extent_blocks(blocks);
}

static int count_entry(struct ctx *c, int dfd, const char *name, const struct stat *st)
{
	uint64_t b = 0, size = (uint64_t)st->st_size;
	int e;

	if (S_ISREG(st->st_mode)) /* a break at a backup superblock, a hole */
		b = div_up(size, BLOCK) + extent_blocks(size / BLOCK / EXTENT_MAX_BLOCKS + 2);
	else if (S_ISLNK(st->st_mode))
		b = size > FAST_SYMLINK_MAX;
	if ((e = xattrs(c, dfd, name, 0, &b)) < 0)
		return e;
	c->inodes++;
	c->blocks += b;
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		return hardlink_add(c, st, b);
	return 0;
}

static bool has_super(uint64_t g)
{
	static const unsigned bases[] = { 3, 5, 7 };

	if (g <= 1)
		return true;
	for (size_t i = 0; i < 3; i++) {
		uint64_t p = bases[i];

		while (p < g)
			p *= bases[i];
		if (p == g)
			return true;
	}
	return false;
}

/* Superblocks and descriptors (sparse_super), bitmaps, inode tables. */
static uint64_t meta_blocks(uint64_t total, uint64_t inodes, uint64_t *ret_group_meta)
{
	uint64_t groups = div_up(total, BLOCKS_PER_GROUP), ipg, desc, supers = 0;

	if (groups < div_up(inodes, BLOCKS_PER_GROUP)) /* one inode bitmap block a group */
		groups = div_up(inodes, BLOCKS_PER_GROUP);
	ipg = div_up(div_up(inodes, groups), BLOCK / INODE_BYTES) * (BLOCK / INODE_BYTES);
	desc = div_up(groups * DESC_BYTES, BLOCK);
	for (uint64_t g = 0; g < groups; g++)
		supers += has_super(g);
	*ret_group_meta = 3 + desc + ipg * INODE_BYTES / BLOCK;
	return supers * (1 + desc) + groups * (2 + ipg * INODE_BYTES / BLOCK);
}

/* A last group with less than 50 blocks beside its metadata would be
 * dropped by mke2fs (or refused, when it is the only one): fill it up. */
static uint64_t fill_last_group(uint64_t total, uint64_t inodes)
{
	uint64_t gm;

	meta_blocks(total, inodes, &gm);
	if (total % BLOCKS_PER_GROUP && total % BLOCKS_PER_GROUP < gm + 50)
		total += gm + 50 - total % BLOCKS_PER_GROUP;
	return total;
}

/* content + metadata, which grows with the total: until it settles */
static uint64_t image_blocks(uint64_t content, uint64_t inodes)
{
	uint64_t total = content, prev = 0, gm;

	for (int i = 0; i < 16 && total != prev; i++) {
		prev = total;
		total = content + meta_blocks(prev, inodes, &gm) + SLACK_BLOCKS;
	}
	return fill_last_group(total, inodes);
}

/* ---- writing ---- */

static int set_times(struct ext2_inode_large *in, int64_t sec, long nsec)
{
	uint32_t lo = (uint32_t)sec, extra;

	if (sec < INT32_MIN || sec > MAX_SEC || nsec < 0 || nsec > 999999999)
		return IMG_E_CONFIG;
	/* 32 signed bits, then the epoch bits and nanoseconds in _extra */
	extra = (uint32_t)(((sec - (int32_t)lo) >> 32) & EXT4_EPOCH_MASK) |
		(uint32_t)nsec << EXT4_EPOCH_BITS;
	in->i_atime = in->i_ctime = in->i_mtime = lo;
	/* the bad block inode has no extra fields */
	if ((size_t)in->i_extra_isize + EXT2_GOOD_OLD_INODE_SIZE <
	    offsetof(struct ext2_inode_large, i_crtime_extra) + sizeof(in->i_crtime_extra))
		return 0;
	in->i_atime_extra = in->i_ctime_extra = in->i_mtime_extra = extra;
	in->i_crtime = lo;
	in->i_crtime_extra = extra;
	return 0;
}

static int inode_times(struct ctx *c, ext2_ino_t ino, int64_t sec)
{
	struct ext2_inode_large in;
	int e;

	if ((e = e2(c, ext2fs_read_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)))) < 0 ||
	    (e = set_times(&in, sec, 0)) < 0)
		return e;
	return e2(c, ext2fs_write_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)));
}

/* Last, once the inode holds everything else: xattrs, then owner, mode,
 * link count and the staged mtime as every time. */
static int finish_inode(struct ctx *c, int dfd, const char *name, ext2_ino_t ino,
			const struct stat *st, uint32_t links)
{
	struct ext2_inode_large in;
	int e;

	if ((e = xattrs(c, dfd, name, ino, NULL)) < 0 ||
	    (e = e2(c, ext2fs_read_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)))) < 0)
		return e;
	in.i_mode = (uint16_t)((in.i_mode & LINUX_S_IFMT) | (st->st_mode & 07777));
	in.i_uid = (uint16_t)st->st_uid;
	ext2fs_set_i_uid_high(in, st->st_uid >> 16);
	in.i_gid = (uint16_t)st->st_gid;
	ext2fs_set_i_gid_high(in, st->st_gid >> 16);
	in.i_links_count = (uint16_t)(links > EXT2_LINK_MAX ? 1 : links); /* dir_nlink */
	if ((e = set_times(&in, st->st_mtim.tv_sec, st->st_mtim.tv_nsec)) < 0)
		return e;
	return e2(c, ext2fs_write_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)));
}

static int file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return EXT2_FT_REG_FILE;
	case S_IFDIR: return EXT2_FT_DIR;
	case S_IFLNK: return EXT2_FT_SYMLINK;
	case S_IFCHR: return EXT2_FT_CHRDEV;
	case S_IFBLK: return EXT2_FT_BLKDEV;
	case S_IFIFO: return EXT2_FT_FIFO;
	case S_IFSOCK: return EXT2_FT_SOCK;
	default: return -1;
	}
}

static int add_link(struct ctx *c, ext2_ino_t dir, const char *name, ext2_ino_t ino, int ft)
{
	errcode_t err = ext2fs_link(c->fs, dir, name, ino, ft);

	if (err == EXT2_ET_DIR_NO_SPACE && !(err = ext2fs_expand_dir(c->fs, dir)))
		err = ext2fs_link(c->fs, dir, name, ino, ft);
	return e2(c, err);
}

static bool all_zero(const char *p, size_t n)
{
	return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/* Block by block; all-zero blocks stay holes. */
static int copy_data(struct ctx *c, int fd, ext2_file_t f, uint64_t size)
{
	for (uint64_t off = 0; off < size;) {
		size_t want = size - off < IMG_COPY_CHUNK_BYTES ? size - off : IMG_COPY_CHUNK_BYTES;
		ssize_t n = pread(fd, c->buf, want, (off_t)off);
		unsigned w;
		int e;

		if (n < 0 && errno == EINTR) /* interrupted: read again */
			continue;
		if (n <= 0)
			return MB_E_IO; /* the staged file shrank */
		for (size_t i = 0, j; i < (size_t)n; i = j) {
			size_t len = (size_t)n - i < BLOCK ? (size_t)n - i : BLOCK;

			if (all_zero(c->buf + i, len)) {
				j = i + len;
				continue;
			}
			for (j = i + len; j < (size_t)n; j += len) {
				len = (size_t)n - j < BLOCK ? (size_t)n - j : BLOCK;
				if (all_zero(c->buf + j, len))
					break;
			}
			if ((e = e2(c, ext2fs_file_llseek(f, off + i, EXT2_SEEK_SET, NULL))) < 0 ||
			    (e = e2(c, ext2fs_file_write(f, c->buf + i, (unsigned)(j - i), &w))) < 0)
				return e;
			if (w != j - i)
				return IMG_E_EXT4;
		}
		off += (uint64_t)n;
	}
	return 0;
}

/* The new inode of a file, its extent tree started as create_inode.c
 * does, then its data. */
static int make_file(struct ctx *c, int dfd, const char *name, const struct stat *st,
		     ext2_ino_t ino)
{
	struct ext2_inode in = { .i_mode = LINUX_S_IFREG, .i_links_count = 1 };
	ext2_extent_handle_t eh;
	ext2_file_t f;
	struct stat fst;
	errcode_t err;
	int fd, e;

	if ((e = e2(c, ext2fs_inode_size_set(c->fs, &in, (uint64_t)st->st_size))) < 0 ||
	    (e = e2(c, ext2fs_extent_open2(c->fs, ino, &in, &eh))) < 0)
		return e;
	ext2fs_extent_free(eh);
	if ((e = e2(c, ext2fs_write_new_inode(c->fs, ino, &in))) < 0 || st->st_size == 0)
		return e;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino) {
		close(fd);
		return MB_E_FILE_TYPE;
	}
	if ((e = e2(c, ext2fs_file_open(c->fs, ino, EXT2_FILE_WRITE, &f))) == 0) {
		e = copy_data(c, fd, f, (uint64_t)st->st_size);
		err = ext2fs_file_close(f); /* flushes the last block */
		if (e == 0)
			e = e2(c, err);
	}
	close(fd);
	return e;
}

/* Devices as the kernel decodes them: old 8:8 in i_block[0], else the
 * new encoding in i_block[1]. */
static int make_node(struct ctx *c, const struct stat *st, ext2_ino_t ino)
{
	struct ext2_inode in = { .i_mode = (uint16_t)(st->st_mode & S_IFMT), .i_links_count = 1 };
	unsigned ma = major(st->st_rdev), mi = minor(st->st_rdev);

	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (ma < 256 && mi < 256)
			in.i_block[0] = ma * 256 + mi;
		else
			in.i_block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
	}
	return e2(c, ext2fs_write_new_inode(c->fs, ino, &in));
}

static int make_symlink(struct ctx *c, int dfd, const char *name, const struct stat *st,
			ext2_ino_t dir, ext2_ino_t ino)
{
	ssize_t n = readlinkat(dfd, name, c->buf, BLOCK);

	if (n < 0)
		return MB_E_IO;
	if (n != st->st_size || n >= BLOCK)
		return IMG_E_NAME;
	c->buf[n] = 0;
	return e2(c, ext2fs_symlink(c->fs, dir, ino, NULL, c->buf));
}

/* mke2fs made lost+found: a staged directory of that name takes it over;
 * anything else there replaces it. */
static int take_lost_found(struct ctx *c, const struct stat *st, ext2_ino_t *ret)
{
	struct ext2_inode_large in = { 0 };
	ext2_ino_t ino;
	int e;

	if ((e = e2(c, ext2fs_lookup(c->fs, EXT2_ROOT_INO, LPF, strlen(LPF), NULL, &ino))) < 0)
		return e;
	if (S_ISDIR(st->st_mode)) {
		c->lpf = LPF_STAGED;
		*ret = ino;
		return 0;
	}
	if ((e = e2(c, ext2fs_unlink(c->fs, EXT2_ROOT_INO, LPF, ino, 0))) < 0 ||
	    (e = e2(c, ext2fs_punch(c->fs, ino, NULL, NULL, 0, ~0ULL))) < 0 ||
	    (e = e2(c, ext2fs_write_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)))) < 0)
		return e;
	ext2fs_inode_alloc_stats2(c->fs, ino, -1, 1);
	c->lpf = LPF_GONE;
	return 1;
}

static int put_entry(struct ctx *c, int dfd, ext2_ino_t dir, const char *name,
		     const struct stat *st, ext2_ino_t *ret)
{
	int ft = file_type(st->st_mode), e;
	struct hardlink *h = NULL;
	ext2_ino_t ino;

	if (ft < 0)
		return IMG_E_ENTRY_TYPE;
	if (dir == EXT2_ROOT_INO && strcmp(name, LPF) == 0 &&
	    (e = take_lost_found(c, st, ret)) <= 0)
		return e;
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1 && (h = hardlink_find(c, st)) && h->ext)
		return add_link(c, dir, name, h->ext, ft);
	if ((e = e2(c, ext2fs_new_inode(c->fs, dir, (int)(st->st_mode & S_IFMT), NULL, &ino))) < 0)
		return e;
	/* ext2fs_mkdir and ext2fs_symlink count the inode in themselves */
	if (S_ISDIR(st->st_mode))
		e = e2(c, ext2fs_mkdir(c->fs, dir, ino, NULL));
	else if (S_ISLNK(st->st_mode))
		e = make_symlink(c, dfd, name, st, dir, ino);
	else
		ext2fs_inode_alloc_stats2(c->fs, ino, +1, 0);
	if (e == 0 && S_ISREG(st->st_mode))
		e = make_file(c, dfd, name, st, ino);
	else if (e == 0 && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
		e = make_node(c, st, ino);
	if (e < 0 || (e = add_link(c, dir, name, ino, ft)) < 0)
		return e;
	if (h)
		h->ext = ino;
	*ret = ino;
	/* a directory is finished after its entries */
	return S_ISDIR(st->st_mode) ? 0 : finish_inode(c, dfd, name, ino, st, h ? h->names : 1);
}

/* ---- the walk (both passes) ---- */

static int walk_dir(struct ctx *c, int dfd, ext2_ino_t dir, unsigned depth, uint32_t *ret_subdirs);

static int walk_entry(struct ctx *c, int dfd, ext2_ino_t dir, const char *name, unsigned depth,
		      uint32_t *subdirs)
{
	ext2_ino_t ino = 0;
	uint32_t sub = 0;
	struct stat st;
	int fd, e;

	if (++c->entries > MAX_ENTRIES)
		return IMG_E_LIMIT;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return MB_E_IO;
	e = c->fs ? put_entry(c, dfd, dir, name, &st, &ino) : count_entry(c, dfd, name, &st);
	if (e < 0 || !S_ISDIR(st.st_mode))
		return e;
	(*subdirs)++;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	e = walk_dir(c, fd, ino, depth + 1, &sub);
	close(fd);
	if (e == 0 && c->fs)
		e = finish_inode(c, dfd, name, ino, &st, 2 + sub);
	return e;
}

static int walk_dir(struct ctx *c, int dfd, ext2_ino_t dir, unsigned depth, uint32_t *ret_subdirs)
{
	char **names = NULL;
	size_t n = 0;
	uint32_t subdirs = 0;
	int e;

	if (depth > IMG_MAX_DEPTH)
		return IMG_E_LIMIT;
	if ((e = list_sorted(c, dfd, &names, &n)) < 0)
		return e;
	if (!c->fs)
		c->blocks += dir_blocks(names, n);
	for (size_t i = 0; e == 0 && i < n; i++) {
		size_t plen = c->plen;

		if ((e = path_push(c, names[i])) == 0)
			e = walk_entry(c, dfd, dir, names[i], depth, &subdirs);
		if (e == 0) { /* on failure the path names the entry */
			c->plen = plen;
			c->path[plen] = 0;
		}
	}
	free_names(names, n);
	if (e == 0)
		*ret_subdirs = subdirs;
	return e;
}

/* ---- the file system ---- */

/* The system's, of the e2fsprogs whose libext2fs this links (and a user's
 * PATH often lacks /usr/sbin); else whichever PATH finds. */
static char *mke2fs_exe(void)
{
	static char *const exes[] = { "/usr/sbin/mke2fs", "/sbin/mke2fs" };

	for (size_t i = 0; i < sizeof(exes) / sizeof(exes[0]); i++)
		if (access(exes[i], X_OK) == 0)
			return exes[i];
	return "mke2fs";
}

/* The empty file system, from mke2fs with nothing left to the host. */
static int run_mke2fs(const char *img, uint64_t blocks, uint64_t inodes, int64_t epoch)
{
	char conf[PATH_MAX], nb[24], ni[24], now[24];
	char *argv[] = { mke2fs_exe(), "-q", "-F", "-t", "ext4", "-T", "default", "-b", "4096", "-I", "256",
			 "-m", "0", "-N", ni, "-O", FS_FEATURES, "-U", FS_UUID, "-E",
			 "hash_seed=" HASH_SEED ",root_owner=0:0,lazy_itable_init=0,nodiscard",
			 "-L", FS_LABEL, (char *)img, nb, NULL };
	int fd, e;

	if ((e = pathf(conf, sizeof(conf), "%s.mke2fs.conf", img)) < 0 ||
	    (e = file_write_all(conf, mke2fs_conf, sizeof(mke2fs_conf) - 1)) < 0)
		return e;
	snprintf(nb, sizeof(nb), "%llu", (unsigned long long)blocks);
	snprintf(ni, sizeof(ni), "%llu", (unsigned long long)inodes);
	snprintf(now, sizeof(now), "%lld", (long long)epoch); /* 0: now, patched later */
	for (size_t i = 0; i < sizeof(mke2fs_env) / sizeof(mke2fs_env[0]); i++)
		unsetenv(mke2fs_env[i]);
	if (setenv("MKE2FS_CONFIG", conf, 1) < 0 || setenv("E2FSPROGS_FAKE_TIME", now, 1) < 0)
		e = MB_E_NOMEM;
	/* made here, its size set: mke2fs says nothing about creating it */
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (e == 0 && (fd < 0 || ftruncate(fd, (off_t)(blocks * BLOCK)) < 0))
		e = MB_E_IO;
	if (fd >= 0)
		close(fd);
	if (e == 0 && proc_run(argv, NULL, frame_now_ms() + IMG_MKFS_TIMEOUT_MS) < 0)
		e = IMG_E_MKFS;
	(void)unlink(conf); /* best effort: the work folder goes anyway */
	return e;
}

static int populate(struct ctx *c, int root, const char *img, uint64_t *ret_blocks,
		    uint64_t *ret_used)
{
	struct stat st;
	uint32_t sub = 0;
	int e;

	if (fstat(root, &st) < 0)
		return MB_E_IO;
	if ((e = e2(c, ext2fs_open(img, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager,
				   &c->fs))) < 0)
		return e;
	c->fs->now = (time_t)c->epoch; /* every time is set again anyway */
	c->fs->flags &= ~EXT2_FLAG_MASTER_SB_ONLY; /* backups as the primary */
	/* the host's char signedness must not pick the directory hash */
	c->fs->super->s_flags &= ~EXT2_FLAGS_UNSIGNED_HASH;
	c->fs->super->s_flags |= EXT2_FLAGS_SIGNED_HASH;
	ext2fs_mark_super_dirty(c->fs);
	c->lpf = LPF_MKE2FS;
	c->entries = 0;
	for (size_t i = 0; i < c->nhl; i++)
		c->hl[i].ext = 0;
	if ((e = e2(c, ext2fs_read_bitmaps(c->fs))) < 0 ||
	    (e = walk_dir(c, root, EXT2_ROOT_INO, 0, &sub)) < 0)
		goto out;
	c->plen = 0;
	c->path[0] = 0;
	if (c->lpf == LPF_MKE2FS) { /* 0700 root, mke2fs's, with the build time */
		ext2_ino_t lpf;

		sub++;
		if ((e = e2(c, ext2fs_lookup(c->fs, EXT2_ROOT_INO, LPF, strlen(LPF), NULL, &lpf))) < 0 ||
		    (e = inode_times(c, lpf, c->epoch)) < 0)
			goto out;
	}
	if ((e = inode_times(c, EXT2_BAD_INO, c->epoch)) < 0 ||
	    (e = finish_inode(c, root, ".", EXT2_ROOT_INO, &st, 2 + sub)) < 0)
		goto out;
	*ret_blocks = ext2fs_blocks_count(c->fs->super);
	*ret_used = *ret_blocks - ext2fs_free_blocks_count(c->fs->super);
	e = e2(c, ext2fs_close_free(&c->fs));
out:
	if (c->fs)
		ext2fs_free(c->fs); /* after a failure: nothing more written */
	c->fs = NULL;
	return e;
}

/* Every superblock copy: the build time for every time, no write count,
 * and read-only (the kernel will not mount it read-write). */
static int seal_supers(struct ctx *c, const char *img)
{
	uint64_t t = (uint64_t)c->epoch;
	ext2_filsys fs = NULL;
	int fd = -1, e;

	if ((e = e2(c, ext2fs_open(img, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs))) < 0)
		return e;
	fd = open(img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		e = MB_E_IO;
	for (dgrp_t g = 0; e == 0 && g < fs->group_desc_count; g++) {
		off_t off = g ? (off_t)ext2fs_group_first_block2(fs, g) * BLOCK : SUPERBLOCK_OFFSET;
		struct ext2_super_block sb;

		if (!ext2fs_bg_has_super(fs, g))
			continue;
		if (pread(fd, &sb, sizeof(sb), off) != (ssize_t)sizeof(sb) || sb.s_magic != EXT2_SUPER_MAGIC) {
			e = MB_E_IO;
			break;
		}
		sb.s_mkfs_time = sb.s_wtime = sb.s_lastcheck = (uint32_t)t;
		sb.s_mkfs_time_hi = sb.s_wtime_hi = sb.s_lastcheck_hi = (uint8_t)(t >> 32);
		sb.s_mtime = 0;
		sb.s_mtime_hi = 0;
		sb.s_kbytes_written = 0;
		sb.s_feature_ro_compat |= EXT4_FEATURE_RO_COMPAT_READONLY;
		if ((e = e2(c, ext2fs_superblock_csum_set(fs, &sb))) == 0 &&
		    pwrite(fd, &sb, sizeof(sb), off) != (ssize_t)sizeof(sb))
			e = MB_E_IO;
	}
	if (fd >= 0 && close(fd) < 0 && e == 0)
		e = MB_E_IO;
	ext2fs_close_free(&fs); /* opened read-only: writes nothing */
	return e;
}

static int build(struct ctx *c, int root, const char *img)
{
	uint64_t blocks, inodes, made = 0, used = 0;
	bool shrunk = false;
	uint32_t sub;
	int e;

	if ((e = walk_dir(c, root, 0, 0, &sub)) < 0 || (e = xattrs(c, root, ".", 0, &c->blocks)) < 0)
		return e;
	hardlink_merge(c);
	c->plen = 0;
	c->path[0] = 0;
	/* inodes from 11 on are free (lost+found takes 11 and 4 blocks) */
	inodes = c->inodes + EXT2_GOOD_OLD_FIRST_INO + SLACK_INODES;
	blocks = image_blocks(c->blocks + 4, inodes);
	for (int i = 0;; i++) {
		if (unlink(img) < 0 && errno != ENOENT)
			return MB_E_IO;
		c->err = 0;
		if ((e = run_mke2fs(img, blocks, inodes, c->epoch)) < 0)
			return e;
		e = populate(c, root, img, &made, &used);
		if (e == 0 && !shrunk && made - used > made / 16 + SHRINK_MIN_BLOCKS) {
			/* holes and zero blocks, counted by size: again, as small
			 * as what the same tree took (a fact of the tree too) */
			blocks = fill_last_group(used + SLACK_BLOCKS, inodes);
			shrunk = true;
			continue;
		}
		if (e == 0 || !out_of_room(c->err) || i + 1 >= MAX_TRIES)
			break;
		/* the same tree runs out at the same place: deterministic */
		blocks += blocks / 4 + 256;
		inodes += inodes / 8 + 64;
	}
	if (e < 0)
		return e;
	/* mke2fs may have dropped a sliver of a last group */
	if (truncate(img, (off_t)(made * BLOCK)) < 0)
		return MB_E_IO;
	return seal_supers(c, img);
}

int image_ext4_write(int root, const char *img_path, int64_t epoch, char *where, size_t where_cap)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int e;

	if (!c)
		return MB_E_NOMEM;
	c->epoch = epoch;
	c->buf = malloc(IMG_COPY_CHUNK_BYTES);
	c->xnames = malloc(XNAMES_BYTES);
	c->xval = malloc(IMG_MAX_XATTR_VALUE_BYTES);
	if (!c->buf || !c->xnames || !c->xval)
		e = MB_E_NOMEM;
	else if (epoch < 0 || epoch > MAX_SEC)
		e = IMG_E_CONFIG;
	else
		e = build(c, root, img_path);
	if (e < 0 && where_cap)
		snprintf(where, where_cap, "%s%s%s", c->path[0] ? c->path : "/",
			 c->err ? ": " : "", c->err ? error_message(c->err) : "");
	free(c->hl);
	free(c->buf);
	free(c->xnames);
	free(c->xval);
	free(c);
	return e;
}
