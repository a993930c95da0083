// SPDX-License-Identifier: GPL-2.0
/* archfence status and events: what the kernel side is doing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cli.h"
#include "derived.h"
#include "events.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"
#include "tasks.h"

static void print_json(struct json_object *o, int flags)
{
	printf("%s\n", json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * The tainted processes, for status: pid, program, the unit it is a member
 * of, labels, since when.
 */
static struct json_object *status_tainted(struct af_kernel *k, const struct af_meta *meta,
					  bool json)
{
	struct json_object *arr = json ? json_object_new_array() : NULL;
	struct task_info *v = NULL;
	char labels[AF_MAX_LABELS * AF_LABEL_NAME_MAX], since[64];
	size_t n = 0, i;

	if (tasks_tainted(kernel_map_fd(k, AF_MAP_TASK), &v, &n)) {
		if (!json)
			printf("tainted:     (cannot be read)\n");
		return arr;
	}
	if (!json)
		printf("tainted:     %zu process%s\n", n, n == 1 ? "" : "es");
	for (i = 0; i < n; i++) {
		/* Its unit is the one it is a member of (see explain --pid), not its cgroup's name. */
		bool member = v[i].t.unit_cg && tasks_cgroup_id(v[i].pid) == v[i].t.unit_cg;

		if (!member)
			v[i].unit[0] = 0;
		tasks_labels(meta, v[i].t.taint, labels, sizeof(labels));
		since[0] = 0;
		if (v[i].t.taint_ns)
			tasks_mono_time(v[i].t.taint_ns, since, sizeof(since));
		if (json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "pid", json_object_new_int64(v[i].pid));
			json_object_object_add(o, "comm", json_object_new_string(v[i].comm));
			json_object_object_add(o, "exe", json_object_new_string(v[i].exe));
			json_object_object_add(o, "unit", json_object_new_string(v[i].unit));
			json_object_object_add(o, "labels", json_object_new_string(labels));
			json_object_object_add(o, "since", json_object_new_string(since));
			json_object_array_add(arr, o);
		} else {
			printf("  %7d %-16s %s  unit %s  labels %s  since %s\n", (int)v[i].pid,
			       v[i].comm, v[i].exe[0] ? v[i].exe : "?", v[i].unit[0] ? v[i].unit : "-",
			       labels, since[0] ? since : "?");
		}
	}
	free(v);
	return arr;
}

/*
 * Labelled paths of the policy in force that do not exist yet, from its
 * file (when it is still the one applied). NULL when there are none.
 */
static struct policy *pending_paths(const struct af_meta *meta, size_t *n)
{
	struct policy_errors errs = { 0 };
	struct policy_opts po = { 0 };
	struct policy *p = NULL;

