// SPDX-License-Identifier: GPL-2.0
/*
 * Self-protection: only the controller may obtain descriptors of archfence's
 * maps and programs, load programs that could override an LSM decision
 * (BPF LSM, fmod_ret on security_*), or trace the controller. Its pins and
 * files carry the reserved archfence label (AF_SELF_LABEL), so removing or
 * changing them is a refused write (files.bpf.c). In locked mode, not even
 * the controller may change anything until reboot.
 */
#include "archfence.bpf.h"

#define BPF_PROG_LOAD_CMD		5
#define BPF_LINK_UPDATE_CMD		29
#define BPF_LINK_GET_FD_BY_ID_CMD	30
#define BPF_LINK_DETACH_CMD		34

/*
 * The id of the BPF link behind descriptor fd of the current process, or 0:
 * a descriptor of one of archfence's links may have come from the pins
 * (BPF_OBJ_GET, which no hook sees); what matters is what is done with it.
 */
static __always_inline __u32 link_id_of_fd(__u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *f = NULL;
	const unsigned char *name;
	struct bpf_link *link;
	__u64 word = 0;
	char end = 1;
	unsigned int max;

	max = BPF_CORE_READ(task, files, fdt, max_fds);
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (!fds || fd >= max || fd >= (1u << 20))
		return 0;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	/* A link's file is an anonymous inode named "bpf_link" (anon_inode:bpf_link). */
	name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (!name || bpf_probe_read_kernel(&word, sizeof(word), name) ||
	    word != 0x6b6e696c5f667062ull /* "bpf_link", little-endian */ ||
	    bpf_probe_read_kernel(&end, 1, name + 8) || end)
		return 0;
	link = BPF_CORE_READ(f, private_data);
	return link ? BPF_CORE_READ(link, id) : 0;
}
#define FMODE_WRITE_FLAG		0x2

static __always_inline bool locked(void)
{
	__u32 zero = 0;
	struct af_state *st = bpf_map_lookup_elem(&af_state, &zero);

	return st && (st->flags & AF_STATE_LOCKED);
}

/* A refusal of the self-protection, recorded like any other. */
static __always_inline int refuse(__u32 what)
{
	struct af_ctx c;
	struct af_event *ev;

	if (af_ctx_get(&c))
		return -EPERM;
	af_count_decision(AF_OP_WRITE, AF_DENY, 1u << AF_SELF_LABEL);
	ev = af_event_new(&c, AF_EV_SELF, AF_OP_WRITE, AF_DENY, 1u << AF_SELF_LABEL, what, 0);
	if (ev)
		bpf_ringbuf_submit(ev, 0);
	return -EPERM;
}

/*
 * Whether labelled data is being kept from readers now: a label that some
 * path carries denies reading, and the policy enforces. Then the kernel's
 * windows onto memory close to all but the controller, locked or not.
 */
static __always_inline bool labels_deny_reading(void)
{
	struct af_ctx c;

	if (af_ctx_get(&c))
		return false;
	/* labels that deny reading and that some path of the policy carries */
	return c.pol->mode == AF_MODE_ENFORCE &&
	       (c.pol->deny[AF_OP_READ] & c.pol->rooted & ~AF_SELF_BIT);
}

/* A window onto memory is open to the current process. */
static __always_inline bool window_open(void)
{
	if (locked())
		return false;
	return !labels_deny_reading() || af_is_controller();
}

SEC("lsm/bpf_map")
int BPF_PROG(af_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	__u64 key = AF_OWN_KEY(AF_OWN_SPACE_MAP, map->id);
	__u8 *own;

	if (ret)
		return ret;
	own = bpf_map_lookup_elem(&af_own, &key);
	if (!own)
		return 0; /* not one of ours */
	if (!af_is_controller())
		return refuse(AF_SELF_MAP);
	/* Locked: the controller may still read state and drain events. */
	if ((fmode & FMODE_WRITE_FLAG) && locked() && *own != AF_OWN_EVENTS)
		return refuse(AF_SELF_MAP);
	return 0;
}

SEC("lsm/bpf_prog")
int BPF_PROG(af_bpf_prog, struct bpf_prog *prog, int ret)
{
	__u64 key = AF_OWN_KEY(AF_OWN_SPACE_PROG, prog->aux->id);

	if (ret)
		return ret;
	if (!bpf_map_lookup_elem(&af_own, &key))
		return 0; /* not one of ours */
	if (!af_is_controller() || locked())
		return refuse(AF_SELF_PROG);
	return 0;
}

