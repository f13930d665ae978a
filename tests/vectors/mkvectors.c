// SPDX-License-Identifier: MIT
/*
 * mkvectors OUTDIR: writes the good vectors of every message and file
 * format from fixed inputs, through the library's own encoders, so that a
 * change of any encoder shows up as a changed vector (tests/vectors/check.sh).
 *
 * The vectors agree with each other as one run would: the hello carries
 * the run spec; the event log pins the run spec, the trees and the boot
 * parts of the manifest, and ends with the head of the record chain; the
 * chain is sealed for the hello's nonce. tests/xcheck/cbor2_check.py checks
 * all of that with an independent decoder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb.h"
#include "evlog.h"
#include "frame.h"
#include "manifest.h"
#include "pcr.h"
#include "record.h"
#include "runspec.h"
#include "sha256.h"

/* Digests of fixed labels stand in for files the vectors do not carry. */
struct vset {
	uint8_t nonce[NONCE_BYTES];
	uint8_t kernel[SHA256_BYTES], initramfs[SHA256_BYTES];
	uint8_t image[SHA256_BYTES], verity[SHA256_BYTES];
	uint8_t agent[SHA256_BYTES], harness[SHA256_BYTES];
	uint8_t runspec[SHA256_BYTES]; /* SHA-256 of runspec.cbor */
	uint8_t head[SHA256_BYTES];    /* head of chain.cborseq */
	uint64_t nrecords;
	uint8_t *runspec_bytes;
	size_t runspec_len;
};

#define CMDLINE "console=ttyS0 reboot=k panic=-1 ro quiet"
#define IMAGE_SIZE UINT64_C(67108864)

static const char *outdir;

static void die(const char *what, int e)
{
	fprintf(stderr, "mkvectors: %s: %s\n", what, e < 0 ? mb_strerror(e) : strerror(errno));
	exit(1);
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[4096];
	size_t done = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", outdir, name) >= sizeof(path))
		die(name, MB_E_PATH);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path, 0);
	while (done < n) {
		ssize_t w = write(fd, (const uint8_t *)p + done, n - done);

		if (w < 0 && errno == EINTR) /* interrupted: write again */
			continue;
		if (w < 0)
			die(path, 0);
		done += (size_t)w;
	}
	if (close(fd) < 0)
		die(path, 0);
}

/* Writes what w holds to name and frees w. */
static void write_wr(const char *name, struct cb_wr *w)
{
	size_t n;
	int e = cb_wr_finish(w, &n);

	if (e < 0)
		die(name, e);
	write_file(name, w->p, n);
	cb_wr_free(w);
}

static void label_digest(const char *label, uint8_t out[static 32])
{
	int e = sha256_buf(label, strlen(label), out);

	if (e < 0)
		die(label, e);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* ---- records ---- */

#define TXT(s) (const uint8_t *)(s), sizeof(s) - 1

static void seal(struct chain *c, struct record *rec, struct cb_wr *w, const char *what)
{
	int e = chain_seal(c, rec, w);

	if (e < 0)
		die(what, e);
}

/* A record alone: seq 0, chained to the nonce, so it is a whole chain. */
static void write_record(const struct vset *v, const char *name, struct record rec)
{
	struct chain c;
	struct cb_wr w;
	int e = chain_init(&c, v->nonce);

	if (e < 0)
		die(name, e);
	cb_wr_init(&w, NULL, MAX_RECORD_BYTES);
	seal(&c, &rec, &w, name);
	write_wr(name, &w);
}

static void fill_pattern(uint8_t *p, size_t n, const char *text)
{
	size_t tl = strlen(text);

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)text[i % tl];
}

