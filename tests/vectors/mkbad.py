#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the bad vectors of tests/vectors/bad/ and their EXPECTED list.

    tests/vectors/mkbad.py [OUTDIR]     (default: tests/vectors/bad)

Each bad vector is one good message with one fault, spelt out byte by byte
with the small encoder below (which, unlike a CBOR library, can write
non-canonical heads, indefinite lengths and duplicate keys on purpose).
EXPECTED names, for each file, the decoder that must refuse it and the
MB_E_* error it must return. Standard library only; the output is
deterministic, and tests/vectors/check.sh regenerates it to compare.
"""

import hashlib
import os
import sys

# ---- a CBOR writer that can also write it wrong ----


def head(major, n, width=None):
    """Item head; width forces 0 (in the first byte), 1, 2, 4 or 8 bytes."""
    if width is None:
        width = 0 if n < 24 else 1 if n < 1 << 8 else 2 if n < 1 << 16 else 4 if n < 1 << 32 else 8
    ai = {0: n, 1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([major << 5 | ai]) + (n.to_bytes(width, "big") if width else b"")


def U(n, width=None):
    return head(0, n, width)


def NEG(n):  # the integer -1 - n
    return head(1, n)


def B(b, width=None):
    return head(2, len(b), width) + bytes(b)


def T(s, width=None):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return head(3, len(b), width) + b


def A(*items):
    return head(4, len(items)) + b"".join(items)


def M(pairs):
    """pairs: [(key, value)], key an int (encoded as uint) or raw bytes."""
    out = head(5, len(pairs))
    for k, v in pairs:
        out += (U(k) if isinstance(k, int) else k) + v
    return out


TRUE, FALSE, NULL, UNDEFINED = b"\xf5", b"\xf4", b"\xf6", b"\xf7"
BREAK = b"\xff"


def indef_array(*items):
    return b"\x9f" + b"".join(items) + BREAK


def indef_map(pairs):
    return b"\xbf" + b"".join((U(k) if isinstance(k, int) else k) + v for k, v in pairs) + BREAK


def put(pairs, key, value):
    """Copy of pairs with key's value replaced."""
    return [(k, value if k == key else v) for k, v in pairs]


def drop(pairs, key):
    return [(k, v) for k, v in pairs if k != key]


def rekey(pairs, key, new):
    return [(new if k == key else k, v) for k, v in pairs]


