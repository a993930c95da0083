// SPDX-License-Identifier: GPL-2.0
/*
 * archfence explain: which labels a file carries, where each comes from (a
 * policy line, a hard link or mount found under a labelled directory, or a
 * label the kernel derived when the file was moved, linked or written by a
 * tainted process) and what read, write, send and list get, for any process or
 * for one program.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cli.h"
#include "cmd.h"
#include "derived.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"
#include "tasks.h"
#include "util.h"

#define MAX_SOURCES 64

struct source {
	__u32 labels;
	const char *kind;	/* "policy", "hard link or mount", "derived" */
	char at[PATH_MAX];	/* the labelled object: the file or a directory above it */
	const char *file;	/* policy line, for "policy" */
	unsigned line;
	struct derived_origin *origin;	/* for "derived", when recorded */
};

struct explanation {
	__u32 labels;
	struct source src[MAX_SOURCES];
	size_t n;
	char self_at[PATH_MAX];	/* archfence's own: the file, or its directory so labelled */
};

static void add_source(struct explanation *x, __u32 labels, const char *kind, const char *at,
		       const char *file, unsigned line)
{
	struct source *s;

	x->labels |= labels;
	if (x->n == MAX_SOURCES)
		return;
	s = &x->src[x->n++];
	s->labels = labels;
	s->kind = kind;
	af_strlcpy(s->at, at, sizeof(s->at));
	s->file = file;
	s->line = line;
}

/* Who gave the last source its derived labels, from the controller's record. */
static void add_origin(struct explanation *x, const struct af_inode_key *key)
{
	struct derived_origin *o;
	struct source *s;

	if (!x->n)
		return;
	s = &x->src[x->n - 1];
	if (strcmp(s->kind, "derived") || s->origin)
		return;
	o = malloc(sizeof(*o));
	if (o && derived_origin(key->dev, key->ino, o) == 0)
		s->origin = o;
	else
		free(o);
}

/*
 * The labels of path and of every directory above it, from the kernel (what
 * is enforced) and, for their origin, from the policy file in force.
 */
static int explain_path(const struct af_kernel *k, const struct policy *p, const char *real,
			struct explanation *x)
{
	char cur[PATH_MAX];
	size_t i;

	af_strlcpy(cur, real, sizeof(cur));
	for (;;) {
		struct af_label_val own, derived;
		struct af_inode_key key;
		struct stat st;
		char *slash;

		if (stat(cur, &st) == 0) {
			key.dev = af_kdev(st.st_dev);
			key.ino = st.st_ino;
			if (kernel_lookup(k, &key, &own, &derived) == 0) {
				__u32 from_policy = 0;

				for (i = 0; p && i < p->npaths; i++) {
					if (p->paths[i].dev == key.dev && p->paths[i].ino == key.ino) {
						add_source(x, p->paths[i].labels, "policy", cur,
							   p->paths[i].file, p->paths[i].line);
						from_policy |= p->paths[i].labels;
					}
				}
				if ((own.labels & (1u << AF_SELF_LABEL)) && !x->self_at[0])
					af_strlcpy(x->self_at, cur, sizeof(x->self_at));
				own.labels &= ~(1u << AF_SELF_LABEL);
				if (own.labels & ~from_policy)
					add_source(x, own.labels & ~from_policy,
						   (own.flags & AF_LV_LINKED) ? "hard link or mount"
									       : "policy", cur, NULL, 0);
				if (derived.labels & ~(1u << AF_SELF_LABEL)) {
					add_source(x, derived.labels & ~(1u << AF_SELF_LABEL), "derived",
						   cur, NULL, 0);
					add_origin(x, &key);
				}
			}
		}
		if (!strcmp(cur, "/"))
			break;
		slash = strrchr(cur, '/');
		if (slash == cur)
			cur[1] = 0;
		else if (slash)
			*slash = 0;
		else
			break;
	}
	return 0;
}

/* The action for op on labels, for a program granted grant[]. */
static enum af_action action_for(const struct af_policy *pol, unsigned op, __u32 labels,
				 const __u32 *grant)
{
	__u32 l = labels & ~(grant ? grant[op] : 0);

	if (pol->mode == AF_MODE_OFF)
		return AF_ALLOW;
	if (l & pol->deny[op])
		return pol->mode == AF_MODE_ENFORCE ? AF_DENY : AF_AUDIT;
	if (l & pol->audit[op])
		return AF_AUDIT;
	return AF_ALLOW;
}

