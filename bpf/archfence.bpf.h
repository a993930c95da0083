/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every archfence program shares: the maps (defined once, in
 * maps.bpf.c, and declared extern everywhere else) and the small helpers that
 * read the policy in force, tell what a process may do and emit events.
 */
#ifndef ARCHFENCE_BPF_H
#define ARCHFENCE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "archfence.h"

#define EACCES		13
#define EPERM		1
#define ENOMEM		12

#define FMODE_READ	0x1
#define FMODE_WRITE	0x2
#define FMODE_EXEC	0x20
#define O_TRUNC_FLAG	01000
#define MAY_WRITE	0x2
#define MAY_READ	0x4
#define MAY_APPEND	0x8
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define MAP_SHARED	0x01
#define PTRACE_MODE_ATTACH_FLAG	0x02	/* attach, /proc/PID/mem, process_vm_readv */
#define VM_SHARED	0x08
#define S_IFMT		00170000
#define S_IFDIR		0040000
#define S_IFBLK		0060000
#define S_IFREG		0100000
#define S_IFIFO		0010000
#define S_IFSOCK	0140000

#ifdef AF_DEFINE_MAPS
#define AF_MAP
#else
#define AF_MAP extern
#endif

/* The generation in force; written by the controller only. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct af_state);
} af_state SEC(".maps");

/*
 * Bumped by the programs whenever a rename or link changes the labels of a
 * directory's subtree, so that every cached label is looked up again. Kept
 * apart from af_state so that neither side overwrites the other's update.
 */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} af_epoch SEC(".maps");

/* Two policy slots: the one in force (gen & 1) and the one being written. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct af_policy);
} af_policy SEC(".maps");

/* The controller's record of each slot; the programs never read it. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct af_meta);
} af_meta SEC(".maps");

struct af_label_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct af_inode_key));
	__uint(value_size, sizeof(struct af_label_val));
};

struct af_trust_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct af_trust_key));
	__uint(value_size, sizeof(struct af_trust));
};

/* Trusted programs of each slot, swapped in with the labels. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct af_trust_map);
} af_trusted SEC(".maps");

/* What each process runs and has read. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct af_task);
} af_task SEC(".maps");

struct af_cloud_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct af_cloud_key));
	__uint(value_size, sizeof(struct af_cloud_val));
};

/* Cloud destinations of each slot, swapped in with the labels. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct af_cloud_map);
} af_cloud SEC(".maps");

/* Unix sockets: the taint tainted senders queued, and whether a sink reads them. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct af_sock_state);
} af_sock SEC(".maps");

/* Flows tainted processes sent into (see struct af_flow_key). */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct af_flow_key);
	__type(value, __u32);
} af_flows SEC(".maps");

/* Whether any flow was ever recorded: receivers skip the lookup until then. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} af_flows_used SEC(".maps");

/* Labelled inodes of each slot: a new map per generation, swapped in whole. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct af_label_map);
} af_labels SEC(".maps");

/*
 * Labels the programs derived themselves (a labelled file moved or linked
 * out of its tree keeps its label). They outlive generations.
 */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct af_inode_key);
	__type(value, struct af_label_val);
} af_derived SEC(".maps");

/* Labelled paths that do not exist yet (see struct af_pending_key). */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct af_pending_key);
	__type(value, struct af_pending_val);
} af_pending SEC(".maps");

AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AF_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct af_pending_path);
} af_pending_path SEC(".maps");

/* The label of every inode looked at, stamped with generation and epoch. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct af_inode_cache);
} af_icache SEC(".maps");

/*
 * Pipes and FIFOs tainted data went into, by the pipe's inode (its address):
 * read at the exit of pipe_read and by the splice family, where inode
 * storage is not open (tracing programs).
 */
struct pipe_taint {
	__u32 taint;
	__u32 from;		/* the last tainted writer's tgid */
};

AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct pipe_taint);
} af_pipes SEC(".maps");

