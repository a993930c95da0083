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
#include <openssl/evp.h>
#include <sys/syscall.h>

#include "archfence.skel.h"
#include "egress.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"
#include "tasks.h"
#include "util.h"

#define PIN_MAPS	AF_PIN_DIR "/maps"
#define PIN_LINKS	AF_PIN_DIR "/links"
#define PIN_PROGS	AF_PIN_DIR "/progs"
/* Where an upgrade stages the new build's pins, and puts the old ones aside (bpffs refuses names with a dot). */
#define PIN_STAGE	AF_PIN_DIR "_new"
#define PIN_ASIDE	AF_PIN_DIR "_old"

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
	[AF_MAP_OWN] = "af_own",
	[AF_MAP_PENDING] = "af_pending",
	[AF_MAP_PENDING_PATH] = "af_pending_path",
};

struct af_kernel {
	struct archfence_bpf *skel;	/* when loaded by us; NULL when opened pinned */
	int fd[AF_MAP_NR];
	bool readonly;			/* locked: opened for reading */
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

static bool has_func(const struct btf *vmlinux, const char *name)
{
	return vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0;
}

/*
 * Where a hook's arguments changed between kernels, the object has one
 * program per form: load the one that fits this kernel's BTF.
 */
static void choose_programs(struct archfence_bpf *skel)
{
	const struct btf_type *t;
	struct btf *vmlinux;
	bool idmap = false;
	int id;

	vmlinux = btf__load_vmlinux_btf();
	if (vmlinux) {
		id = btf__find_by_name_kind(vmlinux, "bpf_lsm_inode_setattr", BTF_KIND_FUNC);
		t = id > 0 ? btf__type_by_id(vmlinux, (__u32)id) : NULL;
		t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
		idmap = t && btf_is_func_proto(t) && btf_vlen(t) == 3;
	}
	bpf_program__set_autoload(skel->progs.af_inode_setattr, !idmap);
	bpf_program__set_autoload(skel->progs.af_inode_setattr_idmap, idmap);
	/* Exits of kernel functions: where the kernel's BTF describes them. */
	bpf_program__set_autoload(skel->progs.af_pipe_read_exit, has_func(vmlinux, "pipe_read"));
	bpf_program__set_autoload(skel->progs.af_sock_recvmsg_exit,
				  has_func(vmlinux, "sock_recvmsg"));
	bpf_program__set_autoload(skel->progs.af_sock_splice_read_exit,
				  has_func(vmlinux, "sock_splice_read"));
	/* LSM hooks newer than the oldest kernel we run on (6.2: ACLs). */
	bpf_program__set_autoload(skel->progs.af_inode_set_acl,
				  has_func(vmlinux, "bpf_lsm_inode_set_acl"));
	bpf_program__set_autoload(skel->progs.af_inode_remove_acl,
				  has_func(vmlinux, "bpf_lsm_inode_remove_acl"));
	bpf_program__set_autoload(skel->progs.af_access_remote_vm,
				  has_func(vmlinux, "access_remote_vm"));
	bpf_program__set_autoload(skel->progs.af_get_pipe_info, has_func(vmlinux, "get_pipe_info"));
	bpf_program__set_autoload(skel->progs.af_do_splice, has_func(vmlinux, "do_splice"));
	bpf_program__set_autoload(skel->progs.af_dump_emit, has_func(vmlinux, "dump_emit"));
	bpf_program__set_autoload(skel->progs.af_do_splice_exit, has_func(vmlinux, "do_splice"));
	btf__free(vmlinux);
}

/* Programs of the object this kernel runs (see choose_programs). */
#define for_each_program(prog, skel) \
	bpf_object__for_each_program(prog, (skel)->obj) \
		if (bpf_program__autoload(prog))

/*
 * ARCHFENCE_VERIFIER_STATS=FILE (for developers): the verifier's statistics
 * of every program (instructions processed, states, time) are written to
 * FILE when the programs are loaded.
 */
#define VSTATS_BUF 4096
static char *vstats_bufs[64];

static void verifier_stats_begin(struct archfence_bpf *skel)
{
	struct bpf_program *prog;
	int i = 0;

	if (!getenv("ARCHFENCE_VERIFIER_STATS"))
		return;
	for_each_program(prog, skel) {
		if (i >= (int)(sizeof(vstats_bufs) / sizeof(vstats_bufs[0])))
			break;
		vstats_bufs[i] = calloc(1, VSTATS_BUF);
		if (!vstats_bufs[i])
			break;
		bpf_program__set_log_buf(prog, vstats_bufs[i], VSTATS_BUF);
		bpf_program__set_log_level(prog, 4);
		i++;
	}
}

static void verifier_stats_end(struct archfence_bpf *skel)
{
	const char *path = getenv("ARCHFENCE_VERIFIER_STATS");
	struct bpf_program *prog;
	FILE *f;
	int i = 0;

	if (!path)
		return;
	f = fopen(path, "w");
	for_each_program(prog, skel) {
		if (i >= (int)(sizeof(vstats_bufs) / sizeof(vstats_bufs[0])) || !vstats_bufs[i])
			break;
		if (f) {
			char *l, *save = NULL;

			fprintf(f, "%s:", bpf_program__name(prog));
			for (l = strtok_r(vstats_bufs[i], "\n", &save); l; l = strtok_r(NULL, "\n", &save))
				fprintf(f, " %s;", l);
			fputc('\n', f);
		}
		bpf_program__set_log_buf(prog, NULL, 0);
		free(vstats_bufs[i]);
		vstats_bufs[i] = NULL;
		i++;
	}
	if (f)
		fclose(f);
}

/* What identifies this build's BPF object: the first bytes of its SHA-256. */
static void build_id(__u8 out[16])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	size_t size = 0;
	const void *elf = archfence_bpf__elf_bytes(&size);

