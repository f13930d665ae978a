// SPDX-License-Identifier: MIT
/*
 * One staged entry into the ext4 image open in c->fs, through libext2fs:
 * a new inode (a hard link's later names link the first one), its data,
 * target or device number, its link in the parent directory; last, its
 * xattrs, owner, mode, link count and the staged mtime as every time.
 * Files are copied block by block, all-zero blocks left as holes. The
 * second pass over the walk (image_ext4_walk.c) into the image mke2fs laid
 * out.
 */
#include "image_ext4_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "err.h"

/* Each one set through libext2fs (which converts POSIX ACLs to ext4's
 * form), in name order. */
static int write_xattrs(struct ext4_ctx *c, int dfd, const char *name, ext2_ino_t ino)
{
	char path[64 + MAX_NAME_BYTES], *names[IMG_MAX_XATTRS];
	struct ext2_xattr_handle *h = NULL;
	size_t n;
	int e;

	if ((e = ext4_xattr_names(c, dfd, name, path, sizeof(path), names, &n)) < 0 || n == 0)
		return e;
	if ((e = ext4_e2(c, ext2fs_xattrs_open(c->fs, ino, &h))) < 0 ||
	    (e = ext4_e2(c, ext2fs_xattrs_read(h))) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		ssize_t v = lgetxattr(path, names[i], c->xval, IMG_MAX_XATTR_VALUE_BYTES);

		if (v < 0 || (size_t)v > IMG_MAX_XATTR_VALUE_BYTES) {
			e = v < 0 && errno != ERANGE ? IMG_E_XATTR : IMG_E_LIMIT;
			goto out;
		}
		if ((e = ext4_e2(c, ext2fs_xattr_set(h, names[i], c->xval, (size_t)v))) < 0)
			goto out;
	}
out:
	if (h)
		ext2fs_xattrs_close(&h);
	return e;
}

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

static int inode_times(struct ext4_ctx *c, ext2_ino_t ino, int64_t sec)
{
	struct ext2_inode_large in;
	int e;

	if ((e = ext4_e2(c, ext2fs_read_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)))) < 0 ||
	    (e = set_times(&in, sec, 0)) < 0)
		return e;
	return ext4_e2(c, ext2fs_write_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)));
}

/* Last, once the inode holds everything else: xattrs, then owner, mode,
 * link count and the staged mtime as every time. */
static int finish_inode(struct ext4_ctx *c, int dfd, const char *name, ext2_ino_t ino,
			const struct stat *st, uint32_t links)
{
	struct ext2_inode_large in;
	int e;

	if ((e = write_xattrs(c, dfd, name, ino)) < 0 ||
	    (e = ext4_e2(c, ext2fs_read_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)))) < 0)
		return e;
	in.i_mode = (uint16_t)((in.i_mode & LINUX_S_IFMT) | (st->st_mode & 07777));
	in.i_uid = (uint16_t)st->st_uid;
	ext2fs_set_i_uid_high(in, st->st_uid >> 16);
	in.i_gid = (uint16_t)st->st_gid;
	ext2fs_set_i_gid_high(in, st->st_gid >> 16);
	in.i_links_count = (uint16_t)(links > EXT2_LINK_MAX ? 1 : links); /* dir_nlink */
	if ((e = set_times(&in, st->st_mtim.tv_sec, st->st_mtim.tv_nsec)) < 0)
		return e;
	return ext4_e2(c, ext2fs_write_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)));
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

static int add_link(struct ext4_ctx *c, ext2_ino_t dir, const char *name, ext2_ino_t ino, int ft)
{
	errcode_t err = ext2fs_link(c->fs, dir, name, ino, ft);

	if (err == EXT2_ET_DIR_NO_SPACE && !(err = ext2fs_expand_dir(c->fs, dir)))
		err = ext2fs_link(c->fs, dir, name, ino, ft);
	return ext4_e2(c, err);
}

static bool all_zero(const char *p, size_t n)
{
	return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/* Block by block; all-zero blocks stay holes. */
static int copy_data(struct ext4_ctx *c, int fd, ext2_file_t f, uint64_t size)
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
			size_t len = (size_t)n - i < c->block ? (size_t)n - i : c->block;

			if (all_zero(c->buf + i, len)) {
				j = i + len;
				continue;
			}
			for (j = i + len; j < (size_t)n; j += len) {
				len = (size_t)n - j < c->block ? (size_t)n - j : c->block;
				if (all_zero(c->buf + j, len))
					break;
			}
			if ((e = ext4_e2(c, ext2fs_file_llseek(f, off + i, EXT2_SEEK_SET, NULL))) < 0 ||
			    (e = ext4_e2(c, ext2fs_file_write(f, c->buf + i, (unsigned)(j - i), &w))) < 0)
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
static int make_file(struct ext4_ctx *c, int dfd, const char *name, const struct stat *st,
		     ext2_ino_t ino)
{
	struct ext2_inode in = { .i_mode = LINUX_S_IFREG, .i_links_count = 1 };
	ext2_extent_handle_t eh;
	ext2_file_t f;
	struct stat fst;
	errcode_t err;
	int fd, e;

	if ((e = ext4_e2(c, ext2fs_inode_size_set(c->fs, &in, (uint64_t)st->st_size))) < 0 ||
	    (e = ext4_e2(c, ext2fs_extent_open2(c->fs, ino, &in, &eh))) < 0)
		return e;
	ext2fs_extent_free(eh);
	if ((e = ext4_e2(c, ext2fs_write_new_inode(c->fs, ino, &in))) < 0 || st->st_size == 0)
		return e;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return MB_E_IO;
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino) {
		close(fd);
		return MB_E_FILE_TYPE;
	}
	if ((e = ext4_e2(c, ext2fs_file_open(c->fs, ino, EXT2_FILE_WRITE, &f))) == 0) {
		e = copy_data(c, fd, f, (uint64_t)st->st_size);
		err = ext2fs_file_close(f); /* flushes the last block */
		if (e == 0)
			e = ext4_e2(c, err);
	}
	close(fd);
	return e;
}

