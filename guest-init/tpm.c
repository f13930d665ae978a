// SPDX-License-Identifier: MIT
/*
 * guest-init's TPM work, through ESYS: extends, the attestation key and
 * its activation against the EK, checkpoint signatures, the final quote.
 * The AK's auth value is random, lives in ESYS's memory only, and our own
 * copy is wiped as soon as ESYS has it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_device.h>

#include "ak.h"
#include "attest.h"
#include "gi.h"
#include "pcr.h"
#include "tcti.h"
#include "tpmpub.h"


static ESYS_CONTEXT *esys;
static TSS2_TCTI_CONTEXT *tcti;
static struct tcti_stream relay;
static ESYS_TR ak = ESYS_TR_NONE;

static __attribute__((noreturn)) void tpm_die(const char *what, TSS2_RC rc)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s (TPM: %s)", what, Tss2_RC_Decode(rc));
	gi_die(msg, MB_E_CRYPTO);
}

#define TRY(what, call)                              \
	do {                                         \
		TSS2_RC rc_ = (call);                \
		if (rc_ != TSS2_RC_SUCCESS)          \
			tpm_die((what), rc_);        \
	} while (0)

static int open_device(void)
{
	struct stat st;
	size_t size = 0;
	int tries;

	for (tries = 0; stat("/dev/tpmrm0", &st) < 0 && tries < 300; tries++)
		usleep(10000);
	if (Tss2_Tcti_Device_Init(NULL, &size, NULL) != TSS2_RC_SUCCESS)
		return MB_E_CRYPTO;
	tcti = calloc(1, size);
	if (!tcti)
		return MB_E_NOMEM;
	if (Tss2_Tcti_Device_Init(tcti, &size, "/dev/tpmrm0") != TSS2_RC_SUCCESS)
		return MB_E_IO;
	return 0;
}

int gi_tpm_open(void)
{
	int e;

	if (esys)
		return 0;
	if (strcmp(G.cfg.tpm, "device") == 0) {
		if ((e = open_device()) < 0)
			return e;
	} else {
		G.tpm_fd = gi_channel_open(G.cfg.tpm, frame_now_ms() + 10000);
		if (G.tpm_fd < 0)
			return -G.tpm_fd;
		if ((e = frame_reader_init(&G.tpm_rd, G.tpm_fd)) < 0)
			return e;
		tcti_stream_init(&relay, G.tpm_fd, TCTI_FRAMED, &G.tpm_rd, 30000);
		tcti = tcti_stream_ctx(&relay);
	}
	TRY("connecting to the TPM", Esys_Initialize(&esys, tcti, NULL));
	return 0;
}

int gi_tpm_extend_raw(uint32_t pcr, const uint8_t digest[static 32])
{
	TPML_DIGEST_VALUES v = { .count = 1 };

	v.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(v.digests[0].digest.sha256, digest, 32);
	TRY("extending a PCR", Esys_PCR_Extend(esys, pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					       ESYS_TR_NONE, &v));
	return 0;
}

int gi_tpm_extend(uint32_t pcr, uint32_t type, const uint8_t digest[static 32], const char *tag)
{
	int e = evlog_append(&G.log, pcr, type, digest, tag, strlen(tag));

	return e < 0 ? e : gi_tpm_extend_raw(pcr, digest);
}

static void create_ak(TPM2B_PUBLIC **ret_pub)
{
	TPM2B_PUBLIC tmpl;
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcr = { 0 };
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *cticket = NULL;
	TPM2B_AUTH auth = { .size = 32 };

	ak_template(&tmpl);
	if (getrandom(auth.buffer, auth.size, 0) != auth.size)
		gi_die("random AK auth", errno);
	/* a primary key is derived from the hierarchy seed and its template:
	 * random bytes in "unique" make this session's AK a new one */
	tmpl.publicArea.unique.ecc.x.size = 32;
	tmpl.publicArea.unique.ecc.y.size = 32;
	if (getrandom(tmpl.publicArea.unique.ecc.x.buffer, 32, 0) != 32 ||
	    getrandom(tmpl.publicArea.unique.ecc.y.buffer, 32, 0) != 32)
		gi_die("random AK template", errno);
	sens.sensitive.userAuth = auth;
	/* the endorsement hierarchy: real reset/restart counters in quotes */
	TRY("creating the AK",
	    Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, &sens, &tmpl, &outside, &creation_pcr, &ak, ret_pub,
			       &cdata, &chash, &cticket));
	TRY("setting the AK auth", Esys_TR_SetAuth(esys, ak, &auth));
	explicit_bzero(&auth, sizeof(auth));
	explicit_bzero(&sens, sizeof(sens));
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(cticket);
}

