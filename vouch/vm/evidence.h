/* SPDX-License-Identifier: MIT */
/* A run's evidence directory: the bundle (evidence.cbor) and the parts it
 * holds as files of their own, and the VMM's logs. */
#ifndef VOUCH_EVIDENCE_H
#define VOUCH_EVIDENCE_H

#include "run.h"

/* Writes what arrived into r->o->out_dir, whatever the outcome. */
int evidence_write(struct run *r);

#endif
