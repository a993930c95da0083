// SPDX-License-Identifier: GPL-2.0
/*
 * What a policy would change against the one in force: the comparisons, by
 * label name. Pure: no kernel and no file system (the unit tests, the fuzzer
 * build).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_diff.h"

static int name_cmp(const void *a, const void *b)
{
	return strncmp(*(const char *const *)a, *(const char *const *)b, AF_LABEL_NAME_MAX);
}

const char *pdiff_labels_str(const pdiff_names names, uint32_t mask, char *buf, size_t len)
{
	const char *v[AF_MAX_LABELS];
	size_t o = 0;
	unsigned i, n = 0;

	for (i = 0; i < AF_MAX_LABELS; i++)
		if ((mask & (1u << i)) && i != AF_SELF_LABEL && names[i][0])
			v[n++] = names[i];
	/* By name: ids, and so the policy's order, may differ between generations. */
	qsort(v, n, sizeof(v[0]), name_cmp);
	if (len)
		buf[0] = 0;
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%.*s", i ? "," : "", AF_LABEL_NAME_MAX, v[i]);
	return buf;
}

static int path_cmp(const void *a, const void *b)
{
	const struct pdiff_path *x = *(const struct pdiff_path *const *)a;
	const struct pdiff_path *y = *(const struct pdiff_path *const *)b;

	return strcmp(x->path, y->path);
}

/* Pointers to v's elements, sorted by path: the caller's arrays stay as they are. */
static const struct pdiff_path **sorted_paths(const struct pdiff_path *v, size_t n)
{
	const struct pdiff_path **s = calloc(n ? n : 1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++)
		s[i] = &v[i];
	qsort(s, n, sizeof(*s), path_cmp);
	return s;
}

static const char *or_none(const char *labels)
{
	return *labels ? labels : "(no label)";
}

int pdiff_paths(const struct pdiff_path *was, size_t nwas, const struct pdiff_path *now,
		size_t nnow, FILE *out, struct pdiff_path_counts *c)
{
	const struct pdiff_path **a = sorted_paths(was, nwas), **b = sorted_paths(now, nnow);
	size_t i = 0, j = 0;
	int cmp;

	memset(c, 0, sizeof(*c));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	while (i < nwas || j < nnow) {
		cmp = i == nwas ? 1 : j == nnow ? -1 : strcmp(a[i]->path, b[j]->path);
		if (cmp < 0) {
			fprintf(out, "- %s = %s\n", a[i]->path, or_none(a[i]->labels));
			c->removed++;
			i++;
		} else if (cmp > 0) {
			fprintf(out, "+ %s = %s\n", b[j]->path, or_none(b[j]->labels));
			c->added++;
			j++;
		} else {
			if (strcmp(a[i]->labels, b[j]->labels)) {
				fprintf(out, "~ %s: %s -> %s\n", a[i]->path, or_none(a[i]->labels),
					or_none(b[j]->labels));
				c->changed++;
			}
			i++;
			j++;
		}
	}
	free(a);
	free(b);
	return 0;
}

static void policy_names(const struct policy *p, pdiff_names names)
{
	unsigned i;

	memset(names, 0, sizeof(pdiff_names));
	for (i = 0; i < p->nlabels && i < AF_MAX_LABELS; i++)
		memcpy(names[i], p->labels[i].name, AF_LABEL_NAME_MAX - 1);
}

void pdiff_paths_free(struct pdiff_path *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free((char *)v[i].labels);
	free(v);
}

