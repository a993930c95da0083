// SPDX-License-Identifier: GPL-2.0
/*
 * File enforcement: read and write on labelled files, however they are
 * reached. A label sits on an inode (af_labels, af_derived) or on a directory
 * and covers its subtree; the label of any inode is the union of its own and
 * those of the directories above it, found by walking parent dentries once
 * and cached in inode local storage stamped with the generation and epoch.
 */
#include "archfence.bpf.h"
#include "net.h"

static __always_inline struct af_inode_key inode_key(struct inode *inode)
{
	struct af_inode_key k = {
		.dev = inode->i_sb->s_dev,
		.ino = inode->i_ino,
	};
	return k;
}

/*
 * Labels an inode carries itself: from the policy or derived, and for a
 * block device those of the file systems it holds. *prot is set when it is
 * a trusted program's executable.
 */
static __always_inline __u32 own_labels(const struct af_ctx *c, struct inode *inode, __u32 *prot)
{
	struct af_inode_key k = inode_key(inode);
	struct af_label_val *v;
	__u32 labels = 0;

	v = bpf_map_lookup_elem(c->labels, &k);
	if (v) {
		labels |= v->labels;
		if (v->flags & AF_LV_TRUSTED)
			*prot = AF_EVF_PROTECTED;
	}
	v = bpf_map_lookup_elem(&af_derived, &k);
	if (v)
		labels |= v->labels;
	if ((inode->i_mode & S_IFMT) == S_IFBLK) {
		k.dev = AF_BLKDEV_DEV;
		k.ino = inode->i_rdev;
		v = bpf_map_lookup_elem(c->labels, &k);
		if (v)
			labels |= v->labels;
	}
	return labels;
}

/*
 * Whether a write changes a file in place (content or attributes) or
 * replaces it; AF_QUIET: an audit is counted, not recorded (a file's
 * metadata: every ls -l and every program's fstat would be a record).
 */
enum { AF_REPLACE = 0, AF_INPLACE = 1, AF_QUIET = 2 };

static __always_inline bool cache_valid(const struct af_ctx *c, const struct af_inode_cache *ic)
{
	return ic && ic->gen == c->gen && ic->epoch == c->epoch;
}

struct walk {
	struct af_ctx *c;
	struct dentry *d;	/* the level reached */
	struct inode *first;	/* the parent directory */
	__u32 above;		/* labels found above the starting inode */
	__u32 done;		/* reached the root or a cached directory */
	__u32 cut;		/* stopped at a dentry cut off from its tree (a file handle's) */
};

/* One level up: bpf_loop's callback, so that the walk is verified once. */
static long walk_step(__u32 i, void *data)
{
	struct walk *w = data;
	struct af_inode_cache *pc;
	struct dentry *parent;
	struct inode *pi;
	__u32 prot = 0;

	if (!w->d)
		goto done;
	parent = w->d->d_parent;
	if (!parent)
		goto done;
	if (parent == w->d) {
		/*
		 * The top: the root of its file system, or a dentry that a
		 * file handle (open_by_handle_at) brought in without its
		 * parents. What is above the latter is not known.
		 */
		if (w->d != w->d->d_sb->s_root)
			w->cut = 1;
		goto done;
	}
	pi = parent->d_inode;
	if (!pi)
		goto done;
	if (!w->first)
		w->first = pi;
	pc = bpf_inode_storage_get(&af_icache, pi, 0, 0);
	if (cache_valid(w->c, pc)) {
		w->above |= pc->labels;
		goto done;
	}
	w->above |= own_labels(w->c, pi, &prot);
	w->d = parent;
	return 0;
done:
	w->done = 1;
	return 1;
}

/*
 * The labels of inode, reached through dentry (any of its names: a file with
 * several names that is labelled anywhere has its own entry, see
 * AF_LV_LINKED). Walks up to the file system root, or to the first directory
 * whose label is cached, and caches the result for the inode and its parent.
 */
static __noinline __u32 inode_labels(struct af_ctx *c, struct inode *inode,
				     struct dentry *dentry, __u32 *flags)
{
	struct walk w = { .c = c, .d = dentry };
	struct af_inode_cache *ic, *pc;
	__u32 own, prot = 0;

