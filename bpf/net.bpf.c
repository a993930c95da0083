// SPDX-License-Identifier: GPL-2.0
/*
 * Network sends: a process that has read labelled data (tainted, see
 * files.bpf.c) may not send to a cloud destination by any route: connect,
 * sendmsg and its relatives, write, sendfile and splice into a socket,
 * io_uring. Taint also crosses Unix sockets and ptrace.
 */
#include "archfence.bpf.h"

#define AF_UNIX_FAMILY		1
#define AF_INET_FAMILY		2
#define AF_INET6_FAMILY		10
#define AF_NETLINK_FAMILY	16
#define SOCK_STREAM_TYPE	1

/* Flows tainted processes sent into (see struct af_flow_key). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct af_flow_key);
	__type(value, __u32);
} af_flows SEC(".maps");

/* Whether any flow was ever recorded: receivers skip the lookup until then. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} af_flows_used SEC(".maps");

/* A destination: IPv6, or IPv4 as ::ffff:a.b.c.d. */
struct dest {
	__u8 addr[16];
	__u16 port;		/* host order */
	__u16 family;		/* as the process gave it */
	bool known;		/* an address we can judge */
};

static __always_inline void dest_v4(struct dest *d, __u32 addr_be, __u16 port_be)
{
	__builtin_memset(d->addr, 0, 10);
	d->addr[10] = 0xff;
	d->addr[11] = 0xff;
	__builtin_memcpy(&d->addr[12], &addr_be, 4);
	d->port = bpf_ntohs(port_be);
	d->family = AF_INET_FAMILY;
	d->known = true;
}

/* From a socket address the process passed (connect, sendto). */
static __always_inline void dest_from_addr(struct dest *d, void *sa, int len)
{
	__u16 family = 0;

	d->known = false;
	if (!sa || len < 2 || bpf_probe_read_kernel(&family, sizeof(family), sa))
		return;
	if (family == AF_INET_FAMILY && len >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		if (bpf_probe_read_kernel(&sin, sizeof(sin), sa))
			return;
		dest_v4(d, sin.sin_addr.s_addr, sin.sin_port);
	} else if (family == AF_INET6_FAMILY && len >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		if (bpf_probe_read_kernel(&sin6, sizeof(sin6), sa))
			return;
		__builtin_memcpy(d->addr, &sin6.sin6_addr, 16);
		d->port = bpf_ntohs(sin6.sin6_port);
		d->family = AF_INET6_FAMILY;
		d->known = true;
	}
}

/* From the peer a connected socket talks to. */
static __always_inline void dest_from_sock(struct dest *d, struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	d->known = false;
	if (family == AF_INET_FAMILY) {
		dest_v4(d, sk->__sk_common.skc_daddr, sk->__sk_common.skc_dport);
	} else if (family == AF_INET6_FAMILY) {
		BPF_CORE_READ_INTO(&d->addr, sk, __sk_common.skc_v6_daddr);
		d->port = bpf_ntohs(sk->__sk_common.skc_dport);
		d->family = AF_INET6_FAMILY;
		d->known = true;
	}
}

static __always_inline bool dest_unspecified(const struct dest *d)
{
	__u64 hi, lo;

	__builtin_memcpy(&hi, d->addr, 8);
	__builtin_memcpy(&lo, &d->addr[8], 8);
	if (hi)
		return false;
	if (!lo)
		return true;
	/* ::ffff:0.0.0.0 */
	return d->addr[10] == 0xff && d->addr[11] == 0xff && !d->addr[12] && !d->addr[13] &&
	       !d->addr[14] && !d->addr[15];
}

static __always_inline bool dest_loopback(const struct dest *d)
{
	__u64 hi;

	__builtin_memcpy(&hi, d->addr, 8);
	if (hi)
		return false;
	if (d->addr[10] == 0xff && d->addr[11] == 0xff)
		return d->addr[12] == 127;
	return !d->addr[8] && !d->addr[9] && !d->addr[10] && !d->addr[11] && !d->addr[12] &&
	       !d->addr[13] && !d->addr[14] && d->addr[15] == 1;
}

/* Whether a destination is one the send rules cover. */
static __always_inline bool dest_covered(const struct af_ctx *c, const struct dest *d)
{
	struct af_cloud_key k = { .prefixlen = 128 };
	struct af_cloud_val *v;
	int i;

	if (!d->known)
		return true; /* cannot tell where it goes: fail closed */
	if (dest_unspecified(d))
		return false; /* not connected yet: judged when it is */
	if (c->pol->flags & AF_POL_SENDALL)
		return !dest_loopback(d);
	__builtin_memcpy(k.addr, d->addr, 16);
	v = bpf_map_lookup_elem(c->cloud, &k);
	if (!v)
		return false;
	if (!v->nports)
		return true;
	for (i = 0; i < AF_CLOUD_PORTS; i++) {
		if (i >= v->nports)
			break;
		if (d->port >= v->lo[i] && d->port <= v->hi[i])
			return true;
	}
	return false;
}

