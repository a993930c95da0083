// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "events.h"
#include "util.h"
#include "policy.h"
#include "tasks.h"

_Static_assert(sizeof(struct af_event) == 1672, "struct af_event layout changed");
_Static_assert(sizeof(struct af_inode_key) == 16, "struct af_inode_key layout changed");
_Static_assert(sizeof(struct af_label_val) == 8, "struct af_label_val layout changed");
_Static_assert(sizeof(struct af_policy) == 56, "struct af_policy layout changed");

struct mount_ent {
	__u64 kdev;		/* kernel encoding */
	char *point;		/* where the file system's root is mounted */
};

#define RECENT 1024

struct event_decoder {
	char names[AF_MAX_LABELS][AF_LABEL_NAME_MAX];
	char sinks[AF_MAX_SINKS][AF_LABEL_NAME_MAX];
	struct mount_ent *mounts;
	size_t nmounts;
	/*
	 * The last full record of each coalescing key, so that a summary of
	 * repeats (AF_EVF_SUMMARY: key fields only) can say who and what.
	 */
	struct af_event recent[RECENT];
	struct af_event merged;
};

static size_t recent_slot(const struct af_event *ev)
{
	__u64 h = AF_FNV64_OFFSET;
	const __u64 parts[] = { ev->tgid, ev->op, ev->action, ev->kind, ev->dev, ev->ino };
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		h ^= parts[i];
		h *= AF_FNV64_PRIME;
	}
	return (size_t)(h % RECENT);
}

static bool same_key(const struct af_event *a, const struct af_event *b)
{
	return a->tgid == b->tgid && a->op == b->op && a->action == b->action &&
	       a->kind == b->kind && a->dev == b->dev && a->ino == b->ino;
}

/* A summary record, completed from the full record of its key when known. */
static const struct af_event *complete(struct event_decoder *d, const struct af_event *ev)
{
	struct af_event *r = &d->recent[recent_slot(ev)];

	if (!(ev->flags & AF_EVF_SUMMARY)) {
		*r = *ev;
		return ev;
	}
	if (!same_key(r, ev) || r->flags & AF_EVF_SUMMARY)
		return ev;
	d->merged = *r;
	d->merged.time_ns = ev->time_ns;
	d->merged.count = ev->count;
	d->merged.policy_gen = ev->policy_gen;
	return &d->merged;
}

/* For each file system, the shortest mount point of its root. */
static void load_mounts(struct event_decoder *d)
{
	char *line = NULL, root[PATH_MAX], point[PATH_MAX];
	unsigned maj, min;
	size_t cap = 0, i;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		struct mount_ent *m;
		__u64 kdev;

		if (sscanf(line, "%*u %*u %u:%u %4095s %4095s", &maj, &min, root, point) != 4)
			continue;
		af_unescape_octal(root);
		af_unescape_octal(point);
		if (strcmp(root, "/"))
			continue;
		kdev = ((__u64)maj << 20) | min;
		for (i = 0; i < d->nmounts; i++)
			if (d->mounts[i].kdev == kdev)
				break;
		if (i < d->nmounts) {
			if (strlen(point) < strlen(d->mounts[i].point)) {
				free(d->mounts[i].point);
				d->mounts[i].point = strdup(point);
			}
			continue;
		}
		m = realloc(d->mounts, (d->nmounts + 1) * sizeof(*m));
		if (!m)
			break;
		d->mounts = m;
		m[d->nmounts].kdev = kdev;
		m[d->nmounts].point = strdup(point);
		if (m[d->nmounts].point)
			d->nmounts++;
	}
	free(line);
	fclose(f);
}

struct event_decoder *event_decoder_new(void)
{
	struct event_decoder *d = calloc(1, sizeof(*d));

	if (d)
		load_mounts(d);
	return d;
}

void event_decoder_set_labels(struct event_decoder *d,
			      const char names[AF_MAX_LABELS][AF_LABEL_NAME_MAX])
{
	memcpy(d->names, names, sizeof(d->names));
}

void event_decoder_set_sinks(struct event_decoder *d,
			     const char names[AF_MAX_SINKS][AF_LABEL_NAME_MAX])
{
	memcpy(d->sinks, names, sizeof(d->sinks));
}

