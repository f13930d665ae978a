// SPDX-License-Identifier: MIT
/*
 * Built twice, against glibc and against musl, from the same library
 * sources: both builds must print the same digests for the same input.
 *   mbcheck tree PATH       tree digest
 *   mbcheck replay EVLOG    PCR values after replaying an event log, and
 *                           the composite digest of PCRs 8,9,11,12,13
 *   mbcheck records NONCEFILE CHAINFILE
 *                           walks a concatenated record chain, prints head
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb.h"
#include "evlog.h"
#include "pcr.h"
#include "record.h"
#include "tree.h"

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static uint8_t *slurp(const char *path, size_t *ret_n)
{
	struct stat st;
	uint8_t *buf;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20))
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto fail;
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(buf);
		return NULL;
	}
	*ret_n = (size_t)got;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmd_tree(const char *path)
{
	uint8_t d[32];
	int e = tree_digest(AT_FDCWD, path, d, NULL);

	if (e < 0) {
		fprintf(stderr, "mbcheck: %s: %s\n", path, mb_strerror(e));
		return 1;
	}
	print_hex(d, sizeof(d));
	putchar('\n');
	return 0;
}

static int cmd_replay(const char *path)
{
	static struct evlog log;
	struct pcr_bank bank;
	uint8_t comp[32];
	size_t n;
	uint8_t *buf = slurp(path, &n);
	int e;

	if (!buf) {
		fprintf(stderr, "mbcheck: cannot read %s\n", path);
		return 1;
	}
	pcr_bank_init(&bank);
	e = evlog_decode(buf, n, &log);
	if (e == 0)
		e = evlog_replay(&log, &bank);
	if (e == 0)
		e = pcr_composite(&bank, PCR_VOUCH_MASK, comp);
	free(buf);
	if (e < 0) {
		fprintf(stderr, "mbcheck: %s: %s\n", path, mb_strerror(e));
		return 1;
	}
	for (unsigned i = 0; i < PCR_COUNT; i++) {
		if (!(PCR_VOUCH_MASK & (1u << i)))
			continue;
		printf("pcr%u ", i);
		print_hex(bank.v[i], 32);
		putchar('\n');
	}
	printf("composite ");
	print_hex(comp, 32);
	putchar('\n');
	return 0;
}

static int cmd_records(const char *nonce_path, const char *chain_path)
{
	size_t nn, n, off = 0;
	uint8_t *nonce = slurp(nonce_path, &nn), *buf = slurp(chain_path, &n);
	struct chain c;
	int e = MB_E_IO;

	if (!nonce || !buf || nn != NONCE_BYTES)
		goto out;
	if ((e = chain_init(&c, nonce)) < 0)
		goto out;
	while (off < n) {
		struct cb_rd r;
		struct record rec;
		size_t start = off;

		cb_rd_init(&r, buf, n);
		r.off = off;
		if ((e = cb_skip(&r)) < 0)
			goto out;
		off = r.off;
		if ((e = chain_accept(&c, buf + start, off - start, &rec)) < 0)
			goto out;
	}
	printf("records %llu head ", (unsigned long long)c.next_seq);
	print_hex(c.head, 32);
	putchar('\n');
	e = 0;
out:
	free(nonce);
	free(buf);
	if (e < 0)
		fprintf(stderr, "mbcheck: %s\n", mb_strerror(e));
	return e < 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "tree") == 0)
		return cmd_tree(argv[2]);
	if (argc == 3 && strcmp(argv[1], "replay") == 0)
		return cmd_replay(argv[2]);
	if (argc == 4 && strcmp(argv[1], "records") == 0)
		return cmd_records(argv[2], argv[3]);
	fprintf(stderr, "usage: mbcheck tree PATH | replay EVLOG | records NONCE CHAIN\n");
	return 64;
}
