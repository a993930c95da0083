// SPDX-License-Identifier: GPL-2.0
/*
 * journald records. Each is sent whole with sd_journal_sendv (journald's
 * native protocol: values may hold newlines and any bytes), without any
 * per-record sync: journald decides when to write to disk.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "events.h"
#include "journal.h"
#include "tasks.h"
#include "tasks.h"
#include "kernel.h"
#include "policy.h"

#define FIELDS_MAX	48
#define ARENA		(3 * EV_PATH_LEN + 16384)

/* A record being built: FIELD=value strings in one arena. */
struct record {
	struct iovec iov[FIELDS_MAX];
	int n;
	size_t used;
	char arena[ARENA];
};

static void add(struct record *r, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A value too long for what is left is cut short, never dropped. */
static void add(struct record *r, const char *field, const char *fmt, ...)
{
	size_t room = ARENA - r->used;
	char *p = r->arena + r->used;
	va_list ap;
	int n, m;

	if (r->n >= FIELDS_MAX || room < 64)
		return;
	n = snprintf(p, room, "%s=", field);
	va_start(ap, fmt);
	m = vsnprintf(p + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) >= room)
		m = (int)(room - (size_t)n - 1);
	r->iov[r->n].iov_base = p;
	r->iov[r->n].iov_len = (size_t)(n + m);
	r->n++;
	r->used += (size_t)(n + m) + 1;
}

static int send_record(struct record *r)
{
	return sd_journal_sendv(r->iov, r->n);
}

/* Records are built one at a time: one arena, not 30 KiB of stack each. */
static struct record *record_new(const char *mid, int priority)
{
	static struct record rec;

	rec.n = 0;
	rec.used = 0;
	add(&rec, "MESSAGE_ID", "%s", mid);
	add(&rec, "PRIORITY", "%d", priority);
	add(&rec, "SYSLOG_IDENTIFIER", "archfence");
	return &rec;
}

static void add_loginuid(struct record *r, __u32 loginuid)
{
	if (loginuid == (__u32)-1)
		add(r, "ARCHFENCE_LOGINUID", "unset");
	else
		add(r, "ARCHFENCE_LOGINUID", "%u", loginuid);
}

void journal_sha_hex(const __u8 sha[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[sha[i] >> 4];
		out[2 * i + 1] = hex[sha[i] & 15];
	}
	out[64] = 0;
}

/* What an attempt on archfence itself was on (enum af_self_what). */
static const char *self_what(__u64 what, bool name)
{
	static const char *const names[][2] = {
		[AF_SELF_MAP] = { "map", "to obtain a descriptor of an archfence map" },
		[AF_SELF_PROG] = { "program", "to obtain a descriptor of an archfence program" },
		[AF_SELF_LINK] = { "link", "to obtain a descriptor of an archfence link" },
		[AF_SELF_OVERRIDE] = { "override",
				       "to load a program that could override LSM decisions" },
		[AF_SELF_TRACE] = { "trace", "to trace or inspect the archfence controller" },
	};

	if (what >= sizeof(names) / sizeof(names[0]) || !names[what][0])
		return name ? "unknown" : "an unknown operation on archfence";
	return names[what][name ? 0 : 1];
}

/* The fields every record of the kernel's carries: who, and under which policy. */
static void add_subject(struct record *r, const struct event_view *v, const char *policy_sha)
{
	const struct af_event *ev = v->ev;

	add(r, "ARCHFENCE_PID", "%u", ev->tgid);
	add(r, "ARCHFENCE_COMM", "%.*s", AF_COMM_LEN, ev->comm);
	add(r, "ARCHFENCE_EXE", "%s", v->exe);
	add(r, "ARCHFENCE_UID", "%u", ev->uid);
	add_loginuid(r, ev->loginuid);
	add(r, "ARCHFENCE_UNIT", "%s", v->unit);
	add(r, "ARCHFENCE_POLICY", "%s", policy_sha);
	add(r, "ARCHFENCE_GENERATION", "%u", ev->policy_gen);
	add(r, "ARCHFENCE_COUNT", "%u", ev->count);
}