static int send_ak(const TPM2B_PUBLIC *pub)
{
	uint8_t pubm[sizeof(TPM2B_PUBLIC)], msg[2048];
	TPM2B_NAME *name = NULL;
	struct cb_wr w;
	size_t off = 0, n;
	int e;

	TRY("marshalling the AK", Tss2_MU_TPM2B_PUBLIC_Marshal(pub, pubm, sizeof(pubm), &off));
	TRY("reading the AK name", Esys_TR_GetName(esys, ak, &name));
	cb_wr_init(&w, msg, sizeof(msg));
	attest_encode(MSG_AK, (const struct blob[]){ { pubm, off }, { name->name, name->size } }, &w);
	Esys_Free(name);
	if ((e = cb_wr_finish(&w, &n)) < 0)
		return e;
	return frame_write(G.chan_fd, FRAME_AK, msg, n);
}

static void activate(const struct blob *f)
{
	TPM2B_ID_OBJECT blob = { 0 };
	TPM2B_ENCRYPTED_SECRET secret = { 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST *cert = NULL;
	ESYS_TR ek = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	uint8_t msg[256];
	struct cb_wr w;
	size_t off = 0, n;

	TRY("reading the credential", Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(f[0].p, f[0].n, &off, &blob));
	if (off != f[0].n)
		gi_die("credential blob has trailing bytes", MB_E_TRAILING);
	off = 0;
	TRY("reading the secret", Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(f[1].p, f[1].n, &off, &secret));
	if (off != f[1].n)
		gi_die("credential secret has trailing bytes", MB_E_TRAILING);
	TRY("loading the EK", Esys_TR_FromTPMPublic(esys, MB_EK_RSA_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE,
						    ESYS_TR_NONE, &ek));
	/* the EK's policy is PolicySecret(TPM_RH_ENDORSEMENT) */
	TRY("starting the EK policy session",
	    Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &sess));
	TRY("satisfying the EK policy",
	    Esys_PolicySecret(esys, ESYS_TR_RH_ENDORSEMENT, sess, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			      ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL));
	TRY("activating the credential",
	    Esys_ActivateCredential(esys, ak, ek, ESYS_TR_PASSWORD, sess, ESYS_TR_NONE, &blob,
				    &secret, &cert));
	(void)Esys_FlushContext(esys, sess);
	cb_wr_init(&w, msg, sizeof(msg));
	attest_encode(MSG_ACTIVATED, (const struct blob[]){ { cert->buffer, cert->size } }, &w);
	explicit_bzero(cert->buffer, cert->size);
	Esys_Free(cert);
	GI_CHECK("encoding the activation", cb_wr_finish(&w, &n));
	GI_CHECK("sending the activation", frame_write(G.chan_fd, FRAME_ACTIVATED, msg, n));
}

/* Whether the AK was sent and its credential not yet activated. */
static bool activation_pending;

int gi_tpm_create_ak(void)
{
	TPM2B_PUBLIC *pub = NULL;
	int e;

	create_ak(&pub);
	GI_CHECK("recording the AK", gi_emit_phase(PHASE_AK_CREATED));
	e = send_ak(pub);
	Esys_Free(pub);
	if (e < 0)
		return e;
	activation_pending = true;
	return 0;
}

