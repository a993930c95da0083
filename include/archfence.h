/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel programs (bpf/) and the controller (user/) share: map keys
 * and values, the event record, and the ids of labels, operations, actions and
 * modes. Fixed-width types, fixed-size arrays and enums with explicit values
 * only; the controller guards the layout with _Static_assert.
 */
#ifndef ARCHFENCE_H
#define ARCHFENCE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define AF_MAX_LABELS		32	/* labels are bits of a __u32 mask */
#define AF_SELF_LABEL		31	/* archfence's own files and pins: the last bit */
#define AF_MAX_POLICY_LABELS	31	/* labels a policy may define */
#define AF_LABEL_NAME_MAX	32
#define AF_PATH_MAX		1024	/* size of an event's path buffer */
#define AF_EXE_CAP		255	/* bytes of the executable's path an event carries, at most */
#define AF_EXE_MAX		512	/* size of an event's executable path buffer */
#define AF_PATH_CAP		511	/* bytes of path it carries, at most */
#define AF_PATH_DEPTH		64	/* path components it carries, at most */
#define AF_COMM_LEN		16
#define AF_WALK_MAX		4096	/* parent directories walked per lookup */

/* Pins under the BPF file system. */
#define AF_PIN_DIR		"/sys/fs/bpf/archfence"

enum af_op {
	AF_OP_READ	= 0,
	AF_OP_WRITE	= 1,
	AF_OP_SEND	= 2,
	AF_OP_LIST	= 3,	/* a directory's entries, a file's metadata (ls, du, find, stat) */
	AF_OP_COUNT	= 4,
};

enum af_action {
	AF_ALLOW	= 0,
	AF_AUDIT	= 1,
	AF_DENY		= 2,
};

enum af_mode {
	AF_MODE_OFF	= 0,
	AF_MODE_AUDIT	= 1,	/* every deny becomes an audit record */
	AF_MODE_ENFORCE	= 2,
};

/* An inode, as the kernel names it. */
struct af_inode_key {
	__u64 dev;		/* super_block->s_dev, the kernel's encoding */
	__u64 ino;		/* inode->i_ino */
};

/* Key of a block device in the label map: dev = AF_BLKDEV_DEV, ino = its dev_t. */
/*
 * Key of a file system in the label map: dev = its device, ino = 0: the
 * labels of every labelled path on it (for objects reached without their
 * parents, through a file handle), and archfence's own for its pins' bpffs.
 */
#define AF_BLKDEV_DEV	(~0ull)

/* Value of the label map. */
struct af_label_val {
	__u32 labels;		/* mask of label ids */
	__u32 flags;		/* AF_LV_* */
};

#define AF_LV_ROOT	(1u << 0)	/* named in the policy */
#define AF_LV_LINKED	(1u << 1)	/* a hard-linked file inside a labelled tree */
#define AF_LV_DERIVED	(1u << 2)	/* added by the kernel: moved, linked or copied */
#define AF_LV_TRUSTED	(1u << 3)	/* a trusted program's executable: no in-place writes */
#define AF_LV_CONTROLLER (1u << 4)	/* the archfence controller's executable */
#define AF_LV_SINK	(1u << 5)	/* a sink's executable: taint stops there (see struct af_task) */
#define AF_LV_SINK_REFUSE (1u << 6)	/* ...and tainted data sent to it is refused */
#define AF_LV_SINK_ID(f)	(((f) >> 8) & 0xff)	/* which sink: index into af_meta.sinks */
#define AF_LV_SINK_SHIFT	8

/*
 * Sinks: processes that receive data from everyone (PID 1, journald, the
 * D-Bus broker, ...) and must never become tainted. Data a tainted process
 * hands to a sink is recorded (or refused) there, and its taint stops.
 * Sink 0 is PID 1, always; the policy names the rest.
 */
#define AF_MAX_SINKS		16
#define AF_SINK_PID1		0

/*
 * A trusted program or unit: its executable, and the unit it must be a
 * member of (0: any). An entry for a whole unit, whatever its processes
 * run, has dev and ino 0.
 */
