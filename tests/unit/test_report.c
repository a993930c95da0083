// SPDX-License-Identifier: GPL-2.0
/*
 * The incident report's pure parts: --since/--until parsing, the sums over
 * an in-memory list of records, the three renderings, CSV escaping; and the
 * summary of what a policy change changed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "journal.h"
#include "report.h"
#include "unit.h"

#define S 1000000ll

static void tz(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

static int64_t parse(const char *s, int64_t now)
{
	int64_t v = -42;

	if (report_parse_time(s, now, &v))
		return -1;
	return v;
}

/* 2025-03-01 12:34:56 UTC */
#define NOW (1740832496ll * S)

TEST(time_absolute_forms_in_utc)
{
	tz("UTC");
	CHECK_INT(parse("2025-03-01 12:34:56", NOW), 1740832496ll * S);
	CHECK_INT(parse("2025-03-01T12:34:56", NOW), 1740832496ll * S);
	CHECK_INT(parse("2025-03-01 12:34", NOW), 1740832440ll * S);
	CHECK_INT(parse("2025-03-01", NOW), 1740787200ll * S);
	CHECK_INT(parse("1970-01-01", NOW), 0);
	CHECK_INT(parse("2024-02-29", NOW), 1709164800ll * S);
}

TEST(time_absolute_forms_are_local_time)
{
	tz("CST-8"); /* China Standard Time, UTC+8, no tzdata needed */
	CHECK_INT(parse("2025-03-01 20:34:56", NOW), 1740832496ll * S);
	CHECK_INT(parse("2025-03-02", NOW), (1740787200ll + 16 * 3600) * S);
	CHECK_INT(parse("today", NOW), (1740787200ll - 8 * 3600) * S);
	tz("UTC");
}

TEST(time_relative_and_named)
{
	tz("UTC");
	CHECK_INT(parse("now", NOW), NOW);
	CHECK_INT(parse("-1h", NOW), NOW - 3600 * S);
	CHECK_INT(parse("-7d", NOW), NOW - 7 * 86400 * S);
	CHECK_INT(parse("-30s", NOW), NOW - 30 * S);
	CHECK_INT(parse("-15min", NOW), NOW - 900 * S);
	CHECK_INT(parse("-15m", NOW), NOW - 900 * S);
	CHECK_INT(parse("-2w", NOW), NOW - 14 * 86400 * S);
	CHECK_INT(parse("-0h", NOW), NOW);
	CHECK_INT(parse("today", NOW), 1740787200ll * S);
	CHECK_INT(parse("yesterday", NOW), (1740787200ll - 86400) * S);
	CHECK_INT(parse("@1740832496", NOW), 1740832496ll * S);
}

TEST(time_journalctl_forms)
{
	tz("UTC");
	CHECK_INT(parse("10 minutes ago", NOW), NOW - 600 * S);
	CHECK_INT(parse("1 day ago", NOW), NOW - 86400 * S);
	CHECK_INT(parse("1h30min ago", NOW), NOW - 5400 * S);
	CHECK_INT(parse("-1 day", NOW), NOW - 86400 * S);
	CHECK_INT(parse("-1 h", NOW), NOW - 3600 * S);
	CHECK_INT(parse("-2 weeks 3 days", NOW), NOW - 17 * 86400 * S);
	CHECK_INT(parse("-1hours", NOW), NOW - 3600 * S);
	CHECK_INT(parse("-1", NOW), NOW - 1 * S);
	CHECK_INT(parse("+1h", NOW), NOW + 3600 * S);
	CHECK_INT(parse("2 days left", NOW), NOW + 2 * 86400 * S);
	CHECK_INT(parse("-1M", NOW), NOW - 2629800ll * S);
	CHECK_INT(parse("-1y", NOW), NOW - 31557600ll * S);
	CHECK_INT(parse("tomorrow", NOW), (1740787200ll + 86400) * S);
	CHECK_INT(parse("08:00", NOW), (1740787200ll + 8 * 3600) * S);
	CHECK_INT(parse("08:00:30", NOW), (1740787200ll + 8 * 3600 + 30) * S);
}

