/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What applying a policy would change against the one in force, for
 * `archfence apply --dry-run`. Labels are compared by name, never by id:
 * ids may differ between generations. The comparisons (policy_diff.c) are
 * pure, for the unit tests; the report (dry_run.c) reads the kernel.
 */
#ifndef AF_POLICY_DIFF_H
#define AF_POLICY_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel.h"
#include "policy.h"

/* The names of a generation's label ids; "" for an id no label holds. */
typedef char pdiff_names[AF_MAX_LABELS][AF_LABEL_NAME_MAX];

/*
 * The names of mask's labels, sorted, comma-separated, into buf ("" for
 * none); the archfence label and unnamed ids are left out. Returns buf.
 */
const char *pdiff_labels_str(const pdiff_names names, uint32_t mask, char *buf, size_t len);

/* One labelled path and its label names as pdiff_labels_str writes them. */
struct pdiff_path {
	const char *path;
	const char *labels;
};

struct pdiff_path_counts {
	size_t added, removed, changed;
};

/*
 * Print "+ PATH = LABELS" (only in now), "- PATH = LABELS" (only in was) and
 * "~ PATH: WAS -> NOW" (labels differ), sorted by path (bytes, so UTF-8 in
 * code point order). Either list may be in any order; neither is changed.
 * 0, or -ENOMEM.
 */
int pdiff_paths(const struct pdiff_path *was, size_t nwas, const struct pdiff_path *now,
		size_t nnow, FILE *out, struct pdiff_path_counts *c);

/* The names of a generation's first nlabels ids, as its record holds them. */
void pdiff_meta_names(const struct af_meta *m, unsigned nlabels, pdiff_names names);

/* The labelled paths of p: *out and each labels string are to be freed. */
int pdiff_policy_paths(const struct policy *p, struct pdiff_path **out);
void pdiff_paths_free(struct pdiff_path *v, size_t n);

/* Inodes (and block devices) carrying a policy label, before and after. */
struct pdiff_inodes {
	size_t before, after;
	size_t added;		/* labelled after, not before */
	size_t removed;		/* labelled before, not after */
	size_t changed;		/* labelled both times, with other label names */
};

/*
 * Compare two label maps, each entry's mask read with its own generation's
 * names; the archfence label is not a policy label and is ignored, so are
 * entries left without any (trusted programs). 0, or -ENOMEM.
 */
int pdiff_inodes(const struct af_label_entry *was, size_t nwas, const pdiff_names was_names,
		 const struct af_label_entry *now, size_t nnow, const pdiff_names now_names,
		 struct pdiff_inodes *d);

/*
 * Print one line per change of the generation as a whole: mode, labels
 * added or removed, actions of labels kept, labelled paths, trusted
 * programs and cloud ranges counts, lock and send rules. Returns the number
 * of lines.
 */
unsigned pdiff_summary(const struct af_policy *was_pol, const struct af_meta *was_meta,
		       const struct af_policy *now_pol, const struct af_meta *now_meta, FILE *out);

/*
 * dry_run.c: the whole report for a dry run of file (p, g built from it)
 * against the policy in force, read through k, or through the pins when k is
 * NULL. Reads only: changes nothing.
 */
void policy_diff_print(const char *file, const struct policy *p, const struct af_generation *g,
		       const struct af_kernel *k, FILE *out);

#endif