	*n = 0;
	if (policy_load(meta->file, &po, &p, &errs) == 0 &&
	    !memcmp(p->sha256, meta->sha256, sizeof(meta->sha256)))
		*n = policy_npending(p);
	policy_errors_clear(&errs);
	if (!*n) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static int run_status(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	struct af_kernel *k = NULL;
	struct af_policy pol;
	struct af_meta meta;
	struct af_state st;
	__u64 cnt[AF_CNT_NR];
	int err, links, expected, opt, ifaces, ifaces_covered = 0;
	char applied[64] = "", sha[65] = "";
	unsigned op, a, l;
	bool json = false;
	struct tm tm;
	time_t t;

	while ((opt = cli_getopt(&cmd_status, argc, argv, "j", opts)) != -1) {
		if (opt != 'j')
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		json = true;
	}
	if (cli_operands(&cmd_status, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (cli_need_root(&cmd_status, "the state in the kernel"))
		return EXIT_FAIL;
	err = kernel_open_pinned(&k);
	if (err == -ENOENT) {
		if (json)
			printf("{\"loaded\":false}\n");
		else
			printf("archfence is not loaded: no policy in force (archfence apply FILE)\n");
		return EXIT_FAIL;
	}
	if (err || kernel_state(k, &st, &pol, &meta) || kernel_counters(k, cnt)) {
		log_warnx("status: cannot read the state in the kernel");
		kernel_close(k);
		return EXIT_FAIL;
	}
	links = kernel_links(&expected);
	ifaces = kernel_egress(&ifaces_covered);
	for (l = 0; l < 32; l++)
		snprintf(sha + 2 * l, 3, "%02x", meta.sha256[l]);
	t = (time_t)(meta.applied_ns / 1000000000ull);
	localtime_r(&t, &tm);
	strftime(applied, sizeof(applied), "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (json) {
		struct json_object *o = json_object_new_object(), *labels, *counters;

		json_object_object_add(o, "loaded", json_object_new_boolean(1));
		json_object_object_add(o, "attached", json_object_new_boolean(links == expected));
		json_object_object_add(o, "programs_attached", json_object_new_int(links));
		json_object_object_add(o, "programs_expected", json_object_new_int(expected));
		json_object_object_add(o, "egress_interfaces", json_object_new_int(ifaces));
		json_object_object_add(o, "egress_interfaces_checked",
				       json_object_new_int(ifaces_covered));
		json_object_object_add(o, "mode", json_object_new_string(af_mode_name(pol.mode)));
		json_object_object_add(o, "locked",
				       json_object_new_boolean(!!(st.flags & AF_STATE_LOCKED)));
		json_object_object_add(o, "generation", json_object_new_int64(st.gen));
		json_object_object_add(o, "policy_file", json_object_new_string(meta.file));
		json_object_object_add(o, "policy_sha256", json_object_new_string(sha));
		json_object_object_add(o, "applied_at", json_object_new_string(applied));
		json_object_object_add(o, "applied_by_uid", json_object_new_int64(meta.uid));
		json_object_object_add(o, "applied_by_loginuid", json_object_new_int64(meta.loginuid));
		json_object_object_add(o, "labelled_roots", json_object_new_int64(meta.nroots));
		json_object_object_add(o, "labelled_links", json_object_new_int64(meta.nlinked));
		labels = json_object_new_array();
		for (l = 0; l < pol.nlabels && l < AF_MAX_LABELS; l++)
			if (meta.labels[l][0])
				json_object_array_add(labels, json_object_new_string(meta.labels[l]));
		json_object_object_add(o, "labels", labels);
		counters = json_object_new_object();
		for (op = 0; op < AF_OP_COUNT; op++) {
			struct json_object *per = json_object_new_object();

			for (a = 0; a < 3; a++)
				json_object_object_add(per, af_action_name(a),
						       json_object_new_int64((int64_t)cnt[AF_CNT_INDEX(op, a)]));
			json_object_object_add(counters, af_op_name(op), per);
		}
		json_object_object_add(o, "counters", counters);
		counters = json_object_new_object();
		for (l = 0; l < pol.nlabels && l < AF_MAX_LABELS; l++) {
			struct json_object *per_label;

			if (!meta.labels[l][0])
				continue; /* an id no label holds now */
			per_label = json_object_new_object();
			for (op = 0; op < AF_OP_COUNT; op++) {
				struct json_object *per = json_object_new_object();

				for (a = 0; a < 3; a++)
					json_object_object_add(per, af_action_name(a),
							       json_object_new_int64((int64_t)cnt[AF_CNT_LABEL(l, op, a)]));
				json_object_object_add(per_label, af_op_name(op), per);
			}
			json_object_object_add(counters, meta.labels[l], per_label);
		}
		json_object_object_add(o, "labels_counters", counters);
		json_object_object_add(o, "events_lost", json_object_new_int64((int64_t)cnt[AF_CNT_LOST]));
		labels = json_object_new_array();
		for (l = 0; l < AF_MAX_SINKS; l++)
			if (meta.sinks[l][0])
				json_object_array_add(labels, json_object_new_string(meta.sinks[l]));
		json_object_object_add(o, "sinks", labels);
		json_object_object_add(o, "tainted", status_tainted(k, &meta, true));
		{
			size_t np, i;
			struct policy *pp = pending_paths(&meta, &np);
			struct json_object *arr = json_object_new_array();

			for (i = 0; pp && i < pp->npaths; i++)
				if (pp->paths[i].pending)
					json_object_array_add(arr, json_object_new_string(pp->paths[i].path));
			json_object_object_add(o, "pending", arr);
			policy_free(pp);
		}
		{
			struct af_prog_stat ps[64];
			struct json_object *progs = json_object_new_array();
			int np = kernel_prog_stats(ps, 64), pi;

			for (pi = 0; pi < np; pi++) {
				struct json_object *po = json_object_new_object();

				json_object_object_add(po, "name", json_object_new_string(ps[pi].name));
				json_object_object_add(po, "run_cnt", json_object_new_int64((int64_t)ps[pi].run_cnt));
				json_object_object_add(po, "run_time_ns",
						       json_object_new_int64((int64_t)ps[pi].run_time_ns));
				json_object_array_add(progs, po);
			}
			json_object_object_add(o, "programs", progs);
		}
		print_json(o, JSON_C_TO_STRING_PRETTY);
		json_object_put(o);
	} else {
		printf("mode:        %s%s\n", af_mode_name(pol.mode),
		       (st.flags & AF_STATE_LOCKED) ? ", locked until reboot" : "");
		printf("programs:    %d of %d attached%s\n", links, expected,
		       links == expected ? "" : "  (NOT ENFORCING FULLY)");
		if (ifaces < 0)
			printf("egress:      cannot tell: %s\n", strerror(-ifaces));
		else
			printf("egress:      checked on %d of %d interfaces (loopback aside)%s\n",
			       ifaces_covered, ifaces,
			       ifaces_covered == ifaces ? "" : "  (NOT ENFORCING FULLY)");
		printf("policy:      %s\n", meta.file);
		printf("sha256:      %s\n", sha);
		printf("generation:  %u, applied %s by uid %u", st.gen, applied, meta.uid);
		if (meta.loginuid != (__u32)-1)
			printf(" (login uid %u)", meta.loginuid);
		printf("\nlabelled:    %u paths, %u hard links or mounts under them\n", meta.nroots,
		       meta.nlinked);
		printf("labels:     ");
		for (l = 0; l < pol.nlabels && l < AF_MAX_LABELS; l++)
			if (meta.labels[l][0])
				printf(" %s", meta.labels[l]);
		printf("\n%-8s %12s %12s %12s\n", "", "allowed", "audited", "denied");
		for (op = 0; op < AF_OP_COUNT; op++)
			printf("%-8s %12llu %12llu %12llu\n", af_op_name(op),
			       (unsigned long long)cnt[AF_CNT_INDEX(op, AF_ALLOW)],
			       (unsigned long long)cnt[AF_CNT_INDEX(op, AF_AUDIT)],
			       (unsigned long long)cnt[AF_CNT_INDEX(op, AF_DENY)]);
		for (l = 0; l < pol.nlabels && l < AF_MAX_LABELS; l++) {
			bool any = false;

			if (!meta.labels[l][0])
				continue;
			for (op = 0; op < AF_OP_COUNT; op++)
				for (a = 0; a < 3; a++)
					any |= cnt[AF_CNT_LABEL(l, op, a)] != 0;
			if (!any)
				continue;
			for (op = 0; op < AF_OP_COUNT; op++)
				printf("  %-6s %-17s %10llu %12llu %12llu\n", af_op_name(op), meta.labels[l],
				       (unsigned long long)cnt[AF_CNT_LABEL(l, op, AF_ALLOW)],
				       (unsigned long long)cnt[AF_CNT_LABEL(l, op, AF_AUDIT)],
				       (unsigned long long)cnt[AF_CNT_LABEL(l, op, AF_DENY)]);
		}
		printf("events lost: %llu\n", (unsigned long long)cnt[AF_CNT_LOST]);
		printf("sinks:      ");
		for (l = 0; l < AF_MAX_SINKS; l++)
			if (meta.sinks[l][0])
				printf(" %s", meta.sinks[l]);
		printf("\n");
		status_tainted(k, &meta, false);
		{
			size_t np, i;
			struct policy *pp = pending_paths(&meta, &np);

			printf("pending:     %zu path%s%s\n", np, np == 1 ? "" : "s",
			       np ? " (labelled by the kernel the moment each appears)" : "");
			for (i = 0; pp && i < pp->npaths; i++)
				if (pp->paths[i].pending)
					printf("  %s\n", pp->paths[i].path);
			policy_free(pp);
		}
	}
	kernel_close(k);
	return EXIT_OK;
}

const struct command cmd_status = {
	.name = "status",
	.usage = "status [--json]",
	.help = "Show the mode, the policy in force (file, SHA-256, who applied it and when), the\n"
		"programs attached, the counters of allowed, audited and denied accesses, the\n"
		"sinks, and the tainted processes (pid, program, unit, labels, since when).\n\n"
		"  -j, --json      machine-readable output\n\n"
		"Examples:\n"
		"  archfence status\n"
		"  archfence status --json | jq .counters\n",
	.run = run_status,
};

struct events_ctx {
	struct event_decoder *dec;
	bool json;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct events_ctx *c = ctx;
	struct event_view v;

	if (len < sizeof(struct af_event))
		return 0;
	event_decode(c->dec, data, &v);
	derived_record(&v);
	if (c->json) {
		struct json_object *o = event_json(&v);

		if (o) {
			print_json(o, JSON_C_TO_STRING_PLAIN);
			json_object_put(o);
		}
	} else {
		event_print_text(&v, stdout);
	}
	fflush(stdout);
	return 0;
}

static int run_events(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "follow", no_argument, NULL, 'f' },
					      { 0 } };
	struct events_ctx ctx = { 0 };
	struct ring_buffer *rb = NULL;
	struct af_kernel *k = NULL;
	int rc = EXIT_OK, err, opt;
	struct af_meta meta;
	struct af_state st;
	bool follow = false;

	while ((opt = cli_getopt(&cmd_events, argc, argv, "jf", opts)) != -1) {
		if (opt == 'j')
			ctx.json = true;
		else if (opt == 'f')
			follow = true;
		else
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_operands(&cmd_events, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (cli_need_root(&cmd_events, "the records in the kernel"))
		return EXIT_FAIL;
	err = kernel_open_pinned(&k);
	if (err) {
		if (err == -ENOENT)
			log_warnx("events: archfence is not loaded");
		return EXIT_FAIL;
	}
	ctx.dec = event_decoder_new();
	if (!ctx.dec || kernel_state(k, &st, NULL, &meta)) {
		rc = EXIT_FAIL;
		goto out;
	}
	event_decoder_set_labels(ctx.dec, meta.labels);
	event_decoder_set_sinks(ctx.dec, meta.sinks);
	rb = ring_buffer__new(kernel_map_fd(k, AF_MAP_EVENTS), on_event, &ctx, NULL);
	if (!rb) {
		log_warn(errno, "events: cannot read the event ring buffer");
		rc = EXIT_FAIL;
		goto out;
	}
	cli_catch_signals();
	do {
		/* Repeats held back by coalescing whose window has ended. */
		kernel_flush();
		err = ring_buffer__poll(rb, follow ? 1000 : 0);
		if (err < 0 && err != -EINTR) {
			log_warn(err, "events: reading the ring buffer");
			rc = EXIT_FAIL;
			break;
		}
	} while (follow && !cli_stop);
out:
	ring_buffer__free(rb);
	event_decoder_free(ctx.dec);
	kernel_close(k);
	return rc;
}

const struct command cmd_events = {
	.name = "events",
	.usage = "events [--json] [--follow]",
	.help = "Print the audit and deny records waiting in the kernel's ring buffer, and take\n"
		"them out of it (when archfence.service runs, they go to journald instead).\n\n"
		"  -j, --json      one JSON object per line\n"
		"  -f, --follow    keep waiting for new records (Ctrl-C stops)\n\n"
		"Examples:\n"
		"  archfence events --follow\n"
		"  archfence events --json | jq 'select(.action == \"deny\")'\n",
	.run = run_events,
};