static void add_object(struct record *r, const struct event_view *v)
{
	const struct af_event *ev = v->ev;

	/* Both always, one of them maybe empty: the catalog refers to both. */
	add(r, "ARCHFENCE_PATH", "%s", v->path);
	add(r, "ARCHFENCE_DEST", "%s", ev->kind == AF_EV_SEND ? v->dest : "");
	if (ev->kind != AF_EV_SEND) {
		add(r, "ARCHFENCE_DEVICE", "%llu:%llu", (unsigned long long)(ev->dev >> 20),
		    (unsigned long long)(ev->dev & 0xfffff));
		add(r, "ARCHFENCE_INODE", "%llu", (unsigned long long)ev->ino);
	}
}

static char sentence[EV_PATH_LEN * 2 + 512];

static int journal_tamper(const struct event_view *v, const char *policy_sha)
{
	const struct af_event *ev = v->ev;
	struct record *r = record_new(AF_MID_TAMPER, LOG_ERR);

	add(r, "MESSAGE", "%.*s[%u] (uid %u, %s) was refused %s: archfence protects itself%s",
	    AF_COMM_LEN, ev->comm, ev->tgid, ev->uid, v->exe, self_what(ev->dev, false),
	    ev->count > 1 ? " (repeatedly)" : "");
	add(r, "ARCHFENCE_ACTION", "deny");
	add(r, "ARCHFENCE_OP", "%s", af_op_name(ev->op));
	add(r, "ARCHFENCE_LABEL", "archfence");
	add(r, "ARCHFENCE_TARGET", "%s", self_what(ev->dev, true));
	add(r, "ARCHFENCE_PATH", "%s", "");
	add(r, "ARCHFENCE_DEST", "%s", "");
	add_subject(r, v, policy_sha);
	return send_record(r);
}

static int journal_labelled(const struct event_view *v, const char *policy_sha)
{
	const struct af_event *ev = v->ev;
	struct record *r = record_new(AF_MID_LABELLED, LOG_INFO);

	add(r, "MESSAGE", "%.*s[%u] (uid %u, %s) gave %s the labels %s: it was moved or linked "
			  "into a labelled tree, or written with labelled data",
	    AF_COMM_LEN, ev->comm, ev->tgid, ev->uid, v->exe, v->path, v->labels);
	add(r, "ARCHFENCE_ACTION", "label");
	add(r, "ARCHFENCE_OP", "%s", af_op_name(ev->op));
	add(r, "ARCHFENCE_LABEL", "%s", v->labels);
	add_object(r, v);
	add_subject(r, v, policy_sha);
	return send_record(r);
}

/* A pending path appeared: the kernel labelled it as it did. */
static int journal_resolved(const struct event_view *v, const char *policy_sha)
{
	struct record *r = record_new(AF_MID_PENDING, LOG_WARNING);

	add(r, "MESSAGE", "labelled path %s appeared and took its labels %s before anything in it "
			  "could be read", v->path, v->labels);
	add(r, "ARCHFENCE_ACTION", "resolved");
	add(r, "ARCHFENCE_LABEL", "%s", v->labels);
	add_object(r, v);
	add_subject(r, v, policy_sha);
	return send_record(r);
}

static int journal_sink(const struct event_view *v, const char *policy_sha)
{
	const struct af_event *ev = v->ev;
	bool deny = ev->action == AF_DENY;
	struct record *r = record_new(AF_MID_SINK, deny ? LOG_WARNING : LOG_NOTICE);

	event_sentence(v, sentence, sizeof(sentence));
	add(r, "MESSAGE", "%s", sentence);
	add(r, "ARCHFENCE_ACTION", "%s", deny ? "deny" : "record");
	add(r, "ARCHFENCE_OP", "%s", af_op_name(ev->op));
	add(r, "ARCHFENCE_LABEL", "%s", v->labels);
	add(r, "ARCHFENCE_SINK", "%s", v->sink);
	add(r, "ARCHFENCE_SENDER", "%llu", (ev->flags & AF_EVF_AT_SINK) ?
		    (unsigned long long)ev->ino : (unsigned long long)ev->tgid);
	add(r, "ARCHFENCE_PATH", "%s", "");
	add(r, "ARCHFENCE_DEST", "%s", "");
	add_subject(r, v, policy_sha);
	return send_record(r);
}

