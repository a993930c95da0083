// SPDX-License-Identifier: GPL-2.0
/*
 * The policy's meaning, read from the YAML trees. Pass 1 takes host, include
 * and labels from every file; pass 2 takes paths and trusted programs, when
 * every label is known whichever file defined it. Each scalar is interpreted
 * here, by this code alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy_int.h"

static const char *const top_keys[] = { "host", "include", "labels", "paths", "trusted", "sinks" };
static const char *const host_keys[] = { "mode", "cloud", "send", "lock" };
static const char *const op_keys[AF_OP_COUNT] = { "read", "write", "send", "list" };
/* Operations a label must give; list, when not given, is what read is. */
#define OPS_REQUIRED	((1u << AF_OP_READ) | (1u << AF_OP_WRITE) | (1u << AF_OP_SEND))
static const char *const action_names[] = { "allow", "audit", "deny" };
static const char *const trusted_keys[] = { "exe", "unit", "allow", "inherit" };
static const char *const sink_keys[] = { "exe", "unit", "tainted" };
static const char *const unit_suffixes[] = {
	".service", ".socket", ".device", ".mount", ".automount", ".swap",
	".target", ".path", ".timer", ".slice", ".scope",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define for_each_pair(map, k, v) \
	for ((k) = (map)->kids; (k) && ((v) = (k)->next); (k) = (v)->next)

/* ---- small helpers ---- */

/* Optimal string alignment distance, capped: a transposition counts one. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v;

			v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *closest(const char *s, const char *const *names, size_t n)
{
	size_t best = 3, i, len = strlen(s);
	const char *found = NULL;

	for (i = 0; i < n; i++) {
		size_t d = edit_distance(s, names[i]);

		/* a two-letter word is two edits from anything two letters long */
		if (d < best && d < len) {
			best = d;
			found = names[i];
		}
	}
	return found;
}

static int key_index(const char *s, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, keys[i]))
			return (int)i;
	return -1;
}

/* "a, b, c or d" */
static const char *join_or(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		const char *sep = !i ? "" : i == n - 1 ? " or " : ", ";
		int k = snprintf(buf + off, len - off, "%s%s", sep, names[i]);

		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}

static void unknown_key(struct pctx *c, const char *file, const struct ynode *key,
			const char *where, const char *const *keys, size_t n)
{
	const char *near = closest(key->str, keys, n);
	char list[128];

	join_or(list, sizeof(list), keys, n);
	if (near)
		perr_add(c, file, key->line, "unknown key '%s' %s (did you mean '%s'?); expected %s",
			 key->str, where, near, list);
	else
		perr_add(c, file, key->line, "unknown key '%s' %s; expected %s",
			 key->str, where, list);
}

/* A key given with nothing after it ("labels:"), or written as "~"? Only the former. */
static bool is_empty(const struct ynode *n)
{
	return n->type == YN_SCALAR && n->plain && !n->len;
}

/* The text of n, or NULL after saying what was expected instead. */
static const char *scalar(struct pctx *c, const char *file, const struct ynode *n,
			  const char *what)
{
	if (n->type == YN_SCALAR)
		return n->str;
	if (n->type != YN_BAD)
		perr_add(c, file, n->line, "%s must be a single value, not %s", what, ynode_kind(n));
	return NULL;
}

/* ---- labels ---- */

static bool label_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= AF_LABEL_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
			return false;
	}
	return true;
}

static int label_lookup(const struct policy *p, const char *name)
{
	return policy_label_id(p, name);
}

static void unknown_label(struct pctx *c, const char *file, unsigned line, const char *name)
{
	const char *names[AF_MAX_LABELS];
	char list[AF_MAX_LABELS * (AF_LABEL_NAME_MAX + 2)];
	size_t off = 0;
	const char *near;
	unsigned i;

	if (c->incomplete)
		return;		/* another file did not load: it may define the label */
	for (i = 0; i < c->p->nlabels; i++)
		names[i] = c->p->labels[i].name;
	if (c->too_many_labels) {
		perr_add(c, file, line,
			 "unknown label '%s' (labels past the 31st are not defined)", name);
		return;
	}
	near = closest(name, names, c->p->nlabels);
	if (near) {
		perr_add(c, file, line, "unknown label '%s' (did you mean '%s'?)", name, near);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < c->p->nlabels; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					i ? ", " : "", names[i]);
	perr_add(c, file, line, "unknown label '%s'; the labels are %s (define new ones under labels:)",
		 name, list);
}

