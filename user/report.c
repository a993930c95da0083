// SPDX-License-Identifier: GPL-2.0
/* The incident report: sums and renderings. No journald here (see report.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "report.h"

#define USEC		1000000ll

static const char *const kind_names[] = { "deny", "audit", "lost" };

static const char *const by_names[REPORT_BY_NR] = {
	[REPORT_BY_LABEL] = "label",	  [REPORT_BY_OP] = "operation",
	[REPORT_BY_PROGRAM] = "program",  [REPORT_BY_UNIT] = "unit",
	[REPORT_BY_DEST] = "destination", [REPORT_BY_POLICY] = "policy",
};

static const char *str(const char *s)
{
	return s ? s : "";
}

void report_init(struct report *r, int64_t since, int64_t until)
{
	memset(r, 0, sizeof(*r));
	r->since = since;
	r->until = until;
	r->first = INT64_MAX;
	r->last = INT64_MIN;
}

static void rec_free(struct report_rec *c)
{
	free((char *)c->op);
	free((char *)c->label);
	free((char *)c->path);
	free((char *)c->dest);
	free((char *)c->exe);
	free((char *)c->unit);
	free((char *)c->comm);
	free((char *)c->policy);
	free((char *)c->message);
}

void report_free(struct report *r)
{
	size_t i, b;

	for (i = 0; i < r->n; i++)
		rec_free(&r->recs[i]);
	free(r->recs);
	for (b = 0; b < REPORT_BY_NR; b++) {
		for (i = 0; i < r->by[b].n; i++)
			free(r->by[b].v[i].key);
		free(r->by[b].v);
	}
	memset(r, 0, sizeof(*r));
}

static int count_in(struct report_table *t, const char *key, size_t keylen,
		    const struct report_rec *rec)
{
	struct report_line *l = NULL;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->v[i].key) == keylen && !memcmp(t->v[i].key, key, keylen)) {
			l = &t->v[i];
			break;
		}
	if (!l) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			struct report_line *v = realloc(t->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->v = v;
			t->cap = cap;
		}
		l = &t->v[t->n];
		memset(l, 0, sizeof(*l));
		l->key = strndup(key, keylen);
		if (!l->key)
			return -ENOMEM;
		t->n++;
	}
	if (rec->kind == REPORT_DENY)
		l->denied += rec->count;
	else
		l->audited += rec->count;
	l->records++;
	return 0;
}

static int count_key(struct report_table *t, const char *key, const struct report_rec *rec)
{
	return count_in(t, key, strlen(key), rec);
}

/* An object with several labels counts towards each of them. */
static int count_labels(struct report_table *t, const char *labels, const struct report_rec *rec)
{
	const char *p = labels;
	int err;

	if (!*p)
		return count_key(t, "(none)", rec);
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n) {
			err = count_in(t, p, n, rec);
			if (err)
				return err;
		}
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

int report_add(struct report *r, const struct report_rec *rec)
{
	struct report_rec *c;
	int err = 0;

	if ((unsigned)rec->kind > REPORT_LOST)
		return -EINVAL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct report_rec *v = realloc(r->recs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->recs = v;
		r->cap = cap;
	}
	c = &r->recs[r->n];
	*c = *rec;
	c->op = strdup(str(rec->op));
	c->label = strdup(str(rec->label));
	c->path = strdup(str(rec->path));
	c->dest = strdup(str(rec->dest));
	c->exe = strdup(str(rec->exe));
	c->unit = strdup(str(rec->unit));
	c->comm = strdup(str(rec->comm));
	c->policy = strdup(str(rec->policy));
	c->message = strdup(str(rec->message));
	if (!c->op || !c->label || !c->path || !c->dest || !c->exe || !c->unit || !c->comm ||
	    !c->policy || !c->message) {
		rec_free(c);
		return -ENOMEM;
	}
	r->n++;
	r->accesses[rec->kind] += rec->count;
	r->records[rec->kind]++;
	if (rec->usec < r->first)
		r->first = rec->usec;
	if (rec->usec > r->last)
		r->last = rec->usec;
	if (rec->kind == REPORT_LOST)
		return 0;
	err = count_labels(&r->by[REPORT_BY_LABEL], c->label, c);
	if (!err)
		err = count_key(&r->by[REPORT_BY_OP], c->op[0] ? c->op : "(none)", c);
	if (!err)
		err = count_key(&r->by[REPORT_BY_PROGRAM], c->exe[0] ? c->exe : "(unknown)", c);
	if (!err)
		err = count_key(&r->by[REPORT_BY_UNIT], c->unit[0] ? c->unit : "(none)", c);
	if (!err && c->dest[0])
		err = count_key(&r->by[REPORT_BY_DEST], c->dest, c);
	if (!err)
		err = count_key(&r->by[REPORT_BY_POLICY], c->policy[0] ? c->policy : "(unknown)", c);
	return err;
}