static void write_records(const struct vset *v)
{
	static uint8_t big_chunk[MAX_CHUNK_BYTES], big_piece[MAX_FILE_RECORD_BYTES], sig[64];

	/* a placeholder: vectors carry no key, so nothing verifies it */
	memset(sig, 0x5a, sizeof(sig));
	fill_pattern(big_chunk, sizeof(big_chunk), "ok 1 - output at the chunk limit\n");
	fill_pattern(big_piece, sizeof(big_piece), "<testcase name=\"piece at the limit\"/>\n");
	write_record(v, "record-phase.cbor", (struct record){
		.time_ns = 1000, .kind = REC_PHASE, .u.phase.phase = PHASE_MOUNTED });
	write_record(v, "record-stdout.cbor", (struct record){
		.time_ns = 2000, .kind = REC_STDOUT, .u.chunk = { TXT("TAP version 14\n1..1\n") } });
	write_record(v, "record-stdout-max.cbor", (struct record){
		.time_ns = 2000, .kind = REC_STDOUT, .u.chunk = { big_chunk, sizeof(big_chunk) } });
	write_record(v, "record-stdout-empty.cbor", (struct record){
		.time_ns = 2000, .kind = REC_STDOUT, .u.chunk = { NULL, 0 } });
	write_record(v, "record-results.cbor", (struct record){
		.time_ns = 2100, .kind = REC_RESULTS, .u.chunk = { TXT("TAP version 14\n1..1\nok 1\n") } });
	write_record(v, "record-stderr.cbor", (struct record){
		.time_ns = 3000, .kind = REC_STDERR, .u.chunk = { TXT("warning: \xc3\xa9t\xc3\xa9\n\xff\x00") } });
	write_record(v, "record-test.cbor", (struct record){
		.time_ns = 4000, .kind = REC_TEST,
		.u.test = { .num = 1, .ok = true, .desc = TXT("boots") } });
	write_record(v, "record-test-skip.cbor", (struct record){
		.time_ns = 4000, .kind = REC_TEST,
		.u.test = { .num = 2, .ok = true, .desc = TXT("parses"),
			    .directive = DIRECTIVE_SKIP, .reason = TXT("no network") } });
	write_record(v, "record-test-todo.cbor", (struct record){
		.time_ns = 4000, .kind = REC_TEST,
		.u.test = { .num = 3, .ok = false, .desc = TXT(""),
			    .directive = DIRECTIVE_TODO, .reason = TXT("not yet") } });
	write_record(v, "record-checkpoint.cbor", (struct record){
		.time_ns = 5000, .kind = REC_CHECKPOINT, .u.checkpoint = { sig, sizeof(sig) } });
	write_record(v, "record-limit.cbor", (struct record){
		.time_ns = 6000, .kind = REC_LIMIT,
		.u.limit = { .what = LIMIT_OUTPUT, .value = UINT64_C(67108864) } });
	write_record(v, "record-exit.cbor", (struct record){
		.time_ns = 7000, .kind = REC_EXIT, .u.exit = { .code = 1, .signal = 0 } });
	write_record(v, "record-exit-signal.cbor", (struct record){
		.time_ns = UINT64_MAX, .kind = REC_EXIT, .u.exit = { .code = 0, .signal = 9 } });
	write_record(v, "record-file.cbor", (struct record){
		.time_ns = 8000, .kind = REC_FILE,
		.u.file = { .name = TXT("junit/results.xml"), .offset = 0,
			    .p = (const uint8_t *)"<testsuites/>\n", .n = 14, .last = true } });
	write_record(v, "record-file-max.cbor", (struct record){
		.time_ns = 8000, .kind = REC_FILE,
		.u.file = { .name = TXT("junit/big.xml"), .offset = UINT32_MAX,
			    .p = big_piece, .n = sizeof(big_piece), .last = false } });
	write_record(v, "record-end.cbor", (struct record){
		.time_ns = 9000, .kind = REC_END, .u.end.reason = END_COMPLETE });
	write_record(v, "record-end-cut.cbor", (struct record){
		.time_ns = 9000, .kind = REC_END, .u.end.reason = END_CUT });
}

