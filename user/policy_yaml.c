// SPDX-License-Identifier: GPL-2.0
/*
 * libyaml's event stream turned into a small tree that keeps every node's
 * line. Nothing is interpreted here: scalars stay text (no YAML type
 * coercion), anchors, aliases and tags are refused, duplicate keys and
 * non-text keys are reported and marked so that later stages skip them.
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy_int.h"

/* ---- a bump allocator: a tree is freed in one go ---- */

#define ARENA_CHUNK	(64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

static void *arena_alloc(struct ydoc *d, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct arena_chunk *ch = d->arena;
	size_t off;

	n = (n + align - 1) & ~(align - 1);
	if (!ch || ch->size - ch->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		ch = malloc(sizeof(*ch) + size);
		if (!ch)
			return NULL;
		ch->used = 0;
		ch->size = size;
		if (d->arena && n > ARENA_CHUNK) {
			/* a big one-off: keep filling the current chunk */
			ch->next = d->arena->next;
			d->arena->next = ch;
		} else {
			ch->next = d->arena;
			d->arena = ch;
		}
	}
	off = ch->used;
	ch->used += n;
	return ch->data + off;
}

void ydoc_free(struct ydoc *doc)
{
	struct arena_chunk *ch, *next;

	for (ch = doc->arena; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	doc->arena = NULL;
	doc->root = NULL;
}

const char *ynode_kind(const struct ynode *n)
{
	switch (n->type) {
	case YN_SCALAR:
		return "text";
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	default:
		return "an invalid value";
	}
}

/* ---- building ---- */

struct builder {
	struct pctx *c;
	const char *file;
	const char *buf;
	size_t len;
	struct ydoc *doc;
	struct ynode *stack[YAML_MAX_DEPTH];
	unsigned depth;
	unsigned ndocs;
	bool failed;		/* stop: syntax error, too deep, no memory */
	bool bad;		/* something was reported */
};

static struct ynode *node_new(struct builder *b, enum ynode_type type, unsigned line)
{
	struct ynode *n = arena_alloc(b->doc, sizeof(*n));

	if (!n) {
		b->c->nomem = true;
		b->failed = true;
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = line;
	return n;
}

static void berr(struct builder *b, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void berr(struct builder *b, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	perr_vadd(b->c, b->file, line, fmt, ap);
	va_end(ap);
	b->bad = true;
}

static bool scalar_eq(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

struct keyref {
	struct ynode *n;
	size_t idx;		/* document order */
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct keyref *a = pa, *b = pb;
	size_t n = a->n->len < b->n->len ? a->n->len : b->n->len;
	int r = memcmp(a->n->str, b->n->str, n);

	if (r)
		return r;
	if (a->n->len != b->n->len)
		return a->n->len < b->n->len ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Report and mark every key that repeats an earlier one in the same mapping. */
static void check_dup_keys(struct builder *b, struct ynode *map)
{
	size_t nkeys = map->nkids / 2, i, first, k = 0;
	struct keyref *keys;
	struct ynode *n;

	if (nkeys < 2)
		return;
	keys = calloc(nkeys, sizeof(*keys));
	if (!keys) {
		b->c->nomem = true;
		b->failed = true;
		return;
	}
	for (n = map->kids; n && n->next; n = n->next->next)
		if (n->type == YN_SCALAR && !n->skip) {
			keys[k] = (struct keyref){ n, k };
			k++;
		}
	qsort(keys, k, sizeof(*keys), key_cmp);
	for (first = 0, i = 1; i < k; i++) {
		if (!scalar_eq(keys[first].n, keys[i].n)) {
			first = i;
			continue;
		}
		berr(b, keys[i].n->line, "duplicate key '%s' (first at line %u)",
		     keys[i].n->str, keys[first].n->line);
		keys[i].n->skip = true;
	}
	free(keys);
}

static void attach(struct builder *b, struct ynode *n)
{
	struct ynode *parent;

	if (!b->depth) {
		b->doc->root = n;
		return;
	}
	parent = b->stack[b->depth - 1];
	if (parent->type == YN_MAP && parent->nkids % 2 == 0 && n->type != YN_SCALAR) {
		if (n->type != YN_BAD)
			berr(b, n->line, "a mapping key must be text, not %s", ynode_kind(n));
		n->skip = true;
	}
	if (parent->last)
		parent->last->next = n;
	else
		parent->kids = n;
	parent->last = n;
	parent->nkids++;
}

static void check_props(struct builder *b, unsigned line, const yaml_char_t *anchor,
			const yaml_char_t *tag)
{
	if (anchor)
		berr(b, line, "anchors and aliases are not supported (found '&%s'); write the value out in full",
		     (const char *)anchor);
	if (tag)
		berr(b, line, "YAML tags are not supported (found '%s'); every value is read as plain text",
		     (const char *)tag);
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	unsigned line = ev->start_mark.line + 1;
	size_t len = ev->data.scalar.length;
	struct ynode *n;

	check_props(b, line, ev->data.scalar.anchor,
		    /* an explicit "!" is the non-specific tag: plain text anyway */
		    ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, "!") ?
		    ev->data.scalar.tag : NULL);
	if (memchr(ev->data.scalar.value, '\0', len)) {
		berr(b, line, "text contains a NUL character");
		n = node_new(b, YN_BAD, line);
	} else {
		n = node_new(b, YN_SCALAR, line);
		if (n) {
			n->str = arena_alloc(b->doc, len + 1);
			if (!n->str) {
				b->c->nomem = true;
				b->failed = true;
				return;
			}
			memcpy(n->str, ev->data.scalar.value, len);
			n->str[len] = '\0';
			n->len = len;
			n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		}
	}
	if (n)
		attach(b, n);
}

static void on_start(struct builder *b, enum ynode_type type, const yaml_mark_t *mark,
		     const yaml_char_t *anchor, const yaml_char_t *tag)
{
	unsigned line = mark->line + 1;
	struct ynode *n;

	if (b->depth == YAML_MAX_DEPTH) {
		berr(b, line, "nested more than %d levels deep; a policy needs at most 6",
		     YAML_MAX_DEPTH);
		b->failed = true;
		return;
	}
	check_props(b, line, anchor, tag);
	n = node_new(b, type, line);
	if (!n)
		return;
	attach(b, n);
	b->stack[b->depth++] = n;
}

static void on_end(struct builder *b)
{
	struct ynode *n;

	if (!b->depth)
		return;
	n = b->stack[--b->depth];
	if (n->type == YN_MAP)
		check_dup_keys(b, n);
}

static unsigned line_at(const char *buf, size_t len, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off && i < len; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

/* Does the line holding byte off start with a tab in its indentation? */
static bool tab_indent(const char *buf, size_t len, size_t off)
{
	size_t i;

	if (off > len)
		off = len;
	while (off > 0 && buf[off - 1] != '\n')
		off--;
	for (i = off; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
		if (buf[i] == '\t')
			return true;
	return false;
}

static void syntax_error(struct builder *b, const yaml_parser_t *ps)
{
	const char *problem = ps->problem ? ps->problem : "malformed YAML";
	const char *hint = "";
	size_t off;
	unsigned line;

	if (ps->error == YAML_MEMORY_ERROR) {
		b->c->nomem = true;
		return;
	}
	if (ps->error == YAML_READER_ERROR) {
		off = ps->problem_offset;
		line = line_at(b->buf, b->len, off);
	} else {
		off = ps->problem_mark.index;
		line = ps->problem_mark.line + 1;
	}
	if (tab_indent(b->buf, b->len, off))
		hint = "; YAML does not allow tabs for indentation, use spaces";
	if (ps->context)
		berr(b, line, "YAML syntax error: %s (%s at line %zu)%s", problem,
		     ps->context, ps->context_mark.line + 1, hint);
	else
		berr(b, line, "YAML syntax error: %s%s", problem, hint);
}

bool ydoc_parse(struct pctx *c, const char *file, const char *buf, size_t len,
		struct ydoc *doc)
{
	struct builder b = {
		.c = c, .file = file, .buf = buf, .len = len, .doc = doc,
	};
	yaml_parser_t ps;
	yaml_event_t ev;
	bool done = false;

	memset(doc, 0, sizeof(*doc));
	if (!yaml_parser_initialize(&ps)) {
		c->nomem = true;
		return false;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&ps, YAML_UTF8_ENCODING);

	while (!done && !b.failed) {
		if (!yaml_parser_parse(&ps, &ev)) {
			syntax_error(&b, &ps);
			b.failed = true;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++b.ndocs > 1) {
				berr(&b, ev.start_mark.line + 1,
				     "a policy file holds one YAML document; put further policy in another file under the include directory");
				b.failed = true;
			}
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&b, YN_SEQ, &ev.start_mark, ev.data.sequence_start.anchor,
				 ev.data.sequence_start.tag);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&b, YN_MAP, &ev.start_mark, ev.data.mapping_start.anchor,
				 ev.data.mapping_start.tag);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&b);
			break;
		case YAML_ALIAS_EVENT: {
			struct ynode *n;

			berr(&b, ev.start_mark.line + 1,
			     "anchors and aliases are not supported (found '*%s'); write the value out in full",
			     (const char *)ev.data.alias.anchor);
			n = node_new(&b, YN_BAD, ev.start_mark.line + 1);
			if (n)
				attach(&b, n);
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return !b.failed && !c->nomem;
}
