// SPDX-License-Identifier: GPL-2.0
/* The record of labels the kernel derived, so that a reboot does not shed them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "derived.h"
#include "log.h"
#include "util.h"

#define HANDLE_MAX 128		/* MAX_HANDLE_SZ */

/* One record: a JSON object per line. */
struct rec {
	__u64 dev, ino;
	int htype;		/* -1: no handle */
	unsigned hlen;
	unsigned char handle[HANDLE_MAX];
	char *mount;		/* mount point the handle is relative to */
	char *path;
	char *labels;		/* "a,b" */
	char *time, *comm, *exe;
	unsigned pid, uid;
};

static void rec_free(struct rec *r)
{
	free(r->mount);
	free(r->path);
	free(r->labels);
	free(r->time);
	free(r->comm);
	free(r->exe);
}

/* Exclusive use of the record, held on the directory so that a rename can replace the file. */
static int lock_dir(bool create)
{
	int fd;

	if (create && mkdir(AF_STATE_DIR, 0700) && errno != EEXIST) {
		log_warn(errno, "derived labels: cannot create %s", AF_STATE_DIR);
		return -errno;
	}
	fd = open(AF_STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT || create)
			log_warn(errno, "derived labels: cannot open %s", AF_STATE_DIR);
		return -errno;
	}
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		log_warn(err, "derived labels: cannot lock %s", AF_STATE_DIR);
		close(fd);
		return err;
	}
	return fd;
}

/* The mount point of mount id, from /proc/self/mountinfo; the last one found is kept. */
static const char *mount_point(int id)
{
	static char point[PATH_MAX];
	static int cached = -1;
	char *line = NULL, buf[PATH_MAX];
	size_t cap = 0;
	int mid, found = 0;
	FILE *f;

	if (id == cached)
		return point;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return NULL;
	while (!found && getline(&line, &cap, f) > 0)
		if (sscanf(line, "%d %*u %*u:%*u %*s %4095s", &mid, buf) == 2 && mid == id) {
			af_unescape_octal(buf);
			af_strlcpy(point, buf, sizeof(point));
			found = 1;
		}
	free(line);
	fclose(f);
	cached = found ? id : -1;
	return found ? point : NULL;
}

static void hex(const unsigned char *b, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int unhex(const char *s, unsigned char *b, unsigned max)
{
	size_t n = strlen(s), i;
	unsigned v;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (unsigned char)v;
	}
	return (int)(n / 2);
}

static struct json_object *rec_json(const struct rec *r)
{
	struct json_object *o = json_object_new_object();
	char h[2 * HANDLE_MAX + 1];

	json_object_object_add(o, "dev", json_object_new_uint64(r->dev));
	json_object_object_add(o, "ino", json_object_new_uint64(r->ino));
	json_object_object_add(o, "labels", json_object_new_string(r->labels ?: ""));
	json_object_object_add(o, "path", json_object_new_string(r->path ?: ""));
	if (r->htype >= 0 && r->mount) {
		hex(r->handle, r->hlen, h);
		json_object_object_add(o, "mount", json_object_new_string(r->mount));
		json_object_object_add(o, "handle_type", json_object_new_int(r->htype));
		json_object_object_add(o, "handle", json_object_new_string(h));
	}
	json_object_object_add(o, "time", json_object_new_string(r->time ?: ""));
	json_object_object_add(o, "comm", json_object_new_string(r->comm ?: ""));
	json_object_object_add(o, "exe", json_object_new_string(r->exe ?: ""));
	json_object_object_add(o, "pid", json_object_new_int64(r->pid));
	json_object_object_add(o, "uid", json_object_new_int64(r->uid));
	return o;
}

static char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

static int rec_parse(const char *line, struct rec *r)
{
	struct json_object *o = json_tokener_parse(line), *v;
	char *h;

	memset(r, 0, sizeof(*r));
	r->htype = -1;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	if (json_object_object_get_ex(o, "dev", &v))
		r->dev = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "ino", &v))
		r->ino = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "pid", &v))
		r->pid = (unsigned)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "uid", &v))
		r->uid = (unsigned)json_object_get_int64(v);
	r->labels = str_of(o, "labels");
	r->path = str_of(o, "path");
	r->mount = str_of(o, "mount");
	r->time = str_of(o, "time");
	r->comm = str_of(o, "comm");
	r->exe = str_of(o, "exe");
	h = str_of(o, "handle");
	if (h && r->mount && json_object_object_get_ex(o, "handle_type", &v)) {
		int n = unhex(h, r->handle, HANDLE_MAX);

		if (n > 0) {
			r->hlen = (unsigned)n;
			r->htype = json_object_get_int(v);
		}
	}
	free(h);
	json_object_put(o);
	if (!r->labels || !r->labels[0]) {
		rec_free(r);
		return -1;
	}
	return 0;
}

