// SPDX-License-Identifier: MIT
/*
 * vouch: the host command line.
 *   vouch tree-digest [--root DIR] PATH...
 *   vouch version
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "tree.h"

#define VERSION "0.1"
#define EXIT_USAGE 64
#define EXIT_INTERNAL 70

static int usage(FILE *f)
{
	fprintf(f,
		"usage: vouch <command> [options]\n"
		"\n"
		"  tree-digest [--root DIR] PATH...   print the tree digest of each PATH\n"
		"  version                            print the version\n"
		"\n"
		"See vouch(1).\n");
	return f == stderr ? EXIT_USAGE : 0;
}

static int cmd_tree_digest(int argc, char **argv)
{
	int dirfd = AT_FDCWD, i = 0, rc = 0;

	if (argc >= 2 && strcmp(argv[0], "--root") == 0) {
		dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			perror(argv[1]);
			return EXIT_USAGE;
		}
		i = 2;
	}
	if (i >= argc)
		return usage(stderr);
	for (; i < argc; i++) {
		struct tree_stats st;
		uint8_t d[32];
		int e = tree_digest(dirfd, argv[i], d, &st);

		if (e < 0) {
			fprintf(stderr, "vouch: %s: %s\n", argv[i], mb_strerror(e));
			rc = EXIT_INTERNAL;
			continue;
		}
		for (size_t k = 0; k < sizeof(d); k++)
			printf("%02x", d[k]);
		printf("  %s  (%llu entries, %llu bytes)\n", argv[i],
		       (unsigned long long)st.entries, (unsigned long long)st.content_bytes);
	}
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "tree-digest") == 0)
		return cmd_tree_digest(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vouch " VERSION "\n");
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout);
	fprintf(stderr, "vouch: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