/* A label, or a list of labels, into *mask. False after reporting a problem. */
static bool label_refs(struct pctx *c, const char *file, const struct ynode *n,
		       const char *what, uint32_t *mask)
{
	const struct ynode *item;
	bool ok = true;

	*mask = 0;
	if (n->type == YN_BAD)
		return false;
	if (n->type == YN_MAP) {
		perr_add(c, file, n->line, "%s: give a label or a list of labels, not a mapping", what);
		return false;
	}
	if (is_empty(n) || (n->type == YN_SEQ && !n->nkids)) {
		perr_add(c, file, n->line, "%s: no label given", what);
		return false;
	}
	if (n->type == YN_SCALAR) {
		int id = label_lookup(c->p, n->str);

		if (id < 0) {
			unknown_label(c, file, n->line, n->str);
			return false;
		}
		*mask = 1u << id;
		return true;
	}
	for (item = n->kids; item; item = item->next) {
		int id;

		if (item->type != YN_SCALAR) {
			if (item->type != YN_BAD)
				perr_add(c, file, item->line, "%s: a label is a name, not %s",
					 what, ynode_kind(item));
			ok = false;
			continue;
		}
		id = label_lookup(c->p, item->str);
		if (id < 0) {
			unknown_label(c, file, item->line, item->str);
			ok = false;
			continue;
		}
		*mask |= 1u << id;
	}
	return ok;
}

static void parse_label(struct pctx *c, const char *file, const struct ynode *key,
			const struct ynode *val)
{
	struct policy *p = c->p;
	uint8_t action[AF_OP_COUNT] = { 0 };
	const struct ynode *k, *v;
	unsigned have = 0;
	bool bad = false;
	int id;

	if (!label_name_ok(key->str, key->len)) {
		perr_add(c, file, key->line,
			 "invalid label name '%s': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most %d bytes",
			 key->str, AF_LABEL_NAME_MAX - 1);
		return;
	}
	if (!strcmp(key->str, "archfence")) {
		perr_add(c, file, key->line,
			 "label 'archfence' is reserved: it marks archfence's own files and pins; choose another name");
		return;
	}
	if (val->type == YN_MAP) {
		for_each_pair(val, k, v) {
			const char *s;
			int op, a;

			if (k->skip)
				continue;
			op = key_index(k->str, op_keys, AF_OP_COUNT);
			if (op < 0) {
				char where[64];

				snprintf(where, sizeof(where), "in label '%s'", key->str);
				unknown_key(c, file, k, where, op_keys, AF_OP_COUNT);
				bad = true;
				continue;
			}
			s = scalar(c, file, v, op_keys[op]);
			if (!s) {
				bad = true;
				continue;
			}
			a = key_index(s, action_names, ARRAY_SIZE(action_names));
			if (a < 0) {
				perr_add(c, file, v->line,
					 "label '%s': %s must be allow, audit or deny, not '%s'",
					 key->str, op_keys[op], s);
				bad = true;
				continue;
			}
			action[op] = (uint8_t)a;
			have |= 1u << op;
		}
	} else if (!is_empty(val)) {
		if (val->type != YN_BAD)
			perr_add(c, file, val->line,
				 "label '%s' must be a mapping such as {read: deny, write: deny, send: deny}, not %s",
				 key->str, ynode_kind(val));
		bad = true;
	}

	id = label_lookup(p, key->str);
	if (id >= 0 && id < PL_NBUILTIN && !c->builtin_seen[id]) {
		/* a built-in label spelled out: what it gives replaces the default */
		struct policy_label *l = &p->labels[id];
		int op;

		c->builtin_seen[id] = true;
		l->file = file;
		l->line = key->line;
		for (op = 0; op < AF_OP_COUNT; op++)
			if (have & (1u << op))
				l->action[op] = action[op];
		if (!(have & (1u << AF_OP_LIST)))
			l->action[AF_OP_LIST] = l->action[AF_OP_READ];
		return;
	}
	if (id >= 0) {
		const struct policy_label *l = &p->labels[id];

		perr_add(c, file, key->line, "label '%s' is already defined at %s:%u; define it once",
			 key->str, l->file ? l->file : "(built in)", l->line);
		return;
	}
	if (!(have & (1u << AF_OP_LIST)))
		action[AF_OP_LIST] = action[AF_OP_READ];
	if ((have & OPS_REQUIRED) != OPS_REQUIRED && !bad) {
		char missing[32] = "";
		int op;

		for (op = 0; op < AF_OP_COUNT; op++)
			if (!(have & (1u << op)) && (OPS_REQUIRED & (1u << op)))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
					 "%s%s", missing[0] ? ", " : "", op_keys[op]);
		perr_add(c, file, key->line,
			 "new label '%s' must give read, write and send (each allow, audit or deny); missing: %s",
			 key->str, missing);
	}
	if (p->nlabels == AF_MAX_POLICY_LABELS) {
		if (!c->too_many_labels)
			perr_add(c, file, key->line,
				 "label '%s': at most %d labels: the kernel carries them as bits of a 32-bit mask, and archfence keeps one for itself",
				 key->str, AF_MAX_POLICY_LABELS);
		c->too_many_labels = true;
		return;
	}
	/* defined even when broken, so that its uses are not reported again */
	memcpy(p->labels[p->nlabels].name, key->str, key->len + 1);
	memcpy(p->labels[p->nlabels].action, action, sizeof(action));
	p->labels[p->nlabels].file = file;
	p->labels[p->nlabels].line = key->line;
	p->nlabels++;
}

