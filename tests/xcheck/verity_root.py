#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""verity_root.py IMG DATA_BYTES: the dm-verity root hash of IMG's first
DATA_BYTES, computed here from the format's definition and nothing of
veritysetup's (version 1, SHA-256, 4096-byte data and hash blocks, no
salt): each level hashes the blocks of the one below, digests packed into
4096-byte blocks padded with zeros; the root hashes the top level's one
block."""
import hashlib
import sys

BLOCK = 4096


def root(buf):
    level = [hashlib.sha256(buf[i:i + BLOCK]).digest() for i in range(0, len(buf), BLOCK)]
    while True:
        packed = b"".join(level)
        blocks = [packed[i:i + BLOCK].ljust(BLOCK, b"\0") for i in range(0, len(packed), BLOCK)]
        if len(blocks) == 1:
            return hashlib.sha256(blocks[0]).hexdigest()
        level = [hashlib.sha256(b).digest() for b in blocks]


def main():
    img, data = sys.argv[1], int(sys.argv[2])
    if data <= 0 or data % BLOCK:
        sys.exit("DATA_BYTES: whole 4096-byte blocks")
    with open(img, "rb") as f:
        buf = f.read(data)
    if len(buf) != data:
        sys.exit("image shorter than DATA_BYTES")
    print(root(buf))


if __name__ == "__main__":
    main()