	memset(out, 0, 16);
	if (EVP_Digest(elf, size, md, &len, EVP_sha256(), NULL) && len >= 16)
		memcpy(out, md, 16);
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

/* The pinned map fd has the value size this build gives it. */
static bool sized(int fd, __u32 key, __u32 value)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.key_size == key &&
	       info.value_size == value;
}

static bool same_build(int state_fd)
{
	struct af_state st;
	__u32 zero = 0;
	__u8 ours[16];

	if (!sized(state_fd, sizeof(__u32), sizeof(st)) ||
	    bpf_map_lookup_elem(state_fd, &zero, &st))
		return false;
	build_id(ours);
	return !memcmp(st.build, ours, sizeof(ours));
}

int kernel_open_pinned(struct af_kernel **out)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	struct af_kernel *k;
	char path[PATH_MAX];
	bool readonly = false;
	int i, err;

	*out = NULL;
	/* Unreadable is not absent: an ordinary user must not be told "not loaded". */
	if (access(PIN_MAPS "/af_state", F_OK)) {
		err = -errno;
		if (err != -ENOENT)
			log_warn(err, "kernel: cannot reach %s: this needs root", PIN_MAPS);
		return err;
	}
	k = kernel_new();
	if (!k)
		return -ENOMEM;
	for (i = 0; i < AF_MAP_NR; i++) {
		snprintf(path, sizeof(path), "%s/%s", PIN_MAPS, map_names[i]);
		/* Locked: only reading is possible, and draining events. */
		if (readonly && i != AF_MAP_EVENTS)
			k->fd[i] = bpf_obj_get_opts(path, &ro);
		else
			k->fd[i] = bpf_obj_get(path);
		if (k->fd[i] < 0 && errno == EPERM && i == 0 && !readonly) {
			readonly = true;
			i--;
			continue;
		}
		if (k->fd[i] < 0) {
			err = -errno;
			if (err == -EPERM)
				log_warnx("kernel: archfence refuses this program access to its maps: only "
					  "the archfence controller that applied the policy in force may "
					  "(is this another build or copy of it?)");
			else
				log_warn(err, "kernel: cannot open the pinned map %s", path);
			kernel_close(k);
			return err;
		}
	}
	k->readonly = readonly;
	if (!same_build(k->fd[AF_MAP_STATE])) {
		log_warnx("kernel: the archfence in force is another build than this one (its maps may "
			  "differ): `archfence upgrade %s`, run by the archfence in force, swaps it "
			  "for this one without a gap in enforcement", "/path/to/this/archfence");
		kernel_close(k);
		return -ESTALE;
	}
	*out = k;
	return 0;
}

bool kernel_readonly(const struct af_kernel *k)
{
	return k->readonly;
}

int kernel_libbpf_quiet;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	if (level == LIBBPF_INFO && !log_verbose)
		return 0;
	if (kernel_libbpf_quiet && !log_verbose)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/*
 * Fill a hash map with the n entries at base in batches of keys and values,
 * one system call per 64K entries. -EOPNOTSUPP when the kernel has no batch
 * update (the caller then goes one by one).
 */
