#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks the test vectors with a second, independent decoder.

    /usr/bin/python3 tests/xcheck/cbor2_check.py      (from the repository root)

Every good vector in tests/vectors/good/ is decoded with cbor2 and checked
against the schemas (schemas/*.cddl, frame.md, pcr-map.md): exact key sets,
types, sizes and ranges; deterministic encoding, by re-encoding with
cbor2.dumps(canonical=True) and comparing bytes; the hash chain of
chain.cborseq, recomputed from the nonce; the PCR replay of evlog.cbor; and
the links between the vectors (the event log pins the run spec, the
manifest's trees and boot parts and the chain head). Every bad vector in
tests/vectors/bad/EXPECTED must be refused. The limits in
measured-boot/mb_limits.h, schemas/limits.md and this file must agree.

TAP on stdout; exit 0 when all passed, 1 otherwise, 77 without cbor2.
"""

import hashlib
import io
import json
import os
import re
import sys

try:
    import cbor2
except ImportError:
    print("1..0 # SKIP python3-cbor2 is not installed (apt-get install python3-cbor2)")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOOD = os.path.join(ROOT, "tests", "vectors", "good")
BAD = os.path.join(ROOT, "tests", "vectors", "bad")

# The limits, as schemas/limits.md gives them (checked against limits.h).
LIMITS = {
    "SHA256_BYTES": 32,
    "NONCE_BYTES": 32,
    "MAX_CBOR_DEPTH": 8,
    "MAX_CBOR_ITEMS": 65536,
    "MAX_CBOR_STRING_BYTES": 1 << 20,
    "FRAME_HEADER_BYTES": 5,
    "MAX_FRAME_PAYLOAD_BYTES": 1 << 20,
    "MAX_RECORD_BYTES": 64 * 1024,
    "MAX_CHUNK_BYTES": 16 * 1024,
    "MAX_TEXT_BYTES": 4096,
    "MAX_RECORDS": 1000000,
    "MAX_FILE_RECORD_BYTES": 60 * 1024,
    "MAX_EVENTS": 64,
    "MAX_EVENT_DATA_BYTES": 64,
    "PCR_COUNT": 24,
    "MAX_ARGS": 256,
    "MAX_ENV": 256,
    "MAX_ARG_BYTES": 4096,
    "MAX_RUNSPEC_BYTES": 64 * 1024,
    "MAX_MANIFEST_BYTES": 256 * 1024,
    "MAX_TREES": 8,
    "MAX_TREE_NAME_BYTES": 64,
    "VERITY_BLOCK_BYTES": 4096,
    "MAX_VERITY_DATA_BLOCKS": 1 << 32,
    "MAX_TREE_DEPTH": 64,
    "MAX_TREE_ENTRIES": 1000000,
    "MAX_PATH_BYTES": 4096,
    "MAX_NAME_BYTES": 255,
    "TREE_READ_CHUNK_BYTES": 256 * 1024,
}
L = LIMITS
U32 = (1 << 32) - 1
U64 = (1 << 64) - 1

EV_SEPARATOR, EV_EVENT_TAG, EV_IPL = 0x04, 0x06, 0x0D
ALG_SHA256 = 0x000B
# pcr-map.md: event_data tag -> (PCR, event type)
PCR_MAP = {
    b"vouch.kernel": (8, EV_IPL),
    b"vouch.initramfs": (8, EV_IPL),
    b"vouch.cmdline": (8, EV_IPL),
    b"vouch.rootfs": (9, EV_IPL),
    b"vouch.runspec": (11, EV_EVENT_TAG),
    b"vouch.agent-tree": (12, EV_EVENT_TAG),
    b"vouch.harness-tree": (12, EV_EVENT_TAG),
    b"vouch.separator": (13, EV_SEPARATOR),
    b"vouch.chain-head": (13, EV_EVENT_TAG),
}
VOUCH_PCRS = (8, 9, 11, 12, 13)


class Reject(Exception):
    """The input does not hold against the schema."""


def need(cond, why):
    if not cond:
        raise Reject(why)


def sha256(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


# ---- strict decoding ----


def decode_one(data, max_bytes):
    """One CBOR item in deterministic encoding and nothing else."""
    need(len(data) <= max_bytes, f"{len(data)} bytes, over {max_bytes}")
    fp = io.BytesIO(data)
    try:
        obj = cbor2.CBORDecoder(fp).decode()
    except Exception as e:  # cbor2 has several error types for bad input
        raise Reject(f"not well-formed CBOR: {type(e).__name__}: {e}") from None
    need(fp.tell() == len(data), f"{len(data) - fp.tell()} trailing bytes")
    try:
        again = cbor2.dumps(obj, canonical=True)
    except Exception as e:
        raise Reject(f"cannot re-encode: {e}") from None
    need(again == data, "not in deterministic encoding (re-encoding differs)")
    return obj


def split_sequence(data):
    """The items of a CBOR sequence, as (bytes, object)."""
    fp, out = io.BytesIO(data), []
    while fp.tell() < len(data):
        start = fp.tell()
        try:
            obj = cbor2.CBORDecoder(fp).decode()
        except Exception as e:
            raise Reject(f"item at offset {start}: {type(e).__name__}: {e}") from None
        out.append((data[start:fp.tell()], obj))
    return out


# ---- schema primitives ----


def uint(v, lo=0, hi=U64, what="uint"):
    need(type(v) is int, f"{what}: {type(v).__name__}, not an unsigned integer")
    need(lo <= v <= hi, f"{what}: {v} outside {lo}..{hi}")
    return v


def bstr(v, lo=0, hi=L["MAX_CBOR_STRING_BYTES"], what="bstr"):
    need(type(v) is bytes, f"{what}: {type(v).__name__}, not a byte string")
    need(lo <= len(v) <= hi, f"{what}: {len(v)} bytes, not {lo}..{hi}")
    return v


def tstr(v, hi, what="tstr", lo=0, nul=False):
    need(type(v) is str, f"{what}: {type(v).__name__}, not a text string")
    n = len(v.encode("utf-8"))
    need(lo <= n <= hi, f"{what}: {n} bytes, not {lo}..{hi}")
    need(nul or "\0" not in v, f"{what}: NUL byte")
    return v


def boolean(v, what="bool"):
    need(type(v) is bool, f"{what}: {type(v).__name__}, not a boolean")
    return v


def array(v, lo, hi, what="array"):
    need(type(v) is list, f"{what}: {type(v).__name__}, not an array")
    need(lo <= len(v) <= hi, f"{what}: {len(v)} elements, not {lo}..{hi}")
    return v


def fields(v, required, optional=(), what="map"):
    need(type(v) is dict, f"{what}: {type(v).__name__}, not a map")
    for k in v:
        need(type(k) is int and k >= 0, f"{what}: key {k!r} is not an unsigned integer")
    keys, req, opt = set(v), set(required), set(optional)
    need(keys <= req | opt, f"{what}: unknown key(s) {sorted(keys - req - opt)}")
    need(req <= keys, f"{what}: missing key(s) {sorted(req - keys)}")
    return v


def abs_path(v, what):
    """Absolute; no empty, "." or ".." component; one trailing "/" allowed."""
    tstr(v, L["MAX_PATH_BYTES"], what, lo=1)
    need(v.startswith("/"), f"{what}: {v!r} is not absolute")
    if v != "/":
        parts = v[1:].split("/")
        if parts[-1] == "":
            parts.pop()
        need(all(p not in ("", ".", "..") for p in parts), f"{what}: {v!r} has a bad component")
    return v


def strings(v, lo, hi, what):
    for i, s in enumerate(array(v, lo, hi, what)):
        tstr(s, L["MAX_ARG_BYTES"], f"{what}[{i}]")
    return v


# ---- record.cddl ----


def body_phase(b):
    fields(b, {0}, what="phase body")
    uint(b[0], 1, 10, "phase")


def body_chunk(b):
    bstr(b, 0, L["MAX_CHUNK_BYTES"], "chunk")


def body_test(b):
    fields(b, {0, 1, 2}, {3, 4}, "test body")
    uint(b[0], what="test num")
    boolean(b[1], "test ok")
    tstr(b[2], L["MAX_TEXT_BYTES"], "test desc", nul=True)
    need((3 in b) == (4 in b), "test: directive and reason must come together")
    if 3 in b:
        uint(b[3], 1, 2, "directive")
        tstr(b[4], L["MAX_TEXT_BYTES"], "reason", nul=True)


def body_checkpoint(b):
    fields(b, {0}, what="checkpoint body")
    bstr(b[0], 0, L["MAX_TEXT_BYTES"], "signature")


def body_limit(b):
    fields(b, {0, 1}, what="limit body")
    uint(b[0], 1, 4, "limit what")
    uint(b[1], what="limit value")


def body_exit(b):
    fields(b, {0, 1}, what="exit body")
    uint(b[0], 0, 255, "exit code")
    uint(b[1], 0, 64, "exit signal")


def body_file(b):
    fields(b, {0, 1, 2, 3}, what="file body")
    tstr(b[0], L["MAX_TEXT_BYTES"], "file name", nul=True)
    uint(b[1], 0, U32, "file offset")
    bstr(b[2], 0, L["MAX_FILE_RECORD_BYTES"], "file data")
    boolean(b[3], "file last")


def body_end(b):
    fields(b, {0}, what="end body")
    uint(b[0], 0, 2, "end reason")


BODIES = {10: body_chunk, 1: body_phase, 2: body_chunk, 3: body_chunk, 4: body_test, 5: body_checkpoint,
          6: body_limit, 7: body_exit, 8: body_file, 9: body_end}


def check_record(data):
    r = decode_one(data, L["MAX_RECORD_BYTES"])
    fields(r, {0, 1, 2, 3, 4}, what="record")
    uint(r[0], 0, L["MAX_RECORDS"] - 1, "seq")
    bstr(r[1], 32, 32, "prev")
    uint(r[2], what="time_ns")
    uint(r[3], 1, 10, "kind")
    BODIES[r[3]](r[4])
    return r


def check_chain(data, nonce):
    """Records of one chain; returns (records, head)."""
    head, recs = sha256(b"vouch.chain.v1", nonce), []
    for i, (enc, _) in enumerate(split_sequence(data)):
        r = check_record(enc)
        need(r[0] == i, f"record {i}: seq {r[0]}")
        need(r[1] == head, f"record {i}: prev does not chain")
        head = sha256(enc)
        recs.append(r)
    return recs, head


# ---- evlog.cddl ----


def check_evlog(data):
    log = decode_one(data, U32)
    array(log, 0, L["MAX_EVENTS"], "event log")
    for i, ev in enumerate(log):
        w = f"event {i}"
        fields(ev, {0, 1, 3, 5}, what=w)
        need(uint(ev[0], 0, U32, f"{w} recnum") == i, f"{w}: recnum {ev[0]}")
        uint(ev[1], 0, L["PCR_COUNT"] - 1, f"{w} pcr")
        dg = array(ev[3], 1, 1, f"{w} digests")
        array(dg[0], 2, 2, f"{w} digest")
        need(uint(dg[0][0], 0, 0xFFFF, f"{w} alg") == ALG_SHA256, f"{w}: alg {dg[0][0]}")
        bstr(dg[0][1], 32, 32, f"{w} digest")
        fields(ev[5], {0, 1}, what=f"{w} content")
        uint(ev[5][0], 0, U32, f"{w} event_type")
        bstr(ev[5][1], 0, L["MAX_EVENT_DATA_BYTES"], f"{w} event_data")
    return log


def replay(log):
    pcrs = {i: bytes(32) for i in range(L["PCR_COUNT"])}
    for ev in log:
        pcrs[ev[1]] = sha256(pcrs[ev[1]], ev[3][0][1])
    return pcrs


def check_pcr_map(log):
    """pcr-map.md: each tag in its PCR with its type, in the map's order."""
    order = list(PCR_MAP)
    tags = [ev[5][1] for ev in log]
    for ev in log:
        tag = ev[5][1]
        need(tag in PCR_MAP, f"unknown event tag {tag!r}")
        need((ev[1], ev[5][0]) == PCR_MAP[tag], f"{tag!r}: PCR {ev[1]} type {ev[5][0]}")
        if tag == b"vouch.separator":
            need(ev[3][0][1] == sha256(bytes(4)), "separator digest is not SHA-256(00000000)")
    need(tags == sorted(tags, key=order.index), "events out of the map's order")
    need(len(set(tags)) == len(tags), "an event tag appears twice")


# ---- runspec.cddl ----


def check_runspec(data):
    rs = decode_one(data, L["MAX_RUNSPEC_BYTES"])
    fields(rs, set(range(11)) - {7, 8}, {7, 8, 11}, "run spec")
    # a plain run names neither tree; an agent user needs its tree
    need((7 in rs) == (8 in rs), "run spec: one tree without the other")
    need(11 not in rs or 7 in rs, "run spec: an agent user without an agent tree")
    need(uint(rs[0], 0, U32, "version") == 1, f"run spec version {rs[0]}")
    strings(rs[1], 1, L["MAX_ARGS"], "argv")
    strings(rs[2], 0, L["MAX_ENV"], "env")
    for k, w in ((3, "cwd"), (7, "agent"), (8, "harness")):
        if k in rs:
            abs_path(rs[k], w)
    for k, w in ((4, "uid"), (5, "gid")):
        uint(rs[k], 0, U32 - 1, w)
    uint(rs[6], 1, U32 - 1, "timeout_s")
    uint(rs[9], what="max_output_bytes")
    uint(rs[10], 1, U32 - 1, "max_procs")
    if 11 in rs:  # the agent boundary: [uid, gid], neither 0, uid not the harness's
        au = array(rs[11], 2, 2, "agent_user")
        uint(au[0], 1, U32 - 1, "agent uid")
        uint(au[1], 1, U32 - 1, "agent gid")
        need(au[0] != rs[4], "agent uid is the harness's")
    return rs


def check_hello(data):
    h = decode_one(data, L["MAX_FRAME_PAYLOAD_BYTES"])
    fields(h, {0, 1, 2}, what="hello")
    need(uint(h[0], 0, U32, "version") == 1, f"hello version {h[0]}")
    bstr(h[1], 32, 32, "nonce")
    bstr(h[2], 0, L["MAX_RUNSPEC_BYTES"], "runspec")
    return h


# ---- manifest.cddl ----


def check_manifest(data):
    m = decode_one(data, L["MAX_MANIFEST_BYTES"])
    fields(m, {0, 1, 2}, {3, 4, 5}, "manifest")
    need(uint(m[0], 0, U32, "version") == 1, f"manifest version {m[0]}")
    img = fields(m[1], {0, 1, 2}, {3, 4, 5}, "image")
    bstr(img[0], 32, 32, "image digest")
    size = uint(img[1], what="image size")
    need(tstr(img[2], 16, "image format") in ("ext4", "erofs"), f"image format {img[2]!r}")
    need((3 in img) == (4 in img), "verity root and offset: both or neither")
    if 3 in img:
        bstr(img[3], 32, 32, "verity root")
        off = uint(img[4], what="verity offset")
        need(0 < off < size and off % L["VERITY_BLOCK_BYTES"] == 0 and
             off // L["VERITY_BLOCK_BYTES"] <= L["MAX_VERITY_DATA_BLOCKS"], f"verity offset {off}")
    if 5 in img:  # trees_by_verity: true, and only beside a verity root
        need(img[5] is True and 3 in img, f"trees_by_verity {img[5]!r}")
    names = []
    for i, t in enumerate(array(m[2], 0, L["MAX_TREES"], "trees")):
        fields(t, {0, 1, 2}, what=f"tree {i}")
        names.append(tstr(t[0], L["MAX_TREE_NAME_BYTES"], f"tree {i} name"))
        need(tstr(t[1], L["MAX_PATH_BYTES"], f"tree {i} path").startswith("/"), "tree path")
        bstr(t[2], 32, 32, f"tree {i} digest")
    need(len(set(names)) == len(names), "tree names repeat")
    if 3 in m:
        boot = fields(m[3], {0, 1, 2}, what="boot")
        bstr(boot[0], 32, 32, "kernel")
        bstr(boot[1], 32, 32, "initramfs")
        tstr(boot[2], L["MAX_ARG_BYTES"], "cmdline")
    if 4 in m:
        cfg = fields(m[4], {0, 1, 2, 3}, what="config")
        strings(cfg[0], 0, L["MAX_ARGS"], "config argv")
        strings(cfg[1], 0, L["MAX_ENV"], "config env")
        tstr(cfg[2], L["MAX_PATH_BYTES"], "config cwd")
        tstr(cfg[3], L["MAX_TEXT_BYTES"], "config user")
    if 5 in m:  # the pinned run spec: its encoded bytes, a run spec itself
        check_runspec(bstr(m[5], 1, L["MAX_RUNSPEC_BYTES"], "pinned run spec"))
    return m


# ---- frame.md ----


def split_frames(data):
    """Whole frames, back to back, as (type, payload)."""
    out, off = [], 0
    while off < len(data):
        t = data[off]
        need(1 <= t <= 9, f"frame type {t}")
        need(len(data) - off >= L["FRAME_HEADER_BYTES"], "frame header cut")
        n = int.from_bytes(data[off + 1:off + 5], "big")
        need(n <= L["MAX_FRAME_PAYLOAD_BYTES"], f"frame payload of {n} bytes")
        need(n <= len(data) - off - 5, "frame payload cut")
        out.append((t, data[off + 5:off + 5 + n]))
        off += 5 + n
    return out


def check_frame(data):
    frames = split_frames(data)
    need(len(frames) == 1, f"{len(frames)} frames, not one")
    return frames[0]


# ---- TAP ----


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def result(self, ok, name, why=""):
        self.n += 1
        self.failed += not ok
        print(f"{'' if ok else 'not '}ok {self.n} - {name}")
        if why:
            for line in str(why).splitlines():
                print(f"#   {line}")
        sys.stdout.flush()

    def run(self, name, fn, *args):
        """A check passes when fn returns without raising."""
        try:
            fn(*args)
        except (Reject, AssertionError, OSError, ValueError, KeyError) as e:
            self.result(False, name, e)
        else:
            self.result(True, name)

    def refuses(self, name, fn, *args):
        try:
            fn(*args)
        except Reject as e:
            self.result(True, f"{name} refused ({e})")
        except Exception as e:
            self.result(False, f"{name}: checker error {type(e).__name__}: {e}")
        else:
            self.result(False, f"{name} accepted")


def read(name, where=GOOD):
    with open(os.path.join(where, name), "rb") as f:
        return f.read()


def equal(a, b, what):
    if a != b:
        raise Reject(f"{what}: {a!r} != {b!r}")


# ---- the good vectors ----


def good_records(tap, nonce):
    prev0 = sha256(b"vouch.chain.v1", nonce)
    want = {  # name -> (kind, what else must hold)
        "record-test.cbor": (4, lambda b: 3 not in b and 4 not in b),
        "record-test-skip.cbor": (4, lambda b: b.get(3) == 1),
        "record-test-todo.cbor": (4, lambda b: b.get(3) == 2 and b[1] is False),
        "record-stdout-max.cbor": (2, lambda b: len(b) == L["MAX_CHUNK_BYTES"]),
        "record-stdout-empty.cbor": (2, lambda b: b == b""),
        "record-file-max.cbor": (8, lambda b: len(b[2]) == L["MAX_FILE_RECORD_BYTES"]),
    }
    names = sorted(f for f in os.listdir(GOOD) if f.startswith("record-"))
    kinds = set()

    def one(name):
        r = check_record(read(name))
        equal((r[0], r[1]), (0, prev0), "seq and prev of a lone record")
        kinds.add(r[3])
        if name in want:
            need(r[3] == want[name][0] and want[name][1](r[4]), "not the variant its name says")

    for name in names:
        tap.run(f"good/{name}", one, name)
    tap.run("a good record of every kind", lambda: equal(sorted(kinds), list(range(1, 11)), "kinds"))


def good_chain(tap, nonce):
    out = {}

    def chain():
        recs, head = check_chain(read("chain.cborseq"), nonce)
        need(recs[-1][3] == 9, "the last record is not an end record")
        need(all(r[3] != 9 for r in recs[:-1]), "an end record before the last")
        j = json.loads(read("chain.json"))
        equal(j["nonce"], nonce.hex(), "chain.json nonce")
        equal(j["records"], len(recs), "chain.json records")
        equal(j["head"], head.hex(), "chain.json head")
        equal(j["extra_data"], sha256(nonce, head).hex(), "chain.json extra_data")
        out["head"] = head

    def frames():
        items = [enc for enc, _ in split_sequence(read("chain.cborseq"))]
        fr = split_frames(read("frames-records.bin"))
        equal([t for t, _ in fr], [2] * len(items), "frame types")
        equal([p for _, p in fr], items, "frame payloads")

    tap.run("good/chain.nonce is 32 bytes", lambda: equal(len(nonce), 32, "nonce length"))
    tap.run("good/chain.cborseq: hash chain recomputed, chain.json agrees", chain)
    tap.run("good/frames-records.bin: the chain's records, one frame each", frames)
    return out.get("head")


def good_runspec_hello(tap, nonce):
    def hello():
        h = check_hello(read("hello.cbor"))
        equal(h[1], nonce, "hello nonce")
        equal(h[2], read("runspec.cbor"), "hello run spec")
        check_runspec(h[2])
        equal(check_frame(read("frame-hello.bin")), (1, read("hello.cbor")), "hello frame")

    for name in sorted(f for f in os.listdir(GOOD) if f.startswith("runspec")):
        tap.run(f"good/{name}", check_runspec, read(name))
    tap.run("good/hello.cbor carries runspec.cbor and the nonce; frame-hello.bin frames it", hello)


def read_manifest():
    return decode_one(read("manifest.cbor"), L["MAX_MANIFEST_BYTES"])


def good_manifests(tap):
    want = {
        "manifest.cbor": lambda m: 3 in m and 4 in m and 3 not in m[1],
        "manifest-minimal.cbor": lambda m: 3 not in m and 4 not in m,
        "manifest-verity.cbor": lambda m: 3 in m and 4 not in m and 3 in m[1] and 5 not in m[1],
        "manifest-trees-by-verity.cbor": lambda m: 3 in m[1] and m[1][5] is True,
        "manifest-runspec.cbor": lambda m: m[5] == read("runspec.cbor") and 5 not in read_manifest(),
    }

    def one(name):
        m = check_manifest(read(name))
        need(want.get(name, lambda m: True)(m), "not the variant its name says")

    for name in sorted(f for f in os.listdir(GOOD) if f.startswith("manifest")):
        tap.run(f"good/{name}", one, name)


def good_evlog(tap, head):
    def replayed():
        log = check_evlog(read("evlog.cbor"))
        pcrs = replay(log)
        j = json.loads(read("evlog.json"))
        for i in VOUCH_PCRS:
            equal(j["pcrs"][str(i)], pcrs[i].hex(), f"PCR {i}")
        equal(j["composite"], sha256(*(pcrs[i] for i in VOUCH_PCRS)).hex(), "composite")
        for i in set(range(L["PCR_COUNT"])) - set(VOUCH_PCRS):
            equal(pcrs[i], bytes(32), f"PCR {i} untouched")

    def pins():
        log = check_evlog(read("evlog.cbor"))
        check_pcr_map(log)
        ev = {e[5][1].decode(): e[3][0][1] for e in log}
        m = check_manifest(read("manifest.cbor"))
        trees = {t[0]: t[2] for t in m[2]}
        equal(ev["vouch.kernel"], m[3][0], "kernel pin")
        equal(ev["vouch.initramfs"], m[3][1], "initramfs pin")
        equal(ev["vouch.cmdline"], sha256(m[3][2].encode()), "cmdline pin")
        equal(ev["vouch.rootfs"], m[1][0], "root image pin")
        equal(ev["vouch.runspec"], sha256(read("runspec.cbor")), "run spec pin")
        equal(ev["vouch.agent-tree"], trees["agent"], "agent tree pin")
        equal(ev["vouch.harness-tree"], trees["harness"], "harness tree pin")
        equal(ev["vouch.chain-head"], head, "chain head")

    tap.run("good/evlog.cbor: PCR replay agrees with evlog.json", replayed)
    tap.run("good/evlog.cbor: PCR map; pins the manifest, run spec and chain head", pins)


KNOWN = re.compile(r"^(record-.*\.cbor|chain\.(cborseq|nonce|json)|frames-records\.bin|"
                   r"evlog\.(cbor|json)|runspec.*\.cbor|hello\.cbor|frame-hello\.bin|"
                   r"manifest.*\.cbor)$")


def good(tap):
    unknown = [f for f in sorted(os.listdir(GOOD)) if not KNOWN.match(f)]
    tap.result(not unknown, "every good vector has a check", f"no check for {unknown}" if unknown else "")
    nonce = read("chain.nonce")
    good_records(tap, nonce)
    head = good_chain(tap, nonce)
    good_runspec_hello(tap, nonce)
    good_manifests(tap)
    good_evlog(tap, head)


# ---- the bad vectors ----


def bad(tap, nonce):
    checkers = {
        "record": check_record,
        "evlog": check_evlog,
        "runspec": check_runspec,
        "hello": check_hello,
        "manifest": check_manifest,
        "chain": lambda d: check_chain(d, nonce),
        "frame": check_frame,
    }
    with open(os.path.join(BAD, "EXPECTED")) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    listed = {ln[0] for ln in lines}
    files = set(os.listdir(BAD)) - {"EXPECTED"}
    tap.result(files == listed and all(len(ln) == 3 for ln in lines),
               "bad/EXPECTED lists every bad vector, as: file decoder error",
               f"unlisted: {sorted(files - listed)}; missing: {sorted(listed - files)}"
               if files != listed else "")
    for name, decoder, error in lines:
        if decoder not in checkers or not error.startswith("MB_E_"):
            tap.result(False, f"bad/{name}: unknown decoder {decoder} or error {error}")
            continue
        tap.refuses(f"bad/{name}", checkers[decoder], read(name, BAD))


# ---- limits ----


def limits_h():
    out = {}
    with open(os.path.join(ROOT, "measured-boot", "mb_limits.h")) as f:
        for m in re.finditer(r"^#define[ \t]+([A-Z0-9_]+)[ \t]+([^/\n]+)", f.read(), re.M):
            expr = re.sub(r"(\d+)u\b", r"\1", m.group(2)).strip()
            need(re.fullmatch(r"[0-9 ()*<<+-]+", expr) is not None, f"cannot read {m.group(0)}")
            out[m.group(1)] = eval(expr, {"__builtins__": {}})  # digits and operators only
    return out


def limits_md():
    out = {}
    with open(os.path.join(ROOT, "schemas", "limits.md")) as f:
        for m in re.finditer(r"^\|\s*`([A-Z0-9_]+)`\s*\|\s*([0-9]+)\s*\|", f.read(), re.M):
            out[m.group(1)] = int(m.group(2))
    return out


def limits(tap):
    tap.run("limits.h has the limits this check uses", lambda: equal(
        {k: v for k, v in limits_h().items() if k in LIMITS}, LIMITS, "mb_limits.h"))
    tap.run("schemas/limits.md has the numbers of limits.h",
            lambda: equal(limits_md(), limits_h(), "limits.md"))


def main():
    tap = Tap()
    limits(tap)
    good(tap)
    bad(tap, read("chain.nonce"))
    print(f"1..{tap.n}")
    return 0 if tap.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
