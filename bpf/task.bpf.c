// SPDX-License-Identifier: GPL-2.0
/*
 * What a process runs (the file execve named: the script, for a script),
 * the systemd unit it is a member of, and the trusted program whose grants
 * it inherits. Trusted programs and units are matched on these.
 *
 * Unit membership goes by lineage, never by a cgroup's name: a process
 * that PID 1 itself forked takes the cgroup it runs execve in as its unit
 * (systemd puts it there: it forks the process into the unit's cgroup, or
 * the process moves itself there, before it execs), and its descendants by
 * fork inherit that unit. A process is a member only while it is in that
 * very cgroup (by id). A cgroup made or joined by anyone else, one of the
 * same name elsewhere, a process reparented to PID 1: none is a member.
 */
#include "archfence.bpf.h"

/* FNV-1a of a NUL-terminated kernel string of at most AF_UNIT_NAME_MAX bytes. */
static __noinline __u64 name_hash(const char *name)
{
	char buf[AF_UNIT_NAME_MAX];
	__u64 h = AF_FNV64_OFFSET;
	int i;

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), name) <= 0)
		return 0;
	for (i = 0; i < AF_UNIT_NAME_MAX; i++) {
		if (!buf[i])
			break;
		h ^= (unsigned char)buf[i];
		h *= AF_FNV64_PRIME;
	}
	return h;
}

/* The name of the current process's cgroup (v2), e.g. "backup.service". */
static __always_inline __u64 cgroup_name_hash(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const char *name = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name);

	return name ? name_hash(name) : 0;
}

/*
 * The unit an execve of t (now, in cgroup cg) leaves it a member of: its
 * unit's cgroup, 0 for none. A process PID 1 forked takes the cgroup of its
 * first execve outside PID 1's own cgroup (systemd >= 255 runs
 * systemd-executor first, then the service's program: both in the unit's
 * cgroup when PID 1 forks it there, else the first in PID 1's own); an
 * execve in any other cgroup after that ends its membership,
 * so a service's process moved elsewhere by someone else cannot take a
 * unit from the cgroup it was moved to. Every other process keeps the
 * unit it inherited, whatever it runs.
 */
static __always_inline __u64 exec_unit(const struct af_task *t, __u64 cg)
{
	if (!t)
		return 0;
	if (!(t->flags & AF_TASK_SPAWNED))
		return t->unit_cg;
	if (cg == t->init_cg)
		return 0; /* PID 1's own cgroup (init.scope) is nobody's unit */
	if (t->unit_cg && t->unit_cg != cg)
		return 0;
	return cg;
}

/* The unit the current process is a member of now (its name's hash), 0: none. */
static __always_inline __u64 member_unit(const struct af_task *t)
{
	if (!t || !t->unit_cg || t->unit_cg != bpf_get_current_cgroup_id())
		return 0;
	return t->unit_hash;
}

/*
 * The current process's grants, for the generation in force and cgroup cg
 * (0 when it has no unit; else its cgroup now): what the policy grants to
 * the program it runs (with no unit, or with its unit while it is a
 * member), to its unit as a whole while it is a member, and what the
 * trusted program it descends from passes on (inherit: yes). Called from
 * inside the other global functions' decisions: its stack is kept small
 * (one key, no af_ctx).
 */
__noinline int af_grants_g(__u64 cg)
{
	struct {
		struct af_trust_key k;
		__u32 gen;
	} s = {};
	struct af_task *t = af_task_of_current();
	struct af_state *st;
	struct af_trust *tr;
	void *trusted;
	__u32 i, op;

	/* The map keys (__u32 0, the slot) go in s.k.dev: no stack beyond s. */
	st = bpf_map_lookup_elem(&af_state, &s.k.dev);
	if (!t || !st || !st->gen)
		return 0;
	s.gen = st->gen;
	s.k.dev = s.gen & 1;
	trusted = bpf_map_lookup_elem(&af_trusted, &s.k.dev);
	if (!trusted)
		return 0;
	/* Not valid (gen 0) until worked out; cg kept in t rather than a register. */
	t->gen = 0;
	t->grant_cg = cg;
	for (op = 0; op < AF_OP_COUNT; op++)
		t->grant[op] = 0;
	/*
	 * 0, 1: the program, alone and in its unit; 2: the whole unit;
	 * 3, 4: the program it descends from (inherit), alone and in its unit.
	 */
	for (i = 0; i < 5; i++) {
		bool in_unit = i == 1 || i == 2 || i == 4;

		if (in_unit && (!t->unit_cg || t->grant_cg != t->unit_cg))
			continue; /* not a member now */
		s.k.unit_hash = in_unit ? t->unit_hash : 0;
		if (i < 2) {
			s.k.dev = t->prog_dev;
			s.k.ino = t->prog_ino;
		} else if (i == 2) {
			s.k.dev = s.k.ino = 0;
		} else {
			s.k.dev = t->inh_dev;
			s.k.ino = t->inh_ino;
		}
		if ((i != 2 && !s.k.ino) || (in_unit && !s.k.unit_hash))
			continue;
		tr = bpf_map_lookup_elem(trusted, &s.k);
		if (!tr || (i >= 3 && !(tr->flags & AF_TRUST_INHERIT)))
			continue;
		for (op = 0; op < AF_OP_COUNT; op++)
			t->grant[op] |= tr->grant[op];
	}
	t->gen = s.gen;
	return 0;
}

