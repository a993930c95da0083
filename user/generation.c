// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fts.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "derived.h"
#include "generation.h"
#include "log.h"
#include "util.h"

struct entries {
	struct af_label_entry *v;
	size_t n, cap;
};

static int entries_add(struct entries *e, __u64 dev, __u64 ino, __u32 labels, __u32 flags)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 256;
		void *v = realloc(e->v, cap * sizeof(*e->v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n].key.dev = dev;
	e->v[e->n].key.ino = ino;
	e->v[e->n].val.labels = labels;
	e->v[e->n].val.flags = flags;
	e->n++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct af_label_entry *x = a, *y = b;

	if (x->key.dev != y->key.dev)
		return x->key.dev < y->key.dev ? -1 : 1;
	if (x->key.ino != y->key.ino)
		return x->key.ino < y->key.ino ? -1 : 1;
	return 0;
}

/* One entry per inode: labels and flags of duplicates combine. */
static void entries_merge(struct entries *e)
{
	size_t i, o = 0;

	if (!e->n)
		return;
	qsort(e->v, e->n, sizeof(*e->v), key_cmp);
	for (i = 1; i < e->n; i++) {
		if (!key_cmp(&e->v[o], &e->v[i])) {
			e->v[o].val.labels |= e->v[i].val.labels;
			e->v[o].val.flags |= e->v[i].val.flags;
		} else {
			e->v[++o] = e->v[i];
		}
	}
	e->n = o + 1;
}

/*
 * The block devices under a file system on device dev: the device itself,
 * the whole disk of a partition, and what a device-mapper or md device is
 * built on. Reading any of them raw reads the labelled files.
 */
static int add_block_devices(struct entries *e, dev_t dev, __u32 labels, int depth)
{
	char path[PATH_MAX], buf[64];
	unsigned maj, min;
	struct dirent *de;
	FILE *f;
	DIR *d;
	int err;

	if (depth > 8 || major(dev) == 0)
		return 0; /* no block device behind it (tmpfs, overlay, ...) */
	err = entries_add(e, AF_BLKDEV_DEV, af_kdev(dev), labels, AF_LV_ROOT);
	if (err)
		return err;
	/* A partition's parent directory in sysfs is its disk. */
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", major(dev), minor(dev));
	f = fopen(path, "r");
	if (f) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
		if (access(path, F_OK) == 0 && fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%u:%u", &maj, &min) == 2) {
			err = entries_add(e, AF_BLKDEV_DEV, af_kdev(makedev(maj, min)), labels, AF_LV_ROOT);
			if (err) {
				fclose(f);
				return err;
			}
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/slaves", major(dev), minor(dev));
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s/dev", path, de->d_name) >= (int)sizeof(sub))
			continue;
		f = fopen(sub, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &maj, &min) == 2)
			err = add_block_devices(e, makedev(maj, min), labels, depth + 1);
		fclose(f);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

/*
 * Under a labelled directory, the inodes that the parent walk in the kernel
 * could miss: files with several names (another name may lie outside the
 * tree) and the roots of file systems mounted inside it.
 */
static int walk_tree(struct entries *e, const struct policy_path *pp, size_t *found)
{
	char *const roots[] = { pp->path, NULL };
	FTSENT *ent;
	FTS *fts;
	int err = 0;

	fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts) {
		err = -errno;
		log_warn(err, "policy: cannot walk %s", pp->path);
		return err;
	}
	while ((ent = fts_read(fts))) {
		const struct stat *st = ent->fts_statp;
		bool mount_root;

		switch (ent->fts_info) {
		case FTS_DP:
			continue;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			/*
			 * An unreadable corner of the tree is still labelled
			 * through its parent; only its hard links could be
			 * missed, so say so.
			 */
			log_warnx("policy: %s: %s (hard links in it are not labelled)",
				  ent->fts_path, strerror(ent->fts_errno));
			continue;
		default:
			break;
		}
		mount_root = ent->fts_level > 0 && ent->fts_parent &&
			     ent->fts_parent->fts_statp &&
			     st->st_dev != ent->fts_parent->fts_statp->st_dev;
		if (mount_root)
			err = entries_add(e, af_kdev(st->st_dev), 0, pp->labels, AF_LV_LINKED);
		if (err)
			break;
		if (mount_root || (!S_ISDIR(st->st_mode) && st->st_nlink > 1)) {
			err = entries_add(e, af_kdev(st->st_dev), st->st_ino, pp->labels, AF_LV_LINKED);
			if (err)
				break;
			(*found)++;
		}
		if (mount_root) {
			err = add_block_devices(e, st->st_dev, pp->labels, 0);
			if (err)
				break;
		}
	}
	fts_close(fts);
	return err;
}