TEST(time_bad_values_are_refused)
{
	static const char *const bad[] = {
		"", "x", "2025", "2025-03", "2025-3-01", "2025-03-1", "25-03-01", "2025/03/01",
		"2025-13-01", "2025-00-10", "2025-02-30", "2025-04-31", "2023-02-29",
		"2025-03-01 24:00:00", "2025-03-01 12:60", "2025-03-01 12:00:60",
		"2025-03-01 12", "2025-03-01 12:00:00x", "2025-03-01  12:00", "2025-03-01x",
		" 2025-03-01", "1969-12-31", "-", "-h", "-1x", "--1h", "-1 hourz", "ago", " ago",
		"1h ago ", "10 minutes", "-99999999999999999999d", "-100000w", "@", "@12x", "@-1",
		"Now", "24:00", "12:60", "1:00", "12:00:00x",
	};
	size_t i;
	int64_t v;

	tz("UTC");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		if (report_parse_time(bad[i], NOW, &v) != -EINVAL) {
			printf("#   accepted '%s'\n", bad[i]);
			unit_failed = 1;
		}
		CHECK_INT(v, 7);
	}
	CHECK(report_parse_time(NULL, NOW, &v) == -EINVAL);
}

TEST(format_names)
{
	enum report_format f = REPORT_TEXT;

	CHECK(report_parse_format("json", &f) == 0 && f == REPORT_JSON);
	CHECK(report_parse_format("csv", &f) == 0 && f == REPORT_CSV);
	CHECK(report_parse_format("text", &f) == 0 && f == REPORT_TEXT);
	CHECK(report_parse_format("JSON", &f) == -EINVAL);
	CHECK(report_parse_format("", &f) == -EINVAL);
}

static void check_csv(const char *in, const char *want)
{
	char *got = report_csv_field(in);

	CHECK_STR(got, want);
	free(got);
}

