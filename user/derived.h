/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Labels the kernel derived (a file moved or linked out of a labelled tree,
 * a copy written by a tainted process) live in a map that a reboot empties.
 * The controller keeps a record of each, as JSON lines in AF_DERIVED_FILE:
 * the file's handle (which follows it through renames), its path, its label
 * names and who labelled it, and gives the labels back at the next install.
 * The directory carries archfence's own label: only the controller writes it.
 */
#ifndef AF_DERIVED_H
#define AF_DERIVED_H

#include <stddef.h>

#include "events.h"
#include "kernel.h"
#include "policy.h"

#define AF_STATE_DIR		"/var/lib/archfence"
#define AF_DERIVED_FILE		AF_STATE_DIR "/derived"

/* Record a LABELLED event. Returns 0 or -errno (logged). */
int derived_record(const struct event_view *v);

/* Where the derived label of an inode came from. */
struct derived_origin {
	char time[40];
	char comm[32];
	char exe[4096];
	char path[4096];	/* the file's path when it was labelled */
	char labels[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	unsigned pid;
	unsigned uid;
};

/* The latest record for dev:ino (kernel encoding): 0, or -ENOENT. */
int derived_origin(__u64 dev, __u64 ino, struct derived_origin *o);

/*
 * The recorded files that still exist, with their labels as ids of p (names
 * p no longer defines are dropped): *out gets n entries flagged
 * AF_LV_DERIVED. The file is rewritten with what is still there, merged by
 * inode. No file: 0 entries. Returns 0 or -errno (logged).
 */
int derived_restore(const struct policy *p, struct af_label_entry **out, size_t *n);

#endif