static int line_cmp(const void *a, const void *b)
{
	const struct report_line *x = *(const struct report_line *const *)a;
	const struct report_line *y = *(const struct report_line *const *)b;

	if (x->denied != y->denied)
		return x->denied > y->denied ? -1 : 1;
	if (x->audited != y->audited)
		return x->audited > y->audited ? -1 : 1;
	return strcmp(x->key, y->key);
}

const struct report_line **report_sorted(const struct report *r, enum report_by by)
{
	const struct report_table *t = &r->by[by];
	const struct report_line **v = calloc(t->n + 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < t->n; i++)
		v[i] = &t->v[i];
	qsort(v, t->n, sizeof(*v), line_cmp);
	return v;
}

/* ---- time ---- */

static void fmt_time(int64_t usec, bool iso, char *buf, size_t len)
{
	time_t t = (time_t)(usec / USEC);
	struct tm tm;

	if (usec < 0 && usec % USEC)
		t--;
	localtime_r(&t, &tm);
	strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%S%z" : "%Y-%m-%d %H:%M:%S %z", &tm);
}

static bool digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static bool lit(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* Local midnight of the day of usec, moved by days. */
static int midnight(int64_t usec, int days, int64_t *out)
{
	time_t t = (time_t)(usec / USEC);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (int64_t)t * USEC;
	return 0;
}

/*
 * A time span as systemd.time(7) writes it, which journalctl --since takes:
 * numbers each followed by a unit, spaces allowed between and around them
 * ("1h30min", "1 day", "2 weeks 3 days"); a bare number is seconds.
 */
static int parse_span(const char *s, int64_t *out)
{
	static const struct {
		const char *name;
		int64_t usec;
	} units[] = {
		{ "s", USEC },		     { "sec", USEC },		  { "second", USEC },
		{ "seconds", USEC },	     { "m", 60 * USEC },	  { "min", 60 * USEC },
		{ "minute", 60 * USEC },     { "minutes", 60 * USEC },	  { "h", 3600 * USEC },
		{ "hr", 3600 * USEC },	     { "hour", 3600 * USEC },	  { "hours", 3600 * USEC },
		{ "d", 86400 * USEC },	     { "day", 86400 * USEC },	  { "days", 86400 * USEC },
		{ "w", 7 * 86400 * USEC },   { "week", 7 * 86400 * USEC }, { "weeks", 7 * 86400 * USEC },
		/* systemd's month and year: 30.44 and 365.25 days */
		{ "M", 2629800 * USEC },     { "month", 2629800 * USEC }, { "months", 2629800 * USEC },
		{ "y", 31557600 * USEC },    { "year", 31557600 * USEC }, { "years", 31557600 * USEC },
	};
	const char *p = s;
	int64_t total = 0;
	bool any = false;

	for (;;) {
		unsigned long long n;
		int64_t unit = -1;
		char *end;
		size_t len, i;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		n = strtoull(p, &end, 10);
		if (errno)
			return -EINVAL;
		p = end;
		while (*p == ' ')
			p++;
		for (len = 0; isalpha((unsigned char)p[len]); len++)
			;
		if (!len) {
			unit = USEC;
		} else {
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (strlen(units[i].name) == len && !strncmp(p, units[i].name, len))
					unit = units[i].usec;
			if (unit < 0)
				return -EINVAL;
		}
		p += len;
		if (n > (unsigned long long)((INT64_MAX - total) / unit))
			return -EINVAL;
		total += (int64_t)n * unit;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*out = total;
	return 0;
}

/* now moved back (sign < 0) or forward by the span s; never before the epoch. */
static int parse_relative(const char *s, int sign, int64_t now, int64_t *out)
{
	int64_t span;

	if (parse_span(s, &span))
		return -EINVAL;
	if (sign < 0 && span > now)
		return -EINVAL;
	if (sign > 0 && span > INT64_MAX - now)
		return -EINVAL;
	*out = sign < 0 ? now - span : now + span;
	return 0;
}

/* "ago" or "left" ending s: the span before it into buf. */
static bool ends_with_word(const char *s, const char *word, char *buf, size_t len)
{
	size_t n = strlen(s), w = strlen(word);

	if (n <= w + 1 || strcmp(s + n - w, word) || s[n - w - 1] != ' ' || n - w >= len)
		return false;
	memcpy(buf, s, n - w - 1);
	buf[n - w - 1] = 0;
	return true;
}

int report_parse_time(const char *s, int64_t now, int64_t *usec)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	const char *p = s;
	struct tm tm = { 0 };
	char span[128];
	time_t t;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "now")) {
		*usec = now;
		return 0;
	}
	if (!strcmp(s, "today"))
		return midnight(now, 0, usec);
	if (!strcmp(s, "yesterday"))
		return midnight(now, -1, usec);
	if (!strcmp(s, "tomorrow"))
		return midnight(now, 1, usec);
	if (s[0] == '-' || s[0] == '+')
		return isdigit((unsigned char)s[1]) ? parse_relative(s + 1, s[0] == '-' ? -1 : 1, now, usec)
						    : -EINVAL;
	if (ends_with_word(s, "ago", span, sizeof(span)))
		return parse_relative(span, -1, now, usec);
	if (ends_with_word(s, "left", span, sizeof(span)))
		return parse_relative(span, 1, now, usec);
	/* HH:MM[:SS] alone: today at that time. */
	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == ':') {
		time_t nt = (time_t)(now / USEC);

		if (!localtime_r(&nt, &tm) || !digits(&p, 2, &h) || !lit(&p, ':') || !digits(&p, 2, &mi))
			return -EINVAL;
		if (*p && (!lit(&p, ':') || !digits(&p, 2, &sec)))
			return -EINVAL;
		if (*p || h > 23 || mi > 59 || sec > 59)
			return -EINVAL;
		y = tm.tm_year + 1900;
		mo = tm.tm_mon + 1;
		d = tm.tm_mday;
		goto make;
	}
	if (s[0] == '@') {
		unsigned long long n;
		char *end;

		if (!isdigit((unsigned char)s[1]))
			return -EINVAL;
		errno = 0;
		n = strtoull(s + 1, &end, 10);
		if (errno || *end || n > (unsigned long long)(INT64_MAX / USEC))
			return -EINVAL;
		*usec = (int64_t)n * USEC;
		return 0;
	}
	if (!digits(&p, 4, &y) || !lit(&p, '-') || !digits(&p, 2, &mo) || !lit(&p, '-') ||
	    !digits(&p, 2, &d))
		return -EINVAL;
	if (*p) {
		if (!lit(&p, ' ') && !lit(&p, 'T'))
			return -EINVAL;
		if (!digits(&p, 2, &h) || !lit(&p, ':') || !digits(&p, 2, &mi))
			return -EINVAL;
		if (*p && (!lit(&p, ':') || !digits(&p, 2, &sec)))
			return -EINVAL;
		if (*p)
			return -EINVAL;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
make:
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* mktime moves 31 April to 1 May: such a date does not exist. */
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1 || tm.tm_year != y - 1900)
		return -EINVAL;
	*usec = (int64_t)t * USEC;
	return 0;
}

