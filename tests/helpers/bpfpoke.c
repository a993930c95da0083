// SPDX-License-Identifier: GPL-2.0
/*
 * bpfpoke: what a root user might try against archfence's kernel side with
 * the bpf() system call, one attempt per run. Prints "ok" and exits 0 when
 * the attempt succeeds, or the errno name and exits 1.
 *
 *	bpfpoke obj-get PIN             open a pinned map, program or link
 *	bpfpoke map-write PIN           open a pinned map and overwrite key 0
 *	bpfpoke by-id map|prog|link     open every af_* object by id
 *	bpfpoke load-lsm                load a BPF LSM program on file_open
 *	bpfpoke load-fmodret            load fmod_ret on security_file_open
 *	bpfpoke load-filter             load a socket filter (allowed twin)
 *	bpfpoke own-map                 create a map and reopen it by id (allowed twin)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int report(int ret)
{
	if (ret < 0) {
		const char *n = strerrorname_np(errno);

		printf("%s\n", n ? n : "EUNKNOWN");
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_on(enum bpf_prog_type type, enum bpf_attach_type attach, const char *func)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id, fd;

	if (!vmlinux)
		return -1;
	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0) {
		errno = ENOENT;
		return -1;
	}
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(type, "poke", "GPL", ret0, 2, &opts);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

/* Open every object of a kind whose name starts with af_: the first error. */
static int by_id(const char *kind)
{
	__u32 id = 0;
	int n = 0, denied = 0, fd, err = 0;

	for (;;) {
		int r;

		if (!strcmp(kind, "map"))
			r = bpf_map_get_next_id(id, &id);
		else if (!strcmp(kind, "prog"))
			r = bpf_prog_get_next_id(id, &id);
		else
			r = bpf_link_get_next_id(id, &id);
		if (r)
			break;
		if (!strcmp(kind, "map"))
			fd = bpf_map_get_fd_by_id(id);
		else if (!strcmp(kind, "prog"))
			fd = bpf_prog_get_fd_by_id(id);
		else
			fd = bpf_link_get_fd_by_id(id);
		if (fd < 0) {
			denied++;
			err = errno;
			continue;
		}
		n++;
		close(fd);
	}
	fprintf(stderr, "bpfpoke: %s: %d opened, %d refused\n", kind, n, denied);
	if (denied) {
		errno = err;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	int fd;

	libbpf_set_print(quiet);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(op, "obj-get") && argc > 2) {
		fd = bpf_obj_get(argv[2]);
		return report(fd);
	}
	if (!strcmp(op, "map-write") && argc > 2) {
		char zero[4096] = { 0 };
		__u32 key = 0;

		fd = bpf_obj_get(argv[2]);
		if (fd < 0)
			return report(fd);
		return report(bpf_map_update_elem(fd, &key, zero, BPF_ANY));
	}
	if (!strcmp(op, "by-id") && argc > 2)
		return report(by_id(argv[2]));
	if (!strcmp(op, "load-lsm"))
		return report(load_on(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open"));
	if (!strcmp(op, "load-fmodret"))
		return report(load_on(BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, "security_file_open"));
	if (!strcmp(op, "load-filter")) {
		fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "poke", "GPL", ret0, 2, NULL);
		return report(fd);
	}
	if (!strcmp(op, "own-map")) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info), key = 0, val = 1;

		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "poke", 4, 4, 1, NULL);
		if (fd < 0 || bpf_map_update_elem(fd, &key, &val, BPF_ANY) ||
		    bpf_obj_get_info_by_fd(fd, &info, &len))
			return report(-1);
		return report(bpf_map_get_fd_by_id(info.id));
	}
	fprintf(stderr, "usage: bpfpoke obj-get|map-write PIN | by-id map|prog|link | "
			"load-lsm | load-fmodret | load-filter | own-map\n");
	return 2;
}
