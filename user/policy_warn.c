// SPDX-License-Identifier: GPL-2.0
/*
 * Warnings about a valid policy: what it may say, but what a reviewer should
 * see said out loud. The built-in labels carry the guidance (secret and
 * master-repository data never reach the cloud; sensitive data is used with
 * every access recorded); a policy that spells one out more weakly than
 * that is allowed, and warned about.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

static int warn_add(struct policy_errors *out, const char *file, unsigned line, char *msg)
{
	struct policy_error *v;

	if (!msg)
		return -ENOMEM;
	v = reallocarray(out->v, out->n + 1, sizeof(*v));
	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	out->v = v;
	v[out->n].file = file ? strdup(file) : NULL;
	if (file && !v[out->n].file) {
		free(msg);
		return -ENOMEM;
	}
	v[out->n].line = line;
	v[out->n].msg = msg;
	out->n++;
	return 0;
}

/* "read: allow, send: audit": the operations of l weaker than floor. */
static size_t weaker(const struct policy_label *l, enum af_action floor, char *buf, size_t len)
{
	size_t o = 0, n = 0;
	unsigned op;

	buf[0] = 0;
	for (op = 0; op < AF_OP_COUNT; op++) {
		/* list is inventory, not content: allowing it is what list is for */
		if (op == AF_OP_LIST || l->action[op] >= floor)
			continue;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s: %s", n ? ", " : "",
				      af_op_name(op), af_action_name(l->action[op]));
		n++;
	}
	return n;
}

int policy_warnings(const struct policy *p, struct policy_errors *out)
{
	static const struct {
		const char *name;
		enum af_action floor;
		const char *why;
	} builtin[] = {
		{ "secret", AF_DENY, "deny: state and work secrets must not reach the cloud" },
		{ "master-repository", AF_DENY,
		  "deny: the digital archive master repository must not be managed or backed up "
		  "through the cloud" },
		{ "sensitive", AF_AUDIT,
		  "audit: sensitive and private data may use the cloud only with every access "
		  "recorded" },
	};
	char ops[128], *msg;
	size_t i;
	int id, err;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		const struct policy_label *l;

		id = policy_label_id(p, builtin[i].name);
		if (id < 0)
			continue;
		l = &p->labels[id];
		if (!l->file || !weaker(l, builtin[i].floor, ops, sizeof(ops)))
			continue;
		if (asprintf(&msg, "warning: built-in label '%s' is weakened (%s): it is built in as %s; "
				   "give such data a label of its own instead, if that is what is meant",
			     l->name, ops, builtin[i].why) < 0)
			msg = NULL;
		err = warn_add(out, l->file, l->line, msg);
		if (err)
			return err;
	}
	return 0;
}
