#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the test images of tests/image: OCI layouts (tar, gzip or zstd
layers), docker save directories, and malicious archives, all without a
registry or a container engine.

    mkoci.py CASE OUT [--compress none|gzip|zstd] [--docker] [--no-devices]
    mkoci.py corrupt OUT manifest|config|layer|truncate|index|mediatype
    mkoci.py from-dirs OUT DIR...   (one gzip layer per directory)
    mkoci.py runcfg OUT CONFIG_JSON [--busybox] [--rootfs-tar]
                                    (users, homes and trees, with that config)
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

EPOCH = 1700000000
CREATED = "2023-11-14T22:13:20Z"  # == EPOCH
CAP_NET_BIND = "\x01\x00\x00\x02\x00\x04\x00\x00" + "\x00" * 12  # vfs_cap_data v2


def ent(name, kind="file", data=b"", mode=0o644, uid=0, gid=0, link="", dev=(0, 0), xattrs=None,
        size=None, mtime=EPOCH - 1000):
    t = tarfile.TarInfo(name)
    t.mode, t.uid, t.gid, t.mtime = mode, uid, gid, mtime
    t.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE,
              "hard": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
              "fifo": tarfile.FIFOTYPE}[kind]
    t.linkname = link
    t.devmajor, t.devminor = dev
    if xattrs:
        t.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    return (t, data, size)


def layer_tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for t, data, size in entries:
            if size is not None:  # a header that lies: no data follows
                t.size = size
                buf.write(t.tobuf(tarfile.PAX_FORMAT))
                continue
            t.size = len(data) if t.type == tarfile.REGTYPE else 0
            tf.addfile(t, io.BytesIO(data) if t.size else None)
    return buf.getvalue()


def compress(raw, how):
    if how == "gzip":
        return gzip.compress(raw, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "--no-check"], input=raw, check=True,
                              stdout=subprocess.PIPE).stdout
    return raw


def sha(b):
    return hashlib.sha256(b).hexdigest()


def put_blob(out, data):
    d = sha(data)
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}


def config_json(raws, labels):
    return json.dumps({
        "created": CREATED, "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"], "Entrypoint": ["/bin/sh"],
                   "Cmd": ["-c", "/opt/harness/run-tests"], "WorkingDir": "/opt",
                   "User": "1000:1000", "Labels": labels},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(r) for r in raws]},
    }, sort_keys=True).encode()


def write_oci(out, layers, how, labels):
    raws = [layer_tar(l) for l in layers]
    mt = {"none": "", "gzip": "+gzip", "zstd": "+zstd"}[how]
    descs = []
    for r in raws:
        d = put_blob(out, compress(r, how))
        d["mediaType"] = "application/vnd.oci.image.layer.v1.tar" + mt
        descs.append(d)
    cfg = put_blob(out, config_json(raws, labels))
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": cfg, "layers": descs}
    md = put_blob(out, json.dumps(man, sort_keys=True).encode())
    md["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    md["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [md]}, f, sort_keys=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def write_docker(out, layers, labels):
    raws = [layer_tar(l) for l in layers]
    os.makedirs(out, exist_ok=True)
    paths = []
    for r in raws:
        os.makedirs(os.path.join(out, sha(r)), exist_ok=True)
        with open(os.path.join(out, sha(r), "layer.tar"), "wb") as f:
            f.write(r)
        paths.append(sha(r) + "/layer.tar")
    cfg = config_json(raws, labels)
    with open(os.path.join(out, sha(cfg) + ".json"), "wb") as f:
        f.write(cfg)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump([{"Config": sha(cfg) + ".json", "RepoTags": ["t:latest"], "Layers": paths}], f)