int journal_event(const struct event_view *v, const char *policy_sha)
{
	const struct af_event *ev = v->ev;
	bool deny = ev->action == AF_DENY;
	struct record *r;

	if (ev->kind == AF_EV_SELF)
		return journal_tamper(v, policy_sha);
	if (ev->kind == AF_EV_LABELLED && ev->labels == (1u << AF_SELF_LABEL))
		return 0; /* the controller's own files, as it writes its state: not news */
	if (ev->kind == AF_EV_LABELLED)
		return journal_labelled(v, policy_sha);
	if (ev->kind == AF_EV_SINK)
		return journal_sink(v, policy_sha);
	if (ev->kind == AF_EV_PENDING)
		return journal_resolved(v, policy_sha);
	event_sentence(v, sentence, sizeof(sentence));
	r = record_new(deny ? AF_MID_DENY : AF_MID_AUDIT, deny ? LOG_WARNING : LOG_NOTICE);
	add(r, "MESSAGE", "%s", sentence);
	add(r, "ARCHFENCE_ACTION", "%s", af_action_name(ev->action));
	add(r, "ARCHFENCE_OP", "%s", af_op_name(ev->op));
	add(r, "ARCHFENCE_LABEL", "%s", v->labels);
	add_object(r, v);
	add_subject(r, v, policy_sha);
	if (ev->flags & AF_EVF_UNKNOWN)
		add(r, "ARCHFENCE_LABEL_UNKNOWN", "1");
	return send_record(r);
}

int journal_lost(__u64 n, __u64 kernel_n, __u64 unsent_n, __u64 total)
{
	struct record *r = record_new(AF_MID_LOST, LOG_WARNING);

	add(r, "MESSAGE",
	    "%llu audit or deny record%s could not be recorded (%llu lost in the kernel: the event "
	    "ring buffer was full; %llu not taken by journald); the accesses were still decided",
	    (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)kernel_n,
	    (unsigned long long)unsent_n);
	add(r, "ARCHFENCE_ACTION", "lost");
	add(r, "ARCHFENCE_COUNT", "%llu", (unsigned long long)n);
	add(r, "ARCHFENCE_LOST_KERNEL", "%llu", (unsigned long long)kernel_n);
	add(r, "ARCHFENCE_LOST_JOURNAL", "%llu", (unsigned long long)unsent_n);
	add(r, "ARCHFENCE_LOST_TOTAL", "%llu", (unsigned long long)total);
	return send_record(r);
}

static void join_labels(const struct af_meta *m, unsigned n, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < n && i < AF_MAX_LABELS && o < len; i++)
		if (m->labels[i][0])
			o += (size_t)snprintf(buf + o, len - o, "%s%.*s", o ? "," : "",
					      AF_LABEL_NAME_MAX, m->labels[i]);
}

static bool has_label(const struct af_meta *m, unsigned n, const char *name)
{
	unsigned i;

	for (i = 0; i < n && i < AF_MAX_LABELS; i++)
		if (name[0] && !strncmp(m->labels[i], name, AF_LABEL_NAME_MAX))
			return true;
	return false;
}

/* Labels named in m: ids left as gaps by earlier policies do not count. */
static __u32 named_labels(const struct af_meta *m, unsigned n)
{
	__u32 c = 0;
	unsigned i;

	for (i = 0; i < n && i < AF_MAX_LABELS; i++)
		c += m->labels[i][0] != 0;
	return c;
}

/* ", N things (was M, +D)" */
static size_t count_change(char *buf, size_t len, const char *what, __u32 now, const __u32 *was)
{
	if (!was || *was == now)
		return (size_t)snprintf(buf, len, "; %u %s", now, what);
	return (size_t)snprintf(buf, len, "; %u %s (was %u, %+lld)", now, what, *was,
				(long long)now - (long long)*was);
}

