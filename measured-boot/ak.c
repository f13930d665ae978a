// SPDX-License-Identifier: MIT
#include "ak.h"

#include <string.h>

void ak_template(TPM2B_PUBLIC *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->publicArea.type = TPM2_ALG_ECC;
	ret->publicArea.nameAlg = TPM2_ALG_SHA256;
	ret->publicArea.objectAttributes = AK_ATTRIBUTES;
	ret->publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	ret->publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	ret->publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	ret->publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	ret->publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

int ak_check_public(const TPM2B_PUBLIC *pub)
{
	const TPMT_PUBLIC *p = &pub->publicArea;
	const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;

	if (p->type != TPM2_ALG_ECC || p->nameAlg != TPM2_ALG_SHA256 ||
	    e->curveID != TPM2_ECC_NIST_P256 || e->scheme.scheme != TPM2_ALG_ECDSA ||
	    e->scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256 ||
	    e->symmetric.algorithm != TPM2_ALG_NULL || e->kdf.scheme != TPM2_ALG_NULL)
		return MB_E_ALG;
	if (p->objectAttributes != AK_ATTRIBUTES || p->authPolicy.size != 0)
		return MB_E_RANGE;
	if (p->unique.ecc.x.size != 32 || p->unique.ecc.y.size != 32)
		return MB_E_LENGTH;
	return 0;
}
