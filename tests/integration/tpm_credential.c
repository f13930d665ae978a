// SPDX-License-Identifier: MIT
/*
 * Against a real swtpm provisioned by swtpm_setup: an AK made from our
 * template passes our attribute check; a credential made in software
 * for the AK's name and the TPM's EK is recovered by TPM2_ActivateCredential;
 * a credential for another name or another EK is not.
 *   tpm-credential SOCKET
 */
#include "../unit/t.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>

#include "ak.h"
#include "credential.h"
#include "tcti.h"

static ESYS_CONTEXT *esys;
static struct tcti_stream tcti;
static ESYS_TR ak, ek;
static TPM2B_PUBLIC *ak_pub, *ek_pub;
static TPM2B_NAME *ak_name;

static int connect_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	REQUIRE(fd >= 0 && strlen(path) < sizeof(a.sun_path));
	strcpy(a.sun_path, path);
	REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	return fd;
}

static void setup_keys(void)
{
	TPM2B_PUBLIC tmpl;
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_NAME *qn = NULL, *ekn = NULL;

	ak_template(&tmpl);
	REQUIRE(Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, &ak, &ak_pub, NULL,
				   NULL, NULL) == 0);
	REQUIRE(Esys_TR_GetName(esys, ak, &ak_name) == 0);
	REQUIRE(Esys_TR_FromTPMPublic(esys, 0x81010001, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				      &ek) == 0);
	REQUIRE(Esys_ReadPublic(esys, ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek_pub, &ekn,
				&qn) == 0);
	Esys_Free(ekn);
	Esys_Free(qn);
}

static void test_ak_check(void)
{
	TPM2B_PUBLIC p = *ak_pub;

	CHECK_EQ(ak_check_public(&p), 0);
	p.publicArea.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
	CHECK_EQ(ak_check_public(&p), MB_E_RANGE);
	p = *ak_pub;
	p.publicArea.objectAttributes &= ~TPMA_OBJECT_FIXEDTPM;
	CHECK_EQ(ak_check_public(&p), MB_E_RANGE);
	p = *ak_pub;
	p.publicArea.objectAttributes |= TPMA_OBJECT_DECRYPT;
	CHECK_EQ(ak_check_public(&p), MB_E_RANGE);
	p = *ak_pub;
	p.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
	CHECK_EQ(ak_check_public(&p), MB_E_ALG);
	p = *ak_pub;
	p.publicArea.nameAlg = TPM2_ALG_SHA1;
	CHECK_EQ(ak_check_public(&p), MB_E_ALG);
}

/* 0 and the recovered secret, or the TPM's response code. */
static TSS2_RC activate(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *sec,
			TPM2B_DIGEST **ret)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	ESYS_TR sess;
	TSS2_RC rc;

	REQUIRE(Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				      ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256,
				      &sess) == 0);
	REQUIRE(Esys_PolicySecret(esys, ESYS_TR_RH_ENDORSEMENT, sess, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				  ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL) == 0);
	rc = Esys_ActivateCredential(esys, ak, ek, ESYS_TR_PASSWORD, sess, ESYS_TR_NONE, blob, sec, ret);
	Esys_FlushContext(esys, sess);
	return rc;
}

static void test_activation(void)
{
	static const uint8_t secret[32] = "a 32-byte session secret here..";
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sec;
	TPM2B_DIGEST *got = NULL;

	CHECK_EQ(credential_make(ek_pub, ak_name, secret, sizeof(secret), &blob, &sec), 0);
	CHECK_EQ(activate(&blob, &sec, &got), 0);
	CHECK(got && got->size == 32 && memcmp(got->buffer, secret, 32) == 0);
	Esys_Free(got);
}

static void test_activation_for_another_name_fails(void)
{
	static const uint8_t secret[16] = "sixteen bytes...";
	TPM2B_NAME other = *ak_name;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sec;
	TPM2B_DIGEST *got = NULL;

	other.name[other.size - 1] ^= 1;
	CHECK_EQ(credential_make(ek_pub, &other, secret, sizeof(secret), &blob, &sec), 0);
	CHECK(activate(&blob, &sec, &got) != 0);
	CHECK(got == NULL);
}

static void test_activation_for_another_ek_fails(void)
{
	static const uint8_t secret[16] = "sixteen bytes...";
	TPM2B_PUBLIC other = *ek_pub;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sec;
	TPM2B_DIGEST *got = NULL;

	/* another modulus: the seed is sealed to a key this TPM lacks */
	other.publicArea.unique.rsa.buffer[17] ^= 0x40;
	other.publicArea.unique.rsa.buffer[other.publicArea.unique.rsa.size - 1] |= 1;
	CHECK_EQ(credential_make(&other, ak_name, secret, sizeof(secret), &blob, &sec), 0);
	CHECK(activate(&blob, &sec, &got) != 0);
	CHECK(got == NULL);
}

static void test_tampered_blob_fails(void)
{
	static const uint8_t secret[16] = "sixteen bytes...";
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sec;
	TPM2B_DIGEST *got = NULL;

	CHECK_EQ(credential_make(ek_pub, ak_name, secret, sizeof(secret), &blob, &sec), 0);
	blob.credential[blob.size - 1] ^= 1;
	CHECK(activate(&blob, &sec, &got) != 0);
	CHECK(got == NULL);
}

static void test_refuses_non_standard_ek(void)
{
	static const uint8_t secret[16] = "sixteen bytes...";
	TPM2B_PUBLIC other = *ek_pub;
	TPM2B_ID_OBJECT blob = { .size = 7 };
	TPM2B_ENCRYPTED_SECRET sec = { .size = 9 };

	other.publicArea.parameters.rsaDetail.symmetric.keyBits.aes = 256;
	CHECK_EQ(credential_make(&other, ak_name, secret, sizeof(secret), &blob, &sec), MB_E_ALG);
	CHECK(blob.size == 7 && sec.size == 9);
}

static void test_kdfa_known_answer(void)
{
	/* KDFa(SHA-256, key = 32 x 0x01, "STORAGE", u = "abc", v = "", 128):
	 * computed independently with Python's hmac module */
	uint8_t key[32], out[16], want[16];

	memset(key, 1, sizeof(key));
	REQUIRE(t_hex(getenv("KDFA_WANT") ? getenv("KDFA_WANT") : "", want, 16) == 16);
	CHECK_EQ(credential_kdfa(key, 32, "STORAGE", (const uint8_t *)"abc", 3, NULL, 0, out, 128), 0);
	CHECK_MEM(out, want, 16);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: tpm-credential SOCKET\n");
		return 99;
	}
	fd = connect_unix(argv[1]);
	tcti_stream_init(&tcti, fd, TCTI_RAW, NULL, 30000);
	REQUIRE(Esys_Initialize(&esys, tcti_stream_ctx(&tcti), NULL) == 0);
	setup_keys();
	RUN(test_ak_check);
	RUN(test_activation);
	RUN(test_activation_for_another_name_fails);
	RUN(test_activation_for_another_ek_fails);
	RUN(test_tampered_blob_fails);
	RUN(test_refuses_non_standard_ek);
	RUN(test_kdfa_known_answer);
	Esys_Finalize(&esys);
	close(fd);
	return t_done();
}
