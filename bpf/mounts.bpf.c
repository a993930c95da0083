// SPDX-License-Identifier: GPL-2.0
/*
 * Mounts. Putting anything over a labelled directory or file (a new file
 * system, a bind mount of other content, a moved mount) replaces what every
 * reader and writer of the path gets: a write on it. Unmounting archfence's
 * pins' file system is refused to all but the controller; once locked, so is
 * unmounting a file system that holds labelled data.
 *
 * Only mounts that others see are judged: those of the initial mount
 * namespace, and shared mounts anywhere (their peers may be there). A
 * service's private namespace (systemd's ReadWritePaths=, PrivateTmp=,
 * ProtectSystem=, a slave copy of every mount) can hide a path from the
 * service alone and expose nothing: labels are found from the inode and
 * its parent dentries, which a mount does not change.
 */
#include "archfence.bpf.h"

#define MS_REMOUNT_FLAG		32
#define MS_PROPAGATION		((1 << 17) | (1 << 18) | (1 << 19) | (1 << 20))
#define MNT_SHARED_FLAG		0x1000

/* The labels an inode carries itself, without the walk above it. */
static __always_inline __u32 own_of(const struct af_ctx *c, struct inode *inode)
{
	struct af_inode_key k = { .dev = inode->i_sb->s_dev, .ino = inode->i_ino };
	struct af_label_val *v;
	__u32 labels = 0;

	v = bpf_map_lookup_elem(c->labels, &k);
	if (v)
		labels |= v->labels;
	v = bpf_map_lookup_elem(&af_derived, &k);
	if (v)
		labels |= v->labels;
	return labels;
}

struct mwalk {
	const struct af_ctx *c;
	struct dentry *d;
	__u32 labels;
	__u32 done;
	__u32 cut;
};

static long mwalk_step(__u32 i, void *data)
{
	struct mwalk *w = data;
	struct af_inode_cache *pc;
	struct dentry *parent;
	struct inode *pi;

	if (!w->d)
		goto done;
	parent = w->d->d_parent;
	if (!parent)
		goto done;
	if (parent == w->d) {
		if (w->d != w->d->d_sb->s_root)
			w->cut = 1; /* brought in by a file handle: what is above is not known */
		goto done;
	}
	pi = parent->d_inode;
	if (!pi)
		goto done;
	pc = bpf_inode_storage_get(&af_icache, pi, 0, 0);
	if (pc && pc->gen == w->c->gen && pc->epoch == w->c->epoch) {
		w->labels |= pc->labels;
		goto done;
	}
	w->labels |= own_of(w->c, pi);
	w->d = parent;
	return 0;
done:
	w->done = 1;
	return 1;
}

/*
 * The labels of the place a mount would cover: the dentry's inode and the
 * directories above it (the same rule as the file checks, without caching:
 * mounts are rare), and, at the root of a file system, every labelled path
 * on it (covering the root hides them all).
 */
static __noinline __u32 place_labels(const struct af_ctx *c, struct dentry *d)
{
	struct mwalk w = { .c = c, .d = d };
	struct af_inode_key fk = { .ino = 0 };
	struct af_inode_cache *ic;
	struct af_label_val *fv;
	struct inode *inode;
	__u32 labels = 0;

	inode = d->d_inode;
	if (!inode)
		return 0; /* a negative dentry: nothing there to cover */
	fk.dev = inode->i_sb->s_dev;
	fv = bpf_map_lookup_elem(c->labels, &fk);
	if (fv && d == d->d_sb->s_root)
		labels |= fv->labels;
	ic = bpf_inode_storage_get(&af_icache, inode, 0, 0);
	if (ic && ic->gen == c->gen && ic->epoch == c->epoch)
		return labels | ic->labels;
	labels |= own_of(c, inode);
	bpf_loop(AF_WALK_MAX, mwalk_step, &w, 0);
	labels |= w.labels;
	/* Deeper than we walk, or cut off from its parents: fail closed. */
	if (!w.done)
		labels |= c->pol->rooted;
	else if (w.cut && fv)
		labels |= fv->labels;
	return labels;
}