static void fill_policy(const struct policy *p, struct af_policy *pol)
{
	unsigned i, op;

	memset(pol, 0, sizeof(*pol));
	pol->mode = p->mode;
	pol->nlabels = p->nlabels;
	if (p->send_all)
		pol->flags |= AF_POL_SENDALL;
	for (i = 0; i < p->nlabels; i++) {
		for (op = 0; op < AF_OP_COUNT; op++) {
			if (p->labels[i].action[op] == AF_DENY)
				pol->deny[op] |= 1u << i;
			else if (p->labels[i].action[op] == AF_AUDIT)
				pol->audit[op] |= 1u << i;
			if (p->labels[i].action[op] != AF_ALLOW)
				pol->tainting |= 1u << i;
		}
	}
}

static void fill_meta(const struct policy *p, struct af_meta *m)
{
	char real[PATH_MAX];
	struct timespec ts;
	unsigned i;
	FILE *f;

	memset(m, 0, sizeof(*m));
	clock_gettime(CLOCK_REALTIME, &ts);
	m->applied_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	m->uid = getuid();
	m->loginuid = (__u32)-1;
	f = fopen("/proc/self/loginuid", "r");
	if (f) {
		if (fscanf(f, "%u", &m->loginuid) != 1)
			m->loginuid = (__u32)-1;
		fclose(f);
	}
	m->ntrusted = (__u32)p->ntrusted;
	m->ncloud = (__u32)p->ncloud;
	if (p->lock)
		m->flags |= AF_META_LOCK;
	if (p->send_all)
		m->flags |= AF_META_SENDALL;
	memcpy(m->sha256, p->sha256, sizeof(m->sha256));
	af_strlcpy(m->file, realpath(p->file, real) ? real : p->file, sizeof(m->file));
	for (i = 0; i < p->nlabels && i < AF_MAX_LABELS; i++)
		af_strlcpy(m->labels[i], p->labels[i].name, sizeof(m->labels[i]));
}

__u64 af_unit_hash(const char *unit)
{
	return af_fnv1a64(unit);
}

/*
 * archfence itself: its pins, its executable (recognised by the kernel when
 * it runs, and never changed in place), the policy files in force and the
 * unit that applies them at boot. They carry the reserved archfence label:
 * only the controller changes them, and nobody once locked.
 */
static const char *const self_paths[] = {
	AF_PIN_DIR,
	"/etc/systemd/system/archfence.service",
	"/etc/systemd/system/archfence.service.d",
	"/usr/lib/systemd/system/archfence.service",
	"/usr/lib/systemd/system/archfence.service.d",
	"/usr/local/lib/systemd/system/archfence.service",
};

static int add_self_path(struct entries *e, const char *path, __u32 flags, bool must)
{
	struct stat st;
	int err;

	if (stat(path, &st)) {
		if (!must && errno == ENOENT)
			return 0;
		log_warn(errno, "policy: cannot protect %s", path);
		return -errno;
	}
	err = entries_add(e, af_kdev(st.st_dev), st.st_ino, 1u << AF_SELF_LABEL, AF_LV_ROOT | flags);
	/* The pins' file system: it may not be unmounted (mounts.bpf.c). */
	if (!err && !strcmp(path, AF_PIN_DIR))
		err = entries_add(e, af_kdev(st.st_dev), 0, 1u << AF_SELF_LABEL, AF_LV_ROOT);
	return err;
}