/* Devices as the kernel decodes them: old 8:8 in i_block[0], else the
 * new encoding in i_block[1]. */
static int make_node(struct ext4_ctx *c, const struct stat *st, ext2_ino_t ino)
{
	struct ext2_inode in = { .i_mode = (uint16_t)(st->st_mode & S_IFMT), .i_links_count = 1 };
	unsigned ma = major(st->st_rdev), mi = minor(st->st_rdev);

	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (ma < 256 && mi < 256)
			in.i_block[0] = ma * 256 + mi;
		else
			in.i_block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
	}
	return ext4_e2(c, ext2fs_write_new_inode(c->fs, ino, &in));
}

static int make_symlink(struct ext4_ctx *c, int dfd, const char *name, const struct stat *st,
			ext2_ino_t dir, ext2_ino_t ino)
{
	ssize_t n = readlinkat(dfd, name, c->buf, c->block);

	if (n < 0)
		return MB_E_IO;
	if (n != st->st_size || n >= c->block)
		return IMG_E_NAME;
	c->buf[n] = 0;
	return ext4_e2(c, ext2fs_symlink(c->fs, dir, ino, NULL, c->buf));
}

/* mke2fs made lost+found: a staged directory of that name takes it over;
 * anything else there replaces it. */
static int take_lost_found(struct ext4_ctx *c, const struct stat *st, ext2_ino_t *ret)
{
	struct ext2_inode_large in = { 0 };
	ext2_ino_t ino;
	int e;

	if ((e = ext4_e2(c, ext2fs_lookup(c->fs, EXT2_ROOT_INO, LPF, strlen(LPF), NULL, &ino))) < 0)
		return e;
	if (S_ISDIR(st->st_mode)) {
		c->lpf = LPF_STAGED;
		*ret = ino;
		return 0;
	}
	if ((e = ext4_e2(c, ext2fs_unlink(c->fs, EXT2_ROOT_INO, LPF, ino, 0))) < 0 ||
	    (e = ext4_e2(c, ext2fs_punch(c->fs, ino, NULL, NULL, 0, ~0ULL))) < 0 ||
	    (e = ext4_e2(c, ext2fs_write_inode_full(c->fs, ino, (struct ext2_inode *)&in, sizeof(in)))) < 0)
		return e;
	ext2fs_inode_alloc_stats2(c->fs, ino, -1, 1);
	c->lpf = LPF_GONE;
	return 1;
}

static int put_entry(struct ext4_ctx *c, int dfd, ext2_ino_t dir, const char *name,
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
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1 && (h = ext4_hardlink_find(c, st)) && h->ext)
		return add_link(c, dir, name, h->ext, ft);
	if ((e = ext4_e2(c, ext2fs_new_inode(c->fs, dir, (int)(st->st_mode & S_IFMT), NULL, &ino))) < 0)
		return e;
	/* ext2fs_mkdir and ext2fs_symlink count the inode in themselves */
	if (S_ISDIR(st->st_mode))
		e = ext4_e2(c, ext2fs_mkdir(c->fs, dir, ino, NULL));
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

static const struct ext4_pass put_pass = { .entry = put_entry, .dir_done = finish_inode };

/* ---- the pass ---- */

int ext4_put_tree(struct ext4_ctx *c, int root, const char *img, uint64_t *ret_blocks,
		  uint64_t *ret_used)
{
	struct stat st;
	uint32_t sub = 0;
	int e;

	if (fstat(root, &st) < 0)
		return MB_E_IO;
	if ((e = ext4_e2(c, ext2fs_open(img, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, unix_io_manager,
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
	if ((e = ext4_e2(c, ext2fs_read_bitmaps(c->fs))) < 0 ||
	    (e = ext4_walk_dir(c, &put_pass, root, EXT2_ROOT_INO, 0, &sub)) < 0)
		goto out;
	c->plen = 0;
	c->path[0] = 0;
	if (c->lpf == LPF_MKE2FS) { /* 0700 root, mke2fs's, with the build time */
		ext2_ino_t lpf;

		sub++;
		if ((e = ext4_e2(c, ext2fs_lookup(c->fs, EXT2_ROOT_INO, LPF, strlen(LPF), NULL, &lpf))) < 0 ||
		    (e = inode_times(c, lpf, c->epoch)) < 0)
			goto out;
	}
	if ((e = inode_times(c, EXT2_BAD_INO, c->epoch)) < 0 ||
	    (e = finish_inode(c, root, ".", EXT2_ROOT_INO, &st, 2 + sub)) < 0)
		goto out;
	*ret_blocks = ext2fs_blocks_count(c->fs->super);
	*ret_used = *ret_blocks - ext2fs_free_blocks_count(c->fs->super);
	e = ext4_e2(c, ext2fs_close_free(&c->fs));
out:
	if (c->fs)
		ext2fs_free(c->fs); /* after a failure: nothing more written */
	c->fs = NULL;
	return e;
}