static void parse_labels(struct pctx *c, const char *file, const struct ynode *n)
{
	const struct ynode *k, *v;

	if (is_empty(n))
		return;
	if (n->type != YN_MAP) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "labels must be a mapping of label name to {read, write, send}, not %s",
				 ynode_kind(n));
		return;
	}
	for_each_pair(n, k, v)
		if (!k->skip)
			parse_label(c, file, k, v);
}

/* ---- host ---- */

static void parse_cloud(struct pctx *c, const char *file, const struct ynode *n)
{
	struct policy *p = c->p;
	const struct ynode *item;

	if (is_empty(n))
		return;
	if (n->type != YN_SEQ) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "host.cloud must be a list of address ranges, one '- 198.51.100.0/24' per line, not %s",
				 ynode_kind(n));
		return;
	}
	for (item = n->kids; item; item = item->next) {
		struct policy_cidr cidr, *v;
		char msg[512];
		const char *s;

		s = scalar(c, file, item, "a host.cloud entry");
		if (!s)
			continue;
		if (cidr_parse(s, &cidr, msg, sizeof(msg)) < 0) {
			perr_add(c, file, item->line, "%s", msg);
			continue;
		}
		v = pctx_grow(c, p->cloud, &c->capcloud, p->ncloud + 1, sizeof(*p->cloud));
		if (!v)
			return;
		p->cloud = v;
		cidr.file = file;
		cidr.line = item->line;
		p->cloud[p->ncloud++] = cidr;
	}
}