SEC("lsm/bpf")
int BPF_PROG(af_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	__u32 type, attach;

	if (ret)
		return ret;
	if (cmd == BPF_LINK_DETACH_CMD || cmd == BPF_LINK_UPDATE_CMD) {
		__u32 fd = cmd == BPF_LINK_DETACH_CMD ? attr->link_detach.link_fd :
							attr->link_update.link_fd;
		__u64 key = AF_OWN_KEY(AF_OWN_SPACE_LINK, link_id_of_fd(fd));

		if (bpf_map_lookup_elem(&af_own, &key) && (!af_is_controller() || locked()))
			return refuse(AF_SELF_LINK);
		return 0;
	}
	if (cmd == BPF_LINK_GET_FD_BY_ID_CMD) {
		__u64 key = AF_OWN_KEY(AF_OWN_SPACE_LINK, attr->link_id);

		if (bpf_map_lookup_elem(&af_own, &key) && !af_is_controller())
			return refuse(AF_SELF_LINK);
		return 0;
	}
	if (cmd != BPF_PROG_LOAD_CMD)
		return 0;
	type = attr->prog_type;
	attach = attr->expected_attach_type;
	/*
	 * Tracing programs (kprobes and uprobes, tracepoints, perf events,
	 * fentry and iterators) read the memory of the kernel and of every
	 * process, trusted programs' buffers included: a window like kcore.
	 */
	if ((type == BPF_PROG_TYPE_KPROBE || type == BPF_PROG_TYPE_TRACEPOINT ||
	     type == BPF_PROG_TYPE_PERF_EVENT || type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	     type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE ||
	     (type == BPF_PROG_TYPE_TRACING && attach != BPF_MODIFY_RETURN)) &&
	    !window_open())
		return refuse(AF_SELF_WINDOW);
	/*
	 * A program on an LSM hook, or returning in place of a security_*
	 * function, could allow what archfence refuses.
	 */
	if (type != BPF_PROG_TYPE_LSM &&
	    !(type == BPF_PROG_TYPE_TRACING && attach == BPF_MODIFY_RETURN))
		return 0;
	if (!af_is_controller() || locked())
		return refuse(AF_SELF_OVERRIDE);
	return 0;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(af_self_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	struct af_task *t;

	if (ret)
		return ret;
	/* Reading its /proc status is harmless; attaching, or reading its memory, is not. */
	if (!(mode & PTRACE_MODE_ATTACH_FLAG))
		return 0;
	t = bpf_task_storage_get(&af_task, af_proc(child), 0, 0);
	if (t && (t->flags & AF_TASK_CONTROLLER))
		return refuse(AF_SELF_TRACE);
	return 0;
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(af_self_traceme, struct task_struct *parent, int ret)
{
	if (ret)
		return ret;
	if (af_is_controller())
		return refuse(AF_SELF_TRACE);
	/* A tainted process would hand its memory to a tracer no hook sees read it. */
	return af_confined(AF_CONF_PTRACE, parent->tgid, -EPERM);
}

/*
 * The kernel's own windows onto memory and I/O, by the reasons the kernel
 * gives its lockdown. While a label denies reading, the confidentiality
 * reasons (/proc/kcore, kprobes, tracefs, BPF and perf that read kernel
 * memory, debuggers) and /dev/mem and /dev/port are refused to all but the
 * controller. Locked, every reason is, as under lockdown=confidentiality,
 * without a reboot: kexec, hibernation, module parameters, raw I/O ports
 * too. (archfence's own programs are loaded before the lock and only run
 * after it.)
 */
SEC("lsm/locked_down")
int BPF_PROG(af_locked_down, enum lockdown_reason what, int ret)
{
	__u32 integrity = bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_INTEGRITY_MAX);
	__u32 confidentiality = bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_CONFIDENTIALITY_MAX);

	if (ret)
		return ret;
	if (what == bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_NONE) ||
	    what == integrity || what == confidentiality)
		return 0;
	if (locked())
		return -EPERM;
	if ((what > integrity && what < confidentiality) ||
	    what == bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_DEV_MEM)) {
		if (!window_open())
			return refuse(AF_SELF_WINDOW);
	}
	return 0;
}

#define PERF_SAMPLE_REGS_USER	(1u << 12)
#define PERF_SAMPLE_STACK_USER	(1u << 13)
#define PERF_SAMPLE_REGS_INTR	(1u << 18)

/*
 * perf samples that copy memory or registers (a user stack, registers at
 * the sample): they would carry what a trusted program holds. Counting and
 * sampling code addresses (perf stat, perf record, perf top) stay open. An
 * event inherited by a child at fork was judged when it was made.
 */
SEC("lsm/perf_event_alloc")
int BPF_PROG(af_perf_event_alloc, struct perf_event *event, int ret)
{
	__u64 st;

	if (ret)
		return ret;
	if (event->parent)
		return 0;
	st = event->attr.sample_type;
	if (!(st & (PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_INTR)))
		return 0;
	if (window_open())
		return 0;
	return refuse(AF_SELF_WINDOW);
}

/* Locked: no kernel modules and no kexec images, signed or not. */
SEC("lsm/kernel_read_file")
int BPF_PROG(af_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	if (ret)
		return ret;
	if (!locked())
		return 0;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE) ||
	    id == bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_IMAGE) ||
	    id == bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_INITRAMFS))
		return -EPERM;
	return 0;
}

SEC("lsm/kernel_load_data")
int BPF_PROG(af_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	if (!locked())
		return 0;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE) ||
	    id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_KEXEC_IMAGE) ||
	    id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_KEXEC_INITRAMFS))
		return -EPERM;
	return 0;
}
