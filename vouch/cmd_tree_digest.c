// SPDX-License-Identifier: MIT
/* vouch tree-digest [--root DIR] PATH...: the tree digest of each PATH, as
 * a manifest pins it (schemas/tree-digest.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "tree.h"

/* One PATH's digest line on stdout; -1 after saying why on stderr. */
static int print_digest(int dirfd, const char *path)
{
	struct tree_stats st;
	uint8_t d[32];
	/* with --root, an absolute path is inside the root, as in a manifest */
	const char *p = path;
	int e;

	while (dirfd != AT_FDCWD && p[0] == '/' && p[1])
		p++;
	if (dirfd != AT_FDCWD && strcmp(p, "/") == 0)
		p = ".";
	errno = 0;
	if ((e = tree_digest(dirfd, p, d, &st)) < 0) {
		fprintf(stderr, "vouch tree-digest: %s: %s\n", path,
			e == MB_E_IO && errno ? strerror(errno) : mb_strerror(e));
		return -1;
	}
	for (size_t k = 0; k < sizeof(d); k++)
		printf("%02x", d[k]);
	printf("  %s  (%llu entries, %llu bytes)\n", path, (unsigned long long)st.entries,
	       (unsigned long long)st.content_bytes);
	return 0;
}

int cmd_tree_digest(int argc, char **argv)
{
	static const struct option opts[] = { { "root", required_argument, 0, 'r' }, CMD_LONG_OPTS,
					      { 0, 0, 0, 0 } };
	const char *root = NULL;
	int c, dirfd = AT_FDCWD, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'r')
			return cmd_common_opt(c);
		root = optarg;
	}
	if (optind >= argc)
		return CMD_USAGE;
	if (root && (dirfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "vouch tree-digest: --root %s: %s\n", root, strerror(errno));
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if (print_digest(dirfd, argv[i]) < 0)
			rc = EXIT_INTERNAL;
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}
