// SPDX-License-Identifier: MIT
#include "relay.h"

#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "mb_limits.h"
#include "pcr.h"

/* What the first handle of an allowed command must be. */
enum relay_handle_check {
	H_ANY,         /* any handle: the command changes no PCR and no hierarchy */
	H_GUEST_PCR,   /* PCR 11, 12 or 13: never the launcher's 8 and 9 */
	H_ENDORSEMENT, /* TPM_RH_ENDORSEMENT, the AK's and the EK policy's hierarchy */
};

/*
 * Every command guest-init's TPM work (guest-init/tpm.c, through ESYS
 * 3.2) sends, and nothing else: the codes logged over the relay across
 * tests/integration/vm.sh's runs were exactly these ten. No entry resets or
 * changes a PCR bank, a hierarchy, NV, the clock or the TPM's state
 * beyond a transient object or a session; PCR_Extend is limited to the
 * guest's PCRs. Sorted by command code.
 */
static const struct relay_rule allowlist[] = {
	{ TPM2_CC_CreatePrimary, 1, H_ENDORSEMENT, "CreatePrimary",
	  "the session's AK, a primary key in the endorsement hierarchy (Esys_CreatePrimary)" },
	{ TPM2_CC_ActivateCredential, 2, H_ANY, "ActivateCredential",
	  "proves the AK sits beside the pinned EK (Esys_ActivateCredential)" },
	{ TPM2_CC_PolicySecret, 2, H_ENDORSEMENT, "PolicySecret",
	  "satisfies the EK's policy, PolicySecret(TPM_RH_ENDORSEMENT), for the activation" },
	{ TPM2_CC_Quote, 1, H_ANY, "Quote", "the final quote over PCRs 8, 9, 11, 12, 13 (Esys_Quote)" },
	{ TPM2_CC_Sign, 1, H_ANY, "Sign", "signs each checkpoint's digest with the AK (Esys_Sign)" },
	{ TPM2_CC_FlushContext, 0, H_ANY, "FlushContext",
	  "frees the policy session and the AK (Esys_FlushContext)" },
	{ TPM2_CC_ReadPublic, 1, H_ANY, "ReadPublic",
	  "loads the persistent EK's public area (Esys_TR_FromTPMPublic)" },
	{ TPM2_CC_StartAuthSession, 2, H_ANY, "StartAuthSession",
	  "the policy session for the EK (Esys_StartAuthSession)" },
	{ TPM2_CC_Hash, 0, H_ANY, "Hash",
	  "hashes a checkpoint message; the ticket lets the restricted AK sign it (Esys_Hash)" },
	{ TPM2_CC_PCR_Extend, 1, H_GUEST_PCR, "PCR_Extend",
	  "measures the run spec (11), the trees (12), the separator and chain head (13)" },
};

const struct relay_rule *relay_allowlist(size_t *ret_n)
{
	*ret_n = sizeof(allowlist) / sizeof(allowlist[0]);
	return allowlist;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const struct relay_rule *find_rule(uint32_t cc)
{
	for (size_t i = 0; i < sizeof(allowlist) / sizeof(allowlist[0]); i++)
		if (allowlist[i].cc == cc)
			return &allowlist[i];
	return NULL;
}

static int handle_ok(enum relay_handle_check check, uint32_t h)
{
	switch (check) {
	case H_ANY:
		return 1;
	case H_GUEST_PCR:
		return h == PCR_RUNSPEC || h == PCR_TREES || h == PCR_SESSION;
	case H_ENDORSEMENT:
		return h == TPM2_RH_ENDORSEMENT;
	}
	return 0;
}

void relay_check(const uint8_t *cmd, size_t n, struct relay_verdict *ret)
{
	struct relay_verdict v = { TPM2_RC_COMMAND_SIZE, 0, 0, "header shorter than 10 bytes" };
	const struct relay_rule *rule;
	uint16_t tag;

	if (n < TPM_HEADER_BYTES)
		goto out;
	v.why = "command larger than MAX_TPM_MSG_BYTES";
	if (n > MAX_TPM_MSG_BYTES)
		goto out;
	v.why = "size field differs from the frame's length";
	if (be32(cmd + 2) != n)
		goto out;
	tag = (uint16_t)(cmd[0] << 8 | cmd[1]);
	v.rc = TPM2_RC_BAD_TAG;
	v.why = "tag is neither TPM_ST_NO_SESSIONS nor TPM_ST_SESSIONS";
	if (tag != TPM2_ST_NO_SESSIONS && tag != TPM2_ST_SESSIONS)
		goto out;
	v.cc = be32(cmd + 6);
	v.rc = TPM2_RC_COMMAND_CODE;
	v.why = "command code not on the relay's allowlist";
	if (!(rule = find_rule(v.cc)))
		goto out;
	v.rc = TPM2_RC_COMMAND_SIZE;
	v.why = "handle area missing";
	if ((size_t)rule->handles * 4 > n - TPM_HEADER_BYTES)
		goto out;
	if (rule->handles > 0) {
		v.handle = be32(cmd + TPM_HEADER_BYTES);
		v.rc = TPM2_RC_HANDLE + TPM2_RC_1;
		v.why = rule->check == H_GUEST_PCR ? "PCR outside the guest's 11, 12, 13"
						   : "handle other than TPM_RH_ENDORSEMENT";
		if (!handle_ok(rule->check, v.handle))
			goto out;
	}
	v.rc = TPM2_RC_SUCCESS;
	v.why = rule->why;
out:
	*ret = v;
}

int relay_command(struct tcti_stream *tpm, int guest_fd, const struct frame *cmd)
{
	uint8_t rsp[MAX_TPM_MSG_BYTES];
	size_t n = sizeof(rsp);
	struct relay_verdict v;
	int e;

	if (cmd->type != FRAME_TPM_CMD)
		return MB_E_FRAME_TYPE;
	relay_check(cmd->p, cmd->n, &v);
	if (v.rc != TPM2_RC_SUCCESS) {
		/* TPM_ST_NO_SESSIONS, responseSize 10, responseCode: what a TPM
		 * answers a command it will not run */
		uint8_t no[TPM_HEADER_BYTES] = { 0x80, 0x01, 0, 0, 0, TPM_HEADER_BYTES,
						 (uint8_t)(v.rc >> 24), (uint8_t)(v.rc >> 16),
						 (uint8_t)(v.rc >> 8), (uint8_t)v.rc };

		e = frame_write(guest_fd, FRAME_TPM_RSP, no, sizeof(no));
		return e < 0 ? e : RELAY_REFUSED;
	}
	if (Tss2_Tcti_Transmit(tcti_stream_ctx(tpm), cmd->n, cmd->p) != 0 ||
	    Tss2_Tcti_Receive(tcti_stream_ctx(tpm), &n, rsp, TSS2_TCTI_TIMEOUT_BLOCK) != 0)
		return tpm->last_err ? tpm->last_err : MB_E_IO;
	return frame_write(guest_fd, FRAME_TPM_RSP, rsp, n);
}