void event_decoder_free(struct event_decoder *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nmounts; i++)
		free(d->mounts[i].point);
	free(d->mounts);
	free(d);
}

static void decode_labels(const struct event_decoder *d, __u32 mask, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < AF_MAX_LABELS; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (i == AF_SELF_LABEL)
			o += (size_t)snprintf(buf + o, len - o, "%sarchfence", o ? "," : "");
		else if (d->names[i][0])
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", d->names[i]);
		else
			o += (size_t)snprintf(buf + o, len - o, "%slabel%u", o ? "," : "", i);
		if (o >= len)
			break;
	}
}

/* Where file system kdev's root is mounted, or NULL. */
static const char *mount_of(const struct event_decoder *d, __u64 kdev)
{
	const char *mnt = NULL;
	size_t i;

	for (i = 0; i < d->nmounts; i++)
		if (d->mounts[i].kdev == kdev)
			mnt = d->mounts[i].point;
	return mnt;
}

static void decode_path(const struct event_decoder *d, const struct af_event *ev, char *buf,
			size_t len)
{
	const char *mnt = NULL, *trunc = (ev->flags & AF_EVF_TRUNC) ? "..." : "";
	char path[AF_PATH_MAX + 1];

	/* Never trust the kernel's offsets and terminators blindly. */
	if (ev->path_off < AF_PATH_MAX)
		memcpy(path, ev->path + ev->path_off, AF_PATH_MAX - ev->path_off);
	path[AF_PATH_MAX - (ev->path_off < AF_PATH_MAX ? ev->path_off : AF_PATH_MAX)] = 0;

	if (!(ev->flags & AF_EVF_PATH_FS)) {
		if (!path[0] && ev->ino && (ev->kind == AF_EV_FILE || ev->kind == AF_EV_LABELLED))
			/* a summary whose first record is not at hand: the inode still says which */
			snprintf(buf, len, "(inode %llu on %llu:%llu)", (unsigned long long)ev->ino,
				 (unsigned long long)(ev->dev >> 20),
				 (unsigned long long)(ev->dev & 0xfffff));
		else
			snprintf(buf, len, "%s%.*s", trunc, (int)sizeof(path), path);
		return;
	}
	if (ev->dev == ~0ull) {
		/* a block device: its path is the node's name as opened */
		snprintf(buf, len, "%.*s", (int)sizeof(path), path);
		return;
	}
	mnt = mount_of(d, ev->dev);
	if (!mnt)
		snprintf(buf, len, "(device %llu:%llu)%s%.*s", (unsigned long long)(ev->dev >> 20),
			 (unsigned long long)(ev->dev & 0xfffff), trunc, (int)sizeof(path), path);
	else if (!strcmp(mnt, "/"))
		snprintf(buf, len, "%s%.*s", trunc, (int)sizeof(path), path);
	else if (!strcmp(path, "/"))
		snprintf(buf, len, "%s", mnt);
	else
		snprintf(buf, len, "%s%s%.*s", mnt, trunc, (int)sizeof(path), path);
}

/*
 * The executable as the kernel named it when the record was made (the
 * process may be gone by now), below the mount point of its file system;
 * "" when the record carries none.
 */
static void decode_kernel_exe(const struct event_decoder *d, const struct af_event *ev, char *buf,
			      size_t len)
{
	const char *mnt, *trunc = (ev->flags & AF_EVF_EXE_TRUNC) ? "..." : "";
	char path[AF_EXE_MAX + 1];

	buf[0] = 0;
	if (ev->exe_off >= AF_EXE_CAP || ev->exe[ev->exe_off] != '/')
		return;
	memcpy(path, ev->exe + ev->exe_off, AF_EXE_MAX - ev->exe_off);
	path[AF_EXE_MAX - ev->exe_off] = 0;
	mnt = mount_of(d, ev->exe_dev);
	if (!mnt)
		snprintf(buf, len, "(device %llu:%llu)%s%s", (unsigned long long)(ev->exe_dev >> 20),
			 (unsigned long long)(ev->exe_dev & 0xfffff), trunc, path);
	else if (!strcmp(mnt, "/"))
		snprintf(buf, len, "%s%s", trunc, path);
	else
		snprintf(buf, len, "%s%s%s", mnt, trunc, path);
}