#define TAP_OUT "TAP version 14\n1..3\nok 1 - boots\nok 2 - parses # SKIP no network\n" \
	"not ok 3 - writes # TODO not yet\n"
#define JUNIT "<testsuites><testsuite name=\"sample\" tests=\"3\"/></testsuites>\n"

/* The records of one short, complete run, in order. */
static size_t chain_records(struct record *r)
{
	static uint8_t sig[64];
	size_t n = 0;
	uint64_t t = 1000000;

	memset(sig, 0xa5, sizeof(sig)); /* a placeholder, as in write_records */

	for (uint32_t ph = PHASE_MOUNTED; ph <= PHASE_HARNESS_START; ph++)
		r[n++] = (struct record){ .kind = REC_PHASE, .u.phase.phase = ph };
	r[n++] = (struct record){ .kind = REC_STDOUT, .u.chunk = { TXT(TAP_OUT) } };
	r[n++] = (struct record){ .kind = REC_TEST, .u.test = { .num = 1, .ok = true, .desc = TXT("boots") } };
	r[n++] = (struct record){ .kind = REC_TEST, .u.test = {
		.num = 2, .ok = true, .desc = TXT("parses"),
		.directive = DIRECTIVE_SKIP, .reason = TXT("no network") } };
	r[n++] = (struct record){ .kind = REC_TEST, .u.test = {
		.num = 3, .ok = false, .desc = TXT("writes"),
		.directive = DIRECTIVE_TODO, .reason = TXT("not yet") } };
	r[n++] = (struct record){ .kind = REC_STDERR, .u.chunk = { TXT("warning: slow disk\n") } };
	r[n++] = (struct record){ .kind = REC_CHECKPOINT, .u.checkpoint = { sig, sizeof(sig) } };
	r[n++] = (struct record){ .kind = REC_PHASE, .u.phase.phase = PHASE_HARNESS_END };
	r[n++] = (struct record){ .kind = REC_EXIT, .u.exit = { .code = 0, .signal = 0 } };
	r[n++] = (struct record){ .kind = REC_FILE, .u.file = {
		.name = TXT("junit/results.xml"), .offset = 0,
		.p = (const uint8_t *)JUNIT, .n = sizeof(JUNIT) - 1, .last = true } };
	r[n++] = (struct record){ .kind = REC_PHASE, .u.phase.phase = PHASE_QUOTE };
	r[n++] = (struct record){ .kind = REC_END, .u.end.reason = END_COMPLETE };
	for (size_t i = 0; i < n; i++, t += 1250000)
		r[i].time_ns = t;
	return n;
}

static void write_chain_json(const struct vset *v)
{
	uint8_t extra[SHA256_BYTES];
	char h_nonce[65], h_head[65], h_extra[65], json[512];
	int e = sha256_cat(v->nonce, NONCE_BYTES, v->head, SHA256_BYTES, extra);

	if (e < 0)
		die("extraData", e);
	hex(h_nonce, v->nonce, NONCE_BYTES);
	hex(h_head, v->head, SHA256_BYTES);
	hex(h_extra, extra, SHA256_BYTES);
	snprintf(json, sizeof(json),
		 "{\n  \"nonce\": \"%s\",\n  \"records\": %llu,\n  \"head\": \"%s\",\n"
		 "  \"extra_data\": \"%s\"\n}\n",
		 h_nonce, (unsigned long long)v->nrecords, h_head, h_extra);
	write_file("chain.json", json, strlen(json));
}

/* chain.cborseq (records back to back), frames-records.bin (the same
 * records as the guest sends them), chain.nonce and chain.json. */