int gi_tpm_activation_fd(void)
{
	return activation_pending ? G.chan_fd : -1;
}

int gi_tpm_activate(void)
{
	struct blob f[ATTEST_MAX_FIELDS];
	struct frame fr;
	int e;

	if (!activation_pending)
		return 0;
	if ((e = frame_read(&G.chan_rd, frame_now_ms() + 30000, &fr)) < 0)
		return e;
	if (fr.type != FRAME_CREDENTIAL)
		return MB_E_FRAME_TYPE;
	if ((e = attest_decode(MSG_CREDENTIAL, fr.p, fr.n, f)) < 0)
		return e;
	activate(f);
	activation_pending = false;
	/* checkpoints are signed from here on; the first one covers every
	 * record before it, those of the harness's first moments included */
	G.checkpoint_sign = gi_tpm_checkpoint;
	G.last_checkpoint_ns = gi_now_ns();
	return gi_emit_phase(PHASE_ACTIVATED);
}

int gi_tpm_checkpoint(const uint8_t head[static 32], uint8_t *sig, size_t *sig_len)
{
	TPM2B_MAX_BUFFER data = { .size = CHECKPOINT_MSG_BYTES };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA,
				   .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	TPM2B_DIGEST *digest = NULL;
	TPMT_TK_HASHCHECK *ticket = NULL;
	TPMT_SIGNATURE *s = NULL;
	size_t off = 0;

	record_checkpoint_message(head, data.buffer);
	/* a restricted key signs only digests the TPM itself hashed: the
	 * ticket proves the message does not start with TPM_GENERATED */
	TRY("hashing a checkpoint", Esys_Hash(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &data,
					      TPM2_ALG_SHA256, ESYS_TR_RH_ENDORSEMENT, &digest, &ticket));
	TRY("signing a checkpoint", Esys_Sign(esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
					      digest, &scheme, ticket, &s));
	TRY("marshalling a signature", Tss2_MU_TPMT_SIGNATURE_Marshal(s, sig, *sig_len, &off));
	*sig_len = off;
	Esys_Free(digest);
	Esys_Free(ticket);
	Esys_Free(s);
	return 0;
}

int gi_tpm_quote(const uint8_t qualifying[static 32], struct cb_wr *w)
{
	TPM2B_DATA qual = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA,
				   .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *s = NULL;
	uint8_t sigm[sizeof(TPMT_SIGNATURE)];
	struct cb_wr lw;
	uint8_t logbuf[MAX_QUOTE_EVLOG_BYTES];
	size_t off = 0, logn;
	int e;

	memcpy(qual.buffer, qualifying, 32);
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	for (unsigned i = 0; i < PCR_COUNT; i++)
		if (PCR_VOUCH_MASK & (1u << i))
			sel.pcrSelections[0].pcrSelect[i / 8] |= (uint8_t)(1u << (i % 8));
	TRY("quoting", Esys_Quote(esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qual,
				  &scheme, &sel, &quoted, &s));
	TRY("marshalling the quote signature", Tss2_MU_TPMT_SIGNATURE_Marshal(s, sigm, sizeof(sigm), &off));
	cb_wr_init(&lw, logbuf, sizeof(logbuf));
	evlog_encode(&G.log, &lw);
	if ((e = cb_wr_finish(&lw, &logn)) < 0)
		return e;
	attest_encode(MSG_QUOTE, (const struct blob[]){ { quoted->attestationData, quoted->size },
							 { sigm, off }, { logbuf, logn } }, w);
	Esys_Free(quoted);
	Esys_Free(s);
	return 0;
}

void gi_tpm_close(void)
{
	if (ak != ESYS_TR_NONE)
		(void)Esys_FlushContext(esys, ak);
	Esys_Finalize(&esys);
}