const char *generation_next_controller;

static int add_self(const struct policy *p, struct entries *e)
{
	size_t i;
	int err;

	err = add_self_path(e, "/proc/self/exe", AF_LV_TRUSTED | AF_LV_CONTROLLER, true);
	if (!err && generation_next_controller)
		err = add_self_path(e, generation_next_controller, AF_LV_TRUSTED | AF_LV_CONTROLLER,
				    true);
	for (i = 0; !err && i < sizeof(self_paths) / sizeof(self_paths[0]); i++)
		err = add_self_path(e, self_paths[i], 0, false);
	for (i = 0; !err && i < p->nfiles; i++)
		err = add_self_path(e, p->files[i], 0, true);
	if (!err && p->include_dir)
		err = add_self_path(e, p->include_dir, 0, true);
	if (!err)
		err = add_self_path(e, AF_STATE_DIR, 0, false);
	return err;
}

/*
 * One entry per program and unit (a whole unit: dev and ino 0); grants of
 * duplicates combine.
 */
static int add_trusted(const struct policy *p, struct entries *e, struct af_generation *g)
{
	struct af_trust_entry *t;
	size_t i, j, n = 0;
	unsigned op;
	int err;

	if (!p->ntrusted)
		return 0;
	t = calloc(p->ntrusted, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < p->ntrusted; i++) {
		const struct policy_trusted *pt = &p->trusted[i];
		struct af_trust_key k = { .dev = pt->dev, .ino = pt->ino,
					  .unit_hash = pt->unit ? af_unit_hash(pt->unit) : 0 };

		err = pt->exe ? entries_add(e, pt->dev, pt->ino, 0, AF_LV_TRUSTED) : 0;
		if (err) {
			free(t);
			return err;
		}
		for (j = 0; j < n; j++)
			if (!memcmp(&t[j].key, &k, sizeof(k)))
				break;
		if (j == n)
			t[n++].key = k;
		for (op = 0; op < AF_OP_COUNT; op++)
			t[j].val.grant[op] |= pt->allow[op];
		if (pt->inherit)
			t[j].val.flags |= AF_TRUST_INHERIT;
	}
	g->trusted = t;
	g->ntrusted = n;
	return 0;
}

/*
 * Sinks: their executables are flagged in the label map (the kernel looks
 * the sink up when one runs), and each has an entry in the trusted map,
 * with its unit where the policy names one, that says which sink it is.
 */
static int add_sinks(const struct policy *p, struct entries *e, struct af_generation *g)
{
	struct af_trust_entry *t;
	size_t i, j;
	int err;

	af_strlcpy(g->meta.sinks[AF_SINK_PID1], "systemd (PID 1)", sizeof(g->meta.sinks[0]));
	for (i = 0; i < p->nsinks && i + 1 < AF_MAX_SINKS; i++) {
		const struct policy_sink *ps = &p->sinks[i];
		__u32 id = (__u32)i + 1;
		struct af_trust_key k = { .dev = ps->dev, .ino = ps->ino,
					  .unit_hash = ps->unit ? af_unit_hash(ps->unit) : 0 };

		af_strlcpy(g->meta.sinks[id], ps->name, sizeof(g->meta.sinks[id]));
		if (!ps->ino)
			continue; /* not installed here */
		err = entries_add(e, ps->dev, ps->ino, 0, AF_LV_SINK);
		if (err)
			return err;
		for (j = 0; j < g->ntrusted; j++)
			if (!memcmp(&g->trusted[j].key, &k, sizeof(k)))
				break;
		if (j == g->ntrusted) {
			t = realloc(g->trusted, (g->ntrusted + 1) * sizeof(*t));
			if (!t)
				return -ENOMEM;
			g->trusted = t;
			memset(&t[j], 0, sizeof(t[j]));
			t[j].key = k;
			g->ntrusted++;
		}
		g->trusted[j].val.sink = AF_TASK_SINK | (id << AF_LV_SINK_SHIFT) |
					 (ps->refuse ? AF_TASK_SINK_REFUSE : 0);
	}
	return 0;
}

