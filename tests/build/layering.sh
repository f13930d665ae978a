#!/usr/bin/env bash
# Dependencies point one way (docs/architecture.md):
#
#   measured-boot  <-  guest-init
#                  <-  host-verify  <-  vouch/vm  <-  vouch/image  <-  vouch
#
# Every `#include "..."` of every folder is resolved as the compiler
# resolves it (the including file's folder first, then the folders it may
# import) and must land in the folder itself or in one it may import; a
# header found only in another folder is an include that points the wrong
# way. The folder graph the includes draw must have no cycle. vouch may
# use host-verify only through the headers host-verify/README.md names.
# Inside a folder, the files must call one another one way too: a file
# that uses a name another file of its folder defines (a function or a
# global, found in the source with comments and strings taken out)
# depends on it, and those dependencies must draw no cycle.
# Then the same check is run on copies with one wrong include put in each
# way it can go wrong, and must refuse each with its reason.
set -u
n=0 fail=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
[ -d measured-boot ] && [ -d vouch ] || { echo "Bail out! run from the repository root"; exit 99; }
py=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 77; }

layering() { # root: prints one line per fault, exits 1 on any
	"$py" - "$1" <<'EOF'
import os, re, sys

root = sys.argv[1]
# folder -> the folders it may import, in the compiler's search order
ALLOWED = {
    "measured-boot": [],
    "guest-init": ["measured-boot"],
    "host-verify": ["measured-boot"],
    "vouch/vm": ["measured-boot", "host-verify"],
    "vouch/image": ["measured-boot", "vouch/vm"],
    "vouch": ["measured-boot", "host-verify", "vouch/image", "vouch/vm"],
}
# host-verify's public headers: what vouch may include from it
HV_PUBLIC = {"attestation.h", "credential.h", "judge.h", "report.h", "tpmkey.h"}
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

def folder_of(path):
    d = os.path.relpath(os.path.dirname(path), root)
    return d if d in ALLOWED else None

faults, edges = [], set()
for folder in ALLOWED:
    d = os.path.join(root, folder)
    for name in sorted(os.listdir(d)):
        if not name.endswith((".c", ".h")):
            continue
        src = os.path.join(d, name)
        for inc in INC.findall(open(src, encoding="utf-8", errors="replace").read()):
            where = f"{folder}/{name}: \"{inc}\""
            hit = None
            for cand in [folder] + ALLOWED[folder]:
                p = os.path.normpath(os.path.join(root, cand, inc))
                if os.path.isfile(p):
                    hit = folder_of(p)
                    if hit is None:
                        faults.append(f"{where} reaches outside the source folders")
                    break
            if hit is None and not any(f.startswith(where) for f in faults):
                owners = [f for f in ALLOWED if os.path.isfile(os.path.join(root, f, inc))]
                if owners:
                    faults.append(f"{where} points the wrong way (into {', '.join(owners)})")
                    hit = owners[0]
                else:
                    faults.append(f"{where} is in no source folder")
                    continue
            if hit is None:
                continue
            if hit != folder and hit not in ALLOWED[folder] and not any(f.startswith(where) for f in faults):
                faults.append(f"{where} points the wrong way (into {hit})")
            if folder.split("/")[0] == "vouch" and hit == "host-verify" and os.path.basename(inc) not in HV_PUBLIC:
                faults.append(f"{where} is not one of host-verify's public headers")
            if hit != folder:
                edges.add((folder, hit))

# a cycle in the folder graph the includes draw
graph = {f: sorted(t for (s, t) in edges if s == f) for f in ALLOWED}
state = {}
def visit(f, path):
    state[f] = 1
    for t in graph[f]:
        if state.get(t) == 1:
            cyc = path[path.index(t):] + [t]
            faults.append("cycle between folders: " + " -> ".join(cyc))
        elif t not in state:
            visit(t, path + [t])
    state[f] = 2
for f in ALLOWED:
    if f not in state:
        visit(f, [f])

# a cycle between the files of one folder, from the names each defines
# and uses.
STRIP = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', re.S)
DEF_FN = re.compile(r'^(?!static\b|extern\b|typedef\b|#|struct\s+\w+\s*\{|enum\b|union\b)[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(', re.M)
DEF_VAR = re.compile(r'^(?!static\b|extern\b|typedef\b|#)(?:const\s+)?(?:struct\s+\w+|[a-z_]\w*)\s+\**(\w+)\s*(?:=|;|\[)', re.M)
IDENT = re.compile(r'\b[A-Za-z_]\w*\b')
for folder in ALLOWED:
    d = os.path.join(root, folder)
    text, owner = {}, {}
    for u in sorted(n for n in os.listdir(d) if n.endswith(".c")):
        t = STRIP.sub(" ", open(os.path.join(d, u), encoding="utf-8", errors="replace").read())
        text[u] = t
        for n in set(DEF_FN.findall(t)) | set(DEF_VAR.findall(t)):
            owner.setdefault(n, u)
    fgraph = {u: sorted({owner[i] for i in set(IDENT.findall(t)) if i in owner and owner[i] != u})
              for u, t in text.items()}
    fstate = {}
    def fvisit(f, path):
        fstate[f] = 1
        for t in fgraph[f]:
            if fstate.get(t) == 1:
                faults.append(f"cycle between files of {folder}: " + " -> ".join(path[path.index(t):] + [t]))
            elif t not in fstate:
                fvisit(t, path + [t])
        fstate[f] = 2
    for f in sorted(fgraph):
        if f not in fstate:
            fvisit(f, [f])

for f in faults:
    print(f)
sys.exit(1 if faults else 0)
EOF
}

