// SPDX-License-Identifier: GPL-2.0
/*
 * archfence: keeps files labelled secret or master-repository off the
 * government cloud, in the kernel. This is the controller's command line;
 * each command lives in the file of its concern (cmd_*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

#ifndef AF_VERSION
#define AF_VERSION "0.1"
#endif

static const struct command cmd_help;

static const struct command *const commands[] = {
	&cmd_check, &cmd_apply, &cmd_edit, &cmd_explain, &cmd_status, &cmd_list, &cmd_events, &cmd_unload,
	&cmd_upgrade, &cmd_lock,
	&cmd_doctor,
	&cmd_daemon, &cmd_report, &cmd_help,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: archfence [-v] COMMAND [ARGS]\n\n"
		   "Keeps archive data labelled secret or master-repository off the government\n"
		   "cloud, in the kernel.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i]->usage);
	fprintf(f, "\nOptions:\n  -v, --verbose   show libbpf's own messages\n"
		   "  -V, --version   print the version\n\n"
		   "Exit status: 0 success, 1 failure, 2 bad command line, 3 the kernel cannot\n"
		   "enforce, 4 refused because archfence is locked until reboot.\n"
		   "'archfence COMMAND --help' shows each command's options and examples.\n");
}

static int run_help(int argc, char **argv)
{
	const struct command *c;
	int opt;

	while ((opt = cli_getopt(&cmd_help, argc, argv, NULL, NULL)) != -1)
		return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (cli_operands(&cmd_help, argc, argv, 0, 1))
		return EXIT_USAGE;
	if (optind == argc) {
		main_usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[optind]);
	if (!c)
		return cli_unknown_command(argv[optind], commands, NCOMMANDS);
	cli_print_help(c);
	return EXIT_OK;
}

static const struct command cmd_help = {
	.name = "help",
	.usage = "help [COMMAND]",
	.help = "Show help for archfence or for one command.\n\n"
		"Examples:\n"
		"  archfence help\n"
		"  archfence help report\n",
	.run = run_help,
};

int main(int argc, char **argv)
{
	const struct command *c;
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			log_verbose = true;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("archfence %s\n", AF_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			main_usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "archfence: unknown option '%s'\n", argv[i]);
			main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	c = find_command(argv[i]);
	if (!c) {
		return cli_unknown_command(argv[i], commands, NCOMMANDS);
	}
	optind = 0; /* a full getopt restart for the command's own options */
	return c->run(argc - i, argv + i);
}