def case_basic(devices):
    """Whiteouts of hard-linked files, opaque directories re-populated,
    symlinks, setuid/setgid/sticky, owners, xattrs, devices, FIFOs."""
    l1 = [
        ent("bin", "dir", mode=0o755), ent("bin/tool", data=b"#!/bin/sh\necho tool\n", mode=0o4755),
        ent("bin/sgid", data=b"g", mode=0o2711, gid=50),
        ent("bin/cap", data=b"cap", mode=0o755, xattrs={"security.capability": CAP_NET_BIND}),
        ent("bin/sh", "sym", link="tool"), ent("bin/abs", "sym", link="/etc/passwd"),
        ent("bin/dangling", "sym", link="../nowhere"),
        ent("etc", "dir", mode=0o755), ent("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
        ent("etc/hl-a", data=b"shared content\n", mode=0o640, uid=1000, gid=1000),
        ent("etc/hl-b", "hard", link="etc/hl-a"), ent("etc/hl-c", "hard", link="etc/hl-a"),
        ent("tmp", "dir", mode=0o1777),
        ent("opq", "dir", mode=0o750, uid=1000, gid=1000, xattrs={"user.tag": "lower"}),
        ent("opq/old1", data=b"old1"), ent("opq/sub", "dir"), ent("opq/sub/old2", data=b"old2"),
        ent("gone", "dir"), ent("gone/a", data=b"a"), ent("gone/deep", "dir"),
        ent("gone/deep/b", data=b"b"),
        ent("f2d", data=b"file becomes dir"), ent("d2f", "dir"), ent("d2f/x", data=b"x"),
        ent("home", "dir"), ent("home/u", "dir", mode=0o700, uid=1000, gid=1000),
        ent("home/u/notes", data=b"n" * 70000, uid=1000, gid=1000, xattrs={"user.note": "hi"}),
        ent("run", "dir"), ent("run/fifo", "fifo", mode=0o600),
        ent("opt", "dir"), ent("opt/agent", "dir"), ent("opt/agent/calc", data=b"calc v1\n", mode=0o755),
        ent("opt/harness", "dir"), ent("opt/harness/run-tests", data=b"#!/bin/sh\n", mode=0o755),
    ]
    if devices:
        l1 += [ent("dev", "dir"), ent("dev/null", "chr", mode=0o666, dev=(1, 3)),
               ent("dev/loop0", "blk", mode=0o660, gid=6, dev=(7, 0))]
    l2 = [
        ent("etc", "dir", mode=0o755),
        ent("etc/.wh.hl-b"),                         # whiteout of one name of a hard link
        ent("etc/hl-d", "hard", link="etc/hl-c"),    # a link across layers
        ent("opq", "dir", mode=0o755, uid=1000, gid=1000),
        ent("opq/.wh..wh..opq"), ent("opq/new", data=b"new"),
        ent(".wh.gone"),
        ent("f2d", "dir", mode=0o700), ent("f2d/inside", data=b"i"),
        ent("d2f", data=b"dir became file"),
        ent("opt/agent/calc", data=b"calc v2\n", mode=0o755),
        ent("bin/.wh.dangling"),
        ent("bin/.wh..wh.plnk"),                     # aufs bookkeeping: ignored
    ]
    l3 = [
        ent("opq/sub", "dir", mode=0o711),            # re-populated after the opaque layer
        ent("opq/sub/again", data=b"again"),
        ent("gone", "dir", mode=0o700), ent("gone/a", data=b"back"),
        ent("etc/.wh.hl-a"),
        ent("opq2", "dir"), ent("opq2/.wh..wh..opq"), ent("opq2/only", data=b"o"),
    ]
    return [l1, l2, l3]


def bad_layers(name):
    base = [ent("etc", "dir"), ent("etc/passwd", data=b"x")]
    cases = {
        "traversal": [base + [ent("../escape", data=b"x")]],
        "traversal-deep": [base + [ent("etc/../../escape", data=b"x")]],
        "symlink-escape": [base + [ent("evil", "sym", link="/tmp"), ent("evil/x", data=b"x")]],
        "symlink-relative": [base, [ent("up", "sym", link="../../../.."), ent("up/tmp/x", data=b"x")]],
        "hardlink-outside": [base + [ent("etc/shadow", "hard", link="../../etc/shadow")]],
        "hardlink-missing": [base + [ent("etc/shadow", "hard", link="etc/nothing")]],
        "whiteout-dotdot": [base, [ent("etc/.wh..."), ent("etc/y", data=b"y")]],
        "huge-size": [base + [ent("big", size=1 << 40)]],
        "long-name": [base + [ent("n" * 300, data=b"x")]],
        "implicit-parents": [[ent("a/b/c/file", data=b"x", mode=0o600)], [ent("a/b/d/other", data=b"y")]],
    }
    return cases[name]


def corrupt(out, what):
    """Breaks a written layout: one byte of a blob changed (size kept), a
    layer blob cut short, index.json cut short, or a layer given a media
    type nobody can read (manifest and index digests kept consistent)."""
    blob = lambda d: os.path.join(out, "blobs", "sha256", d["digest"][7:])
    ipath = os.path.join(out, "index.json")
    index = json.load(open(ipath))
    mdesc = index["manifests"][0]
    man = json.load(open(blob(mdesc)))
    if what == "index":
        data = open(ipath, "rb").read()
        open(ipath, "wb").write(data[:len(data) // 2])
        return
    if what == "mediatype":
        man["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
        d = put_blob(out, json.dumps(man, sort_keys=True).encode())
        mdesc.update(d)
        json.dump(index, open(ipath, "w"), sort_keys=True)
        return
    path = {"manifest": blob(mdesc), "config": blob(man["config"]),
            "layer": blob(man["layers"][-1]), "truncate": blob(man["layers"][0])}[what]
    data = bytearray(open(path, "rb").read())
    if what == "truncate":
        data = data[:-10]
    else:
        data[len(data) // 2] ^= 0x20
    open(path, "wb").write(bytes(data))


def from_dirs(out, dirs):
    """One gzip layer per host directory (its tree under its own name)."""
    layers = []
    for d in dirs:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
            tf.add(d, arcname=d.strip("/"))
        layers.append(buf.getvalue())
    descs = []
    for r in layers:
        desc = put_blob(out, compress(r, "gzip"))
        desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        descs.append(desc)
    cfg = put_blob(out, json.dumps({"created": CREATED, "rootfs": {"type": "layers",
                   "diff_ids": ["sha256:" + sha(r) for r in layers]}}).encode())
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    md = put_blob(out, json.dumps({"schemaVersion": 2, "config": cfg, "layers": descs}).encode())
    md["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [md]}, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


HARNESS = b"""#!/bin/sh
# prints what docker run would have given it, as TAP test names
echo 1..1
echo "ok 1 - uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME path=$PATH cwd=$(pwd) argv=$*"
"""


def runcfg(out, config, rootfs_tar=False, busybox=False):
    """An image for the run spec vouch image pins from a config: /etc/passwd
    and /etc/group with named users, their homes, /work, the trees; with
    busybox, a root that boots (its applets through symlinks). config is the
    image config's "config" object (JSON); --rootfs-tar writes the same
    tree as a plain tar (no config at all)."""
    l = [
        ent("etc", "dir", mode=0o755),
        ent("etc/passwd.real", data=b"root:x:0:0:root:/root:/bin/sh\n"
            b"app:x:1000:1001:App:/home/app:/bin/sh\nsvc:x:999:999::/srv/svc:/bin/sh\n"),
        # resolved inside the image (the host has no /etc/passwd.real)
        ent("etc/passwd", "sym", link="/etc/passwd.real"),
        ent("etc/group", data=b"root:x:0:\napp:x:1001:\nstaff:x:50:app\n"),
        ent("root", "dir", mode=0o700), ent("home", "dir", mode=0o755),
        ent("home/app", "dir", mode=0o755, uid=1000, gid=1001),
        ent("srv", "dir", mode=0o755), ent("srv/svc", "dir", mode=0o755, uid=999, gid=999),
        ent("work", "dir", mode=0o777), ent("tmp", "dir", mode=0o1777),
        ent("opt", "dir", mode=0o755), ent("opt/agent", "dir", mode=0o755), ent("opt/agent/a", data=b"agent\n", mode=0o755),
        ent("opt/harness", "dir", mode=0o755), ent("opt/harness/run", data=HARNESS, mode=0o755),
    ]
    if busybox:
        bb = open("/bin/busybox", "rb").read()
        l += [ent("bin", "dir", mode=0o755), ent("bin/busybox", data=bb, mode=0o755)]
        l += [ent("bin/" + a, "sym", link="busybox") for a in ("sh", "id", "pwd", "echo", "cat")]
        l += [ent("dev", "dir", mode=0o755), ent("proc", "dir", mode=0o755), ent("sys", "dir", mode=0o755)]
    if rootfs_tar:
        with open(out, "wb") as f:
            f.write(layer_tar(l))
        return
    raw = layer_tar(l)
    os.makedirs(out, exist_ok=True)
    d = put_blob(out, compress(raw, "gzip"))
    d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    cfg = put_blob(out, json.dumps({"created": CREATED, "architecture": "amd64", "os": "linux",
                                    "config": json.loads(config),
                                    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(raw)]}},
                                   sort_keys=True).encode())
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": cfg, "layers": [d]}
    md = put_blob(out, json.dumps(man, sort_keys=True).encode())
    md["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [md]}, f, sort_keys=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def main():
    if sys.argv[1:2] == ["runcfg"]:
        a = sys.argv[2:]
        return runcfg(a[0], a[1] if len(a) > 1 else "{}", "--rootfs-tar" in a, "--busybox" in a)
    if sys.argv[1:2] == ["corrupt"]:
        return corrupt(sys.argv[2], sys.argv[3])
    if sys.argv[1:2] == ["from-dirs"]:
        return from_dirs(sys.argv[2], sys.argv[3:])
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("out")
    ap.add_argument("--compress", default="gzip", choices=["none", "gzip", "zstd"])
    ap.add_argument("--docker", action="store_true")
    ap.add_argument("--no-devices", action="store_true")
    a = ap.parse_args()
    labels = {"org.vouch.agent": "/opt/agent", "org.vouch.harness": "/opt/harness"} \
        if a.case == "basic" else {}
    layers = case_basic(not a.no_devices) if a.case == "basic" else bad_layers(a.case)
    os.makedirs(a.out, exist_ok=True)
    if a.docker:
        write_docker(a.out, layers, labels)
    else:
        write_oci(a.out, layers, a.compress, labels)


if __name__ == "__main__":
    sys.exit(main())
