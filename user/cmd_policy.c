// SPDX-License-Identifier: GPL-2.0
/* archfence check and apply: the policy, from a file to the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "generation.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"

/* The files the policy must never label: ours. */
static const char *const *protected_paths(void)
{
	static char exe[PATH_MAX];
	static const char *paths[4];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int i = 0;

	if (n > 0) {
		exe[n] = 0;
		paths[i++] = exe;
	}
	paths[i++] = AF_PIN_DIR;
	paths[i] = NULL;
	return paths;
}

int cmd_load_policy(const char *file, struct policy **p)
{
	struct policy_opts opts = { .protected_paths = protected_paths() };
	struct policy_errors errs = { 0 };
	int err;

	err = policy_load(file, &opts, p, &errs);
	if (err) {
		size_t n = policy_errors_print(&errs, stderr);

		fprintf(stderr, "archfence: %s: %zu error%s, nothing applied\n", file, n,
			n == 1 ? "" : "s");
	}
	policy_errors_clear(&errs);
	return err;
}

static void print_summary(const struct policy *p, FILE *f)
{
	fprintf(f, "mode %s, %u labels, %zu labelled paths, %zu trusted programs, %zu cloud ranges, "
		   "sha256 %s\n", af_mode_name(p->mode), p->nlabels, p->npaths, p->ntrusted,
		p->ncloud, p->sha256_hex);
}

int cmd_take_lock(void)
{
	int fd = open(AF_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX)) {
		log_warn(errno, "cannot lock %s", AF_LOCK_FILE);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int run_check(int argc, char **argv)
{
	const char *file = POLICY_DEFAULT_FILE;
	struct policy *p = NULL;
	int opt;

	while ((opt = cli_getopt(&cmd_check, argc, argv, NULL, NULL)) != -1)
		return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (cli_operands(&cmd_check, argc, argv, 0, 1))
		return EXIT_USAGE;
	if (optind < argc)
		file = argv[optind];
	if (cmd_load_policy(file, &p))
		return EXIT_FAIL;
	printf("policy OK: ");
	print_summary(p, stdout);
	policy_free(p);
	return EXIT_OK;
}

const struct command cmd_check = {
	.name = "check",
	.usage = "check [FILE]",
	.help = "Parse and validate the policy (default " POLICY_DEFAULT_FILE ") and its includes,\n"
		"reporting every problem as FILE:LINE: MESSAGE. Changes nothing.\n\n"
		"Examples:\n"
		"  archfence check\n"
		"  archfence check /tmp/new-policy.yaml\n",
	.run = run_check,
};

static int run_apply(int argc, char **argv)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' }, { 0 } };
	const char *file = POLICY_DEFAULT_FILE;
	struct af_generation g = { 0 };
	struct af_kernel *k = NULL;
	struct policy *p = NULL;
	int rc = EXIT_OK, err, lock = -1, opt;
	bool dry_run = false;
	char why[512];

	while ((opt = cli_getopt(&cmd_apply, argc, argv, "n", opts)) != -1) {
		if (opt != 'n')
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		dry_run = true;
	}
	if (cli_operands(&cmd_apply, argc, argv, 0, 1))
		return EXIT_USAGE;
	if (optind < argc)
		file = argv[optind];
	if (cmd_load_policy(file, &p))
		return EXIT_FAIL;
	if (generation_build(p, &g)) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (dry_run) {
		printf("would apply: ");
		print_summary(p, stdout);
		printf("%zu labelled inodes (%u hard links or mount roots under labelled directories)\n",
		       g.nentries, g.meta.nlinked);
		goto out;
	}
	if (kernel_probe(why, sizeof(why))) {
		log_warnx("apply: this kernel cannot enforce: %s", why);
		rc = EXIT_NOLSM;
		goto out;
	}
	lock = cmd_take_lock();
	if (lock < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	err = kernel_open_pinned(&k);
	if (err == -ENOENT)
		err = kernel_install(&k, &g);
	else if (!err)
		err = kernel_apply(k, &g);
	if (err) {
		log_warnx("apply: %s not applied; the policy in force is unchanged", file);
		rc = EXIT_FAIL;
		goto out;
	}
	printf("policy applied: generation %u, ", g.policy.gen);
	print_summary(p, stdout);
out:
	if (lock >= 0)
		close(lock);
	kernel_close(k);
	generation_free(&g);
	policy_free(p);
	return rc;
}

const struct command cmd_apply = {
	.name = "apply",
	.usage = "apply [--dry-run] [FILE]",
	.help = "Validate the policy, resolve its paths and programs, and switch the kernel to it in\n"
		"one step. A policy with any error changes nothing: the one in force stays.\n"
		"The first apply loads and attaches the kernel programs.\n\n"
		"  -n, --dry-run   show what would be applied, apply nothing\n\n"
		"Examples:\n"
		"  archfence apply\n"
		"  archfence apply --dry-run /etc/archfence/policy.yaml\n",
	.run = run_apply,
};
