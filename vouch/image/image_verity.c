// SPDX-License-Identifier: MIT
/*
 * vouch image --verity: the dm-verity hash tree appended to the image by
 * veritysetup, in the one shape schemas/manifest.cddl allows (version 1,
 * SHA-256, 4096-byte blocks, no salt, no superblock, the tree right after
 * the data). Nothing here hashes: the tree and its root are veritysetup's.
 */
#include "image_verity.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "image.h"
#include "mb_limits.h"
#include "proc.h"
#include "sha256.h"

int image_verity(const char *img, const char *work, uint64_t *ret_offset, uint8_t root[32])
{
	char blocks[40], offset[40], hashfile[4096], hf_arg[4120], exe[64];
	char *argv[] = { (char *)proc_sbin("veritysetup", exe, sizeof(exe)), "format", "--no-superblock", "--salt=-", "--hash=sha256",
			 "--format=1", "--data-block-size=4096", "--hash-block-size=4096", blocks,
			 offset, hf_arg, (char *)img, (char *)img, NULL };
	uint8_t *hex = NULL;
	struct stat st;
	uint64_t size;
	size_t n;
	int e;

	if (stat(img, &st) < 0)
		return MB_E_IO;
	/* whole blocks of data: zeros past the file system's end read as
	 * nothing to it, and the tree starts on a block boundary */
	size = ((uint64_t)st.st_size + VERITY_BLOCK_BYTES - 1) / VERITY_BLOCK_BYTES * VERITY_BLOCK_BYTES;
	if (size == 0 || size / VERITY_BLOCK_BYTES > MAX_VERITY_DATA_BLOCKS)
		return IMG_E_VERITY;
	if ((uint64_t)st.st_size != size && truncate(img, (off_t)size) < 0)
		return MB_E_IO;
	if ((e = pathf(hashfile, sizeof(hashfile), "%s/verity-root", work)) < 0 ||
	    (e = pathf(hf_arg, sizeof(hf_arg), "--root-hash-file=%s", hashfile)) < 0)
		return e;
	snprintf(blocks, sizeof(blocks), "--data-blocks=%llu",
		 (unsigned long long)(size / VERITY_BLOCK_BYTES));
	snprintf(offset, sizeof(offset), "--hash-offset=%llu", (unsigned long long)size);
	if (proc_run(argv, "/dev/null", frame_now_ms() + IMG_MKFS_TIMEOUT_MS) < 0)
		return IMG_E_VERITY;
	e = file_read_all(hashfile, &hex, &n, 2 * 32 + 1);
	(void)unlink(hashfile);
	if (e < 0 || n != 2 * 32 || sha256_from_hex((const char *)hex, n, root) < 0) {
		free(hex);
		return IMG_E_VERITY;
	}
	free(hex);
	*ret_offset = size;
	return 0;
}