static void parse_host(struct pctx *c, const char *file, const struct ynode *n)
{
	struct policy *p = c->p;
	const struct ynode *k, *v;

	if (is_empty(n))
		return;
	if (n->type != YN_MAP) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "host must be a mapping of settings (mode, cloud, send, lock), not %s",
				 ynode_kind(n));
		return;
	}
	for_each_pair(n, k, v) {
		const char *s;

		if (k->skip)
			continue;
		switch (key_index(k->str, host_keys, ARRAY_SIZE(host_keys))) {
		case 0:
			s = scalar(c, file, v, "host.mode");
			if (!s)
				break;
			if (!strcmp(s, "enforce"))
				p->mode = AF_MODE_ENFORCE;
			else if (!strcmp(s, "audit"))
				p->mode = AF_MODE_AUDIT;
			else if (!strcmp(s, "off"))
				p->mode = AF_MODE_OFF;
			else
				perr_add(c, file, v->line,
					 "host.mode must be enforce, audit or off, not '%s'", s);
			break;
		case 1:
			parse_cloud(c, file, v);
			break;
		case 2:
			s = scalar(c, file, v, "host.send");
			if (!s)
				break;
			if (!strcmp(s, "cloud"))
				p->send_all = false;
			else if (!strcmp(s, "all"))
				p->send_all = true;
			else
				perr_add(c, file, v->line,
					 "host.send must be cloud (send rules cover the cloud ranges) or all (every non-loopback destination), not '%s'",
					 s);
			break;
		case 3:
			s = scalar(c, file, v, "host.lock");
			if (!s)
				break;
			if (!strcmp(s, "yes") || !strcmp(s, "true"))
				p->lock = true;
			else if (!strcmp(s, "no") || !strcmp(s, "false"))
				p->lock = false;
			else
				perr_add(c, file, v->line,
					 "host.lock must be yes or no (or true or false), not '%s'", s);
			break;
		default:
			unknown_key(c, file, k, "under host", host_keys, ARRAY_SIZE(host_keys));
			break;
		}
	}
}

static void parse_include(struct pctx *c, const char *file, const struct ynode *n)
{
	const char *s = scalar(c, file, n, "include");
	char *dir = NULL;

	if (!s)
		return;
	if (!n->len) {
		perr_add(c, file, n->line,
			 "include needs a directory, e.g. include: /etc/archfence/policy.d");
		return;
	}
	switch (path_normalise(s, &dir)) {
	case NORM_OK:
		break;
	case NORM_NOMEM:
		return;
	case NORM_RELATIVE:
		perr_add(c, file, n->line,
			 "include '%s' is relative; give the directory's absolute path, e.g. /etc/archfence/policy.d",
			 s);
		return;
	case NORM_DOTDOT:
		perr_add(c, file, n->line,
			 "include '%s' has a '..' component; give the directory's path without '..'", s);
		return;
	default:
		perr_add(c, file, n->line, "include '%s' is not a usable directory path", s);
		return;
	}
	c->include = dir;
	c->include_file = file;
	c->include_line = n->line;
}

void parse_pass1(struct pctx *c, const char *file, const struct ynode *root, bool main_file)
{
	const struct ynode *k, *v;

	if (root->type != YN_MAP) {
		if (root->type != YN_BAD)
			perr_add(c, file, root->line,
				 "a policy is a mapping with the keys host, include, labels, paths, trusted and sinks, not %s",
				 ynode_kind(root));
		return;
	}
	for_each_pair(root, k, v) {
		if (k->skip)
			continue;
		switch (key_index(k->str, top_keys, ARRAY_SIZE(top_keys))) {
		case 0:
			if (main_file)
				parse_host(c, file, v);
			else
				perr_add(c, file, k->line,
					 "host settings belong in the main policy file");
			break;
		case 1:
			if (main_file)
				parse_include(c, file, v);
			else
				perr_add(c, file, k->line,
					 "include belongs in the main policy file; included files cannot include more");
			break;
		case 2:
			parse_labels(c, file, v);
			break;
		case 3:
		case 4:
		case 5:
			break;	/* pass 2 */
		default:
			unknown_key(c, file, k, "at the top level", top_keys, ARRAY_SIZE(top_keys));
			break;
		}
	}
}

/* ---- paths ---- */

