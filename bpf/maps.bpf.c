// SPDX-License-Identifier: GPL-2.0
/* The maps every program shares, defined once. */
#define AF_DEFINE_MAPS
#include "archfence.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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
