// SPDX-License-Identifier: GPL-2.0
/*
 * Block devices that would expose labelled data under a new name. A
 * labelled block device (one holding a labelled file system, its disk, the
 * devices under it) cannot be opened by untrusted processes, but a
 * descriptor opened earlier, or by a trusted program, could still reshape
 * it: new partitions (BLKPG, BLKRRPART), discards and zeroing are writes on
 * its labels. A loop device reads its backing file in the kernel, without
 * the file checks: setting one up on a labelled file (LOOP_SET_FD,
 * LOOP_CHANGE_FD, LOOP_CONFIGURE) would give every process the data, so it
 * is refused whoever asks, as is one over a trusted program's executable
 * or archfence's own files (writes through the loop device would change
 * them in place).
 */
#include "archfence.bpf.h"

#define BLKRRPART	0x125f
#define BLKPG		0x1269
#define BLKDISCARD	0x1277
#define BLKSECDISCARD	0x127d
#define BLKZEROOUT	0x127f
#define LOOP_SET_FD	0x4c00
#define LOOP_CHANGE_FD	0x4c06
#define LOOP_CONFIGURE	0x4c0a

/* The labels and flags an inode carries itself (pointer read with probe reads only). */
static __always_inline __u32 own_raw(const struct af_ctx *c, struct inode *inode, __u32 *lvflags)
{
	struct af_inode_key k;
	struct af_label_val *v;
	__u32 labels = 0;

	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k.ino = BPF_CORE_READ(inode, i_ino);
	v = bpf_map_lookup_elem(c->labels, &k);
	if (v) {
		labels |= v->labels;
		*lvflags |= v->flags;
	}
	v = bpf_map_lookup_elem(&af_derived, &k);
	if (v)
		labels |= v->labels;
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFBLK) {
		k.dev = AF_BLKDEV_DEV;
		k.ino = BPF_CORE_READ(inode, i_rdev);
		v = bpf_map_lookup_elem(c->labels, &k);
		if (v)
			labels |= v->labels;
	}
	return labels;
}

struct rwalk {
	const struct af_ctx *c;
	struct dentry *d;	/* untyped: read with bpf_probe_read_kernel */
	__u32 labels;
	__u32 done;
	__u32 cut;
};

static long rwalk_step(__u32 i, void *data)
{
	struct rwalk *w = data;
	struct dentry *d = w->d, *parent = BPF_CORE_READ(d, d_parent);
	struct inode *pi;
	__u32 f = 0;

	if (!parent)
		goto done;
	if (parent == d) {
		if (d != BPF_CORE_READ(d, d_sb, s_root))
			w->cut = 1;
		goto done;
	}
	pi = BPF_CORE_READ(parent, d_inode);
	if (!pi)
		goto done;
	w->labels |= own_raw(w->c, pi, &f);
	w->d = parent;
	return 0;
done:
	w->done = 1;
	return 1;
}

/*
 * The labels of the file behind descriptor fd of the current process, from
 * the maps alone (no cache: this is rare), failing closed like the file
 * checks. *lvflags: its own entry's AF_LV_* flags. -1 when fd is not open.
 */
static __noinline int fd_labels(const struct af_ctx *c, __u32 fd, __u32 *out, __u32 *lvflags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct rwalk w = { .c = c };
	struct af_inode_key fk = { .ino = 0 };
	struct af_label_val *fv;
	struct file **fds, *f = NULL;
	struct inode *inode;
	unsigned int max;

	max = BPF_CORE_READ(task, files, fdt, max_fds);
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (!fds || fd >= max || fd >= (1u << 20))
		return -1;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return -1;
	inode = BPF_CORE_READ(f, f_inode);
	if (!inode)
		return -1;
	*out = own_raw(c, inode, lvflags);
	w.d = BPF_CORE_READ(f, f_path.dentry);
	if (w.d)
		bpf_loop(AF_WALK_MAX, rwalk_step, &w, 0);
	*out |= w.labels;
	if (!w.done) {
		*out |= c->pol->rooted; /* deeper than we walk: fail closed */
	} else if (w.cut) {
		fk.dev = BPF_CORE_READ(inode, i_sb, s_dev);
		fv = bpf_map_lookup_elem(c->labels, &fk);
		if (fv)
			*out |= fv->labels;
	}
	return 0;
}

static __always_inline int record(const struct af_ctx *c, __u32 op, __u32 action, __u32 labels,
				  struct file *file)
{
	struct inode *inode = file->f_inode;
	struct af_event *ev;

	af_count_decision(op, action, labels);
	if (action == AF_ALLOW)
		return 0;
	ev = af_event_new(c, AF_EV_FILE, op, action, labels, inode->i_sb->s_dev, inode->i_ino);
	if (ev) {
		event_path(ev, file->f_path.dentry);
		bpf_ringbuf_submit(ev, 0);
	}
	if (action != AF_DENY)
		return 0;
	return (labels & AF_SELF_BIT) ? -EPERM : -EACCES;
}

/* A loop device on the file behind fd: refused when it would expose or change labelled data. */
static __always_inline int loop_backing(const struct af_ctx *c, struct file *loop, __u32 fd)
{
	__u32 labels = 0, lvflags = 0, action = AF_ALLOW;

	if (fd_labels(c, fd, &labels, &lvflags))
		return 0; /* no such descriptor: the ioctl fails on its own */
	if (lvflags & AF_LV_TRUSTED)
		labels |= AF_SELF_BIT; /* a trusted program's code: never changed in place */
	if (!labels)
		return 0;
	/*
	 * Whoever sets it up, everyone could read the device: judged as if
	 * nobody were trusted.
	 */
	if (labels & (c->pol->deny[AF_OP_READ] | c->pol->deny[AF_OP_WRITE]))
		action = c->pol->mode == AF_MODE_ENFORCE ? AF_DENY : AF_AUDIT;
	else if (labels & (c->pol->audit[AF_OP_READ] | c->pol->audit[AF_OP_WRITE]))
		action = AF_AUDIT;
	if (labels & AF_SELF_BIT)
		action = AF_DENY;
	return record(c, AF_OP_READ, action, labels, loop);
}

SEC("lsm/file_ioctl")
int BPF_PROG(af_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct inode *inode;
	struct af_ctx c;
	__u32 fd = 0, labels, f = 0;

	if (ret)
		return ret;
	inode = file->f_inode;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFBLK)
		return 0; /* only block devices */
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	switch (cmd) {
	case LOOP_SET_FD:
	case LOOP_CHANGE_FD:
		return loop_backing(&c, file, (__u32)arg);
	case LOOP_CONFIGURE:
		/* struct loop_config begins with the backing descriptor */
		if (bpf_probe_read_user(&fd, sizeof(fd), (void *)arg))
			return -EACCES; /* cannot tell which file: fail closed */
		return loop_backing(&c, file, fd);
	case BLKRRPART:
	case BLKPG:
	case BLKDISCARD:
	case BLKSECDISCARD:
	case BLKZEROOUT:
		labels = own_raw(&c, inode, &f);
		if (!labels)
			return 0;
		return record(&c, AF_OP_WRITE, af_action(&c, AF_OP_WRITE, labels), labels, file);
	}
	return 0;
}
