// SPDX-License-Identifier: GPL-2.0
/* archfence check and apply: the policy, from a file to the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "apply.h"
#include "boot_policy.h"
#include "cli.h"
#include "cmd.h"
#include "derived.h"
#include "generation.h"
#include "journal.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"
#include "policy_diff.h"
#include "util.h"

/* The files the policy must never label: ours. */
static const char *const *protected_paths(void)
{
	static char exe[PATH_MAX];
	static const char *paths[5];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int i = 0;

	if (n > 0) {
		exe[n] = 0;
		paths[i++] = exe;
	}
	paths[i++] = AF_PIN_DIR;
	paths[i++] = AF_STATE_DIR;
	paths[i] = NULL;
	return paths;
}

/*
 * --json of check and apply: one object on stdout, built as the command
 * goes; the policy's errors and warnings go into it instead of stderr.
 */
static struct json_object *jout;

static void jset(const char *key, struct json_object *v)
{
	if (jout)
		json_object_object_add(jout, key, v);
}

/* [{"file": F, "line": N, "message": M}, ...] */
static struct json_object *errors_json(const struct policy_errors *e)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; e && i < e->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", e->v[i].file ? json_object_new_string(e->v[i].file)
							       : NULL);
		json_object_object_add(o, "line", e->v[i].line ? json_object_new_int((int)e->v[i].line)
							       : NULL);
		json_object_object_add(o, "message", json_object_new_string(
			!strncmp(e->v[i].msg, "warning: ", 9) ? e->v[i].msg + 9 : e->v[i].msg));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *summary_json(const struct policy *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(af_mode_name(p->mode)));
	json_object_object_add(o, "labels", json_object_new_int((int)policy_nlabels(p)));
	json_object_object_add(o, "paths", json_object_new_int64((int64_t)p->npaths));
	json_object_object_add(o, "pending", json_object_new_int64((int64_t)policy_npending(p)));
	json_object_object_add(o, "trusted", json_object_new_int64((int64_t)p->ntrusted));
	json_object_object_add(o, "cloud", json_object_new_int64((int64_t)p->ncloud));
	json_object_object_add(o, "lock", json_object_new_boolean(p->lock));
	json_object_object_add(o, "sha256", json_object_new_string(p->sha256_hex));
	return o;
}

