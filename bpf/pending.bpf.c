// SPDX-License-Identifier: GPL-2.0
/*
 * Pending paths: a labelled path that does not exist when the policy is
 * applied (a data disk not mounted yet, a directory not created yet) is
 * labelled by the kernel the moment its name appears, before anything
 * below it can be looked up, let alone read. Every name the kernel binds to
 * an inode passes d_instantiate: a directory being created, or found on disk
 * for the first time (which is how a freshly mounted file system's names
 * appear). The awaited name is matched by its parent directory, or, at the
 * root of a file system, by the directory it is mounted on.
 */
#include "archfence.bpf.h"

#define NAME_MAX_BYTES	256

/* Room for a name, off the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[NAME_MAX_BYTES]);
} af_name_buf SEC(".maps");

/* FNV-1a of a name, as the controller hashes the policy's names. */
static __always_inline __u64 dname_hash(const unsigned char *name)
{
	__u64 h = AF_FNV64_OFFSET;
	__u32 zero = 0;
	char *buf;
	int i;

	buf = bpf_map_lookup_elem(&af_name_buf, &zero);
	if (!buf || bpf_probe_read_kernel_str(buf, NAME_MAX_BYTES, name) <= 0)
		return 0;
	for (i = 0; i < NAME_MAX_BYTES; i++) {
		if (!buf[i])
			break;
		h ^= (unsigned char)buf[i];
		h *= AF_FNV64_PRIME;
	}
	return h;
}

static __always_inline struct af_pending_val *awaited(__u64 dev, __u64 ino, __u64 hash)
{
	struct af_pending_key k = { .dev = dev, .ino = ino, .name_hash = hash };

	return bpf_map_lookup_elem(&af_pending, &k);
}

/* The inode of the directory a file system's root is mounted on (its first mount), or NULL. */
static __always_inline struct inode *mounted_on(struct super_block *sb)
{
	struct list_head *first = BPF_CORE_READ(sb, s_mounts.next);
	struct mount *mnt;

	if (!first || first == &sb->s_mounts)
		return NULL;
	mnt = (void *)first - bpf_core_field_offset(struct mount, mnt_instance);
	return BPF_CORE_READ(mnt, mnt_mountpoint, d_inode);
}

struct advance {
	const struct af_pending_val *v;
	struct inode *inode;
	__u32 labels;		/* of the paths that end here */
	__u32 id;		/* one of them, for the record */
};

/* One path awaiting the name that appeared: its next level, or its end. */
static long advance_one(__u32 id, void *data)
{
	struct advance *a = data;
	struct af_pending_key nk;
	struct af_pending_val *nv, fresh = {};
	struct af_pending_path *pp;
	__u32 next, key;

	id &= AF_MAX_PENDING - 1;
	if (!(a->v->ids & (1u << id)))
		return 0;
	key = id;
	pp = bpf_map_lookup_elem(&af_pending_path, &key);
	if (!pp)
		return 0;
	next = a->v->next[id & (AF_MAX_PENDING - 1)] + 1;
	if (next >= pp->n || next >= AF_PENDING_DEPTH) {
		a->labels |= pp->labels;
		a->id = id;
		return 0;
	}
	/* A directory on the way: the path's next name is awaited in it. */
	nk.dev = a->inode->i_sb->s_dev;
	nk.ino = a->inode->i_ino;
	nk.name_hash = pp->hash[next & (AF_PENDING_DEPTH - 1)];
	nv = bpf_map_lookup_elem(&af_pending, &nk);
	if (!nv) {
		bpf_map_update_elem(&af_pending, &nk, &fresh, BPF_NOEXIST);
		nv = bpf_map_lookup_elem(&af_pending, &nk);
		if (!nv)
			return 0;
	}
	nv->next[id & (AF_MAX_PENDING - 1)] = (__u8)next;
	__sync_fetch_and_or(&nv->ids, 1u << id);
	return 0;
}

SEC("lsm/d_instantiate")
int BPF_PROG(af_d_instantiate, struct dentry *dentry, struct inode *inode)
{
	struct advance a = { .inode = inode };
	struct af_pending_val *v;
	struct af_label_val lv;
	struct dentry *parent;
	struct inode *pi, *mp;
	struct af_event *ev;
	struct af_state *st;
	struct af_ctx c;
	__u32 zero = 0, *ep;
	__u64 hash;

	st = bpf_map_lookup_elem(&af_state, &zero);
	if (!st || !(st->flags & AF_STATE_PENDING) || !inode)
		return 0; /* nothing awaited */
	parent = dentry->d_parent;
	if (!parent || parent == dentry)
		return 0; /* a file system's root: its names are what is awaited */
	pi = parent->d_inode;
	if (!pi)
		return 0;
	hash = dname_hash(dentry->d_name.name);
	v = awaited(pi->i_sb->s_dev, pi->i_ino, hash);
	if (!v && parent->d_parent == parent) {
		mp = mounted_on(pi->i_sb);
		if (mp)
			v = awaited(BPF_CORE_READ(mp, i_sb, s_dev), BPF_CORE_READ(mp, i_ino), hash);
	}
	if (!v)
		return 0;
	a.v = v;
	bpf_loop(AF_MAX_PENDING, advance_one, &a, 0);
	if (!a.labels)
		return 0;
	/* A pending path itself: it carries its labels from now on. */
	lv.labels = a.labels;
	lv.flags = AF_LV_DERIVED;
	{
		struct af_inode_key k = { .dev = inode->i_sb->s_dev, .ino = inode->i_ino };
		struct af_label_val *old = bpf_map_lookup_elem(&af_derived, &k);

		if (old)
			lv.labels |= old->labels;
		bpf_map_update_elem(&af_derived, &k, &lv, BPF_ANY);
	}
	/* Labels cached for what is below it were worked out without it. */
	ep = bpf_map_lookup_elem(&af_epoch, &zero);
	if (ep)
		__sync_fetch_and_add(ep, 1);
	if (af_ctx_get(&c))
		return 0;
	ev = af_event_new(&c, AF_EV_PENDING, AF_OP_WRITE, AF_ALLOW, a.labels, inode->i_sb->s_dev,
			  inode->i_ino);
	if (ev) {
		ev->dport = (__u16)a.id;	/* which path of the policy */
		event_path(ev, dentry);
		bpf_ringbuf_submit(ev, 0);
	}
	return 0;
}
