// SPDX-License-Identifier: GPL-2.0
/*
 * apply --dry-run's comparisons: label masks by name whatever their ids,
 * path lists to sorted +/-/~ lines, label maps to inode counts, and the
 * summary of a generation's changes. Each output is checked in full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_diff.h"
#include "unit.h"

/* ---- helpers ---- */

static char *out;
static size_t outlen;

static FILE *capture(void)
{
	FILE *f = open_memstream(&out, &outlen);

	if (!f)
		abort();
	return f;
}

/* What was written to f since capture(), until the next captured(). */
static const char *captured(FILE *f)
{
	static char text[4096];

	fclose(f);
	snprintf(text, sizeof(text), "%s", out);
	free(out);
	out = NULL;
	return text;
}

static void names_set(pdiff_names n, const char *const *v)
{
	unsigned i;

	memset(n, 0, sizeof(pdiff_names));
	for (i = 0; v[i] && i < AF_MAX_LABELS; i++)
		snprintf(n[i], AF_LABEL_NAME_MAX, "%s", v[i]);
}

static struct policy *load(const char *yaml)
{
	static const struct policy_opts nofs = { .no_fs = true };
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	if (policy_load_buffer("test.yaml", yaml, strlen(yaml), &nofs, &p, &errs)) {
		policy_errors_print(&errs, stdout);
		unit_failed = 1;
	}
	policy_errors_clear(&errs);
	return p;
}

/* The +/-/~ lines from policy was (NULL: none) to now. */
static const char *paths_diff(const struct policy *was, const struct policy *now,
			      struct pdiff_path_counts *c)
{
	struct pdiff_path *a = NULL, *b = NULL;
	size_t na = was ? was->npaths : 0;
	FILE *f = capture();

	if (was)
		CHECK_INT(pdiff_policy_paths(was, &a), 0);
	CHECK_INT(pdiff_policy_paths(now, &b), 0);
	CHECK_INT(pdiff_paths(a, na, b, now->npaths, f, c), 0);
	pdiff_paths_free(a, na);
	pdiff_paths_free(b, now->npaths);
	return captured(f);
}

#define E(d, i, l)	{ .key = { (d), (i) }, .val = { .labels = (l) } }

/* ---- label masks ---- */

TEST(labels_by_name_sorted)
{
	static const char *const v[] = { "secret", "master-repository", "sensitive", "", "extra",
					 NULL };
	pdiff_names n;
	char buf[256];

	names_set(n, v);
	CHECK_STR(pdiff_labels_str(n, 0, buf, sizeof(buf)), "");
	CHECK_STR(pdiff_labels_str(n, 1u << 0, buf, sizeof(buf)), "secret");
	/* sorted by name, not by id: ids differ between generations */
	CHECK_STR(pdiff_labels_str(n, 0x17, buf, sizeof(buf)),
		  "extra,master-repository,secret,sensitive");
	/* the archfence label and ids no label holds are not policy labels */
	CHECK_STR(pdiff_labels_str(n, (1u << AF_SELF_LABEL) | (1u << 3) | (1u << 9) | 1u, buf,
				   sizeof(buf)), "secret");
	/* a short buffer is cut, never overrun */
	CHECK_STR(pdiff_labels_str(n, 0x17, buf, 8), "extra,m");
}

/* ---- paths ---- */

TEST(paths_added_removed_changed_sorted)
{
	struct policy *a = load("labels:\n"
				"  extra: {read: deny, write: deny, send: deny}\n"
				"paths:\n"
				"  /srv/z: secret\n"
				"  /srv/b: [secret, extra]\n"
				"  /srv/same: sensitive\n"
				"  /srv/gone: master-repository\n");
	struct policy *b = load("paths:\n"
				"  /srv/same: sensitive\n"
				"  /srv/b: secret\n"
				"  /srv/new: [sensitive, master-repository]\n"
				"  /srv/z: master-repository\n");
	struct pdiff_path_counts c;

	if (!a || !b)
		goto out;
	CHECK_STR(paths_diff(a, b, &c),
		  "~ /srv/b: extra,secret -> secret\n"
		  "- /srv/gone = master-repository\n"
		  "+ /srv/new = master-repository,sensitive\n"
		  "~ /srv/z: secret -> master-repository\n");
	CHECK_INT(c.added, 1);
	CHECK_INT(c.removed, 1);
	CHECK_INT(c.changed, 2);
	/* the other way round: the signs and arrows turn */
	CHECK_STR(paths_diff(b, a, &c),
		  "~ /srv/b: secret -> extra,secret\n"
		  "+ /srv/gone = master-repository\n"
		  "- /srv/new = master-repository,sensitive\n"
		  "~ /srv/z: master-repository -> secret\n");
out:
	policy_free(a);
	policy_free(b);
}