/* The handle of path, if it still names dev:ino. */
static void take_handle(struct rec *r)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + HANDLE_MAX];
	} u;
	const char *mnt;
	struct stat st;
	int mid;

	u.fh.handle_bytes = HANDLE_MAX;
	if (r->path[0] != '/' || name_to_handle_at(AT_FDCWD, r->path, &u.fh, &mid, 0) ||
	    stat(r->path, &st) || af_kdev(st.st_dev) != r->dev || st.st_ino != r->ino ||
	    u.fh.handle_bytes > HANDLE_MAX || !(mnt = mount_point(mid)))
		return; /* gone or renamed since, or a file system without handles */
	r->htype = u.fh.handle_type;
	r->hlen = u.fh.handle_bytes;
	memcpy(r->handle, u.fh.f_handle, r->hlen);
	r->mount = strdup(mnt);
}

int derived_record(const struct event_view *v)
{
	const struct af_event *ev = v->ev;
	struct json_object *o;
	struct rec r = { .htype = -1 };
	char comm[AF_COMM_LEN + 1];
	const char *line;
	int dir, fd, err = 0;

	if (ev->kind != AF_EV_LABELLED)
		return 0;
	/* archfence's own files: labelled by every apply anyway (its state directory). */
	if (ev->labels == (1u << AF_SELF_LABEL))
		return 0;
	snprintf(comm, sizeof(comm), "%.*s", AF_COMM_LEN, ev->comm);
	r.dev = ev->dev;
	r.ino = ev->ino;
	r.path = (char *)v->path;
	r.labels = (char *)v->labels;
	r.time = (char *)v->time;
	r.comm = comm;
	r.exe = (char *)v->exe;
	r.pid = ev->tgid;
	r.uid = ev->uid;
	take_handle(&r);
	o = rec_json(&r);
	free(r.mount);
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	dir = lock_dir(true);
	if (dir < 0) {
		json_object_put(o);
		return dir;
	}
	fd = open(AF_DERIVED_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", line) < 0) {
		err = -errno;
		log_warn(err, "derived labels: cannot record %s in %s", v->path, AF_DERIVED_FILE);
	}
	if (fd >= 0)
		close(fd);
	close(dir);
	json_object_put(o);
	return err;
}

/* Every record, merged by inode: labels combine, the latest path and origin win. */
static int load(FILE *f, struct rec **out, size_t *n)
{
	struct rec *v = NULL, r, *tmp;
	char *line = NULL;
	size_t cap = 0, i, nv = 0;

	while (getline(&line, &cap, f) > 0) {
		if (rec_parse(line, &r))
			continue; /* a torn or foreign line: nothing to give back */
		for (i = 0; i < nv; i++)
			if (v[i].dev == r.dev && v[i].ino == r.ino)
				break;
		if (i < nv) {
			char *all = NULL;

			if (asprintf(&all, "%s,%s", v[i].labels, r.labels) < 0) {
				rec_free(&r);
				break;
			}
			free(r.labels);
			r.labels = all;
			rec_free(&v[i]);
			v[i] = r;
			continue;
		}
		tmp = realloc(v, (nv + 1) * sizeof(*v));
		if (!tmp) {
			rec_free(&r);
			break;
		}
		v = tmp;
		v[nv++] = r;
	}
	free(line);
	*out = v;
	*n = nv;
	return 0;
}

int derived_origin(__u64 dev, __u64 ino, struct derived_origin *o)
{
	struct rec *v = NULL;
	size_t n = 0, i;
	int rc = -ENOENT;
	FILE *f = fopen(AF_DERIVED_FILE, "re");

	if (!f)
		return -ENOENT;
	load(f, &v, &n);
	fclose(f);
	for (i = 0; i < n; i++) {
		if (v[i].dev == dev && v[i].ino == ino && rc) {
			memset(o, 0, sizeof(*o));
			af_strlcpy(o->time, v[i].time ?: "", sizeof(o->time));
			af_strlcpy(o->comm, v[i].comm ?: "", sizeof(o->comm));
			af_strlcpy(o->exe, v[i].exe ?: "", sizeof(o->exe));
			af_strlcpy(o->path, v[i].path ?: "", sizeof(o->path));
			af_strlcpy(o->labels, v[i].labels ?: "", sizeof(o->labels));
			o->pid = v[i].pid;
			o->uid = v[i].uid;
			rc = 0;
		}
		rec_free(&v[i]);
	}
	free(v);
	return rc;
}