static int fill_batched(int fd, __u32 ksize, __u32 vsize, const void *base, size_t n,
			size_t stride, size_t val_off)
{
	const size_t chunk = 65536;
	char *keys, *vals;
	size_t i, j;
	int err = 0;

	if (!n)
		return 0;
	keys = malloc(chunk * ksize);
	vals = malloc(chunk * vsize);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < n && !err; i += chunk) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = (__u32)(n - i < chunk ? n - i : chunk);

		for (j = 0; j < count; j++) {
			const char *e = (const char *)base + (i + j) * stride;

			memcpy(keys + j * ksize, e, ksize);
			memcpy(vals + j * vsize, e + val_off, vsize);
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, &opts))
			/* 524: the kernel's internal ENOTSUPP, for maps without batches */
			err = errno == EINVAL || errno == 524 || errno == EOPNOTSUPP ? -EOPNOTSUPP
										     : -errno;
		if (err == -EOPNOTSUPP && i)
			err = -EIO; /* half filled: do not start over silently */
	}
	free(keys);
	free(vals);
	return err;
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
	err = -EOPNOTSUPP;
	if (type == BPF_MAP_TYPE_HASH)
		err = fill_batched(fd, ksize, vsize, base, n, stride, val_off);
	if (err == -EOPNOTSUPP) {
		err = 0;
		for (i = 0; i < n && !err; i++) {
			const char *e = (const char *)base + i * stride;

			if (bpf_map_update_elem(fd, e, e + val_off, BPF_ANY))
				err = -errno;
		}
	}
	if (err) {
		log_warn(err, "kernel: cannot fill %s", name);
		close(fd);
		return err;
	}
	return fd;
}

/* The kernel's id of a map, program or link descriptor, or 0. */
static __u32 obj_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	/* id is the first field of map, program and link info alike */
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* Mark an object as archfence's own: only the controller may touch it. */
static int own(struct af_kernel *k, int fd, __u8 kind)
{
	__u32 space = kind == AF_OWN_PROG ? AF_OWN_SPACE_PROG :
		      kind == AF_OWN_LINK ? AF_OWN_SPACE_LINK : AF_OWN_SPACE_MAP;
	__u32 id = obj_id(fd);
	__u64 key = AF_OWN_KEY(space, id);

	if (!id || bpf_map_update_elem(k->fd[AF_MAP_OWN], &key, &kind, BPF_ANY)) {
		log_warn(errno, "kernel: cannot register an archfence object");
		return -errno ? -errno : -EINVAL;
	}
	return 0;
}

/* Forget the inner map a slot of an outer map holds now (it is being replaced). */
static __u32 inner_id(struct af_kernel *k, enum af_map_id outer, __u32 slot)
{
	__u32 id = 0;

	if (bpf_map_lookup_elem(k->fd[outer], &slot, &id))
		return 0;
	return id;
}

/*
 * Write g into the slot it belongs to: fresh label, trust and cloud maps,
 * its policy and its record. Nothing reads that slot until af_state names it.
 */
static int write_slot(struct af_kernel *k, const struct af_generation *g)
{
	static const enum af_map_id outers[] = { AF_MAP_LABELS, AF_MAP_TRUSTED, AF_MAP_CLOUD };
	__u32 slot = g->policy.gen & 1, old[3];
	int fds[3] = { -1, -1, -1 }, err = 0;
	size_t i;

	fds[0] = filled_map(BPF_MAP_TYPE_HASH, "af_labels_g", sizeof(struct af_inode_key),
			    sizeof(struct af_label_val), g->entries, g->nentries,
			    sizeof(*g->entries), offsetof(struct af_label_entry, val));
	fds[1] = filled_map(BPF_MAP_TYPE_HASH, "af_trusted_g", sizeof(struct af_trust_key),
			    sizeof(struct af_trust), g->trusted, g->ntrusted, sizeof(*g->trusted),
			    offsetof(struct af_trust_entry, val));
	fds[2] = filled_map(BPF_MAP_TYPE_LPM_TRIE, "af_cloud_g", sizeof(struct af_cloud_key),
			    sizeof(struct af_cloud_val), g->cloud, g->ncloud, sizeof(*g->cloud),
			    offsetof(struct af_cloud_entry, val));
	for (i = 0; i < 3; i++) {
		if (fds[i] < 0) {
			err = fds[i];
			goto out;
		}
		err = own(k, fds[i], AF_OWN_MAP);
		if (err)
			goto out;
		old[i] = inner_id(k, outers[i], slot);
	}
	for (i = 0; i < 3 && !err; i++)
		if (bpf_map_update_elem(k->fd[outers[i]], &slot, &fds[i], BPF_ANY))
			err = -errno;
	if (!err && (bpf_map_update_elem(k->fd[AF_MAP_POLICY], &slot, &g->policy, BPF_ANY) ||
		     bpf_map_update_elem(k->fd[AF_MAP_META], &slot, &g->meta, BPF_ANY)))
		err = -errno;
	if (err) {
		log_warn(err, "kernel: cannot write generation %u", g->policy.gen);
		goto out;
	}
	for (i = 0; i < 3; i++) {
		__u64 key = AF_OWN_KEY(AF_OWN_SPACE_MAP, old[i]);

		if (old[i])
			bpf_map_delete_elem(k->fd[AF_MAP_OWN], &key);
	}
out:
	/* The outer maps hold them now. */
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

/*
 * The switch: one write of af_state makes generation gen the one in force;
 * flags and the build stay as they are.
 */
static int switch_to(struct af_kernel *k, __u32 gen, __u32 set_flags)
{
	struct af_state st = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(k->fd[AF_MAP_STATE], &zero, &st))
		return -errno;
	if (st.flags & AF_STATE_LOCKED)
		return -EPERM;
	if (gen) {
		st.gen = gen;
		st.flags &= ~AF_STATE_PENDING; /* the generation's own say, in set_flags */
	}
	st.flags |= set_flags;
	if (!st.build[0] && !st.build[1])
		build_id(st.build);
	if (bpf_map_update_elem(k->fd[AF_MAP_STATE], &zero, &st, BPF_ANY)) {
		if (errno != EPERM)
			log_warn(errno, "kernel: cannot switch to generation %u", gen);
		return -errno;
	}
	return 0;
}