TEST(paths_same_labels_other_ids_unchanged)
{
	/* extra and local swap ids between the two; the paths keep their names */
	struct policy *a = load("labels:\n"
				"  extra: {read: deny, write: deny, send: deny}\n"
				"  local: {read: audit, write: audit, send: deny}\n"
				"paths:\n"
				"  /x: [local, extra]\n"
				"  /y: local\n");
	struct policy *b = load("labels:\n"
				"  local: {read: audit, write: audit, send: deny}\n"
				"  extra: {read: deny, write: deny, send: deny}\n"
				"paths:\n"
				"  /y: [local]\n"
				"  /x: [extra, local]\n");
	struct pdiff_path_counts c;

	if (!a || !b)
		goto out;
	CHECK(a->paths[1].labels != b->paths[0].labels); /* the ids do differ */
	CHECK_STR(paths_diff(a, b, &c), "");
	CHECK_INT(c.added + c.removed + c.changed, 0);
out:
	policy_free(a);
	policy_free(b);
}

TEST(paths_label_moved_is_minus_and_plus)
{
	struct policy *a = load("paths:\n  /srv/old-place: secret\n");
	struct policy *b = load("paths:\n  /srv/new-place: secret\n");
	struct pdiff_path_counts c;

	if (!a || !b)
		goto out;
	CHECK_STR(paths_diff(a, b, &c), "+ /srv/new-place = secret\n- /srv/old-place = secret\n");
	CHECK_INT(c.added, 1);
	CHECK_INT(c.removed, 1);
	CHECK_INT(c.changed, 0);
out:
	policy_free(a);
	policy_free(b);
}

TEST(paths_all_new_utf8_as_is)
{
	struct policy *b = load("paths:\n"
				"  \"/srv/档案/机密\": secret\n"
				"  /srv/b: sensitive\n"
				"  \"/srv/with space\": secret\n"
				"  /srv/Ärchiv: master-repository\n");
	struct pdiff_path_counts c;

	if (!b)
		return;
	/* byte order: UTF-8 after ASCII, in code point order */
	CHECK_STR(paths_diff(NULL, b, &c),
		  "+ /srv/b = sensitive\n"
		  "+ /srv/with space = secret\n"
		  "+ /srv/Ärchiv = master-repository\n"
		  "+ /srv/档案/机密 = secret\n");
	CHECK_INT(c.added, 4);
	CHECK_INT(c.removed + c.changed, 0);
	policy_free(b);
}

TEST(paths_empty_lists)
{
	struct pdiff_path_counts c = { 1, 1, 1 };
	struct pdiff_path one = { "/p", "secret" };
	FILE *f = capture();

	CHECK_INT(pdiff_paths(NULL, 0, NULL, 0, f, &c), 0);
	CHECK_STR(captured(f), "");
	CHECK_INT(c.added + c.removed + c.changed, 0);
	f = capture();
	CHECK_INT(pdiff_paths(&one, 1, NULL, 0, f, &c), 0);
	CHECK_STR(captured(f), "- /p = secret\n");
	CHECK_INT(c.removed, 1);
}

/* ---- inodes ---- */

