// SPDX-License-Identifier: GPL-2.0
/*
 * archfence apply --dry-run: the policy in force read back from the kernel
 * (its record, its label map) and from its file, compared with the new one.
 * Reads only: no map is written, nothing goes to the journal.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "journal.h"
#include "policy_diff.h"

/*
 * The label map of generation gen, as the kernel holds it: in batches where
 * the kernel has them, one entry at a time where not. Read-only: a locked
 * archfence refuses anything more, even to the controller.
 */
static int read_label_map(const struct af_kernel *k, __u32 gen, struct af_label_entry **out,
			  size_t *count)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, ro, .open_flags = BPF_F_RDONLY);
	struct af_inode_key *keys = NULL, key, *prev = NULL;
	struct af_label_val *vals = NULL;
	struct af_label_entry *v = NULL;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), slot = gen & 1, id = 0, max;
	__u64 batch = 0;
	size_t got = 0, i;
	int fd, err = 0;

	*out = NULL;
	*count = 0;
	if (bpf_map_lookup_elem(kernel_map_fd(k, AF_MAP_LABELS), &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id_opts(id, &ro);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	max = info.max_entries ? info.max_entries : 1;
	keys = calloc(max, sizeof(*keys));
	vals = calloc(max, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (got < max) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 n = (__u32)(max - got);

		err = bpf_map_lookup_batch(fd, got ? &batch : NULL, &batch, keys + got, vals + got,
					   &n, &opts) ? -errno : 0;
		got += n;
		if (err == -ENOENT) {
			err = 0; /* the end */
			break;
		}
		/* 524: the kernel's internal ENOTSUPP, for kernels without batches */
		if (err && !got && (err == -EINVAL || err == -524 || err == -EOPNOTSUPP)) {
			err = 0;
			while (got < max && bpf_map_get_next_key(fd, prev, &key) == 0) {
				if (bpf_map_lookup_elem(fd, &key, &vals[got]) == 0)
					keys[got++] = key;
				prev = &key;
			}
			break;
		}
		if (err)
			goto out;
	}
	v = calloc(got ? got : 1, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < got; i++) {
		v[i].key = keys[i];
		v[i].val = vals[i];
	}
	*out = v;
	*count = got;
out:
	free(keys);
	free(vals);
	close(fd);
	return err;
}

/*
 * The policy file in force, read again: quietly (its errors are not this
 * run's), and without the checks of archfence's own paths, which it passed
 * when it was applied. The hash covers the same bytes either way.
 */
static struct policy *load_quietly(const char *file)
{
	struct policy_opts opts = { 0 };
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	if (policy_load(file, &opts, &p, &errs))
		p = NULL;
	policy_errors_clear(&errs);
	return p;
}

static void print_inodes(const struct pdiff_inodes *d, FILE *out)
{
	fprintf(out, "inodes with policy labels: %zu -> %zu (%zu become%s labelled, %zu stop%s being "
		     "labelled, %zu change%s labels)\n", d->before, d->after,
		d->added, d->added == 1 ? "s" : "", d->removed, d->removed == 1 ? "s" : "",
		d->changed, d->changed == 1 ? "s" : "");
}

static bool inodes_changed(const struct pdiff_inodes *d)
{
	return d->added || d->removed || d->changed;
}

/* Paths of was (NULL: none) against those of now. */
static int print_paths(const struct policy *was, const struct policy *now, FILE *out,
		       struct pdiff_path_counts *c)
{
	struct pdiff_path *a = NULL, *b = NULL;
	size_t na = was ? was->npaths : 0;
	int err;

	err = was ? pdiff_policy_paths(was, &a) : 0;
	if (!err)
		err = pdiff_policy_paths(now, &b);
	if (!err)
		err = pdiff_paths(a, na, b, now->npaths, out, c);
	pdiff_paths_free(a, na);
	pdiff_paths_free(b, now->npaths);
	return err;
}

static void print_all_new(const struct policy *p, const struct af_generation *g, FILE *out)
{
	pdiff_names none = { { 0 } }, names;
	struct pdiff_path_counts c;
	struct pdiff_inodes d;

	fprintf(out, "nothing is in force: everything would be new\n");
	if (print_paths(NULL, p, out, &c))
		fprintf(out, "out of memory: path-level changes unknown\n");
	pdiff_meta_names(&g->meta, g->policy.nlabels, names);
	if (pdiff_inodes(NULL, 0, none, g->entries, g->nentries, names, &d) == 0)
		print_inodes(&d, out);
}

static void print_diff(const char *file, const struct policy *p, const struct af_generation *g,
		       const struct af_kernel *k, FILE *out)
{
	char sha[65], was_file[sizeof(((struct af_meta *)0)->file) + 1];
	bool same, inodes_known, paths_known = false;
	struct pdiff_path_counts c = { 0 };
	pdiff_names was_names, now_names;
	struct af_label_entry *was = NULL;
	struct pdiff_inodes d = { 0 };
	struct policy *prev = NULL;
	struct af_policy pol;
	struct af_meta meta;
	struct af_state st;
	size_t nwas = 0;
	unsigned n;
	int err;

	err = kernel_state(k, &st, &pol, &meta);
	if (err) {
		fprintf(out, "cannot read the policy in force (%s): changes unknown\n", strerror(-err));
		return;
	}
	if (!st.gen) {
		print_all_new(p, g, out);
		return;
	}
	journal_sha_hex(meta.sha256, sha);
	memcpy(was_file, meta.file, sizeof(meta.file));
	was_file[sizeof(meta.file)] = 0;
	pdiff_meta_names(&meta, pol.nlabels, was_names);
	pdiff_meta_names(&g->meta, g->policy.nlabels, now_names);
	err = read_label_map(k, st.gen, &was, &nwas);
	if (!err)
		err = pdiff_inodes(was, nwas, was_names, g->entries, g->nentries, now_names, &d);
	inodes_known = !err;
	free(was);
	same = !memcmp(meta.sha256, p->sha256, sizeof(meta.sha256));
	if (same && (!inodes_known || !inodes_changed(&d))) {
		fprintf(out, "no changes: %s is the policy in force\n", file);
		if (!inodes_known)
			fprintf(out, "cannot read the label map in force (%s): inode-level changes "
				     "unknown\n", strerror(-err));
		return;
	}
	if (st.flags & AF_STATE_LOCKED)
		fprintf(out, "archfence is locked until the next reboot: applying would be refused\n");
	if (same) {
		fprintf(out, "%s is the policy in force (sha256 %.12s); what it labels has changed "
			     "since it was applied:\n", file, sha);
	} else {
		fprintf(out, "changes against the policy in force (generation %u, %s, sha256 %.12s):\n",
			st.gen, was_file[0] ? was_file : "file not recorded", sha);
		n = pdiff_summary(&pol, &meta, &g->policy, &g->meta, out);
		/* Its paths, where its file still holds exactly the policy in force. */
		prev = was_file[0] ? load_quietly(was_file) : NULL;
		if (!was_file[0])
			fprintf(out, "the policy in force has no file recorded: path-level changes "
				     "unknown\n");
		else if (!prev)
			fprintf(out, "the policy file in force (%s) no longer loads: path-level changes "
				     "unknown\n", was_file);
		else if (memcmp(prev->sha256, meta.sha256, sizeof(meta.sha256)))
			fprintf(out, "the policy file in force (%s) has changed since it was applied: "
				     "path-level changes unknown\n", was_file);
		else if (print_paths(prev, p, out, &c))
			fprintf(out, "out of memory: path-level changes unknown\n");
		else
			paths_known = true;
		policy_free(prev);
		if (!n && paths_known && !c.added && !c.removed && !c.changed && inodes_known &&
		    !inodes_changed(&d)) {
			fprintf(out, "no changes in effect: %s differs from the policy in force in its "
				     "text only\n", file);
			return;
		}
	}
	if (inodes_known)
		print_inodes(&d, out);
	else
		fprintf(out, "cannot read the label map in force (%s): inode-level changes unknown\n",
			strerror(-err));
}

void policy_diff_print(const char *file, const struct policy *p, const struct af_generation *g,
		       const struct af_kernel *k, FILE *out)
{
	struct af_kernel *own = NULL;
	int err;

	/* The caller may not have opened it: the pins decide what is in force. */
	if (!k) {
		err = kernel_open_pinned(&own);
		if (err == -ENOENT && access(AF_PIN_DIR, F_OK) && errno == ENOENT) {
			print_all_new(p, g, out); /* no pins, or no BPF file system at all */
			return;
		}
		if (err) {
			fprintf(out, "cannot read the policy in force: changes unknown\n");
			return;
		}
	}
	print_diff(file, p, g, k ? k : own, out);
	kernel_close(own);
}