void journal_policy_changes(const struct af_policy *prev_pol, const struct af_meta *prev_meta,
			    const struct af_policy *pol, const struct af_meta *meta, char *buf,
			    size_t len)
{
	bool prev = prev_pol && prev_meta && prev_pol->gen;
	__u32 nprev;
	size_t o = 0;
	unsigned i;

#define ROOM (o < len ? len - o : 0)
	if (!len)
		return;
	buf[0] = 0;
	if (prev)
		o += (size_t)snprintf(buf + o, ROOM, "generation %u (was %u)", pol->gen, prev_pol->gen);
	else
		o += (size_t)snprintf(buf + o, ROOM, "generation %u (nothing was in force)", pol->gen);
	if (prev && prev_pol->mode != pol->mode)
		o += (size_t)snprintf(buf + o, ROOM, "; mode %s (was %s)", af_mode_name(pol->mode),
				      af_mode_name(prev_pol->mode));
	else
		o += (size_t)snprintf(buf + o, ROOM, "; mode %s", af_mode_name(pol->mode));
	o += count_change(buf + o, ROOM, "labelled paths", meta->nroots, prev ? &prev_meta->nroots : NULL);
	nprev = prev ? named_labels(prev_meta, prev_pol->nlabels) : 0;
	o += count_change(buf + o, ROOM, "labels", named_labels(meta, pol->nlabels),
			  prev ? &nprev : NULL);
	if (prev) {
		for (i = 0; i < pol->nlabels && i < AF_MAX_LABELS; i++)
			if (meta->labels[i][0] && !has_label(prev_meta, prev_pol->nlabels, meta->labels[i]))
				o += (size_t)snprintf(buf + o, ROOM, "; label %.*s added",
						      AF_LABEL_NAME_MAX, meta->labels[i]);
		for (i = 0; i < prev_pol->nlabels && i < AF_MAX_LABELS; i++)
			if (prev_meta->labels[i][0] && !has_label(meta, pol->nlabels, prev_meta->labels[i]))
				o += (size_t)snprintf(buf + o, ROOM, "; label %.*s removed",
						      AF_LABEL_NAME_MAX, prev_meta->labels[i]);
	}
	o += count_change(buf + o, ROOM, "trusted programs", meta->ntrusted,
			  prev ? &prev_meta->ntrusted : NULL);
	o += count_change(buf + o, ROOM, "cloud ranges", meta->ncloud, prev ? &prev_meta->ncloud : NULL);
	if (prev && (prev_meta->flags ^ meta->flags) & AF_META_SENDALL)
		o += (size_t)snprintf(buf + o, ROOM, "; send rules now cover %s",
				      meta->flags & AF_META_SENDALL ? "every destination" :
								      "the cloud ranges only");
	if (prev && (prev_meta->flags ^ meta->flags) & AF_META_LOCK)
		o += (size_t)snprintf(buf + o, ROOM, "; lock %s",
				      meta->flags & AF_META_LOCK ? "on" : "off");
	if (prev && memcmp(prev_meta->sha256, meta->sha256, sizeof(meta->sha256)) == 0)
		o += (size_t)snprintf(buf + o, ROOM, "; same policy text as before");
#undef ROOM
	(void)o;
}

