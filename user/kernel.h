/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side as the controller sees it: the programs, links and maps,
 * pinned under AF_PIN_DIR so that enforcement outlives the controller.
 */
#ifndef AF_KERNEL_H
#define AF_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "archfence.h"

enum af_map_id {
	AF_MAP_STATE,
	AF_MAP_EPOCH,
	AF_MAP_POLICY,
	AF_MAP_META,
	AF_MAP_LABELS,
	AF_MAP_TRUSTED,
	AF_MAP_CLOUD,
	AF_MAP_SOCK,
	AF_MAP_TASK,
	AF_MAP_DERIVED,
	AF_MAP_ICACHE,
	AF_MAP_EVENTS,
	AF_MAP_COUNTERS,
	AF_MAP_COALESCE,
	AF_MAP_OWN,
	AF_MAP_PENDING,
	AF_MAP_PENDING_PATH,
	AF_MAP_NR,
};

struct af_kernel;

/* One labelled inode of a generation. */
struct af_label_entry {
	struct af_inode_key key;
	struct af_label_val val;
};

/* One trusted program of a generation. */
struct af_trust_entry {
	struct af_trust_key key;
	struct af_trust val;
};

/* A name awaited in a directory, for pending paths. */
struct af_pending_entry {
	struct af_pending_key key;
	struct af_pending_val val;
};

/* One cloud destination range of a generation. */
struct af_cloud_entry {
	struct af_cloud_key key;
	struct af_cloud_val val;
};

/* Everything a generation is made of, built in full before it is applied. */
struct af_generation {
	struct af_policy policy;
	struct af_meta meta;
	struct af_label_entry *entries;
	size_t nentries;
	struct af_trust_entry *trusted;
	size_t ntrusted;
	struct af_cloud_entry *cloud;
	size_t ncloud;
	/* Labelled paths that do not exist yet: by id, and what is awaited for them. */
	struct af_pending_path pending_path[AF_MAX_PENDING];
	const char *pending_name[AF_MAX_PENDING];	/* the policy's strings */
	size_t npending;
	struct af_pending_entry *awaited;
	size_t nawaited;
	struct af_label_entry *derived;	/* labels derived before (a reboot ago, say) */
	size_t nderived;
	__u32 purge;		/* label ids whose meaning ends: cleared from derived labels */
};

/*
 * Open the pinned state if there is one (*k set, returns 0), or report that
 * there is none (-ENOENT). Any other error is logged.
 */
int kernel_open_pinned(struct af_kernel **k);

/*
 * The pinned state is another build's (kernel_open_pinned: -ESTALE): its
 * state, policy and record, when their layout is this build's. 0 or -errno.
 */
int kernel_peek_other_build(struct af_state *st, struct af_policy *pol, struct af_meta *meta);

/*
 * Swap the pinned build for this one without a gap: load and attach this
 * build beside it (both enforce), carry over what can be (derived labels,
 * process taint, counters), give the new pins the name, then remove the
 * old ones. -EPERM when locked.
 */
int kernel_takeover(struct af_kernel **k, struct af_generation *g);

/*
 * Load the programs and create the maps, write generation g, attach the
 * programs and pin everything: enforcement starts with g in force.
 */
int kernel_install(struct af_kernel **k, struct af_generation *g);

/*
 * Write g as the next generation and switch to it in one step. -EPERM when
 * archfence is locked.
 */
int kernel_apply(struct af_kernel *k, struct af_generation *g);

/*
 * What the kernel holds for one inode: its entry in the label map in force
 * (own) and its derived labels (derived); zeroes where there is none.
 */
int kernel_lookup(const struct af_kernel *k, const struct af_inode_key *key,
		  struct af_label_val *own, struct af_label_val *derived);

/* Run statistics of one program (kernel.bpf_stats_enabled must be 1 to count). */
struct af_prog_stat {
	char name[16];
	__u64 run_cnt;
	__u64 run_time_ns;
};

/* The statistics of archfence's programs: how many were written to out. */
int kernel_prog_stats(struct af_prog_stat *out, int max);

/* Lock until reboot: nothing may change any more. */
int kernel_lock(struct af_kernel *k);

int kernel_map_fd(const struct af_kernel *k, enum af_map_id id);

/* Whether the maps could only be opened for reading (archfence is locked). */
bool kernel_readonly(const struct af_kernel *k);

/* The state in force; gen 0 means no policy. */
int kernel_state(const struct af_kernel *k, struct af_state *st, struct af_policy *pol,
		 struct af_meta *meta);

/*
 * Record what coalescing still holds back for windows that have ended
 * (runs the pinned af_flush program). 0 or -errno.
 */
int kernel_flush(void);

/* Counters summed over CPUs. */
int kernel_counters(const struct af_kernel *k, __u64 out[AF_CNT_NR]);

/* Number of program links found pinned; *expected: programs in this build. */
int kernel_links(int *expected);

/*
 * The egress check on the interfaces: how many there are but loopback
 * (returned, or -errno when archfence is not loaded) and how many carry it.
 */
int kernel_egress(int *covered);

/* Put the egress check on interfaces that lack it (new ones); 0 or -errno. */
int kernel_egress_attach(void);

void kernel_close(struct af_kernel *k);

/* Detach everything and remove the pins. */
int kernel_unload(void);

/*
 * The LSM hooks this build attaches to that the running kernel lacks, as a
 * comma-separated list in buf: their number, or -errno.
 */
int kernel_missing_hooks(char *buf, size_t len);

/* Whether the running kernel can enforce, with a reason when not. */
int kernel_probe(char *why, size_t len);

/*
 * Non-zero while a caller expects libbpf to fail and says so itself (asking
 * an interface without a clsact qdisc for its filters, say): libbpf's
 * warnings are then left out unless -v.
 */
extern int kernel_libbpf_quiet;

#endif
