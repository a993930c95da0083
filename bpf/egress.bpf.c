// SPDX-License-Identifier: GPL-2.0
/*
 * Sends judged where the packet really goes: every packet of a socket a
 * tainted process sent on (net.h, mark_sock_sender) is judged again as it
 * leaves, by the destination in its IP header, against the cloud ranges.
 *
 * - af_egress_cgroup (cgroup_skb/egress on the root cgroup): every socket
 *   of the host, in every network namespace, after routing and the
 *   netfilter hooks (DNAT in OUTPUT, SNAT in POSTROUTING, source routes).
 * - af_egress_tc (tc egress, attached by the controller to every interface
 *   but loopback): after that, what traffic control and tunnels do (a tc
 *   nat action, pedit, the outer header of an IP tunnel), and the next
 *   hop: a route through a cloud router hands the packet to the cloud
 *   whatever its destination. A tainted packet it lets through ends the
 *   classification there, so no later filter of the same hook rewrites it.
 *
 * The LSM hooks stay where they are, so that applications get EACCES at
 * connect and sendmsg; these programs are what makes the rule hold.
 * Untainted sockets have no storage of ours: one lookup per packet.
 */
/* net.h's receive-side helpers are not used here. */
#pragma clang diagnostic ignored "-Wunused-function"
#include "net.h"

#define ETH_P_IP_BE		0x0008	/* htons(ETH_P_IP) */
#define ETH_P_IPV6_BE		0xdd86	/* htons(ETH_P_IPV6) */
#define IPPROTO_TCP_NR		6
#define IPPROTO_UDP_NR		17
#define IPPROTO_SCTP_NR		132
#define IP_OFFSET_MASK		0x1fff
#define TC_ACT_UNSPEC_NR	(-1)
#define TC_ACT_OK_NR		0
#define TC_ACT_SHOT_NR		2

/* The destination of the packet in skb: address and, where it can be read, port. */
static __always_inline bool packet_dest(struct __sk_buff *skb, struct dest *d, bool *port_known)
{
	__u16 dport = 0;
	__u8 proto;
	__u32 l4;

	*port_known = false;
	d->known = false;
	if (skb->protocol == ETH_P_IP_BE) {
		struct iphdr ip;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET))
			return false;
		dest_v4(d, ip.daddr, 0);
		if (ip.frag_off & bpf_htons(IP_OFFSET_MASK))
			return true; /* a later fragment: no port to read */
		proto = ip.protocol;
		l4 = (__u32)ip.ihl * 4;
	} else if (skb->protocol == ETH_P_IPV6_BE) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET))
			return false;
		__builtin_memcpy(d->addr, &ip6.daddr, 16);
		d->port = 0;
		d->family = AF_INET6_FAMILY;
		d->known = true;
		/* Extension headers: the port stays unknown, which covers every port. */
		proto = ip6.nexthdr;
		l4 = sizeof(ip6);
	} else {
		return false;
	}
	if (proto != IPPROTO_TCP_NR && proto != IPPROTO_UDP_NR && proto != IPPROTO_SCTP_NR)
		return true;
	if (bpf_skb_load_bytes_relative(skb, l4 + 2, &dport, sizeof(dport), BPF_HDR_START_NET))
		return true;
	d->port = bpf_ntohs(dport);
	*port_known = true;
	return true;
}

/* Whether the send rules cover d; a port that could not be read counts as every port. */
static __always_inline bool egress_covered(const struct af_ctx *c, const struct dest *d,
					   bool port_known)
{
	struct af_cloud_key k = { .prefixlen = 128 };

	if (!port_known && d->known && !(c->pol->flags & AF_POL_SENDALL) &&
	    !dest_unspecified(d)) {
		__builtin_memcpy(k.addr, d->addr, 16);
		return bpf_map_lookup_elem(c->cloud, &k) != NULL;
	}
	return dest_covered(c, d);
}

/*
 * A record of a packet dropped or let through audited. Not in the
 * sender's context (softirq, a timer's retransmit): the process is the
 * socket's last tainted sender, by its tgid, and repeats are coalesced by
 * socket sender and destination like any other send.
 */
