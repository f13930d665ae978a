// SPDX-License-Identifier: MIT
/* The TPM relay's filter, code by code: every allowlisted command passes
 * with the handles guest-init uses; every other command code, and the
 * allowlisted ones with a launcher PCR or another hierarchy, are refused
 * with the exact TPM response code; malformed headers (every truncation,
 * lying size fields, oversized, bad tags) are refused; and relay_command
 * answers a refusal on the guest's channel without touching the TPM. */
#include "t.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tss2/tss2_tpm2_types.h>

#include "frame.h"
#include "mb_limits.h"
#include "../../vouch/vm/relay.h"
#include "tcti.h"

#define RC_HANDLE_1 (TPM2_RC_HANDLE + TPM2_RC_1)
#define EK_HANDLE 0x81010001u
#define AK_HANDLE 0x80000000u

/* What the allowlist must hold, written out independently of relay.c:
 * a code added there without a line here fails test_allowlist_is_exactly. */
static const struct {
	uint32_t cc;
	unsigned handles;
	uint32_t h[2]; /* the handles guest-init sends */
} allowed[] = {
	{ TPM2_CC_CreatePrimary, 1, { TPM2_RH_ENDORSEMENT } },
	{ TPM2_CC_ActivateCredential, 2, { AK_HANDLE, EK_HANDLE } },
	{ TPM2_CC_PolicySecret, 2, { TPM2_RH_ENDORSEMENT, 0x03000000u } },
	{ TPM2_CC_Quote, 1, { AK_HANDLE } },
	{ TPM2_CC_Sign, 1, { AK_HANDLE } },
	{ TPM2_CC_FlushContext, 0, { 0 } },
	{ TPM2_CC_ReadPublic, 1, { EK_HANDLE } },
	{ TPM2_CC_StartAuthSession, 2, { TPM2_RH_NULL, TPM2_RH_NULL } },
	{ TPM2_CC_Hash, 0, { 0 } },
	{ TPM2_CC_PCR_Extend, 1, { 11 } },
};
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A command: header, nh handles, then `params` bytes of parameters. */
static size_t mk(uint8_t *b, uint16_t tag, uint32_t cc, const uint32_t *h, unsigned nh, size_t params)
{
	size_t n = TPM_HEADER_BYTES + 4u * nh + params;

	b[0] = (uint8_t)(tag >> 8), b[1] = (uint8_t)tag;
	put32(b + 2, (uint32_t)n);
	put32(b + 6, cc);
	for (unsigned i = 0; i < nh; i++)
		put32(b + TPM_HEADER_BYTES + 4 * i, h[i]);
	memset(b + TPM_HEADER_BYTES + 4u * nh, 0x5a, params);
	return n;
}

static struct relay_verdict check(const uint8_t *b, size_t n)
{
	struct relay_verdict v;

	memset(&v, 0xa5, sizeof(v)); /* every field must be written */
	relay_check(b, n, &v);
	return v;
}

static void test_allowlist_is_exactly(void)
{
	size_t n;
	const struct relay_rule *r = relay_allowlist(&n);

	CHECK_EQ(n, NALLOWED);
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < NALLOWED && allowed[j].cc != r[i].cc)
			j++;
		t_report(j < NALLOWED && allowed[j].handles == r[i].handles && r[i].why && r[i].why[0] &&
				 r[i].name,
			 "allowlist entry %s (0x%08x) expected, %u handles, has a reason", r[i].name, r[i].cc,
			 r[i].handles);
	}
}

static void test_every_allowed_code_passes(void)
{
	uint8_t b[128];

	for (size_t i = 0; i < NALLOWED; i++) {
		for (int tag = 0; tag < 2; tag++) {
			size_t n = mk(b, tag ? TPM2_ST_SESSIONS : TPM2_ST_NO_SESSIONS, allowed[i].cc, allowed[i].h,
				      allowed[i].handles, 13);
			struct relay_verdict v = check(b, n);

			t_report(v.rc == 0 && v.cc == allowed[i].cc && v.why && v.why[0],
				 "0x%08x with %s passes (rc 0x%x)", allowed[i].cc, tag ? "sessions" : "no sessions",
				 v.rc);
		}
	}
}

