#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The tree digest of schemas/tree-digest.md, written from the spec alone
(standard library only), to cross-check measured-boot/tree.c.

    tree_digest.py PATH...     prints the lowercase hex digest of each PATH
    tree_digest.py -v PATH     also lists each entry, in walk order, on stderr
"""

import hashlib
import os
import stat
import sys

TAG = b"vouch.tree.v1"
CHUNK = 1 << 20

TYPES = {
    stat.S_IFREG: 1,
    stat.S_IFDIR: 2,
    stat.S_IFLNK: 3,
    stat.S_IFCHR: 4,
    stat.S_IFBLK: 5,
    stat.S_IFIFO: 6,
    stat.S_IFSOCK: 7,
}


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * width):
            return bytes([major << 5 | ai]) + n.to_bytes(width, "big")
    raise ValueError("integer too large")


def cbor(item):
    """Deterministic CBOR of the few types an entry holds."""
    if item is None:
        return b"\xf6"
    if isinstance(item, bool):
        raise TypeError("no booleans in an entry")
    if isinstance(item, int):
        if item < 0:
            raise ValueError("negative")
        return cbor_head(0, item)
    if isinstance(item, bytes):
        return cbor_head(2, len(item)) + item
    if isinstance(item, list):
        return cbor_head(4, len(item)) + b"".join(cbor(x) for x in item)
    raise TypeError(type(item))


def file_sha256(path, size):
    h, total = hashlib.sha256(), 0
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path!r} changed type while read")
        while True:
            b = os.read(fd, CHUNK)
            if not b:
                break
            h.update(b)
            total += len(b)
    finally:
        os.close(fd)
    if total != size:
        raise OSError(f"{path!r} changed size while read")
    return h.digest()


def entry(fspath, relpath, st):
    ftype = TYPES.get(stat.S_IFMT(st.st_mode))
    if ftype is None:
        raise OSError(f"{fspath!r}: unknown file type")
    size, content = 0, None
    if ftype == 1:
        size, content = st.st_size, file_sha256(fspath, st.st_size)
    elif ftype == 3:
        content = os.readlink(fspath)
        size = len(content)
    elif ftype in (4, 5):
        content = [os.major(st.st_rdev), os.minor(st.st_rdev)]
    return [relpath, ftype, st.st_mode & 0o7777, st.st_uid, st.st_gid, size, content]


def walk(fspath, relpath, emit):
    st = os.lstat(fspath)
    emit(entry(fspath, relpath, st))
    if not stat.S_ISDIR(st.st_mode):
        return
    for name in sorted(os.listdir(fspath)):  # bytes sort bytewise, unsigned
        child = name if relpath == b"" else relpath + b"/" + name
        walk(os.path.join(fspath, name), child, emit)


def tree_digest(path, verbose=False):
    h = hashlib.sha256(TAG)

    def emit(e):
        enc = cbor(e)
        if verbose:
            print(f"{enc.hex()}  {e[0]!r}", file=sys.stderr)
        h.update(enc)

    walk(os.fsencode(path), b"", emit)
    return h.hexdigest()


def main(argv):
    verbose = len(argv) > 1 and argv[1] == "-v"
    paths = argv[2:] if verbose else argv[1:]
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    for p in paths:
        print(tree_digest(p, verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
