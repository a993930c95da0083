// SPDX-License-Identifier: GPL-2.0
/* The maps every program shares, defined once. */
#define AF_DEFINE_MAPS
#include "archfence.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Global functions: verified once, not inline at every call (see archfence.bpf.h). */
__noinline int af_sink_record_g(__u32 sink, __u32 labels, __u32 other, __u32 at_sink, __u32 refuse)
{
	struct af_ctx c;
	struct af_event *ev;
	__u32 action = AF_AUDIT;

	if (af_ctx_get(&c))
		return 0; /* no policy in force: nothing is tainted either */
	if (refuse && c.pol->mode == AF_MODE_ENFORCE)
		action = AF_DENY;
	af_count_decision(AF_OP_SEND, action, labels);
	ev = af_event_new_x(&c, AF_EV_SINK, AF_OP_SEND, action, labels, AF_LV_SINK_ID(sink), other,
			    false);
	if (ev) {
		if (at_sink)
			ev->flags |= AF_EVF_AT_SINK;
		bpf_ringbuf_submit(ev, 0);
	}
	return action == AF_DENY ? -EACCES : 0;
}


__noinline int af_confined_g(__u32 what, __u64 detail, int err)
{
	struct af_task *t = af_task_of_current();
	struct af_event *ev;
	struct af_ctx c;
	__u32 action = AF_DENY;

	if (!t || !t->taint || af_ctx_get(&c))
		return 0;
	/*
	 * Only data that may not be sent confines: a process that read
	 * sensitive data (send: audit) may send it anyway, recorded.
	 */
	if (!(t->taint & c.pol->deny[AF_OP_SEND]))
		return 0;
	if (c.pol->mode == AF_MODE_OFF)
		return 0;
	if (c.pol->mode != AF_MODE_ENFORCE)
		action = AF_AUDIT;
	af_count_decision(AF_OP_SEND, action, t->taint);
	ev = af_event_new_x(&c, AF_EV_CONFINED, AF_OP_SEND, action, t->taint, what, detail, false);
	if (ev)
		bpf_ringbuf_submit(ev, 0);
	return action == AF_DENY ? err : 0;
}


__noinline int af_splice_mark_g(__u32 taint)
{
	__u64 *pipe = bpf_task_storage_get(&af_splicing, bpf_get_current_task_btf(), 0, 0);

	if (!pipe || !*pipe)
		return 0;
	return af_pipe_mark(*pipe, taint);
}

#ifdef AF_TEST_VARIANT
/*
 * The test suite's second build (make variant): its maps differ from the
 * real one's, as a new release's may, so that `archfence upgrade` is tested
 * swapping builds whose maps changed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} af_variant SEC(".maps");
#endif