/*
 * Whether a mount is seen by others than its own namespace's processes: it
 * belongs to the initial mount namespace (PID 1's, found from the current
 * task's level-0 pid namespace), or it is shared and may propagate there.
 */
static __always_inline bool seen_by_all(struct vfsmount *vfs)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mount *m = (void *)vfs - bpf_core_field_offset(struct mount, mnt);
	struct mnt_namespace *init_ns, *ns;
	int flags;

	init_ns = BPF_CORE_READ(task, thread_pid, numbers[0].ns, child_reaper, nsproxy, mnt_ns);
	ns = BPF_CORE_READ(m, mnt_ns);
	flags = BPF_CORE_READ(vfs, mnt_flags);
	if (!init_ns)
		return true; /* cannot tell: judge it */
	return ns == init_ns || (flags & MNT_SHARED_FLAG);
}

/* A mount over dentry: a write on the labels of the place it covers. */
static __always_inline int cover(struct vfsmount *vfs, struct dentry *d)
{
	__u32 labels, action;
	struct af_event *ev;
	struct af_ctx c;

	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	if (!seen_by_all(vfs))
		return 0; /* a private namespace's copy: it hides, from its own processes only */
	labels = place_labels(&c, d);
	if (!labels)
		return 0;
	action = af_action(&c, AF_OP_WRITE, labels);
	af_count_decision(AF_OP_WRITE, action, labels);
	if (action == AF_ALLOW)
		return 0;
	ev = af_event_new(&c, AF_EV_FILE, AF_OP_WRITE, action, labels, d->d_sb->s_dev,
			  d->d_inode ? d->d_inode->i_ino : 0);
	if (ev) {
		event_path(ev, d);
		bpf_ringbuf_submit(ev, 0);
	}
	if (action != AF_DENY)
		return 0;
	return (labels & AF_SELF_BIT) ? -EPERM : -EACCES;
}

/*
 * mount(2): a new file system, a bind mount or a moved mount over path.
 * A remount or a change of propagation puts nothing over it.
 */
SEC("lsm/sb_mount")
int BPF_PROG(af_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	if (flags & (MS_REMOUNT_FLAG | MS_PROPAGATION))
		return 0;
	return cover(path->mnt, path->dentry);
}

/*
 * move_mount(2), the new mount API's way to put a mount (from fsmount or
 * open_tree) in place. A tree cloned from a path and put back on that same
 * path covers it with itself.
 */
SEC("lsm/move_mount")
int BPF_PROG(af_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	if (from_path->dentry == to_path->dentry)
		return 0; /* the same content over itself */
	return cover(to_path->mnt, to_path->dentry);
}

/*
 * pivot_root(2): the old root is mounted on put_old, which it covers. (The
 * new root is mounted over "/" in a namespace of the caller's own.)
 */
SEC("lsm/sb_pivotroot")
int BPF_PROG(af_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return cover(old_path->mnt, old_path->dentry);
}

/*
 * umount(2). The pins' file system ({dev, 0} carries the archfence label):
 * only the controller, and not even it once locked; with the pins gone from
 * sight, status could not see the programs that still enforce. A file system
 * holding labelled paths: not once locked.
 */
SEC("lsm/sb_umount")
int BPF_PROG(af_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct af_inode_key k = { .dev = mnt->mnt_sb->s_dev, .ino = 0 };
	struct af_label_val *v;
	struct af_event *ev;
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	v = bpf_map_lookup_elem(c.labels, &k);
	if (!v)
		return 0; /* nothing labelled on it */
	if (!seen_by_all(mnt))
		return 0; /* a private namespace's copy: the original stays */
	if (v->labels & AF_SELF_BIT) {
		if (af_is_controller() && !(c.flags & AF_STATE_LOCKED))
			return 0;
	} else if (!(c.flags & AF_STATE_LOCKED)) {
		return 0; /* unlocked, labelled data may go offline (see threat-model.md) */
	}
	af_count_decision(AF_OP_WRITE, AF_DENY, v->labels);
	ev = af_event_new(&c, AF_EV_FILE, AF_OP_WRITE, AF_DENY, v->labels, k.dev, 0);
	if (ev) {
		event_path(ev, mnt->mnt_root);
		bpf_ringbuf_submit(ev, 0);
	}
	return -EPERM;
}