TEST(csv_escaping)
{
	check_csv("plain", "plain");
	check_csv("", "");
	check_csv("/srv/archive/涉密/a b.txt", "/srv/archive/涉密/a b.txt");
	check_csv("a,b", "\"a,b\"");
	check_csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	check_csv("two\nlines", "\"two\nlines\"");
	check_csv("cr\rhere", "\"cr\rhere\"");
	check_csv(" lead", "\" lead\"");
	check_csv("trail ", "\"trail \"");
	/* what a spreadsheet would run as a formula stays text */
	check_csv("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
	check_csv("+1", "\"'+1\"");
	check_csv("-1", "\"'-1\"");
	check_csv("@SUM(A1)", "\"'@SUM(A1)\"");
	check_csv("a=b", "a=b");
}

static struct report_rec rec(int64_t usec, enum report_kind k, uint64_t count, const char *op,
			     const char *label, const char *path, const char *exe,
			     const char *unit)
{
	struct report_rec r = {
		.usec = usec, .kind = k, .count = count, .op = op, .label = label,
		.path = path, .exe = exe, .unit = unit, .comm = "cat", .policy = "abc",
		.message = "m", .pid = 100, .uid = 0,
	};

	return r;
}

/* The known sequence the tests below sum up. */
static void fill(struct report *r)
{
	struct report_rec x;

	report_init(r, 1000 * S, 2000 * S);
	x = rec(1100 * S, REPORT_DENY, 1, "read", "secret", "/srv/s/a", "/usr/bin/cat", "a.service");
	CHECK(report_add(r, &x) == 0);
	x = rec(1101 * S, REPORT_DENY, 41, "read", "secret", "/srv/s/a", "/usr/bin/cat", "a.service");
	CHECK(report_add(r, &x) == 0);
	x = rec(1102 * S, REPORT_DENY, 2, "write", "secret,master-repository", "/srv/m/b",
		"/usr/bin/cp", "");
	CHECK(report_add(r, &x) == 0);
	x = rec(1103 * S, REPORT_AUDIT, 5, "read", "sensitive", "/srv/p/c", "/usr/bin/cat",
		"b.service");
	CHECK(report_add(r, &x) == 0);
	x = rec(1104 * S, REPORT_DENY, 1, "send", "secret", "", "/usr/bin/curl", "a.service");
	x.dest = "198.51.100.7:443";
	CHECK(report_add(r, &x) == 0);
	x = rec(1050 * S, REPORT_LOST, 7, NULL, NULL, NULL, NULL, NULL);
	x.comm = x.policy = NULL;
	x.pid = x.uid = -1;
	CHECK(report_add(r, &x) == 0);
}

static const struct report_line *line(const struct report *r, enum report_by by, const char *key)
{
	size_t i;

	for (i = 0; i < r->by[by].n; i++)
		if (!strcmp(r->by[by].v[i].key, key))
			return &r->by[by].v[i];
	return NULL;
}

TEST(aggregation_sums_counts_not_records)
{
	const struct report_line *l;
	struct report r;

	fill(&r);
	CHECK_INT(r.n, 6);
	CHECK_INT(r.accesses[REPORT_DENY], 45);
	CHECK_INT(r.records[REPORT_DENY], 4);
	CHECK_INT(r.accesses[REPORT_AUDIT], 5);
	CHECK_INT(r.records[REPORT_AUDIT], 1);
	CHECK_INT(r.accesses[REPORT_LOST], 7);
	CHECK_INT(r.records[REPORT_LOST], 1);
	CHECK_INT(r.first, 1050 * S);
	CHECK_INT(r.last, 1104 * S);

	l = line(&r, REPORT_BY_LABEL, "secret");
	CHECK(l && l->denied == 45 && l->audited == 0 && l->records == 4);
	/* an object with two labels counts towards each */
	l = line(&r, REPORT_BY_LABEL, "master-repository");
	CHECK(l && l->denied == 2 && l->records == 1);
	l = line(&r, REPORT_BY_LABEL, "sensitive");
	CHECK(l && l->denied == 0 && l->audited == 5);
	CHECK(line(&r, REPORT_BY_LABEL, "secret,master-repository") == NULL);
	CHECK_INT(r.by[REPORT_BY_LABEL].n, 3);

	l = line(&r, REPORT_BY_OP, "read");
	CHECK(l && l->denied == 42 && l->audited == 5 && l->records == 3);
	l = line(&r, REPORT_BY_OP, "write");
	CHECK(l && l->denied == 2);
	l = line(&r, REPORT_BY_OP, "send");
	CHECK(l && l->denied == 1);

	l = line(&r, REPORT_BY_PROGRAM, "/usr/bin/cat");
	CHECK(l && l->denied == 42 && l->audited == 5);
	l = line(&r, REPORT_BY_UNIT, "a.service");
	CHECK(l && l->denied == 43);
	l = line(&r, REPORT_BY_UNIT, "(none)");
	CHECK(l && l->denied == 2);
	CHECK_INT(r.by[REPORT_BY_DEST].n, 1);
	l = line(&r, REPORT_BY_DEST, "198.51.100.7:443");
	CHECK(l && l->denied == 1);
	/* lost records are in no table */
	l = line(&r, REPORT_BY_POLICY, "abc");
	CHECK(l && l->denied == 45 && l->audited == 5 && l->records == 5);
	CHECK_INT(r.by[REPORT_BY_POLICY].n, 1);
	report_free(&r);
}

TEST(summary_lines_most_denied_first)
{
	const struct report_line **v;
	struct report r;

	fill(&r);
	v = report_sorted(&r, REPORT_BY_PROGRAM);
	CHECK(v != NULL);
	if (v) {
		CHECK_STR(v[0]->key, "/usr/bin/cat");
		CHECK_STR(v[1]->key, "/usr/bin/cp");
		CHECK_STR(v[2]->key, "/usr/bin/curl");
		CHECK(v[3] == NULL);
	}
	free(v);
	report_free(&r);
}

static char *render(const struct report *r, enum report_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	CHECK(m != NULL);
	if (!m)
		return NULL;
	CHECK(report_print(r, f, m) == 0);
	fclose(m);
	return buf;
}

TEST(text_rendering)
{
	struct report r;
	struct report_rec x;
	char *t;

	tz("UTC");
	fill(&r);
	x = rec(1105 * S, REPORT_DENY, 1, "read", "secret", "/srv/s/evil\nname", "/bin/x", "");
	x.message = "reading /srv/s/evil\nforged line";
	CHECK(report_add(&r, &x) == 0);
	t = render(&r, REPORT_TEXT);
	CHECK(t && strstr(t, "archfence report: 1970-01-01 00:16:40 +0000 to 1970-01-01 00:33:20 +0000\n"));
	CHECK(t && strstr(t, "denied:   46 accesses in 5 records\n"));
	CHECK(t && strstr(t, "audited:  5 accesses in 1 records\n"));
	CHECK(t && strstr(t, "lost:     7 accesses whose record was lost, in 1 reports\n"));
	CHECK(t && strstr(t, "first:    1970-01-01 00:17:30 +0000\n"));
	CHECK(t && strstr(t, "last:     1970-01-01 00:18:25 +0000\n"));
	CHECK(t && strstr(t, "\nby label\n"));
	CHECK(t && strstr(t, "            46            0          5  secret\n"));
	CHECK(t && strstr(t, "             2            0          1  master-repository\n"));
	CHECK(t && strstr(t, "\nby destination\n"));
	CHECK(t && strstr(t, "  198.51.100.7:443\n"));
	CHECK(t && strstr(t, "records (7)\n"));
	/* a newline in a file name cannot forge a line of the report */
	CHECK(t && strstr(t, "reading /srv/s/evil\\nforged line\n"));
	CHECK(t && !strstr(t, "\nforged line"));
	free(t);
	report_free(&r);
}

TEST(json_rendering)
{
	struct json_object *o, *v, *a;
	struct report r;
	char *t;

	tz("UTC");
	fill(&r);
	t = render(&r, REPORT_JSON);
	o = t ? json_tokener_parse(t) : NULL;
	CHECK(o != NULL);
	if (o) {
		CHECK(json_object_object_get_ex(o, "denied", &v));
		CHECK(json_object_object_get_ex(v, "accesses", &v));
		CHECK_INT(json_object_get_int64(v), 45);
		CHECK(json_object_object_get_ex(o, "lost", &v));
		CHECK(json_object_object_get_ex(v, "accesses", &v));
		CHECK_INT(json_object_get_int64(v), 7);
		CHECK(json_object_object_get_ex(o, "first", &v));
		CHECK_STR(json_object_get_string(v), "1970-01-01T00:17:30+0000");
		CHECK(json_object_object_get_ex(o, "by_label", &a));
		CHECK_INT(json_object_array_length(a), 3);
		v = json_object_array_get_idx(a, 0);
		CHECK(json_object_object_get_ex(v, "label", &v));
		CHECK_STR(json_object_get_string(v), "secret");
		CHECK(json_object_object_get_ex(o, "by_destination", &a));
		CHECK_INT(json_object_array_length(a), 1);
		CHECK(json_object_object_get_ex(o, "records", &a));
		CHECK_INT(json_object_array_length(a), 6);
		v = json_object_array_get_idx(a, 1);
		CHECK(json_object_object_get_ex(v, "count", &v));
		CHECK_INT(json_object_get_int64(v), 41);
		v = json_object_array_get_idx(a, 5);
		CHECK(json_object_object_get_ex(v, "action", &v));
		CHECK_STR(json_object_get_string(v), "lost");
		json_object_put(o);
	}
	free(t);
	report_free(&r);
}

TEST(csv_rendering)
{
	struct report r;
	struct report_rec x;
	char *t;

	tz("UTC");
	report_init(&r, INT64_MIN, INT64_MAX);
	x = rec(1100 * S, REPORT_DENY, 3, "read", "secret", "/srv/a,b", "/usr/bin/cat", "a.service");
	x.message = "said \"no\"";
	CHECK(report_add(&r, &x) == 0);
	t = render(&r, REPORT_CSV);
	CHECK_STR(t, "time,action,operation,count,label,path,destination,program,unit,comm,pid,uid,"
		     "policy,message\r\n"
		     "1970-01-01T00:18:20+0000,deny,read,3,secret,\"/srv/a,b\",,/usr/bin/cat,"
		     "a.service,cat,100,0,abc,\"said \"\"no\"\"\"\r\n");
	free(t);
	report_free(&r);
}

TEST(empty_report)
{
	struct report r;
	char *t;

	report_init(&r, INT64_MIN, INT64_MAX);
	t = render(&r, REPORT_TEXT);
	CHECK(t && strstr(t, "to now\n"));
	CHECK(t && strstr(t, "first:    -\n"));
	free(t);
	t = render(&r, REPORT_CSV);
	CHECK(t && !strchr(strchr(t, '\n') + 1, '\n'));
	free(t);
	report_free(&r);
}

TEST(bad_kind_is_refused)
{
	struct report r;
	struct report_rec x = rec(1, (enum report_kind)9, 1, "read", "s", "", "", "");

	report_init(&r, INT64_MIN, INT64_MAX);
	CHECK(report_add(&r, &x) == -EINVAL);
	CHECK_INT(r.n, 0);
	report_free(&r);
}

static void meta(struct af_policy *p, struct af_meta *m, __u32 gen, __u32 mode, __u32 nroots,
		 const char *const *labels, __u32 nlabels)
{
	__u32 i;

	memset(p, 0, sizeof(*p));
	memset(m, 0, sizeof(*m));
	p->gen = m->gen = gen;
	p->mode = mode;
	p->nlabels = nlabels;
	m->nroots = nroots;
	m->ncloud = 2;
	for (i = 0; i < nlabels; i++)
		strcpy(m->labels[i], labels[i]);
	m->sha256[0] = (__u8)gen;
}

TEST(policy_change_summary)
{
	static const char *const three[] = { "secret", "master-repository", "sensitive" };
	static const char *const other[] = { "secret", "sensitive", "personnel" };
	struct af_policy p0, p1;
	struct af_meta m0, m1;
	char buf[1024];

	meta(&p1, &m1, 1, AF_MODE_ENFORCE, 3, three, 3);
	journal_policy_changes(NULL, NULL, &p1, &m1, buf, sizeof(buf));
	CHECK_STR(buf, "generation 1 (nothing was in force); mode enforce; 3 labelled paths; "
		       "3 labels; 0 trusted programs; 2 cloud ranges");

	meta(&p0, &m0, 1, AF_MODE_AUDIT, 3, three, 3);
	meta(&p1, &m1, 2, AF_MODE_ENFORCE, 4, other, 3);
	m1.ntrusted = 1;
	m1.flags = AF_META_SENDALL;
	journal_policy_changes(&p0, &m0, &p1, &m1, buf, sizeof(buf));
	CHECK_STR(buf, "generation 2 (was 1); mode enforce (was audit); 4 labelled paths (was 3, +1); "
		       "3 labels; label personnel added; label master-repository removed; "
		       "1 trusted programs (was 0, +1); 2 cloud ranges; send rules now cover every "
		       "destination");

	meta(&p1, &m1, 3, AF_MODE_AUDIT, 3, three, 3);
	m1.sha256[0] = m0.sha256[0];
	journal_policy_changes(&p0, &m0, &p1, &m1, buf, sizeof(buf));
	CHECK(strstr(buf, "; same policy text as before") != NULL);

	/* a short buffer is cut, never overrun */
	journal_policy_changes(&p0, &m0, &p1, &m1, buf, 10);
	CHECK_STR(buf, "generatio");
}

TEST(sha_hex)
{
	__u8 sha[32];
	char hex[65];
	int i;

	for (i = 0; i < 32; i++)
		sha[i] = (__u8)(i * 8 + 1);
	journal_sha_hex(sha, hex);
	CHECK_INT(strlen(hex), 64);
	CHECK(!strncmp(hex, "0109111921", 10));
	CHECK(!strcmp(hex + 60, "f1f9"));
}

UNIT_MAIN