static void parse_path(struct pctx *c, const char *file, const struct ynode *key,
		       const struct ynode *val)
{
	struct policy *p = c->p;
	struct policy_path *v;
	char what[64 + 16];
	char *path = NULL;
	uint32_t mask;
	bool ok;

	snprintf(what, sizeof(what), "path '%.64s'", key->str);
	ok = label_refs(c, file, val, what, &mask);
	switch (path_normalise(key->str, &path)) {
	case NORM_OK:
		break;
	case NORM_NOMEM:
		return;
	case NORM_RELATIVE:
		if (!key->len)
			perr_add(c, file, key->line, "empty path; give an absolute path");
		else
			perr_add(c, file, key->line,
				 "path '%s' is relative; give the absolute path, starting with '/'",
				 key->str);
		return;
	case NORM_DOTDOT:
		perr_add(c, file, key->line,
			 "path '%s' has a '..' component; refused because what it names would depend on symlinks and mounts on the way: write the path without '..'",
			 key->str);
		return;
	case NORM_ROOT:
		perr_add(c, file, key->line,
			 "path '%s' is the root directory; a label on '/' would cover the whole system",
			 key->str);
		return;
	case NORM_TOOLONG:
		perr_add(c, file, key->line, "path '%.64s...' is longer than %d bytes",
			 key->str, PATH_MAX - 1);
		return;
	case NORM_CONTROL:
		perr_add(c, file, key->line, "path '%s' contains a control character", key->str);
		return;
	}
	if (!ok) {
		free(path);
		return;
	}
	v = pctx_grow(c, p->paths, &c->cappaths, p->npaths + 1, sizeof(*p->paths));
	if (!v) {
		free(path);
		return;
	}
	p->paths = v;
	p->paths[p->npaths++] = (struct policy_path){
		.path = path, .labels = mask, .file = file, .line = key->line,
	};
}

static void parse_paths(struct pctx *c, const char *file, const struct ynode *n)
{
	const struct ynode *k, *v;

	if (is_empty(n))
		return;
	if (n->type != YN_MAP) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "paths must be a mapping of path to label(s), such as '/srv/archive/secret: secret', not %s",
				 ynode_kind(n));
		return;
	}
	for_each_pair(n, k, v)
		if (!k->skip)
			parse_path(c, file, k, v);
}

/* ---- trusted programs ---- */

static bool trusted_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len > TRUSTED_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || !strchr("._@-", ch)))
			return false;
	}
	return true;
}

static bool unit_ok(struct pctx *c, const char *file, const struct ynode *n, const char *kind,
		    const char *name)
{
	const char *s = n->str, *dot;
	size_t i;

	if (!n->len) {
		perr_add(c, file, n->line,
			 "%s '%s': unit is empty; give a systemd unit such as %s.service, or leave unit out",
			 kind, name, name);
		return false;
	}
	if (n->len > UNIT_NAME_MAX) {
		perr_add(c, file, n->line,
			 "%s '%s': unit name is longer than %d bytes", kind, name, UNIT_NAME_MAX);
		return false;
	}
	for (i = 0; i < n->len; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr(":_.@\\-", ch))
			continue;
		if ((unsigned char)ch < 0x20 || ch == 0x7f)
			perr_add(c, file, n->line,
				 "%s '%s': unit '%s' contains a control character, which systemd does not allow in unit names",
				 kind, name, s);
		else if ((unsigned char)ch >= 0x80)
			perr_add(c, file, n->line,
				 "%s '%s': unit '%s' contains a non-ASCII character, which systemd does not allow in unit names (escape it with systemd-escape)",
				 kind, name, s);
		else
			perr_add(c, file, n->line,
				 "%s '%s': unit '%s' contains '%c', which systemd does not allow in unit names (escape it with systemd-escape)",
				 kind, name, s, ch);
		return false;
	}
	dot = strrchr(s, '.');
	if (dot && dot > s &&
	    key_index(dot, unit_suffixes, ARRAY_SIZE(unit_suffixes)) >= 0)
		return true;
	perr_add(c, file, n->line,
		 "%s '%s': unit '%s' has no unit type suffix (.service, .scope, .socket, ...); did you mean '%s.service'?",
		 kind, name, s, s);
	return false;
}

