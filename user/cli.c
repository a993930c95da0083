// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

