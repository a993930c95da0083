// SPDX-License-Identifier: GPL-2.0
/*
 * Confinement: a process that has read labelled data (tainted) may hand it
 * on only through channels that carry its taint (files on data file
 * systems, pipes, FIFOs, Unix sockets, loopback flows) or into a sink.
 * Every other way to give data to another process or to the outside is
 * refused to it: the kernel's other channels (System V message queues and
 * shared memory, keyrings, writing into another process), and, one level
 * up, the capabilities that reach paths with no hook of their own (raw and
 * packet sockets, network configuration, tracing, modules, raw I/O).
 * Devices and kernel file systems are in files.bpf.c, ptrace in net.bpf.c.
 */
#include "archfence.bpf.h"

#define CAP_NET_ADMIN_NR	12
#define CAP_NET_RAW_NR		13
#define CAP_SYS_MODULE_NR	16
#define CAP_SYS_RAWIO_NR	17
#define CAP_SYS_PTRACE_NR	19
#define CAP_SYS_ADMIN_NR	21
#define CAP_MKNOD_NR		27
#define CAP_SYSLOG_NR		34
#define CAP_PERFMON_NR		38
#define CAP_BPF_NR		39

#define AF_UNIX_NR		1
#define AF_INET_NR		2
#define AF_INET6_NR		10
#define AF_NETLINK_NR		16
#define SOCK_RAW_NR		3
#define IPPROTO_MPTCP_NR	262
#define SHM_RDONLY_FLAG		010000
#define KEY_NEED_WRITE_NR	3

SEC("lsm/capable")
int BPF_PROG(af_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (ret)
		return ret;
	switch (cap) {
	case CAP_NET_ADMIN_NR:	/* routes, NAT, traffic control, tunnels */
	case CAP_NET_RAW_NR:	/* raw and packet sockets */
	case CAP_SYS_MODULE_NR:
	case CAP_SYS_RAWIO_NR:	/* /dev/mem, port I/O, raw SCSI */
	case CAP_SYS_PTRACE_NR:
	case CAP_SYS_ADMIN_NR:	/* mounts, namespaces, BPF, perf, much else */
	case CAP_MKNOD_NR:	/* device nodes of its own choosing */
	case CAP_SYSLOG_NR:
	case CAP_PERFMON_NR:
	case CAP_BPF_NR:
		break;
	default:
		return 0;
	}
	/* Only the process's own checks: not when it asks about another's credentials. */
	if (cred != bpf_get_current_task_btf()->cred)
		return 0;
	return af_confined(AF_CONF_CAP, (__u64)cap, -EPERM);
}

SEC("lsm/socket_create")
int BPF_PROG(af_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret)
		return ret;
	if (kern)
		return 0; /* the kernel's own sockets */
	/*
	 * Sends on Internet sockets are judged where they go; Unix ones carry
	 * taint. Not MPTCP: its subflows are the kernel's own sockets, to
	 * addresses the peer announces, which no check of this socket sees.
	 */
	if ((family == AF_INET_NR || family == AF_INET6_NR) && (type & 0xf) != SOCK_RAW_NR &&
	    protocol != IPPROTO_MPTCP_NR)
		return 0;
	if (family == AF_UNIX_NR || family == AF_NETLINK_NR)
		return 0;
	return af_confined(AF_CONF_SOCKET, ((__u64)family << 16) | (type & 0xffff), -EACCES);
}

SEC("lsm/msg_queue_msgsnd")
int BPF_PROG(af_msg_queue_msgsnd, struct kern_ipc_perm *perm, struct msg_msg *msg, int msqflg,
	     int ret)
{
	if (ret)
		return ret;
	return af_confined(AF_CONF_MSGQ, 0, -EACCES);
}

SEC("lsm/shm_shmat")
int BPF_PROG(af_shm_shmat, struct kern_ipc_perm *perm, char *shmaddr, int shmflg, int ret)
{
	if (ret)
		return ret;
	if (shmflg & SHM_RDONLY_FLAG)
		return 0; /* reading it taints nobody else */
	return af_confined(AF_CONF_SHM, 0, -EACCES);
}

SEC("lsm/key_alloc")
int BPF_PROG(af_key_alloc, struct key *key, const struct cred *cred, unsigned long flags, int ret)
{
	if (ret)
		return ret;
	return af_confined(AF_CONF_KEY, 0, -EACCES);
}

SEC("lsm/key_permission")
int BPF_PROG(af_key_permission, void *key_ref, const struct cred *cred, unsigned int need_perm,
	     int ret)
{
	if (ret)
		return ret;
	if (need_perm != KEY_NEED_WRITE_NR)
		return 0;
	return af_confined(AF_CONF_KEY, 1, -EACCES);
}

