/* SPDX-License-Identifier: MIT */
/*
 * Live progress of a long step (building an image) on stderr: a line of
 * text for people, or with --json one JSON object per line for tools
 * (docs/vouch.1, PROGRESS). An event names what happened ("phase" with
 * its "state" start or done, "cache", "built") and the sizes known; a
 * field left at its "absent" value (NULL, -1) is not printed.
 */
#ifndef VOUCH_PROGRESS_H
#define VOUCH_PROGRESS_H

#include <stdint.h>

enum progress_mode { PROGRESS_NONE = 0, PROGRESS_TEXT, PROGRESS_JSON };

struct progress {
	enum progress_mode mode;
	const char *who; /* "vouch image": what text lines start with */
	int64_t t0_ms;   /* when the command started (frame_now_ms) */
};

struct progress_event {
	const char *event; /* "phase", "cache", "built" */
	const char *phase; /* reading, staging, writing, verity, manifest */
	const char *state; /* phase: start, done; cache: miss, reused, built */
	const char *kind, *format, *path, *key;
	int64_t layer, layers;   /* staging: which layer of how many (1-based) */
	int64_t bytes;           /* the phase's size: source, layer, image... */
	int64_t total_bytes;     /* staging: the staged content so far */
	int64_t entries;         /* staging: the tree's entries so far */
};

/* An event with every size absent. */
#define PROGRESS_EVENT(ev) \
	{ .event = (ev), .layer = -1, .layers = -1, .bytes = -1, .total_bytes = -1, .entries = -1 }

/* "text" or "json" into *ret; -1 for any other word. */
int progress_mode_parse(const char *s, enum progress_mode *ret);
/* The event on stderr as the mode says (nothing for PROGRESS_NONE), with
 * the milliseconds since t0_ms. */
void progress_emit(const struct progress *p, const struct progress_event *ev);

#endif