int kernel_lookup(const struct af_kernel *k, const struct af_inode_key *key,
		  struct af_label_val *own, struct af_label_val *derived)
{
	struct af_state st;
	__u32 slot, id = 0;
	int fd;

	memset(own, 0, sizeof(*own));
	memset(derived, 0, sizeof(*derived));
	if (kernel_state(k, &st, NULL, NULL))
		return -errno;
	slot = st.gen & 1;
	if (bpf_map_lookup_elem(k->fd[AF_MAP_LABELS], &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, key, own))
		memset(own, 0, sizeof(*own));
	close(fd);
	if (bpf_map_lookup_elem(k->fd[AF_MAP_DERIVED], key, derived))
		memset(derived, 0, sizeof(*derived));
	return 0;
}

int kernel_prog_stats(struct af_prog_stat *out, int max)
{
	__u32 id = 0;
	int n = 0;

	while (n < max && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "af_", 3)) {
			af_strlcpy(out[n].name, info.name, sizeof(out[n].name));
			out[n].run_cnt = info.run_cnt;
			out[n].run_time_ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	return n;
}

int kernel_lock(struct af_kernel *k)
{
	return switch_to(k, 0, AF_STATE_LOCKED);
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

/*
 * Clear label ids whose meaning ends from the labels the kernel derived, so
 * that a label removed now cannot come back as a different one that takes
 * its id later. Entries left with no label go.
 */
static int purge_derived(struct af_kernel *k, __u32 ids)
{
	int fd = k->fd[AF_MAP_DERIVED], err = 0;
	struct af_inode_key key, next, *prev = NULL, *gone = NULL, *tmp;
	size_t ngone = 0, i;
	struct af_label_val v;

	if (!ids)
		return 0;
	/* Deleting while walking a hash map restarts the walk: delete after. */
	while (!err && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || !(v.labels & ids))
			continue;
		v.labels &= ~ids;
		if (v.labels) {
			if (bpf_map_update_elem(fd, &key, &v, BPF_EXIST))
				err = -errno;
			continue;
		}
		tmp = realloc(gone, (ngone + 1) * sizeof(*gone));
		if (!tmp) {
			err = -ENOMEM;
			break;
		}
		gone = tmp;
		gone[ngone++] = key;
	}
	for (i = 0; !err && i < ngone; i++)
		if (bpf_map_delete_elem(fd, &gone[i]) && errno != ENOENT)
			err = -errno;
	free(gone);
	if (err)
		log_warn(err, "kernel: cannot clear removed labels from the derived ones");
	return err;
}

/* Give back labels derived before; they add to what the kernel has derived since. */
static int restore_derived(struct af_kernel *k, const struct af_generation *g)
{
	int fd = k->fd[AF_MAP_DERIVED];
	struct af_label_val v;
	size_t i;

	for (i = 0; i < g->nderived; i++) {
		if (bpf_map_lookup_elem(fd, &g->derived[i].key, &v))
			v = g->derived[i].val;
		else if ((v.labels | g->derived[i].val.labels) == v.labels)
			continue;
		v.labels |= g->derived[i].val.labels;
		if (bpf_map_update_elem(fd, &g->derived[i].key, &v, BPF_ANY)) {
			log_warn(errno, "kernel: cannot give back derived labels");
			return -errno;
		}
	}
	return 0;
}

