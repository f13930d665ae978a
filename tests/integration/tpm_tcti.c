// SPDX-License-Identifier: MIT
/*
 * Against a real swtpm (socket server, raw TPM commands): our stream TCTI
 * carries ESYS traffic, and PCR values the TPM computes match our own
 * extend and composite arithmetic.
 *   tpm-tcti SOCKET
 */
#include "../unit/t.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>

#include "pcr.h"
#include "sha256.h"
#include "tcti.h"

static int connect_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	REQUIRE(fd >= 0 && strlen(path) < sizeof(a.sun_path));
	strcpy(a.sun_path, path);
	REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	return fd;
}

static ESYS_CONTEXT *esys;
static struct tcti_stream tcti;
static struct pcr_bank bank;

static void test_extend_matches(void)
{
	static const unsigned pcrs[] = { 8, 8, 9, 11, 12, 12, 13 };

	pcr_bank_init(&bank);
	for (size_t i = 0; i < sizeof(pcrs) / sizeof(pcrs[0]); i++) {
		TPML_DIGEST_VALUES v = { .count = 1 };
		char msg[32];

		snprintf(msg, sizeof(msg), "event %zu", i);
		v.digests[0].hashAlg = TPM2_ALG_SHA256;
		REQUIRE(sha256_buf(msg, strlen(msg), v.digests[0].digest.sha256) == 0);
		CHECK_EQ(Esys_PCR_Extend(esys, pcrs[i], ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &v), 0);
		REQUIRE(pcr_extend(&bank, pcrs[i], v.digests[0].digest.sha256) == 0);
	}
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPML_PCR_SELECTION *out_sel = NULL;
	TPML_DIGEST *vals = NULL;
	UINT32 counter;

	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[1] = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5);
	CHECK_EQ(Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter,
			       &out_sel, &vals), 0);
	REQUIRE(vals && vals->count == 5);
	static const unsigned idx[] = { 8, 9, 11, 12, 13 };

	for (size_t i = 0; i < 5; i++) {
		CHECK_EQ(vals->digests[i].size, 32);
		CHECK_MEM(vals->digests[i].buffer, bank.v[idx[i]], 32);
	}
	Esys_Free(out_sel);
	Esys_Free(vals);
}

static void test_many_commands(void)
{
	/* enough round trips to catch any framing drift */
	for (int i = 0; i < 200; i++) {
		TPM2B_DIGEST *r = NULL;

		CHECK_EQ(Esys_GetRandom(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 32, &r), 0);
		CHECK(r && r->size == 32);
		Esys_Free(r);
	}
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: tpm-tcti SOCKET\n");
		return 99;
	}
	fd = connect_unix(argv[1]);
	tcti_stream_init(&tcti, fd, TCTI_RAW, NULL, 10000);
	REQUIRE(Esys_Initialize(&esys, tcti_stream_ctx(&tcti), NULL) == TSS2_RC_SUCCESS);
	RUN(test_extend_matches);
	RUN(test_many_commands);
	Esys_Finalize(&esys);
	close(fd);
	return t_done();
}
