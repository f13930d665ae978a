// SPDX-License-Identifier: MIT
/* vouch tree-digest [--root DIR] PATH...: the tree digest of each PATH, as
 * a manifest pins it (schemas/tree-digest.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "tree.h"

int cmd_tree_digest(int argc, char **argv)
{
	int dirfd = AT_FDCWD, i = 0, rc = 0;

	argc--, argv++; /* the paths and --root come after the command's name */

	if (argc >= 2 && strcmp(argv[0], "--root") == 0) {
		dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			perror(argv[1]);
			return EXIT_USAGE;
		}
		i = 2;
	}
	if (i >= argc)
		return CMD_USAGE;
	for (; i < argc; i++) {
		struct tree_stats st;
		uint8_t d[32];
		/* with --root, an absolute path is inside the root, as in a manifest */
		const char *p = argv[i];
		int e;

		while (dirfd != AT_FDCWD && p[0] == '/' && p[1])
			p++;
		if (dirfd != AT_FDCWD && strcmp(p, "/") == 0)
			p = ".";
		errno = 0;
		e = tree_digest(dirfd, p, d, &st);
		if (e < 0) {
			fprintf(stderr, "vouch: %s: %s\n", argv[i],
				e == MB_E_IO && errno ? strerror(errno) : mb_strerror(e));
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