/*
 * The pipe whose inode is at key carries taint from now on (the current
 * process put it there). 0, or -ENOMEM when that cannot be recorded.
 */
static __always_inline int af_pipe_mark(__u64 key, __u32 taint)
{
	struct pipe_taint npt = { .taint = taint, .from = bpf_get_current_pid_tgid() >> 32 };
	struct pipe_taint *pt = bpf_map_lookup_elem(&af_pipes, &key);

	if (!pt) {
		if (!bpf_map_update_elem(&af_pipes, &key, &npt, BPF_NOEXIST))
			return 0;
		pt = bpf_map_lookup_elem(&af_pipes, &key); /* made meanwhile on another CPU */
		if (!pt)
			return -ENOMEM;
	}
	if ((pt->taint & taint) != taint)
		__sync_fetch_and_or(&pt->taint, taint);
	pt->from = npt.from;
	return 0;
}

/*
 * A splice into a pipe in progress, in the splicing thread's storage: the
 * pipe's inode (0: none). A process that gains taint while it splices (the
 * labelled file or socket it splices from is read inside the splice) gives
 * it to the pipe before the data goes in. af_splicing_n counts the splices
 * in progress, so that a taint needs no lookup while nobody splices.
 */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} af_splicing SEC(".maps");

AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} af_splicing_n SEC(".maps");

AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} af_events SEC(".maps");

AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AF_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} af_counters SEC(".maps");

AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AF_COALESCE_MAX);
	__type(key, struct af_coalesce_key);
	__type(value, struct af_coalesce_val);
} af_coalesce SEC(".maps");

/* A new coalescing entry is made here (per CPU), off the programs' small stacks. */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct af_coalesce_val);
} af_coalesce_new SEC(".maps");


/*
 * archfence's own maps, programs and links, by AF_OWN_KEY(kind, id): only
 * the controller may touch them. (Maps, programs and links number apart.)
 */
AF_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} af_own SEC(".maps");

/* The policy in force and its label map, or NULL before the first apply. */
struct af_ctx {
	struct af_policy *pol;
	void *labels;
	void *trusted;
	void *cloud;
	__u32 gen;
	__u32 epoch;
	__u32 flags;		/* struct af_state's */
};

#define AF_SELF_BIT	(1u << AF_SELF_LABEL)

/*
 * The generation in force and the epoch: all that a hook needs to use a
 * label cached on an inode. The policy and its maps (af_ctx_maps) are
 * fetched only when a label has to be worked out or a decision made.
 */
static __always_inline int af_ctx_state(struct af_ctx *c)
{
	__u32 zero = 0;
	struct af_state *st;
	__u32 *ep;

	st = bpf_map_lookup_elem(&af_state, &zero);
	ep = bpf_map_lookup_elem(&af_epoch, &zero);
	if (!st || !ep || !st->gen)
		return -1;
	/* Read the epoch first: a label computed now is stamped with it. */
	c->epoch = *(volatile __u32 *)ep;
	c->gen = st->gen;
	c->flags = st->flags;
	c->pol = NULL;
	c->labels = c->trusted = c->cloud = NULL;
	return 0;
}

/* The policy of the generation af_ctx_state found, and its maps. */
static __always_inline int af_ctx_maps(struct af_ctx *c)
{
	__u32 slot = c->gen & 1;

	c->pol = bpf_map_lookup_elem(&af_policy, &slot);
	c->labels = bpf_map_lookup_elem(&af_labels, &slot);
	c->trusted = bpf_map_lookup_elem(&af_trusted, &slot);
	c->cloud = bpf_map_lookup_elem(&af_cloud, &slot);
	if (!c->pol || !c->labels || !c->trusted || !c->cloud)
		return -1;
	return 0;
}

/* The policy and its maps, unless already at hand. */
static __always_inline int af_ctx_need(struct af_ctx *c)
{
	if (c->pol && c->labels && c->trusted && c->cloud)
		return 0;
	return af_ctx_maps(c);
}

