// SPDX-License-Identifier: GPL-2.0
/*
 * What a process runs: the file execve named (the script, for a script),
 * and the systemd unit it was started in. Trusted programs are matched on
 * these; a child carries its parent's until it runs something else.
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
static __always_inline __u64 unit_hash(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const char *name = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name);

	return name ? name_hash(name) : 0;
}

/*
 * Whether the program being executed becomes a sink: its executable and,
 * where the policy names one, its unit, and only when systemd itself or
 * another sink starts it. A sink's own children inherit it until they run
 * something else; nobody else can make a program of their choice (with
 * LD_PRELOAD, say) a sink.
 */
static __always_inline __u32 sink_of_exec(const struct af_ctx *c, const struct af_inode_key *k,
					  __u64 unit)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct af_trust_key tk = { .dev = k->dev, .ino = k->ino, .unit_hash = 0 };
	struct task_struct *parent = task->real_parent;
	struct af_trust *tr;
	struct af_task *pt;

	/* Started by systemd, or by a sink (dbus-broker-launch starts dbus-broker). */
	if (!parent)
		return 0;
	if (parent->tgid != 1) {
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
		t->pend_ino = t->pend_dev = t->pend_unit = 0;
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
	t->pend_unit = unit_hash();
	t->pend_flags = (v->flags & AF_LV_CONTROLLER) ? AF_TASK_CONTROLLER : 0;
	if (v->flags & AF_LV_SINK)
		t->pend_flags |= sink_of_exec(&c, &k, t->pend_unit);
	return 0;
}

SEC("lsm/bprm_committed_creds")
int BPF_PROG(af_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct af_task *t;

	/* The exec is past its point of no return: the thread running it leads. */
	t = bpf_task_storage_get(&af_task, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return 0;
	t->prog_dev = t->pend_dev;
	t->prog_ino = t->pend_ino;
	t->unit_hash = t->pend_unit;
	t->flags = t->pend_flags;
	t->pend_ino = t->pend_dev = t->pend_unit = 0;
	t->pend_flags = 0;
	t->gen = 0;
	return 0;
}

#define CLONE_THREAD_FLAG	0x00010000

/*
 * A new process runs what its parent runs and has read what its parent
 * read. A new thread shares its process's state (af_proc): nothing to copy.
 */
SEC("lsm/task_alloc")
int BPF_PROG(af_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct af_task *parent, *child;

	if (ret)
		return ret;
	if (clone_flags & CLONE_THREAD_FLAG)
		return 0;
	parent = af_task_of_current();
	if (!parent || (!parent->prog_ino && !parent->taint && !parent->flags))
		return 0;
	child = bpf_task_storage_get(&af_task, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!child)
		return -ENOMEM; /* a child that cannot carry the taint must not run */
	child->prog_dev = parent->prog_dev;
	child->prog_ino = parent->prog_ino;
	child->unit_hash = parent->unit_hash;
	child->taint = parent->taint;
	child->flags = parent->flags;
	child->gen = 0;
	if (parent->taint) {
		child->taint_ns = parent->taint_ns;
		child->taint_src = AF_SRC_PARENT;
		child->src_a = bpf_get_current_pid_tgid() >> 32;
	}
	return 0;
}