/* The trie's key of a range: IPv6, or IPv4 as ::ffff:a.b.c.d/96+len. */
static struct af_cloud_key cidr_key(const struct policy_cidr *pc)
{
	struct af_cloud_key k = { 0 };

	if (pc->family == AF_INET) {
		k.prefixlen = 96u + pc->prefix;
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(&k.addr[12], pc->addr, 4);
	} else {
		k.prefixlen = pc->prefix;
		memcpy(k.addr, pc->addr, 16);
	}
	return k;
}

/* Whether range a contains range b. */
static bool covers(const struct af_cloud_key *a, const struct af_cloud_key *b)
{
	__u32 bits = a->prefixlen, i;

	if (a->prefixlen > b->prefixlen)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (a->addr[i] != b->addr[i])
			return false;
	if (bits % 8) {
		__u8 mask = (__u8)(0xff << (8 - bits % 8));

		if ((a->addr[i] & mask) != (b->addr[i] & mask))
			return false;
	}
	return true;
}

/* Add a port range to v; nports 0 means every port and absorbs the rest. */
static int add_ports(struct af_cloud_val *v, bool *any, __u16 lo, __u16 hi)
{
	unsigned i;

	if (*any)
		return 0;
	if (!lo && !hi) {
		*any = true;
		v->nports = 0;
		return 0;
	}
	for (i = 0; i < v->nports; i++) {
		/* overlapping or adjacent: widen */
		if (lo <= (unsigned)v->hi[i] + 1 && (unsigned)hi + 1 >= v->lo[i]) {
			v->lo[i] = lo < v->lo[i] ? lo : v->lo[i];
			v->hi[i] = hi > v->hi[i] ? hi : v->hi[i];
			return 0;
		}
	}
	if (v->nports == AF_CLOUD_PORTS)
		return -E2BIG;
	v->lo[v->nports] = lo;
	v->hi[v->nports] = hi;
	v->nports++;
	return 0;
}

/*
 * Cloud ranges for the kernel's longest-prefix-match trie: one entry per
 * prefix, IPv4 as ::ffff:a.b.c.d, each with its own ports and those of every
 * wider range containing it (the trie only returns the longest match).
 */
static int add_cloud(const struct policy *p, struct af_generation *g)
{
	struct af_cloud_entry *c;
	bool *any;
	size_t i, j, n = 0;
	int err = 0;

	if (!p->ncloud)
		return 0;
	c = calloc(p->ncloud, sizeof(*c));
	any = calloc(p->ncloud, sizeof(*any));
	if (!c || !any) {
		free(c);
		free(any);
		return -ENOMEM;
	}
	for (i = 0; i < p->ncloud; i++) {
		struct af_cloud_key k = cidr_key(&p->cloud[i]);

		for (j = 0; j < n; j++)
			if (!memcmp(&c[j].key, &k, sizeof(k)))
				break;
		if (j == n)
			c[n++].key = k;
	}
	for (i = 0; i < n && !err; i++) {
		for (j = 0; j < p->ncloud && !err; j++) {
			const struct policy_cidr *pc = &p->cloud[j];
			struct af_cloud_key k = cidr_key(pc);

			if (covers(&k, &c[i].key) &&
			    add_ports(&c[i].val, &any[i], pc->port_min, pc->port_max)) {
				log_warnx("policy: %s:%u: more than %d separate port ranges apply to one "
					  "address range; merge them", pc->file, pc->line, AF_CLOUD_PORTS);
				err = -E2BIG;
			}
		}
	}
	free(any);
	if (err) {
		free(c);
		return err;
	}
	g->cloud = c;
	g->ncloud = n;
	return 0;
}