/* The pending paths of g are awaited from now on (before the switch). */
static int write_pending(struct af_kernel *k, const struct af_generation *g)
{
	__u32 id;
	size_t i;

	for (id = 0; id < g->npending; id++)
		if (bpf_map_update_elem(k->fd[AF_MAP_PENDING_PATH], &id, &g->pending_path[id], BPF_ANY))
			goto fail;
	for (i = 0; i < g->nawaited; i++)
		if (bpf_map_update_elem(k->fd[AF_MAP_PENDING], &g->awaited[i].key, &g->awaited[i].val,
					BPF_ANY))
			goto fail;
	return 0;
fail:
	log_warn(errno, "kernel: cannot hold a pending path");
	return -errno;
}

/*
 * After the switch: what earlier generations awaited, and g does not, is
 * dropped. (Directories created since are where g's paths start now.)
 */
static void drop_stale_pending(struct af_kernel *k, const struct af_generation *g)
{
	struct af_pending_key key, next, *prev = NULL;
	size_t i;

	while (bpf_map_get_next_key(k->fd[AF_MAP_PENDING], prev, &next) == 0) {
		bool keep = false;

		key = next;
		for (i = 0; i < g->nawaited && !keep; i++)
			keep = !memcmp(&g->awaited[i].key, &key, sizeof(key));
		if (!keep && bpf_map_delete_elem(k->fd[AF_MAP_PENDING], &key) == 0)
			continue; /* deleted: go on from the same place */
		prev = &key;
	}
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
	if (st.flags & AF_STATE_LOCKED)
		return -EPERM;
	err = write_slot(k, g);
	if (!err)
		err = purge_derived(k, g->purge);
	if (!err)
		err = restore_derived(k, g);
	if (err)
		return err;
	err = write_pending(k, g);
	if (err)
		return err;
	/* Sinks that already run are sinks before the switch, and untainted. */
	tasks_mark_sinks(k->fd[AF_MAP_TASK], k->fd[AF_MAP_SOCK], g);
	err = switch_to(k, g->policy.gen, g->npending ? AF_STATE_PENDING : 0);
	if (!err)
		drop_stale_pending(k, g);
	return err;
}

/*
 * Before anything is attached: this process is the controller (later ones
 * are recognised when they run, see task.bpf.c), and every map and program
 * of the object is archfence's own.
 */
static int register_self(struct af_kernel *k, struct archfence_bpf *skel)
{
	struct af_task t = { .flags = AF_TASK_CONTROLLER };
	struct bpf_program *prog;
	struct bpf_map *map;
	int pidfd, err = 0;

	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0 || bpf_map_update_elem(k->fd[AF_MAP_TASK], &pidfd, &t, BPF_ANY)) {
		err = -errno;
		log_warn(err, "kernel: cannot mark the controller");
	}
	if (pidfd >= 0)
		close(pidfd);
	bpf_object__for_each_map(map, skel->obj) {
		if (err)
			break;
		err = own(k, bpf_map__fd(map), map == skel->maps.af_events ? AF_OWN_EVENTS : AF_OWN_MAP);
	}
	for_each_program(prog, skel) {
		if (err)
			break;
		err = own(k, bpf_program__fd(prog), AF_OWN_PROG);
	}
	return err;
}

/*
 * The pin directory was only just made: the generation could not label it
 * yet. It carries the archfence label from the first moment.
 */
