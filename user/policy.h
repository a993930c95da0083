/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The label policy: parsed from YAML (libyaml), validated as a whole, resolved
 * against the file system. Nothing here touches the kernel: the result is a
 * plain structure that apply turns into a map generation.
 */
#ifndef AF_POLICY_H
#define AF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "archfence.h"

#define POLICY_DEFAULT_FILE	"/etc/archfence/policy.yaml"
#define POLICY_MAX_BYTES	(4u << 20)	/* per file; larger is refused */
#define POLICY_MAX_FILES	256		/* main file and includes */

struct policy_label {
	char name[AF_LABEL_NAME_MAX];	/* [a-z0-9][a-z0-9._-]*, at most 31 bytes */
	uint8_t action[AF_OP_COUNT];	/* enum af_action per enum af_op */
	const char *file;		/* where it was defined (NULL: built in) */
	unsigned line;
};

struct policy_path {
	char *path;		/* absolute, normalised: no //, /./, trailing / */
	uint32_t labels;	/* mask of label ids (index into policy.labels) */
	const char *file;	/* points into policy.files */
	unsigned line;
	uint64_t dev;		/* resolved: kernel encoding (MAJOR << 20 | MINOR) */
	uint64_t ino;
	bool dir;
	/*
	 * Does not exist yet: labelled by the kernel when it appears. The
	 * nearest existing directory above it, and the names below that.
	 */
	bool pending;
	uint64_t anchor_dev;
	uint64_t anchor_ino;
	unsigned ncomp;
	uint64_t comp[AF_PENDING_DEPTH];	/* FNV-1a 64 of each missing name */
};

/*
 * A trusted program (exe), a trusted unit (unit: every process that is a
 * member of it), or a program trusted only as a member of its unit (both).
 */
struct policy_trusted {
	char *name;		/* the key under "trusted" */
	char *exe;		/* absolute, normalised; NULL: the whole unit */
	char *unit;		/* systemd unit name, or NULL */
	bool inherit;		/* the grants pass to the program's descendants */
	uint32_t allow[AF_OP_COUNT];	/* labels granted per operation */
	const char *file;
	unsigned line;
	uint64_t dev;		/* resolved executable; 0 and 0 when exe is NULL */
	uint64_t ino;
};

/*
 * A sink: a system service that receives data from everyone (journald, the
 * D-Bus broker, ...). Taint stops there; every crossing is recorded, or
 * refused. PID 1 is always one, and journald is added when a policy does
 * not name it.
 */
struct policy_sink {
	char *name;		/* the key under "sinks" */
	char *exe;		/* absolute, normalised */
	char *unit;		/* systemd unit name, or NULL */
	bool refuse;		/* tainted: refuse (else record) */
	bool builtin;		/* added by archfence, not named by the policy */
	const char *file;
	unsigned line;
	uint64_t dev;		/* resolved executable; 0 and 0: not installed here */
	uint64_t ino;
};

struct policy_cidr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix;		/* 0..32 or 0..128 */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes; host bits zero */
	uint16_t port_min;	/* 0 and 0: every port */
	uint16_t port_max;
	const char *file;
	unsigned line;
};

struct policy {
	char *file;			/* the main file, as given */
	uint8_t sha256[32];		/* over every file read, in order */
	char sha256_hex[65];
	enum af_mode mode;
	bool lock;
	bool send_all;			/* send rules cover every non-loopback destination */
	struct policy_label labels[AF_MAX_LABELS];
	unsigned nlabels;
	struct policy_path *paths;
	size_t npaths;
	struct policy_trusted *trusted;
	size_t ntrusted;
	struct policy_cidr *cloud;
	size_t ncloud;
	struct policy_sink *sinks;	/* ids 1..: index + 1 (0 is PID 1) */
	size_t nsinks;
	char **files;			/* main file, then included files in the order read */
	size_t nfiles;
	char *include_dir;		/* the include directory, or NULL */
};

struct policy_error {
	char *file;		/* NULL when not about a file */
	unsigned line;		/* 0 when not about a line */
	char *msg;
};

struct policy_errors {
	struct policy_error *v;
	size_t n;
};

struct policy_opts {
	/*
	 * Paths that must not be labelled, nor lie under a labelled
	 * directory: the controller's own binary, its configuration, its
	 * pins. NULL-terminated; may be NULL.
	 */
	const char *const *protected_paths;
	/* Skip the checks that need the file system (for the fuzzer). */
	bool no_fs;
};

/*
 * Parse and validate FILE and its includes. On success, *out is a new policy
 * and 0 is returned. On any error, every problem found is appended to errs
 * (as many as can be found, not just the first), *out is NULL and -EINVAL
 * (or -ENOMEM) is returned.
 */
int policy_load(const char *file, const struct policy_opts *opts,
		struct policy **out, struct policy_errors *errs);

/* Same, from a buffer (the fuzzer and unit tests); name is used in errors. */
int policy_load_buffer(const char *name, const char *buf, size_t len,
		       const struct policy_opts *opts, struct policy **out,
		       struct policy_errors *errs);

void policy_free(struct policy *p);

/* "file:line: message", one per line; returns the number printed. */
size_t policy_errors_print(const struct policy_errors *errs, FILE *f);
void policy_errors_clear(struct policy_errors *errs);

/*
 * Warnings about a valid policy (a built-in label weakened), appended to out
 * as "warning: ..." errors with file and line. 0 or -ENOMEM.
 */
int policy_warnings(const struct policy *p, struct policy_errors *out);

/* Labelled paths that do not exist yet. */
size_t policy_npending(const struct policy *p);

/* Label id by name, or -1. */
int policy_label_id(const struct policy *p, const char *name);

/*
 * Give every label the id (bit) it had in the generation in force, whose
 * names are prev[0..nprev): the kernel's derived labels and counters outlive
 * generations and must keep their meaning. New labels take ids never used,
 * then ids of labels since removed; ids left unused become unnamed gaps that
 * allow everything. Path and trusted masks follow. Returns the ids whose
 * meaning ends (labels removed, ids reused): the caller clears them from the
 * derived labels before the new generation takes over.
 */
uint32_t policy_renumber(struct policy *p, const char prev[][AF_LABEL_NAME_MAX], unsigned nprev);

/* Labels the policy defines (gaps left by policy_renumber not counted). */
unsigned policy_nlabels(const struct policy *p);

/* "secret,sensitive" into buf; returns buf. */
const char *policy_labels_str(const struct policy *p, uint32_t mask, char *buf, size_t len);

/*
 * What a trusted entry trusts, in words: "/usr/bin/x", "/usr/bin/x, as a
 * member of unit backup.service", "every process of unit backup.service",
 * with "; its descendants inherit the grants" where it says inherit.
 */
const char *policy_trusted_str(const struct policy_trusted *t, char *buf, size_t len);

const char *af_op_name(enum af_op op);
const char *af_action_name(enum af_action a);
const char *af_mode_name(enum af_mode m);

/* st_dev as userspace sees it, in the kernel's encoding (MAJOR << 20 | MINOR). */
uint64_t af_kdev(uint64_t st_dev);

#endif
