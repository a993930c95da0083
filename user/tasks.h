/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Processes as the kernel side sees them (task local storage, reached by
 * pidfd): the sinks already running when a policy is applied are marked,
 * and the tainted ones listed for status and explain.
 */
#ifndef AF_TASKS_H
#define AF_TASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kernel.h"
#include "policy.h"

/*
 * Mark the sinks of generation g that already run: PID 1, and every
 * process started by PID 1 (its parent) whose executable, and unit where
 * the sink names one, match. Their taint is cleared: a sink is never
 * tainted, and the Unix sockets they hold are theirs. Returns how many
 * were marked. task_fd, sock_fd: the af_task and af_sock maps.
 */
int tasks_mark_sinks(int task_fd, int sock_fd, const struct af_generation *g);

/* A process's state, as the kernel keeps it. */
struct task_info {
	pid_t pid;
	struct af_task t;
	char exe[256];
	char unit[128];
	char comm[32];
};

/*
 * The process pid's state: 0, -ENOENT (nothing kept for it: out says who it
 * is, with an empty state), -ESRCH (no such process) or -errno.
 */
int tasks_get(int task_fd, pid_t pid, struct task_info *out);

/*
 * Every tainted process (thread group leaders), in a new array (*out,
 * free() it) of *n. 0 or -errno.
 */
int tasks_tainted(int task_fd, struct task_info **out, size_t *n);

/* How a process came to be tainted, in words ("read /srv/x (inode 12 on 254:1)"). */
void tasks_taint_source(const struct af_task *t, char *buf, size_t len);

/* The unit of process pid from its cgroup ("" when none). */
void tasks_unit(pid_t pid, char *buf, size_t len);

/* The cgroup (v2) id of the cgroup process pid is in now; 0: unknown. */
__u64 tasks_cgroup_id(pid_t pid);

/* Why a trusted entry applies to a process. */
enum task_trust_why {
	TRUST_PROGRAM	= 1,	/* it runs the entry's exe (as a member of its unit, if named) */
	TRUST_UNIT	= 2,	/* it is a member of the entry's unit (an entry without exe) */
	TRUST_INHERITED	= 3,	/* it descends from the entry's exe, which says inherit */
};

struct task_trust {
	const struct policy_trusted *entry;
	enum task_trust_why why;
};

/*
 * The entries of policy p that apply to a process with state t, now in
 * cgroup cg (a member of its unit only while cg is the unit's cgroup), as
 * the kernel works them out: up to max into out, how many in all; grant
 * gets their grants per operation.
 */
size_t tasks_trust(const struct policy *p, const struct af_task *t, __u64 cg,
		   struct task_trust *out, size_t max, __u32 grant[AF_OP_COUNT]);

/* The unit of p (trusted entries', then sinks') whose name hashes to hash, or NULL. */
const char *tasks_unit_name(const struct policy *p, __u64 hash);

/* Label names of mask, from the generation's record ("secret,sensitive"). */
void tasks_labels(const struct af_meta *m, __u32 mask, char *buf, size_t len);

/* When a CLOCK_MONOTONIC time of the kernel's was, as local time. */
void tasks_mono_time(__u64 ns, char *buf, size_t len);

#endif