/*
 * The policy in force without its maps: what a decision on labels already
 * worked out needs (af_action, taint, records). -1 before the first apply.
 */
static __always_inline int af_ctx_policy(struct af_ctx *c)
{
	__u32 slot;

	if (af_ctx_state(c))
		return -1;
	slot = c->gen & 1;
	c->pol = bpf_map_lookup_elem(&af_policy, &slot);
	return c->pol ? 0 : -1;
}

/* Both: the policy in force, or -1 before the first apply. */
static __always_inline int af_ctx_get(struct af_ctx *c)
{
	if (af_ctx_state(c) || af_ctx_maps(c))
		return -1;
	/* Mode off still runs: archfence's own files stay protected. */
	return 0;
}

static __always_inline void af_count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&af_counters, &idx);

	if (v)
		*v += n;
}

struct count_ctx {
	__u32 m;		/* labels not counted yet */
	__u32 op, action;
};

/* The number of bits set in v, without branches. */
static __always_inline __u32 af_popcount(__u32 v)
{
	v = v - ((v >> 1) & 0x55555555);
	v = (v & 0x33333333) + ((v >> 2) & 0x33333333);
	return (((v + (v >> 4)) & 0x0f0f0f0f) * 0x01010101) >> 24;
}

/* Count the lowest label left; bpf_loop's callback, verified once. */
static long count_label(__u32 i, void *data)
{
	struct count_ctx *cc = data;
	/* the lowest bit's index: the bits below it */
	__u32 l = af_popcount((cc->m & -cc->m) - 1);

	af_count(AF_CNT_LABEL(l & 31, cc->op, cc->action), 1);
	cc->m &= cc->m - 1;
	return 0;
}

/* One decision: into the totals and the per-label counters, one per label present. */
static __always_inline void af_count_decision(__u32 op, __u32 action, __u32 labels)
{
	struct count_ctx cc = { .m = labels, .op = op, .action = action };

	af_count(AF_CNT_INDEX(op, action), 1);
	if (!labels)
		return;
	/* The common case, one label: its index is the number of bits below it. */
	if (!(labels & (labels - 1))) {
		af_count(AF_CNT_LABEL(af_popcount(labels - 1) & 31, op & (AF_OP_COUNT - 1), action & 3), 1);
		return;
	}
	bpf_loop(af_popcount(labels) & 63, count_label, &cc, 0);
}

/*
 * Whether an access should be recorded now, and for how many accesses the
 * record stands: the first of its key at once, repeats at the end of their
 * window (see AF_COALESCE_NS).
 */
static __always_inline __u32 af_coalesce_take(struct af_coalesce_key *k, __u32 labels)
{
	struct af_coalesce_val *v, *nv;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;

	v = bpf_map_lookup_elem(&af_coalesce, k);
	if (!v) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);

		nv = bpf_map_lookup_elem(&af_coalesce_new, &zero);
		if (!nv)
			return 1;
		nv->start_ns = now;
		nv->pending = 0;
		nv->labels = labels;
		nv->uid = (__u32)bpf_get_current_uid_gid();
		nv->loginuid = BPF_CORE_READ(task, loginuid.val);
		nv->cgroup_id = bpf_get_current_cgroup_id();
		nv->exe_dev = exe ? BPF_CORE_READ(exe, i_sb, s_dev) : 0;
		nv->exe_ino = exe ? BPF_CORE_READ(exe, i_ino) : 0;
		bpf_get_current_comm(nv->comm, sizeof(nv->comm));
		bpf_map_update_elem(&af_coalesce, k, nv, BPF_ANY);
		return 1;
	}
	if (now - v->start_ns < AF_COALESCE_NS) {
		__sync_fetch_and_add(&v->pending, 1);
		return 0;
	}
	v->start_ns = now;
	return __sync_lock_test_and_set(&v->pending, 0) + 1;
}

/*
 * A dentry's path from its file system's root, written backwards from the
 * leaf into buf[pos..CAP] so that a path too long loses its top, not its
 * name. buf holds 2 * (CAP + 1) bytes, so that the verifier can bound every
 * copy with the mask CAP. One walk per buffer size: the verifier needs the
 * mask as a constant.
 */