static void write_chain(struct vset *v)
{
	struct record recs[32];
	struct chain c;
	struct cb_wr seq, frames;
	size_t n = chain_records(recs);
	int e = chain_init(&c, v->nonce);

	if (e < 0)
		die("chain", e);
	cb_wr_init(&seq, NULL, 1u << 20);
	cb_wr_init(&frames, NULL, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		struct cb_wr one;
		uint8_t hdr[FRAME_HEADER_BYTES];
		size_t len;

		cb_wr_init(&one, NULL, MAX_RECORD_BYTES);
		seal(&c, &recs[i], &one, "chain");
		if ((e = cb_wr_finish(&one, &len)) < 0)
			die("chain", e);
		frame_header(hdr, FRAME_RECORD, (uint32_t)len);
		cb_put_raw(&seq, one.p, len);
		cb_put_raw(&frames, hdr, sizeof(hdr));
		cb_put_raw(&frames, one.p, len);
		cb_wr_free(&one);
	}
	write_wr("chain.cborseq", &seq);
	write_wr("frames-records.bin", &frames);
	write_file("chain.nonce", v->nonce, NONCE_BYTES);
	memcpy(v->head, c.head, SHA256_BYTES);
	v->nrecords = c.next_seq;
	write_chain_json(v);
}

/* ---- run spec and hello ---- */

static void encode_runspec(struct runspec *rs, const char *name, struct cb_wr *w)
{
	cb_wr_init(w, NULL, MAX_RUNSPEC_BYTES);
	runspec_encode(rs, w);
	if (w->err)
		die(name, w->err);
}

static void write_runspecs(struct vset *v)
{
	static struct runspec rs;
	struct cb_wr w;
	size_t n;
	int e;

	rs = (struct runspec){
		.argc = 3, .argv = { "/opt/harness/run-tests", "--tap", "--jobs=1" },
		.envc = 3, .envp = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/ci", "LANG=C.UTF-8" },
		.cwd = "/opt/agent", .agent_path = "/opt/agent", .harness_path = "/opt/harness",
		.uid = 1000, .gid = 1000, .timeout_s = 600,
		.max_output_bytes = UINT64_C(67108864), .max_procs = 512,
	};
	encode_runspec(&rs, "runspec.cbor", &w);
	if ((e = cb_wr_finish(&w, &n)) < 0 || (e = sha256_buf(w.p, n, v->runspec)) < 0)
		die("runspec", e);
	v->runspec_bytes = malloc(n);
	if (!v->runspec_bytes)
		die("runspec", MB_E_NOMEM);
	memcpy(v->runspec_bytes, w.p, n);
	v->runspec_len = n;
	write_wr("runspec.cbor", &w);

	/* the smallest: root, no environment, limits at their extremes */
	rs = (struct runspec){
		.argc = 1, .argv = { "/harness/t" }, .envc = 0,
		.cwd = "/", .agent_path = "/agent", .harness_path = "/harness",
		.uid = 0, .gid = 0, .timeout_s = 1,
		.max_output_bytes = UINT64_MAX, .max_procs = UINT32_MAX - 1,
	};
	encode_runspec(&rs, "runspec-minimal.cbor", &w);
	write_wr("runspec-minimal.cbor", &w);

	/* the agent boundary on: the agent as nobody */
	rs = (struct runspec){
		.argc = 1, .argv = { "/opt/harness/run-tests" }, .envc = 1,
		.envp = { "PATH=/usr/bin:/bin" }, .cwd = "/", .agent_path = "/opt/agent",
		.harness_path = "/opt/harness", .uid = 0, .gid = 0, .timeout_s = 300,
		.max_output_bytes = 64u << 20, .max_procs = 256,
		.has_agent_user = true, .agent_uid = 65534, .agent_gid = 65534,
	};
	encode_runspec(&rs, "runspec-agent.cbor", &w);
	write_wr("runspec-agent.cbor", &w);

	/* a plain run: no tree, the root image runs the command */
	rs = (struct runspec){
		.argc = 2, .argv = { "/bin/sh", "/usr/share/tests/run" }, .envc = 1,
		.envp = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }, .cwd = "/",
		.uid = 0, .gid = 0, .timeout_s = 300, .max_output_bytes = 64u << 20, .max_procs = 256,
	};
	encode_runspec(&rs, "runspec-plain.cbor", &w);
	write_wr("runspec-plain.cbor", &w);
}

