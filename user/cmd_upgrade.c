// SPDX-License-Identifier: GPL-2.0
/*
 * archfence upgrade: replace the controller in force, and the BPF build it
 * loaded, with another build, without a moment of lesser enforcement.
 *
 * The installed executable carries archfence's own label, so only the
 * controller in force can replace it, and the kernel recognises the
 * controller by its executable: the new one must be recognised before it
 * runs. So the controller in force (1) stages the new executable beside
 * itself, (2) re-applies the policy in force with the staged file recognised
 * as a controller too, (3) renames it into place, keeping the old one aside,
 * and (4) runs it: the new build loads and attaches its programs beside the
 * old ones, carries the kernel state over, takes the pins' name and removes
 * the old build (kernel_takeover). If that fails, the old executable goes
 * back and the old build stays in force.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "cmd.h"
#include "generation.h"
#include "kernel.h"
#include "log.h"
#include "util.h"

/* Run argv; its exit status, or -1. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Whether bin is an archfence controller with an upgrade command. */
static bool is_archfence(const char *bin)
{
	char cmd[PATH_MAX + 64], line[256];
	bool ok = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' upgrade --help 2>/dev/null", bin);
	if (strchr(bin, '\''))
		return false;
	f = popen(cmd, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		ok |= !strncmp(line, "Usage: archfence upgrade", 24);
	return pclose(f) == 0 && ok;
}

/* In the new build: take over from the build in force. */
static int takeover(void)
{
	struct af_policy pol;
	struct af_meta meta;
	struct af_state st;
	int err;

	err = kernel_peek_other_build(&st, &pol, &meta);
	if (err || !st.gen || !meta.file[0]) {
		log_warnx("upgrade: cannot read which policy the build in force applied; nothing changed");
		return EXIT_FAIL;
	}
	meta.file[sizeof(meta.file) - 1] = 0;
	return cmd_apply_file(meta.file, APPLY_TAKEOVER);
}

static int run_upgrade(int argc, char **argv)
{
	static const struct option opts[] = { { "takeover", no_argument, NULL, 'T' }, { 0 } };
	char newbin[PATH_MAX], self[PATH_MAX], staged[PATH_MAX + 32], aside[PATH_MAX + 32];
	char *take[] = { self, "upgrade", "--takeover", NULL };
	char *restart[] = { "/usr/bin/systemctl", "try-restart", "archfence.service", NULL };
	struct af_kernel *k = NULL;
	struct af_meta meta;
	struct af_state st;
	struct stat sb;
	int opt, rc, err;
	ssize_t n;

	while ((opt = cli_getopt(&cmd_upgrade, argc, argv, "", opts)) != -1) {
		if (opt != 'T')
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		return takeover();
	}
	if (cli_operands(&cmd_upgrade, argc, argv, 1, 1))
		return EXIT_USAGE;
	if (!realpath(argv[optind], newbin) || stat(newbin, &sb) || !S_ISREG(sb.st_mode) ||
	    access(newbin, X_OK)) {
		log_warnx("upgrade: %s is not an executable file", argv[optind]);
		return EXIT_FAIL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		log_warn(errno, "upgrade: cannot tell where this executable is");
		return EXIT_FAIL;
	}
	self[n] = 0;
	if (!strcmp(self, newbin)) {
		log_warnx("upgrade: %s is this executable: give the new build's", newbin);
		return EXIT_USAGE;
	}
	err = kernel_open_pinned(&k);
	if (err == -ENOENT) {
		log_warnx("upgrade: archfence is not loaded: install the new build and apply the policy");
		return EXIT_FAIL;
	}
	if (err)
		return EXIT_FAIL; /* said why: only the controller in force upgrades */
	err = kernel_state(k, &st, NULL, &meta);
	kernel_close(k);
	if (err || !st.gen) {
		log_warnx("upgrade: no policy is in force");
		return EXIT_FAIL;
	}
	if (st.flags & AF_STATE_LOCKED) {
		log_warnx("upgrade: archfence is locked until the next reboot; nothing was changed");
		return EXIT_LOCKED;
	}
	if (!is_archfence(newbin)) {
		log_warnx("upgrade: %s does not run as archfence; nothing was changed", newbin);
		return EXIT_FAIL;
	}
	meta.file[sizeof(meta.file) - 1] = 0;

	/* 1-2: staged beside us, and recognised as a controller before it runs. */
	snprintf(staged, sizeof(staged), "%s.archfence-new", self);
	snprintf(aside, sizeof(aside), "%s.archfence-old", self);
	unlink(staged);
	err = af_copy_file(newbin, staged, 0755);
	if (err) {
		log_warn(err, "upgrade: cannot copy %s to %s; nothing was changed", newbin, staged);
		unlink(staged);
		return EXIT_FAIL;
	}
	generation_next_controller = staged;
	rc = cmd_apply_file(meta.file, 0);
	generation_next_controller = NULL;
	if (rc != EXIT_OK) {
		unlink(staged);
		return rc;
	}
	/* 3: in place, the old one aside. */
	unlink(aside);
	if (link(self, aside) || rename(staged, self)) {
		log_warn(errno, "upgrade: cannot put %s in place; the build in force stays", staged);
		unlink(aside);
		unlink(staged);
		cmd_apply_file(meta.file, 0);
		return EXIT_FAIL;
	}
	/* 4: the new build takes over. */
	rc = run(take);
	if (rc != EXIT_OK) {
		log_warnx("upgrade: the new build could not take over (status %d); the old "
			  "executable is back and its build stays in force", rc);
		if (rename(aside, self))
			log_warn(errno, "upgrade: cannot put %s back from %s", self, aside);
		cmd_apply_file(meta.file, 0);
		return EXIT_FAIL;
	}
	unlink(aside);
	printf("upgraded: %s is now %s's build, enforcing without a gap\n", self, newbin);
	/* The daemon still reads the old build's records: it starts again, as the new one. */
	if (access("/run/systemd/system", F_OK) == 0 && access(restart[0], X_OK) == 0 &&
	    run(restart) == 0)
		printf("archfence.service restarted (if it was running)\n");
	return EXIT_OK;
}

const struct command cmd_upgrade = {
	.name = "upgrade",
	.usage = "upgrade NEW-ARCHFENCE",
	.help = "Replace this controller and the BPF build in force with another build, without a\n"
		"moment of lesser enforcement: the new executable is put in place of this one and\n"
		"loads its programs beside the old ones; it carries over the labels the kernel\n"
		"derived, the taint of processes (of thread group leaders: a thread that alone read\n"
		"labelled data loses it) and the counters; then the old build goes. Run it with the\n"
		"archfence in force (the installed one); refused when locked. If the new build\n"
		"cannot take over, the old one stays as it was.\n\n"
		"Examples:\n"
		"  archfence upgrade ./build/archfence\n",
	.run = run_upgrade,
};
