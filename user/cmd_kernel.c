// SPDX-License-Identifier: GPL-2.0
/* archfence unload and doctor: the kernel side as a whole. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cmd.h"
#include "kernel.h"
#include "log.h"
#include "util.h"

bool cmd_is_locked(void)
{
	struct af_kernel *k = NULL;
	struct af_state st;
	bool locked;

	if (kernel_open_pinned(&k))
		return false;
	locked = kernel_state(k, &st, NULL, NULL) == 0 && (st.flags & AF_STATE_LOCKED);
	kernel_close(k);
	return locked;
}

static int run_unload(int argc, char **argv)
{
	int lock, err, opt;

	while ((opt = cli_getopt(&cmd_unload, argc, argv, NULL, NULL)) != -1)
		return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (cli_operands(&cmd_unload, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (cmd_is_locked()) {
		log_warnx("unload: archfence is locked until the next reboot; nothing was changed");
		return EXIT_LOCKED;
	}
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

static int run_lock(int argc, char **argv)
{
	struct af_kernel *k = NULL;
	int lock, err, opt;

	while ((opt = cli_getopt(&cmd_lock, argc, argv, NULL, NULL)) != -1)
		return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (cli_operands(&cmd_lock, argc, argv, 0, 0))
		return EXIT_USAGE;
	lock = cmd_take_lock();
	if (lock < 0)
		return EXIT_FAIL;
	err = kernel_open_pinned(&k);
	if (err == -ENOENT)
		log_warnx("lock: archfence is not loaded: apply a policy first");
	else if (!err && kernel_readonly(k))
		err = -EPERM;
	else if (!err)
		err = kernel_lock(k);
	kernel_close(k);
	close(lock);
	if (err == -EPERM) {
		log_warnx("lock: archfence is already locked until the next reboot");
		return EXIT_LOCKED;
	}
	if (err)
		return EXIT_FAIL;
	printf("archfence locked: the policy in force cannot be changed, lowered or unloaded, "
	       "by anyone, until the next reboot\n");
	return EXIT_OK;
}

const struct command cmd_lock = {
	.name = "lock",
	.usage = "lock",
	.help = "Lock archfence until the next reboot: nobody, root and this controller included,\n"
		"can apply another policy, change the mode, detach a program or unload it. The\n"
		"policy may ask for this itself (lock: yes). There is no unlock: reboot.\n\n"
		"Examples:\n"
		"  archfence lock\n"
		"  archfence status --json | jq .locked\n",
	.run = run_lock,
};

const struct command cmd_unload = {
	.name = "unload",
	.usage = "unload",
	.help = "Detach the kernel programs and remove their pins: nothing is enforced afterwards.\n"
		"Refused (exit status 4) when archfence is locked.\n\n"
		"Examples:\n"
		"  systemctl disable --now archfence && archfence unload\n",
	.run = run_unload,
};

/* doctor --json: the checks, one object each. */
static struct json_object *checks;