int report_parse_format(const char *s, enum report_format *f)
{
	if (!strcmp(s, "text"))
		*f = REPORT_TEXT;
	else if (!strcmp(s, "json"))
		*f = REPORT_JSON;
	else if (!strcmp(s, "csv"))
		*f = REPORT_CSV;
	else
		return -EINVAL;
	return 0;
}

/* ---- CSV ---- */

char *report_csv_field(const char *s)
{
	size_t len = strlen(s), i, o = 0;
	bool formula = len && strchr("=+-@\t\r", s[0]);
	bool quote = formula || strpbrk(s, ",\"\r\n") ||
		     (len && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1])));
	char *out = malloc(2 * len + 4);

	if (!out)
		return NULL;
	if (quote)
		out[o++] = '"';
	if (formula)
		out[o++] = '\'';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			out[o++] = '"';
		out[o++] = s[i];
	}
	if (quote)
		out[o++] = '"';
	out[o] = 0;
	return out;
}

static void csv_put(FILE *f, const char *s, bool last)
{
	char *q = report_csv_field(s);

	fputs(q ? q : "", f);
	fputs(last ? "\r\n" : ",", f);
	free(q);
}

static void csv_num(FILE *f, int64_t v)
{
	if (v >= 0)
		fprintf(f, "%lld", (long long)v);
	fputc(',', f);
}