/* The one decision for every send. */
static __always_inline int decide_send(const struct af_ctx *c, const struct dest *d)
{
	__u32 taint = af_taint_of_current(), action;
	__u64 h = AF_FNV64_OFFSET, part;
	struct af_event *ev;
	int i;

	if (!taint)
		return 0; /* it has read nothing labelled */
	if (!dest_covered(c, d))
		return 0;
	action = af_action(c, AF_OP_SEND, taint);
	af_count_decision(AF_OP_SEND, action, taint);
	if (action == AF_ALLOW)
		return 0;
	for (i = 0; i < 2; i++) {
		__builtin_memcpy(&part, &d->addr[i * 8], 8);
		h ^= part;
		h *= AF_FNV64_PRIME;
	}
	ev = af_event_new(c, AF_EV_SEND, AF_OP_SEND, action, taint,
			  ((__u64)d->family << 16) | d->port, h);
	if (ev) {
		ev->dport = d->port;
		ev->family = d->known ? d->family : 0;
		if (d->family == AF_INET_FAMILY)
			__builtin_memcpy(ev->daddr, &d->addr[12], 4);
		else
			__builtin_memcpy(ev->daddr, d->addr, 16);
		if (!d->known)
			ev->flags |= AF_EVF_UNKNOWN;
		bpf_ringbuf_submit(ev, 0);
	}
	return action == AF_DENY ? -EACCES : 0;
}

/* The local end of an Internet socket, in the same form as struct dest. */
static __always_inline void local_of_sock(struct dest *d, struct sock *sk)
{
	if (sk->__sk_common.skc_family == AF_INET_FAMILY) {
		dest_v4(d, sk->__sk_common.skc_rcv_saddr, 0);
	} else {
		BPF_CORE_READ_INTO(&d->addr, sk, __sk_common.skc_v6_rcv_saddr);
		d->known = true;
	}
	d->port = sk->__sk_common.skc_num;
}

/*
 * A tainted process sent into a flow that stays allowed (not to the cloud):
 * remember it, so that a receiver on this host (a local proxy, a relay) is
 * tainted when it reads, whatever it does with the data next.
 */
static __always_inline void record_flow(struct socket *sock, const struct dest *to, __u32 taint)
{
	struct af_flow_key k = { .proto = sock->type };
	struct sock *sk = sock->sk;
	struct dest from = {};
	__u32 zero = 0, *used, *old;

	if (!to->known || !sk)
		return;
	__builtin_memcpy(k.daddr, to->addr, 16);
	k.dport = to->port;
	/* the receiver's view when it is not connected (datagrams) */
	if (sock->type != SOCK_STREAM_TYPE) {
		old = bpf_map_lookup_elem(&af_flows, &k);
		if (!old || (*old & taint) != taint) {
			__u32 v = taint | (old ? *old : 0);

			bpf_map_update_elem(&af_flows, &k, &v, BPF_ANY);
		}
	}
	local_of_sock(&from, sk);
	if (from.port) {
		__builtin_memcpy(k.saddr, from.addr, 16);
		k.sport = from.port;
		old = bpf_map_lookup_elem(&af_flows, &k);
		if (!old || (*old & taint) != taint) {
			__u32 v = taint | (old ? *old : 0);

			bpf_map_update_elem(&af_flows, &k, &v, BPF_ANY);
		}
	}
	used = bpf_map_lookup_elem(&af_flows_used, &zero);
	if (used && !*used)
		*used = 1;
}

/* A receiver reading from an Internet socket a tainted process sent into. */
static __always_inline int taint_from_flow(struct socket *sock)
{
	struct af_flow_key k = { .proto = sock->type };
	struct sock *sk = sock->sk;
	struct dest local = {}, peer = {};
	__u32 zero = 0, *used, *v, taint = 0;

	used = bpf_map_lookup_elem(&af_flows_used, &zero);
	if (!used || !*used || !sk)
		return 0; /* no tainted process ever sent anything */
	local_of_sock(&local, sk);
	__builtin_memcpy(k.daddr, local.addr, 16);
	k.dport = local.port;
	if (sock->type != SOCK_STREAM_TYPE) {
		v = bpf_map_lookup_elem(&af_flows, &k);
		if (v)
			taint |= *v;
	}
	dest_from_sock(&peer, sk);
	if (peer.known && !dest_unspecified(&peer)) {
		__builtin_memcpy(k.saddr, peer.addr, 16);
		k.sport = peer.port;
		v = bpf_map_lookup_elem(&af_flows, &k);
		if (v)
			taint |= *v;
	}
	return af_taint_from(taint, AF_SRC_FLOW, 0, 0) ? -EACCES : 0;
}

