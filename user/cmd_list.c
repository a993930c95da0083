// SPDX-License-Identifier: GPL-2.0
/*
 * archfence list: what is in force, as fapolicyd-cli -l, auditctl -l and
 * aa-status show theirs: the mode and lock (from the kernel), the labels and
 * what each operation gets, the labelled paths (pending ones too), the
 * trusted programs and units, the sinks and the cloud ranges (from the
 * policy file the kernel's record names, read again, only read).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "cli.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"
#include "util.h"

struct in_force {
	struct af_state st;
	struct af_policy pol;
	struct af_meta meta;
	struct policy *p;	/* the policy file in force, or NULL (then: the kernel's record) */
	bool stale;		/* the file named no longer hashes to what was applied */
};

/* The state in the kernel and the policy file it names. EXIT_OK or an exit code. */
static int read_in_force(struct in_force *f)
{
	struct policy_errors errs = { 0 };
	struct policy_opts po = { 0 };
	struct af_kernel *k = NULL;
	int err;

	memset(f, 0, sizeof(*f));
	err = kernel_open_pinned(&k);
	if (err == -ENOENT) {
		log_warnx("list: archfence is not loaded: no policy in force (archfence apply FILE)");
		return EXIT_FAIL;
	}
	if (err)
		return EXIT_FAIL;
	err = kernel_state(k, &f->st, &f->pol, &f->meta);
	kernel_close(k);
	if (err) {
		log_warnx("list: cannot read the state in the kernel");
		return EXIT_FAIL;
	}
	if (policy_load(f->meta.file, &po, &f->p, &errs) == 0 &&
	    memcmp(f->p->sha256, f->meta.sha256, sizeof(f->meta.sha256))) {
		policy_free(f->p);
		f->p = NULL;
	}
	f->stale = !f->p;
	policy_errors_clear(&errs);
	return EXIT_OK;
}

/* The label names of mask in p, each as a JSON string or a "a,b" string. */
static struct json_object *labels_json(const struct policy *p, uint32_t mask)
{
	struct json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < p->nlabels; i++)
		if ((mask & (1u << i)) && p->labels[i].name[0])
			json_object_array_add(a, json_object_new_string(p->labels[i].name));
	return a;
}

static void cidr_str(const struct policy_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(c->family, c->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->prefix);
}

static void ports_str(const struct policy_cidr *c, char *buf, size_t len)
{
	if (!c->port_min && !c->port_max)
		snprintf(buf, len, "all");
	else if (c->port_min == c->port_max)
		snprintf(buf, len, "%u", c->port_min);
	else
		snprintf(buf, len, "%u-%u", c->port_min, c->port_max);
}

static const char *where(const char *file, unsigned line, char *buf, size_t len)
{
	if (!file)
		return "built in";
	snprintf(buf, len, "%s:%u", file, line);
	return buf;
}

/* Does mask hold the label named only (or is there no such filter)? */
static bool wanted(const struct policy *p, uint32_t mask, const char *only)
{
	int id;

	if (!only)
		return true;
	id = policy_label_id(p, only);
	return id >= 0 && (mask & (1u << id));
}