static bool parse_allow(struct pctx *c, const char *file, const struct ynode *n,
			const char *name, uint32_t allow[AF_OP_COUNT])
{
	const struct ynode *k, *v;
	bool ok = true;

	if (is_empty(n))
		return true;	/* reported as "allowed nothing" */
	if (n->type != YN_MAP) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "trusted program '%s': allow must be a mapping of operation to label(s), such as {read: [master-repository]}, not %s",
				 name, ynode_kind(n));
		return false;
	}
	for_each_pair(n, k, v) {
		char what[128];
		uint32_t mask;
		int op;

		if (k->skip)
			continue;
		op = key_index(k->str, op_keys, AF_OP_COUNT);
		if (op < 0) {
			const char *near = closest(k->str, op_keys, AF_OP_COUNT);

			if (near)
				perr_add(c, file, k->line,
					 "trusted program '%s': unknown operation '%s' under allow (did you mean '%s'?); expected read, write, send or list",
					 name, k->str, near);
			else
				perr_add(c, file, k->line,
					 "trusted program '%s': unknown operation '%s' under allow; expected read, write, send or list",
					 name, k->str);
			ok = false;
			continue;
		}
		snprintf(what, sizeof(what), "trusted program '%s': allow.%s", name, op_keys[op]);
		if (!label_refs(c, file, v, what, &mask)) {
			ok = false;
			continue;
		}
		allow[op] |= mask;
	}
	/* A program trusted to read a label may list it too. */
	allow[AF_OP_LIST] |= allow[AF_OP_READ];
	return ok;
}

static void parse_one_trusted(struct pctx *c, const char *file, const struct ynode *key,
			      const struct ynode *val)
{
	struct policy *p = c->p;
	struct policy_trusted t = { .file = file, .line = key->line };
	const struct ynode *k, *v, *exe = NULL, *inherit = NULL;
	const char *name = key->str, *base;
	char what[TRUSTED_NAME_MAX + 40];
	bool ok = true, have_allow = false;
	struct policy_trusted *nt;
	int op;

	if (!trusted_name_ok(key->str, key->len)) {
		perr_add(c, file, key->line,
			 "invalid trusted program name '%s': use letters, digits, '.', '_', '@' and '-', starting with a letter or digit, at most %d bytes",
			 key->str, TRUSTED_NAME_MAX);
		return;
	}
	if (val->type != YN_MAP) {
		if (val->type != YN_BAD)
			perr_add(c, file, val->line,
				 "trusted program '%s' must be a mapping with exe and/or unit, allow and inherit (optional), not %s",
				 name, is_empty(val) ? "empty" : ynode_kind(val));
		return;
	}
	for_each_pair(val, k, v) {
		char where[TRUSTED_NAME_MAX + 32];
		const char *s;

		if (k->skip)
			continue;
		switch (key_index(k->str, trusted_keys, ARRAY_SIZE(trusted_keys))) {
		case 0:
			snprintf(where, sizeof(where), "trusted program '%s': exe", name);
			if (!scalar(c, file, v, where))
				ok = false;
			else
				exe = v;
			break;
		case 1:
			snprintf(where, sizeof(where), "trusted program '%s': unit", name);
			s = scalar(c, file, v, where);
			if (!s || !unit_ok(c, file, v, "trusted program", name)) {
				ok = false;
				break;
			}
			free(t.unit);
			t.unit = strdup(s);
			if (!t.unit)
				c->nomem = true;
			break;
		case 2:
			have_allow = true;
			if (!parse_allow(c, file, v, name, t.allow))
				ok = false;
			break;
		case 3:
			snprintf(where, sizeof(where), "trusted program '%s': inherit", name);
			s = scalar(c, file, v, where);
			if (!s) {
				ok = false;
			} else if (!strcmp(s, "yes") || !strcmp(s, "true")) {
				t.inherit = true;
				inherit = v;
			} else if (!strcmp(s, "no") || !strcmp(s, "false")) {
				t.inherit = false;
			} else {
				perr_add(c, file, v->line,
					 "trusted program '%s': inherit must be yes (its children get its grants, whatever they run) or no (the default), not '%s'",
					 name, s);
				ok = false;
			}
			break;
		default:
			snprintf(where, sizeof(where), "in trusted program '%s'", name);
			unknown_key(c, file, k, where, trusted_keys, ARRAY_SIZE(trusted_keys));
			ok = false;
			break;
		}
	}

	if (!exe && inherit && t.unit) {
		perr_add(c, file, inherit->line,
			 "trusted unit '%s': inherit needs exe: without exe every process of unit %s is trusted already; leave inherit out, or name the program whose children inherit",
			 name, t.unit);
		ok = false;
	}
	if (!exe) {
		if (ok && !t.unit)
			perr_add(c, file, key->line,
				 "trusted program '%s' has neither exe nor unit: give exe (the absolute path of its executable), unit (a systemd unit, whose every process is then trusted), or both",
				 name);
		if (!t.unit)
			ok = false;
	} else {
		switch (path_normalise(exe->str, &t.exe)) {
		case NORM_OK:
			snprintf(what, sizeof(what), "trusted program '%s': exe", name);
			if (!c->opts->no_fs &&
			    exe_resolve(c, file, exe->line, what, t.exe, &t.dev, &t.ino) < 0)
				ok = false;
			break;
		case NORM_NOMEM:
			ok = false;
			break;
		case NORM_RELATIVE:
			base = strrchr(exe->str, '/');
			base = base && base[1] ? base + 1 : exe->len ? exe->str : name;
			perr_add(c, file, exe->line,
				 "trusted program '%s': exe '%s' is not an absolute path; give the full path, such as /usr/local/bin/%s",
				 name, exe->str, base);
			ok = false;
			break;
		case NORM_DOTDOT:
			perr_add(c, file, exe->line,
				 "trusted program '%s': exe '%s' has a '..' component; give the path without '..'",
				 name, exe->str);
			ok = false;
			break;
		default:
			perr_add(c, file, exe->line,
				 "trusted program '%s': exe '%s' is not a path to a program", name, exe->str);
			ok = false;
			break;
		}
	}
	for (op = 0; op < AF_OP_COUNT && ok; op++)
		if (t.allow[op])
			break;
	if (ok && op == AF_OP_COUNT) {
		perr_add(c, file, key->line,
			 "trusted program '%s' is allowed nothing; give allow: with at least one of read, write or send and the labels it may use%s",
			 name, have_allow ? "" : ", e.g. allow: {read: [master-repository]}");
		ok = false;
	}
	if (!ok || c->nomem)
		goto fail;
	t.name = strdup(name);
	if (!t.name) {
		c->nomem = true;
		goto fail;
	}
	nt = pctx_grow(c, p->trusted, &c->captrusted, p->ntrusted + 1, sizeof(*p->trusted));
	if (!nt)
		goto fail;
	p->trusted = nt;
	p->trusted[p->ntrusted++] = t;
	return;
fail:
	free(t.name);
	free(t.exe);
	free(t.unit);
}