/*
 * What a tainted process puts into a Unix socket taints whoever reads it;
 * into one that a sink reads, it is recorded (or refused) and goes no
 * further.
 */
static __always_inline int taint_sock(struct sock *sk, __u32 taint)
{
	struct af_sock_state *st;

	if (!sk || !taint)
		return 0;
	st = bpf_sk_storage_get(&af_sock, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return -EACCES; /* the taint would be lost on the way */
	if (st->sink)
		return af_sink_record(st->sink, taint, 0, false, st->sink & AF_TASK_SINK_REFUSE);
	st->from = bpf_get_current_pid_tgid() >> 32;
	__sync_fetch_and_or(&st->taint, taint);
	return 0;
}

/* A sink reads or accepts on sk: from now on, what is sent to it is judged as sent to the sink. */
static __always_inline struct af_sock_state *mark_sink(struct sock *sk, __u32 sink)
{
	struct af_sock_state *st;

	st = bpf_sk_storage_get(&af_sock, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (st && st->sink != sink)
		st->sink = sink;
	return st;
}

/*
 * A send on sock, to the address the process gave (sendto) or else to the
 * socket's peer.
 */
static __always_inline int check_send(const struct af_ctx *c, struct socket *sock, void *addr,
				      int addrlen)
{
	struct sock *sk = sock->sk;
	struct dest d = {};
	__u16 family;

	if (!sk)
		return 0; /* not set up: the send fails on its own */
	family = sk->__sk_common.skc_family;
	if (family == AF_UNIX_FAMILY) {
		struct unix_sock *u = bpf_skc_to_unix_sock(sk);

		return u ? taint_sock(u->peer, af_taint_of_current()) : 0;
	}
	if (family == AF_NETLINK_FAMILY)
		return 0; /* to the kernel itself */
	if (family == AF_INET_FAMILY || family == AF_INET6_FAMILY) {
		int ret;

		dest_from_sock(&d, sk);
		if (addr && (sock->type != SOCK_STREAM_TYPE || dest_unspecified(&d)))
			dest_from_addr(&d, addr, addrlen);
		ret = decide_send(c, &d);
		if (!ret) {
			__u32 taint = af_taint_of_current();

			if (taint)
				record_flow(sock, &d, taint);
		}
		return ret;
	}
	/* Any other family (packet, vsock, ...): d.known stays false. */
	return decide_send(c, &d);
}

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

/* sendfile and splice into or out of a socket go through here, not sendmsg. */
SEC("lsm/file_permission")
int BPF_PROG(af_sock_file_permission, struct file *file, int mask, int ret)
{
	struct inode *inode = file->f_inode;
	struct socket *sock;
	struct sock *sk;
	struct af_ctx c;

	if (ret)
		return ret;
	if (!inode || (inode->i_mode & S_IFMT) != S_IFSOCK)
		return 0;
	if (af_ctx_get(&c))
		return 0; /* no policy in force yet */
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0; /* not a socket after all */
	sk = sock->sk;
	if ((mask & MAY_READ) && sk) {
		__u16 family = sk->__sk_common.skc_family;

		if (family == AF_INET_FAMILY || family == AF_INET6_FAMILY)
			ret = taint_from_flow(sock);
		if (ret)
			return ret;
	}
	if (!(mask & (MAY_WRITE | MAY_APPEND)))
		return 0;
	return check_send(&c, sock, NULL, 0);
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
SEC("fexit/sock_recvmsg")
int BPF_PROG(af_sock_recvmsg_exit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	struct sock *sk = sock->sk;
	struct af_sock_state *st;
	__u16 family;

	if (ret <= 0 || !sk)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family == AF_INET_FAMILY || family == AF_INET6_FAMILY) {
		taint_from_flow(sock);
		return 0;
	}
	if (family != AF_UNIX_FAMILY)
		return 0;
	st = bpf_sk_storage_get(&af_sock, sk, 0, 0);
	if (st && st->taint)
		af_taint_from(st->taint, AF_SRC_UNIX, st->from, 0);
	return 0;
}