out=$(layering . 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
check '[ $rc -eq 0 ] && [ -z "$out" ]' "every include points the right way, no cycle between folders"

# the same check on copies, each with one wrong include added
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wrong() { # file line expected-words description
	rm -rf "$tmp/t" && mkdir -p "$tmp/t/vouch"
	cp -r measured-boot guest-init host-verify "$tmp/t/" && cp -r vouch/. "$tmp/t/vouch/"
	printf '%s\n' "$2" >>"$tmp/t/$1"
	want=$3
	got=$(layering "$tmp/t" 2>&1)
	got_rc=$?
	check '[ $got_rc -eq 1 ] && grep -qxF -- "$want" <<<"$got"' "$4"
}
wrong guest-init/main.c '#include "judge.h"' \
	'guest-init/main.c: "judge.h" points the wrong way (into host-verify)' \
	"guest-init including a host-verify header is refused"
wrong measured-boot/frame.c '#include "gi.h"' \
	'measured-boot/frame.c: "gi.h" points the wrong way (into guest-init)' \
	"measured-boot including a guest-init header is refused"
wrong measured-boot/cb.c '#include "../vouch/vm/proc.h"' \
	'measured-boot/cb.c: "../vouch/vm/proc.h" points the wrong way (into vouch/vm)' \
	"measured-boot including vouch by a relative path is refused"
wrong host-verify/verify.c '#include "launch.h"' \
	'host-verify/verify.c: "launch.h" points the wrong way (into vouch/vm)' \
	"host-verify including vouch is refused"
wrong vouch/vm/proc.c '#include "cli.h"' \
	'cycle between folders: vouch/vm -> vouch -> vouch/vm' \
	"vouch/vm including vouch's own header draws a cycle, refused"
wrong vouch/vm/launch.c '#include "verify.h"' \
	"vouch/vm/launch.c: \"verify.h\" is not one of host-verify's public headers" \
	"vouch including a host-verify header that is not public is refused"
wrong guest-init/verity.c 'static void die_(void) { gi_die("x", 0); }' \
	'cycle between files of guest-init: fatal.c -> verity.c -> fatal.c' \
	"a guest-init file calling back up into the one that calls it is a cycle, refused"
wrong vouch/cmd.c 'static void version_(void) { (void)cmd_version(0, 0); }' \
	'cycle between files of vouch: cmd.c -> main.c -> cmd.c' \
	"vouch's shared option helpers calling main.c is a cycle, refused"
wrong vouch/image/image_ext4_walk.c 'static int put_(void) { return ext4_put_tree(0, 0, 0, 0, 0); }' \
	'cycle between files of vouch/image: image_ext4_put.c -> image_ext4_walk.c -> image_ext4_put.c' \
	"the ext4 walker calling one of its passes by name is a cycle, refused"
wrong guest-init/tpm.c '#include "nowhere.h"' \
	'guest-init/tpm.c: "nowhere.h" is in no source folder' \
	"an include found in no folder is refused"
echo "1..$n"
exit $fail