#define PR_SET_NAME_NR		15
#define PR_SET_VMA_NR		0x53564d41

/*
 * Naming itself puts 15 bytes of its choosing in /proc/PID/comm, stat and
 * status, which every process reads (ps, top); naming its anonymous memory
 * (PR_SET_VMA) puts up to 80 bytes per mapping in /proc/PID/maps. (Writing
 * its comm file is a write to a kernel file system, refused in files.bpf.c.)
 */
SEC("lsm/task_prctl")
int BPF_PROG(af_task_prctl, int option, unsigned long arg2, unsigned long arg3,
	     unsigned long arg4, unsigned long arg5, int ret)
{
	if (ret)
		return ret;
	if (option != PR_SET_NAME_NR && option != PR_SET_VMA_NR)
		return 0;
	return af_confined(AF_CONF_NAME, option, -EPERM);
}

/*
 * What a process shows of itself in /proc/PID/cmdline and environ is its
 * own memory, which it can rewrite at any time. The files of a tainted
 * process carry its taint for every other reader: task_to_inode, which runs
 * whenever such a file is looked up, stamps the inode with the owner's
 * taint as it is then, and files.bpf.c judges a read of cmdline or environ
 * as a read of data with those labels. A descriptor opened before the owner
 * was tainted is caught as the kernel reads the memory (af_access_remote_vm).
 */
SEC("lsm/task_to_inode")
int BPF_PROG(af_task_to_inode, struct task_struct *p, struct inode *inode)
{
	struct af_inode_cache *ic;
	struct af_task *t;
	__u32 taint;

	t = bpf_task_storage_get(&af_task, af_proc(p), 0, 0);
	taint = t ? t->taint : 0;
	ic = bpf_inode_storage_get(&af_icache, inode, 0,
				   taint ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!ic)
		return 0;
	ic->taint = taint;
	ic->from = p->tgid;
	return 0;
}

/*
 * The kernel reading another process's memory for /proc/PID/cmdline,
 * environ and mem: the reader takes the owner's taint (a tracing program
 * cannot refuse). The owner is the memory's, mm->owner.
 */
SEC("fentry/access_remote_vm")
int BPF_PROG(af_access_remote_vm, struct mm_struct *mm, unsigned long addr, void *buf, int len,
	     unsigned int gup_flags)
{
	struct task_struct *owner = mm ? mm->owner : NULL;
	struct af_task *t;

	if (!owner || owner->tgid == (bpf_get_current_pid_tgid() >> 32))
		return 0;
	t = bpf_task_storage_get(&af_task, af_proc(owner), 0, 0);
	if (t && t->taint)
		af_taint_from(t->taint, AF_SRC_PTRACE, owner->tgid, 0);
	return 0;
}

#define SETVAL_NR		16
#define SETALL_NR		17
#define SI_TKILL_NR		(-6)

/*
 * System V semaphores: the values SETVAL and SETALL store, and every
 * semaphore operation that changes a count, are numbers other processes
 * read.
 */
SEC("lsm/sem_semctl")
int BPF_PROG(af_sem_semctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	if (ret)
		return ret;
	if (cmd != SETVAL_NR && cmd != SETALL_NR)
		return 0;
	return af_confined(AF_CONF_SEM, 0, -EACCES);
}

SEC("lsm/sem_semop")
int BPF_PROG(af_sem_semop, struct kern_ipc_perm *perm, struct sembuf *sops, unsigned int nsops,
	     int alter, int ret)
{
	if (ret)
		return ret;
	if (!alter)
		return 0;
	return af_confined(AF_CONF_SEM, 1, -EACCES);
}

/*
 * A signal with a payload (sigqueue, rt_sigqueueinfo, pidfd_send_signal with
 * information of its own: a word of data) to another process. Plain kill,
 * tkill and tgkill carry none.
 */
SEC("lsm/task_kill")
int BPF_PROG(af_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	int code;

	if (ret)
		return ret;
	if ((unsigned long)info <= 1)
		return 0; /* SEND_SIG_NOINFO, SEND_SIG_PRIV: the kernel's own */
	code = info->si_code;
	if (code >= 0 || code == SI_TKILL_NR)
		return 0;
	if (p->tgid == (bpf_get_current_pid_tgid() >> 32))
		return 0; /* to itself */
	return af_confined(AF_CONF_SIGNAL, (__u64)sig, -EPERM);
}
