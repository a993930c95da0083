/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the policy module, shared by user/policy*.c and nothing else.
 *
 * Loading runs in stages over one context (struct pctx):
 *   policy.c        read each file, check it is text, hash it, drive the rest
 *   policy_yaml.c   libyaml events -> a small tree of scalars, lists, mappings
 *   policy_parse.c  interpret the trees: host, include and labels (pass 1, in
 *                   every file), then paths and trusted (pass 2, once every
 *                   label is known)
 *   policy_cidr.c   one host.cloud entry
 *   policy_check.c  normalise paths, resolve them against the file system,
 *                   merge duplicates, keep protected paths unlabelled
 * Every problem becomes an error with file and line; the policy is handed
 * out only when there are none.
 */
#ifndef AF_POLICY_INT_H
#define AF_POLICY_INT_H

#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "policy.h"

/* Built-in labels: their ids are fixed. */
#define PL_SECRET		0
#define PL_MASTER		1
#define PL_SENSITIVE		2
#define PL_NBUILTIN		3

#define YAML_MAX_DEPTH		32	/* the format needs 6 */
#define TRUSTED_NAME_MAX	63
#define UNIT_NAME_MAX		255

/* ---- the YAML tree (policy_yaml.c) ---- */

enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
	YN_BAD,		/* an alias or other refused node, already reported */
};

struct ynode {
	enum ynode_type type;
	unsigned line;		/* 1-based */
	bool plain;		/* scalar written without quotes */
	bool skip;		/* mapping key already reported (duplicate, not text) */
	size_t len;		/* scalar: bytes in str, no NUL inside */
	char *str;		/* scalar: NUL-terminated */
	size_t nkids;		/* seq: items; map: keys + values */
	struct ynode *kids;	/* first child; a mapping alternates key, value */
	struct ynode *last;
	struct ynode *next;
};

struct arena_chunk;

struct ydoc {
	struct ynode *root;	/* NULL: no document at all */
	struct arena_chunk *arena;
};

/* ---- the loader's context ---- */

struct perr {
	const char *file;	/* into pctx.fnames, or NULL */
	unsigned line;
	size_t seq;
	char *msg;
};

struct pfile {
	char *name;		/* as given or as found in the include directory */
	struct ydoc doc;
	bool parsed;		/* read, text, and valid YAML with a document */
	dev_t dev;		/* the file read */
	ino_t ino;
};

struct pctx {
	struct policy *p;
	const struct policy_opts *opts;
	struct perr *errs;
	size_t nerrs, caperrs;
	bool nomem;
	bool incomplete;	/* a file did not parse: labels may be missing */
	struct pfile *files;
	size_t nfiles, capfiles;
	size_t cappaths, captrusted, capcloud, capsinks;
	bool builtin_seen[PL_NBUILTIN];
	bool too_many_labels;	/* reported once */
	char *include;		/* host's include directory */
	const char *include_file;
	unsigned include_line;
	void *sha;		/* EVP_MD_CTX */
};

void perr_add(struct pctx *c, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void perr_vadd(struct pctx *c, const char *file, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
void *pctx_grow(struct pctx *c, void *v, size_t *cap, size_t n, size_t size);

/* Parse buf into doc; syntax errors are reported. Returns false on any. */
/* Parse buf into doc, reporting what is wrong. False when there is no tree to use. */
bool ydoc_parse(struct pctx *c, const char *file, const char *buf, size_t len, struct ydoc *doc);
void ydoc_free(struct ydoc *doc);
const char *ynode_kind(const struct ynode *n);	/* "a list", "a mapping", "text" */

/* policy_parse.c */
void parse_pass1(struct pctx *c, const char *file, const struct ynode *root, bool main_file);
void parse_pass2(struct pctx *c, const char *file, const struct ynode *root);
/* Closest of names[0..n) to s within edit distance 2, or NULL. */
const char *closest(const char *s, const char *const *names, size_t n);

/* policy_cidr.c: one host.cloud entry; on error -EINVAL and a message. */
int cidr_parse(const char *s, struct policy_cidr *out, char *msg, size_t msglen);

/* policy_check.c */
enum norm {
	NORM_OK,
	NORM_RELATIVE,
	NORM_DOTDOT,
	NORM_ROOT,
	NORM_TOOLONG,
	NORM_CONTROL,
	NORM_NOMEM,
};
enum norm path_normalise(const char *in, char **out);
/* Paths: merge duplicates, resolve, keep protected paths unlabelled. */
void check_paths(struct pctx *c);
/* Cloud ranges: the same range twice is kept once. */
void check_cloud(struct pctx *c);
/* Trusted programs: refuse duplicates across files. */
void check_trusted(struct pctx *c);
/* Sinks: refuse duplicates; add journald when the policy does not name it. */
void check_sinks(struct pctx *c);
/*
 * Resolve the executable of a trusted program or sink (what: "trusted
 * program 'x': exe"); reports and returns -errno.
 */
int exe_resolve(struct pctx *c, const char *file, unsigned line, const char *what,
		const char *exe, uint64_t *dev, uint64_t *ino);
const char *file_type_name(mode_t mode);

#endif