static __always_inline void egress_event(const struct af_ctx *c, __u32 action, __u32 labels,
					 __u32 tgid, const struct dest *d)
{
	struct af_coalesce_key ck = { .op = AF_OP_SEND, .action = (__u8)action,
				      .kind = AF_EV_SEND, .tgid = tgid };
	struct af_coalesce_val *v, *nv;
	__u64 now = bpf_ktime_get_ns(), part, h = AF_FNV64_OFFSET;
	struct af_event *ev;
	__u32 zero = 0, count = 1;
	int i;

	for (i = 0; i < 2; i++) {
		__builtin_memcpy(&part, &d->addr[i * 8], 8);
		h ^= part;
		h *= AF_FNV64_PRIME;
	}
	ck.obj1 = ((__u64)d->family << 16) | d->port;
	ck.obj2 = h;
	v = bpf_map_lookup_elem(&af_coalesce, &ck);
	if (v) {
		if (now - v->start_ns < AF_COALESCE_NS) {
			__sync_fetch_and_add(&v->pending, 1);
			return;
		}
		v->start_ns = now;
		count = __sync_lock_test_and_set(&v->pending, 0) + 1;
	} else {
		nv = bpf_map_lookup_elem(&af_coalesce_new, &zero);
		if (nv) {
			__builtin_memset(nv, 0, sizeof(*nv));
			nv->start_ns = now;
			nv->labels = labels;
			nv->loginuid = (__u32)-1;
			bpf_map_update_elem(&af_coalesce, &ck, nv, BPF_ANY);
		}
	}
	ev = bpf_ringbuf_reserve(&af_events, sizeof(*ev), 0);
	if (!ev) {
		af_count(AF_CNT_LOST, count);
		return;
	}
	__builtin_memset(ev, 0, offsetof(struct af_event, comm));
	ev->time_ns = now;
	ev->tgid = tgid;
	ev->loginuid = (__u32)-1;
	ev->kind = AF_EV_SEND;
	ev->op = AF_OP_SEND;
	ev->action = action;
	ev->labels = labels;
	ev->count = count;
	ev->policy_gen = c->gen;
	ev->dev = ck.obj1;
	ev->ino = h;
	ev->dport = d->port;
	ev->family = d->family;
	if (d->family == AF_INET_FAMILY)
		__builtin_memcpy(ev->daddr, &d->addr[12], 4);
	else
		__builtin_memcpy(ev->daddr, d->addr, 16);
	ev->comm[0] = 0;
	ev->path[0] = 0;
	ev->exe[0] = 0;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * The next hop the packet is handed to on this device, where the route
 * has a gateway: a route to an address outside the cloud ranges through a
 * cloud router still hands the packet to the cloud. False when there is
 * none, or the route cannot be looked up (then the address alone judges).
 */
static __always_inline bool next_hop(struct __sk_buff *skb, const struct dest *d,
				     struct dest *gw)
{
	struct bpf_fib_lookup p = { .ifindex = skb->ifindex };
	__u64 a, b;
	long ret;

	if (!d->known)
		return false;
	if (d->family == AF_INET_FAMILY) {
		p.family = AF_INET_FAMILY;
		__builtin_memcpy(&p.ipv4_dst, &d->addr[12], 4);
	} else {
		p.family = AF_INET6_FAMILY;
		__builtin_memcpy(p.ipv6_dst, d->addr, 16);
	}
	ret = bpf_fib_lookup(skb, &p, sizeof(p), BPF_FIB_LOOKUP_OUTPUT);
	if (ret != BPF_FIB_LKUP_RET_SUCCESS && ret != BPF_FIB_LKUP_RET_NO_NEIGH)
		return false;
	if (d->family == AF_INET_FAMILY)
		dest_v4(gw, p.ipv4_dst, 0);
	else {
		__builtin_memcpy(gw->addr, p.ipv6_dst, 16);
		gw->family = AF_INET6_FAMILY;
		gw->known = true;
	}
	gw->port = d->port;
	__builtin_memcpy(&a, gw->addr, 8);
	__builtin_memcpy(&b, d->addr, 8);
	if (a != b)
		return true;
	__builtin_memcpy(&a, &gw->addr[8], 8);
	__builtin_memcpy(&b, &d->addr[8], 8);
	return a != b; /* no gateway: the destination is the next hop */
}

enum egress_verdict { EGRESS_UNTAINTED, EGRESS_PASS, EGRESS_DROP };

/* The one decision at egress, for both programs. */
static __always_inline enum egress_verdict egress_judge(struct __sk_buff *skb, bool on_device)
{
	struct bpf_sock *sk = skb->sk;
	struct af_sock_state *st;
	bool port_known;
	struct af_ctx c;
	struct dest d = {}, gw = {};
	__u32 labels, action = AF_DENY;

	if (!sk)
		return EGRESS_UNTAINTED; /* the kernel's own packets, or forwarded ones */
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return EGRESS_UNTAINTED; /* handshake and time-wait replies carry no data */
	st = bpf_sk_storage_get(&af_sock, sk, 0, 0);
	if (!st || !st->taint)
		return EGRESS_UNTAINTED; /* no tainted process ever sent on it */
	if (af_ctx_get(&c))
		return EGRESS_PASS; /* no policy in force: nothing is tainted either */
	labels = st->taint;
	if (!(labels & (c.pol->deny[AF_OP_SEND] | c.pol->audit[AF_OP_SEND])))
		return EGRESS_PASS;
	if (c.pol->mode == AF_MODE_OFF)
		return EGRESS_PASS;
	if (!packet_dest(skb, &d, &port_known))
		d.known = false; /* neither IPv4 nor IPv6 we can read: fail closed */
	if (!egress_covered(&c, &d, port_known)) {
		if (!on_device || !next_hop(skb, &d, &gw) || !egress_covered(&c, &gw, port_known))
			return EGRESS_PASS;
		d = gw; /* recorded as sent to the cloud router */
	}
	if (!(labels & c.pol->deny[AF_OP_SEND]))
		action = AF_AUDIT;
	else if (c.pol->mode != AF_MODE_ENFORCE)
		action = AF_AUDIT;
	af_count_decision(AF_OP_SEND, action, labels);
	egress_event(&c, action, labels, st->from, &d);
	return action == AF_DENY ? EGRESS_DROP : EGRESS_PASS;
}

SEC("cgroup_skb/egress")
int af_egress_cgroup(struct __sk_buff *skb)
{
	return egress_judge(skb, false) == EGRESS_DROP ? 0 : 1;
}

SEC("tc")
int af_egress_tc(struct __sk_buff *skb)
{
	switch (egress_judge(skb, true)) {
	case EGRESS_UNTAINTED:
		return TC_ACT_UNSPEC_NR; /* the host's own filters decide, as before */
	case EGRESS_PASS:
		return TC_ACT_OK_NR; /* judged as it is: no later filter rewrites it */
	default:
		return TC_ACT_SHOT_NR;
	}
}
