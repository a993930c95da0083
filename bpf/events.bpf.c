// SPDX-License-Identifier: GPL-2.0
/*
 * Events: what coalescing held back is recorded by af_flush, which the
 * controller runs once a second, so that every access is accounted for even
 * when a process stops repeating it.
 */
#include "archfence.bpf.h"

struct flush_ctx {
	__u64 now;
	__u32 gen;
};

static long flush_one(struct bpf_map *map, struct af_coalesce_key *k, struct af_coalesce_val *v,
		      struct flush_ctx *fc)
{
	struct af_event *ev;
	__u32 n;

	if (!v->pending || fc->now - v->start_ns < AF_COALESCE_NS)
		return 0;
	n = __sync_lock_test_and_set(&v->pending, 0);
	if (!n)
		return 0;
	v->start_ns = fc->now;
	ev = bpf_ringbuf_reserve(&af_events, sizeof(*ev), 0);
	if (!ev) {
		af_count(AF_CNT_LOST, n);
		return 0;
	}
	ev->time_ns = fc->now;
	/* who made the first access of the window's key */
	ev->cgroup_id = v->cgroup_id;
	ev->exe_dev = v->exe_dev;
	ev->exe_ino = v->exe_ino;
	ev->loginuid = v->loginuid;
	ev->dport = ev->family = 0;
	ev->exe_off = 0;
	ev->exe[0] = 0;
	__builtin_memset(ev->daddr, 0, sizeof(ev->daddr));
	__builtin_memcpy(ev->comm, v->comm, sizeof(ev->comm));
	ev->path_off = 0;
	ev->path[0] = 0;
	ev->tgid = k->tgid;
	ev->pid = k->tgid;
	ev->uid = v->uid;
	ev->kind = k->kind;
	ev->op = k->op;
	ev->action = k->action;
	ev->labels = v->labels;
	ev->count = n;
	ev->flags = AF_EVF_SUMMARY;
	ev->policy_gen = fc->gen;
	ev->dev = k->obj1;
	ev->ino = k->obj2;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

SEC("syscall")
int af_flush(void *ctx)
{
	struct flush_ctx fc = { .now = bpf_ktime_get_ns() };
	struct af_state *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&af_state, &zero);
	if (st)
		fc.gen = st->gen;
	bpf_for_each_map_elem(&af_coalesce, flush_one, &fc, 0);
	return 0;
}