static int protect_pins(struct af_generation *g, const char *base)
{
	struct af_label_entry *e;
	struct stat st;

	if (stat(base, &st))
		return -errno;
	e = realloc(g->entries, (g->nentries + 2) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	g->entries = e;
	e[g->nentries].key.dev = af_kdev(st.st_dev);
	e[g->nentries].key.ino = st.st_ino;
	e[g->nentries].val.labels = 1u << AF_SELF_LABEL;
	e[g->nentries].val.flags = AF_LV_ROOT;
	g->nentries++;
	/* Their file system, which may not be unmounted (see af_sb_umount). */
	e[g->nentries] = e[g->nentries - 1];
	e[g->nentries].key.ino = 0;
	g->nentries++;
	return 0;
}

static int pin_links(struct af_kernel *k, struct archfence_bpf *skel, const char *base)
{
	char path[PATH_MAX + 256], links[PATH_MAX], progs[PATH_MAX];
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	snprintf(links, sizeof(links), "%s/links", base);
	snprintf(progs, sizeof(progs), "%s/progs", base);
	err = mkdir_p(links);
	if (err)
		return err;
	for_each_program(prog, skel) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL) {
			/* run by the controller, not attached: pin the program itself */
			snprintf(path, sizeof(path), "%s/%s", progs, bpf_program__name(prog));
			err = mkdir_p(progs);
			if (!err)
				err = bpf_program__pin(prog, path);
			if (err) {
				log_warn(err, "kernel: cannot pin %s", path);
				return err;
			}
			continue;
		}
		if (bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS) {
			/* tc filters, not links: pinned, and put on every interface */
			snprintf(path, sizeof(path), "%s/%s", progs, bpf_program__name(prog));
			err = mkdir_p(progs);
			if (!err)
				err = bpf_program__pin(prog, path);
			if (!err)
				err = egress_attach_all(bpf_program__fd(prog));
			if (err) {
				log_warn(err, "kernel: cannot put %s on the interfaces", path);
				return err;
			}
			continue;
		}
		if (bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SKB) {
			/* every socket of the host: the root of the cgroup tree */
			int cg = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			link = cg >= 0 ? bpf_program__attach_cgroup(prog, cg) : NULL;
			if (cg >= 0)
				close(cg);
		} else {
			link = bpf_program__attach(prog);
		}
		if (!link) {
			err = -errno;
			log_warn(err, "kernel: cannot attach %s", bpf_program__name(prog));
			return err;
		}
		err = own(k, bpf_link__fd(link), AF_OWN_LINK);
		if (err) {
			bpf_link__destroy(link);
			return err;
		}
		snprintf(path, sizeof(path), "%s/%s", links, bpf_program__name(prog));
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

static int unload_at(const char *base);

/* Load, fill and attach this build's object, its pins under base. */
static int install_at(struct af_kernel **out, struct af_generation *g, const char *base)
{
	char maps[PATH_MAX - 256];
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
	snprintf(maps, sizeof(maps), "%s/maps", base);
	if (mkdir_p(base) || mkdir_p(maps)) {
		log_warn(errno, "kernel: cannot create %s", base);
		return -errno;
	}
	skel = archfence_bpf__open();
	if (!skel) {
		err = -errno;
		log_warn(err, "kernel: cannot open the BPF object");
		return err;
	}
	choose_programs(skel);
	bpf_object__for_each_map(map, skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", maps, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto fail;
	}
	verifier_stats_begin(skel);
	err = archfence_bpf__load(skel);
	verifier_stats_end(skel);
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
	err = protect_pins(g, base);
	if (err)
		goto fail;
	err = register_self(k, skel);
	if (!err)
		err = write_slot(k, g);
	if (!err)
		err = restore_derived(k, g);
	if (!err)
		err = write_pending(k, g);
	if (!err)
		tasks_mark_sinks(k->fd[AF_MAP_TASK], k->fd[AF_MAP_SOCK], g);
	if (!err)
		err = switch_to(k, g->policy.gen, g->npending ? AF_STATE_PENDING : 0);
	if (!err)
		err = pin_links(k, skel, base);
	if (err)
		goto fail;
	*out = k;
	return 0;
fail:
	if (k)
		k->skel = NULL;
	kernel_close(k);
	archfence_bpf__destroy(skel);
	unload_at(base);
	return err;
}

int kernel_install(struct af_kernel **out, struct af_generation *g)
{
	return install_at(out, g, AF_PIN_DIR);
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
		choose_programs(skel);
		for_each_program(prog, skel)
			if (bpf_program__type(prog) != BPF_PROG_TYPE_SYSCALL &&
			    bpf_program__type(prog) != BPF_PROG_TYPE_SCHED_CLS)
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

int kernel_egress(int *covered)
{
	libbpf_set_print(libbpf_print);
	return egress_coverage(PIN_PROGS "/af_egress_tc", covered);
}

int kernel_egress_attach(void)
{
	libbpf_set_print(libbpf_print);
	return egress_attach_pinned(PIN_PROGS "/af_egress_tc");
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

/* The programs behind the links pinned in dir: at most max ids into ids. */
static size_t linked_progs(const char *dir, __u32 *ids, size_t max)
{
	char path[PATH_MAX + 256];
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d && n < max && (de = readdir(d))) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.prog_id)
			ids[n++] = info.prog_id;
		close(fd);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * Newer kernels release a detached LSM program after an RCU grace period,
 * seconds later under emulation: "unloaded" means no longer deciding.
 */
static void wait_detached(const __u32 *ids, size_t n)
{
	size_t i, left;
	int round, fd;

	for (round = 0; round < 600; round++) {
		for (i = 0, left = 0; i < n; i++) {
			fd = bpf_prog_get_fd_by_id(ids[i]);
			if (fd >= 0) {
				close(fd);
				left++;
			}
		}
		if (!left)
			return;
		usleep(100000);
	}
	log_warnx("kernel: %zu programs still attached a minute after their links went", left);
}

static int unload_at(const char *base)
{
	char dir[PATH_MAX];
	__u32 ids[64];
	size_t n;
	int err;

	/* Links first, so that no program runs on half-removed maps. */
	snprintf(dir, sizeof(dir), "%s/links", base);
	n = linked_progs(dir, ids, sizeof(ids) / sizeof(ids[0]));
	err = unlink_dir(dir);
	if (!err)
		wait_detached(ids, n);
	snprintf(dir, sizeof(dir), "%s/progs/af_egress_tc", base);
	if (!err)
		egress_detach_pinned(dir);
	snprintf(dir, sizeof(dir), "%s/progs", base);
	if (!err)
		err = unlink_dir(dir);
	snprintf(dir, sizeof(dir), "%s/maps", base);
	if (!err)
		err = unlink_dir(dir);
	if (!err && rmdir(base) && errno != ENOENT)
		err = -errno;
	return err;
}

int kernel_unload(void)
{
	libbpf_set_print(libbpf_print);
	return unload_at(AF_PIN_DIR);
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

int kernel_missing_hooks(char *buf, size_t len)
{
	struct archfence_bpf *skel;
	struct bpf_program *prog;
	struct btf *vmlinux;
	size_t o = 0;
	int n = 0;

	buf[0] = 0;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	skel = archfence_bpf__open();
	if (!skel) {
		btf__free(vmlinux);
		return -errno;
	}
	choose_programs(skel);
	for_each_program(prog, skel) {
		const char *sec = bpf_program__section_name(prog);
		char fn[128];

		if (strncmp(sec, "lsm/", 4))
			continue;
		snprintf(fn, sizeof(fn), "bpf_lsm_%s", sec + 4);
		if (btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) < 0) {
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", n ? ", " : "", sec + 4);
			n++;
		}
	}
	archfence_bpf__destroy(skel);
	btf__free(vmlinux);
	return n;
}

int kernel_probe(char *why, size_t len)
{
	/* Programs attached and pinned: this kernel enforces already. */
	if (access(PIN_LINKS "/af_file_open", F_OK) == 0)
		return 0;
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
		char fix[768];

		af_lsm_advice(lsm, af_grubby_first(), fix, sizeof(fix));
		snprintf(why, len, "the kernel's active LSM list (%s) lacks bpf: %s",
			 lsm[0] ? lsm : "unknown", fix);
		return -EOPNOTSUPP;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux): it needs "
			 "CONFIG_DEBUG_INFO_BTF=y");
		return -EOPNOTSUPP;
	}
	f = fopen("/sys/kernel/security/lockdown", "r");
	if (f) {
		if (!fgets(lsm, sizeof(lsm), f))
			lsm[0] = 0;
		fclose(f);
		if (strstr(lsm, "[confidentiality]")) {
			snprintf(why, len, "kernel lockdown is confidentiality, which forbids BPF programs "
				 "that read kernel memory, as archfence's do: boot with lockdown=integrity "
				 "and lock archfence instead (it then closes those windows itself)");
			return -EOPNOTSUPP;
		}
	}
	return probe_lsm_load(why, len);
}

