// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: the floor. The cheapest enforcement this design can
 * have: one BPF LSM program on each hook archfence attaches (the list is
 * derived from build/archfence.bpf.o at build time, floor-hooks.h), each doing
 * one local-storage lookup and returning 0. Hooks whose first argument is a
 * file, an inode or a dentry look up inode storage on that inode (created on
 * first use, so that later lookups hit, as archfence's per-inode cache does);
 * the others look up task storage on the current task. Built with the same
 * clang flags as bpf/; loaded and pinned by tests/bench/floor.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} floor_inode SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} floor_task SEC(".maps");

#define CREATE BPF_LOCAL_STORAGE_GET_F_CREATE

#define FLOOR_FILE(h)                                                        \
	SEC("lsm/" #h) int BPF_PROG(floor_##h, struct file *f)               \
	{                                                                    \
		bpf_inode_storage_get(&floor_inode, f->f_inode, 0, CREATE); \
		return 0;                                                    \
	}
#define FLOOR_INODE(h)                                                       \
	SEC("lsm/" #h) int BPF_PROG(floor_##h, struct inode *i)              \
	{                                                                    \
		bpf_inode_storage_get(&floor_inode, i, 0, CREATE);           \
		return 0;                                                    \
	}
#define FLOOR_INODE_NOCREATE(h)                                              \
	SEC("lsm/" #h) int BPF_PROG(floor_##h, struct inode *i)              \
	{                                                                    \
		bpf_inode_storage_get(&floor_inode, i, 0, 0);                \
		return 0;                                                    \
	}
#define FLOOR_DENTRY(h)                                                      \
	SEC("lsm/" #h) int BPF_PROG(floor_##h, struct dentry *d)             \
	{                                                                    \
		bpf_inode_storage_get(&floor_inode, d->d_inode, 0, CREATE);  \
		return 0;                                                    \
	}
#define FLOOR_TASK(h)                                                        \
	SEC("lsm/" #h) int BPF_PROG(floor_##h)                               \
	{                                                                    \
		bpf_task_storage_get(&floor_task, bpf_get_current_task_btf(), 0, CREATE); \
		return 0;                                                    \
	}
#define FLOOR_TASK_NOCREATE(h)                                               \
	SEC("lsm/" #h) int BPF_PROG(floor_##h)                               \
	{                                                                    \
		bpf_task_storage_get(&floor_task, bpf_get_current_task_btf(), 0, 0); \
		return 0;                                                    \
	}
#define FLOOR_FILE_NOCREATE(h)                                               \
	SEC("lsm/" #h) int BPF_PROG(floor_##h, struct file *f)               \
	{                                                                    \
		bpf_inode_storage_get(&floor_inode, f->f_inode, 0, 0);       \
		return 0;                                                    \
	}
#define FLOOR_DENTRY_NOCREATE(h)                                             \
	SEC("lsm/" #h) int BPF_PROG(floor_##h, struct dentry *d)             \
	{                                                                    \
		bpf_inode_storage_get(&floor_inode, d->d_inode, 0, 0);       \
		return 0;                                                    \
	}

#include "floor-hooks.h"
