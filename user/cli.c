// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

volatile int cli_stop;

static void on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

void cli_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cli_usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fputs("archfence: ", stderr);
	if (c)
		fprintf(stderr, "%s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'archfence %s%s--help'.\n", c ? c->name : "", c ? " " : "");
	return EXIT_USAGE;
}

void cli_print_help(const struct command *c)
{
	printf("Usage: archfence %s\n\n%s", c->usage, c->help);
}

int cli_getopt(const struct command *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	struct option all[32];
	char shorts[64];
	int n = 0, opt;

	snprintf(shorts, sizeof(shorts), "+:h%s", shortopts ? shortopts : "");
	for (; longopts && longopts[n].name && n < 30; n++)
		all[n] = longopts[n];
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n] = (struct option){ 0 };
	opterr = 0;
	opt = getopt_long(argc, argv, shorts, all, NULL);
	switch (opt) {
	case 'h':
		cli_print_help(c);
		return CLI_HELP;
	case '?':
		cli_usage_error(c, "unknown option '%s'", argv[optind - 1]);
		return CLI_BAD;
	case ':':
		cli_usage_error(c, "option '%s' needs a value", argv[optind - 1]);
		return CLI_BAD;
	default:
		return opt;
	}
}

int cli_operands(const struct command *c, int argc, char **argv, int min, int max)
{
	int n = argc - optind;

	if (n > max)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind + max]);
	if (n < min)
		return cli_usage_error(c, "missing argument");
	return 0;
}


/* Optimal string alignment distance (edits, transpositions count as one). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[24][24];

	if (la >= 24 || lb >= 24)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

int cli_unknown_command(const char *name, const struct command *const *cmds, size_t n)
{
	size_t i, best = SIZE_MAX, found = 0;

	/* Like git: up to two edits away, or the name a prefix of commands. */
	for (i = 0; i < n; i++) {
		size_t d = distance(name, cmds[i]->name);

		if (d < best)
			best = d;
	}
	fprintf(stderr, "archfence: no command '%s'\n", name);
	for (i = 0; i < n; i++) {
		bool prefix = name[0] && !strncmp(cmds[i]->name, name, strlen(name));

		if ((best <= 2 && distance(name, cmds[i]->name) == best) || prefix) {
			fprintf(stderr, "%s %s", found ? "," : "\nDid you mean", cmds[i]->name);
			found++;
		}
	}
	if (found) {
		fprintf(stderr, "?\n");
	} else {
		fprintf(stderr, "\nCommands:");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", cmds[i]->name);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "Try 'archfence --help'.\n");
	return EXIT_USAGE;
}

int cli_need_root(const struct command *c, const char *what)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "archfence: %s: this needs root: only root can read %s\n", c->name, what);
	return EXIT_FAIL;
}
