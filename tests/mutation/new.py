#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes one mutant: tests/mutation/NAME.patch, the unified diff that
replaces the one occurrence of OLD in FILE with NEW, headed by
"# weakens: WHAT" (and "# VM: SCRIPT..." with --vm). Run from the top of
the tree:  tests/mutation/new.py NAME FILE OLD NEW WHAT [--vm 'SCRIPTS']"""
import difflib
import sys


def main(argv):
    vm = None
    if "--vm" in argv:
        i = argv.index("--vm")
        vm = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) != 6:
        sys.exit(__doc__)
    name, path, old, new, what = argv[1:]
    src = open(path).read()
    if src.count(old) != 1:
        sys.exit(f"{path}: {old!r} occurs {src.count(old)} times, not once")
    mut = src.replace(old, new)
    diff = difflib.unified_diff(src.splitlines(True), mut.splitlines(True),
                                "a/" + path, "b/" + path, n=2)
    with open(f"tests/mutation/{name}.patch", "w") as f:
        f.write(f"# weakens: {what}\n")
        if vm:
            f.write(f"# VM: {vm}\n")
        f.writelines(diff)


main(sys.argv)
