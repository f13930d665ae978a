// SPDX-License-Identifier: MIT
#include "verity.h"

#include "io.h"
#include "sha256.h"

#include <stdio.h>
#include <string.h>

int verity_spec_format(char out[static VERITY_SPEC_BYTES], uint64_t data_blocks,
		       const uint8_t root[static SHA256_BYTES])
{
	int n;

	if (data_blocks == 0 || data_blocks > MAX_VERITY_DATA_BLOCKS)
		return MB_E_RANGE;
	n = snprintf(out, VERITY_SPEC_BYTES, "%llu:", (unsigned long long)data_blocks);
	for (size_t i = 0; i < SHA256_BYTES; i++)
		n += snprintf(out + n, VERITY_SPEC_BYTES - (size_t)n, "%02x", root[i]);
	return 0;
}

int verity_spec_parse(const char *s, size_t n, uint64_t *data_blocks,
		      uint8_t root[static SHA256_BYTES])
{
	uint8_t r[SHA256_BYTES];
	uint64_t v;
	size_t i;
	int e;

	if (n == 0 || s[0] < '1' || s[0] > '9') /* no empty count, no leading zero */
		return MB_E_INVAL;
	if ((e = mb_dec_prefix(s, n, MAX_VERITY_DATA_BLOCKS, &v, &i)) < 0)
		return e;
	if (i == n || s[i++] != ':')
		return MB_E_INVAL;
	if ((e = sha256_from_hex(s + i, n - i, r)) < 0)
		return e;
	*data_blocks = v;
	memcpy(root, r, sizeof(r));
	return 0;
}

int verity_tree_ref(const uint8_t root[static SHA256_BYTES], const char *path,
		    uint8_t out[static SHA256_BYTES])
{
	size_t n = strlen(path);
	const struct sha256_part parts[] = {
		{ VERITY_TREE_DOMAIN, sizeof(VERITY_TREE_DOMAIN) - 1 },
		{ root, SHA256_BYTES },
		{ path, n },
	};

	if (path[0] != '/' || n > MAX_PATH_BYTES)
		return MB_E_PATH;
	return sha256_parts(parts, 3, out);
}
