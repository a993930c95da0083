/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line: one struct command per subcommand, each in the file of
 * its concern (cmd_*.c), listed in main.c.
 */
#ifndef AF_CLI_H
#define AF_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* Exit codes, documented in archfence(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the command failed; the message says why */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOLSM = 3,		/* this kernel cannot enforce */
	EXIT_LOCKED = 4,	/* refused: archfence is locked until reboot */
};

struct command {
	const char *name;
	const char *usage;	/* after "archfence " */
	const char *help;	/* what it does, its options, examples */
	int (*run)(int argc, char **argv);
};

/* Returned by cli_getopt besides option characters. */
#define CLI_HELP	-2	/* --help was given and printed: exit EXIT_OK */
#define CLI_BAD		-3	/* a usage error was printed: exit EXIT_USAGE */

/*
 * getopt_long for a command, with -h/--help added and errors reported the
 * same way for every command. Returns -1 after the last option; argv[optind]
 * is then the first operand.
 */
int cli_getopt(const struct command *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

void cli_print_help(const struct command *c);

/* Print "archfence: MSG" and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const struct command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The operands left after the options: at most max of them (and at least
 * min). Returns 0, or EXIT_USAGE after saying what is wrong.
 */
int cli_operands(const struct command *c, int argc, char **argv, int min, int max);

/*
 * "archfence: no command 'chek'", with the nearest commands ("did you
 * mean check?") or the list of them. Returns EXIT_USAGE.
 */
int cli_unknown_command(const char *name, const struct command *const *cmds, size_t n);

/*
 * Commands that read the kernel's state or the system journal: when the
 * caller is not root, say so (and return EXIT_FAIL) rather than let an
 * unreadable /sys/fs/bpf look like "not loaded". what: "the policy in force".
 */
int cli_need_root(const struct command *c, const char *what);

/* The SIGINT/SIGTERM flag of long-running commands; handlers only set it. */
extern volatile int cli_stop;
void cli_catch_signals(void);

extern const struct command cmd_check, cmd_apply, cmd_status, cmd_events, cmd_unload, cmd_upgrade,
	cmd_lock, cmd_doctor, cmd_explain, cmd_edit;
extern const struct command cmd_daemon, cmd_report, cmd_list;

#endif
