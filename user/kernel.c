// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "archfence.skel.h"
#include "kernel.h"
#include "log.h"

#define PIN_MAPS	AF_PIN_DIR "/maps"
#define PIN_LINKS	AF_PIN_DIR "/links"
#define PIN_PROGS	AF_PIN_DIR "/progs"

static const char *const map_names[AF_MAP_NR] = {
	[AF_MAP_STATE] = "af_state",
	[AF_MAP_EPOCH] = "af_epoch",
	[AF_MAP_POLICY] = "af_policy",
	[AF_MAP_META] = "af_meta",
	[AF_MAP_LABELS] = "af_labels",
	[AF_MAP_TRUSTED] = "af_trusted",
	[AF_MAP_CLOUD] = "af_cloud",
	[AF_MAP_SOCK] = "af_sock",
	[AF_MAP_TASK] = "af_task",
	[AF_MAP_DERIVED] = "af_derived",
	[AF_MAP_ICACHE] = "af_icache",
	[AF_MAP_EVENTS] = "af_events",
	[AF_MAP_COUNTERS] = "af_counters",
	[AF_MAP_COALESCE] = "af_coalesce",
};

struct af_kernel {
	struct archfence_bpf *skel;	/* when loaded by us; NULL when opened pinned */
	int fd[AF_MAP_NR];
};

static struct af_kernel *kernel_new(void)
{
	struct af_kernel *k = calloc(1, sizeof(*k));
	int i;

	if (!k)
		return NULL;
	for (i = 0; i < AF_MAP_NR; i++)
		k->fd[i] = -1;
	return k;
}

void kernel_close(struct af_kernel *k)
{
	int i;

	if (!k)
		return;
	for (i = 0; i < AF_MAP_NR; i++)
		if (!k->skel && k->fd[i] >= 0)
			close(k->fd[i]);
	archfence_bpf__destroy(k->skel);
	free(k);
}

int kernel_map_fd(const struct af_kernel *k, enum af_map_id id)
{
	return k->fd[id];
}

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The BPF file system at /sys/fs/bpf, mounted if it is not. */
static int bpffs_ready(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/bpf", &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		log_warn(errno, "kernel: cannot mount the BPF file system on /sys/fs/bpf");
		return -errno;
	}
	return 0;
}

int kernel_open_pinned(struct af_kernel **out)
{
	struct af_kernel *k;
	char path[PATH_MAX];
	int i, err;

	*out = NULL;
	if (access(PIN_MAPS "/af_state", F_OK))
		return -ENOENT;
	k = kernel_new();
	if (!k)
		return -ENOMEM;
	for (i = 0; i < AF_MAP_NR; i++) {
		snprintf(path, sizeof(path), "%s/%s", PIN_MAPS, map_names[i]);
		k->fd[i] = bpf_obj_get(path);
		if (k->fd[i] < 0) {
			err = -errno;
			log_warn(err, "kernel: cannot open the pinned map %s", path);
			kernel_close(k);
			return err;
		}
	}
	*out = k;
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	if (level == LIBBPF_INFO && !log_verbose)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/*
 * A new map of type holding the n entries at base, stride apart, each a key
 * followed by its value at val_off.
 */
static int filled_map(enum bpf_map_type type, const char *name, __u32 ksize, __u32 vsize,
		      const void *base, size_t n, size_t stride, size_t val_off)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	size_t i, max = n ? n : 1;
	int fd, err;

	if (max > UINT32_MAX)
		return -E2BIG;
	if (type == BPF_MAP_TYPE_LPM_TRIE)
		opts.map_flags = BPF_F_NO_PREALLOC;
	fd = bpf_map_create(type, name, ksize, vsize, (__u32)max, &opts);
	if (fd < 0) {
		err = -errno;
		log_warn(err, "kernel: cannot create a map of %zu entries", max);
		return err;
	}
	for (i = 0; i < n; i++) {
		const char *e = (const char *)base + i * stride;

		if (bpf_map_update_elem(fd, e, e + val_off, BPF_ANY)) {
			err = -errno;
			log_warn(err, "kernel: cannot fill %s", name);
			close(fd);
			return err;
		}
	}
	return fd;
}

/*
 * Write g into the slot it belongs to: fresh label and trust maps, its
 * policy and its record. Nothing reads that slot until af_state names it.
 */
