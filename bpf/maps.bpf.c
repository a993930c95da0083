// SPDX-License-Identifier: GPL-2.0
/* The maps every program shares, defined once. */
#define AF_DEFINE_MAPS
#include "archfence.bpf.h"

char LICENSE[] SEC("license") = "GPL";
