/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network sends, shared by net.bpf.c (the socket hooks) and files.bpf.c
 * (file_permission on a socket's file): a process that has read labelled
 * data (tainted) may not send to a cloud destination by any route.
 */
#ifndef ARCHFENCE_NET_H
#define ARCHFENCE_NET_H

#include "archfence.bpf.h"

#define AF_UNIX_FAMILY		1
#define AF_INET_FAMILY		2
#define AF_INET6_FAMILY		10
#define AF_NETLINK_FAMILY	16
#define SOCK_STREAM_TYPE	1


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
static __noinline int taint_from_flow(struct socket *sock)
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
 * A tainted process sends on an Internet socket: from now on every packet
 * of the socket is judged again where it leaves the host (egress.bpf.c),
 * after routing, NAT, tunnels and traffic control, with the labels this
 * sender may not send. Untainted senders leave no storage behind, so their
 * packets cost one lookup there.
 */
static __noinline int mark_sock_sender(const struct af_ctx *c, struct sock *sk, __u32 taint)
{
	struct af_sock_state *st;

	/* A subprogram of its own: the hooks that send are near the stack limit. */
	if (!taint || !sk)
		return 0;
	taint &= ~af_grant(c, AF_OP_SEND);
	if (!taint)
		return 0; /* a program trusted to send what it carries */
	st = bpf_sk_storage_get(&af_sock, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return -EACCES; /* its packets could not be told apart at egress */
	if ((st->taint & taint) != taint)
		__sync_fetch_and_or(&st->taint, taint);
	st->from = bpf_get_current_pid_tgid() >> 32;
	return 0;
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
		__u32 taint = af_taint_of_current();
		int ret;

		if (taint) {
			ret = mark_sock_sender(c, sk, taint);
			if (ret)
				return ret;
		}
		dest_from_sock(&d, sk);
		if (addr && (sock->type != SOCK_STREAM_TYPE || dest_unspecified(&d)))
			dest_from_addr(&d, addr, addrlen);
		ret = decide_send(c, &d);
		if (!ret && taint)
			record_flow(sock, &d, taint);
		return ret;
	}
	/* Any other family (packet, vsock, ...): d.known stays false. */
	return decide_send(c, &d);
}

#endif /* ARCHFENCE_NET_H */
