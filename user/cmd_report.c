// SPDX-License-Identifier: GPL-2.0
/*
 * archfence report: the audit, deny and lost-event records of a period, read
 * back from the journal and summarised for an incident report (report.c).
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "cli.h"
#include "journal.h"
#include "log.h"
#include "report.h"

/* A field of the current entry, as a string to free(), or NULL when absent. */
static char *field(sd_journal *j, const char *name)
{
	size_t n = strlen(name), len;
	const void *data;

	if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= n ||
	    ((const char *)data)[n] != '=')
		return NULL;
	return strndup((const char *)data + n + 1, len - n - 1);
}

static int64_t number(sd_journal *j, const char *name)
{
	char *s = field(j, name), *end;
	long long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		v = -1;
	free(s);
	return v;
}

static int read_entry(sd_journal *j, struct report *r, int64_t usec)
{
	struct report_rec rec = { .usec = usec };
	char *mid = field(j, "MESSAGE_ID");
	int64_t count;
	int err;

	if (!mid)
		return 0;
	if (!strcmp(mid, AF_MID_DENY) || !strcmp(mid, AF_MID_TAMPER))
		rec.kind = REPORT_DENY;
	else if (!strcmp(mid, AF_MID_AUDIT))
		rec.kind = REPORT_AUDIT;
	else if (!strcmp(mid, AF_MID_LOST))
		rec.kind = REPORT_LOST;
	else {
		free(mid);
		return 0;
	}
	free(mid);
	count = number(j, "ARCHFENCE_COUNT");
	rec.count = count < 0 ? 1 : (uint64_t)count;
	rec.op = field(j, "ARCHFENCE_OP");
	rec.label = field(j, "ARCHFENCE_LABEL");
	rec.path = field(j, "ARCHFENCE_PATH");
	rec.dest = field(j, "ARCHFENCE_DEST");
	rec.exe = field(j, "ARCHFENCE_EXE");
	rec.unit = field(j, "ARCHFENCE_UNIT");
	rec.comm = field(j, "ARCHFENCE_COMM");
	rec.policy = field(j, "ARCHFENCE_POLICY");
	rec.message = field(j, "MESSAGE");
	rec.pid = number(j, "ARCHFENCE_PID");
	rec.uid = number(j, "ARCHFENCE_UID");
	err = report_add(r, &rec);
	free((char *)rec.op);
	free((char *)rec.label);
	free((char *)rec.path);
	free((char *)rec.dest);
	free((char *)rec.exe);
	free((char *)rec.unit);
	free((char *)rec.comm);
	free((char *)rec.policy);
	free((char *)rec.message);
	return err;
}

/*
 * Only records journald received from root: anyone may send a record with
 * our MESSAGE_ID, but _UID is set by journald itself.
 */
static int add_matches(sd_journal *j)
{
	static const char *const m[] = { "MESSAGE_ID=" AF_MID_DENY, "MESSAGE_ID=" AF_MID_TAMPER,
					 "MESSAGE_ID=" AF_MID_AUDIT, "MESSAGE_ID=" AF_MID_LOST,
					 "_UID=0" };
	size_t i;
	int err;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		err = sd_journal_add_match(j, m[i], 0);
		if (err < 0)
			return err;
	}
	return 0;
}

static int read_journal(const char *dir, struct report *r)
{
	sd_journal *j = NULL;
	uint64_t usec;
	int err;

	if (dir)
		err = sd_journal_open_directory(&j, dir, 0);
	else
		err = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (err < 0) {
		log_warn(err, "report: cannot open the journal%s%s", dir ? " in " : "",
			 dir ? dir : "");
		return err;
	}
	err = add_matches(j);
	if (!err)
		err = r->since == INT64_MIN ? sd_journal_seek_head(j) :
					      sd_journal_seek_realtime_usec(j, (uint64_t)r->since);
	while (!err && (err = sd_journal_next(j)) > 0) {
		err = sd_journal_get_realtime_usec(j, &usec);
		if (err < 0)
			break;
		/*
		 * Entries of several journal files interleave, so their times
		 * are not strictly ordered: filter rather than stop.
		 */
		if ((int64_t)usec < r->since || (int64_t)usec >= r->until)
			continue;
		err = read_entry(j, r, (int64_t)usec);
	}
	if (err < 0)
		log_warn(err, "report: reading the journal");
	sd_journal_close(j);
	return err < 0 ? err : 0;
}

/*
 * journald shows an ordinary user only their own records, and archfence's
 * come from root: without root, or a group journald lets read the system
 * journal, a report would say "0 records" while the kernel refuses accesses.
 */
static bool can_read_system_journal(void)
{
	static const char *const groups[] = { "systemd-journal", "adm", "wheel" };
	gid_t gids[256];
	int n, i;
	size_t g;

	if (geteuid() == 0)
		return true;
	n = getgroups(sizeof(gids) / sizeof(gids[0]), gids);
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		struct group *gr = getgrnam(groups[g]);

		if (!gr)
			continue;
		if (gr->gr_gid == getegid())
			return true;
		for (i = 0; i < n; i++)
			if (gids[i] == gr->gr_gid)
				return true;
	}
	return false;
}