static void test_pcr_extend_guest_pcrs_only(void)
{
	uint8_t b[128];

	for (uint32_t pcr = 0; pcr < 24; pcr++) {
		size_t n = mk(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_Extend, &pcr, 1, 40);
		struct relay_verdict v = check(b, n);
		int guest = pcr == 11 || pcr == 12 || pcr == 13;

		t_report(guest ? v.rc == 0 : v.rc == RC_HANDLE_1 && v.handle == pcr,
			 "PCR_Extend of PCR %u %s (rc 0x%x)", pcr, guest ? "passes" : "refused", v.rc);
	}
	/* handles that are no PCR at all, some ending in 11 */
	static const uint32_t no_pcr[] = { TPM2_RH_NULL, 0x8100000bu, 0x0b000000u, 0x0000010bu, 0xffffffffu };

	for (size_t i = 0; i < sizeof(no_pcr) / sizeof(no_pcr[0]); i++) {
		size_t n = mk(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_Extend, &no_pcr[i], 1, 40);

		t_report(check(b, n).rc == RC_HANDLE_1, "PCR_Extend of handle 0x%08x refused", no_pcr[i]);
	}
}

static void test_endorsement_only(void)
{
	static const uint32_t codes[] = { TPM2_CC_CreatePrimary, TPM2_CC_PolicySecret };
	static const uint32_t other[] = { TPM2_RH_OWNER, TPM2_RH_PLATFORM, TPM2_RH_NULL, TPM2_RH_LOCKOUT,
					  TPM2_RH_PLATFORM_NV, 8, 9, 0x81010001u };
	uint8_t b[128];

	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < sizeof(other) / sizeof(other[0]); j++) {
			uint32_t h[2] = { other[j], 0x03000000u };
			size_t n = mk(b, TPM2_ST_SESSIONS, codes[i], h, 2, 20);
			struct relay_verdict v = check(b, n);

			t_report(v.rc == RC_HANDLE_1 && v.handle == other[j] && v.cc == codes[i],
				 "0x%08x on handle 0x%08x refused (rc 0x%x)", codes[i], other[j], v.rc);
		}
}

/* The commands that change PCRs, banks, hierarchies, NV or the TPM's
 * state, each with the launcher's PCRs and a guest PCR as first handle:
 * all refused as not on the allowlist. */
static void test_named_refusals(void)
{
	static const struct {
		uint32_t cc;
		const char *name;
	} bad[] = {
		{ TPM2_CC_PCR_Event, "PCR_Event" },
		{ TPM2_CC_EventSequenceComplete, "EventSequenceComplete" },
		{ TPM2_CC_PCR_Reset, "PCR_Reset" },
		{ TPM2_CC_PCR_Allocate, "PCR_Allocate" },
		{ TPM2_CC_PCR_SetAuthPolicy, "PCR_SetAuthPolicy" },
		{ TPM2_CC_PCR_SetAuthValue, "PCR_SetAuthValue" },
		{ TPM2_CC_HashSequenceStart, "HashSequenceStart" },
		{ TPM2_CC_SequenceUpdate, "SequenceUpdate" },
		{ TPM2_CC_SequenceComplete, "SequenceComplete" },
		{ TPM2_CC_Startup, "Startup" },
		{ TPM2_CC_Shutdown, "Shutdown" },
		{ TPM2_CC_Clear, "Clear" },
		{ TPM2_CC_ClearControl, "ClearControl" },
		{ TPM2_CC_HierarchyControl, "HierarchyControl" },
		{ TPM2_CC_HierarchyChangeAuth, "HierarchyChangeAuth" },
		{ TPM2_CC_ChangeEPS, "ChangeEPS" },
		{ TPM2_CC_ChangePPS, "ChangePPS" },
		{ TPM2_CC_SetPrimaryPolicy, "SetPrimaryPolicy" },
		{ TPM2_CC_EvictControl, "EvictControl" },
		{ TPM2_CC_NV_DefineSpace, "NV_DefineSpace" },
		{ TPM2_CC_NV_Write, "NV_Write" },
		{ TPM2_CC_NV_Extend, "NV_Extend" },
		{ TPM2_CC_NV_Increment, "NV_Increment" },
		{ TPM2_CC_ClockSet, "ClockSet" },
		{ TPM2_CC_DictionaryAttackLockReset, "DictionaryAttackLockReset" },
		{ TPM2_CC_FieldUpgradeStart, "FieldUpgradeStart" },
		{ TPM2_CC_SetAlgorithmSet, "SetAlgorithmSet" },
		{ TPM2_CC_PolicyPCR, "PolicyPCR" },
		{ TPM2_CC_PCR_Read, "PCR_Read" },
		{ TPM2_CC_Create, "Create" },
		{ TPM2_CC_Load, "Load" },
		{ TPM2_CC_LoadExternal, "LoadExternal" },
		{ TPM2_CC_ContextSave, "ContextSave" },
		{ TPM2_CC_ContextLoad, "ContextLoad" },
		{ TPM2_CC_Certify, "Certify" },
		{ TPM2_CC_GetRandom, "GetRandom" },
		{ TPM2_CC_GetCapability, "GetCapability" },
	};
	static const uint32_t pcrs[] = { 8, 9, 11, 16 };
	uint8_t b[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t j = 0; j < sizeof(pcrs) / sizeof(pcrs[0]); j++) {
			size_t n = mk(b, TPM2_ST_SESSIONS, bad[i].cc, &pcrs[j], 1, 40);
			struct relay_verdict v = check(b, n);

			t_report(v.rc == TPM2_RC_COMMAND_CODE && v.cc == bad[i].cc, "%s on PCR %u refused (rc 0x%x)",
				 bad[i].name, pcrs[j], v.rc);
		}
}