static void write_hello(const struct vset *v)
{
	struct hello h = { .runspec = v->runspec_bytes, .runspec_len = v->runspec_len };
	uint8_t hdr[FRAME_HEADER_BYTES];
	struct cb_wr w, f;
	size_t n;
	int e;

	memcpy(h.nonce, v->nonce, NONCE_BYTES);
	cb_wr_init(&w, NULL, MAX_FRAME_PAYLOAD_BYTES);
	hello_encode(&h, &w);
	if ((e = cb_wr_finish(&w, &n)) < 0)
		die("hello", e);
	cb_wr_init(&f, NULL, FRAME_HEADER_BYTES + MAX_FRAME_PAYLOAD_BYTES);
	frame_header(hdr, FRAME_HELLO, (uint32_t)n);
	cb_put_raw(&f, hdr, sizeof(hdr));
	cb_put_raw(&f, w.p, n);
	write_wr("hello.cbor", &w);
	write_wr("frame-hello.bin", &f);
}

/* ---- manifest ---- */

static void write_manifest(const struct vset *v, const char *name, bool boot, bool config,
			   bool verity, bool runspec, bool trees_by_verity)
{
	static struct manifest m;
	struct cb_wr w;

	m = (struct manifest){
		.image_size = IMAGE_SIZE, .image_format = verity ? "erofs" : "ext4",
		.has_verity = verity, .verity_offset = verity ? IMAGE_SIZE - 1024 * 1024 : 0,
		.trees_by_verity = trees_by_verity,
		.ntrees = 2,
		.trees = { { .name = "agent", .path = "/opt/agent" },
			   { .name = "harness", .path = "/opt/harness" } },
		.has_boot = boot, .cmdline = CMDLINE,
		.has_config = config,
		.argc = 2, .argv = { "/opt/harness/run-tests", "--tap" },
		.envc = 1, .envp = { "PATH=/usr/local/bin:/usr/bin:/bin" },
		.cwd = "/opt/agent", .user = "1000:1000",
	};
	memcpy(m.image_digest, v->image, SHA256_BYTES);
	memcpy(m.verity_root, v->verity, SHA256_BYTES);
	memcpy(m.trees[0].digest, v->agent, SHA256_BYTES);
	memcpy(m.trees[1].digest, v->harness, SHA256_BYTES);
	memcpy(m.kernel_digest, v->kernel, SHA256_BYTES);
	memcpy(m.initramfs_digest, v->initramfs, SHA256_BYTES);
	if (runspec) { /* pins runspec.cbor, the run spec evlog.cbor measures */
		m.has_runspec = true;
		m.runspec_len = v->runspec_len;
		memcpy(m.runspec, v->runspec_bytes, v->runspec_len);
	}
	cb_wr_init(&w, NULL, MAX_MANIFEST_BYTES);
	manifest_encode(&m, &w);
	write_wr(name, &w);
}

/* ---- event log ---- */

static void append(struct evlog *log, uint32_t pcr, uint32_t type,
		   const uint8_t digest[static 32], const char *tag)
{
	int e = evlog_append(log, pcr, type, digest, tag, strlen(tag));

	if (e < 0)
		die(tag, e);
}