	ic = bpf_inode_storage_get(&af_icache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (cache_valid(c, ic)) {
		*flags |= ic->flags;
		return ic->labels;
	}
	if (af_ctx_need(c))
		return 0; /* no policy in force */
	own = own_labels(c, inode, &prot);
	*flags |= prot;
	bpf_loop(AF_WALK_MAX, walk_step, &w, 0);
	if (!w.done) {
		/*
		 * Deeper than we walk, with nothing cached on the way: the
		 * object may sit under a labelled root, so fail closed.
		 */
		*flags |= AF_EVF_UNKNOWN;
		return c->pol->rooted | own;
	}
	if (w.cut) {
		/*
		 * Cut off from its parents: it may sit under any labelled
		 * directory of its file system. Fail closed to those (the
		 * entry {dev, 0} holds them), and cache nothing.
		 */
		struct af_inode_key fk = { .dev = inode->i_sb->s_dev, .ino = 0 };
		struct af_label_val *fv = bpf_map_lookup_elem(c->labels, &fk);

		if (!fv)
			return own | w.above; /* nothing on this file system is labelled by a path */
		*flags |= AF_EVF_UNKNOWN;
		return own | w.above | fv->labels;
	}
	if (ic) {
		ic->labels = own | w.above;
		ic->flags = prot;
		ic->gen = c->gen;
		ic->epoch = c->epoch;
	}
	if (w.first) {
		pc = bpf_inode_storage_get(&af_icache, w.first, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (pc && !cache_valid(c, pc)) {
			pc->labels = w.above;
			pc->flags = 0;
			pc->gen = c->gen;
			pc->epoch = c->epoch;
		}
	}
	return own | w.above;
}

/* Record that an inode took labels (global, as af_decide_file_g is). */
__noinline int af_labelled_g(__u32 labels, __u32 dev, __u64 ino, __u64 dentry)
{
	struct af_event *ev;
	struct af_ctx c;

	if (af_ctx_get(&c))
		return 0;
	ev = af_event_new(&c, AF_EV_LABELLED, AF_OP_WRITE, AF_ALLOW, labels, dev, ino);
	if (ev) {
		event_path(ev, (struct dentry *)dentry);
		bpf_ringbuf_submit(ev, 0);
	}
	return 0;
}

/*
 * Record that inode carries labels from now on, wherever it goes: a
 * labelled file moved or linked out of its tree keeps them, one moved or
 * linked into a labelled tree gains the tree's, a file written by a tainted
 * process gains the taint's. A directory whose labels change this way changes
 * its whole subtree: bump the epoch so that every cached label is looked up
 * again. Returns 0, or -ENOMEM when the label cannot be recorded (the caller
 * refuses the operation rather than let the label go).
 */
static __always_inline int carry_labels(struct af_ctx *c, struct inode *inode,
					struct dentry *dentry, __u32 labels, __u32 before)
{
	struct af_inode_key k = inode_key(inode);
	struct af_label_val v = { .labels = labels, .flags = AF_LV_DERIVED };
	struct af_inode_cache *ic;
	struct af_label_val *old;
	__u32 zero = 0, *ep;

	if (!labels || !af_holds_data(inode))
		return 0; /* pseudo files, pipes, sockets, devices: no data of their own */
	old = bpf_map_lookup_elem(&af_derived, &k);
	if (old && (old->labels | labels) == old->labels)
		return 0;
	if (old)
		v.labels |= old->labels;
	if (bpf_map_update_elem(&af_derived, &k, &v, BPF_ANY))
		return -ENOMEM;
	ic = bpf_inode_storage_get(&af_icache, inode, 0, 0);
	if (ic)
		__sync_fetch_and_or(&ic->labels, labels);
	af_labelled_g(v.labels, k.dev, k.ino, af_addr(dentry));
	if ((labels | before) == before || (inode->i_mode & S_IFMT) != S_IFDIR)
		return 0;
	ep = bpf_map_lookup_elem(&af_epoch, &zero);
	if (ep)
		__sync_fetch_and_add(ep, 1);
	return 0;
}

/* Whether the current process runs what PID 1 (of the first PID namespace) runs. */
static __always_inline bool af_runs_init(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct task_struct *init;
	struct inode *mine, *its;

	if ((bpf_get_current_pid_tgid() >> 32) == 1)
		return true;
	init = BPF_CORE_READ(t, thread_pid, numbers[0].ns, child_reaper);
	mine = BPF_CORE_READ(t, mm, exe_file, f_inode);
	its = init ? BPF_CORE_READ(init, mm, exe_file, f_inode) : NULL;
	return mine && mine == its;
}

/*
 * The one decision for every file hook: what op on data with these labels
 * gets for the current process, recorded when it is not a plain allow. An
 * in-place write to a trusted program's executable is refused whatever its
 * labels: trust must not carry over to different code.
 *
 * A global function, verified once rather than at every call site (Linux
 * 6.12's verifier walks each inline copy, and the loops inside it, again
 * per site). Its arguments are scalars, packed: lf = labels << 32 | flags
 * (AF_EVF_*), dop = dev << 32 | op << 8 | inplace (and AF_QUIET); dentry, the name to
 * record, is only read with bpf_probe_read_kernel.
 */
__noinline int af_decide_file_g(__u64 lf, __u64 dop, __u64 ino, __u64 dentry)
{
	__u32 labels = lf >> 32, flags = (__u32)lf, op = (dop >> 8) & 0xff;
	bool prot = (dop & AF_INPLACE) && op == AF_OP_WRITE && (flags & AF_EVF_PROTECTED);
	struct af_inode_key k = { .dev = dop >> 32, .ino = ino };
	struct af_event *ev;
	struct af_ctx c;
	__u32 action;

	if ((!labels && !prot) || af_ctx_policy(&c))
		return 0;
	/*
	 * Listing: systemd sets up units' file system namespaces over any
	 * path (PID 1, and its children before they run the unit's program:
	 * the same executable), and the controller looks up labelled paths
	 * and lists labelled directories for their hard links. None of them
	 * reads a file's content.
	 */
	if (op == AF_OP_LIST && (af_runs_init() || af_is_controller()))
		return 0;
	if (prot)
		action = c.pol->mode == AF_MODE_ENFORCE ? AF_DENY : AF_AUDIT;
	else
		action = af_action(&c, op, labels);
	/*
	 * Reading labelled data taints the reader (archfence's own files and
	 * labels that allow everything excepted); if that cannot be recorded,
	 * refuse.
	 */
	if (op == AF_OP_READ && action != AF_DENY &&
	    af_taint_from(labels & c.pol->tainting, AF_SRC_FILE, k.dev, k.ino))
		action = AF_DENY;
	af_count_decision(op, action, labels);
	if (action == AF_ALLOW || (action == AF_AUDIT && (dop & AF_QUIET)))
		return 0;
	ev = af_event_new(&c, AF_EV_FILE, op, action, labels, k.dev, k.ino);
	if (ev) {
		ev->flags |= flags & AF_EVF_UNKNOWN;
		if (prot)
			ev->flags |= AF_EVF_PROTECTED;
		if (dentry)
			event_path(ev, (struct dentry *)dentry);
		bpf_ringbuf_submit(ev, 0);
	}
	if (action != AF_DENY)
		return 0;
	/* Changing archfence itself is not permitted; labelled data is not accessible. */
	return (labels & AF_SELF_BIT) && op == AF_OP_WRITE ? -EPERM : -EACCES;
}

static __always_inline int decide_file(struct af_ctx *c, __u32 op, __u32 labels,
				       __u32 flags, struct inode *inode, struct dentry *dentry,
				       int inplace)
{
	__u64 dop = ((__u64)inode->i_sb->s_dev << 32) | (op & 0xff) << 8 | (inplace & 3);

	if (!labels && !(flags & AF_EVF_PROTECTED))
		return 0; /* the common case, decided without a call */
	return af_errno(af_decide_file_g((__u64)labels << 32 | flags, dop, inode->i_ino,
					 af_addr(dentry)));
}

/* An inode's labels and the decision for op on it, in one call. */
static __always_inline int check_inode(struct af_ctx *c, __u32 op, struct inode *inode,
				       struct dentry *dentry, int inplace)
{
	__u32 flags = 0, labels;

	if (!inode)
		return 0; /* a negative dentry holds no data */
	labels = inode_labels(c, inode, dentry, &flags);
	return decide_file(c, op, labels, flags, inode, dentry, inplace);
}

/*
 * The labels of a file that another file system opened on a process's behalf
 * (overlayfs gives its real file the overlay's path): the real inode's own
 * name is found through its alias list, and walked with plain reads, since
 * the verifier cannot type a pointer obtained that way. Only the real
 * inode's result is cached.
 */
struct alias_walk {
	struct af_ctx *c;
	struct dentry *d;	/* untyped: read with bpf_probe_read_kernel */
	__u32 labels;
	__u32 done;
};

static long alias_step(__u32 i, void *data)
{
	struct alias_walk *w = data;
	struct dentry *d = w->d, *parent = BPF_CORE_READ(d, d_parent);
	struct af_label_val *v;
	struct af_inode_key k;
	struct inode *pi;

	if (!parent || parent == d)
		goto done;
	pi = BPF_CORE_READ(parent, d_inode);
	if (!pi)
		goto done;
	k.dev = BPF_CORE_READ(pi, i_sb, s_dev);
	k.ino = BPF_CORE_READ(pi, i_ino);
	v = bpf_map_lookup_elem(w->c->labels, &k);
	if (v)
		w->labels |= v->labels;
	v = bpf_map_lookup_elem(&af_derived, &k);
	if (v)
		w->labels |= v->labels;
	w->d = parent;
	return 0;
done:
	w->done = 1;
	return 1;
}

static __noinline __u32 alias_labels(struct af_ctx *c, struct inode *inode, __u32 *flags)
{
	struct alias_walk w = { .c = c };
	struct af_inode_cache *ic;
	__u32 prot = 0;
	void *first;

	ic = bpf_inode_storage_get(&af_icache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (cache_valid(c, ic)) {
		*flags |= ic->flags;
		return ic->labels;
	}
	if (af_ctx_need(c))
		return 0; /* no policy in force */
	w.labels = own_labels(c, inode, &prot);
	*flags |= prot;
	first = BPF_CORE_READ(inode, i_dentry.first);
	if (first) {
		w.d = first - bpf_core_field_offset(struct dentry, d_u.d_alias);
		bpf_loop(AF_WALK_MAX, alias_step, &w, 0);
	}
	if (!w.done) {
		/* No name, or deeper than we walk: fail closed. */
		*flags |= AF_EVF_UNKNOWN;
		return w.labels | c->pol->rooted;
	}
	if (ic) {
		ic->labels = w.labels;
		ic->flags = prot;
		ic->gen = c->gen;
		ic->epoch = c->epoch;
	}
	return w.labels;
}


/*
 * Taint follows the data: a process reading a pipe or FIFO that a tainted
 * process wrote into is tainted in turn, and a file a tainted process writes
 * takes its labels (a copy of labelled data stays labelled).
 */
static __always_inline int taint_flow(struct af_ctx *c, __u32 op, struct inode *inode,
				      struct dentry *d, __u32 labels, __u32 taint)
{
	__u32 mode = inode->i_mode & S_IFMT;
	struct af_inode_cache *pc;

	if (op == AF_OP_READ) {
		if (mode != S_IFIFO)
			return 0;
		pc = bpf_inode_storage_get(&af_icache, inode, 0, 0);
		if (!pc || !pc->taint)
			return 0; /* nothing tainted was written into it */
		return af_taint_from(pc->taint, AF_SRC_PIPE, pc->from, 0) ? -EACCES : 0;
	}
	if (!taint)
		return 0; /* the writer carries nothing (read once, by check_file) */
	if (mode == S_IFIFO) {
		pc = bpf_inode_storage_get(&af_icache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!pc)
			return -EACCES; /* the taint would be lost on the way */
		pc->from = bpf_get_current_pid_tgid() >> 32;
		__sync_fetch_and_or(&pc->taint, taint);
		{
			struct pipe_taint pt = { .taint = pc->taint, .from = pc->from };
			__u64 key = (__u64)inode;

			if (bpf_map_update_elem(&af_pipes, &key, &pt, BPF_ANY))
				return -EACCES; /* a reader already waiting would miss it */
		}
		return 0;
	}
	if (mode != S_IFREG)
		return 0; /* devices, sockets (see net.bpf.c), directories */
	return carry_labels(c, inode, d, taint, labels) ? -EACCES : 0;
}

#define S_IFCHR		0020000
#define CGROUP_MAGIC	0x27e0eb
#define CGROUP2_MAGIC	0x63677270
#define ANON_MAGIC	0x09041934

/*
 * A tainted process writing where the data would not carry its taint: a
 * device (other than the ones every process needs: null, zero, full,
 * random, its terminal), a kernel file system (sysctls, sysfs, tracefs,
 * mqueue, ...; cgroupfs excepted, whose files hold numbers and names), or a
 * network or FUSE file system.
 */
static __always_inline int confine_write(struct af_ctx *c, struct inode *inode, __u32 taint)
{
	__u32 mode = inode->i_mode & S_IFMT, maj, min;
	unsigned long magic;

	if (mode == S_IFCHR || mode == S_IFBLK) {
		maj = inode->i_rdev >> 20;
		min = inode->i_rdev & 0xfffff;
		if (mode == S_IFCHR &&
		    ((maj == 1 && (min == 3 || min == 5 || min == 7 || min == 8 || min == 9)) ||
		     (maj == 5 && min <= 2) || maj == 4 || (maj >= 136 && maj <= 143)))
			return 0;
		/*
		 * A program trusted to write what it carries may write it to a
		 * device: a backup to tape or to a raw backup disk.
		 */
		if (af_ctx_need(c))
			return 0; /* no policy in force */
		if (!(taint & ~af_grant(c, AF_OP_WRITE)))
			return 0;
		return af_confined(AF_CONF_DEVICE, inode->i_rdev, -EACCES);
	}
	magic = inode->i_sb->s_magic;
	switch (magic) {
	case 0x6969:		/* NFS */
	case 0x517b:		/* SMB */
	case 0xff534d42:	/* CIFS */
	case 0xfe534d42:	/* SMB2 */
	case 0x01021997:	/* 9p */
	case 0x00c36400:	/* Ceph */
	case 0x65735546:	/* FUSE (sshfs, s3fs, ...: a daemon takes the bytes) */
	case 0x6b414653:	/* AFS */
	case 0x73757245:	/* Coda */
	case 0x19830326:	/* OrangeFS */
		/*
		 * A file system whose data goes to another host, or to a
		 * user-space daemon that reads it untainted: what is written
		 * there would leave unjudged.
		 */
		return af_confined(AF_CONF_REMOTE, magic, -EACCES);
	}
	if ((mode != S_IFREG && mode != S_IFDIR) || af_data_fs(inode))
		return 0;
	if (magic == CGROUP_MAGIC || magic == CGROUP2_MAGIC || magic == ANON_MAGIC)
		return 0;
	return af_confined(AF_CONF_PSEUDO, magic, -EACCES);
}

#define PROC_MAGIC	0x9fa0

/*
 * /proc/PID/cmdline and environ of a tainted process, read by another: data
 * with the owner's taint (stamped on the inode by af_task_to_inode), judged
 * as a read of a file with those labels.
 */
static __noinline int check_proc_read(struct af_ctx *c, struct inode *inode, struct dentry *d)
{
	struct af_inode_cache *pc = bpf_inode_storage_get(&af_icache, inode, 0, 0);
	__u64 name = 0;

	if (!pc || !pc->taint || pc->from == (bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (d->d_name.len != 7)
		return 0;
	bpf_probe_read_kernel(&name, 8, d->d_name.name);
	/* "cmdline\0" and "environ\0", little-endian */
	if (name != 0x00656e696c646d63ULL && name != 0x006e6f7269766e65ULL)
		return 0;
	return decide_file(c, AF_OP_READ, pc->taint, 0, inode, d, AF_INPLACE);
}

/* Not inline: the hooks' own frames stay small (a call chain has 512 bytes of stack in all). */
static __noinline int check_file(struct af_ctx *c, __u32 op, struct file *file)
{
	struct inode *inode = file->f_inode;
	struct dentry *d = file->f_path.dentry;
	__u32 flags = 0, labels, taint = 0;
	int ret;

	if (!inode || !d)
		return 0; /* no inode, no stored data */
	/* Reading a directory is listing it: its entries, no file's content. */
	if (op == AF_OP_READ && (inode->i_mode & S_IFMT) == S_IFDIR)
		op = AF_OP_LIST;
	if (op == AF_OP_READ && inode->i_sb->s_magic == PROC_MAGIC) {
		ret = check_proc_read(c, inode, d);
		if (ret)
			return ret;
	}
	if (op == AF_OP_WRITE) {
		taint = af_taint_of_current();
		if (taint) {
			ret = confine_write(c, inode, taint);
			if (ret)
				return ret;
		}
	}
	if (d->d_inode == inode)
		labels = inode_labels(c, inode, d, &flags);
	else
		labels = alias_labels(c, inode, &flags);
	/* What a tainted process writes into a data file will carry its labels. */
	if (op == AF_OP_WRITE && (inode->i_mode & S_IFMT) == S_IFREG && af_data_fs(inode))
		ret = decide_file(c, op, labels | taint, flags, inode, d, AF_INPLACE);
	else
		ret = decide_file(c, op, labels, flags, inode, d, AF_INPLACE);
	if (ret)
		return ret;
	return taint_flow(c, op, inode, d, labels, taint);
}

/*
 * A read or write on a socket's file (read, write, sendfile and splice into
 * or out of a socket go through file_permission, not sendmsg). Called by
 * af_file_permission (files.bpf.c): one program on that hook. Not inline:
 * its frame stays off the stack of the file checks' calls.
 */
/* A write into a socket's file: a send to its peer. Apart, for its frame. */
static __noinline int sock_file_send(const struct af_ctx *c, struct socket *sock)
{
	return check_send(c, sock, NULL, 0);
}

/*
 * Reading a Unix socket by splice (unix_stream_splice_read) goes past
 * socket_recvmsg: its taint is taken here, where every read and splice of
 * the socket's file passes.
 */
static __noinline int taint_from_unix(struct sock *sk)
{
	struct af_sock_state *st = bpf_sk_storage_get(&af_sock, sk, 0, 0);

	if (!st || !st->taint)
		return 0;
	if (af_sink_of(af_task_of_current()))
		return 0; /* a sink is never tainted; socket_recvmsg records what it reads */
	return af_taint_from(st->taint, AF_SRC_UNIX, st->from, 0) ? -EACCES : 0;
}

static __noinline int sock_file_permission(const struct af_ctx *c, struct file *file, int mask)
{
	struct socket *sock;
	struct sock *sk;
	int ret = 0;

	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0; /* not a socket after all */
	sk = sock->sk;
	if ((mask & MAY_READ) && sk) {
		__u16 family = sk->__sk_common.skc_family;

		if (family == AF_INET_FAMILY || family == AF_INET6_FAMILY)
			ret = taint_from_flow(sock);
		else if (family == AF_UNIX_FAMILY)
			ret = taint_from_unix(sk);
		if (ret)
			return ret;
	}
	if (!(mask & (MAY_WRITE | MAY_APPEND)))
		return 0;
	return sock_file_send(c, sock);
}


SEC("lsm/file_open")
int BPF_PROG(af_file_open, struct file *file, int ret)
{
	struct af_ctx c;
	__u32 mode, flags;

	if (ret)
		return ret;
	if (af_ctx_state(&c))
		return 0; /* no policy in force yet: nothing is labelled */
	mode = file->f_mode;
	flags = file->f_flags;
	/*
	 * Opened for neither reading nor writing (access mode 3, for ioctls,
	 * which can change data: partitions, discard, flags): both.
	 */
	if (!(mode & (FMODE_READ | FMODE_WRITE | FMODE_EXEC)))
		mode |= FMODE_READ | FMODE_WRITE;
	if (mode & (FMODE_READ | FMODE_EXEC)) {
		ret = check_file(&c, AF_OP_READ, file);
		if (ret)
			return ret;
	}
	if ((mode & FMODE_WRITE) || (flags & O_TRUNC_FLAG))
		ret = check_file(&c, AF_OP_WRITE, file);
	return ret;
}

SEC("lsm/file_permission")
int BPF_PROG(af_file_permission, struct file *file, int mask, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_state(&c))
		return 0; /* no policy in force yet */
	if (file->f_inode && (file->f_inode->i_mode & S_IFMT) == S_IFSOCK)
		return af_ctx_need(&c) ? 0 : sock_file_permission(&c, file, mask);
	if (mask & MAY_READ) {
		ret = check_file(&c, AF_OP_READ, file);
		if (ret)
			return ret;
	}
	if (mask & (MAY_WRITE | MAY_APPEND))
		ret = check_file(&c, AF_OP_WRITE, file);
	return ret;
}

SEC("lsm/mmap_file")
int BPF_PROG(af_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long mflags, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (!file)
		return 0; /* anonymous memory */
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	if (prot & (PROT_READ | PROT_EXEC)) {
		ret = check_file(&c, AF_OP_READ, file);
		if (ret)
			return ret;
	}
	if ((prot & PROT_WRITE) && (mflags & MAP_SHARED))
		ret = check_file(&c, AF_OP_WRITE, file);
	return ret;
}

SEC("lsm/file_mprotect")
int BPF_PROG(af_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;
	struct af_ctx c;

	if (ret)
		return ret;
	file = vma->vm_file;
	if (!file)
		return 0; /* anonymous memory */
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	if (prot & (PROT_READ | PROT_EXEC)) {
		ret = check_file(&c, AF_OP_READ, file);
		if (ret)
			return ret;
	}
	if ((prot & PROT_WRITE) && (vma->vm_flags & VM_SHARED))
		ret = check_file(&c, AF_OP_WRITE, file);
	return ret;
}

static __always_inline int setattr(struct dentry *dentry, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_inode(&c, AF_OP_WRITE, dentry->d_inode, dentry, AF_INPLACE);
}

/*
 * chmod, chown, utimes, truncate. Linux 6.3 put an idmap before the dentry;
 * the controller loads the one of these two that fits the running kernel.
 */
SEC("lsm/inode_setattr")
int BPF_PROG(af_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	return setattr(dentry, ret);
}

SEC("lsm/inode_setattr")
int BPF_PROG(af_inode_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr,
	     int ret)
{
	return setattr(dentry, ret);
}

/*
 * Setting an extended attribute or an ACL: a write on the file's labels and,
 * from a tainted process, a value others can read. A regular file on a data
 * file system takes the writer's labels, as with a write of its content;
 * anything else (a directory, whose labels would go to its whole subtree, a
 * device, a pseudo file) may take it only where it already carries those
 * labels.
 */
static __noinline int check_attr_write(struct af_ctx *c, struct dentry *d)
{
	struct inode *inode = d->d_inode;
	__u32 flags = 0, labels, taint;
	int ret;

	if (!inode)
		return 0;
	labels = inode_labels(c, inode, d, &flags);
	taint = af_taint_of_current();
	if (!(taint & ~labels))
		return decide_file(c, AF_OP_WRITE, labels, flags, inode, d, AF_INPLACE);
	if ((inode->i_mode & S_IFMT) != S_IFREG || !af_data_fs(inode))
		return af_confined(AF_CONF_ATTR, inode->i_ino, -EACCES);
	ret = decide_file(c, AF_OP_WRITE, labels | taint, flags, inode, d, AF_INPLACE);
	if (ret)
		return ret;
	return carry_labels(c, inode, d, taint, labels) ? -EACCES : 0;
}

static __always_inline int attr_write(struct dentry *dentry, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_attr_write(&c, dentry);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(af_inode_setxattr, struct user_namespace *userns, struct dentry *dentry,
	     const char *name, const void *value, size_t size, int xflags, int ret)
{
	return attr_write(dentry, ret);
}

/* Linux 6.2 on: setfacl comes here, not to inode_setxattr. */
SEC("lsm/inode_set_acl")
int BPF_PROG(af_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	return attr_write(dentry, ret);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(af_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_inode(&c, AF_OP_WRITE, dentry->d_inode, dentry, AF_INPLACE);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(af_inode_removexattr, struct user_namespace *userns, struct dentry *dentry,
	     const char *name, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_inode(&c, AF_OP_WRITE, dentry->d_inode, dentry, AF_INPLACE);
}

/*
 * stat, statx, fstat and friends: a file's metadata (size, times, owner),
 * which list governs, as it does a directory's entries.
 */
SEC("lsm/inode_getattr")
int BPF_PROG(af_inode_getattr, const struct path *path, int ret)
{
	struct dentry *d;
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_state(&c))
		return 0; /* no policy in force yet */
	d = path->dentry;
	if (!d || !d->d_inode || !af_holds_data(d->d_inode))
		return 0; /* a device node's or a pseudo file's metadata is no inventory */
	return check_inode(&c, AF_OP_LIST, d->d_inode, d, AF_QUIET);
}

/* A directory's labels, as a write into it would carry them. */
static __always_inline int check_dir_write(struct af_ctx *c, struct inode *dir,
					   struct dentry *child)
{
	struct dentry *d = child->d_parent;

	return check_inode(c, AF_OP_WRITE, dir, d, AF_REPLACE);
}

/*
 * Creating in a directory is a write on its labels and, for a tainted
 * process, on the labels what it creates will carry.
 */
static __always_inline int check_dir_create(struct af_ctx *c, struct inode *dir,
					    struct dentry *child)
{
	struct dentry *d = child->d_parent;
	__u32 flags = 0, labels;

	if (!dir)
		return 0; /* no directory: the creation fails on its own */
	labels = inode_labels(c, dir, d, &flags);
	if (af_data_fs(dir))
		labels |= af_taint_of_current();
	return decide_file(c, AF_OP_WRITE, labels, flags, dir, d, AF_REPLACE);
}

SEC("lsm/inode_unlink")
int BPF_PROG(af_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	ret = check_inode(&c, AF_OP_WRITE, dentry->d_inode, dentry, AF_REPLACE);
	if (ret)
		return ret;
	return check_dir_write(&c, dir, dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(af_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	ret = check_inode(&c, AF_OP_WRITE, dentry->d_inode, dentry, AF_REPLACE);
	if (ret)
		return ret;
	return check_dir_write(&c, dir, dentry);
}

SEC("lsm/inode_create")
int BPF_PROG(af_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_dir_create(&c, dir, dentry);
}

SEC("lsm/inode_mkdir")
int BPF_PROG(af_inode_mkdir, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_dir_create(&c, dir, dentry);
}

SEC("lsm/inode_mknod")
int BPF_PROG(af_inode_mknod, struct inode *dir, struct dentry *dentry, umode_t mode,
	     dev_t dev, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_dir_create(&c, dir, dentry);
}

/*
 * A symlink's target is text anyone may read (readlink), and the link
 * cannot be labelled before it exists: a tainted process may make one only
 * in a directory that carries its taint already.
 */
SEC("lsm/inode_symlink")
int BPF_PROG(af_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	__u32 flags = 0, taint;
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	taint = af_taint_of_current();
	if (taint && dir && (taint & ~inode_labels(&c, dir, dentry->d_parent, &flags)))
		return af_confined(AF_CONF_ATTR, dir->i_ino, -EACCES);
	return check_dir_create(&c, dir, dentry);
}

/*
 * A rename is a write on what moves, on the directory it leaves, on the
 * directory it enters and on what it replaces. If allowed, what moves keeps
 * its labels and gains those of its new directory.
 */
SEC("lsm/inode_rename")
int BPF_PROG(af_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	__u32 flags = 0, moving, into;
	struct inode *inode, *target;
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	inode = old_dentry->d_inode;
	if (!inode)
		return 0; /* nothing to move: the rename fails on its own */
	moving = inode_labels(&c, inode, old_dentry, &flags);
	ret = decide_file(&c, AF_OP_WRITE, moving, flags, inode, old_dentry, AF_REPLACE);
	if (ret)
		return ret;
	ret = check_dir_write(&c, old_dir, old_dentry);
	if (ret)
		return ret;
	flags = 0;
	into = inode_labels(&c, new_dir, new_dentry->d_parent, &flags);
	ret = decide_file(&c, AF_OP_WRITE, into, flags, new_dir, new_dentry->d_parent,
			  AF_REPLACE);
	if (ret)
		return ret;
	target = new_dentry->d_inode;
	if (target) {
		ret = check_inode(&c, AF_OP_WRITE, target, new_dentry, AF_REPLACE);
		if (ret)
			return ret;
	}
	return carry_labels(&c, inode, old_dentry, moving | into, moving) ? -EACCES : 0;
}

/* A link is a write on the file linked and on the directory it enters. */
SEC("lsm/inode_link")
int BPF_PROG(af_inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	__u32 flags = 0, labels, into;
	struct inode *inode;
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	inode = old_dentry->d_inode;
	if (!inode)
		return 0; /* nothing to link: the link fails on its own */
	labels = inode_labels(&c, inode, old_dentry, &flags);
	ret = decide_file(&c, AF_OP_WRITE, labels, flags, inode, old_dentry, AF_REPLACE);
	if (ret)
		return ret;
	flags = 0;
	into = inode_labels(&c, dir, new_dentry->d_parent, &flags);
	ret = decide_file(&c, AF_OP_WRITE, into, flags, dir, new_dentry->d_parent, AF_REPLACE);
	if (ret)
		return ret;
	return carry_labels(&c, inode, old_dentry, labels | into, labels) ? -EACCES : 0;
}

/*
 * The last link of an inode is gone and the inode with it: so are its
 * derived labels, or a new file that reuses the inode number would carry
 * them. (An inode merely evicted from the cache keeps them: i_nlink > 0.)
 */
SEC("lsm/inode_free_security")
int BPF_PROG(af_inode_free, struct inode *inode)
{
	struct af_inode_key k;
	__u64 key = (__u64)inode;

	if ((inode->i_mode & S_IFMT) == S_IFIFO)
		bpf_map_delete_elem(&af_pipes, &key);
	if (inode->i_nlink)
		return 0;
	k = inode_key(inode);
	bpf_map_delete_elem(&af_derived, &k);
	return 0;
}

/*
 * Taint arrives with the data: a reader that was already waiting in read()
 * when a tainted writer wrote (file_permission ran before the data was
 * there) is tainted as the data reaches it, before it can do anything with
 * it. Loaded where the kernel's BTF has pipe_read.
 */
/* The current process takes what tainted writers put in the pipe at key. */
static __always_inline void taint_from_pipe(__u64 key)
{
	struct pipe_taint *pt = bpf_map_lookup_elem(&af_pipes, &key);

	if (pt && pt->taint)
		af_taint_from(pt->taint, AF_SRC_PIPE, pt->from, 0);
}

SEC("fexit/pipe_read")
int BPF_PROG(af_pipe_read_exit, struct kiocb *iocb, struct iov_iter *to, ssize_t ret)
{
	if (ret > 0)
		taint_from_pipe((__u64)iocb->ki_filp->f_inode);
	return 0;
}

/*
 * splice, tee and vmsplice move data into and out of pipes with no read()
 * or write() on the pipe, so no file_permission on it. Each of them finds
 * its pipes with get_pipe_info (io_uring's splice and tee too): whoever
 * moves data through a pipe this way takes the pipe's taint, and a tainted
 * process gives the pipe its own. A tracing program cannot refuse: a pipe
 * whose taint cannot be recorded (af_pipes full) is not marked.
 */
SEC("fentry/get_pipe_info")
int BPF_PROG(af_get_pipe_info, struct file *file, bool for_splice)
{
	struct inode *inode = file ? file->f_inode : NULL;
	__u32 taint;

	if (!inode || (inode->i_mode & S_IFMT) != S_IFIFO)
		return 0;
	taint_from_pipe((__u64)inode);
	taint = af_taint_of_current();
	if (taint)
		af_pipe_mark((__u64)inode, taint);
	return 0;
}

/*
 * A splice into a pipe: the labelled file (or tainted socket) it splices
 * from is read inside it, after get_pipe_info. Until it returns, a taint the
 * thread gains goes to the pipe too (af_splice_mark), before the data does.
 */
SEC("fentry/do_splice")
int BPF_PROG(af_do_splice, struct file *in, loff_t *off_in, struct file *out, loff_t *off_out,
	     size_t len, unsigned int flags)
{
	struct inode *o = out ? out->f_inode : NULL;
	__u64 *pipe;
	__s64 *n;
	__u32 zero = 0;

	if (!o || (o->i_mode & S_IFMT) != S_IFIFO)
		return 0;
	pipe = bpf_task_storage_get(&af_splicing, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	n = bpf_map_lookup_elem(&af_splicing_n, &zero);
	if (!pipe || !n || *pipe)
		return 0;
	*pipe = (__u64)o;
	__sync_fetch_and_add(n, 1);
	return 0;
}

SEC("fexit/do_splice")
int BPF_PROG(af_do_splice_exit, struct file *in, loff_t *off_in, struct file *out,
	     loff_t *off_out, size_t len, unsigned int flags, long ret)
{
	struct inode *o = out ? out->f_inode : NULL;
	__u64 *pipe;
	__s64 *n;
	__u32 zero = 0;

	pipe = bpf_task_storage_get(&af_splicing, bpf_get_current_task_btf(), 0, 0);
	n = bpf_map_lookup_elem(&af_splicing_n, &zero);
	if (!pipe || !n || !*pipe || *pipe != (__u64)o)
		return 0;
	*pipe = 0;
	__sync_fetch_and_add(n, -1);
	return 0;
}

/*
 * A tainted process's core dump holds its memory. Written to a file, the
 * file takes its labels (the kernel opens it in the dumping process, through
 * file_open); written to a pipe (core_pattern "|helper": systemd-coredump,
 * apport), the pipe carries its taint to the helper, which reads it. The
 * ELF header goes out first, through dump_emit: the pipe is marked before
 * any of the memory.
 */
SEC("fentry/dump_emit")
int BPF_PROG(af_dump_emit, struct coredump_params *cprm, const void *addr, int nr)
{
	struct file *f = cprm ? cprm->file : NULL;
	struct inode *inode = f ? f->f_inode : NULL;
	__u32 taint;

	if (!inode || (inode->i_mode & S_IFMT) != S_IFIFO)
		return 0;
	taint = af_taint_of_current();
	if (taint)
		af_pipe_mark((__u64)inode, taint);
	return 0;
}
