# SPDX-License-Identifier: MIT
"""The tests of a run, one "STATUS NAME" line each (pass, fail, skip),
sorted, read independently of host-verify:

  tests.py FILE                    a result file as the harness wrote it
                                   (*.xml JUnit, *.tap TAP)
  tests.py --report REPORT FILE    the cases report.json lists from FILE
  tests.py --junit JUNIT FILE      the cases of vouch's junit.xml (its own
                                   vouch.* cases left out)

NAME is "classname::name" for a JUnit case (the innermost testsuite's name
when the case has no classname), the description for a TAP test point.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

TAP = re.compile(r"^(not )?ok\b(?: +\d+)?(?: +-)? *(.*)$")
DIRECTIVE = re.compile(r"\s+#\s*(skip|todo)\b.*$", re.I)


def junit(path, vouch=False):
    out = []

    def walk(el, suite):
        for child in el:
            if child.tag == "testsuite":
                walk(child, child.get("name", ""))
            elif child.tag == "testcase":
                # vouch writes every case's classname (empty for a TAP
                # file's) and its own checks as classname "vouch"
                cls = child.get("classname", "") if vouch else child.get("classname") or suite
                if vouch and cls == "vouch":
                    continue
                tags = {c.tag for c in child}
                status = "fail" if tags & {"failure", "error"} else "skip" if "skipped" in tags else "pass"
                name = child.get("name")
                out.append("%s %s" % (status, "%s::%s" % (cls, name) if cls else name))

    root = ET.parse(path).getroot()
    if root.tag == "testsuite":
        walk(root, root.get("name", ""))
    else:
        walk(root, "")
    return out


def tap(path):
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        m = TAP.match(line.rstrip("\n"))
        if not m:
            continue
        desc = m.group(2)
        d = DIRECTIVE.search(desc)
        directive = d.group(1).lower() if d else None
        if d:
            desc = desc[: d.start()]
        if directive == "skip":
            status = "skip"
        elif m.group(1) and directive != "todo":
            status = "fail"
        else:
            status = "pass"
        out.append("%s %s" % (status, desc.strip()))
    return out


def report(path, name):
    out = []
    for t in json.load(open(path))["tests"]:
        if t.get("file") != name:
            continue
        if t["directive"] == "skip":
            status = "skip"
        elif not t["ok"] and t["directive"] != "todo":
            status = "fail"
        else:
            status = "pass"
        full = "%s::%s" % (t["classname"], t["name"]) if t["classname"] else t["name"]
        out.append("%s %s" % (status, full))
    return out


def main(argv):
    if argv[0] == "--report":
        lines = report(argv[1], argv[2])
    elif argv[0] == "--junit":
        lines = junit(argv[1], vouch=True)
    elif argv[0].endswith(".tap"):
        lines = tap(argv[0])
    else:
        lines = junit(argv[0])
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