/* ---- swapping builds ---- */

static int pinned_map(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", PIN_MAPS, name);
	return bpf_obj_get(path);
}

int kernel_peek_other_build(struct af_state *st, struct af_policy *pol, struct af_meta *meta)
{
	int fds[3] = { pinned_map("af_state"), pinned_map("af_policy"), pinned_map("af_meta") };
	__u32 zero = 0, slot;
	int err = -EPROTO, i;

	/* Only what has this build's layout can be read. */
	if (fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0 &&
	    sized(fds[0], sizeof(__u32), sizeof(*st)) && sized(fds[1], sizeof(__u32), sizeof(*pol)) &&
	    sized(fds[2], sizeof(__u32), sizeof(*meta)) && !bpf_map_lookup_elem(fds[0], &zero, st)) {
		slot = st->gen & 1;
		if (!bpf_map_lookup_elem(fds[1], &slot, pol) && !bpf_map_lookup_elem(fds[2], &slot, meta))
			err = 0;
	} else if (fds[0] < 0) {
		err = -errno;
	}
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

/* The other build's derived labels, where its layout is ours; they add to ours. */
static void take_derived(int from, int to)
{
	struct af_inode_key key, next, *prev = NULL;
	struct af_label_val v, have;
	size_t n = 0;

	if (!sized(from, sizeof(key), sizeof(v))) {
		log_warnx("upgrade: the derived labels of the build in force have another layout; "
			  "those the controller recorded come back, the others do not");
		return;
	}
	while (bpf_map_get_next_key(from, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(from, &key, &v))
			continue;
		if (!bpf_map_lookup_elem(to, &key, &have))
			v.labels |= have.labels;
		if (bpf_map_update_elem(to, &key, &v, BPF_ANY) == 0)
			n++;
	}
	printf("upgrade: %zu derived labels carried over\n", n);
}

/*
 * What each process carries (taint, the program it runs) in the other
 * build's task storage, where its layout is ours. Task storage is reached
 * through a pidfd, so only thread group leaders: a thread that alone read
 * labelled data loses its taint here.
 */
static void take_tasks(int from, int to)
{
	struct af_task t, have;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!sized(from, sizeof(int), sizeof(t))) {
		log_warnx("upgrade: the process state of the build in force has another layout; "
			  "taint is not carried over");
		return;
	}
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int pidfd;

		if (*end || pid <= 0)
			continue;
		pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (pidfd < 0)
			continue;
		if (bpf_map_lookup_elem(from, &pidfd, &t) == 0) {
			/* Controllers are recognised anew, by the new executable; grants recomputed. */
			t.flags &= ~AF_TASK_CONTROLLER;
			t.gen = 0;
			if (bpf_map_lookup_elem(to, &pidfd, &have) == 0) {
				have.taint |= t.taint;
				t = have;
			}
			if (bpf_map_update_elem(to, &pidfd, &t, BPF_ANY) == 0)
				n++;
		}
		close(pidfd);
	}
	closedir(d);
	printf("upgrade: the state of %zu processes carried over\n", n);
}