/*
 * Whether the program the current process runs passes its grants on to a
 * child it forks now (an entry for it, applying to it, says inherit).
 */
static __always_inline bool passes_on(const struct af_task *t)
{
	struct af_trust_key k = { .dev = t->prog_dev, .ino = t->prog_ino, .unit_hash = 0 };
	struct af_trust *tr;
	struct af_ctx c;

	if (!t->prog_ino || af_ctx_get(&c))
		return false;
	tr = bpf_map_lookup_elem(c.trusted, &k);
	if (tr && (tr->flags & AF_TRUST_INHERIT))
		return true;
	k.unit_hash = member_unit(t);
	tr = k.unit_hash ? bpf_map_lookup_elem(c.trusted, &k) : NULL;
	return tr && (tr->flags & AF_TRUST_INHERIT);
}

/*
 * Whether the program being executed becomes a sink: its executable and,
 * where the policy names one, its unit, and only when systemd itself (PID 1
 * forked the process: a process reparented to PID 1 does not count) or
 * another sink starts it. A sink's own children inherit it until they run
 * something else; nobody else can make a program of their choice (with
 * LD_PRELOAD, say) a sink.
 */
static __always_inline __u32 sink_of_exec(const struct af_ctx *c, const struct af_task *t,
					  const struct af_inode_key *k, __u64 unit)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct af_trust_key tk = { .dev = k->dev, .ino = k->ino, .unit_hash = 0 };
	struct task_struct *parent = task->real_parent;
	struct af_trust *tr;
	struct af_task *pt;

	/* Started by systemd, or by a sink (dbus-broker-launch starts dbus-broker). */
	if (!t || !(t->flags & AF_TASK_SPAWNED)) {
		if (!parent)
			return 0;
		pt = bpf_task_storage_get(&af_task, af_proc(parent), 0, 0);
		if (!pt || !(pt->flags & AF_TASK_SINK))
			return 0;
	}
	tr = bpf_map_lookup_elem(c->trusted, &tk);
	if (tr && tr->sink)
		return tr->sink;
	tk.unit_hash = unit;
	tr = unit ? bpf_map_lookup_elem(c->trusted, &tk) : NULL;
	return tr ? tr->sink : 0;
}

/*
 * Before the new program's credentials are worked out, note what execve
 * named; it only becomes the process's program once the exec cannot fail
 * any more (bprm_committed_creds), so a failed exec changes nothing.
 */
SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(af_bprm_creds_for_exec, struct linux_binprm *bprm, int ret)
{
	struct task_struct *me = bpf_get_current_task_btf();
	struct af_inode_key k;
	struct af_label_val *v;
	struct inode *inode;
	struct af_task *t, *lt;
	__u64 cg, unit;
	struct af_ctx c;

	if (ret)
		return ret;
	/*
	 * A thread other than the leader that runs execve becomes the leader
	 * (the old one goes): the process's state moves to it first.
	 */
	if (me != me->group_leader) {
		lt = bpf_task_storage_get(&af_task, af_proc(me), 0, 0);
		if (lt) {
			t = bpf_task_storage_get(&af_task, me, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (!t)
				return -ENOMEM; /* the taint would be lost */
			*t = *lt;
		} else {
			t = bpf_task_storage_get(&af_task, me, 0, 0);
		}
	} else {
		t = bpf_task_storage_get(&af_task, me, 0, 0);
	}
	if (t) {
		t->pend_ino = t->pend_dev = 0;
		t->pend_flags = 0;
	}
	if (af_ctx_get(&c))
		return 0; /* no policy in force: nobody is trusted */
	inode = bprm->file->f_inode;
	if (!inode)
		return 0; /* nothing to run */
	k.dev = inode->i_sb->s_dev;
	k.ino = inode->i_ino;
	v = bpf_map_lookup_elem(c.labels, &k);
	if (!v || !(v->flags & (AF_LV_TRUSTED | AF_LV_CONTROLLER | AF_LV_SINK)))
		return 0; /* not a trusted program: the exec clears the old one */
	if (!t)
		t = bpf_task_storage_get(&af_task, me, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0; /* out of memory: the program runs untrusted, which is safe */
	t->pend_dev = k.dev;
	t->pend_ino = k.ino;
	t->pend_flags = (v->flags & AF_LV_CONTROLLER) ? AF_TASK_CONTROLLER : 0;
	if (v->flags & AF_LV_SINK) {
		cg = bpf_get_current_cgroup_id();
		unit = exec_unit(t, cg);
		if (unit && unit == cg)
			unit = unit == t->unit_cg ? t->unit_hash : cgroup_name_hash();
		else
			unit = 0;
		t->pend_flags |= sink_of_exec(&c, t, &k, unit);
	}
	return 0;
}

SEC("lsm/bprm_committed_creds")
int BPF_PROG(af_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct af_task *t;
	__u64 cg, unit;

	/* The exec is past its point of no return: the thread running it leads. */
	t = bpf_task_storage_get(&af_task, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return 0;
	/*
	 * A trusted program that passes its grants on does so to what it
	 * execs, too (a child that inherited them from it keeps its parent
	 * as where they come from).
	 */
	if ((t->inh_ino != t->prog_ino || t->inh_dev != t->prog_dev) && passes_on(t)) {
		t->inh_dev = t->prog_dev;
		t->inh_ino = t->prog_ino;
		t->inh_pid = bpf_get_current_pid_tgid() >> 32;
	}
	t->prog_dev = t->pend_dev;
	t->prog_ino = t->pend_ino;
	t->flags = t->pend_flags | (t->flags & AF_TASK_SPAWNED);
	t->pend_ino = t->pend_dev = 0;
	t->pend_flags = 0;
	t->gen = 0;
	if (!(t->flags & AF_TASK_SPAWNED))
		return 0; /* it keeps the unit it inherited */
	cg = bpf_get_current_cgroup_id();
	unit = exec_unit(t, cg);
	if (unit && unit != t->unit_cg) {
		t->unit_cg = unit;
		t->unit_hash = cgroup_name_hash();
	} else if (!unit && t->unit_cg) {
		/* Run again elsewhere than its unit: no longer anybody's member. */
		t->unit_cg = t->unit_hash = 0;
		t->flags &= ~AF_TASK_SPAWNED;
	}
	return 0;
}

#define CLONE_THREAD_FLAG	0x00010000

/*
 * A new process runs what its parent runs and has read what its parent
 * read; it is a member of its parent's unit if its parent is one now, and
 * inherits the grants of the nearest trusted program above it that passes
 * them on (its parent's, or what its parent inherited). A process PID 1 forks is
 * marked as such (AF_TASK_SPAWNED), and only it: the mark is not
 * inherited. A new thread shares its process's state (af_proc): nothing
 * to copy.
 */
SEC("lsm/task_alloc")
int BPF_PROG(af_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	bool pid1 = (bpf_get_current_pid_tgid() >> 32) == 1;
	struct af_task *parent, *child;

	if (ret)
		return ret;
	if (clone_flags & CLONE_THREAD_FLAG)
		return 0;
	parent = af_task_of_current();
	if (!pid1 && (!parent || (!parent->prog_ino && !parent->taint && !parent->flags &&
				  !parent->unit_cg && !parent->inh_ino)))
		return 0;
	child = bpf_task_storage_get(&af_task, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!child) {
		/*
		 * A child that cannot carry the taint must not run; one that
		 * only loses a unit or a grant runs with less trust, which is
		 * safe (and PID 1's forks never fail for want of it).
		 */
		return parent && parent->taint ? -ENOMEM : 0;
	}
	if (pid1) {
		/* PID 1 is a sink and never tainted: its child starts afresh. */
		__builtin_memset(child, 0, sizeof(*child));
		child->flags = AF_TASK_SPAWNED;
		child->init_cg = bpf_get_current_cgroup_id();
		return 0;
	}
	child->prog_dev = parent->prog_dev;
	child->prog_ino = parent->prog_ino;
	child->taint = parent->taint;
	child->flags = parent->flags & ~AF_TASK_SPAWNED;
	child->gen = 0;
	child->init_cg = 0;
	/* Born outside its parent's unit (the parent left it): never a member. */
	if (member_unit(parent)) {
		child->unit_cg = parent->unit_cg;
		child->unit_hash = parent->unit_hash;
	} else {
		child->unit_cg = child->unit_hash = 0;
	}
	if (passes_on(parent)) {
		child->inh_dev = parent->prog_dev;
		child->inh_ino = parent->prog_ino;
		child->inh_pid = bpf_get_current_pid_tgid() >> 32;
	} else {
		child->inh_dev = parent->inh_dev;
		child->inh_ino = parent->inh_ino;
		child->inh_pid = parent->inh_pid;
	}
	if (parent->taint) {
		child->taint_ns = parent->taint_ns;
		child->taint_src = AF_SRC_PARENT;
		child->src_a = bpf_get_current_pid_tgid() >> 32;
	}
	return 0;
}