struct af_trust_key {
	__u64 dev;
	__u64 ino;
	__u64 unit_hash;	/* AF_FNV1A64 of the systemd unit name, or 0 */
};

struct af_trust {
	__u32 grant[AF_OP_COUNT];	/* labels the program may bypass, per operation */
	__u32 sink;		/* a sink: AF_TASK_SINK* flags and its id, else 0 */
	__u32 flags;		/* AF_TRUST_* */
};

#define AF_TRUST_INHERIT	(1u << 0)	/* the grants pass to the program's descendants */

/* FNV-1a, 64 bits, over a unit name's bytes: both sides compute it. */
#define AF_FNV64_OFFSET	0xcbf29ce484222325ull
#define AF_FNV64_PRIME	0x100000001b3ull
#define AF_UNIT_NAME_MAX	128

/*
 * What a process carries, in task local storage.
 *
 * Unit membership goes by lineage: a process PID 1 forked (AF_TASK_SPAWNED)
 * takes the cgroup it runs execve in as its unit (unit_cg, unit_hash), and
 * its descendants by fork inherit it. A process is a member of that unit
 * only while it is in that very cgroup: joining a cgroup, or having one of
 * the same name, confers nothing.
 */
struct af_task {
	__u64 prog_dev;		/* the file execve named (a script, not its interpreter) */
	__u64 prog_ino;
	__u64 unit_hash;	/* FNV-1a 64 of its unit's name (its cgroup's), 0: no unit */
	__u64 pend_dev;		/* the same, for an execve not yet past its point of no return */
	__u64 pend_ino;
	__u64 unit_cg;		/* its unit's cgroup id (cgroup v2), 0: no unit */
	__u32 gen;		/* generation grant[] was worked out for; 0: not yet */
	__u32 taint;		/* labels of data it has read */
	__u32 grant[AF_OP_COUNT];
	__u32 flags;		/* AF_TASK_*; a sink's id in bits 8-15 (AF_LV_SINK_ID) */
	__u32 pend_flags;
	__u32 taint_src;	/* how it was first tainted: AF_SRC_* */
	__u64 taint_ns;		/* when (CLOCK_MONOTONIC), 0: untainted */
	__u64 src_a;		/* AF_SRC_FILE: dev; AF_SRC_PROC: the other process's tgid */
	__u64 src_b;		/* AF_SRC_FILE: ino */
	__u64 init_cg;		/* AF_TASK_SPAWNED: PID 1's cgroup when it forked it */
	__u64 grant_cg;		/* the cgroup grant[] was worked out in (0: unit_cg is 0) */
	__u64 inh_dev;		/* the trusted program whose grants it inherits (inherit: yes) */
	__u64 inh_ino;
	__u32 inh_pid;		/* ...and the process that ran it */
	__u32 pad;
};

#define AF_TASK_CONTROLLER	(1u << 0)	/* runs the archfence controller */
#define AF_TASK_SINK		(1u << 1)	/* a sink: never tainted */
#define AF_TASK_SINK_REFUSE	(1u << 2)	/* a sink to which tainted data is refused */
#define AF_TASK_SPAWNED		(1u << 3)	/* forked by PID 1 itself (not inherited) */

/* How a process came to be tainted. */
enum af_taint_src {
	AF_SRC_NONE	= 0,
	AF_SRC_FILE	= 1,	/* read a labelled file (src_a, src_b: its inode) */
	AF_SRC_PIPE	= 2,	/* read a pipe or FIFO tainted data was written into */
	AF_SRC_UNIX	= 3,	/* read a Unix socket (src_a: the tainted sender's tgid) */
	AF_SRC_FLOW	= 4,	/* read a local network flow a tainted process sent into */
	AF_SRC_PTRACE	= 5,	/* read a tainted process's memory (src_a: its tgid) */
	AF_SRC_PARENT	= 6,	/* inherited from its parent (src_a: the parent's tgid) */
};

