/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The incident report: audit, deny and lost-event records read back from the
 * journal, summed (each record stands for ARCHFENCE_COUNT accesses) per
 * label, operation, program, unit, destination and policy, and rendered as
 * text, JSON or CSV. Pure: records come in as plain structures (cmd_report.c
 * reads the journal), so that all of this is unit-tested.
 */
#ifndef AF_REPORT_H
#define AF_REPORT_H

#include <stdint.h>
#include <stdio.h>

enum report_kind {
	REPORT_DENY = 0,
	REPORT_AUDIT = 1,
	REPORT_LOST = 2,
};

enum report_format {
	REPORT_TEXT = 0,
	REPORT_JSON = 1,
	REPORT_CSV = 2,
};

enum report_by {
	REPORT_BY_LABEL,
	REPORT_BY_OP,
	REPORT_BY_PROGRAM,
	REPORT_BY_UNIT,
	REPORT_BY_DEST,
	REPORT_BY_POLICY,
	REPORT_BY_NR,
};

/* One record as read from the journal; NULL strings read as "". */
struct report_rec {
	int64_t usec;		/* when it was recorded, microseconds since the epoch */
	enum report_kind kind;
	uint64_t count;		/* accesses it stands for */
	const char *op;
	const char *label;	/* "secret" or "secret,sensitive" */
	const char *path;
	const char *dest;
	const char *exe;
	const char *unit;
	const char *comm;
	const char *policy;	/* SHA-256 of the policy in force */
	const char *message;
	int64_t pid;		/* -1: not known */
	int64_t uid;
};

/* A line of one of the summaries. */
struct report_line {
	char *key;
	uint64_t denied;	/* accesses */
	uint64_t audited;
	uint64_t records;
};

struct report_table {
	struct report_line *v;
	size_t n, cap;
};

struct report {
	int64_t since;		/* INT64_MIN: from the start of the journal */
	int64_t until;		/* INT64_MAX: to its end */
	struct report_rec *recs;	/* copies, in the order added */
	size_t n, cap;
	uint64_t accesses[3];	/* per enum report_kind */
	uint64_t records[3];
	int64_t first, last;	/* of any record; first > last when there is none */
	struct report_table by[REPORT_BY_NR];
};

void report_init(struct report *r, int64_t since, int64_t until);
void report_free(struct report *r);

/* Add a copy of rec to every sum it belongs to. 0 or -ENOMEM. */
int report_add(struct report *r, const struct report_rec *rec);

/* The summary lines of one table, most denied first: an array to free(). */
const struct report_line **report_sorted(const struct report *r, enum report_by by);

int report_print(const struct report *r, enum report_format f, FILE *out);

/* "text", "json" or "csv". 0 or -EINVAL. */
int report_parse_format(const char *s, enum report_format *f);

/*
 * A --since or --until value, in local time, in journalctl's forms
 * (systemd.time(7)): "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD HH:MM",
 * "YYYY-MM-DD" (its midnight), the same with "T" for the space, "HH:MM[:SS]"
 * (today), "now", "today", "yesterday", "tomorrow", "@SECONDS" since the
 * epoch, or a span before or after now: "-30s", "-1 day", "+1h",
 * "10 minutes ago", "1h30min ago", "2 days left" (units s, m or min, h, d, w,
 * M, y, also spelled out). *usec is microseconds since the epoch. 0 or
 * -EINVAL.
 */
int report_parse_time(const char *s, int64_t now_usec, int64_t *usec);

/*
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF,
 * or leading or trailing blanks; a field a spreadsheet would run as a
 * formula (first character = + - @ TAB CR) gets a leading apostrophe.
 * Returns a string to free(), or NULL.
 */
char *report_csv_field(const char *s);

#endif