/*
 * The executable: from /proc while the process lives and is the same one,
 * else as the kernel named it (buf, filled by decode_kernel_exe), else its
 * inode.
 */
static void decode_exe(const struct af_event *ev, char *buf, size_t len)
{
	char link[64];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/exe", ev->tgid);
	if (stat(link, &st) == 0 && af_kdev(st.st_dev) == ev->exe_dev && st.st_ino == ev->exe_ino) {
		n = readlink(link, buf, len - 1);
		if (n > 0) {
			buf[n] = 0;
			return;
		}
	}
	if (buf[0])
		return; /* named by the kernel */
	if (ev->exe_ino)
		snprintf(buf, len, "(inode %llu on %llu:%llu)", (unsigned long long)ev->exe_ino,
			 (unsigned long long)(ev->exe_dev >> 20),
			 (unsigned long long)(ev->exe_dev & 0xfffff));
	else
		snprintf(buf, len, "(kernel)");
}

/* The systemd unit of the process, from its cgroup, while it lives. */
static void decode_unit(const struct af_event *ev, char *buf, size_t len)
{
	tasks_unit((pid_t)ev->tgid, buf, len);
	if (!strstr(buf, ".service") && !strstr(buf, ".scope"))
		buf[0] = 0;
}

static void decode_time(const struct af_event *ev, char *buf, size_t len)
{
	struct timespec mono, real;
	struct tm tm;
	time_t t;
	__s64 ns;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ns = (__s64)real.tv_sec * 1000000000ll + real.tv_nsec -
	     ((__s64)mono.tv_sec * 1000000000ll + mono.tv_nsec - (__s64)ev->time_ns);
	t = (time_t)(ns / 1000000000ll);
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

static const char *verb(const struct af_event *ev)
{
	if (ev->action == AF_DENY)
		return "refused";
	return "allowed and audited";
}

static const char *self_what(__u64 what)
{
	switch (what) {
	case AF_SELF_MAP:
		return "access to archfence's maps";
	case AF_SELF_PROG:
		return "access to archfence's programs";
	case AF_SELF_LINK:
		return "access to archfence's program links";
	case AF_SELF_OVERRIDE:
		return "loading a program that could override archfence's decisions";
	case AF_SELF_TRACE:
		return "tracing the archfence controller";
	case AF_SELF_WINDOW:
		return "a kernel window onto memory (kcore, /dev/mem, tracing, perf samples of memory)";
	default:
		return "changing archfence";
	}
}

/* What a tainted process was refused, in words. */
static void confined_what(const struct af_event *ev, char *buf, size_t len)
{
	switch (ev->dev) {
	case AF_CONF_CAP:
		snprintf(buf, len, "capability %llu", (unsigned long long)ev->ino);
		break;
	case AF_CONF_SOCKET:
		snprintf(buf, len, "a socket of family %llu, type %llu",
			 (unsigned long long)(ev->ino >> 16), (unsigned long long)(ev->ino & 0xffff));
		break;
	case AF_CONF_MSGQ:
		snprintf(buf, len, "a System V message queue");
		break;
	case AF_CONF_SHM:
		snprintf(buf, len, "System V shared memory");
		break;
	case AF_CONF_KEY:
		snprintf(buf, len, "a key in the kernel's keyrings");
		break;
	case AF_CONF_PTRACE:
		snprintf(buf, len, "the memory of process %llu, or a tracer", (unsigned long long)ev->ino);
		break;
	case AF_CONF_DEVICE:
		snprintf(buf, len, "device %llu:%llu", (unsigned long long)(ev->ino >> 20),
			 (unsigned long long)(ev->ino & 0xfffff));
		break;
	case AF_CONF_PSEUDO:
		snprintf(buf, len, "a kernel file system (magic 0x%llx)", (unsigned long long)ev->ino);
		break;
	case AF_CONF_ATTR:
		snprintf(buf, len, "an extended attribute, ACL or symlink outside its labelled trees (inode %llu)",
			 (unsigned long long)ev->ino);
		break;
	case AF_CONF_REMOTE:
		snprintf(buf, len, "a network or FUSE file system (magic 0x%llx), whose data leaves unjudged",
			 (unsigned long long)ev->ino);
		break;
	case AF_CONF_SEM:
		snprintf(buf, len, "a System V semaphore");
		break;
	case AF_CONF_SIGNAL:
		snprintf(buf, len, "a signal with a payload (signal %llu) to another process",
			 (unsigned long long)ev->ino);
		break;
	case AF_CONF_NAME:
		snprintf(buf, len, "%s",
			 ev->ino == PR_SET_NAME ? "its own name (what ps and /proc/PID/comm show)"
				       : "names on its memory (what /proc/PID/maps shows)");
		break;
	default:
		snprintf(buf, len, "a channel that does not carry taint");
		break;
	}
}

void event_sentence(const struct event_view *v, char *buf, size_t len)
{
	const struct af_event *ev = v->ev;
	char times[32] = "";

	if (ev->count > 1)
		snprintf(times, sizeof(times), " (%u times)", ev->count);
	if (ev->kind == AF_EV_SEND)
		snprintf(buf, len, "%s[%u] (uid %u, %s) was %s sending %s data to %s%s",
			 ev->comm, ev->tgid, ev->uid, v->exe, verb(ev), v->labels, v->dest, times);
	else if (ev->kind == AF_EV_SELF)
		snprintf(buf, len, "%s[%u] (uid %u, %s) was refused %s%s", ev->comm, ev->tgid,
			 ev->uid, v->exe, self_what(ev->dev), times);
	else if (ev->kind == AF_EV_LABELLED)
		snprintf(buf, len, "%s[%u] (uid %u, %s) made file %s carry the labels %s%s",
			 ev->comm, ev->tgid, ev->uid, v->exe, v->path, v->labels, times);
	else if (ev->kind == AF_EV_CONFINED) {
		char what[96];

		confined_what(ev, what, sizeof(what));
		snprintf(buf, len, "%s[%u] (uid %u, %s), holding %s data, was %s handing it on through "
			 "%s%s", ev->comm, ev->tgid, ev->uid, v->exe, v->labels, verb(ev), what, times);
	} else if (ev->kind == AF_EV_PENDING)
		snprintf(buf, len, "labelled path %s appeared (%s[%u] made it) and took the labels %s",
			 v->path, ev->comm, ev->tgid, v->labels);
	else if (ev->kind == AF_EV_SINK && (ev->flags & AF_EVF_AT_SINK))
		snprintf(buf, len, "%s[%u] (uid %u, %s), the sink %s, received %s data from "
			 "tainted process %llu: %s; the taint stops there%s", ev->comm, ev->tgid,
			 ev->uid, v->exe, v->sink, v->labels, (unsigned long long)ev->ino,
			 ev->action == AF_DENY ? "refused" : "recorded", times);
	else if (ev->kind == AF_EV_SINK)
		snprintf(buf, len, "%s[%u] (uid %u, %s) %s %s data to the sink %s%s%s", ev->comm,
			 ev->tgid, ev->uid, v->exe,
			 ev->action == AF_DENY ? "was refused handing" : "handed", v->labels, v->sink,
			 ev->action == AF_DENY ? "" : ": recorded; the taint stops there", times);
	else if (ev->flags & AF_EVF_PROTECTED)
		snprintf(buf, len, "%s[%u] (uid %u, %s) was %s changing trusted program %s in place%s",
			 ev->comm, ev->tgid, ev->uid, v->exe, verb(ev), v->path, times);
	else
		snprintf(buf, len, "%s[%u] (uid %u, %s) was %s %s %s file %s%s%s", ev->comm, ev->tgid,
			 ev->uid, v->exe, verb(ev),
			 ev->op == AF_OP_WRITE ? "changing" : ev->op == AF_OP_LIST ? "listing" : "reading",
			 v->labels, v->path, times,
			 (ev->flags & AF_EVF_UNKNOWN) ? " (label unknown: failed closed)" : "");
}

void event_print_text(const struct event_view *v, FILE *f)
{
	char s[EV_PATH_LEN * 2 + 512];

	event_sentence(v, s, sizeof(s));
	fprintf(f, "%s %-5s %-5s %s\n", v->time, af_action_name(v->ev->action),
		af_op_name(v->ev->op), s);
}

struct json_object *event_json(const struct event_view *v)
{
	const struct af_event *ev = v->ev;
	struct json_object *o = json_object_new_object();
	char s[EV_PATH_LEN * 2 + 512];

	if (!o)
		return NULL;
	event_sentence(v, s, sizeof(s));
	json_object_object_add(o, "time", json_object_new_string(v->time));
	json_object_object_add(o, "action", json_object_new_string(af_action_name(ev->action)));
	json_object_object_add(o, "op", json_object_new_string(af_op_name(ev->op)));
	json_object_object_add(o, "labels", json_object_new_string(v->labels));
	json_object_object_add(o, "pid", json_object_new_int64(ev->tgid));
	json_object_object_add(o, "tid", json_object_new_int64(ev->pid));
	json_object_object_add(o, "uid", json_object_new_int64(ev->uid));
	json_object_object_add(o, "loginuid", json_object_new_int64(ev->loginuid));
	json_object_object_add(o, "comm", json_object_new_string(ev->comm));
	json_object_object_add(o, "exe", json_object_new_string(v->exe));
	json_object_object_add(o, "unit", json_object_new_string(v->unit));
	json_object_object_add(o, "cgroup_id", json_object_new_int64((int64_t)ev->cgroup_id));
	json_object_object_add(o, "count", json_object_new_int64(ev->count));
	json_object_object_add(o, "policy_generation", json_object_new_int64(ev->policy_gen));
	if (ev->kind == AF_EV_SEND) {
		json_object_object_add(o, "destination", json_object_new_string(v->dest));
	} else if (ev->kind == AF_EV_SINK) {
		json_object_object_add(o, "sink", json_object_new_string(v->sink));
		json_object_object_add(o, "at_sink",
				       json_object_new_boolean(!!(ev->flags & AF_EVF_AT_SINK)));
		if (ev->flags & AF_EVF_AT_SINK)
			json_object_object_add(o, "sender", json_object_new_int64((int64_t)ev->ino));
	} else {
		char dev[32];

		snprintf(dev, sizeof(dev), "%llu:%llu", (unsigned long long)(ev->dev >> 20),
			 (unsigned long long)(ev->dev & 0xfffff));
		json_object_object_add(o, "path", json_object_new_string(v->path));
		json_object_object_add(o, "device", json_object_new_string(dev));
		json_object_object_add(o, "inode", json_object_new_int64((int64_t)ev->ino));
		json_object_object_add(o, "label_unknown",
				       json_object_new_boolean(!!(ev->flags & AF_EVF_UNKNOWN)));
	}
	json_object_object_add(o, "message", json_object_new_string(s));
	return o;
}

void event_proc_read(const struct af_event *ev, struct event_view *v)
{
	decode_exe(ev, v->exe, sizeof(v->exe));
	decode_unit(ev, v->unit, sizeof(v->unit));
}

void event_decode_via(struct event_decoder *d, const struct af_event *ev, struct event_view *v,
		      event_proc_fn proc, void *ctx)
{
	ev = complete(d, ev);
	memset(v, 0, sizeof(*v));
	v->ev = ev;
	decode_time(ev, v->time, sizeof(v->time));
	decode_labels(d, ev->labels, v->labels, sizeof(v->labels));
	decode_path(d, ev, v->path, sizeof(v->path));
	decode_kernel_exe(d, ev, v->exe, sizeof(v->exe));
	proc(ctx, ev, v);
	if (ev->kind == AF_EV_SINK) {
		if (ev->dev < AF_MAX_SINKS && d->sinks[ev->dev][0])
			snprintf(v->sink, sizeof(v->sink), "%.*s", AF_LABEL_NAME_MAX, d->sinks[ev->dev]);
		else
			snprintf(v->sink, sizeof(v->sink), "#%llu", (unsigned long long)ev->dev);
	}
	if (ev->kind == AF_EV_SEND && (ev->family == AF_INET || ev->family == AF_INET6)) {
		char a[INET6_ADDRSTRLEN] = "?";

		inet_ntop(ev->family, ev->daddr, a, sizeof(a));
		snprintf(v->dest, sizeof(v->dest), ev->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
			 ev->dport);
	}
}

static void proc_read(void *ctx, const struct af_event *ev, struct event_view *v)
{
	(void)ctx;
	event_proc_read(ev, v);
}

void event_decode(struct event_decoder *d, const struct af_event *ev, struct event_view *v)
{
	event_decode_via(d, ev, v, proc_read, NULL);
}
