/* SPDX-License-Identifier: MIT */
#ifndef VOUCH_PREDICT_H
#define VOUCH_PREDICT_H

int cmd_predict(int argc, char **argv);

#endif