static void labels_str(const struct af_meta *meta, __u32 mask, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < AF_MAX_LABELS && o < len; i++)
		if (mask & (1u << i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", meta->labels[i]);
}

/* explain --pid: whether a process is tainted, with what, since when and why. */
static int explain_pid(const char *arg, bool json)
{
	struct af_kernel *k = NULL;
	struct af_policy pol;
	struct af_meta meta;
	struct af_state st;
	struct task_info ti;
	char labels[AF_MAX_LABELS * AF_LABEL_NAME_MAX], since[64] = "", why[256] = "";
	const char *sink = NULL, *unit_name = NULL;
	struct task_trust tr[16];
	__u32 grant[AF_OP_COUNT];
	struct policy *p = NULL;
	bool policy_current = false, member;
	size_t ntr = 0, i;
	__u64 cg;
	char *end;
	long pid = strtol(arg, &end, 10);
	unsigned op;
	int err;

	if (*end || pid <= 0 || pid > 4194304) {
		log_warnx("explain: --pid takes a process id, not '%s'", arg);
		return EXIT_USAGE;
	}
	if (cli_need_root(&cmd_explain, "the taint in the kernel"))
		return EXIT_FAIL;
	err = kernel_open_pinned(&k);
	if (err == -ENOENT) {
		log_warnx("explain: archfence is not loaded: no process is tainted (archfence apply)");
		return EXIT_FAIL;
	}
	if (err || kernel_state(k, &st, &pol, &meta)) {
		kernel_close(k);
		return EXIT_FAIL;
	}
	err = tasks_get(kernel_map_fd(k, AF_MAP_TASK), (pid_t)pid, &ti);
	kernel_close(k);
	if (err == -ESRCH) {
		log_warnx("explain: there is no process %ld", pid);
		return EXIT_FAIL;
	}
	if (err && err != -ENOENT) {
		log_warn(err, "explain: process %ld", pid);
		return EXIT_FAIL;
	}
	/* The policy file in force, for the entries that trust the process. */
	{
		struct policy_opts po = { 0 };
		struct policy_errors errs = { 0 };

		if (policy_load(meta.file, &po, &p, &errs) == 0)
			policy_current = !memcmp(p->sha256, meta.sha256, sizeof(meta.sha256));
		policy_errors_clear(&errs);
	}
	cg = tasks_cgroup_id((pid_t)pid);
	member = ti.t.unit_cg && cg == ti.t.unit_cg;
	if (ti.t.unit_cg)
		unit_name = member ? ti.unit : tasks_unit_name(p, ti.t.unit_hash);
	ntr = tasks_trust(policy_current ? p : NULL, &ti.t, cg, tr, sizeof(tr) / sizeof(tr[0]),
			  grant);
	if (ntr > sizeof(tr) / sizeof(tr[0]))
		ntr = sizeof(tr) / sizeof(tr[0]);
	if (pid == 1 || (ti.t.flags & AF_TASK_SINK)) {
		unsigned id = pid == 1 ? AF_SINK_PID1 : AF_LV_SINK_ID(ti.t.flags);

		sink = id < AF_MAX_SINKS && meta.sinks[id][0] ? meta.sinks[id] : "?";
	}
	tasks_labels(&meta, ti.t.taint, labels, sizeof(labels));
	if (ti.t.taint) {
		if (ti.t.taint_ns)
			tasks_mono_time(ti.t.taint_ns, since, sizeof(since));
		tasks_taint_source(&ti.t, why, sizeof(why));
	}
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pid", json_object_new_int64(pid));
		json_object_object_add(o, "exe", json_object_new_string(ti.exe));
		json_object_object_add(o, "unit", json_object_new_string(ti.unit));
		json_object_object_add(o, "tainted", json_object_new_boolean(ti.t.taint != 0));
		json_object_object_add(o, "labels", json_object_new_string(labels));
		json_object_object_add(o, "since", json_object_new_string(since));
		json_object_object_add(o, "why", json_object_new_string(why));
		json_object_object_add(o, "sink", sink ? json_object_new_string(sink) : NULL);
		json_object_object_add(o, "member_of", member && unit_name ?
					       json_object_new_string(unit_name) : NULL);
		{
			struct json_object *a = json_object_new_array(), *g = json_object_new_object();

			for (i = 0; i < ntr; i++) {
				struct json_object *e = json_object_new_object();

				json_object_object_add(e, "name", json_object_new_string(tr[i].entry->name));
				json_object_object_add(e, "why", json_object_new_string(
					tr[i].why == TRUST_UNIT ? "unit" :
					tr[i].why == TRUST_INHERITED ? "inherited" : "program"));
				if (tr[i].why == TRUST_INHERITED)
					json_object_object_add(e, "from_pid",
							       json_object_new_int64(ti.t.inh_pid));
				json_object_array_add(a, e);
			}
			json_object_object_add(o, "trusted_by", a);
			for (op = 0; op < AF_OP_COUNT; op++) {
				tasks_labels(&meta, grant[op], labels, sizeof(labels));
				json_object_object_add(g, af_op_name(op), json_object_new_string(labels));
			}
			json_object_object_add(o, "grants", g);
			json_object_object_add(o, "policy_current", json_object_new_boolean(policy_current));
		}
		tasks_labels(&meta, ti.t.taint, labels, sizeof(labels));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		policy_free(p);
		return EXIT_OK;
	}
	printf("process %ld: %s%s%s\n", pid, ti.exe[0] ? ti.exe : "?", ti.unit[0] ? ", unit " : "",
	       ti.unit);
	if (sink)
		printf("sink: %s: it is never tainted; labelled data reaching it is recorded%s\n", sink,
		       (ti.t.flags & AF_TASK_SINK_REFUSE) ? " and refused" : "");
	if (member)
		printf("unit: a member of %s (it descends from the process systemd started there, and is in its cgroup)\n",
		       unit_name && *unit_name ? unit_name : "?");
	else if (ti.t.unit_cg)
		printf("unit: none now: it descends from a process systemd started in %s, but has left that unit's cgroup\n",
		       unit_name ? unit_name : "a unit");
	else if (ti.unit[0] && strcmp(ti.unit, "init.scope"))
		printf("unit: none: its cgroup is %s, but it does not descend from the process systemd started there\n",
		       ti.unit);
	for (i = 0; i < ntr; i++) {
		char w[512];

		if (tr[i].why == TRUST_UNIT)
			snprintf(w, sizeof(w), "a member of unit %s", tr[i].entry->unit);
		else if (tr[i].why == TRUST_INHERITED)
			snprintf(w, sizeof(w), "it descends from process %u, which ran %s (inherit: yes)",
				 ti.t.inh_pid, tr[i].entry->exe);
		else if (tr[i].entry->unit)
			snprintf(w, sizeof(w), "it runs %s as a member of unit %s", tr[i].entry->exe,
				 tr[i].entry->unit);
		else
			snprintf(w, sizeof(w), "it runs %s", tr[i].entry->exe);
		printf("trusted: '%s' (%s:%u): %s\n", tr[i].entry->name, tr[i].entry->file,
		       tr[i].entry->line, w);
	}
	for (op = 0; ntr && op < AF_OP_COUNT; op++) {
		if (!grant[op])
			continue;
		tasks_labels(&meta, grant[op], labels, sizeof(labels));
		printf("  it may %s %s\n", af_op_name(op), labels);
	}
	if (!ntr && (ti.t.prog_ino || ti.t.unit_cg || ti.t.inh_ino) && !policy_current)
		printf("trusted: unknown (the policy file %s changed since it was applied)\n", meta.file);
	policy_free(p);
	tasks_labels(&meta, ti.t.taint, labels, sizeof(labels));
	if (!ti.t.taint) {
		printf("not tainted: it has read no labelled data; it may send anywhere\n");
		return EXIT_OK;
	}
	printf("tainted: %s, since %s\n", labels, since[0] ? since : "(unknown)");
	printf("why: %s\n", why);
	printf("so: it may not send to the cloud; files it writes carry %s; whoever reads its\n"
	       "pipes, Unix sockets and local flows is tainted in turn\n", labels);
	return EXIT_OK;
}