/*
 * The policy of one generation. deny[op] and audit[op] are masks of the
 * labels whose action for op is deny or audit; the strictest action of an
 * object's labels wins.
 */
struct af_policy {
	__u32 mode;		/* enum af_mode */
	__u32 gen;		/* generation number, never 0 once applied */
	__u32 deny[AF_OP_COUNT];
	__u32 audit[AF_OP_COUNT];
	__u32 nlabels;		/* labels defined */
	__u32 rooted;		/* labels that some path carries */
	__u32 flags;		/* AF_POL_* */
	__u32 tainting;		/* labels with some action other than allow: reading them taints */
};

#define AF_POL_SENDALL	(1u << 0)	/* send rules cover every non-loopback destination */

/* Global state, one entry: what the programs read first. */
struct af_state {
	__u32 gen;		/* generation in force; 0: no policy yet */
	__u32 flags;		/* AF_STATE_* */
	__u8 build[16];		/* the BPF object that wrote it (first bytes of its SHA-256) */
};

#define AF_STATE_LOCKED	(1u << 0)	/* locked until reboot: nothing may change */

/*
 * What the controller records about each generation, for status and for
 * turning label masks back into names (slot = gen & 1). The programs never
 * read it.
 */
struct af_meta {
	__u64 applied_ns;	/* CLOCK_REALTIME */
	__u32 uid;		/* who applied it */
	__u32 loginuid;
	__u32 gen;
	__u32 nroots;		/* labelled paths in the policy */
	__u32 nlinked;		/* hard-linked files and mount roots found under them */
	__u32 ntrusted;
	__u32 ncloud;
	__u32 flags;		/* AF_META_* */
	__u8 sha256[32];
	char file[256];
	char labels[AF_MAX_LABELS][AF_LABEL_NAME_MAX];
	char sinks[AF_MAX_SINKS][AF_LABEL_NAME_MAX];	/* sink names by id ("" unused) */
};

#define AF_META_LOCK	(1u << 0)	/* the policy asks for locked mode */
#define AF_META_SENDALL	(1u << 1)	/* send rules cover every non-loopback destination */

/* Per-inode cache in inode local storage. */
struct af_inode_cache {
	__u32 gen;		/* policy generation it was computed for */
	__u32 epoch;		/* tree epoch it was computed in */
	__u32 labels;
	__u32 flags;
	__u32 taint;		/* pipes and FIFOs: labels of what tainted writers put in */
	__u32 from;		/* ...and the last tainted writer's tgid */
};

/* Unix sockets, in socket local storage. */
struct af_sock_state {
	__u32 taint;		/* labels of what tainted senders queued on it */
	__u32 from;		/* the last tainted sender's tgid */
	__u32 sink;		/* read by a sink: its AF_TASK_SINK* flags and id, else 0 */
	__u32 pad;
};

/*
 * Cloud destinations: a longest-prefix-match trie of IPv6 addresses (IPv4 as
 * ::ffff:a.b.c.d, prefix + 96), each with the ports it covers, those of
 * wider ranges that contain it included.
 */
#define AF_CLOUD_PORTS	8

struct af_cloud_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct af_cloud_val {
	__u16 nports;		/* 0: every port */
	__u16 lo[AF_CLOUD_PORTS];
	__u16 hi[AF_CLOUD_PORTS];
	__u16 pad;
};

/*
 * A flow a tainted process sent into, from the receiver's side of view: its
 * receiver is tainted in turn (a local proxy that would carry the data on).
 * Addresses as IPv6 or IPv4-mapped; saddr zero and sport 0 for a receiver
 * that is not connected (UDP).
 */
struct af_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;		/* host order */
	__u16 dport;
	__u16 proto;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u16 pad;
};

/*
 * Labelled paths that do not exist yet: the kernel labels each the moment
 * it appears. A path is a list of name hashes below the nearest directory
 * that existed (af_pending_path, by id); what is awaited is keyed by the
 * directory a name will appear in and that name's hash, with the paths that
 * await it there and how far along each is. When the name appears, the
 * entry moves one level down; at a path's last name, the new inode takes
 * its labels (as a derived label).
 */