static void print_json(const struct in_force *f, const char *only)
{
	struct json_object *o = json_object_new_object(), *a, *e;
	const struct policy *p = f->p;
	char buf[512], sha[65];
	size_t i;
	unsigned l, op;

	for (l = 0; l < 32; l++)
		snprintf(sha + 2 * l, 3, "%02x", f->meta.sha256[l]);
	json_object_object_add(o, "mode", json_object_new_string(af_mode_name(f->pol.mode)));
	json_object_object_add(o, "locked",
			       json_object_new_boolean(!!(f->st.flags & AF_STATE_LOCKED)));
	json_object_object_add(o, "policy_file", json_object_new_string(f->meta.file));
	json_object_object_add(o, "policy_sha256", json_object_new_string(sha));
	json_object_object_add(o, "policy_file_current", json_object_new_boolean(!f->stale));
	json_object_object_add(o, "send_all",
			       json_object_new_boolean(!!(f->meta.flags & AF_META_SENDALL)));
	a = json_object_new_array();
	if (p) {
		for (l = 0; l < p->nlabels; l++) {
			if (!p->labels[l].name[0])
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "name", json_object_new_string(p->labels[l].name));
			for (op = 0; op < AF_OP_COUNT; op++)
				json_object_object_add(e, af_op_name(op),
						       json_object_new_string(af_action_name(p->labels[l].action[op])));
			json_object_array_add(a, e);
		}
	} else {
		for (l = 0; l < AF_MAX_LABELS; l++)
			if (l != AF_SELF_LABEL && f->meta.labels[l][0]) {
				e = json_object_new_object();
				json_object_object_add(e, "name", json_object_new_string(f->meta.labels[l]));
				json_object_array_add(a, e);
			}
	}
	json_object_object_add(o, "labels", a);
	a = json_object_new_array();
	for (i = 0; p && i < p->npaths; i++) {
		if (!wanted(p, p->paths[i].labels, only))
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(p->paths[i].path));
		json_object_object_add(e, "labels", labels_json(p, p->paths[i].labels));
		json_object_object_add(e, "pending", json_object_new_boolean(p->paths[i].pending));
		json_object_object_add(e, "from", json_object_new_string(where(p->paths[i].file, p->paths[i].line, buf, sizeof(buf))));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "paths", a);
	a = json_object_new_array();
	for (i = 0; p && i < p->ntrusted; i++) {
		struct json_object *g = json_object_new_object();

		e = json_object_new_object();
		json_object_object_add(e, "name", json_object_new_string(p->trusted[i].name));
		json_object_object_add(e, "exe", p->trusted[i].exe ?
					       json_object_new_string(p->trusted[i].exe) : NULL);
		json_object_object_add(e, "unit", p->trusted[i].unit ?
					       json_object_new_string(p->trusted[i].unit) : NULL);
		json_object_object_add(e, "inherit", json_object_new_boolean(p->trusted[i].inherit));
		for (op = 0; op < AF_OP_COUNT; op++)
			json_object_object_add(g, af_op_name(op), labels_json(p, p->trusted[i].allow[op]));
		json_object_object_add(e, "allow", g);
		json_object_object_add(e, "from", json_object_new_string(where(p->trusted[i].file, p->trusted[i].line, buf, sizeof(buf))));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "trusted", a);
	a = json_object_new_array();
	if (p) {
		for (i = 0; i < p->nsinks; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "name", json_object_new_string(p->sinks[i].name));
			json_object_object_add(e, "exe", json_object_new_string(p->sinks[i].exe));
			json_object_object_add(e, "unit", p->sinks[i].unit ?
						       json_object_new_string(p->sinks[i].unit) : NULL);
			json_object_object_add(e, "crossing",
					       json_object_new_string(p->sinks[i].refuse ? "refuse" : "record"));
			json_object_object_add(e, "installed",
					       json_object_new_boolean(p->sinks[i].dev || p->sinks[i].ino));
			json_object_object_add(e, "builtin", json_object_new_boolean(p->sinks[i].builtin));
			json_object_array_add(a, e);
		}
	} else {
		for (l = 0; l < AF_MAX_SINKS; l++)
			if (f->meta.sinks[l][0]) {
				e = json_object_new_object();
				json_object_object_add(e, "name", json_object_new_string(f->meta.sinks[l]));
				json_object_array_add(a, e);
			}
	}
	json_object_object_add(o, "sinks", a);
	a = json_object_new_array();
	for (i = 0; p && i < p->ncloud; i++) {
		e = json_object_new_object();
		cidr_str(&p->cloud[i], buf, sizeof(buf));
		json_object_object_add(e, "range", json_object_new_string(buf));
		ports_str(&p->cloud[i], buf, sizeof(buf));
		json_object_object_add(e, "ports", json_object_new_string(buf));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "cloud", a);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_text(const struct in_force *f, const char *only)
{
	const struct policy *p = f->p;
	char buf[512], lab[AF_MAX_LABELS * AF_LABEL_NAME_MAX], w[512];
	size_t i;
	unsigned l, op;

	printf("mode:    %s%s\n", af_mode_name(f->pol.mode),
	       (f->st.flags & AF_STATE_LOCKED) ? ", locked until reboot" : ", not locked");
	printf("policy:  %s\n", f->meta.file);
	if (!p) {
		printf("         (the file no longer holds the policy applied: labels and sinks\n"
		       "         from the kernel's record only; archfence status has the rest)\n");
		printf("labels: ");
		for (l = 0; l < AF_MAX_LABELS; l++)
			if (l != AF_SELF_LABEL && f->meta.labels[l][0])
				printf(" %s", f->meta.labels[l]);
		printf("\nsinks:  ");
		for (l = 0; l < AF_MAX_SINKS; l++)
			if (f->meta.sinks[l][0])
				printf(" %s", f->meta.sinks[l]);
		printf("\n");
		return;
	}
	printf("\nlabels:\n");
	for (l = 0; l < p->nlabels; l++) {
		if (!p->labels[l].name[0])
			continue;
		printf("  %-20s", p->labels[l].name);
		for (op = 0; op < AF_OP_COUNT; op++)
			printf("  %s %-5s", af_op_name(op), af_action_name(p->labels[l].action[op]));
		printf("\n");
	}
	printf("\nlabelled paths:\n");
	for (i = 0; i < p->npaths; i++) {
		if (!wanted(p, p->paths[i].labels, only))
			continue;
		printf("  ");
		af_print_padded(stdout, p->paths[i].path, 40);
		printf(" %-20s %s%s\n", policy_labels_str(p, p->paths[i].labels, lab, sizeof(lab)),
		       where(p->paths[i].file, p->paths[i].line, w, sizeof(w)),
		       p->paths[i].pending ? "  (pending: labelled the moment it appears)" : "");
	}
	printf("\ntrusted programs:%s\n", p->ntrusted ? "" : " none");
	for (i = 0; i < p->ntrusted; i++) {
		printf("  %s: %s\n", p->trusted[i].name,
		       policy_trusted_str(&p->trusted[i], w, sizeof(w)));
		for (op = 0; op < AF_OP_COUNT; op++)
			if (p->trusted[i].allow[op])
				printf("      may %s %s\n", af_op_name(op),
				       policy_labels_str(p, p->trusted[i].allow[op], lab, sizeof(lab)));
	}
	printf("\nsinks (taint stops there; a tainted process's data reaching one is recorded or refused):\n");
	for (i = 0; i < p->nsinks; i++) {
		printf("  %-14s ", p->sinks[i].name);
		af_print_padded(stdout, p->sinks[i].exe, 40);
		printf(" %s%s%s\n", p->sinks[i].refuse ? "refuse" : "record",
		       p->sinks[i].builtin ? ", built in" : "",
		       (p->sinks[i].dev || p->sinks[i].ino) ? "" : ", not installed here");
	}
	printf("\ncloud ranges (send rules apply to %s):%s\n",
	       (f->meta.flags & AF_META_SENDALL) ? "every non-loopback destination" : "these",
	       p->ncloud ? "" : " none");
	for (i = 0; i < p->ncloud; i++) {
		char ports[32];

		cidr_str(&p->cloud[i], buf, sizeof(buf));
		ports_str(&p->cloud[i], ports, sizeof(ports));
		printf("  %-45s ports %s\n", buf, ports);
	}
}