int pdiff_policy_paths(const struct policy *p, struct pdiff_path **out)
{
	char buf[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	struct pdiff_path *v;
	pdiff_names names;
	size_t i;

	*out = NULL;
	v = calloc(p->npaths ? p->npaths : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	policy_names(p, names);
	for (i = 0; i < p->npaths; i++) {
		v[i].path = p->paths[i].path;
		v[i].labels = strdup(pdiff_labels_str(names, p->paths[i].labels, buf, sizeof(buf)));
		if (!v[i].labels) {
			pdiff_paths_free(v, i);
			return -ENOMEM;
		}
	}
	*out = v;
	return 0;
}

/*
 * A bit per label name across both generations: was's names, then now's
 * that was lacks. At most 31 + 31 names, so 64 bits hold them.
 */
static void name_bits(const pdiff_names was, const pdiff_names now, uint64_t was_bit[AF_MAX_LABELS],
		      uint64_t now_bit[AF_MAX_LABELS])
{
	unsigned i, j, next = 0;

	for (i = 0; i < AF_MAX_LABELS; i++)
		was_bit[i] = i != AF_SELF_LABEL && was[i][0] ? 1ull << next++ : 0;
	for (j = 0; j < AF_MAX_LABELS; j++) {
		now_bit[j] = 0;
		if (j == AF_SELF_LABEL || !now[j][0])
			continue;
		for (i = 0; i < AF_MAX_LABELS && !now_bit[j]; i++)
			if (was_bit[i] && !strncmp(was[i], now[j], AF_LABEL_NAME_MAX))
				now_bit[j] = was_bit[i];
		if (!now_bit[j])
			now_bit[j] = 1ull << next++;
	}
}

struct named_entry {
	struct af_inode_key key;
	uint64_t names;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named_entry *x = a, *y = b;

	if (x->key.dev != y->key.dev)
		return x->key.dev < y->key.dev ? -1 : 1;
	if (x->key.ino != y->key.ino)
		return x->key.ino < y->key.ino ? -1 : 1;
	return 0;
}

/* The entries carrying a policy label, their masks as name bits, sorted by inode. */
static struct named_entry *named_entries(const struct af_label_entry *v, size_t n,
					 const uint64_t bit[AF_MAX_LABELS], size_t *count)
{
	struct named_entry *e = calloc(n ? n : 1, sizeof(*e));
	size_t i, o = 0;
	unsigned l;

	if (!e)
		return NULL;
	for (i = 0; i < n; i++) {
		uint64_t names = 0;

		if (!v[i].key.ino)
			continue; /* a file system's summary, not an inode */
		for (l = 0; l < AF_MAX_LABELS; l++)
			if (v[i].val.labels & (1u << l))
				names |= bit[l];
		if (!names)
			continue;
		e[o].key = v[i].key;
		e[o++].names = names;
	}
	qsort(e, o, sizeof(*e), named_cmp);
	*count = o;
	return e;
}

int pdiff_inodes(const struct af_label_entry *was, size_t nwas, const pdiff_names was_names,
		 const struct af_label_entry *now, size_t nnow, const pdiff_names now_names,
		 struct pdiff_inodes *d)
{
	uint64_t was_bit[AF_MAX_LABELS], now_bit[AF_MAX_LABELS];
	struct named_entry *a, *b;
	size_t na = 0, nb = 0, i = 0, j = 0;
	int cmp;

	memset(d, 0, sizeof(*d));
	name_bits(was_names, now_names, was_bit, now_bit);
	a = named_entries(was, nwas, was_bit, &na);
	b = named_entries(now, nnow, now_bit, &nb);
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	d->before = na;
	d->after = nb;
	while (i < na || j < nb) {
		cmp = i == na ? 1 : j == nb ? -1 : named_cmp(&a[i], &b[j]);
		if (cmp < 0) {
			d->removed++;
			i++;
		} else if (cmp > 0) {
			d->added++;
			j++;
		} else {
			d->changed += a[i].names != b[j].names;
			i++;
			j++;
		}
	}
	free(a);
	free(b);
	return 0;
}

void pdiff_meta_names(const struct af_meta *m, unsigned nlabels, pdiff_names names)
{
	unsigned i;

	memset(names, 0, sizeof(pdiff_names));
	for (i = 0; i < nlabels && i < AF_MAX_LABELS; i++)
		memcpy(names[i], m->labels[i], AF_LABEL_NAME_MAX - 1);
}

static int name_index(const pdiff_names names, const char *name)
{
	int i;

	for (i = 0; i < AF_MAX_LABELS; i++)
		if (i != AF_SELF_LABEL && names[i][0] && !strncmp(names[i], name, AF_LABEL_NAME_MAX))
			return i;
	return -1;
}

static enum af_action label_action(const struct af_policy *pol, unsigned id, unsigned op)
{
	if (pol->deny[op] & (1u << id))
		return AF_DENY;
	return pol->audit[op] & (1u << id) ? AF_AUDIT : AF_ALLOW;
}

/* "label NAME: read deny -> audit, send deny -> allow", when any action differs. */
static unsigned action_changes(const struct af_policy *was, unsigned wid, const struct af_policy *now,
			       unsigned nid, const char *name, FILE *out)
{
	unsigned op, n = 0;

	for (op = 0; op < AF_OP_COUNT; op++) {
		enum af_action a = label_action(was, wid, op), b = label_action(now, nid, op);

		if (a == b)
			continue;
		if (!n++)
			fprintf(out, "label %.*s:", AF_LABEL_NAME_MAX, name);
		fprintf(out, "%s %s %s -> %s", n > 1 ? "," : "", af_op_name(op), af_action_name(a),
			af_action_name(b));
	}
	if (n)
		fputc('\n', out);
	return n != 0;
}

/* "what: was -> now" when they differ. */
static unsigned count_change(const char *what, __u32 was, __u32 now, FILE *out)
{
	if (was == now)
		return 0;
	fprintf(out, "%s: %u -> %u\n", what, was, now);
	return 1;
}

unsigned pdiff_summary(const struct af_policy *was_pol, const struct af_meta *was_meta,
		       const struct af_policy *now_pol, const struct af_meta *now_meta, FILE *out)
{
	__u32 flip = was_meta->flags ^ now_meta->flags;
	pdiff_names was, now;
	unsigned n = 0, i;
	int id;

	pdiff_meta_names(was_meta, was_pol->nlabels, was);
	pdiff_meta_names(now_meta, now_pol->nlabels, now);
	if (was_pol->mode != now_pol->mode) {
		fprintf(out, "mode: %s -> %s\n", af_mode_name(was_pol->mode),
			af_mode_name(now_pol->mode));
		n++;
	}
	for (i = 0; i < AF_MAX_LABELS; i++) {
		if (i == AF_SELF_LABEL || !now[i][0])
			continue;
		id = name_index(was, now[i]);
		if (id < 0) {
			fprintf(out, "label added: %s\n", now[i]);
			n++;
		} else {
			n += action_changes(was_pol, (unsigned)id, now_pol, i, now[i], out);
		}
	}
	for (i = 0; i < AF_MAX_LABELS; i++) {
		if (i != AF_SELF_LABEL && was[i][0] && name_index(now, was[i]) < 0) {
			fprintf(out, "label removed: %s\n", was[i]);
			n++;
		}
	}
	n += count_change("labelled paths", was_meta->nroots, now_meta->nroots, out);
	n += count_change("trusted programs", was_meta->ntrusted, now_meta->ntrusted, out);
	n += count_change("cloud ranges", was_meta->ncloud, now_meta->ncloud, out);
	if (flip & AF_META_SENDALL) {
		fprintf(out, "send rules: %s\n",
			now_meta->flags & AF_META_SENDALL ? "cloud ranges only -> every destination" :
							    "every destination -> cloud ranges only");
		n++;
	}
	if (flip & AF_META_LOCK) {
		fprintf(out, "lock: %s\n", now_meta->flags & AF_META_LOCK ? "no -> yes" : "yes -> no");
		n++;
	}
	return n;
}
