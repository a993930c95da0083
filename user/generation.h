/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a validated policy to a complete map generation: label masks per
 * operation, every labelled inode (the roots the policy names, hard-linked
 * files and mounted file systems found under them, and the block devices
 * holding them), and the record that status shows.
 */
#ifndef AF_GENERATION_H
#define AF_GENERATION_H

#include "kernel.h"
#include "policy.h"

/* Build g from p; walks every labelled directory. Returns 0 or -errno (logged). */
int generation_build(const struct policy *p, struct af_generation *g);

void generation_free(struct af_generation *g);

/*
 * A second executable the generation recognises as the controller, beside
 * this one's: the new build that `archfence upgrade` is about to run.
 */
extern const char *generation_next_controller;

/* FNV-1a of a systemd unit name, as the kernel side computes it. */
__u64 af_unit_hash(const char *unit);

#endif