static int run_list(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "label", required_argument, NULL, 'l' },
					      { "labels", no_argument, NULL, 'L' },
					      { 0 } };
	const char *only = NULL;
	bool json = false, names = false;
	struct in_force f;
	int opt, rc;
	unsigned l;

	while ((opt = cli_getopt(&cmd_list, argc, argv, "jl:", opts)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'l')
			only = optarg;
		else if (opt == 'L')
			names = true;
		else
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_operands(&cmd_list, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (cli_need_root(&cmd_list, "the policy in force"))
		return EXIT_FAIL;
	rc = read_in_force(&f);
	if (rc)
		return rc;
	if (names) {
		/* For shell completion: the label names in force, one a line. */
		for (l = 0; l < AF_MAX_LABELS; l++)
			if (l != AF_SELF_LABEL && f.meta.labels[l][0])
				printf("%s\n", f.meta.labels[l]);
	} else if (only && f.p && policy_label_id(f.p, only) < 0) {
		rc = cli_usage_error(&cmd_list, "no label '%s' in the policy in force", only);
	} else if (json) {
		print_json(&f, only);
	} else {
		print_text(&f, only);
	}
	policy_free(f.p);
	return rc;
}

const struct command cmd_list = {
	.name = "list",
	.usage = "list [--json] [--label LABEL]",
	.help = "List what is in force: the mode and whether it is locked, the labels and what\n"
		"read, write, send and list get, the labelled paths (pending ones too:\n"
		"labelled the moment they appear), the trusted programs and units and what\n"
		"each may do, the sinks and the cloud ranges. The mode and lock come from the\n"
		"kernel; the rest from the policy file it names, which only the controller\n"
		"can change. Read only; needs root.\n\n"
		"  -j, --json          machine-readable output\n"
		"  -l, --label LABEL   only the paths that carry LABEL\n\n"
		"Examples:\n"
		"  archfence list\n"
		"  archfence list --label secret\n"
		"  archfence list --json | jq -r '.paths[] | select(.pending) | .path'\n",
	.run = run_list,
};