int journal_policy_applied(const char *file, const struct af_generation *g,
			   const struct af_policy *prev_pol, const struct af_meta *prev_meta)
{
	bool prev = prev_pol && prev_meta && prev_pol->gen;
	char sha[65], prev_sha[65] = "", changes[2048], labels[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	const struct af_meta *m = &g->meta;
	struct record *r;
	size_t i;
	int err;

	journal_sha_hex(m->sha256, sha);
	if (prev)
		journal_sha_hex(prev_meta->sha256, prev_sha);
	journal_policy_changes(prev ? prev_pol : NULL, prev ? prev_meta : NULL, &g->policy, m,
			       changes, sizeof(changes));
	join_labels(m, g->policy.nlabels, labels, sizeof(labels));
	r = record_new(AF_MID_APPLIED, LOG_NOTICE);
	if (m->loginuid == (__u32)-1)
		add(r, "MESSAGE", "policy %s (sha256 %.12s) applied by uid %u: %s", file, sha, m->uid,
		    changes);
	else
		add(r, "MESSAGE", "policy %s (sha256 %.12s) applied by uid %u (login uid %u): %s",
		    file, sha, m->uid, m->loginuid, changes);
	add(r, "ARCHFENCE_ACTION", "apply");
	add(r, "ARCHFENCE_POLICY", "%s", sha);
	add(r, "ARCHFENCE_POLICY_PREVIOUS", "%s", prev_sha);
	add(r, "ARCHFENCE_POLICY_FILE", "%s", m->file[0] ? m->file : file);
	add(r, "ARCHFENCE_GENERATION", "%u", g->policy.gen);
	if (prev)
		add(r, "ARCHFENCE_GENERATION_PREVIOUS", "%u", prev_pol->gen);
	add(r, "ARCHFENCE_UID", "%u", m->uid);
	add_loginuid(r, m->loginuid);
	add(r, "ARCHFENCE_MODE", "%s", af_mode_name(g->policy.mode));
	if (prev)
		add(r, "ARCHFENCE_MODE_PREVIOUS", "%s", af_mode_name(prev_pol->mode));
	add(r, "ARCHFENCE_PATHS", "%u", m->nroots);
	add(r, "ARCHFENCE_LINKED", "%u", m->nlinked);
	add(r, "ARCHFENCE_LABELS", "%s", labels);
	add(r, "ARCHFENCE_NLABELS", "%u", named_labels(m, g->policy.nlabels));
	add(r, "ARCHFENCE_TRUSTED", "%u", m->ntrusted);
	add(r, "ARCHFENCE_CLOUD", "%u", m->ncloud);
	add(r, "ARCHFENCE_SEND", "%s", m->flags & AF_META_SENDALL ? "all" : "cloud");
	add(r, "ARCHFENCE_LOCK", "%s", m->flags & AF_META_LOCK ? "yes" : "no");
	add(r, "ARCHFENCE_CHANGES", "%s", changes);
	if (g->npending)
		add(r, "ARCHFENCE_PENDING", "%zu", g->npending);
	err = send_record(r);
	for (i = 0; i < g->npending; i++) {
		tasks_labels(m, g->pending_path[i].labels, labels, sizeof(labels));
		r = record_new(AF_MID_PENDING, LOG_WARNING);
		add(r, "MESSAGE", "labelled path %s (%s) does not exist yet: it is labelled the "
				  "moment it appears", g->pending_name[i], labels);
		add(r, "ARCHFENCE_ACTION", "pending");
		add(r, "ARCHFENCE_PATH", "%s", g->pending_name[i]);
		add(r, "ARCHFENCE_LABEL", "%s", labels);
		add(r, "ARCHFENCE_POLICY", "%s", sha);
		add(r, "ARCHFENCE_GENERATION", "%u", g->policy.gen);
		if (!err)
			err = send_record(r);
		else
			send_record(r);
	}
	return err;
}

int journal_policy_refused(const char *file, const char *stage, size_t nerrors,
			   const char *errors, const struct af_meta *in_force)
{
	char sha[65] = "", kept[160];
	__u32 loginuid = (__u32)-1;
	struct record *r;
	FILE *f;

	f = fopen("/proc/self/loginuid", "r");
	if (f) {
		if (fscanf(f, "%u", &loginuid) != 1)
			loginuid = (__u32)-1;
		fclose(f);
	}
	if (in_force && in_force->gen) {
		journal_sha_hex(in_force->sha256, sha);
		snprintf(kept, sizeof(kept), "generation %u (sha256 %.12s) stays in force",
			 in_force->gen, sha);
	} else {
		snprintf(kept, sizeof(kept), "no policy was in force");
	}
	r = record_new(AF_MID_REFUSED, LOG_WARNING);
	if (!strcmp(stage, "check"))
		add(r, "MESSAGE", "policy %s refused: %zu error%s, nothing applied; %s%s%.*s", file,
		    nerrors, nerrors == 1 ? "" : "s", kept, errors && errors[0] ? "; first: " : "",
		    errors ? (int)strcspn(errors, "\n") : 0, errors ? errors : "");
	else if (!strcmp(stage, "resolve"))
		add(r, "MESSAGE", "policy %s refused: its paths or programs could not be resolved, "
				  "nothing applied; %s", file, kept);
	else if (!strcmp(stage, "locked"))
		add(r, "MESSAGE", "policy %s refused: archfence is locked until the next reboot; %s",
		    file, kept);
	else
		add(r, "MESSAGE", "policy %s refused: the kernel did not take it, nothing applied; %s",
		    file, kept);
	add(r, "ARCHFENCE_ACTION", "refuse");
	add(r, "ARCHFENCE_STAGE", "%s", stage);
	add(r, "ARCHFENCE_POLICY_FILE", "%s", file);
	add(r, "ARCHFENCE_ERRORS", "%zu", nerrors);
	add(r, "ARCHFENCE_ERROR_TEXT", "%s", errors ? errors : "");
	add(r, "ARCHFENCE_UID", "%u", (unsigned)getuid());
	add_loginuid(r, loginuid);
	add(r, "ARCHFENCE_POLICY", "%s", sha);
	if (in_force && in_force->gen)
		add(r, "ARCHFENCE_GENERATION", "%u", in_force->gen);
	return send_record(r);
}