def sha256(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def label(s):
    return sha256(("vouch test vector: " + s).encode())


# ---- the good messages, as tests/vectors/mkvectors.c writes them ----

NONCE = bytes(0xA0 + i for i in range(32))
PREV0 = sha256(b"vouch.chain.v1", NONCE)


def record(kind, body, seq=0, prev=PREV0, time=1000):
    return [(0, U(seq)), (1, B(prev)), (2, U(time)), (3, U(kind)), (4, body)]


def phase(p):
    return M([(0, U(p))])


def test_body(num, ok, desc, directive=None, reason=None):
    pairs = [(0, U(num)), (1, TRUE if ok else FALSE), (2, T(desc))]
    if directive is not None:
        pairs += [(3, U(directive)), (4, T(reason))]
    return M(pairs)


def file_body(name, offset, data, last):
    return M([(0, T(name)), (1, U(offset)), (2, B(data)), (3, TRUE if last else FALSE)])


def pair(a, b):
    return M([(0, U(a)), (1, U(b))])


TAP_OUT = (b"TAP version 14\n1..3\nok 1 - boots\nok 2 - parses # SKIP no network\n"
           b"not ok 3 - writes # TODO not yet\n")
JUNIT = b'<testsuites><testsuite name="sample" tests="3"/></testsuites>\n'


def chain_bodies():
    """(kind, body) of the records of chain.cborseq, in order."""
    out = [(1, phase(p)) for p in range(1, 8)]
    out += [
        (2, B(TAP_OUT)),
        (4, test_body(1, True, "boots")),
        (4, test_body(2, True, "parses", 1, "no network")),
        (4, test_body(3, False, "writes", 2, "not yet")),
        (3, B(b"warning: slow disk\n")),
        (5, M([(0, B(b"\xa5" * 64))])),
        (1, phase(8)),
        (7, pair(0, 0)),
        (8, file_body("junit/results.xml", 0, JUNIT, True)),
        (1, phase(9)),
        (9, M([(0, U(0))])),
    ]
    return out


def chain_pairs(bodies, nonce=NONCE, seqs=None):
    """The records of a chain, as pairs; seqs overrides the numbers written."""
    prev, out = sha256(b"vouch.chain.v1", nonce), []
    for i, (kind, body) in enumerate(bodies):
        seq = i if seqs is None else seqs[i]
        pairs = record(kind, body, seq=seq, prev=prev, time=1000000 + i * 1250000)
        out.append(pairs)
        prev = sha256(M(pairs))
    return out


def seal(bodies, nonce=NONCE, seqs=None):
    """Encoded records of a chain."""
    return [M(p) for p in chain_pairs(bodies, nonce, seqs)]


def evlog_event(recnum, pcr, etype, digest, data, alg=U(11)):
    return [(0, U(recnum)), (1, U(pcr)), (3, A(A(alg, B(digest)))),
            (5, M([(0, U(etype)), (1, B(data))]))]


CMDLINE = "console=ttyS0 reboot=k panic=-1 ro quiet"


def evlog_events(runspec_digest, head):
    ev = [
        (8, 0x0D, label("kernel"), b"vouch.kernel"),
        (8, 0x0D, label("initramfs"), b"vouch.initramfs"),
        (8, 0x0D, sha256(CMDLINE.encode()), b"vouch.cmdline"),
        (9, 0x0D, label("root image"), b"vouch.rootfs"),
        (11, 0x06, runspec_digest, b"vouch.runspec"),
        (12, 0x06, label("agent tree"), b"vouch.agent-tree"),
        (12, 0x06, label("harness tree"), b"vouch.harness-tree"),
        (13, 0x04, sha256(bytes(4)), b"vouch.separator"),
        (13, 0x06, head, b"vouch.chain-head"),
    ]
    return [evlog_event(i, *e) for i, e in enumerate(ev)]


def strings(v):
    return A(*(T(s) for s in v))


def runspec_pairs():
    return [
        (0, U(1)),
        (1, strings(["/opt/harness/run-tests", "--tap", "--jobs=1"])),
        (2, strings(["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/ci", "LANG=C.UTF-8"])),
        (3, T("/opt/agent")),
        (4, U(1000)),
        (5, U(1000)),
        (6, U(600)),
        (7, T("/opt/agent")),
        (8, T("/opt/harness")),
        (9, U(67108864)),
        (10, U(512)),
    ]


def hello_pairs(runspec):
    return [(0, U(1)), (1, B(NONCE)), (2, B(runspec))]


def tree(name, path, digest):
    return [(0, T(name)), (1, T(path)), (2, B(digest))]


def manifest_parts():
    """The parts of manifest.cbor (boot and config, no verity), as pairs."""
    image = [(0, B(label("root image"))), (1, U(67108864)), (2, T("ext4"))]
    trees = [tree("agent", "/opt/agent", label("agent tree")),
             tree("harness", "/opt/harness", label("harness tree"))]
    boot = [(0, B(label("kernel"))), (1, B(label("initramfs"))), (2, T(CMDLINE))]
    config = [(0, strings(["/opt/harness/run-tests", "--tap"])),
              (1, strings(["PATH=/usr/local/bin:/usr/bin:/bin"])),
              (2, T("/opt/agent")), (3, T("1000:1000"))]
    return image, trees, boot, config


def manifest(image=None, trees=None, boot=None, config=None, top=None, runspec=None):
    """manifest.cbor; with runspec (its encoded bytes), manifest-runspec.cbor."""
    gi, gt, gb, gc = manifest_parts()
    image = gi if image is None else image
    trees = gt if trees is None else trees
    boot = gb if boot is None else boot
    config = gc if config is None else config
    pairs = [(0, U(1)), (1, M(image)), (2, A(*(M(t) for t in trees))), (3, M(boot)),
             (4, M(config))]
    if runspec is not None:
        pairs.append((5, runspec))
    return M(top(pairs) if top else pairs)


# ---- the bad ones ----


class Out:
    def __init__(self, outdir):
        self.outdir, self.lines, self.names = outdir, [], set()

    def add(self, name, decoder, error, data):
        assert name not in self.names, name
        self.names.add(name)
        with open(os.path.join(self.outdir, name), "wb") as f:
            f.write(data)
        self.lines.append(f"{name} {decoder} {error}")

    def finish(self):
        with open(os.path.join(self.outdir, "EXPECTED"), "w") as f:
            for line in sorted(self.lines):
                f.write(line + "\n")


def bad_records(o):
    ph = record(1, phase(1))
    good = M(ph)
    a = o.add
    a("record-trailing-byte.cbor", "record", "MB_E_TRAILING", good + b"\x00")
    a("record-truncated-end.cbor", "record", "MB_E_TRUNCATED", good[:-1])
    a("record-truncated-prev.cbor", "record", "MB_E_TRUNCATED", good[:16])
    a("record-empty.cbor", "record", "MB_E_TRUNCATED", b"")
    a("record-unknown-key.cbor", "record", "MB_E_UNKNOWN_KEY",
      M(record(4, M([(0, U(1)), (1, TRUE), (2, T("boots")), (5, U(0))]))))
    a("record-unknown-key-top.cbor", "record", "MB_E_UNKNOWN_KEY", M(drop(ph, 2) + [(5, U(1000))]))
    a("record-text-key.cbor", "record", "MB_E_UNKNOWN_KEY", M(drop(ph, 2) + [(T("t"), U(1000))]))
    a("record-extra-key.cbor", "record", "MB_E_TOO_LARGE", M(ph + [(5, U(0))]))
    a("record-missing-time.cbor", "record", "MB_E_MISSING_KEY", M(drop(ph, 2)))
    a("record-missing-kind.cbor", "record", "MB_E_MISSING_KEY", M(drop(ph, 3)))
    a("record-missing-body.cbor", "record", "MB_E_MISSING_KEY", M(drop(ph, 4)))
    a("record-missing-phase.cbor", "record", "MB_E_MISSING_KEY", M(put(ph, 4, M([]))))
    a("record-test-missing-reason.cbor", "record", "MB_E_MISSING_KEY",
      M(record(4, M([(0, U(2)), (1, TRUE), (2, T("parses")), (3, U(1))]))))
    a("record-test-reason-alone.cbor", "record", "MB_E_MISSING_KEY",
      M(record(4, M([(0, U(2)), (1, TRUE), (2, T("parses")), (4, T("why"))]))))
    a("record-file-missing-last.cbor", "record", "MB_E_MISSING_KEY",
      M(record(8, M([(0, T("r.xml")), (1, U(0)), (2, B(b"<x/>"))]))))
    a("record-wrong-type-seq.cbor", "record", "MB_E_TYPE", M(put(ph, 0, T("0"))))
    a("record-wrong-type-negative.cbor", "record", "MB_E_TYPE", M(put(ph, 0, NEG(0))))
    a("record-wrong-type-body.cbor", "record", "MB_E_TYPE", M(put(ph, 4, U(1))))
    a("record-wrong-type-null.cbor", "record", "MB_E_TYPE", M(put(ph, 4, NULL)))
    a("record-wrong-type-ok.cbor", "record", "MB_E_TYPE",
      M(record(4, M([(0, U(1)), (1, U(1)), (2, T("boots"))]))))
    a("record-wrong-type-chunk.cbor", "record", "MB_E_TYPE", M(record(2, T("ok 1\n"))))
    a("record-wrong-type-top.cbor", "record", "MB_E_TYPE", A(U(0), B(PREV0), U(1000), U(1), phase(1)))
    a("record-noncanonical-int.cbor", "record", "MB_E_NONCANONICAL", M(put(ph, 0, U(0, 1))))
    a("record-noncanonical-key.cbor", "record", "MB_E_NONCANONICAL", M(rekey(ph, 4, U(4, 2))))
    a("record-noncanonical-length.cbor", "record", "MB_E_NONCANONICAL", M(put(ph, 1, B(PREV0, 2))))
    a("record-noncanonical-map.cbor", "record", "MB_E_NONCANONICAL", head(5, 5, 1) + good[1:])
    a("record-indefinite-map.cbor", "record", "MB_E_INDEFINITE", indef_map(ph))
    a("record-indefinite-body.cbor", "record", "MB_E_INDEFINITE", M(put(ph, 4, indef_map([(0, U(1))]))))
    a("record-indefinite-chunk.cbor", "record", "MB_E_INDEFINITE",
      M(record(2, b"\x5f" + B(b"ok ") + B(b"1\n") + BREAK)))
    a("record-oversized-chunk.cbor", "record", "MB_E_TOO_LARGE", M(record(2, B(b"x" * 16385))))
    a("record-oversized-desc.cbor", "record", "MB_E_TOO_LARGE",
      M(record(4, M([(0, U(1)), (1, TRUE), (2, T("d" * 4097))]))))
    a("record-oversized-piece.cbor", "record", "MB_E_TOO_LARGE",
      M(record(8, M([(0, T("r.xml")), (1, U(0)), (2, B(b"p" * 61441)), (3, TRUE)]))))
    a("record-oversized-signature.cbor", "record", "MB_E_TOO_LARGE",
      M(record(5, M([(0, B(b"s" * 4097))]))))
    a("record-oversized-length.cbor", "record", "MB_E_TOO_LARGE",
      head(5, 5) + b"".join(U(k) + v for k, v in ph[:4]) + U(4) + head(2, 0xFFFFFFFF))
    # every field within its own limit, the whole past MAX_RECORD_BYTES
    a("record-oversized-record.cbor", "record", "MB_E_TOO_LARGE",
      M(record(8, file_body("n" * 4096, 0, b"p" * 61440, False))))
    a("record-duplicate-key.cbor", "record", "MB_E_KEY_ORDER", M(ph[:3] + ph[2:4]))
    a("record-duplicate-body.cbor", "record", "MB_E_KEY_ORDER", M(ph + [(4, phase(2))]))
    a("record-key-order.cbor", "record", "MB_E_KEY_ORDER", M([ph[1], ph[0]] + ph[2:]))
    a("record-too-deep.cbor", "record", "MB_E_TOO_DEEP", M(record(2, A(A()))))
    deep = A()
    for _ in range(20):
        deep = A(deep)
    a("record-too-deep-20.cbor", "record", "MB_E_TOO_DEEP", M(record(2, deep)))
    a("record-kind-zero.cbor", "record", "MB_E_KIND", M(put(ph, 3, U(0))))
    a("record-kind-twelve.cbor", "record", "MB_E_KIND", M(put(ph, 3, U(12))))
    # a refused declared result file (kind 11): why 1..8, path and why both
    a("record-refused-why-zero.cbor", "record", "MB_E_RANGE", M(record(11, M([(0, T("/r.xml")), (1, U(0))]))))
    a("record-refused-why-nine.cbor", "record", "MB_E_RANGE", M(record(11, M([(0, T("/r.xml")), (1, U(9))]))))
    a("record-refused-no-why.cbor", "record", "MB_E_MISSING_KEY", M(record(11, M([(0, T("/r.xml"))]))))
    a("record-refused-path-bytes.cbor", "record", "MB_E_TYPE", M(record(11, M([(0, B(b"/r.xml")), (1, U(4))]))))
    a("record-phase-zero.cbor", "record", "MB_E_RANGE", M(record(1, phase(0))))
    a("record-phase-eleven.cbor", "record", "MB_E_RANGE", M(record(1, phase(11))))
    a("record-prev-short.cbor", "record", "MB_E_LENGTH", M(put(ph, 1, B(PREV0[:31]))))
    a("record-prev-long.cbor", "record", "MB_E_LENGTH", M(put(ph, 1, B(PREV0 + b"\x00"))))
    a("record-seq-past-limit.cbor", "record", "MB_E_RANGE", M(put(ph, 0, U(1000000))))
    a("record-directive-none.cbor", "record", "MB_E_RANGE",
      M(record(4, test_body(2, True, "parses", 0, "none"))))
    a("record-directive-three.cbor", "record", "MB_E_RANGE",
      M(record(4, test_body(2, True, "parses", 3, "what"))))
    a("record-limit-zero.cbor", "record", "MB_E_RANGE", M(record(6, pair(0, 1))))
    a("record-limit-five.cbor", "record", "MB_E_RANGE", M(record(6, pair(5, 1))))
    a("record-exit-code-256.cbor", "record", "MB_E_RANGE", M(record(7, pair(256, 0))))
    a("record-exit-signal-65.cbor", "record", "MB_E_RANGE", M(record(7, pair(0, 65))))
    a("record-end-reason-3.cbor", "record", "MB_E_RANGE", M(record(9, M([(0, U(3))]))))
    a("record-file-offset-4g.cbor", "record", "MB_E_RANGE",
      M(record(8, file_body("r.xml", 1 << 32, b"<x/>", True))))
    a("record-bad-utf8.cbor", "record", "MB_E_UTF8",
      M(record(4, M([(0, U(1)), (1, TRUE), (2, T(b"caf\xe9"))]))))
    a("record-utf8-surrogate.cbor", "record", "MB_E_UTF8",
      M(record(8, file_body(b"\xed\xa0\x80.xml", 0, b"", True))))
    a("record-tag.cbor", "record", "MB_E_UNSUPPORTED", M(put(ph, 2, b"\xc1" + U(1000))))
    a("record-float-time.cbor", "record", "MB_E_UNSUPPORTED",
      M(put(ph, 2, bytes.fromhex("fb408f400000000000"))))
    a("record-undefined.cbor", "record", "MB_E_UNSUPPORTED", M(put(ph, 2, UNDEFINED)))
    a("record-simple-value.cbor", "record", "MB_E_MALFORMED", M(put(ph, 2, b"\xf0")))
    a("record-reserved-ai.cbor", "record", "MB_E_MALFORMED", M(put(ph, 2, b"\x1c")))


def bad_chain(o):
    bodies = chain_bodies()
    recs = seal(bodies)
    a = o.add
    a("chain-truncated.cborseq", "chain", "MB_E_TRUNCATED", b"".join(recs)[:-1])
    a("chain-wrong-nonce.cborseq", "chain", "MB_E_CHAIN", b"".join(seal(bodies, nonce=bytes(32))))
    changed = list(bodies)
    changed[7] = (2, B(TAP_OUT.replace(b"not ok 3", b"ok 3")))
    forged = seal(changed)
    a("chain-changed-record.cborseq", "chain", "MB_E_CHAIN",
      b"".join(recs[:7] + [forged[7]] + recs[8:]))
    a("chain-dropped-record.cborseq", "chain", "MB_E_SEQUENCE", b"".join(recs[:10] + recs[11:]))
    # the records after the gap renumbered, but still chained to the dropped one
    after = [M(put(p, 0, U(10 + i))) for i, p in enumerate(chain_pairs(bodies)[11:])]
    a("chain-dropped-renumbered.cborseq", "chain", "MB_E_CHAIN", b"".join(recs[:10] + after))
    a("chain-swapped.cborseq", "chain", "MB_E_SEQUENCE",
      b"".join(recs[:8] + [recs[9], recs[8]] + recs[10:]))
    a("chain-replayed.cborseq", "chain", "MB_E_SEQUENCE", b"".join(recs[:9] + recs[8:]))
    a("chain-starts-at-one.cborseq", "chain", "MB_E_SEQUENCE",
      b"".join(seal(bodies, seqs=list(range(1, len(bodies) + 1)))))
    a("chain-bad-record.cborseq", "chain", "MB_E_RANGE",
      b"".join(recs[:3] + seal(bodies[:3] + [(1, phase(11))])[3:]))


def bad_evlog(o, runspec_digest, head):
    ev = evlog_events(runspec_digest, head)
    good = A(*(M(e) for e in ev))
    a = o.add

    def log(events):
        return A(*(M(e) for e in events))

    def with_event(i, e):
        return log(ev[:i] + [e] + ev[i + 1:])

    e0 = ev[0]
    a("evlog-trailing-byte.cbor", "evlog", "MB_E_TRAILING", good + b"\xf6")
    a("evlog-truncated.cbor", "evlog", "MB_E_TRUNCATED", good[:-1])
    a("evlog-truncated-digest.cbor", "evlog", "MB_E_TRUNCATED", good[:20])
    a("evlog-unknown-key.cbor", "evlog", "MB_E_UNKNOWN_KEY", with_event(0, rekey(e0, 5, 4)))
    a("evlog-unknown-content-key.cbor", "evlog", "MB_E_UNKNOWN_KEY",
      with_event(0, put(e0, 5, M([(0, U(0x0D)), (2, B(b"vouch.kernel"))]))))
    a("evlog-extra-key.cbor", "evlog", "MB_E_TOO_LARGE", with_event(0, e0 + [(6, U(0))]))
    a("evlog-missing-pcr.cbor", "evlog", "MB_E_MISSING_KEY", with_event(0, drop(e0, 1)))
    a("evlog-missing-content.cbor", "evlog", "MB_E_MISSING_KEY", with_event(0, drop(e0, 5)))
    a("evlog-missing-data.cbor", "evlog", "MB_E_MISSING_KEY",
      with_event(0, put(e0, 5, M([(0, U(0x0D))]))))
    a("evlog-wrong-type-pcr.cbor", "evlog", "MB_E_TYPE", with_event(0, put(e0, 1, T("8"))))
    a("evlog-wrong-type-data.cbor", "evlog", "MB_E_TYPE",
      with_event(0, put(e0, 5, M([(0, U(0x0D)), (1, T("vouch.kernel"))]))))
    a("evlog-wrong-type-top.cbor", "evlog", "MB_E_TYPE", M([(0, M(e0))]))
    a("evlog-noncanonical-int.cbor", "evlog", "MB_E_NONCANONICAL", with_event(0, put(e0, 1, U(8, 1))))
    a("evlog-noncanonical-alg.cbor", "evlog", "MB_E_NONCANONICAL",
      with_event(0, put(e0, 3, A(A(U(11, 2), B(label("kernel")))))))
    a("evlog-indefinite.cbor", "evlog", "MB_E_INDEFINITE", indef_array(*(M(e) for e in ev)))
    a("evlog-indefinite-digests.cbor", "evlog", "MB_E_INDEFINITE",
      with_event(0, put(e0, 3, indef_array(A(U(11), B(label("kernel")))))))
    a("evlog-oversized-data.cbor", "evlog", "MB_E_TOO_LARGE",
      with_event(0, put(e0, 5, M([(0, U(0x0D)), (1, B(b"d" * 65))]))))
    a("evlog-duplicate-key.cbor", "evlog", "MB_E_KEY_ORDER", with_event(0, e0[:2] + e0[1:]))
    a("evlog-too-deep.cbor", "evlog", "MB_E_TOO_DEEP", with_event(0, put(e0, 3, A(A(U(11), A())))))
    a("evlog-alg-sha1.cbor", "evlog", "MB_E_ALG", with_event(0, put(e0, 3, A(A(U(4), B(bytes(20)))))))
    a("evlog-alg-large.cbor", "evlog", "MB_E_ALG",
      with_event(0, put(e0, 3, A(A(U(0x1000B), B(label("kernel")))))))
    a("evlog-two-digests.cbor", "evlog", "MB_E_TOO_LARGE",
      with_event(0, put(e0, 3, A(A(U(11), B(label("kernel"))), A(U(11), B(label("kernel")))))))
    a("evlog-no-digest.cbor", "evlog", "MB_E_LENGTH", with_event(0, put(e0, 3, A())))
    a("evlog-digest-short.cbor", "evlog", "MB_E_LENGTH",
      with_event(0, put(e0, 3, A(A(U(11), B(label("kernel")[:31]))))))
    a("evlog-recnum-gap.cbor", "evlog", "MB_E_SEQUENCE", with_event(1, put(ev[1], 0, U(2))))
    a("evlog-pcr-24.cbor", "evlog", "MB_E_PCR", with_event(0, put(e0, 1, U(24))))
    a("evlog-too-many-events.cbor", "evlog", "MB_E_LIMIT",
      log([evlog_event(i, 13, 4, sha256(bytes(4)), b"vouch.separator") for i in range(65)]))


def bad_runspec(o):
    rs = runspec_pairs()
    good = M(rs)
    a = o.add
    a("runspec-trailing-byte.cbor", "runspec", "MB_E_TRAILING", good + b"\x00")
    a("runspec-truncated.cbor", "runspec", "MB_E_TRUNCATED", good[:-1])
    a("runspec-truncated-string.cbor", "runspec", "MB_E_TRUNCATED", good[:12])
    a("runspec-unknown-key.cbor", "runspec", "MB_E_UNKNOWN_KEY", M(rekey(rs, 10, 14)))
    a("runspec-extra-key.cbor", "runspec", "MB_E_TOO_LARGE",
      M(rs + [(11, A(U(65534), U(65534))), (12, A(T("/r.xml"))), (13, A(U(27))), (14, U(0))]))
    # supplementary groups (key 13): 1 to 32 gids, strictly ascending
    a("runspec-groups-empty.cbor", "runspec", "MB_E_RANGE", M(rs + [(13, A())]))
    a("runspec-groups-unsorted.cbor", "runspec", "MB_E_RANGE", M(rs + [(13, A(U(27), U(20)))]))
    a("runspec-groups-twice.cbor", "runspec", "MB_E_RANGE", M(rs + [(13, A(U(27), U(27)))]))
    a("runspec-groups-33.cbor", "runspec", "MB_E_TOO_LARGE", M(rs + [(13, A(*[U(i) for i in range(1, 34)]))]))
    a("runspec-groups-not-list.cbor", "runspec", "MB_E_TYPE", M(rs + [(13, U(27))]))
    a("runspec-groups-gid-max.cbor", "runspec", "MB_E_RANGE", M(rs + [(13, A(U(0xFFFFFFFF)))]))
    # declared result files (key 12): at least one, each absolute, .xml or .tap, no two alike
    a("runspec-results-empty.cbor", "runspec", "MB_E_RANGE", M(rs + [(12, A())]))
    a("runspec-results-relative.cbor", "runspec", "MB_E_PATH", M(rs + [(12, A(T("r.xml")))]))
    a("runspec-results-dotdot.cbor", "runspec", "MB_E_PATH", M(rs + [(12, A(T("/a/../r.xml")))]))
    a("runspec-results-json.cbor", "runspec", "MB_E_PATH", M(rs + [(12, A(T("/r.json")))]))
    a("runspec-results-twice.cbor", "runspec", "MB_E_RANGE", M(rs + [(12, A(T("/r.xml"), T("/r.xml")))]))
    a("runspec-results-long.cbor", "runspec", "MB_E_PATH", M(rs + [(12, A(T("/" + "a" * 251 + ".xml")))]))
    a("runspec-results-not-list.cbor", "runspec", "MB_E_TYPE", M(rs + [(12, T("/r.xml"))]))
    a("runspec-missing-key.cbor", "runspec", "MB_E_MISSING_KEY", M(drop(rs, 10)))
    a("runspec-missing-version.cbor", "runspec", "MB_E_MISSING_KEY", M(drop(rs, 0)))
    a("runspec-wrong-type-argv.cbor", "runspec", "MB_E_TYPE", M(put(rs, 1, T("/opt/harness/run-tests"))))
    a("runspec-wrong-type-uid.cbor", "runspec", "MB_E_TYPE", M(put(rs, 4, T("1000"))))
    a("runspec-wrong-type-arg.cbor", "runspec", "MB_E_TYPE", M(put(rs, 1, A(B(b"/bin/true")))))
    a("runspec-noncanonical-int.cbor", "runspec", "MB_E_NONCANONICAL", M(put(rs, 4, U(1000, 4))))
    a("runspec-noncanonical-count.cbor", "runspec", "MB_E_NONCANONICAL",
      M(put(rs, 2, head(4, 0, 1))))
    a("runspec-indefinite-array.cbor", "runspec", "MB_E_INDEFINITE",
      M(put(rs, 1, indef_array(T("/opt/harness/run-tests")))))
    a("runspec-indefinite-text.cbor", "runspec", "MB_E_INDEFINITE",
      M(put(rs, 3, b"\x7f" + T("/opt") + T("/agent") + BREAK)))
    a("runspec-oversized-arg.cbor", "runspec", "MB_E_TOO_LARGE", M(put(rs, 1, strings(["a" * 4097]))))
    a("runspec-oversized-cwd.cbor", "runspec", "MB_E_TOO_LARGE", M(put(rs, 3, T("/" + "c" * 4096))))
    a("runspec-oversized-file.cbor", "runspec", "MB_E_TOO_LARGE",
      M(put(rs, 1, strings(["/bin/true"] + ["a" * 4096] * 16))))
    a("runspec-too-many-args.cbor", "runspec", "MB_E_TOO_LARGE", M(put(rs, 1, strings(["a"] * 257))))
    a("runspec-too-many-env.cbor", "runspec", "MB_E_TOO_LARGE", M(put(rs, 2, strings(["A=1"] * 257))))
    a("runspec-duplicate-key.cbor", "runspec", "MB_E_KEY_ORDER", M(rs[:5] + rs[4:10]))
    a("runspec-too-deep.cbor", "runspec", "MB_E_TOO_DEEP", M(put(rs, 1, A(A()))))
    a("runspec-version-2.cbor", "runspec", "MB_E_VERSION", M(put(rs, 0, U(2))))
    a("runspec-empty-argv.cbor", "runspec", "MB_E_RANGE", M(put(rs, 1, A())))
    a("runspec-nul-in-arg.cbor", "runspec", "MB_E_RANGE", M(put(rs, 1, strings(["/bin/tr\x00ue"]))))
    a("runspec-bad-utf8.cbor", "runspec", "MB_E_UTF8", M(put(rs, 2, A(T(b"LANG=\xc3")))))
    a("runspec-timeout-zero.cbor", "runspec", "MB_E_RANGE", M(put(rs, 6, U(0))))
    a("runspec-procs-zero.cbor", "runspec", "MB_E_RANGE", M(put(rs, 10, U(0))))
    a("runspec-uid-max.cbor", "runspec", "MB_E_RANGE", M(put(rs, 4, U(0xFFFFFFFF))))
    a("runspec-gid-negative.cbor", "runspec", "MB_E_TYPE", M(put(rs, 5, NEG(0))))
    a("runspec-cwd-relative.cbor", "runspec", "MB_E_PATH", M(put(rs, 3, T("opt/agent"))))
    a("runspec-cwd-empty.cbor", "runspec", "MB_E_PATH", M(put(rs, 3, T(""))))
    a("runspec-agent-dotdot.cbor", "runspec", "MB_E_PATH", M(put(rs, 7, T("/opt/../etc"))))
    a("runspec-agent-dot.cbor", "runspec", "MB_E_PATH", M(put(rs, 7, T("/opt/./agent"))))
    a("runspec-harness-double-slash.cbor", "runspec", "MB_E_PATH", M(put(rs, 8, T("/opt//harness"))))
    a("runspec-harness-dotdot-end.cbor", "runspec", "MB_E_PATH", M(put(rs, 8, T("/opt/.."))))
    # the agent boundary: never root's identity, never the harness's own
    au = lambda v: M(rs + [(11, v)])
    a("runspec-agent-user-root.cbor", "runspec", "MB_E_RANGE", au(A(U(0), U(65534))))
    a("runspec-agent-user-root-group.cbor", "runspec", "MB_E_RANGE", au(A(U(65534), U(0))))
    a("runspec-agent-user-is-harness.cbor", "runspec", "MB_E_RANGE", au(A(U(1000), U(65534))))
    a("runspec-agent-user-short.cbor", "runspec", "MB_E_RANGE", au(A(U(65534))))
    a("runspec-agent-user-long.cbor", "runspec", "MB_E_TOO_LARGE", au(A(U(65534), U(65534), U(1))))
    a("runspec-agent-user-wrong-type.cbor", "runspec", "MB_E_TYPE", au(U(65534)))
    a("runspec-agent-user-max.cbor", "runspec", "MB_E_RANGE", au(A(U(0xFFFFFFFF), U(65534))))
    a("runspec-agent-user-noncanonical.cbor", "runspec", "MB_E_NONCANONICAL", au(A(U(65534, 4), U(65534))))
    # the trees go together: both (a run with an agent) or neither (a plain
    # run); an agent user needs an agent tree to run
    a("runspec-agent-tree-alone.cbor", "runspec", "MB_E_MISSING_KEY", M(drop(rs, 8)))
    a("runspec-harness-tree-alone.cbor", "runspec", "MB_E_MISSING_KEY", M(drop(rs, 7)))
    a("runspec-agent-user-no-trees.cbor", "runspec", "MB_E_MISSING_KEY",
      M(drop(drop(rs, 7), 8) + [(11, A(U(65534), U(65534)))]))


def bad_hello(o, runspec):
    hp = hello_pairs(runspec)
    good = M(hp)
    a = o.add
    a("hello-trailing-byte.cbor", "hello", "MB_E_TRAILING", good + b"\x00")
    a("hello-truncated.cbor", "hello", "MB_E_TRUNCATED", good[:-1])
    a("hello-truncated-nonce.cbor", "hello", "MB_E_TRUNCATED", good[:10])
    a("hello-unknown-key.cbor", "hello", "MB_E_UNKNOWN_KEY", M(rekey(hp, 2, 4)))
    a("hello-extra-key.cbor", "hello", "MB_E_TOO_LARGE", M(hp + [(3, B(b"x")), (4, NULL)]))
    a("hello-empty-platform.cbor", "hello", "MB_E_RANGE", M(hp + [(3, B(b""))]))
    a("hello-missing-key.cbor", "hello", "MB_E_MISSING_KEY", M(drop(hp, 2)))
    a("hello-missing-nonce.cbor", "hello", "MB_E_MISSING_KEY", M(drop(hp, 1)))
    a("hello-wrong-type.cbor", "hello", "MB_E_TYPE", M(put(hp, 1, T("a" * 32))))
    a("hello-wrong-type-top.cbor", "hello", "MB_E_TYPE", A(U(1), B(NONCE), B(runspec)))
    a("hello-noncanonical-int.cbor", "hello", "MB_E_NONCANONICAL", M(put(hp, 0, U(1, 1))))
    a("hello-noncanonical-length.cbor", "hello", "MB_E_NONCANONICAL", M(put(hp, 2, B(runspec, 4))))
    a("hello-indefinite.cbor", "hello", "MB_E_INDEFINITE",
      M(put(hp, 2, b"\x5f" + B(runspec[:10]) + B(runspec[10:]) + BREAK)))
    a("hello-oversized-runspec.cbor", "hello", "MB_E_TOO_LARGE", M(put(hp, 2, B(bytes(65537)))))
    a("hello-oversized-length.cbor", "hello", "MB_E_TOO_LARGE",
      head(5, 3) + U(0) + U(1) + U(1) + B(NONCE) + U(2) + head(2, 0x7FFFFFFF))
    a("hello-duplicate-key.cbor", "hello", "MB_E_KEY_ORDER", M(hp[:2] + hp[1:2]))
    a("hello-too-deep.cbor", "hello", "MB_E_TOO_DEEP", M(put(hp, 2, A())))
    a("hello-runspec-not-wrapped.cbor", "hello", "MB_E_TOO_DEEP", M(put(hp, 2, M(runspec_pairs()))))
    a("hello-version-2.cbor", "hello", "MB_E_VERSION", M(put(hp, 0, U(2))))
    a("hello-nonce-short.cbor", "hello", "MB_E_LENGTH", M(put(hp, 1, B(NONCE[:31]))))
    a("hello-nonce-long.cbor", "hello", "MB_E_LENGTH", M(put(hp, 1, B(NONCE + b"\x00"))))


def bad_manifest(o, runspec):
    gi, gt, gb, gc = manifest_parts()
    good = manifest()
    pin = B(runspec)
    a = o.add
    a("manifest-trailing-byte.cbor", "manifest", "MB_E_TRAILING", good + b"\x00")
    a("manifest-truncated.cbor", "manifest", "MB_E_TRUNCATED", good[:-1])
    a("manifest-truncated-digest.cbor", "manifest", "MB_E_TRUNCATED", good[:20])
    a("manifest-unknown-key.cbor", "manifest", "MB_E_UNKNOWN_KEY", manifest(top=lambda p: rekey(p, 4, 6)))
    a("manifest-unknown-image-key.cbor", "manifest", "MB_E_UNKNOWN_KEY", manifest(image=gi + [(6, U(0))]))
    vroot, voff = (3, B(label("verity root hash"))), (4, U(67108864 - 1048576))
    # image key 5, trees_by_verity: true beside a verity root, nothing else
    a("manifest-trees-by-verity-alone.cbor", "manifest", "MB_E_MISSING_KEY", manifest(image=gi + [(5, TRUE)]))
    a("manifest-trees-by-verity-false.cbor", "manifest", "MB_E_RANGE",
      manifest(image=gi + [vroot, voff, (5, FALSE)]))
    a("manifest-trees-by-verity-int.cbor", "manifest", "MB_E_TYPE", manifest(image=gi + [vroot, voff, (5, U(1))]))
    a("manifest-verity-root-alone.cbor", "manifest", "MB_E_MISSING_KEY", manifest(image=gi + [vroot]))
    a("manifest-verity-offset-alone.cbor", "manifest", "MB_E_MISSING_KEY", manifest(image=gi + [voff]))
    a("manifest-verity-offset-zero.cbor", "manifest", "MB_E_RANGE", manifest(image=gi + [vroot, (4, U(0))]))
    a("manifest-verity-offset-unaligned.cbor", "manifest", "MB_E_RANGE",
      manifest(image=gi + [vroot, (4, U(67108864 - 1048576 + 512))]))
    a("manifest-verity-offset-past-image.cbor", "manifest", "MB_E_RANGE",
      manifest(image=gi + [vroot, (4, U(67108864))]))
    a("manifest-verity-root-short.cbor", "manifest", "MB_E_LENGTH",
      manifest(image=gi + [(3, B(label("verity root hash")[:31])), voff]))
    a("manifest-unknown-tree-key.cbor", "manifest", "MB_E_UNKNOWN_KEY",
      manifest(trees=[rekey(gt[0], 2, 3)] + gt[1:]))
    a("manifest-extra-key.cbor", "manifest", "MB_E_TOO_LARGE", manifest(runspec=pin, top=lambda p: p + [(6, U(0))]))
    # the pinned run spec (key 5): a byte string holding a run spec that decodes
    rsp = runspec_pairs()
    a("manifest-runspec-truncated.cbor", "manifest", "MB_E_TRUNCATED", manifest(runspec=pin)[:-1])
    a("manifest-runspec-text.cbor", "manifest", "MB_E_TYPE", manifest(runspec=T("/opt/harness/run-tests")))
    a("manifest-runspec-not-wrapped.cbor", "manifest", "MB_E_TYPE", manifest(runspec=runspec))
    a("manifest-runspec-empty.cbor", "manifest", "MB_E_TRUNCATED", manifest(runspec=B(b"")))
    a("manifest-runspec-oversized.cbor", "manifest", "MB_E_TOO_LARGE", manifest(runspec=B(bytes(65537))))
    a("manifest-runspec-trailing-byte.cbor", "manifest", "MB_E_TRAILING", manifest(runspec=B(runspec + b"\x00")))
    a("manifest-runspec-missing-argv.cbor", "manifest", "MB_E_MISSING_KEY", manifest(runspec=B(M(drop(rsp, 1)))))
    a("manifest-runspec-version-2.cbor", "manifest", "MB_E_VERSION", manifest(runspec=B(M(put(rsp, 0, U(2))))))
    a("manifest-runspec-timeout-zero.cbor", "manifest", "MB_E_RANGE", manifest(runspec=B(M(put(rsp, 6, U(0))))))
    a("manifest-missing-trees.cbor", "manifest", "MB_E_MISSING_KEY", manifest(top=lambda p: drop(p, 2)))
    a("manifest-missing-format.cbor", "manifest", "MB_E_MISSING_KEY", manifest(image=drop(gi, 2)))
    a("manifest-missing-tree-digest.cbor", "manifest", "MB_E_MISSING_KEY",
      manifest(trees=[drop(gt[0], 2)] + gt[1:]))
    a("manifest-missing-cmdline.cbor", "manifest", "MB_E_MISSING_KEY", manifest(boot=drop(gb, 2)))
    a("manifest-missing-user.cbor", "manifest", "MB_E_MISSING_KEY", manifest(config=drop(gc, 3)))
    a("manifest-wrong-type-trees.cbor", "manifest", "MB_E_TYPE",
      manifest(top=lambda p: put(p, 2, M([(0, M(gt[0]))]))))
    a("manifest-wrong-type-size.cbor", "manifest", "MB_E_TYPE", manifest(image=put(gi, 1, B(b"64M"))))
    a("manifest-wrong-type-name.cbor", "manifest", "MB_E_TYPE",
      manifest(trees=[put(gt[0], 0, B(b"agent"))] + gt[1:]))
    a("manifest-noncanonical-int.cbor", "manifest", "MB_E_NONCANONICAL",
      manifest(image=put(gi, 1, U(67108864, 8))))
    a("manifest-indefinite.cbor", "manifest", "MB_E_INDEFINITE",
      manifest(top=lambda p: put(p, 2, indef_array(*(M(t) for t in gt)))))
    a("manifest-oversized-name.cbor", "manifest", "MB_E_TOO_LARGE",
      manifest(trees=[put(gt[0], 0, T("n" * 65))] + gt[1:]))
    a("manifest-oversized-format.cbor", "manifest", "MB_E_TOO_LARGE",
      manifest(image=put(gi, 2, T("ext4" + " " * 13))))
    a("manifest-oversized-file.cbor", "manifest", "MB_E_TOO_LARGE",
      manifest(config=put(gc, 1, strings(["V=" + "v" * 4090] * 64))))
    a("manifest-duplicate-key.cbor", "manifest", "MB_E_KEY_ORDER", manifest(image=gi[:2] + gi[1:]))
    a("manifest-too-deep.cbor", "manifest", "MB_E_TOO_DEEP", manifest(config=put(gc, 0, A(A()))))
    a("manifest-version-2.cbor", "manifest", "MB_E_VERSION", manifest(top=lambda p: put(p, 0, U(2))))
    a("manifest-format-squashfs.cbor", "manifest", "MB_E_RANGE", manifest(image=put(gi, 2, T("squashfs"))))
    a("manifest-tree-relative.cbor", "manifest", "MB_E_PATH",
      manifest(trees=[put(gt[0], 1, T("opt/agent"))] + gt[1:]))
    a("manifest-tree-names-dup.cbor", "manifest", "MB_E_RANGE",
      manifest(trees=[gt[0], put(gt[1], 0, T("agent"))]))
    a("manifest-too-many-trees.cbor", "manifest", "MB_E_LIMIT",
      manifest(trees=[tree(f"t{i}", f"/t{i}", label("agent tree")) for i in range(9)]))
    a("manifest-digest-short.cbor", "manifest", "MB_E_LENGTH", manifest(image=put(gi, 0, B(bytes(31)))))
    a("manifest-verity-long.cbor", "manifest", "MB_E_LENGTH", manifest(image=gi + [(3, B(bytes(33)))]))
    a("manifest-kernel-short.cbor", "manifest", "MB_E_LENGTH", manifest(boot=put(gb, 0, B(bytes(16)))))


def bad_frames(o):
    a = o.add
    a("frame-type-zero.bin", "frame", "MB_E_FRAME_TYPE", bytes([0, 0, 0, 0, 1, 0xF6]))
    a("frame-type-ten.bin", "frame", "MB_E_FRAME_TYPE", bytes([10, 0, 0, 0, 1, 0xF6]))
    a("frame-type-255.bin", "frame", "MB_E_FRAME_TYPE", bytes([255]))
    a("frame-oversized.bin", "frame", "MB_E_TOO_LARGE", bytes([2, 0, 0x10, 0, 1]))
    a("frame-length-max.bin", "frame", "MB_E_TOO_LARGE", bytes([8, 0xFF, 0xFF, 0xFF, 0xFF]))


def check_good(gooddir, runspec, head_):
    """The good messages rebuilt here must be the committed good vectors:
    each bad vector is then exactly one fault away from a good one."""
    rebuilt = {
        "record-phase.cbor": M(record(1, phase(1))),
        "chain.cborseq": b"".join(seal(chain_bodies())),
        "chain.nonce": NONCE,
        "evlog.cbor": A(*(M(e) for e in evlog_events(sha256(runspec), head_))),
        "runspec.cbor": runspec,
        "hello.cbor": M(hello_pairs(runspec)),
        "manifest.cbor": manifest(),
        "manifest-runspec.cbor": manifest(runspec=B(runspec)),
    }
    ok = True
    for name, data in rebuilt.items():
        with open(os.path.join(gooddir, name), "rb") as f:
            if f.read() != data:
                print(f"mkbad: {name} differs from {gooddir}/{name}", file=sys.stderr)
                ok = False
    return ok


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "bad")
    runspec = M(runspec_pairs())
    head_ = sha256(seal(chain_bodies())[-1])
    if not check_good(os.path.join(here, "good"), runspec, head_):
        return 1
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):  # only what an earlier run wrote
        if name == "EXPECTED" or name.endswith((".cbor", ".cborseq", ".bin")):
            os.unlink(os.path.join(outdir, name))
    o = Out(outdir)
    bad_records(o)
    bad_chain(o)
    bad_evlog(o, sha256(runspec), head_)
    bad_runspec(o)
    bad_hello(o, runspec)
    bad_manifest(o, runspec)
    bad_frames(o)
    o.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