static int write_slot(struct af_kernel *k, const struct af_generation *g)
{
	__u32 slot = g->policy.gen & 1;
	int labels, trusted = -1, cloud = -1, err = 0;

	labels = filled_map(BPF_MAP_TYPE_HASH, "af_labels_g", sizeof(struct af_inode_key),
			    sizeof(struct af_label_val), g->entries, g->nentries,
			    sizeof(*g->entries), offsetof(struct af_label_entry, val));
	if (labels < 0)
		return labels;
	trusted = filled_map(BPF_MAP_TYPE_HASH, "af_trusted_g", sizeof(struct af_trust_key),
			     sizeof(struct af_trust), g->trusted, g->ntrusted, sizeof(*g->trusted),
			     offsetof(struct af_trust_entry, val));
	cloud = filled_map(BPF_MAP_TYPE_LPM_TRIE, "af_cloud_g", sizeof(struct af_cloud_key),
			   sizeof(struct af_cloud_val), g->cloud, g->ncloud, sizeof(*g->cloud),
			   offsetof(struct af_cloud_entry, val));
	if (trusted < 0 || cloud < 0) {
		err = trusted < 0 ? trusted : cloud;
		goto out;
	}
	if (bpf_map_update_elem(k->fd[AF_MAP_LABELS], &slot, &labels, BPF_ANY) ||
	    bpf_map_update_elem(k->fd[AF_MAP_TRUSTED], &slot, &trusted, BPF_ANY) ||
	    bpf_map_update_elem(k->fd[AF_MAP_CLOUD], &slot, &cloud, BPF_ANY) ||
	    bpf_map_update_elem(k->fd[AF_MAP_POLICY], &slot, &g->policy, BPF_ANY) ||
	    bpf_map_update_elem(k->fd[AF_MAP_META], &slot, &g->meta, BPF_ANY)) {
		err = -errno;
		log_warn(err, "kernel: cannot write generation %u", g->policy.gen);
	}
out:
	/* The outer maps hold them now. */
	close(labels);
	if (trusted >= 0)
		close(trusted);
	if (cloud >= 0)
		close(cloud);
	return err;
}

/* The switch: one write of af_state makes generation gen the one in force. */
static int switch_to(struct af_kernel *k, __u32 gen)
{
	struct af_state st = { .gen = gen };
	__u32 zero = 0;

	if (bpf_map_update_elem(k->fd[AF_MAP_STATE], &zero, &st, BPF_ANY)) {
		log_warn(errno, "kernel: cannot switch to generation %u", gen);
		return -errno;
	}
	return 0;
}

int kernel_state(const struct af_kernel *k, struct af_state *st, struct af_policy *pol,
		 struct af_meta *meta)
{
	__u32 zero = 0, slot;

	if (bpf_map_lookup_elem(k->fd[AF_MAP_STATE], &zero, st))
		return -errno;
	slot = st->gen & 1;
	if (pol && bpf_map_lookup_elem(k->fd[AF_MAP_POLICY], &slot, pol))
		return -errno;
	if (meta && bpf_map_lookup_elem(k->fd[AF_MAP_META], &slot, meta))
		return -errno;
	return 0;
}

int kernel_apply(struct af_kernel *k, struct af_generation *g)
{
	struct af_state st;
	int err;

	err = kernel_state(k, &st, NULL, NULL);
	if (err) {
		log_warn(err, "kernel: cannot read the generation in force");
		return err;
	}
	g->policy.gen = st.gen + 1;
	if (!g->policy.gen)
		g->policy.gen = 2; /* wrapped: 0 means "no policy" */
	g->meta.gen = g->policy.gen;
	err = write_slot(k, g);
	if (err)
		return err;
	return switch_to(k, g->policy.gen);
}

static int pin_links(struct archfence_bpf *skel)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	char path[PATH_MAX];
	int err;

	err = mkdir_p(PIN_LINKS);
	if (err)
		return err;
	bpf_object__for_each_program(prog, skel->obj) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL) {
			/* run by the controller, not attached: pin the program itself */
			snprintf(path, sizeof(path), "%s/%s", PIN_PROGS, bpf_program__name(prog));
			err = mkdir_p(PIN_PROGS);
			if (!err)
				err = bpf_program__pin(prog, path);
			if (err) {
				log_warn(err, "kernel: cannot pin %s", path);
				return err;
			}
			continue;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			log_warn(err, "kernel: cannot attach %s", bpf_program__name(prog));
			return err;
		}
		snprintf(path, sizeof(path), "%s/%s", PIN_LINKS, bpf_program__name(prog));
		err = bpf_link__pin(link, path);
		/* The pin holds the link; our reference goes. */
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		if (err) {
			log_warn(err, "kernel: cannot pin %s", path);
			return err;
		}
	}
	return 0;
}

