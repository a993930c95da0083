// SPDX-License-Identifier: GPL-2.0
/* archfence unload and doctor: the kernel side as a whole. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "kernel.h"
#include "log.h"

static int run_unload(int argc, char **argv)
{
	int lock, err, opt;

	while ((opt = cli_getopt(&cmd_unload, argc, argv, NULL, NULL)) != -1)
		return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (cli_operands(&cmd_unload, argc, argv, 0, 0))
		return EXIT_USAGE;
	lock = cmd_take_lock();
	if (lock < 0)
		return EXIT_FAIL;
	err = kernel_unload();
	close(lock);
	if (err) {
		log_warn(err, "unload: cannot remove %s", AF_PIN_DIR);
		return EXIT_FAIL;
	}
	printf("archfence unloaded: nothing is enforced until the next apply\n");
	return EXIT_OK;
}

const struct command cmd_unload = {
	.name = "unload",
	.usage = "unload",
	.help = "Detach the kernel programs and remove their pins: nothing is enforced afterwards.\n",
	.run = run_unload,
};

static int run_doctor(int argc, char **argv)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' }, { 0 } };
	bool quiet = false;
	char why[512];
	int opt;

	while ((opt = cli_getopt(&cmd_doctor, argc, argv, "q", opts)) != -1) {
		if (opt != 'q')
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		quiet = true;
	}
	if (cli_operands(&cmd_doctor, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (kernel_probe(why, sizeof(why))) {
		if (!quiet)
			printf("FAIL  %s\n", why);
		return EXIT_NOLSM;
	}
	if (!quiet)
		printf("ok    this kernel loads and attaches BPF LSM programs\n");
	return EXIT_OK;
}

const struct command cmd_doctor = {
	.name = "doctor",
	.usage = "doctor [--quiet]",
	.help = "Check that this kernel can enforce, and say exactly what to change if not.\n"
		"Exits 3 when it cannot.\n\n"
		"  -q, --quiet     print nothing, only set the exit status\n",
	.run = run_doctor,
};