TEST(inodes_compared_by_name)
{
	/* was: secret 0, sensitive 1, extra 2; now: extra 0, secret 1, sensitive 2 */
	static const char *const wn[] = { "secret", "sensitive", "extra", NULL };
	static const char *const nn[] = { "extra", "secret", "sensitive", NULL };
	const struct af_label_entry was[] = {
		E(8, 10, 1u << 0),		/* secret, kept */
		E(8, 11, 1u << 1),		/* sensitive -> secret */
		E(8, 12, (1u << 0) | (1u << 2)),	/* secret,extra, kept */
		E(8, 13, 1u << 2),		/* extra, no longer labelled */
		E(8, 14, 1u << AF_SELF_LABEL),	/* archfence's own: not a policy label */
		E(8, 15, 0),			/* a trusted program */
	};
	const struct af_label_entry now[] = {
		E(8, 15, 0),
		E(8, 16, 1u << 2),		/* sensitive, new */
		E(8, 14, 1u << AF_SELF_LABEL),
		E(8, 12, (1u << 0) | (1u << 1)),
		E(8, 11, 1u << 1),
		E(8, 10, 1u << 1),
		E(AF_BLKDEV_DEV, 0x800001, 1u << 1),	/* a block device, new */
		E(9, 13, 1u << 0),		/* same ino, other device: new */
	};
	pdiff_names w, n;
	struct pdiff_inodes d;

	names_set(w, wn);
	names_set(n, nn);
	CHECK_INT(pdiff_inodes(was, 6, w, now, 8, n, &d), 0);
	CHECK_INT(d.before, 4);
	CHECK_INT(d.after, 6);
	CHECK_INT(d.added, 3);
	CHECK_INT(d.removed, 1);
	CHECK_INT(d.changed, 1);
}

TEST(inodes_label_renamed_is_a_change)
{
	/* the same id, another name: what it stands for changed */
	static const char *const wn[] = { "secret", "old", NULL };
	static const char *const nn[] = { "secret", "new", NULL };
	const struct af_label_entry v[] = { E(1, 1, 1u << 1), E(1, 2, 1u << 0), E(1, 3, 3) };
	pdiff_names w, n;
	struct pdiff_inodes d;

	names_set(w, wn);
	names_set(n, nn);
	CHECK_INT(pdiff_inodes(v, 3, w, v, 3, n, &d), 0);
	CHECK_INT(d.before, 3);
	CHECK_INT(d.after, 3);
	CHECK_INT(d.added + d.removed, 0);
	CHECK_INT(d.changed, 2);
	/* identical names: nothing */
	CHECK_INT(pdiff_inodes(v, 3, w, v, 3, w, &d), 0);
	CHECK_INT(d.added + d.removed + d.changed, 0);
}

TEST(inodes_nothing_before)
{
	static const char *const nn[] = { "secret", NULL };
	const struct af_label_entry now[] = { E(1, 1, 1), E(1, 2, 1u << AF_SELF_LABEL), E(1, 3, 1) };
	pdiff_names none, n;
	struct pdiff_inodes d;

	memset(none, 0, sizeof(none));
	names_set(n, nn);
	CHECK_INT(pdiff_inodes(NULL, 0, none, now, 3, n, &d), 0);
	CHECK_INT(d.before, 0);
	CHECK_INT(d.after, 2);
	CHECK_INT(d.added, 2);
	CHECK_INT(d.removed + d.changed, 0);
	CHECK_INT(pdiff_inodes(now, 3, n, NULL, 0, none, &d), 0);
	CHECK_INT(d.removed, 2);
	CHECK_INT(d.after, 0);
}

TEST(inodes_many_names_across_generations)
{
	/* 31 names before, 31 others after: 62 distinct names, none confused */
	struct af_label_entry v[AF_SELF_LABEL];
	pdiff_names w, n;
	struct pdiff_inodes d;
	int i;

	memset(w, 0, sizeof(w));
	memset(n, 0, sizeof(n));
	for (i = 0; i < AF_SELF_LABEL; i++) {
		snprintf(w[i], AF_LABEL_NAME_MAX, "was%d", i);
		snprintf(n[i], AF_LABEL_NAME_MAX, "now%d", i);
		v[i] = (struct af_label_entry)E(1, (__u64)i + 1, 1u << i);
	}
	CHECK_INT(pdiff_inodes(v, AF_SELF_LABEL, w, v, AF_SELF_LABEL, n, &d), 0);
	CHECK_INT(d.changed, AF_SELF_LABEL);
	strcpy(n[30], "was30");
	CHECK_INT(pdiff_inodes(v, AF_SELF_LABEL, w, v, AF_SELF_LABEL, n, &d), 0);
	CHECK_INT(d.changed, AF_SELF_LABEL - 1);
}