struct path_walk {
	char *buf;
	__u32 *flags;		/* AF_EVF_TRUNC (or AF_EVF_EXE_TRUNC) is set here when the top is lost */
	struct dentry *d;	/* untyped: only read with bpf_probe_read_kernel */
	__u32 pos;		/* the path so far starts at buf[pos] */
	__u32 trunc;		/* the flag to set */
};

#define AF_PATH_WALK(step, walk, CAP)							\
/* Prepend one component; bpf_loop's callback. */					\
static long step(__u32 i, void *data)							\
{											\
	struct path_walk *w = data;							\
	struct dentry *d = w->d, *parent = BPF_CORE_READ(d, d_parent);			\
	const unsigned char *name;							\
	__u32 len;									\
											\
	if (!parent || parent == d)							\
		return 1;								\
	len = BPF_CORE_READ(d, d_name.len);						\
	if (len + 1 > w->pos) {								\
		*w->flags |= w->trunc;							\
		return 1;								\
	}										\
	name = BPF_CORE_READ(d, d_name.name);						\
	w->pos -= len;									\
	bpf_probe_read_kernel(&w->buf[w->pos & (CAP)], len & (CAP), name);		\
	w->pos -= 1;									\
	w->buf[w->pos & (CAP)] = '/';							\
	w->d = parent;									\
	return 0;									\
}											\
											\
/* Returns where the path starts in buf; buf[CAP] is its end. */			\
static __always_inline __u32 walk(char *buf, __u32 *flags, __u32 trunc,		\
				  struct dentry *dentry)				\
{											\
	struct path_walk w = { .buf = buf, .flags = flags, .d = dentry, .pos = (CAP),	\
			       .trunc = trunc };					\
											\
	buf[CAP] = 0;									\
	bpf_loop(AF_PATH_DEPTH, step, &w, 0);						\
	if (w.pos == (CAP)) {								\
		/* the root itself */							\
		w.pos = (CAP) - 1;							\
		buf[(CAP) - 1] = '/';							\
	}										\
	return w.pos;									\
}

AF_PATH_WALK(path_step, walk_path, AF_PATH_CAP)
AF_PATH_WALK(exe_step, walk_exe, AF_EXE_CAP)

/*
 * A new event about the current process, or NULL when none is due now
 * (coalesced) or the ring buffer is full (then counted as lost, never
 * dropped silently).
 */
static __always_inline struct af_event *af_event_new_x(const struct af_ctx *c, __u32 kind,
						     __u32 op, __u32 action, __u32 labels,
						     __u64 obj1, __u64 obj2,
						       bool with_exe)
{
	struct af_coalesce_key ck = { .obj1 = obj1, .obj2 = obj2, .op = (__u16)op,
				      .action = (__u8)action, .kind = (__u8)kind };
	struct task_struct *task = bpf_get_current_task_btf();
	struct af_event *ev;
	struct inode *exe;
	__u32 count;
	__u64 id;

	id = bpf_get_current_pid_tgid();
	ck.tgid = id >> 32;
	count = af_coalesce_take(&ck, labels);
	if (!count)
		return NULL;
	ev = bpf_ringbuf_reserve(&af_events, sizeof(*ev), 0);
	if (!ev) {
		af_count(AF_CNT_LOST, count);
		return NULL;
	}
	ev->time_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->pid = (__u32)id;
	ev->tgid = id >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->loginuid = BPF_CORE_READ(task, loginuid.val);
	exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	ev->exe_dev = exe ? BPF_CORE_READ(exe, i_sb, s_dev) : 0;
	ev->exe_ino = exe ? BPF_CORE_READ(exe, i_ino) : 0;
	ev->kind = kind;
	ev->op = op;
	ev->action = action;
	ev->labels = labels;
	ev->count = count;
	ev->flags = 0;
	ev->policy_gen = c->gen;
	ev->dev = obj1;
	ev->ino = obj2;
	ev->dport = 0;
	ev->family = 0;
	__builtin_memset(ev->daddr, 0, sizeof(ev->daddr));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path_off = 0;
	ev->path[0] = 0;
	ev->exe_off = 0;
	ev->exe[0] = 0;
	if (exe && with_exe) {
		/* Named at once: a short-lived program is gone by the time it is read. */
		struct dentry *xd = BPF_CORE_READ(task, mm, exe_file, f_path.dentry);

		if (xd)
			ev->exe_off = walk_exe(ev->exe, &ev->flags, AF_EVF_EXE_TRUNC, xd);
	}
	return ev;
}

