// SPDX-License-Identifier: MIT
#include "relay.h"

#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "mb_limits.h"
#include "pcr.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const uint32_t refused[] = {
	TPM2_CC_PCR_Reset, TPM2_CC_Startup, TPM2_CC_Shutdown, TPM2_CC_Clear, TPM2_CC_ClearControl,
	TPM2_CC_HierarchyControl, TPM2_CC_HierarchyChangeAuth, TPM2_CC_ChangeEPS,
	TPM2_CC_ChangePPS, TPM2_CC_EvictControl, TPM2_CC_NV_DefineSpace, TPM2_CC_NV_UndefineSpace,
	TPM2_CC_NV_UndefineSpaceSpecial, TPM2_CC_NV_Write, TPM2_CC_NV_Increment,
	TPM2_CC_NV_Extend, TPM2_CC_NV_SetBits, TPM2_CC_NV_WriteLock, TPM2_CC_NV_GlobalWriteLock,
	TPM2_CC_NV_ChangeAuth, TPM2_CC_PCR_Allocate, TPM2_CC_PCR_SetAuthPolicy,
	TPM2_CC_PCR_SetAuthValue, TPM2_CC_SetPrimaryPolicy, TPM2_CC_DictionaryAttackLockReset,
	TPM2_CC_DictionaryAttackParameters, TPM2_CC_FieldUpgradeStart, TPM2_CC_FieldUpgradeData,
	TPM2_CC_ClockSet, TPM2_CC_ClockRateAdjust, TPM2_CC_SetCommandCodeAuditStatus,
	TPM2_CC_PP_Commands, TPM2_CC_SetAlgorithmSet,
};

int relay_allowed(const uint8_t *cmd, size_t n)
{
	uint32_t cc;

	if (n < TPM_HEADER_BYTES || be32(cmd + 2) != n)
		return 0;
	cc = be32(cmd + 6);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (cc == refused[i])
			return 0;
	if (cc == TPM2_CC_PCR_Extend || cc == TPM2_CC_PCR_Event) {
		uint32_t pcr;

		if (n < TPM_HEADER_BYTES + 4)
			return 0;
		pcr = be32(cmd + TPM_HEADER_BYTES);
		/* the guest's PCRs only: boot and root belong to the launcher */
		return pcr == PCR_RUNSPEC || pcr == PCR_TREES || pcr == PCR_SESSION;
	}
	return 1;
}

int relay_command(struct tcti_stream *tpm, int guest_fd, const struct frame *cmd)
{
	uint8_t rsp[MAX_TPM_MSG_BYTES];
	size_t n = sizeof(rsp);

	if (cmd->type != FRAME_TPM_CMD)
		return MB_E_FRAME_TYPE;
	if (cmd->n > MAX_TPM_MSG_BYTES)
		return MB_E_TOO_LARGE;
	if (!relay_allowed(cmd->p, cmd->n)) {
		/* TPM_ST_NO_SESSIONS, size 10, TPM_RC_COMMAND_CODE */
		static const uint8_t no[] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x43 };

		return frame_write(guest_fd, FRAME_TPM_RSP, no, sizeof(no));
	}
	if (Tss2_Tcti_Transmit(tcti_stream_ctx(tpm), cmd->n, cmd->p) != 0 ||
	    Tss2_Tcti_Receive(tcti_stream_ctx(tpm), &n, rsp, TSS2_TCTI_TIMEOUT_BLOCK) != 0)
		return tpm->last_err ? tpm->last_err : MB_E_IO;
	return frame_write(guest_fd, FRAME_TPM_RSP, rsp, n);
}