static int run_explain(int argc, char **argv)
{
	static const struct option opts[] = { { "exe", required_argument, NULL, 'e' },
					      { "json", no_argument, NULL, 'j' },
					      { "pid", required_argument, NULL, 'p' },
					      { 0 } };
	const char *exe = NULL, *path, *pid = NULL;
	struct af_kernel *k = NULL;
	struct policy *p = NULL;
	struct explanation x = { 0 };
	struct af_policy pol;
	struct af_meta meta;
	struct af_state st;
	__u32 grant[AF_OP_COUNT] = { 0 };
	char real[PATH_MAX], exe_real[PATH_MAX], buf[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	const struct policy_trusted *trusted = NULL;
	bool json = false, policy_current = false;
	int opt, rc = EXIT_OK, err;
	unsigned op;
	size_t i;

	while ((opt = cli_getopt(&cmd_explain, argc, argv, "e:jp:", opts)) != -1) {
		if (opt == 'e')
			exe = optarg;
		else if (opt == 'j')
			json = true;
		else if (opt == 'p')
			pid = optarg;
		else
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (pid)
		return cli_operands(&cmd_explain, argc, argv, 0, 0) ? EXIT_USAGE :
									explain_pid(pid, json);
	if (cli_operands(&cmd_explain, argc, argv, 1, 1))
		return EXIT_USAGE;
	path = argv[optind];
	if (!realpath(path, real)) {
		log_warn(errno, "explain: %s", path);
		return EXIT_FAIL;
	}
	if (exe && !realpath(exe, exe_real)) {
		log_warn(errno, "explain: --exe %s", exe);
		return EXIT_FAIL;
	}
	if (cli_need_root(&cmd_explain, "the labels in the kernel"))
		return EXIT_FAIL;
	err = kernel_open_pinned(&k);
	if (err == -ENOENT) {
		log_warnx("explain: archfence is not loaded: nothing is labelled (archfence apply)");
		return EXIT_FAIL;
	}
	if (err || kernel_state(k, &st, &pol, &meta)) {
		kernel_close(k);
		return EXIT_FAIL;
	}
	/* The policy file in force, for the lines labels come from. */
	{
		struct policy_opts po = { 0 };
		struct policy_errors errs = { 0 };

		if (policy_load(meta.file, &po, &p, &errs) == 0)
			policy_current = !memcmp(p->sha256, meta.sha256, sizeof(meta.sha256));
		policy_errors_clear(&errs);
	}
	explain_path(k, policy_current ? p : NULL, real, &x);
	if (exe && p) {
		struct stat es;

		if (stat(exe_real, &es) == 0) {
			for (i = 0; i < p->ntrusted; i++) {
				if (p->trusted[i].dev != af_kdev(es.st_dev) ||
				    p->trusted[i].ino != es.st_ino)
					continue;
				trusted = &p->trusted[i];
				for (op = 0; op < AF_OP_COUNT; op++)
					grant[op] |= p->trusted[i].allow[op];
			}
		}
	}
	if (json) {
		struct json_object *o = json_object_new_object(), *srcs = json_object_new_array();
		struct json_object *acts = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(real));
		labels_str(&meta, x.labels, buf, sizeof(buf));
		json_object_object_add(o, "labels", json_object_new_string(buf));
		for (i = 0; i < x.n; i++) {
			struct json_object *s = json_object_new_object();

			labels_str(&meta, x.src[i].labels, buf, sizeof(buf));
			json_object_object_add(s, "labels", json_object_new_string(buf));
			json_object_object_add(s, "kind", json_object_new_string(x.src[i].kind));
			json_object_object_add(s, "at", json_object_new_string(x.src[i].at));
			if (x.src[i].file) {
				json_object_object_add(s, "file", json_object_new_string(x.src[i].file));
				json_object_object_add(s, "line", json_object_new_int((int)x.src[i].line));
			}
			if (x.src[i].origin) {
				const struct derived_origin *og = x.src[i].origin;
				struct json_object *by = json_object_new_object();

				json_object_object_add(by, "path", json_object_new_string(og->path));
				json_object_object_add(by, "time", json_object_new_string(og->time));
				json_object_object_add(by, "comm", json_object_new_string(og->comm));
				json_object_object_add(by, "pid", json_object_new_int64(og->pid));
				json_object_object_add(by, "uid", json_object_new_int64(og->uid));
				json_object_object_add(by, "exe", json_object_new_string(og->exe));
				json_object_object_add(s, "origin", by);
			}
			json_object_array_add(srcs, s);
		}
		json_object_object_add(o, "sources", srcs);
		for (op = 0; op < AF_OP_COUNT; op++)
			json_object_object_add(acts, af_op_name(op),
					       json_object_new_string(af_action_name(
						       action_for(&pol, op, x.labels, exe ? grant : NULL))));
		json_object_object_add(o, "actions", acts);
		if (exe) {
			json_object_object_add(o, "program", json_object_new_string(exe_real));
			json_object_object_add(o, "trusted", trusted ? json_object_new_string(trusted->name)
								     : NULL);
		}
		json_object_object_add(o, "mode", json_object_new_string(af_mode_name(pol.mode)));
		json_object_object_add(o, "policy_current", json_object_new_boolean(policy_current));
		json_object_object_add(o, "archfence_own", json_object_new_boolean(x.self_at[0]));
		if (x.self_at[0]) {
			json_object_object_add(o, "archfence_own_at", json_object_new_string(x.self_at));
			json_object_object_add(o, "locked", json_object_new_boolean(
				st.flags & AF_STATE_LOCKED));
		}
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		goto out;
	}
	printf("%s\n", real);
	/*
	 * Not "not labelled": its writes are refused to root. Only the
	 * controller changes archfence's files, and nobody while locked.
	 */
	if (x.self_at[0]) {
		if (strcmp(x.self_at, real))
			printf("  archfence's own (under %s):\n", x.self_at);
		else
			printf("  archfence's own:\n");
		printf("    only the archfence controller changes it (archfence apply, edit, upgrade);\n"
		       "    root and every other program are refused (Operation not permitted)\n");
		if (st.flags & AF_STATE_LOCKED)
			printf("    locked until the next reboot: not even the controller changes it now\n");
		else
			printf("    once archfence is locked, not even the controller, until the next reboot\n");
		if (!x.labels) {
			if (!strncmp(real, AF_PIN_DIR, strlen(AF_PIN_DIR)))
				printf("  no policy label; only the controller opens archfence's maps, "
				       "programs and links\n");
			else
				printf("  no policy label: reading it is not restricted\n");
			goto out;
		}
	}
	if (!x.labels) {
		printf("  not labelled: every process may read, change and send it\n");
		goto out;
	}
	labels_str(&meta, x.labels, buf, sizeof(buf));
	printf("  labels: %s\n", buf);
	for (i = 0; i < x.n; i++) {
		labels_str(&meta, x.src[i].labels, buf, sizeof(buf));
		if (x.src[i].file)
			printf("    %-20s from %s:%u (%s)\n", buf, x.src[i].file, x.src[i].line,
			       x.src[i].at);
		else if (!strcmp(x.src[i].kind, "derived") && x.src[i].origin)
			printf("    %-20s derived: %s, at %s, by %s[%u] (uid %u, %s): moved or linked "
			       "out of a labelled tree, or written with data read from one\n", buf,
			       x.src[i].origin->path, x.src[i].origin->time, x.src[i].origin->comm,
			       x.src[i].origin->pid, x.src[i].origin->uid, x.src[i].origin->exe);
		else if (!strcmp(x.src[i].kind, "derived"))
			printf("    %-20s derived: %s was moved, linked or written by a process that had "
			       "read such data (see the LABELLED records in the journal)\n", buf,
			       x.src[i].at);
		else
			printf("    %-20s %s (%s)\n", buf, x.src[i].kind, x.src[i].at);
	}
	if (!policy_current)
		printf("  (the policy file %s changed since it was applied: its lines are not shown)\n",
		       meta.file);
	if (exe)
		printf("  for %s%s%s%s:\n", exe_real, trusted ? " (trusted program '" : " (not trusted)",
		       trusted ? trusted->name : "", trusted ? "')" : "");
	else
		printf("  for any process that is not a trusted program:\n");
	for (op = 0; op < AF_OP_COUNT; op++)
		printf("    %-6s %s\n", af_op_name(op),
		       af_action_name(action_for(&pol, op, x.labels, exe ? grant : NULL)));
	if (pol.mode != AF_MODE_ENFORCE)
		printf("  (mode %s: nothing is refused)\n", af_mode_name(pol.mode));
out:
	for (i = 0; i < x.n; i++)
		free(x.src[i].origin);
	policy_free(p);
	kernel_close(k);
	return rc;
}

const struct command cmd_explain = {
	.name = "explain",
	.usage = "explain [--exe PROGRAM] [--json] PATH\n"
		 "       explain --pid PID [--json]",
	.help = "Say which labels PATH carries in the kernel now, where each comes from (a line of\n"
		"the policy in force, a hard link or mount under a labelled directory, or a label\n"
		"derived when it was moved, linked or written by a process that had read labelled\n"
		"data) and what read, write, send and list get: for any process, or for PROGRAM.\n\n"
		"With --pid, say whether process PID is tainted (has read labelled data, or\n"
		"received it), with which labels, since when and why, or is a sink; which\n"
		"systemd unit it is a member of, and which trusted entries apply to it and why\n"
		"(the program it runs, its unit, or a trusted program it descends from).\n\n"
		"  -e, --exe PROGRAM   the answer for this program (trusted or not)\n"
		"  -p, --pid PID       explain a process instead of a file\n"
		"  -j, --json          machine-readable output\n\n"
		"Examples:\n"
		"  archfence explain --pid 1\n"
		"  archfence explain /srv/archive/master/index.db\n"
		"  archfence explain --exe /usr/local/bin/archive-backup /srv/archive/master/index.db\n",
	.run = run_explain,
};