static int print_csv(const struct report *r, FILE *f)
{
	char t[64];
	size_t i;

	fputs("time,action,operation,count,label,path,destination,program,unit,comm,pid,uid,"
	      "policy,message\r\n", f);
	for (i = 0; i < r->n; i++) {
		const struct report_rec *c = &r->recs[i];

		fmt_time(c->usec, true, t, sizeof(t));
		csv_put(f, t, false);
		csv_put(f, kind_names[c->kind], false);
		csv_put(f, c->op, false);
		csv_num(f, (int64_t)c->count);
		csv_put(f, c->label, false);
		csv_put(f, c->path, false);
		csv_put(f, c->dest, false);
		csv_put(f, c->exe, false);
		csv_put(f, c->unit, false);
		csv_put(f, c->comm, false);
		csv_num(f, c->pid);
		csv_num(f, c->uid);
		csv_put(f, c->policy, false);
		csv_put(f, c->message, true);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- JSON ---- */

static struct json_object *json_time(int64_t usec, bool valid)
{
	char t[64];

	if (!valid)
		return NULL;
	fmt_time(usec, true, t, sizeof(t));
	return json_object_new_string(t);
}

static struct json_object *json_totals(const struct report *r, enum report_kind k)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "accesses", json_object_new_int64((int64_t)r->accesses[k]));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)r->records[k]));
	return o;
}

static int print_json(const struct report *r, FILE *f)
{
	struct json_object *o = json_object_new_object(), *recs;
	bool any = r->first <= r->last;
	char name[32];
	size_t i;
	int b;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "since", json_time(r->since, r->since != INT64_MIN));
	json_object_object_add(o, "until", json_time(r->until, r->until != INT64_MAX));
	json_object_object_add(o, "first", json_time(r->first, any));
	json_object_object_add(o, "last", json_time(r->last, any));
	json_object_object_add(o, "denied", json_totals(r, REPORT_DENY));
	json_object_object_add(o, "audited", json_totals(r, REPORT_AUDIT));
	json_object_object_add(o, "lost", json_totals(r, REPORT_LOST));
	for (b = 0; b < REPORT_BY_NR; b++) {
		const struct report_line **v = report_sorted(r, (enum report_by)b);
		struct json_object *a = json_object_new_array();

		for (i = 0; v && v[i]; i++) {
			struct json_object *l = json_object_new_object();

			json_object_object_add(l, by_names[b], json_object_new_string(v[i]->key));
			json_object_object_add(l, "denied", json_object_new_int64((int64_t)v[i]->denied));
			json_object_object_add(l, "audited",
					       json_object_new_int64((int64_t)v[i]->audited));
			json_object_object_add(l, "records",
					       json_object_new_int64((int64_t)v[i]->records));
			json_object_array_add(a, l);
		}
		free(v);
		snprintf(name, sizeof(name), "by_%s", by_names[b]);
		json_object_object_add(o, name, a);
	}
	recs = json_object_new_array();
	for (i = 0; i < r->n; i++) {
		const struct report_rec *c = &r->recs[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "time", json_time(c->usec, true));
		json_object_object_add(e, "time_usec", json_object_new_int64(c->usec));
		json_object_object_add(e, "action", json_object_new_string(kind_names[c->kind]));
		json_object_object_add(e, "count", json_object_new_int64((int64_t)c->count));
		if (c->kind != REPORT_LOST) {
			json_object_object_add(e, "operation", json_object_new_string(c->op));
			json_object_object_add(e, "label", json_object_new_string(c->label));
			if (c->path[0])
				json_object_object_add(e, "path", json_object_new_string(c->path));
			if (c->dest[0])
				json_object_object_add(e, "destination",
						       json_object_new_string(c->dest));
			json_object_object_add(e, "program", json_object_new_string(c->exe));
			json_object_object_add(e, "unit", json_object_new_string(c->unit));
			json_object_object_add(e, "comm", json_object_new_string(c->comm));
			json_object_object_add(e, "pid", c->pid >= 0 ? json_object_new_int64(c->pid) : NULL);
			json_object_object_add(e, "uid", c->uid >= 0 ? json_object_new_int64(c->uid) : NULL);
			json_object_object_add(e, "policy", json_object_new_string(c->policy));
		}
		json_object_object_add(e, "message", json_object_new_string(c->message));
		json_object_array_add(recs, e);
	}
	json_object_object_add(o, "records", recs);
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return ferror(f) ? -EIO : 0;
}