static void write_evlog_json(const struct evlog *log)
{
	static const unsigned pcrs[] = { PCR_BOOT, PCR_ROOT, PCR_RUNSPEC, PCR_TREES, PCR_SESSION };
	struct pcr_bank bank;
	uint8_t comp[SHA256_BYTES];
	char json[1024], h[65];
	size_t off;
	int e;

	pcr_bank_init(&bank);
	if ((e = evlog_replay(log, &bank)) < 0 || (e = pcr_composite(&bank, PCR_VOUCH_MASK, comp)) < 0)
		die("replay", e);
	off = (size_t)snprintf(json, sizeof(json), "{\n  \"pcrs\": {\n");
	for (size_t i = 0; i < sizeof(pcrs) / sizeof(pcrs[0]); i++) {
		hex(h, bank.v[pcrs[i]], SHA256_BYTES);
		off += (size_t)snprintf(json + off, sizeof(json) - off, "    \"%u\": \"%s\"%s\n",
					pcrs[i], h, i + 1 < sizeof(pcrs) / sizeof(pcrs[0]) ? "," : "");
	}
	hex(h, comp, SHA256_BYTES);
	snprintf(json + off, sizeof(json) - off, "  },\n  \"composite\": \"%s\"\n}\n", h);
	write_file("evlog.json", json, strlen(json));
}

static void write_evlog(const struct vset *v)
{
	static const uint8_t zero4[4];
	static struct evlog log;
	uint8_t cmdline[SHA256_BYTES], sep[SHA256_BYTES];
	struct cb_wr w;
	int e;

	if ((e = sha256_buf(CMDLINE, sizeof(CMDLINE) - 1, cmdline)) < 0 ||
	    (e = sha256_buf(zero4, sizeof(zero4), sep)) < 0)
		die("evlog", e);
	evlog_init(&log);
	append(&log, PCR_BOOT, EV_IPL, v->kernel, "vouch.kernel");
	append(&log, PCR_BOOT, EV_IPL, v->initramfs, "vouch.initramfs");
	append(&log, PCR_BOOT, EV_IPL, cmdline, "vouch.cmdline");
	append(&log, PCR_ROOT, EV_IPL, v->image, "vouch.rootfs");
	append(&log, PCR_RUNSPEC, EV_EVENT_TAG, v->runspec, "vouch.runspec");
	append(&log, PCR_TREES, EV_EVENT_TAG, v->agent, "vouch.agent-tree");
	append(&log, PCR_TREES, EV_EVENT_TAG, v->harness, "vouch.harness-tree");
	append(&log, PCR_SESSION, EV_SEPARATOR, sep, "vouch.separator");
	append(&log, PCR_SESSION, EV_EVENT_TAG, v->head, "vouch.chain-head");
	cb_wr_init(&w, NULL, 64u * 1024u);
	evlog_encode(&log, &w);
	write_wr("evlog.cbor", &w);
	write_evlog_json(&log);
}

static void init_vset(struct vset *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < NONCE_BYTES; i++)
		v->nonce[i] = (uint8_t)(0xa0 + i);
	label_digest("vouch test vector: kernel", v->kernel);
	label_digest("vouch test vector: initramfs", v->initramfs);
	label_digest("vouch test vector: root image", v->image);
	label_digest("vouch test vector: verity root hash", v->verity);
	label_digest("vouch test vector: agent tree", v->agent);
	label_digest("vouch test vector: harness tree", v->harness);
}

int main(int argc, char **argv)
{
	static struct vset v;

	if (argc != 2) {
		fprintf(stderr, "usage: mkvectors OUTDIR\n");
		return 64;
	}
	outdir = argv[1];
	init_vset(&v);
	write_records(&v);
	write_chain(&v);
	write_runspecs(&v);
	write_hello(&v);
	write_manifest(&v, "manifest.cbor", true, true, false, false, false);
	write_manifest(&v, "manifest-minimal.cbor", false, false, false, false, false);
	write_manifest(&v, "manifest-verity.cbor", true, false, true, false, false);
	write_manifest(&v, "manifest-runspec.cbor", true, true, false, true, false);
	write_manifest(&v, "manifest-trees-by-verity.cbor", true, false, true, false, true);
	write_evlog(&v);
	free(v.runspec_bytes);
	return 0;
}