static void parse_trusted(struct pctx *c, const char *file, const struct ynode *n)
{
	const struct ynode *k, *v;

	if (is_empty(n))
		return;
	if (n->type != YN_MAP) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "trusted must be a mapping of program name to {exe, unit, allow, inherit}, not %s",
				 ynode_kind(n));
		return;
	}
	for_each_pair(n, k, v)
		if (!k->skip)
			parse_one_trusted(c, file, k, v);
}

/* ---- sinks ---- */

static void parse_one_sink(struct pctx *c, const char *file, const struct ynode *key,
			   const struct ynode *val)
{
	struct policy *p = c->p;
	struct policy_sink t = { .file = file, .line = key->line };
	const struct ynode *k, *v, *exe = NULL;
	const char *name = key->str;
	char what[TRUSTED_NAME_MAX + 40];
	struct policy_sink *nt;
	struct stat st;
	bool ok = true;

	if (!trusted_name_ok(key->str, key->len)) {
		perr_add(c, file, key->line,
			 "invalid sink name '%s': use letters, digits, '.', '_', '@' and '-', starting with a letter or digit, at most %d bytes",
			 key->str, AF_LABEL_NAME_MAX - 1);
		return;
	}
	if (key->len >= AF_LABEL_NAME_MAX) {
		perr_add(c, file, key->line, "sink name '%s' is longer than %d bytes", key->str,
			 AF_LABEL_NAME_MAX - 1);
		return;
	}
	if (val->type != YN_MAP) {
		if (val->type != YN_BAD)
			perr_add(c, file, val->line,
				 "sink '%s' must be a mapping with exe, unit (optional) and tainted (optional: record or refuse), not %s",
				 name, is_empty(val) ? "empty" : ynode_kind(val));
		return;
	}
	for_each_pair(val, k, v) {
		char where[TRUSTED_NAME_MAX + 32];
		const char *s;

		if (k->skip)
			continue;
		switch (key_index(k->str, sink_keys, ARRAY_SIZE(sink_keys))) {
		case 0:
			snprintf(where, sizeof(where), "sink '%s': exe", name);
			if (!scalar(c, file, v, where))
				ok = false;
			else
				exe = v;
			break;
		case 1:
			snprintf(where, sizeof(where), "sink '%s': unit", name);
			s = scalar(c, file, v, where);
			if (!s || !unit_ok(c, file, v, "sink", name)) {
				ok = false;
				break;
			}
			free(t.unit);
			t.unit = strdup(s);
			if (!t.unit)
				c->nomem = true;
			break;
		case 2:
			snprintf(where, sizeof(where), "sink '%s': tainted", name);
			s = scalar(c, file, v, where);
			if (s && !strcmp(s, "record")) {
				t.refuse = false;
			} else if (s && !strcmp(s, "refuse")) {
				t.refuse = true;
			} else {
				if (s)
					perr_add(c, file, v->line,
						 "sink '%s': tainted must be record (tainted data reaching it is recorded) or refuse (it is refused), not '%s'",
						 name, s);
				ok = false;
			}
			break;
		default:
			snprintf(where, sizeof(where), "in sink '%s'", name);
			unknown_key(c, file, k, where, sink_keys, ARRAY_SIZE(sink_keys));
			ok = false;
			break;
		}
	}
	if (!exe) {
		if (ok)
			perr_add(c, file, key->line,
				 "sink '%s' has no exe: give the absolute path of its executable", name);
		ok = false;
	} else if (path_normalise(exe->str, &t.exe) != NORM_OK) {
		if (!c->nomem)
			perr_add(c, file, exe->line,
				 "sink '%s': exe '%s' is not an absolute path without '..'; give the full path of the program",
				 name, exe->str);
		ok = false;
	} else if (!c->opts->no_fs && lstat(t.exe, &st) && errno == ENOENT) {
		/* Not installed on this host (dbus-broker where dbus-daemon runs, say). */
	} else if (!c->opts->no_fs) {
		/* System programs are often symlinks (systemd-udevd): the program is what runs. */
		char *real = realpath(t.exe, NULL);

		snprintf(what, sizeof(what), "sink '%s': exe", name);
		if (exe_resolve(c, file, exe->line, what, real ? real : t.exe, &t.dev, &t.ino) < 0)
			ok = false;
		free(real);
	}
	if (!ok || c->nomem)
		goto fail;
	t.name = strdup(name);
	if (!t.name) {
		c->nomem = true;
		goto fail;
	}
	nt = pctx_grow(c, p->sinks, &c->capsinks, p->nsinks + 1, sizeof(*p->sinks));
	if (!nt)
		goto fail;
	p->sinks = nt;
	p->sinks[p->nsinks++] = t;
	return;
fail:
	free(t.name);
	free(t.exe);
	free(t.unit);
}

static void parse_sinks(struct pctx *c, const char *file, const struct ynode *n)
{
	const struct ynode *k, *v;

	if (is_empty(n))
		return;
	if (n->type != YN_MAP) {
		if (n->type != YN_BAD)
			perr_add(c, file, n->line,
				 "sinks must be a mapping of name to {exe, unit, tainted}, not %s",
				 ynode_kind(n));
		return;
	}
	for_each_pair(n, k, v)
		if (!k->skip)
			parse_one_sink(c, file, k, v);
}

void parse_pass2(struct pctx *c, const char *file, const struct ynode *root)
{
	const struct ynode *k, *v;

	if (root->type != YN_MAP)
		return;
	for_each_pair(root, k, v) {
		if (k->skip)
			continue;
		switch (key_index(k->str, top_keys, ARRAY_SIZE(top_keys))) {
		case 3:
			parse_paths(c, file, v);
			break;
		case 4:
			parse_trusted(c, file, v);
			break;
		case 5:
			parse_sinks(c, file, v);
			break;
		default:
			break;
		}
	}
}
