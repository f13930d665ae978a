/* SPDX-License-Identifier: MIT */
/*
 * Every limit a peer can push against, in one place. Each name carries its
 * unit. Decoders check lengths against these before touching the bytes.
 */
#ifndef MB_LIMITS_H
#define MB_LIMITS_H

#define SHA256_BYTES 32u
#define NONCE_BYTES 32u

/* CBOR */
#define MAX_CBOR_DEPTH 8u             /* nesting of arrays/maps */
#define MAX_CBOR_ITEMS 65536u         /* elements in one array/map */
#define MAX_CBOR_STRING_BYTES (1u << 20) /* one bstr/tstr */

/* framing over a byte stream */
#define FRAME_HEADER_BYTES 5u
#define MAX_FRAME_PAYLOAD_BYTES (1u << 20)

/* evidence records */
#define MAX_RECORD_BYTES (64u * 1024u)
#define MAX_CHUNK_BYTES (16u * 1024u) /* one stdout/stderr chunk */
#define MAX_TEXT_BYTES 4096u          /* names, descriptions, messages */
#define MAX_RECORDS 1000000u          /* records in one run */
#define MAX_FILE_RECORD_BYTES (60u * 1024u) /* one collected file piece */

/* event log */
#define MAX_EVENTS 64u
#define MAX_EVENT_DATA_BYTES 64u
#define PCR_COUNT 24u

/* TPM traffic: TPM2 commands and responses fit in 4 KiB (MAX_COMMAND_SIZE
 * of common TPMs); leave room, but bound it. */
#define TPM_HEADER_BYTES 10u
#define MAX_TPM_MSG_BYTES 8192u

/* run spec */
#define MAX_ARGS 256u
#define MAX_ENV 256u
#define MAX_RESULT_PATHS 16u /* result files a run spec declares (--results) */
#define MAX_RUN_GROUPS 32u /* supplementary groups of the harness's user */
#define MAX_RESULT_PATH_BYTES 255u /* each one's path, as a verifier names a result file */
#define MAX_ARG_BYTES 4096u
#define MAX_RUNSPEC_BYTES (64u * 1024u)

/* reference manifest */
#define MAX_MANIFEST_BYTES (256u * 1024u)
#define MAX_TREES 8u
#define MAX_TREE_NAME_BYTES 64u
/* dm-verity root: SHA-256, 4096-byte data and hash blocks, no salt, the
 * hash tree right after the data in the same file (schemas/manifest.cddl) */
#define VERITY_BLOCK_BYTES 4096u
#define MAX_VERITY_DATA_BLOCKS 4294967296 /* 2^32: 16 TiB of data */

/* tree digest */
#define MAX_TREE_DEPTH 64u
#define MAX_TREE_ENTRIES 1000000u
#define MAX_PATH_BYTES 4096u
#define MAX_NAME_BYTES 255u
#define TREE_READ_CHUNK_BYTES (256u * 1024u)

#endif