#define AF_PENDING_DEPTH	16
#define AF_MAX_PENDING		32

struct af_pending_path {
	__u32 labels;
	__u32 n;			/* names missing when applied */
	__u64 hash[AF_PENDING_DEPTH];	/* FNV-1a 64 of each */
};

struct af_pending_key {
	__u64 dev;		/* the directory the next name will appear in */
	__u64 ino;
	__u64 name_hash;	/* AF_FNV64 of that name's bytes */
};

struct af_pending_val {
	__u32 ids;			/* the paths that await this name here */
	__u8 next[AF_MAX_PENDING];	/* for each, the index of this name in it */
};

#define AF_STATE_PENDING (1u << 1)	/* some labelled path is pending */

/* Event kinds. */
enum af_event_kind {
	AF_EV_FILE	= 1,
	AF_EV_SEND	= 2,
	AF_EV_LABELLED	= 3,	/* a file took labels: moved, linked or written by a tainted process */
	AF_EV_SELF	= 4,	/* an attempt on archfence itself; dev says what (AF_SELF_*) */
	AF_EV_SINK	= 5,	/* tainted data reached a sink: dev = sink id, ino = the other tgid */
	AF_EV_PENDING	= 6,	/* a pending path appeared and took its labels: dev, ino */
	AF_EV_CONFINED	= 7,	/* a tainted process was refused a channel: dev = AF_CONF_*, ino = detail */
};

/*
 * What a tainted process was refused (AF_EV_CONFINED): a way to hand data
 * to another process or out of the host that does not carry its taint.
 */
enum af_confined_what {
	AF_CONF_CAP	= 1,	/* a capability (ino: its number) */
	AF_CONF_SOCKET	= 2,	/* a raw, packet or other non-Internet socket (ino: family << 16 | type) */
	AF_CONF_MSGQ	= 3,	/* sending on a System V message queue */
	AF_CONF_SHM	= 4,	/* attaching System V shared memory for writing */
	AF_CONF_KEY	= 5,	/* creating or changing a key in the kernel's keyrings */
	AF_CONF_PTRACE	= 6,	/* writing into another process's memory, or being traced */
	AF_CONF_DEVICE	= 7,	/* writing to a device (ino: its dev_t, kernel encoding) */
	AF_CONF_PSEUDO	= 8,	/* writing to a kernel file system (ino: its magic) */
	AF_CONF_ATTR	= 9,	/* an xattr, ACL or symlink where it would not carry the taint (ino: the inode) */
	AF_CONF_NAME	= 10,	/* naming itself or its memory (ino: PR_SET_NAME or PR_SET_VMA) */
	AF_CONF_REMOTE	= 11,	/* writing to a network or FUSE file system (ino: its magic) */
	AF_CONF_SEM	= 12,	/* setting or changing a System V semaphore */
	AF_CONF_SIGNAL	= 13,	/* a signal with a payload to another process (ino: the signal) */
};

/* What an AF_EV_SELF attempt was on. */
enum af_self_what {
	AF_SELF_MAP	 = 1,	/* a descriptor of an archfence map */
	AF_SELF_PROG	 = 2,	/* a descriptor of an archfence program */
	AF_SELF_LINK	 = 3,	/* a descriptor of an archfence link */
	AF_SELF_OVERRIDE = 4,	/* loading a program that could override LSM decisions */
	AF_SELF_TRACE	 = 5,	/* tracing the controller */
	AF_SELF_WINDOW	 = 6,	/* a kernel window onto memory: kcore, /dev/mem, tracing, perf */
};

/* The key of an object in af_own: its kind of number, and the number. */
#define AF_OWN_KEY(space, id)	(((__u64)(space) << 32) | (id))
#define AF_OWN_SPACE_MAP	1
#define AF_OWN_SPACE_PROG	2
#define AF_OWN_SPACE_LINK	3