static int is_allowed(uint32_t cc)
{
	for (size_t i = 0; i < NALLOWED; i++)
		if (allowed[i].cc == cc)
			return 1;
	return 0;
}

/* Every other code in the TPM 2.0 range, and codes outside it (vendor bit,
 * the allowlisted codes with high bits set), refused. One line for all. */
static void test_every_other_code_refused(void)
{
	static const uint32_t extra[] = { 0, 0x11e, TPM2_CC_LAST + 1, 0x1ff, TPM2_CC_Vendor_TCG_Test,
					  0x20000000u | TPM2_CC_PCR_Extend, 0x80000000u | TPM2_CC_Quote,
					  0x00010000u | TPM2_CC_Hash, 0xffffffffu };
	uint8_t b[128];
	unsigned refused = 0, wrong = 0;

	for (uint32_t cc = TPM2_CC_FIRST; cc <= TPM2_CC_LAST + sizeof(extra) / sizeof(extra[0]); cc++) {
		uint32_t code = cc <= TPM2_CC_LAST ? cc : extra[cc - TPM2_CC_LAST - 1];
		uint32_t h[2] = { 8, 9 };
		size_t n;
		struct relay_verdict v;

		if (is_allowed(code))
			continue;
		n = mk(b, TPM2_ST_SESSIONS, code, h, 2, 30);
		v = check(b, n);
		if (v.rc == TPM2_RC_COMMAND_CODE && v.cc == code)
			refused++;
		else {
			wrong++;
			printf("# 0x%08x: rc 0x%x\n", code, v.rc);
		}
	}
	t_report(wrong == 0 && refused == TPM2_CC_LAST - TPM2_CC_FIRST + 1 - NALLOWED +
						   sizeof(extra) / sizeof(extra[0]),
		 "every code off the allowlist refused (%u codes)", refused);
}

/* Each allowlisted command cut at every offset, its size field unchanged
 * (the size lies): refused. With the size field matching the cut: refused
 * while the handle area is incomplete; past it, the relay has nothing
 * more to check (the parameters are the TPM's to parse). */
static void test_truncation_at_every_offset(void)
{
	uint8_t b[128];

	for (size_t i = 0; i < NALLOWED; i++) {
		size_t n = mk(b, TPM2_ST_SESSIONS, allowed[i].cc, allowed[i].h, allowed[i].handles, 13);
		size_t need = TPM_HEADER_BYTES + 4u * allowed[i].handles;
		unsigned wrong = 0;

		for (size_t k = 0; k < n; k++) {
			uint8_t c[128];
			struct relay_verdict v;

			memcpy(c, b, n);
			if (check(c, k).rc != TPM2_RC_COMMAND_SIZE)
				wrong++;
			if (k >= 6) {
				put32(c + 2, (uint32_t)k);
				v = check(c, k);
				if (k < need ? v.rc != TPM2_RC_COMMAND_SIZE : v.rc != 0)
					wrong++;
			}
		}
		t_report(wrong == 0, "0x%08x truncated at each of %zu offsets", allowed[i].cc, n);
	}
}

static void test_size_field_lies(void)
{
	static const uint32_t lies[] = { 0, 9, 10, 30, 32, 0x7fffffff, 0xffffffff };
	uint32_t h = 11;
	uint8_t b[128];
	size_t n = mk(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_Extend, &h, 1, 17); /* n = 31 */

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		struct relay_verdict v;

		put32(b + 2, lies[i]);
		v = check(b, n);
		t_report(v.rc == TPM2_RC_COMMAND_SIZE && v.cc == 0, "size field %u for %zu bytes refused",
			 lies[i], n);
	}
	put32(b + 2, (uint32_t)n);
	t_report(check(b, n).rc == 0, "the same command with its true size passes");
	t_report(check(NULL, 0).rc == TPM2_RC_COMMAND_SIZE, "no bytes at all refused");
}