/*
 * A path that does not exist yet: its names below the nearest existing
 * directory, and its first missing name awaited there (shared with other
 * pending paths that await the same name in the same directory).
 */
static int add_pending(struct af_generation *g, const struct policy_path *pp)
{
	struct af_pending_entry *v;
	__u32 id = (__u32)g->npending;
	size_t i;

	if (id >= AF_MAX_PENDING)
		return -E2BIG; /* the policy check refuses more */
	g->pending_path[id].labels = pp->labels;
	g->pending_path[id].n = pp->ncomp;
	memcpy(g->pending_path[id].hash, pp->comp, sizeof(g->pending_path[id].hash));
	g->pending_name[id] = pp->path;
	g->npending++;
	for (i = 0; i < g->nawaited; i++) {
		const struct af_pending_key *k = &g->awaited[i].key;

		if (k->dev == pp->anchor_dev && k->ino == pp->anchor_ino && k->name_hash == pp->comp[0])
			break;
	}
	if (i == g->nawaited) {
		v = realloc(g->awaited, (g->nawaited + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		g->awaited = v;
		memset(&v[i], 0, sizeof(v[i]));
		v[i].key.dev = pp->anchor_dev;
		v[i].key.ino = pp->anchor_ino;
		v[i].key.name_hash = pp->comp[0];
		g->nawaited++;
	}
	g->awaited[i].val.ids |= 1u << id;
	g->awaited[i].val.next[id] = 0;
	return 0;
}

int generation_build(const struct policy *p, struct af_generation *g)
{
	struct entries e = { 0 };
	size_t i, linked = 0;
	int err = 0;

	memset(g, 0, sizeof(*g));
	fill_policy(p, &g->policy);
	fill_meta(p, &g->meta);
	for (i = 0; i < p->npaths; i++) {
		const struct policy_path *pp = &p->paths[i];

		g->policy.rooted |= pp->labels;
		if (pp->pending) {
			err = add_pending(g, pp);
			if (err)
				goto fail;
			continue;
		}
		err = entries_add(&e, pp->dev, pp->ino, pp->labels, AF_LV_ROOT);
		if (!err)
			err = entries_add(&e, pp->dev, 0, pp->labels, AF_LV_ROOT);
		if (!err && pp->dir)
			err = walk_tree(&e, pp, &linked);
		if (!err) {
			struct stat st;

			if (stat(pp->path, &st) == 0)
				err = add_block_devices(&e, st.st_dev, pp->labels, 0);
		}
		if (err)
			goto fail;
	}
	err = add_trusted(p, &e, g);
	if (!err)
		err = add_sinks(p, &e, g);
	if (!err)
		err = add_self(p, &e);
	if (!err)
		err = add_cloud(p, g);
	if (err)
		goto fail;
	entries_merge(&e);
	g->entries = e.v;
	g->nentries = e.n;
	g->meta.nroots = (__u32)p->npaths;
	g->meta.nlinked = (__u32)linked;
	return 0;
fail:
	free(e.v);
	if (err == -ENOMEM)
		log_warnx("policy: out of memory building the label map");
	return err;
}

void generation_free(struct af_generation *g)
{
	free(g->awaited);
	g->awaited = NULL;
	g->nawaited = 0;
	g->npending = 0;
	free(g->cloud);
	g->cloud = NULL;
	g->ncloud = 0;
	free(g->trusted);
	g->trusted = NULL;
	g->ntrusted = 0;
	free(g->entries);
	g->entries = NULL;
	g->nentries = 0;
	free(g->derived);
	g->derived = NULL;
	g->nderived = 0;
}