/* Print and drop jout, with its result: "ok", "applied", "refused", ... */
static void jout_print(const char *result)
{
	if (!jout)
		return;
	json_object_object_add(jout, "result", json_object_new_string(result));
	printf("%s\n", json_object_to_json_string_ext(jout, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(jout);
	jout = NULL;
}

/* Load file, printing every error; their count and text for the journal. */
static int load_policy(const char *file, struct policy **p, size_t *nerrors, char **text)
{
	struct policy_opts opts = { .protected_paths = protected_paths() };
	struct policy_errors errs = { 0 };
	size_t size;
	FILE *f;
	int err;

	err = policy_load(file, &opts, p, &errs);
	if (err && jout) {
		jset("errors", errors_json(&errs));
		if (nerrors)
			*nerrors = errs.n;
		if (text && (f = open_memstream(text, &size))) {
			policy_errors_print(&errs, f);
			fclose(f);
		}
	} else if (err) {
		size_t n = policy_errors_print(&errs, stderr);

		fprintf(stderr, "archfence: %s: %zu error%s, nothing applied\n", file, n,
			n == 1 ? "" : "s");
		if (nerrors)
			*nerrors = n;
		if (text && (f = open_memstream(text, &size))) {
			policy_errors_print(&errs, f);
			fclose(f);
		}
	}
	policy_errors_clear(&errs);
	return err;
}

int cmd_load_policy(const char *file, struct policy **p)
{
	return load_policy(file, p, NULL, NULL);
}

/* What a valid policy should not say unnoticed, on stderr (or in jout); how many. */
static size_t print_warnings(const struct policy *p)
{
	struct policy_errors w = { 0 };
	size_t n;

	if (policy_warnings(p, &w))
		log_warnx("policy: out of memory for the warnings");
	if (jout) {
		jset("warnings", errors_json(&w));
		n = w.n;
	} else {
		n = policy_errors_print(&w, stderr);
	}
	policy_errors_clear(&w);
	return n;
}

static void print_summary(const struct policy *p, FILE *f)
{
	fprintf(f, "mode %s, %u labels, %zu labelled paths, %zu trusted programs, %zu cloud ranges, "
		   "sha256 %s\n", af_mode_name(p->mode), policy_nlabels(p), p->npaths, p->ntrusted,
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
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	const char *file = POLICY_DEFAULT_FILE;
	struct policy *p = NULL;
	bool json = false;
	int opt;

	while ((opt = cli_getopt(&cmd_check, argc, argv, "j", opts)) != -1) {
		if (opt != 'j')
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		json = true;
	}
	if (cli_operands(&cmd_check, argc, argv, 0, 1))
		return EXIT_USAGE;
	if (optind < argc)
		file = argv[optind];
	if (json) {
		jout = json_object_new_object();
		jset("file", json_object_new_string(file));
	}
	if (cmd_load_policy(file, &p)) {
		jout_print("invalid");
		return EXIT_FAIL;
	}
	print_warnings(p);
	if (json) {
		jset("errors", json_object_new_array());
		jset("policy", summary_json(p));
		jout_print("ok");
	} else {
		printf("policy OK: ");
		print_summary(p, stdout);
	}
	policy_free(p);
	return EXIT_OK;
}

const struct command cmd_check = {
	.name = "check",
	.usage = "check [--json] [FILE]",
	.help = "Parse and validate the policy (default " POLICY_DEFAULT_FILE ") and its includes,\n"
		"reporting every problem as FILE:LINE: MESSAGE. Changes nothing. A built-in label\n"
		"weakened (secret: {read: allow}) is allowed, with a warning.\n\n"
		"  -j, --json      one JSON object: result (ok or invalid), errors, warnings, policy\n\n"
		"Examples:\n"
		"  archfence check\n"
		"  archfence check /tmp/new-policy.yaml\n"
		"  archfence check --json /tmp/new-policy.yaml | jq -r '.errors[].message'\n",
	.run = run_check,
};

/* The policy in force, if any: for the record of a refused one. */
static bool policy_in_force(struct af_meta *meta)
{
	struct af_kernel *k = NULL;
	struct af_state st;
	bool ok;

	if (kernel_open_pinned(&k))
		return false;
	ok = kernel_state(k, &st, NULL, meta) == 0 && st.gen;
	kernel_close(k);
	return ok;
}

/* Why the last apply of this process failed: for the daemon's alarm. */
static struct {
	char stage[16];
	size_t nerrors;
	char *text;
} refusal;

const char *cmd_apply_refusal(size_t *nerrors, const char **text)
{
	*nerrors = refusal.nerrors;
	*text = refusal.text;
	return refusal.stage[0] ? refusal.stage : "kernel";
}

static void record_refused(const char *file, const char *stage, size_t nerrors, const char *text)
{
	struct af_meta meta;
	int err;

	af_strlcpy(refusal.stage, stage, sizeof(refusal.stage));
	refusal.nerrors = nerrors;
	free(refusal.text);
	refusal.text = text ? strdup(text) : NULL;

	err = journal_policy_refused(file, stage, nerrors, text,
				     policy_in_force(&meta) ? &meta : NULL);
	if (err)
		log_warn(err, "apply: cannot record the refusal in the journal");
}

/*
 * What was just applied becomes the policy of the next boot: file is the
 * one the boot applies, and a copy of p is kept as the last good policy,
 * which the boot applies when file is broken by then. A failure here leaves
 * the policy in force as it is, and is said.
 */
static void keep_for_boot(const char *file, const struct policy *p)
{
	char real[PATH_MAX];
	int err;

	/* The last good copy itself (applied by hand): it stays as it is. */
	if (realpath(file, real) && last_good_holds(real))
		return;
	err = last_good_save(p);
	if (err)
		log_warn(err, "apply: no copy of %s kept in %s; a boot that cannot apply its "
			 "policy applies the copy kept before, if any", file, AF_LAST_GOOD_DIR);
	err = boot_policy_set(file);
	if (err)
		log_warn(err, "apply: cannot record %s in %s as the policy of the next boot", file,
			 AF_BOOT_RECORD);
}

int cmd_apply_file(const char *file, unsigned flags)
{
	bool dry_run = flags & APPLY_DRY_RUN, prev = false, takeover = false;
	struct af_generation g = { 0 };
	struct af_kernel *k = NULL;
	struct af_policy prev_pol;
	struct af_meta prev_meta;
	struct policy *p = NULL;
	int rc = EXIT_OK, err, lock = -1;
	struct af_state st;
	char *errtext = NULL;
	size_t nerrors = 0;
	const char *result = "failed";
	__u32 purge = 0;
	char why[1024];

	/* The daemon at start: a policy in force is picked up, not replaced. */
	if ((flags & APPLY_IF_UNLOADED) && kernel_open_pinned(&k) == 0) {
		kernel_close(k);
		return EXIT_OK;
	}
	if (flags & APPLY_JSON) {
		jout = json_object_new_object();
		jset("file", json_object_new_string(file));
		jset("dry_run", json_object_new_boolean(dry_run));
	}
	/* Locked: that is the answer, whatever the policy holds; nothing else is said. */
	if (!dry_run && cmd_is_locked()) {
		log_warnx("apply: archfence is locked until the next reboot; %s not applied", file);
		record_refused(file, "locked", 0, NULL);
		jout_print("locked");
		return EXIT_LOCKED;
	}
	if (load_policy(file, &p, &nerrors, &errtext)) {
		if (!dry_run)
			record_refused(file, "check", nerrors, errtext);
		result = "invalid";
		rc = EXIT_FAIL;
		goto out;
	}
	print_warnings(p);
	jset("policy", summary_json(p));
	if (!dry_run) {
		if (kernel_probe(why, sizeof(why))) {
			log_warnx("apply: this kernel cannot enforce: %s", why);
			jset("reason", json_object_new_string(why));
			result = "cannot-enforce";
			rc = EXIT_NOLSM;
			goto out;
		}
		lock = cmd_take_lock();
		if (lock < 0) {
			rc = EXIT_FAIL;
			goto out;
		}
	}
	err = kernel_open_pinned(&k);
	if (!err && (flags & APPLY_IF_UNLOADED))
		goto out; /* applied by someone else meanwhile */
	takeover = err == -ESTALE && (flags & APPLY_TAKEOVER);
	if (err && err != -ENOENT && !dry_run && !takeover) {
		log_warnx("apply: %s not applied; the policy in force is unchanged", file);
		rc = EXIT_FAIL;
		goto out;
	}
	/* The record of derived labels: archfence's own from the first apply. */
	if (!dry_run && mkdir(AF_STATE_DIR, 0700) && errno != EEXIST)
		log_warn(errno, "apply: cannot create %s", AF_STATE_DIR);
	/* Labels keep their ids: what the kernel derived keeps its meaning. */
	if (takeover)
		prev = kernel_peek_other_build(&st, &prev_pol, &prev_meta) == 0 && st.gen;
	else
		prev = k && kernel_state(k, &st, &prev_pol, &prev_meta) == 0 && st.gen;
	if (prev)
		purge = policy_renumber(p, (const char (*)[AF_LABEL_NAME_MAX])prev_meta.labels,
					prev_pol.nlabels);
	if (generation_build(p, &g)) {
		if (!dry_run)
			record_refused(file, "resolve", 1, NULL);
		rc = EXIT_FAIL;
		goto out;
	}
	g.purge = purge;
	if (dry_run && jout) {
		char *changes = NULL;
		size_t size;
		FILE *f = open_memstream(&changes, &size);

		if (f) {
			policy_diff_print(file, p, &g, k, f);
			fclose(f);
		}
		jset("inodes", json_object_new_int64((int64_t)g.nentries));
		jset("changes", json_object_new_string(changes ? changes : ""));
		free(changes);
		result = "dry-run";
		goto out;
	}
	if (dry_run) {
		printf("would apply: ");
		print_summary(p, stdout);
		printf("%zu labelled inodes (%u hard links or mount roots under labelled directories)\n",
		       g.nentries, g.meta.nlinked);
		policy_diff_print(file, p, &g, k, stdout);
		result = "dry-run";
		goto out;
	}
	/* Failing to give derived labels back must not leave the host without a policy. */
	derived_restore(p, &g.derived, &g.nderived);
	if (takeover)
		err = kernel_takeover(&k, &g);
	else
		err = k ? kernel_apply(k, &g) : kernel_install(&k, &g);
	if (err == -EPERM && prev && (st.flags & AF_STATE_LOCKED)) {
		log_warnx("apply: archfence is locked until the next reboot; %s not applied", file);
		record_refused(file, "locked", 0, NULL);
		result = "locked";
		rc = EXIT_LOCKED;
		goto out;
	}
	if (err) {
		log_warnx("apply: %s not applied; the policy in force is unchanged", file);
		record_refused(file, "kernel", 1, NULL);
		rc = EXIT_FAIL;
		goto out;
	}
	result = "applied";
	jset("generation", json_object_new_int64(g.policy.gen));
	if (!jout) {
		printf("policy applied: generation %u, ", g.policy.gen);
		print_summary(p, stdout);
	}
	/* Before a lock: what is in force now is what the next boot enforces. */
	if (!(flags & APPLY_LAST_GOOD))
		keep_for_boot(file, p);
	err = journal_policy_applied(file, &g, prev ? &prev_pol : NULL, prev ? &prev_meta : NULL);
	if (err)
		log_warn(err, "apply: cannot record the new policy in the journal");
	/* lock: yes, the policy's own word: locked from now until reboot. */
	if (p->lock) {
		if (kernel_lock(k)) {
			log_warnx("apply: the policy asks for lock: yes, and locking failed");
			rc = EXIT_FAIL;
		} else if (!jout) {
			printf("locked until the next reboot, as the policy asks (lock: yes)\n");
		}
	}
	jset("locked", json_object_new_boolean(p->lock && rc == EXIT_OK));
out:
	jout_print(result);
	if (lock >= 0)
		close(lock);
	kernel_close(k);
	generation_free(&g);
	policy_free(p);
	free(errtext);
	return rc;
}

static int run_apply(int argc, char **argv)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { "json", no_argument, NULL, 'j' },
					      { 0 } };
	const char *file = POLICY_DEFAULT_FILE;
	unsigned flags = 0;
	int opt;

	while ((opt = cli_getopt(&cmd_apply, argc, argv, "nj", opts)) != -1) {
		if (opt == 'n')
			flags |= APPLY_DRY_RUN;
		else if (opt == 'j')
			flags |= APPLY_JSON;
		else
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_operands(&cmd_apply, argc, argv, 0, 1))
		return EXIT_USAGE;
	if (optind < argc)
		file = argv[optind];
	return cmd_apply_file(file, flags);
}

const struct command cmd_apply = {
	.name = "apply",
	.usage = "apply [--dry-run] [--json] [FILE]",
	.help = "Validate the policy, resolve its paths and programs, and switch the kernel to it in\n"
		"one step. A policy with any error changes nothing: the one in force stays.\n"
		"The first apply loads and attaches the kernel programs. Once applied, FILE is the\n"
		"policy of the next boot, and a copy of it the last good policy (archfence(8)).\n\n"
		"  -n, --dry-run   show what would change against the policy in force; apply nothing\n"
		"  -j, --json      one JSON object: result (applied, dry-run, invalid, locked,\n"
		"                  cannot-enforce or failed), errors, warnings, policy, generation\n\n"
		"Examples:\n"
		"  archfence apply\n"
		"  archfence apply --dry-run /etc/archfence/policy.yaml\n"
		"  archfence apply --json | jq -r .result\n",
	.run = run_apply,
};

static bool same_content(const char *a, const char *b)
{
	char x[65536], y[65536];
	bool same = false;
	FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
	size_t n, m;

	while (fa && fb) {
		n = fread(x, 1, sizeof(x), fa);
		m = fread(y, 1, sizeof(y), fb);
		if (n != m || memcmp(x, y, n))
			break;
		if (n == 0) {
			same = !ferror(fa) && !ferror(fb);
			break;
		}
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/*
 * The main policy file edit works on: the one the boot applies (recorded by
 * the last apply), else the one in force, else the default.
 */
static void main_policy(char *out, size_t len)
{
	struct af_meta meta;

	if (boot_policy_get(out, len))
		return;
	if (policy_in_force(&meta) && meta.file[0])
		af_strlcpy(out, meta.file, len);
}

/* Is file one of the files policy main reads (itself or an include)? */
static bool part_of(const char *main, const char *file, bool *is_main)
{
	char rf[PATH_MAX], rm[PATH_MAX], ri[PATH_MAX];
	struct policy *p = NULL;
	bool found = false;
	size_t i;

	if (!realpath(file, rf))
		return false;
	*is_main = realpath(main, rm) && !strcmp(rf, rm);
	if (*is_main)
		return true;
	if (cmd_load_policy(main, &p))
		return false;
	for (i = 0; i < p->nfiles && !found; i++)
		found = realpath(p->files[i], ri) && !strcmp(rf, ri);
	policy_free(p);
	return found;
}

static bool ask_again(void)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return false;
	fprintf(stderr, "Edit again? [Y/n] ");
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] != 'n' && line[0] != 'N';
}

/*
 * The policy files in force carry archfence's own label: only the
 * controller may change them. So the admin edits a copy; the controller
 * checks it, puts it in place and applies it.
 */
static int run_edit(int argc, char **argv)
{
	const char *file, *editor;
	char tmp[] = "/run/archfence-edit-XXXXXX.yaml", next[PATH_MAX + 16], cmd[PATH_MAX + 64];
	char prev[PATH_MAX + 16], main[PATH_MAX];
	bool had_old, is_main = false, exists;
	struct policy *p = NULL;
	int fd, opt, rc = EXIT_OK, err;
	struct af_meta meta;
	struct stat st;
	__u32 before;

	while ((opt = cli_getopt(&cmd_edit, argc, argv, NULL, NULL)) != -1)
		return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (cli_operands(&cmd_edit, argc, argv, 0, 1))
		return EXIT_USAGE;
	/* Before anything is opened: an edit that cannot be applied is wasted work. */
	if (cmd_is_locked()) {
		log_warnx("edit: archfence is locked until the next reboot: the policy cannot be "
			  "changed, by anyone; nothing was opened");
		return EXIT_LOCKED;
	}
	main_policy(main, sizeof(main));
	file = optind < argc ? argv[optind] : main;
	is_main = realpath(file, prev) && realpath(main, next) && !strcmp(prev, next);
	/* The file keeps its mode and owner: what reads it (a backup, a reviewer) still may. */
	exists = stat(file, &st) == 0;
	if (!exists) {
		st.st_mode = 0644;
		st.st_uid = geteuid();
		st.st_gid = getegid();
	}
	editor = af_choose_editor(getenv("VISUAL"), getenv("EDITOR"), getenv("PATH"));
	fd = mkstemps(tmp, 5);
	if (fd < 0) {
		log_warn(errno, "edit: cannot make a copy to edit");
		return EXIT_FAIL;
	}
	close(fd);
	err = af_copy_file(file, tmp, 0600);
	if (err == -ENOENT)
		err = 0; /* a new file: an included one, say; the editor starts empty */
	if (err) {
		log_warn(err, "edit: cannot copy %s", file);
		unlink(tmp);
		return EXIT_FAIL;
	}
	for (;;) {
		snprintf(cmd, sizeof(cmd), "%s \"$1\"", editor);
		if (fork() == 0) {
			execl("/bin/sh", "sh", "-c", cmd, "sh", tmp, (char *)NULL);
			_exit(127);
		}
		if (wait(&err) < 0 || !WIFEXITED(err) || WEXITSTATUS(err)) {
			log_warnx("edit: the editor failed; %s is unchanged (your copy: %s)", file, tmp);
			return EXIT_FAIL;
		}
		if (same_content(file, tmp)) {
			printf("no change: %s stays as it is\n", file);
			unlink(tmp);
			return EXIT_OK;
		}
		if (!is_main)
			break; /* an include: checked as part of the whole policy, below */
		if (cmd_load_policy(tmp, &p) == 0)
			break;
		if (!ask_again()) {
			log_warnx("edit: %s is unchanged; your edited copy is %s", file, tmp);
			return EXIT_FAIL;
		}
	}
	policy_free(p);
	p = NULL;
	/* In place, atomically: a new file beside it, renamed over it. */
	snprintf(next, sizeof(next), "%s.archfence-new", file);
	snprintf(prev, sizeof(prev), "%s.archfence-old", file);
	had_old = link(file, prev) == 0;
	err = af_copy_file(tmp, next, st.st_mode & 07777);
	if (!err && exists && chown(next, st.st_uid, st.st_gid))
		err = -errno;
	/* chown drops the set-id bits: the mode once more, as the file had it */
	if (!err && exists && chmod(next, st.st_mode & 07777))
		err = -errno;
	if (!err && rename(next, file))
		err = -errno;
	if (err) {
		log_warn(err, "edit: cannot write %s (your edited copy: %s)", file, tmp);
		unlink(next);
		if (had_old)
			unlink(prev);
		return EXIT_FAIL;
	}
	/* An included file: the whole policy must still hold, and it is what applies. */
	if (!is_main && !part_of(main, file, &is_main)) {
		log_warnx("edit: %s is not %s nor one of its includes, or the policy does not hold "
			  "with it; it is back as it was (your edited copy: %s)", file, main, tmp);
		if (had_old ? rename(prev, file) : unlink(file))
			log_warn(errno, "edit: cannot put %s back", file);
		return EXIT_FAIL;
	}
	printf("%s updated\n", file);
	before = policy_in_force(&meta) ? meta.gen : 0;
	rc = cmd_apply_file(is_main ? file : main, 0);
	/* Not in force: the file goes back as it was, so the next boot enforces what is. */
	if (rc != EXIT_OK && (policy_in_force(&meta) ? meta.gen : 0) == before) {
		if (had_old ? rename(prev, file) : unlink(file))
			log_warn(errno, "edit: cannot put %s back", file);
		else
			log_warnx("edit: %s is back as it was (your edited copy: %s)", file, tmp);
		return rc;
	}
	if (had_old)
		unlink(prev);
	unlink(tmp);
	return rc;
}

const struct command cmd_edit = {
	.name = "edit",
	.usage = "edit [FILE]",
	.help = "Edit the policy (default: the boot policy, the file last applied) safely: the\n"
		"files of the policy in force carry archfence's own label, so only the controller\n"
		"may change them. This opens a copy in $VISUAL or $EDITOR (else sensible-editor,\n"
		"editor or vi, the first there is), checks it, and only if it is valid puts it in\n"
		"place, with the file's mode and owner, and applies it. A copy with errors is kept\n"
		"and nothing changes. Refused (exit status 4) when archfence is locked.\n\n"
		"Examples:\n"
		"  archfence edit\n"
		"  EDITOR=nano archfence edit /etc/archfence/policy.yaml\n",
	.run = run_edit,
};