/* ---- text ---- */

/* Names come from processes and file names: no control characters reach the terminal. */
static void put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void print_table(const struct report *r, enum report_by by, FILE *f)
{
	const struct report_line **v = report_sorted(r, by);
	size_t i;

	fprintf(f, "\nby %s\n  %12s %12s %10s  %s\n", by_names[by], "denied", "audited", "records",
		by == REPORT_BY_POLICY ? "policy sha256" : by_names[by]);
	if (!v || !v[0])
		fprintf(f, "  (none)\n");
	for (i = 0; v && v[i]; i++) {
		fprintf(f, "  %12llu %12llu %10llu  ", (unsigned long long)v[i]->denied,
			(unsigned long long)v[i]->audited, (unsigned long long)v[i]->records);
		put_safe(f, v[i]->key);
		fputc('\n', f);
	}
	free(v);
}

static int print_text(const struct report *r, FILE *f)
{
	char a[64] = "the start of the journal", b[64] = "now";
	size_t i;

	if (r->since != INT64_MIN)
		fmt_time(r->since, false, a, sizeof(a));
	if (r->until != INT64_MAX)
		fmt_time(r->until, false, b, sizeof(b));
	fprintf(f, "archfence report: %s to %s\n\n", a, b);
	fprintf(f, "denied:   %llu accesses in %llu records\n",
		(unsigned long long)r->accesses[REPORT_DENY],
		(unsigned long long)r->records[REPORT_DENY]);
	fprintf(f, "audited:  %llu accesses in %llu records\n",
		(unsigned long long)r->accesses[REPORT_AUDIT],
		(unsigned long long)r->records[REPORT_AUDIT]);
	fprintf(f, "lost:     %llu accesses whose record was lost, in %llu reports\n",
		(unsigned long long)r->accesses[REPORT_LOST],
		(unsigned long long)r->records[REPORT_LOST]);
	if (r->first <= r->last) {
		fmt_time(r->first, false, a, sizeof(a));
		fmt_time(r->last, false, b, sizeof(b));
		fprintf(f, "first:    %s\nlast:     %s\n", a, b);
	} else {
		fprintf(f, "first:    -\nlast:     -\n");
	}
	for (i = 0; i < REPORT_BY_NR; i++)
		print_table(r, (enum report_by)i, f);
	fprintf(f, "\nrecords (%zu)\n", r->n);
	for (i = 0; i < r->n; i++) {
		const struct report_rec *c = &r->recs[i];

		fmt_time(c->usec, false, a, sizeof(a));
		fprintf(f, "  %s  %-5s %-5s %8llu  ", a, kind_names[c->kind],
			c->kind == REPORT_LOST ? "-" : c->op, (unsigned long long)c->count);
		put_safe(f, c->message);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int report_print(const struct report *r, enum report_format fmt, FILE *f)
{
	switch (fmt) {
	case REPORT_JSON:
		return print_json(r, f);
	case REPORT_CSV:
		return print_csv(r, f);
	default:
		return print_text(r, f);
	}
}