int kernel_install(struct af_kernel **out, struct af_generation *g)
{
	struct archfence_bpf *skel = NULL;
	struct af_kernel *k = NULL;
	char path[PATH_MAX];
	struct bpf_map *map;
	int i, err;

	*out = NULL;
	libbpf_set_print(libbpf_print);
	err = bpffs_ready();
	if (err)
		return err;
	if (mkdir_p(AF_PIN_DIR) || mkdir_p(PIN_MAPS)) {
		log_warn(errno, "kernel: cannot create %s", AF_PIN_DIR);
		return -errno;
	}
	skel = archfence_bpf__open();
	if (!skel) {
		err = -errno;
		log_warn(err, "kernel: cannot open the BPF object");
		return err;
	}
	bpf_object__for_each_map(map, skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", PIN_MAPS, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto fail;
	}
	err = archfence_bpf__load(skel);
	if (err) {
		log_warn(err, "kernel: the kernel refused the programs (run with -v for the verifier's log)");
		goto fail;
	}
	k = kernel_new();
	if (!k) {
		err = -ENOMEM;
		goto fail;
	}
	k->skel = skel;
	for (i = 0; i < AF_MAP_NR; i++) {
		map = bpf_object__find_map_by_name(skel->obj, map_names[i]);
		if (!map) {
			log_warnx("kernel: the BPF object has no map %s", map_names[i]);
			err = -ENOENT;
			goto fail;
		}
		k->fd[i] = bpf_map__fd(map);
	}
	/* The first generation is in place before any program runs. */
	g->policy.gen = g->meta.gen = 1;
	err = write_slot(k, g);
	if (!err)
		err = switch_to(k, g->policy.gen);
	if (!err)
		err = pin_links(skel);
	if (err)
		goto fail;
	*out = k;
	return 0;
fail:
	if (k)
		k->skel = NULL;
	kernel_close(k);
	archfence_bpf__destroy(skel);
	kernel_unload();
	return err;
}

int kernel_flush(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd, err = 0;

	fd = bpf_obj_get(PIN_PROGS "/af_flush");
	if (fd < 0)
		return -errno;
	if (bpf_prog_test_run_opts(fd, &opts))
		err = -errno;
	close(fd);
	return err;
}

int kernel_counters(const struct af_kernel *k, __u64 out[AF_CNT_NR])
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 *vals;
	__u32 i;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < AF_CNT_NR; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(k->fd[AF_MAP_COUNTERS], &i, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

int kernel_links(int *expected)
{
	struct archfence_bpf *skel;
	struct bpf_program *prog;
	struct dirent *de;
	int n = 0;
	DIR *d;

	*expected = 0;
	skel = archfence_bpf__open();
	if (skel) {
		bpf_object__for_each_program(prog, skel->obj)
			if (bpf_program__type(prog) != BPF_PROG_TYPE_SYSCALL)
				(*expected)++;
		archfence_bpf__destroy(skel);
	}
	d = opendir(PIN_LINKS);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int unlink_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

int kernel_unload(void)
{
	int err;

	/* Links first, so that no program runs on half-removed maps. */
	err = unlink_dir(PIN_LINKS);
	if (!err)
		err = unlink_dir(PIN_PROGS);
	if (!err)
		err = unlink_dir(PIN_MAPS);
	if (!err && rmdir(AF_PIN_DIR) && errno != ENOENT)
		err = -errno;
	return err;
}

/*
 * Whether a BPF LSM program really loads and attaches here: some kernels list
 * bpf among their LSMs and still refuse the programs.
 */
static int probe_lsm_load(char *why, size_t len)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC);
	struct btf *vmlinux;
	int id, prog, link, err;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, len, "cannot read the kernel's BTF: %s", strerror(errno));
		return -EOPNOTSUPP;
	}
	id = btf__find_by_name_kind(vmlinux, "bpf_lsm_file_open", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0) {
		snprintf(why, len, "the kernel has no BPF LSM hooks: it needs CONFIG_BPF_LSM=y");
		return -EOPNOTSUPP;
	}
	opts.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_LSM, "af_probe", "GPL", insns, 2, &opts);
	if (prog < 0) {
		err = -errno;
		snprintf(why, len, "the kernel refuses BPF LSM programs (%s)%s", strerror(-err),
			 err == -EPERM ? ": run as root, and check that kernel lockdown or a "
					 "security policy does not forbid BPF" : "");
		return -EOPNOTSUPP;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	if (err) {
		snprintf(why, len, "the kernel refuses to attach BPF LSM programs (%s)", strerror(-err));
		return -EOPNOTSUPP;
	}
	return 0;
}

int kernel_probe(char *why, size_t len)
{
	char lsm[512] = "";
	FILE *f;

	f = fopen("/sys/kernel/security/lsm", "r");
	if (f) {
		if (!fgets(lsm, sizeof(lsm), f))
			lsm[0] = 0;
		fclose(f);
	}
	lsm[strcspn(lsm, "\n")] = 0;
	if (!strstr(lsm, "bpf")) {
		snprintf(why, len,
			 "the kernel's active LSM list (%s) lacks bpf: add lsm=%s%sbpf to the kernel "
			 "command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and "
			 "reboot)", lsm[0] ? lsm : "unknown", lsm, lsm[0] ? "," : "");
		return -EOPNOTSUPP;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux): it needs "
			 "CONFIG_DEBUG_INFO_BTF=y");
		return -EOPNOTSUPP;
	}
	return probe_lsm_load(why, len);
}