static void test_oversized(void)
{
	uint8_t *b = malloc(MAX_TPM_MSG_BYTES + 2);
	size_t n;

	REQUIRE(b);
	n = mk(b, TPM2_ST_NO_SESSIONS, TPM2_CC_Hash, NULL, 0, MAX_TPM_MSG_BYTES - TPM_HEADER_BYTES);
	CHECK_EQ(check(b, n).rc, 0);
	n = mk(b, TPM2_ST_NO_SESSIONS, TPM2_CC_Hash, NULL, 0, MAX_TPM_MSG_BYTES + 1 - TPM_HEADER_BYTES);
	CHECK_EQ(check(b, n).rc, TPM2_RC_COMMAND_SIZE);
	free(b);
}

static void test_bad_tags(void)
{
	static const uint16_t tags[] = { 0x0000, 0x00c1, 0x00c2, 0x8000, 0x8003, 0x8004, 0xffff };
	uint32_t h = 11;
	uint8_t b[128];

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = mk(b, tags[i], TPM2_CC_PCR_Extend, &h, 1, 17);

		t_report(check(b, n).rc == TPM2_RC_BAD_TAG, "tag 0x%04x refused", tags[i]);
	}
}

/* relay_command on a refused command: the guest gets a 10-byte TPM error
 * response in a FRAME_TPM_RSP frame and the TPM's socket sees nothing.
 * On an allowed one: the TPM's socket gets the exact bytes and the guest
 * the TPM's answer. */
static void test_relay_command(void)
{
	static const uint8_t tpm_ok[] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0 };
	int guest[2], tpm[2];
	struct frame_reader rd;
	struct tcti_stream s;
	struct frame f, got;
	uint8_t b[64], seen[64];
	uint32_t h = 9;
	int e;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, guest) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tpm) == 0);
	REQUIRE(fcntl(tpm[1], F_SETFL, O_NONBLOCK) == 0);
	REQUIRE(frame_reader_init(&rd, guest[1]) == 0);
	tcti_stream_init(&s, tpm[0], TCTI_RAW, NULL, 2000);

	f = (struct frame){ FRAME_TPM_CMD, b, mk(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_Extend, &h, 1, 17) };
	CHECK_EQ(relay_command(&s, guest[0], &f), RELAY_REFUSED);
	e = frame_read(&rd, frame_now_ms() + 2000, &got);
	CHECK_EQ(e, 0);
	if (e == 0) {
		CHECK_EQ(got.type, FRAME_TPM_RSP);
		CHECK_EQ(got.n, 10);
		CHECK_MEM(got.p, ((const uint8_t[]){ 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x8b }), 10);
	}
	CHECK(read(tpm[1], seen, sizeof(seen)) < 0); /* nothing reached the TPM */

	h = 12;
	f.n = mk(b, TPM2_ST_SESSIONS, TPM2_CC_PCR_Extend, &h, 1, 17);
	REQUIRE(write(tpm[1], tpm_ok, sizeof(tpm_ok)) == (ssize_t)sizeof(tpm_ok));
	CHECK_EQ(relay_command(&s, guest[0], &f), 0);
	CHECK_EQ(read(tpm[1], seen, sizeof(seen)), (ssize_t)f.n);
	CHECK_MEM(seen, b, f.n);
	e = frame_read(&rd, frame_now_ms() + 2000, &got);
	CHECK_EQ(e, 0);
	if (e == 0) {
		CHECK_EQ(got.type, FRAME_TPM_RSP);
		CHECK_EQ(got.n, sizeof(tpm_ok));
	}

	f.type = FRAME_RECORD;
	CHECK_EQ(relay_command(&s, guest[0], &f), MB_E_FRAME_TYPE);
	frame_reader_free(&rd);
	close(guest[0]), close(guest[1]), close(tpm[0]), close(tpm[1]);
}

int main(void)
{
	test_allowlist_is_exactly();
	test_every_allowed_code_passes();
	test_pcr_extend_guest_pcrs_only();
	test_endorsement_only();
	test_named_refusals();
	test_every_other_code_refused();
	test_truncation_at_every_offset();
	test_size_field_lies();
	RUN(test_oversized);
	test_bad_tags();
	RUN(test_relay_command);
	return t_done();
}
