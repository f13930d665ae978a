// SPDX-License-Identifier: MIT
/* Live progress on stderr, as text or JSON lines (progress.h). */
#include "progress.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"

int progress_mode_parse(const char *s, enum progress_mode *ret)
{
	if (strcmp(s, "text") == 0)
		*ret = PROGRESS_TEXT;
	else if (strcmp(s, "json") == 0)
		*ret = PROGRESS_JSON;
	else
		return -1;
	return 0;
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void put_int(struct json_object *o, const char *k, int64_t v)
{
	if (v >= 0)
		json_object_object_add(o, k, json_object_new_int64(v));
}

static void emit_json(const struct progress_event *ev, int64_t ms)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return;
	put_str(o, "event", ev->event);
	put_str(o, "phase", ev->phase);
	put_str(o, "state", ev->state);
	put_str(o, "kind", ev->kind);
	put_str(o, "format", ev->format);
	put_str(o, "path", ev->path);
	put_str(o, "key", ev->key);
	put_int(o, "layer", ev->layer);
	put_int(o, "layers", ev->layers);
	put_int(o, "bytes", ev->bytes);
	put_int(o, "total_bytes", ev->total_bytes);
	put_int(o, "entries", ev->entries);
	put_int(o, "ms", ms);
	fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* 1536 -> "1.5 KiB" */
static const char *human(int64_t n, char *buf, size_t cap)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%lld bytes", (long long)n);
	else
		snprintf(buf, cap, "%.1f %s", v, unit[u]);
	return buf;
}

static const char *phase_words(const char *phase)
{
	if (strcmp(phase, "reading") == 0)
		return "reading the source";
	if (strcmp(phase, "staging") == 0)
		return "staging";
	if (strcmp(phase, "writing") == 0)
		return "writing the image";
	if (strcmp(phase, "verity") == 0)
		return "computing the dm-verity tree";
	if (strcmp(phase, "manifest") == 0)
		return "writing the manifest";
	return phase;
}

static void emit_text(const struct progress *p, const struct progress_event *ev, int64_t ms)
{
	char line[1024], b[32];
	size_t n = 0;

#define ADD(...) (n += (size_t)snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, __VA_ARGS__))
	if (strcmp(ev->event, "phase") == 0) {
		ADD("%s", phase_words(ev->phase));
		if (ev->layer >= 0)
			ADD(" layer %lld/%lld", (long long)ev->layer, (long long)ev->layers);
		if (ev->kind)
			ADD(" (%s%s%s)", ev->kind, ev->path ? " " : "", ev->path ? ev->path : "");
		if (ev->format)
			ADD(" (%s)", ev->format);
		if (strcmp(ev->state, "start") == 0)
			ADD("%s%s ...", ev->layers >= 0 ? " " : "",
			    ev->layers < 0 ? "" : ev->layers == 1 ? "1 layer" : "the layers");
		else {
			if (ev->layers >= 0 && ev->layer < 0)
				ADD(": %lld layer%s", (long long)ev->layers, ev->layers == 1 ? "" : "s");
			if (ev->bytes >= 0)
				ADD("%s %s", ev->layers >= 0 && ev->layer < 0 ? "," : ":", human(ev->bytes, b, sizeof(b)));
			if (ev->total_bytes >= 0)
				ADD(" (tree: %lld entries, %s)", (long long)ev->entries,
				    human(ev->total_bytes, b, sizeof(b)));
			ADD(", done at %.1f s", (double)ms / 1000.0);
		}
	} else if (strcmp(ev->event, "cache") == 0) {
		if (strcmp(ev->state, "reused") == 0)
			ADD("image reused from the cache: %s", ev->path);
		else
			ADD("image not cached: building it into %s", ev->path);
	} else {
		ADD("image built in %.1f s", (double)ms / 1000.0);
		if (ev->bytes >= 0)
			ADD(": %s", human(ev->bytes, b, sizeof(b)));
		if (ev->path)
			ADD(", %s", ev->path);
	}
#undef ADD
	fprintf(stderr, "%s: %s\n", p->who, line);
}

void progress_emit(const struct progress *p, const struct progress_event *ev)
{
	int64_t ms = frame_now_ms() - p->t0_ms;

	if (p->mode == PROGRESS_JSON)
		emit_json(ev, ms < 0 ? 0 : ms);
	else if (p->mode == PROGRESS_TEXT)
		emit_text(p, ev, ms < 0 ? 0 : ms);
}