/*
 * An event naming the program by its path (af_event_new), or by its inode
 * only (af_event_new_x(..., false): for the records made deep in a call
 * chain, whose 512 bytes of stack the path's walk would overrun; the
 * controller names the program from what it learnt before).
 */
#define af_event_new(c, kind, op, action, labels, obj1, obj2) \
	af_event_new_x(c, kind, op, action, labels, obj1, obj2, true)

/*
 * What a process carries lives with its thread group leader: every thread
 * of the process shares it, those created before a read included, and so
 * do the kernel workers acting for it (io_uring's io-wq and SQPOLL threads
 * belong to its thread group).
 */
static __always_inline struct task_struct *af_proc(struct task_struct *task)
{
	return task->group_leader;
}

static __always_inline struct af_task *af_task_of_current(void)
{
	return bpf_task_storage_get(&af_task, af_proc(bpf_get_current_task_btf()), 0, 0);
}

static __always_inline struct af_task *af_task_of_current_new(void)
{
	return bpf_task_storage_get(&af_task, af_proc(bpf_get_current_task_btf()), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* The labels of the data the current process has read (0: untainted). */
static __always_inline __u32 af_taint_of_current(void)
{
	struct af_task *t = af_task_of_current();

	return t ? t->taint : 0;
}

/*
 * Whether the current process is a sink, as AF_TASK_SINK* flags with its
 * id (0: not a sink). PID 1 always is, whatever its storage says: it
 * receives from every service.
 */
static __always_inline __u32 af_sink_of(const struct af_task *t)
{
	if ((bpf_get_current_pid_tgid() >> 32) == 1)
		return AF_TASK_SINK | (AF_SINK_PID1 << AF_LV_SINK_SHIFT);
	if (t && (t->flags & AF_TASK_SINK))
		return t->flags & (AF_TASK_SINK | AF_TASK_SINK_REFUSE | (0xffu << AF_LV_SINK_SHIFT));
	return 0;
}

/*
 * Tainted data reached a sink: record it, coalesced per (process, other
 * process, sink). At the sink (at_sink), other is the tainted sender as far
 * as it is known; otherwise the current process is the sender and other 0.
 * refuse: the sink's policy refuses tainted data (only when enforcing).
 * Returns what the sender gets: 0 or -EACCES. A global function (maps.bpf.c),
 * verified once rather than inline at every call.
 */
int af_sink_record_g(__u32 sink, __u32 labels, __u32 other, __u32 at_sink, __u32 refuse);

/*
 * A kernel pointer as a plain number, for a global function's argument
 * (which takes scalars only); the callee reads through it with
 * bpf_probe_read_kernel alone.
 */
static __always_inline __u64 af_addr(const void *p)
{
	const void *slot = p;
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &slot);
	return v;
}

/* A global function's result, as the verifier must see an LSM hook's: 0 or -errno. */
static __always_inline int af_errno(int r)
{
	if (r >= 0)
		return 0;
	if (r == -EPERM)
		return -EPERM;
	if (r == -ENOMEM)
		return -ENOMEM;
	return -EACCES;
}

static __always_inline int af_sink_record(__u32 sink, __u32 labels, __u32 other, __u32 at_sink,
					  __u32 refuse)
{
	return af_errno(af_sink_record_g(sink, labels, other, at_sink, refuse));
}

/*
 * If the current thread is splicing into a pipe, the pipe carries taint
 * from now on, before the data goes in. 0, or -ENOMEM when that cannot be
 * recorded. Global, in maps.bpf.c.
 */
int af_splice_mark_g(__u32 taint);

static __always_inline int af_splice_mark(__u32 taint)
{
	__u32 zero = 0;
	__s64 *n = bpf_map_lookup_elem(&af_splicing_n, &zero);

	if (n && *n > 0)
		return af_splice_mark_g(taint);
	return 0;
}

/*
 * The current process has read data carrying labels, from src (AF_SRC_*;
 * a and b say more): it and its future children carry them too. A sink
 * is never tainted: the crossing is recorded instead (other: the sender's
 * tgid, when known). 0, or -ENOMEM when the taint cannot be recorded (the
 * caller then refuses the read: an untracked taint would be a leak).
 */
static __always_inline int af_taint_from(__u32 labels, __u32 src, __u64 a, __u64 b)
{
	struct af_task *t;
	__u32 sink;

	if (!labels)
		return 0;
	t = af_task_of_current();
	sink = af_sink_of(t);
	if (sink) {
		if (src != AF_SRC_FILE)
			af_sink_record(sink, labels, (__u32)a, true, false);
		return 0;
	}
	/*
	 * A traced process would hand what it reads to its tracer, whom no
	 * hook sees read it: it may not read labelled data at all.
	 */
	if (bpf_get_current_task_btf()->ptrace)
		return -EACCES;
	if (!t)
		t = af_task_of_current_new();
	if (!t)
		return -ENOMEM;
	if ((t->taint & labels) != labels) {
		if (!t->taint_ns) {
			t->taint_ns = bpf_ktime_get_ns();
			t->taint_src = src;
			t->src_a = a;
			t->src_b = b;
		}
		__sync_fetch_and_or(&t->taint, labels);
		if (af_splice_mark(t->taint))
			return -ENOMEM; /* the pipe would not carry it */
	}
	return 0;
}

/*
 * The current process is tainted and tried to hand data on by a way that
 * does not carry taint: refused and recorded (in audit mode, recorded only).
 * err: the errno the caller returns, negative. Global, in maps.bpf.c.
 */
int af_confined_g(__u32 what, __u64 detail, int err);

static __always_inline int af_confined(__u32 what, __u64 detail, int err)
{
	/* The common case, an untainted process, decided without a call. */
	if (!af_taint_of_current())
		return 0;
	return af_errno(af_confined_g(what, detail, err));
}

/*
 * File systems that hold data: everything but the kernel's own pseudo
 * file systems. Only regular files and directories on these take derived
 * labels; writes elsewhere (cgroupfs, /proc, sysfs, ...) are not judged by
 * the writer's taint.
 */
static __always_inline bool af_data_fs(struct inode *inode)
{
	unsigned long magic = inode->i_sb->s_magic;

	switch (magic) {
	case 0x9fa0:		/* proc */
	case 0x62656572:	/* sysfs */
	case 0x27e0eb:		/* cgroup */
	case 0x63677270:	/* cgroup2 */
	case 0xcafe4a11:	/* bpf */
	case 0x64626720:	/* debugfs */
	case 0x74726163:	/* tracefs */
	case 0x73636673:	/* securityfs */
	case 0x62656570:	/* configfs */
	case 0x1cd1:		/* devpts */
	case 0x50495045:	/* pipefs */
	case 0x534f434b:	/* sockfs */
	case 0x6e736673:	/* nsfs */
	case 0x09041934:	/* anon inodes */
	case 0x19800202:	/* mqueue */
	case 0x42494e4d:	/* binfmt_misc */
	case 0x6165676c:	/* pstore */
	case 0xde5e81e4:	/* efivarfs */
	case 0xf97cff8c:	/* selinuxfs */
	case 0x43415d53:	/* smackfs */
	case 0x65735543:	/* fusectl */
	case 0x0187:		/* autofs */
	case 0x62646576:	/* bdev */
		return false;
	}
	return true;
}

/* A regular file or directory on a data file system: one that can carry derived labels. */
static __always_inline bool af_holds_data(struct inode *inode)
{
	__u32 mode = inode->i_mode & S_IFMT;

	return (mode == S_IFREG || mode == S_IFDIR) && af_data_fs(inode);
}

/* Whether the current process runs the archfence controller (since its execve). */
static __always_inline bool af_is_controller(void)
{
	struct af_task *t = af_task_of_current();

	return t && (t->flags & AF_TASK_CONTROLLER);
}

/*
 * Work out the current process's grants anew (task.bpf.c): for the program
 * it runs, for its unit while it is a member, and inherited from the
 * trusted program it descends from. A global function, verified once.
 */
int af_grants_g(__u64 cg);

/*
 * The labels the current process may bypass for op: those the policy grants
 * to the program it runs, its unit and the trusted program it descends
 * from, worked out once per generation and cgroup (membership of a unit
 * holds only while the process is in the unit's own cgroup).
 */
static __always_inline __u32 af_grant(const struct af_ctx *c, __u32 op)
{
	struct af_task *t;
	__u64 cg;

	t = af_task_of_current();
	if (!t || op >= AF_OP_COUNT || (!t->prog_ino && !t->unit_cg && !t->inh_ino))
		return 0;
	cg = t->unit_cg ? bpf_get_current_cgroup_id() : 0;
	if (t->gen != c->gen || t->grant_cg != cg)
		af_grants_g(cg);
	if (t->gen != c->gen || t->grant_cg != cg)
		return 0; /* not worked out: no grant, which is the safe side */
	return t->grant[op];
}

/*
 * The action for an access by the current process to data carrying labels,
 * with the mode applied: in audit mode nothing is refused.
 */
static __always_inline __u32 af_action(const struct af_ctx *c, __u32 op, __u32 labels)
{
	__u32 action = AF_ALLOW;

	if (op >= AF_OP_COUNT)
		return AF_ALLOW;
	/* The compiler may test one copy of op and index with another: bound the latter. */
	asm volatile("%0 &= %1" : "+r"(op) : "i"(AF_OP_COUNT - 1));
	/*
	 * archfence's own files and pins: only the controller changes them,
	 * and not even it when locked; in every mode.
	 */
	if ((labels & AF_SELF_BIT) && op == AF_OP_WRITE) {
		if (!af_is_controller() || (c->flags & AF_STATE_LOCKED))
			return AF_DENY;
	}
	labels &= ~AF_SELF_BIT;
	if (c->pol->mode == AF_MODE_OFF)
		return AF_ALLOW;
	/* Labels that allow op need no look at the program's grants. */
	if (!(labels & (c->pol->deny[op] | c->pol->audit[op])))
		return AF_ALLOW;
	labels &= ~af_grant(c, op);
	/*
	 * op comes back from the stack after af_grant's call, its bound lost
	 * to 6.1's verifier: bound it again (AF_OP_COUNT is a power of two).
	 */
	_Static_assert((AF_OP_COUNT & (AF_OP_COUNT - 1)) == 0, "AF_OP_COUNT is a power of two");
	asm volatile("%0 &= %1" : "+r"(op) : "i"(AF_OP_COUNT - 1));
	if (labels & c->pol->deny[op])
		action = AF_DENY;
	else if (labels & c->pol->audit[op])
		action = AF_AUDIT;
	if (action == AF_DENY && c->pol->mode != AF_MODE_ENFORCE)
		action = AF_AUDIT;
	return action;
}

/* The path of dentry, into the event, from its file system's root. */
static __always_inline void event_path(struct af_event *ev, struct dentry *dentry)
{
	ev->flags |= AF_EVF_PATH_FS;
	ev->path_off = walk_path(ev->path, &ev->flags, AF_EVF_TRUNC, dentry);
}

#endif /* ARCHFENCE_BPF_H */