/*
 * Where the file of r is now: through its handle, which follows renames, or
 * by its path. 0 and st filled, or -1 when it is gone.
 */
static int locate(const struct rec *r, struct stat *st)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + HANDLE_MAX];
	} u;
	int mfd, fd;

	if (r->htype >= 0) {
		mfd = open(r->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd >= 0) {
			u.fh.handle_bytes = r->hlen;
			u.fh.handle_type = r->htype;
			memcpy(u.fh.f_handle, r->handle, r->hlen);
			fd = open_by_handle_at(mfd, &u.fh, O_PATH | O_CLOEXEC);
			close(mfd);
			if (fd >= 0) {
				int rc = fstat(fd, st);

				close(fd);
				return rc ? -1 : 0;
			}
			if (errno == ESTALE)
				return -1; /* deleted: its path may name another file now */
		}
	}
	if (!r->path || r->path[0] != '/' || lstat(r->path, st))
		return -1;
	return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) ? 0 : -1;
}

/* r's label names that p defines, as a mask; the names kept go back into r. */
static __u32 labels_of(const struct policy *p, struct rec *r)
{
	char *copy = strdup(r->labels), *save = NULL, *name, kept[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	size_t o = 0;
	__u32 mask = 0;
	int id;

	if (!copy)
		return 0;
	kept[0] = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		id = policy_label_id(p, name);
		if (id < 0 || id >= AF_SELF_LABEL || !name[0] || (mask & (1u << id)))
			continue;
		mask |= 1u << id;
		o += (size_t)snprintf(kept + o, sizeof(kept) - o, "%s%s", o ? "," : "", name);
		if (o >= sizeof(kept))
			break;
	}
	free(copy);
	free(r->labels);
	r->labels = strdup(kept);
	return mask;
}

int derived_restore(const struct policy *p, struct af_label_entry **out, size_t *n)
{
	struct af_label_entry *e = NULL;
	struct rec *v = NULL;
	size_t nv = 0, ne = 0, i;
	int dir, err = 0;
	struct stat st;
	FILE *f, *w = NULL;

	*out = NULL;
	*n = 0;
	dir = lock_dir(false);
	if (dir < 0)
		return dir == -ENOENT ? 0 : dir;
	f = fopen(AF_DERIVED_FILE, "re");
	if (!f) {
		err = errno == ENOENT ? 0 : -errno;
		if (err)
			log_warn(err, "derived labels: cannot read %s", AF_DERIVED_FILE);
		close(dir);
		return err;
	}
	load(f, &v, &nv);
	fclose(f);
	e = calloc(nv ? nv : 1, sizeof(*e));
	if (!e) {
		err = -ENOMEM;
		log_warn(err, "derived labels: cannot restore them");
	}
	/* What is gone is dropped from the record; failing that, it stays. */
	w = e ? fopen(AF_DERIVED_FILE ".new", "we") : NULL;
	if (e && !w)
		log_warn(errno, "derived labels: cannot rewrite %s", AF_DERIVED_FILE);
	for (i = 0; i < nv; i++) {
		__u32 mask;

		if (e && locate(&v[i], &st) == 0 && (mask = labels_of(p, &v[i]))) {
			e[ne].key.dev = af_kdev(st.st_dev);
			e[ne].key.ino = st.st_ino;
			e[ne].val.labels = mask;
			e[ne].val.flags = AF_LV_DERIVED;
			/* the inode as it is named now: explain finds its origin by it */
			v[i].dev = e[ne].key.dev;
			v[i].ino = e[ne].key.ino;
			ne++;
			if (w) {
				struct json_object *o = rec_json(&v[i]);

				fprintf(w, "%s\n", json_object_to_json_string_ext(o,
					JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
				json_object_put(o);
			}
		}
		rec_free(&v[i]);
	}
	free(v);
	if (w) {
		bool ok = !ferror(w) && fflush(w) == 0 && fsync(fileno(w)) == 0;

		if (fclose(w) || !ok || rename(AF_DERIVED_FILE ".new", AF_DERIVED_FILE)) {
			log_warn(errno, "derived labels: cannot rewrite %s; it is kept as it was",
				 AF_DERIVED_FILE);
			unlink(AF_DERIVED_FILE ".new");
		}
	}
	close(dir);
	if (err) {
		free(e);
		return err;
	}
	*out = e;
	*n = ne;
	return 0;
}
