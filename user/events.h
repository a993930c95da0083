/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events from the ring buffer, made readable: label names instead of bits,
 * absolute paths instead of file-system-relative ones, wall-clock time, the
 * executable's path. Text and JSON renderings share one decoded form.
 */
#ifndef AF_EVENTS_H
#define AF_EVENTS_H

#include <stdbool.h>
#include <stdio.h>

#include "archfence.h"

#define EV_PATH_LEN 4096

struct json_object;

struct event_view {
	const struct af_event *ev;
	char time[40];		/* ISO 8601, local time */
	char labels[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	char path[EV_PATH_LEN];
	char exe[EV_PATH_LEN];
	char dest[64];		/* sends: address and port */
	char unit[128];		/* systemd unit of the process, or "" */
	char sink[AF_LABEL_NAME_MAX + 8];	/* AF_EV_SINK: the sink's name */
};

struct event_decoder;

/* Names for label bits come from the generation record (struct af_meta). */
struct event_decoder *event_decoder_new(void);
void event_decoder_set_labels(struct event_decoder *d, const char names[AF_MAX_LABELS][AF_LABEL_NAME_MAX]);
/* Names of sinks by id, from the same record. */
void event_decoder_set_sinks(struct event_decoder *d, const char names[AF_MAX_SINKS][AF_LABEL_NAME_MAX]);
void event_decoder_free(struct event_decoder *d);
void event_decode(struct event_decoder *d, const struct af_event *ev, struct event_view *v);

/*
 * event_decode for a long stream of records (the daemon): the executable and
 * unit of the process come from proc(ctx, ev, v), which fills v->exe and
 * v->unit, from a cache or with event_proc_read, instead of from /proc for
 * every record. ev given to proc is the record completed from its key's full
 * record when it is a summary.
 */
typedef void (*event_proc_fn)(void *ctx, const struct af_event *ev, struct event_view *v);
void event_decode_via(struct event_decoder *d, const struct af_event *ev, struct event_view *v,
		      event_proc_fn proc, void *ctx);

/* What event_decode reads from /proc: v->exe and v->unit. */
void event_proc_read(const struct af_event *ev, struct event_view *v);

/* "deny read secret /srv/archive/x by cat[123] (uid 0, /usr/bin/cat)" */
void event_sentence(const struct event_view *v, char *buf, size_t len);
void event_print_text(const struct event_view *v, FILE *f);
struct json_object *event_json(const struct event_view *v);

#endif
