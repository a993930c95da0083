// SPDX-License-Identifier: GPL-2.0
/*
 * Network sends: a process that has read labelled data (tainted, see
 * files.bpf.c) may not send to a cloud destination by any route: connect,
 * sendmsg and its relatives, write, sendfile and splice into a socket,
 * io_uring. Taint also crosses Unix sockets and ptrace.
 */
#include "net.h"

SEC("lsm/socket_connect")
int BPF_PROG(af_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	struct sock *sk = sock->sk;
	struct af_ctx c;
	struct dest d;
	__u16 family;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	/* One read of sock->sk: newer verifiers treat each read as maybe NULL. */
	family = sk ? sk->__sk_common.skc_family : 0;
	if (family != AF_INET_FAMILY && family != AF_INET6_FAMILY)
		return 0; /* Unix and netlink sockets stay on this host */
	dest_from_addr(&d, address, addrlen);
	if (!d.known)
		return 0; /* AF_UNSPEC: a disconnect, nothing is sent */
	return decide_send(&c, &d);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(af_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct af_ctx c;

	if (ret)
		return ret;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	return check_send(&c, sock, msg->msg_name, msg->msg_namelen);
}

SEC("lsm/unix_may_send")
int BPF_PROG(af_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return taint_sock(other->sk, af_taint_of_current());
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(af_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags,
	     int ret)
{
	struct sock *sk = sock->sk;
	struct af_sock_state *st;
	__u32 sink, taint;

	if (ret)
		return ret;
	if (!sk)
		return 0;
	if (sk->__sk_common.skc_family == AF_INET_FAMILY ||
	    sk->__sk_common.skc_family == AF_INET6_FAMILY)
		return taint_from_flow(sock);
	if (sk->__sk_common.skc_family != AF_UNIX_FAMILY)
		return 0;
	sink = af_sink_of(af_task_of_current());
	st = sink ? mark_sink(sk, sink) : bpf_sk_storage_get(&af_sock, sk, 0, 0);
	if (!st || !st->taint)
		return 0; /* nothing tainted was written into it */
	if (sink) {
		/* Queued before the sink was known to read it: recorded now, once. */
		taint = __sync_lock_test_and_set(&st->taint, 0);
		if (taint)
			af_sink_record(sink, taint, st->from, true, false);
		return 0;
	}
	return af_taint_from(st->taint, AF_SRC_UNIX, st->from, 0) ? -EACCES : 0;
}

/* A sink accepting connections on a listening socket: what connects is the sink's. */
SEC("lsm/socket_accept")
int BPF_PROG(af_socket_accept, struct socket *sock, struct socket *newsock, int ret)
{
	struct sock *sk = sock->sk;
	__u32 sink;

	if (ret)
		return ret;
	if (!sk || sk->__sk_common.skc_family != AF_UNIX_FAMILY)
		return 0;
	sink = af_sink_of(af_task_of_current());
	if (sink)
		mark_sink(sk, sink);
	return 0;
}

/* A connection to a listening socket a sink accepts on: its server end is the sink's too. */
SEC("lsm/unix_stream_connect")
int BPF_PROG(af_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	struct af_sock_state *st, *nst;

	if (ret)
		return ret;
	st = bpf_sk_storage_get(&af_sock, other, 0, 0);
	if (!st || !st->sink)
		return 0;
	nst = bpf_sk_storage_get(&af_sock, newsk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (nst)
		nst->sink = st->sink;
	return 0;
}

/* Reading a tainted process's memory (ptrace, process_vm_readv, /proc/PID/mem) taints. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(af_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct af_task *t, *me;

	if (ret)
		return ret;
	if (!(mode & PTRACE_MODE_ATTACH_FLAG))
		return 0; /* /proc status and the like, not the memory */
	t = bpf_task_storage_get(&af_task, af_proc(child), 0, 0);
	me = af_task_of_current();
	/*
	 * A tainted process may not write into another's memory
	 * (process_vm_writev, PTRACE_POKEDATA, /proc/PID/mem) unless that one
	 * carries its labels already.
	 */
	if (me && me->taint && (!t || (t->taint & me->taint) != me->taint) &&
	    !af_sink_of(me))
		return af_confined(AF_CONF_PTRACE, child->tgid, -EPERM);
	if (!t || !t->taint)
		return 0;
	return af_taint_from(t->taint, AF_SRC_PTRACE, child->tgid, 0) ? -EPERM : 0;
}

/*
 * Taint arrives with the data: a receiver already waiting in recvmsg() or
 * read() when a tainted sender sent (socket_recvmsg ran before the data was
 * there) is tainted as the data reaches it.
 */
/* What a receiver takes from sock: the taint of its flow or of its queue. */
static __always_inline void taint_from_received(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct af_sock_state *st;
	__u16 family;

	if (!sk)
		return;
	family = sk->__sk_common.skc_family;
	if (family == AF_INET_FAMILY || family == AF_INET6_FAMILY) {
		taint_from_flow(sock);
		return;
	}
	if (family != AF_UNIX_FAMILY)
		return;
	st = bpf_sk_storage_get(&af_sock, sk, 0, 0);
	if (st && st->taint)
		af_taint_from(st->taint, AF_SRC_UNIX, st->from, 0);
}

SEC("fexit/sock_recvmsg")
int BPF_PROG(af_sock_recvmsg_exit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	if (ret > 0)
		taint_from_received(sock);
	return 0;
}

/*
 * The same for a splice out of a socket (no recvmsg: the protocol's
 * splice_read), which waited in the socket for the data: the splicer, and
 * through af_splice_mark the pipe it splices into, take the taint before
 * the splice returns.
 */
SEC("fexit/sock_splice_read")
int BPF_PROG(af_sock_splice_read_exit, struct file *file, loff_t *ppos, void *pipe, size_t len,
	     unsigned int flags, ssize_t ret)
{
	struct socket *sock;

	if (ret <= 0)
		return 0;
	sock = bpf_sock_from_file(file);
	if (sock)
		taint_from_received(sock);
	return 0;
}