/* Kinds of archfence objects in af_own (its value). */
enum af_own_kind {
	AF_OWN_MAP	= 1,
	AF_OWN_EVENTS	= 2,	/* the event ring buffer: drained even when locked */
	AF_OWN_PROG	= 3,
	AF_OWN_LINK	= 4,
};

/* Event flags. */
#define AF_EVF_PATH_FS	(1u << 0)	/* path is relative to its file system's root */
#define AF_EVF_TRUNC	(1u << 1)	/* path was truncated */
#define AF_EVF_UNKNOWN	(1u << 2)	/* label could not be established: failed closed */
#define AF_EVF_PROTECTED (1u << 3)	/* an in-place write to a trusted program's executable */
#define AF_EVF_SUMMARY	(1u << 4)	/* repeats flushed at the end of a window: only key fields */
#define AF_EVF_AT_SINK	(1u << 5)	/* AF_EV_SINK recorded by the sink as it read: ino is the sender */
#define AF_EVF_EXE_TRUNC (1u << 6)	/* the executable's path was truncated */

/* One audit or deny, as the ring buffer carries it. */
struct af_event {
	__u64 time_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;	/* cgroup v2 id of the process */
	__u64 dev;		/* the object */
	__u64 ino;
	__u64 exe_dev;		/* the process's executable */
	__u64 exe_ino;
	__u32 pid;		/* thread id */
	__u32 tgid;		/* process id */
	__u32 uid;
	__u32 loginuid;
	__u32 kind;		/* enum af_event_kind */
	__u32 op;		/* enum af_op */
	__u32 action;		/* enum af_action actually taken */
	__u32 labels;		/* labels of the object */
	__u32 count;		/* accesses this record stands for (coalesced) */
	__u32 flags;		/* AF_EVF_* */
	__u32 policy_gen;
	__u32 path_off;		/* the path is path[path_off..], NUL-terminated */
	__u16 dport;		/* sends: destination port, host order */
	__u16 family;		/* sends: AF_INET or AF_INET6 */
	__u8 daddr[16];		/* sends: IPv4 in the first 4 bytes, or IPv6 */
	__u32 exe_off;		/* the executable's path is exe[exe_off..] (from its file system's root), or "" */
	char comm[AF_COMM_LEN];
	char path[AF_PATH_MAX];
	char exe[AF_EXE_MAX];
};

/*
 * Coalescing: the first access of a (process, object, operation, action)
 * is recorded at once; repeats within AF_COALESCE_NS are counted and
 * recorded together, in the next record of that key once the window has
 * passed, or by af_flush.
 */
#define AF_COALESCE_NS		1000000000ull
#define AF_COALESCE_MAX		16384

struct af_coalesce_key {
	__u64 obj1;		/* files: dev; sends: port and family */
	__u64 obj2;		/* files: ino; sends: hash of the address */
	__u32 tgid;
	__u16 op;
	__u8 action;
	__u8 kind;
};

struct af_coalesce_val {
	__u64 start_ns;		/* the window began */
	__u32 pending;		/* accesses counted, not yet recorded */
	__u32 labels;
	__u32 uid;
	__u32 loginuid;
	/* who made the first access, for the summary af_flush records */
	__u64 cgroup_id;
	__u64 exe_dev;
	__u64 exe_ino;
	char comm[AF_COMM_LEN];
};

/* Counters, per CPU: totals [op][action], then the same per label. */
#define AF_CNT_INDEX(op, action)	((op) * 3 + (action))
#define AF_CNT_LOST		(AF_OP_COUNT * 3)	/* accesses whose record the ring buffer could not take */
#define AF_CNT_LABEL(l, op, action)	(AF_CNT_LOST + 1 + (l) * AF_OP_COUNT * 3 + (op) * 3 + (action))
#define AF_CNT_NR		(AF_CNT_LOST + 1 + AF_MAX_LABELS * AF_OP_COUNT * 3)

#endif /* ARCHFENCE_H */