/* One line of the doctor's report. */
static void say(bool quiet, const char *tag, const char *what, const char *fix)
{
	if (checks && tag[0]) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "status", json_object_new_string(
			!strcmp(tag, "FAIL") ? "fail" : tag));
		json_object_object_add(o, "what", json_object_new_string(what));
		json_object_object_add(o, "fix", fix ? json_object_new_string(fix) : NULL);
		json_object_array_add(checks, o);
		return;
	}
	if (quiet || checks)
		return;
	printf("%-5s %s\n", tag, what);
	if (fix)
		printf("      fix: %s\n", fix);
}

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static int run_doctor(int argc, char **argv)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { "strict", no_argument, NULL, 's' },
					      { "json", no_argument, NULL, 'j' },
					      { 0 } };
	bool quiet = false, strict = false, fail = false, warn = false, json = false;
	char why[1024], buf[512], fix[1024];
	struct utsname u;
	struct statfs sf;
	int opt, n, rc, covered = 0;

	while ((opt = cli_getopt(&cmd_doctor, argc, argv, "qsj", opts)) != -1) {
		if (opt == 'q')
			quiet = true;
		else if (opt == 's')
			strict = true;
		else if (opt == 'j')
			json = true;
		else
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_operands(&cmd_doctor, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (json && !quiet)
		checks = json_object_new_array();

	uname(&u);
	snprintf(buf, sizeof(buf), "kernel %s", u.release);
	say(quiet, "info", buf, NULL);

	if (!read_line("/sys/kernel/security/lsm", buf, sizeof(buf))) {
		fail = true;
		af_lsm_advice(NULL, false, fix, sizeof(fix));
		say(quiet, "FAIL", "cannot read the active LSM list (/sys/kernel/security/lsm)", fix);
	} else if (!strstr(buf, "bpf")) {
		fail = true;
		snprintf(why, sizeof(why), "bpf is not in the active LSM list (%s)", buf);
		af_lsm_advice(buf, af_grubby_first(), fix, sizeof(fix));
		say(quiet, "FAIL", why, fix);
	} else {
		snprintf(why, sizeof(why), "bpf is in the active LSM list (%s)", buf);
		say(quiet, "ok", why, NULL);
	}

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fail = true;
		say(quiet, "FAIL", "the kernel has no BTF (/sys/kernel/btf/vmlinux)",
		    "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's are)");
	} else {
		say(quiet, "ok", "the kernel has BTF", NULL);
		n = kernel_missing_hooks(buf, sizeof(buf));
		if (n > 0) {
			fail = true;
			snprintf(why, sizeof(why), "the kernel lacks LSM hooks this build uses: %s", buf);
			say(quiet, "FAIL", why, "use Debian's 6.1 kernel or newer");
		} else if (n == 0) {
			say(quiet, "ok", "every LSM hook this build uses exists", NULL);
		}
	}

	if (statfs("/sys/fs/bpf", &sf) || sf.f_type != BPF_FS_MAGIC)
		say(quiet, "warn", "the BPF file system is not mounted on /sys/fs/bpf (apply mounts it)",
		    "add to /etc/fstab: bpffs /sys/fs/bpf bpf defaults 0 0");
	else
		say(quiet, "ok", "the BPF file system is mounted on /sys/fs/bpf", NULL);

	/*
	 * The programs read kernel memory (BPF CO-RE reads of dentries, sockets
	 * and tasks), which lockdown=confidentiality forbids: they would not load.
	 */
	if (read_line("/sys/kernel/security/lockdown", buf, sizeof(buf)) &&
	    strstr(buf, "[confidentiality]")) {
		fail = true;
		say(quiet, "FAIL", "kernel lockdown is confidentiality: archfence's programs read kernel "
				   "memory, which it forbids, so they cannot be loaded",
		    "boot with lockdown=integrity instead, and lock archfence (archfence lock, or lock: "
		    "yes): locked, archfence closes the same windows onto kernel memory itself");
	}

	if (!fail) {
		if (kernel_probe(why, sizeof(why))) {
			fail = true;
			say(quiet, "FAIL", why, NULL);
		} else {
			say(quiet, "ok", "this kernel loads and attaches BPF LSM programs", NULL);
		}
	}

	if (!read_line("/sys/kernel/security/lockdown", buf, sizeof(buf)) || strstr(buf, "[none]")) {
		warn = true;
		say(quiet, "warn", "kernel lockdown is off (or unknown): root could load a kernel "
				   "module or kexec a kernel to get around archfence",
		    "boot with lockdown=integrity (GRUB_CMDLINE_LINUX) or with Secure Boot on");
	} else {
		say(quiet, "ok", "kernel lockdown is on", NULL);
	}
	if (!read_line("/proc/sys/kernel/unprivileged_bpf_disabled", buf, sizeof(buf)) ||
	    !strcmp(buf, "0")) {
		warn = true;
		say(quiet, "warn", "unprivileged BPF is enabled (or unknown)",
		    "sysctl -w kernel.unprivileged_bpf_disabled=2, and set it in /etc/sysctl.d/");
	} else {
		say(quiet, "ok", "unprivileged BPF is disabled", NULL);
	}

	n = kernel_egress(&covered);
	if (n >= 0 && covered < n) {
		warn = true;
		snprintf(why, sizeof(why), "the egress check is on %d of %d interfaces (loopback "
			 "aside): tainted packets leaving by the others are judged before traffic "
			 "control, not after", covered, n);
		say(quiet, "warn", why, "start archfence's daemon (systemctl start archfence): it puts "
					"the check on every interface, new ones included");
	} else if (n >= 0) {
		snprintf(why, sizeof(why), "the egress check is on all %d interfaces (loopback aside)", n);
		say(quiet, "ok", why, NULL);
	}

	if (fail) {
		say(quiet, "", "archfence cannot enforce on this kernel", NULL);
		rc = EXIT_NOLSM;
	} else if (warn && strict) {
		rc = EXIT_FAIL;
	} else {
		say(quiet, "", warn ? "archfence can enforce here; see the warnings above"
				    : "archfence can enforce here", NULL);
		rc = EXIT_OK;
	}
	if (checks) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kernel", json_object_new_string(u.release));
		json_object_object_add(o, "can_enforce", json_object_new_boolean(!fail));
		json_object_object_add(o, "warnings", json_object_new_boolean(warn));
		json_object_object_add(o, "checks", checks);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		checks = NULL;
	}
	return rc;
}

const struct command cmd_doctor = {
	.name = "doctor",
	.usage = "doctor [--quiet] [--strict] [--json]",
	.help = "Check everything enforcement needs (bpf in the active LSM list, BTF, the LSM hooks\n"
		"this build uses, the BPF file system, a real program load) and what hardens it\n"
		"(kernel lockdown, unprivileged BPF off); for each thing missing, say what to\n"
		"change. Exits 3 when this kernel cannot enforce.\n\n"
		"  -q, --quiet     print nothing, only set the exit status\n"
		"  -s, --strict    exit 1 when a hardening warning is printed\n"
		"  -j, --json      one JSON object: kernel, can_enforce, warnings, and the checks,\n"
		"                  each with its status (ok, warn, fail, info), what and fix\n\n"
		"Examples:\n"
		"  archfence doctor\n"
		"  archfence doctor --quiet || echo \"this kernel cannot enforce\"\n"
		"  archfence doctor --json | jq -r '.checks[] | select(.status == \"fail\") | .fix'\n",
	.run = run_doctor,
};