/* The other build's counters, where they line up with ours: status keeps counting. */
static void take_counters(int from, int to)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 *a, *b;
	__u32 i;

	if (ncpu <= 0 || !sized(from, sizeof(__u32), sizeof(__u64)))
		return;
	a = calloc((size_t)ncpu, sizeof(*a));
	b = calloc((size_t)ncpu, sizeof(*b));
	for (i = 0; a && b && i < AF_CNT_NR; i++) {
		if (bpf_map_lookup_elem(from, &i, a) || bpf_map_lookup_elem(to, &i, b))
			continue;
		for (c = 0; c < ncpu; c++)
			b[c] += a[c];
		bpf_map_update_elem(to, &i, b, BPF_ANY);
	}
	free(a);
	free(b);
}

int kernel_takeover(struct af_kernel **out, struct af_generation *g)
{
	int state = pinned_map("af_state"), derived = pinned_map("af_derived");
	int tasks = pinned_map("af_task"), counters = pinned_map("af_counters");
	struct af_kernel *k = NULL;
	struct af_state st;
	__u32 zero = 0;
	int err;

	*out = NULL;
	if (state < 0) {
		err = -errno;
		log_warn(err, "upgrade: cannot open the state of the archfence in force");
		goto out;
	}
	if (sized(state, sizeof(__u32), sizeof(st)) && bpf_map_lookup_elem(state, &zero, &st) == 0 &&
	    (st.flags & AF_STATE_LOCKED)) {
		err = -EPERM;
		goto out;
	}
	/* A half-done earlier attempt goes first. */
	unload_at(PIN_STAGE);
	/* From here both builds enforce, until the old one's links go. */
	err = install_at(&k, g, PIN_STAGE);
	if (err)
		goto out;
	if (derived >= 0)
		take_derived(derived, k->fd[AF_MAP_DERIVED]);
	if (tasks >= 0)
		take_tasks(tasks, k->fd[AF_MAP_TASK]);
	if (counters >= 0)
		take_counters(counters, k->fd[AF_MAP_COUNTERS]);
	/* The new pins take the name in one step; the old ones then go, links first. */
	if (renameat2(AT_FDCWD, PIN_STAGE, AT_FDCWD, AF_PIN_DIR, RENAME_EXCHANGE) == 0) {
		err = unload_at(PIN_STAGE);
	} else if (errno == EINVAL || errno == ENOSYS) {
		unload_at(PIN_ASIDE);
		if (rename(AF_PIN_DIR, PIN_ASIDE) || rename(PIN_STAGE, AF_PIN_DIR))
			err = -errno;
		else
			err = unload_at(PIN_ASIDE);
	} else {
		err = -errno;
	}
	if (err)
		log_warn(err, "upgrade: the new build enforces, but the old one's pins could not all "
			 "be removed (see %s)", AF_PIN_DIR);
	*out = k;
	k = NULL;
out:
	kernel_close(k);
	if (state >= 0)
		close(state);
	if (derived >= 0)
		close(derived);
	if (tasks >= 0)
		close(tasks);
	if (counters >= 0)
		close(counters);
	return err;
}
