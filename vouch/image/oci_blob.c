// SPDX-License-Identifier: MIT
/* Blobs: opened inside the source directory, checked against their digest
 * before use, and hashed again while libarchive reads them. */
#include "oci.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sha256.h"

struct oci_blob {
	int fd;
	struct sha256 h;
	bool hashing;
	uint8_t want[SHA256_BYTES];
	bool check;
	uint64_t got;
	int64_t size;
	uint8_t *buf;
};

int oci_open_in(int dirfd, const char *rel, int *ret_fd)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct stat st;
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd < 0)
		return errno == ENOENT ? IMG_E_FORMAT : MB_E_IO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return MB_E_FILE_TYPE;
	}
	*ret_fd = fd;
	return 0;
}

int oci_digest_parse(const char *s, uint8_t out[static SHA256_BYTES])
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || sha256_from_hex(s + 7, strlen(s + 7), out) < 0)
		return IMG_E_DIGEST;
	return 0;
}

static int read_all(int fd, uint8_t *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR) /* interrupted: read again */
			continue;
		if (r <= 0)
			return MB_E_IO;
		got += (size_t)r;
	}
	return 0;
}

static int json_parse(const uint8_t *p, size_t n, struct json_object **ret)
{
	struct json_tokener *tok = json_tokener_new_ex(IMG_MAX_JSON_DEPTH);
	struct json_object *o;
	int e = 0;

	if (!tok)
		return MB_E_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)p, (int)n);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n)
		e = IMG_E_JSON;
	json_tokener_free(tok);
	if (e < 0) {
		json_object_put(o);
		return e;
	}
	*ret = o;
	return 0;
}

int oci_json_read(int dirfd, const char *rel, const uint8_t *want, struct json_object **ret)
{
	struct stat st;
	uint8_t *buf = NULL, d[SHA256_BYTES];
	int fd = -1, e;

	if ((e = oci_open_in(dirfd, rel, &fd)) < 0)
		return e;
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)IMG_MAX_JSON_BYTES) {
		e = IMG_E_BLOB_SIZE;
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		e = MB_E_NOMEM;
		goto out;
	}
	if ((e = read_all(fd, buf, (size_t)st.st_size)) < 0)
		goto out;
	if (want && ((e = sha256_buf(buf, (size_t)st.st_size, d)) < 0 ||
		     memcmp(d, want, sizeof(d)) != 0)) {
		e = e < 0 ? e : IMG_E_DIGEST;
		goto out;
	}
	e = json_parse(buf, (size_t)st.st_size, ret);
out:
	free(buf);
	close(fd);
	return e;
}

/* Every byte of the file through SHA-256: the check before use. */
static int blob_verify(struct oci_blob *b)
{
	struct sha256 h;
	uint8_t d[SHA256_BYTES];
	int e;

	if ((e = sha256_init(&h)) < 0)
		return e;
	for (;;) {
		ssize_t n = read(b->fd, b->buf, IMG_COPY_CHUNK_BYTES);

		if (n < 0 && errno == EINTR) /* interrupted: read again */
			continue;
		if (n == 0)
			break;
		if (n < 0 || (e = sha256_update(&h, b->buf, (size_t)n)) < 0) {
			sha256_abort(&h);
			return n < 0 ? MB_E_IO : e;
		}
	}
	if ((e = sha256_final(&h, d)) < 0)
		return e;
	return memcmp(d, b->want, sizeof(d)) == 0 ? 0 : IMG_E_DIGEST;
}

static la_ssize_t blob_read_cb(struct archive *a, void *ctx, const void **ret)
{
	struct oci_blob *b = ctx;
	ssize_t n;

	do
		n = read(b->fd, b->buf, IMG_COPY_CHUNK_BYTES);
	while (n < 0 && errno == EINTR); /* interrupted: read again */
	if (n < 0) {
		archive_set_error(a, errno, "blob read failed");
		return -1;
	}
	if (b->hashing && n > 0 && sha256_update(&b->h, b->buf, (size_t)n) < 0) {
		archive_set_error(a, EIO, "hash failed");
		return -1;
	}
	b->got += (uint64_t)n;
	*ret = b->buf;
	return n;
}

struct archive *oci_archive_new(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	if (archive_read_support_filter_all(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static void blob_free(struct oci_blob *b)
{
	if (!b)
		return;
	if (b->hashing)
		sha256_abort(&b->h);
	if (b->fd >= 0)
		close(b->fd);
	free(b->buf);
	free(b);
}

static int blob_prepare(int dirfd, const char *rel, const uint8_t *want, int64_t size,
			struct oci_blob *b)
{
	struct stat st;
	int e;

	if ((e = oci_open_in(dirfd, rel, &b->fd)) < 0)
		return e;
	if (fstat(b->fd, &st) < 0)
		return MB_E_IO;
	if ((size >= 0 && st.st_size != size) || (uint64_t)st.st_size > IMG_MAX_BLOB_BYTES)
		return IMG_E_BLOB_SIZE;
	b->size = st.st_size;
	if (want) {
		b->check = true;
		memcpy(b->want, want, SHA256_BYTES);
		if ((e = blob_verify(b)) < 0)
			return e;
		if (lseek(b->fd, 0, SEEK_SET) != 0)
			return MB_E_IO;
	}
	if ((e = sha256_init(&b->h)) < 0)
		return e;
	b->hashing = true;
	return 0;
}

int oci_blob_open(int dirfd, const char *rel, const uint8_t *want, int64_t size,
		  struct archive **ret_a, struct oci_blob **ret_b)
{
	struct oci_blob *b = calloc(1, sizeof(*b));
	struct archive *a = NULL;
	int e;

	if (!b || !(b->buf = malloc(IMG_COPY_CHUNK_BYTES))) {
		free(b);
		return MB_E_NOMEM;
	}
	b->fd = -1;
	if ((e = blob_prepare(dirfd, rel, want, size, b)) < 0)
		goto fail;
	if (!(a = oci_archive_new())) {
		e = MB_E_NOMEM;
		goto fail;
	}
	if (archive_read_open(a, b, NULL, blob_read_cb, NULL) != ARCHIVE_OK) {
		e = IMG_E_ARCHIVE;
		goto fail;
	}
	*ret_a = a;
	*ret_b = b;
	return 0;
fail:
	if (a)
		archive_read_free(a);
	blob_free(b);
	return e;
}

int oci_layer_close(struct archive *a, struct oci_blob *b)
{
	uint8_t d[SHA256_BYTES];
	const void *p;
	la_ssize_t n;
	int e = 0;

	/* what libarchive left unread (tar padding) is part of the blob */
	while ((n = blob_read_cb(a, b, &p)) > 0)
		;
	if (n < 0)
		e = MB_E_IO;
	archive_read_free(a);
	if (e == 0 && (b->hashing = false, e = sha256_final(&b->h, d)) == 0 &&
	    (b->got != (uint64_t)b->size || (b->check && memcmp(d, b->want, sizeof(d)) != 0)))
		e = IMG_E_DIGEST;
	blob_free(b);
	return e;
}