static int parse_time_opt(const char *opt, const char *s, int64_t now, int64_t *usec)
{
	if (report_parse_time(s, now, usec) == 0)
		return 0;
	return cli_usage_error(&cmd_report,
			       "%s: cannot read '%s' as a time: give 'YYYY-MM-DD HH:MM:SS', "
			       "'YYYY-MM-DD', 'HH:MM', 'now', 'today', 'yesterday', or a time "
			       "before now such as -30min, '-1 day' or '10 minutes ago' (see "
			       "systemd.time(7))",
			       opt, s);
}

static int run_report(int argc, char **argv)
{
	static const struct option opts[] = { { "since", required_argument, NULL, 'S' },
					      { "until", required_argument, NULL, 'U' },
					      { "format", required_argument, NULL, 'f' },
					      { "directory", required_argument, NULL, 'D' },
					      { "bom", no_argument, NULL, 'B' },
					      { 0 } };
	const char *since = NULL, *until = NULL, *dir = NULL;
	enum report_format fmt = REPORT_TEXT;
	int64_t from = INT64_MIN, to = INT64_MAX, now;
	struct report r;
	struct timespec ts;
	int rc = EXIT_OK, opt;
	bool bom = false;

	while ((opt = cli_getopt(&cmd_report, argc, argv, "S:U:f:D:", opts)) != -1) {
		switch (opt) {
		case 'S':
			since = optarg;
			break;
		case 'U':
			until = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'B':
			bom = true;
			break;
		case 'f':
			if (report_parse_format(optarg, &fmt))
				return cli_usage_error(&cmd_report,
						       "--format must be text, json or csv, not '%s'",
						       optarg);
			break;
		default:
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (cli_operands(&cmd_report, argc, argv, 0, 0))
		return EXIT_USAGE;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (since && parse_time_opt("--since", since, now, &from))
		return EXIT_USAGE;
	if (until && parse_time_opt("--until", until, now, &to))
		return EXIT_USAGE;
	if (from != INT64_MIN && to != INT64_MAX && from >= to)
		return cli_usage_error(&cmd_report, "--since '%s' is not before --until '%s'", since,
				       until);
	if (bom && fmt != REPORT_CSV)
		return cli_usage_error(&cmd_report, "--bom is for --format csv");
	if (!dir && !can_read_system_journal()) {
		fprintf(stderr, "archfence: report: this needs root, or membership of the "
				"systemd-journal or adm group: journald shows an ordinary user only "
				"their own records, and archfence's are root's\n");
		return EXIT_FAIL;
	}
	report_init(&r, from, to);
	/* WPS and Excel read a CSV file as UTF-8 only after this mark. */
	if (bom)
		fputs("\xef\xbb\xbf", stdout);
	if (read_journal(dir, &r) || report_print(&r, fmt, stdout))
		rc = EXIT_FAIL;
	report_free(&r);
	return rc;
}

const struct command cmd_report = {
	.name = "report",
	.usage = "report [--since TIME] [--until TIME] [--format text|json|csv [--bom]] [--directory DIR]",
	.help = "Summarise the deny, audit and lost-event records that archfence.service put in\n"
		"the journal, for an incident report: accesses per label, operation, program,\n"
		"unit, destination and policy, the first and last record, and every record.\n"
		"Refused attempts on archfence itself count as denials of the label archfence.\n"
		"Each record counts the accesses it stands for (repeats are coalesced). Only\n"
		"records journald received from root are read.\n\n"
		"  -S, --since TIME    from TIME (included); default: the start of the journal\n"
		"  -U, --until TIME    to TIME (not included); default: now\n"
		"  -f, --format FMT    text (default), json, or csv (one row per record)\n"
		"  -D, --directory DIR read the journal files in DIR (a copied journal)\n"
		"      --bom           start the CSV with a UTF-8 byte-order mark, so that WPS and\n"
		"                      Excel on Chinese Windows read it as UTF-8\n\n"
		"TIME is local, in journalctl's forms (systemd.time(7)): 'YYYY-MM-DD HH:MM:SS',\n"
		"'YYYY-MM-DD HH:MM', 'YYYY-MM-DD' (its midnight), 'HH:MM[:SS]' (today), 'now',\n"
		"'today', 'yesterday', 'tomorrow', '@SECONDS' since the epoch, or a time before\n"
		"or after now: -30s, -15min, -1h, '-1 day', -2w, '10 minutes ago', '1h30min ago',\n"
		"+1h, '2 days left' (units s, min, h, d, w, M (months), y, spelled out or not).\n\n"
		"Needs root, or membership of the systemd-journal or adm group.\n\n"
		"Examples:\n"
		"  archfence report --since yesterday --until today\n"
		"  archfence report --since '10 minutes ago'\n"
		"  archfence report --since '2025-03-01 08:00:00' --until '2025-03-01 18:00:00'\n"
		"  archfence report --since '-1 day' --format csv --bom >incident.csv\n",
	.run = run_report,
};