/* ---- the generation as a whole ---- */

static void gen_set(struct af_policy *pol, struct af_meta *m, const char *const *names)
{
	unsigned i;

	memset(pol, 0, sizeof(*pol));
	memset(m, 0, sizeof(*m));
	pol->gen = 1;
	pol->mode = AF_MODE_ENFORCE;
	for (i = 0; names[i]; i++)
		snprintf(m->labels[i], AF_LABEL_NAME_MAX, "%s", names[i]);
	pol->nlabels = i;
}

TEST(summary_no_change)
{
	static const char *const v[] = { "secret", "sensitive", NULL };
	struct af_policy p0, p1;
	struct af_meta m0, m1;
	FILE *f = capture();

	gen_set(&p0, &m0, v);
	gen_set(&p1, &m1, v);
	p0.deny[AF_OP_READ] = p1.deny[AF_OP_READ] = 1;
	m0.nroots = m1.nroots = 3;
	CHECK_INT(pdiff_summary(&p0, &m0, &p1, &m1, f), 0);
	CHECK_STR(captured(f), "");
}

TEST(summary_every_change)
{
	static const char *const was[] = { "secret", "sensitive", "gone", "", "kept", NULL };
	static const char *const now[] = { "kept", "secret", "fresh", NULL };
	struct af_policy p0, p1;
	struct af_meta m0, m1;
	FILE *f = capture();

	gen_set(&p0, &m0, was);
	gen_set(&p1, &m1, now);
	p0.mode = AF_MODE_AUDIT;
	/* secret: deny read and write before; read audit, write deny, send deny after */
	p0.deny[AF_OP_READ] = p0.deny[AF_OP_WRITE] = 1u << 0;
	p1.audit[AF_OP_READ] = 1u << 1;
	p1.deny[AF_OP_WRITE] = p1.deny[AF_OP_SEND] = 1u << 1;
	/* kept: audit read at id 4 before, at id 0 after: no change */
	p0.audit[AF_OP_READ] |= 1u << 4;
	p1.audit[AF_OP_READ] |= 1u << 0;
	m0.nroots = 2;
	m1.nroots = 3;
	m0.ntrusted = 1;
	m1.ntrusted = 2;
	m0.ncloud = m1.ncloud = 4;
	m0.flags = AF_META_LOCK;
	m1.flags = AF_META_SENDALL;
	CHECK_INT(pdiff_summary(&p0, &m0, &p1, &m1, f), 9);
	CHECK_STR(captured(f),
		  "mode: audit -> enforce\n"
		  "label secret: read deny -> audit, send allow -> deny\n"
		  "label added: fresh\n"
		  "label removed: sensitive\n"
		  "label removed: gone\n"
		  "labelled paths: 2 -> 3\n"
		  "trusted programs: 1 -> 2\n"
		  "send rules: cloud ranges only -> every destination\n"
		  "lock: yes -> no\n");
}

TEST(summary_flags_back)
{
	static const char *const v[] = { "secret", NULL };
	struct af_policy p0, p1;
	struct af_meta m0, m1;
	FILE *f = capture();

	gen_set(&p0, &m0, v);
	gen_set(&p1, &m1, v);
	m0.flags = AF_META_SENDALL;
	m1.flags = AF_META_LOCK;
	m0.ncloud = 2;
	CHECK_INT(pdiff_summary(&p0, &m0, &p1, &m1, f), 3);
	CHECK_STR(captured(f),
		  "cloud ranges: 2 -> 0\n"
		  "send rules: every destination -> cloud ranges only\n"
		  "lock: no -> yes\n");
}

UNIT_MAIN
