// SPDX-License-Identifier: GPL-2.0
/*
 * archfence: keeps files labelled secret or master-repository off the
 * government cloud, in the kernel. This is the controller's command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "events.h"
#include "generation.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"

#ifndef AF_VERSION
#define AF_VERSION "0.1"
#endif

#define LOCK_FILE "/run/archfence.lock"

/* Exit codes. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the command failed; the message says why */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOLSM = 3,		/* this kernel cannot enforce */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct command *find_command(const char *name);

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("archfence: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'archfence %s --help'.\n", cmd ? cmd : "");
	return EXIT_USAGE;
}

static void print_help(const struct command *c)
{
	printf("Usage: archfence %s\n\n%s", c->usage, c->help);
}

/* Handles --help and rejects unknown options; returns the first operand index or -1. */
static int parse_simple(const struct command *c, int argc, char **argv, const struct option *extra,
			int (*on_opt)(int opt, const char *arg), int *rc)
{
	struct option opts[16] = { { "help", no_argument, NULL, 'h' } };
	char short_opts[32] = "+h";
	int n = 1, opt;

	for (; extra && extra[n - 1].name && n < 15; n++) {
		opts[n] = extra[n - 1];
		if (opts[n].val > 0 && opts[n].val < 128) {
			size_t l = strlen(short_opts);

			short_opts[l] = (char)opts[n].val;
			short_opts[l + 1] = 0;
			if (opts[n].has_arg) {
				short_opts[l + 1] = ':';
				short_opts[l + 2] = 0;
			}
		}
	}
	memset(&opts[n], 0, sizeof(opts[n]));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, opts, NULL)) != -1) {
		if (opt == 'h') {
			print_help(c);
			*rc = EXIT_OK;
			return -1;
		}
		if (opt == '?' || !on_opt || on_opt(opt, optarg)) {
			*rc = usage_error(c->name, "%s: unknown option or bad value '%s'", c->name,
					  argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

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

static int load_policy(const char *file, struct policy **p)
{
	struct policy_opts opts = { .protected_paths = protected_paths() };
	struct policy_errors errs = { 0 };
	int err;

	err = policy_load(file, &opts, p, &errs);
	if (err) {
		size_t n = policy_errors_print(&errs, stderr);

		fprintf(stderr, "archfence: %s: %zu error%s, nothing applied\n", file, n,
			n == 1 ? "" : "s");
		policy_errors_clear(&errs);
		return err;
	}
	policy_errors_clear(&errs);
	return 0;
}

static void print_summary(const struct policy *p, FILE *f)
{
	fprintf(f, "mode %s, %u labels, %zu labelled paths, %zu trusted programs, %zu cloud ranges, sha256 %s\n",
		af_mode_name(p->mode), p->nlabels, p->npaths, p->ntrusted, p->ncloud, p->sha256_hex);
}

/* ---- check ---- */

static int cmd_check(int argc, char **argv)
{
	const struct command *c = find_command("check");
	const char *file = POLICY_DEFAULT_FILE;
	struct policy *p = NULL;
	int rc = EXIT_OK, i;

	i = parse_simple(c, argc, argv, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		file = argv[i++];
	if (i < argc)
		return usage_error("check", "check: unexpected argument '%s'", argv[i]);
	if (load_policy(file, &p))
		return EXIT_FAIL;
	printf("policy OK: ");
	print_summary(p, stdout);
	policy_free(p);
	return EXIT_OK;
}

/* ---- apply ---- */

static bool dry_run;

static int apply_opt(int opt, const char *arg)
{
	(void)arg;
	if (opt == 'n') {
		dry_run = true;
		return 0;
	}
	return -1;
}

static int take_lock(void)
{
	int fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX)) {
		log_warn(errno, "apply: cannot lock %s", LOCK_FILE);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' }, { 0 } };
	const struct command *c = find_command("apply");
	const char *file = POLICY_DEFAULT_FILE;
	struct af_generation g = { 0 };
	struct af_kernel *k = NULL;
	struct policy *p = NULL;
	int rc = EXIT_OK, i, err, lock = -1;
	char why[512];

	dry_run = false;
	i = parse_simple(c, argc, argv, opts, apply_opt, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		file = argv[i++];
	if (i < argc)
		return usage_error("apply", "apply: unexpected argument '%s'", argv[i]);
	if (load_policy(file, &p))
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
	lock = take_lock();
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

/* ---- status ---- */

static bool opt_json;

static int json_opt(int opt, const char *arg)
{
	(void)arg;
	if (opt == 'j') {
		opt_json = true;
		return 0;
	}
	return -1;
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	const struct command *c = find_command("status");
	struct af_kernel *k = NULL;
	struct af_policy pol;
	struct af_meta meta;
	struct af_state st;
	__u64 cnt[AF_CNT_NR];
	int rc = EXIT_OK, i, err, links, expected;
	char applied[64] = "", sha[65] = "";
	unsigned op, a, l;

	opt_json = false;
	i = parse_simple(c, argc, argv, opts, json_opt, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		return usage_error("status", "status: unexpected argument '%s'", argv[i]);
	err = kernel_open_pinned(&k);
	if (err == -ENOENT) {
		if (opt_json)
			printf("{\"loaded\":false}\n");
		else
			printf("archfence is not loaded: no policy in force (archfence apply FILE)\n");
		return EXIT_FAIL;
	}
	if (err || kernel_state(k, &st, &pol, &meta) || kernel_counters(k, cnt)) {
		log_warnx("status: cannot read the state in the kernel");
		kernel_close(k);
		return EXIT_FAIL;
	}
	links = kernel_links(&expected);
	for (l = 0; l < 32; l++)
		snprintf(sha + 2 * l, 3, "%02x", meta.sha256[l]);
	{
		time_t t = (time_t)(meta.applied_ns / 1000000000ull);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(applied, sizeof(applied), "%Y-%m-%dT%H:%M:%S%z", &tm);
	}
	if (opt_json) {
		struct json_object *o = json_object_new_object(), *labels, *counters;

		json_object_object_add(o, "loaded", json_object_new_boolean(1));
		json_object_object_add(o, "attached", json_object_new_boolean(links == expected));
		json_object_object_add(o, "programs_attached", json_object_new_int(links));
		json_object_object_add(o, "programs_expected", json_object_new_int(expected));
		json_object_object_add(o, "mode", json_object_new_string(af_mode_name(pol.mode)));
		json_object_object_add(o, "generation", json_object_new_int64(st.gen));
		json_object_object_add(o, "policy_file", json_object_new_string(meta.file));
		json_object_object_add(o, "policy_sha256", json_object_new_string(sha));
		json_object_object_add(o, "applied_at", json_object_new_string(applied));
		json_object_object_add(o, "applied_by_uid", json_object_new_int64(meta.uid));
		json_object_object_add(o, "applied_by_loginuid", json_object_new_int64(meta.loginuid));
		json_object_object_add(o, "labelled_roots", json_object_new_int64(meta.nroots));
		json_object_object_add(o, "labelled_links", json_object_new_int64(meta.nlinked));
		labels = json_object_new_array();
		for (l = 0; l < pol.nlabels && l < AF_MAX_LABELS; l++)
			json_object_array_add(labels, json_object_new_string(meta.labels[l]));
		json_object_object_add(o, "labels", labels);
		counters = json_object_new_object();
		for (op = 0; op < AF_OP_COUNT; op++) {
			struct json_object *per = json_object_new_object();

			for (a = 0; a < 3; a++)
				json_object_object_add(per, af_action_name(a),
						       json_object_new_int64((int64_t)cnt[AF_CNT_INDEX(op, a)]));
			json_object_object_add(counters, af_op_name(op), per);
		}
		json_object_object_add(o, "counters", counters);
		json_object_object_add(o, "events_lost", json_object_new_int64((int64_t)cnt[AF_CNT_LOST]));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("mode:        %s\n", af_mode_name(pol.mode));
		printf("programs:    %d of %d attached%s\n", links, expected,
		       links == expected ? "" : "  (NOT ENFORCING FULLY)");
		printf("policy:      %s\n", meta.file);
		printf("sha256:      %s\n", sha);
		printf("generation:  %u, applied %s by uid %u", st.gen, applied, meta.uid);
		if (meta.loginuid != (__u32)-1)
			printf(" (login uid %u)", meta.loginuid);
		printf("\nlabelled:    %u paths, %u hard links or mounts under them\n", meta.nroots,
		       meta.nlinked);
		printf("labels:     ");
		for (l = 0; l < pol.nlabels && l < AF_MAX_LABELS; l++)
			printf(" %s", meta.labels[l]);
		printf("\n%-8s %12s %12s %12s\n", "", "allowed", "audited", "denied");
		for (op = 0; op < AF_OP_COUNT; op++)
			printf("%-8s %12llu %12llu %12llu\n", af_op_name(op),
			       (unsigned long long)cnt[AF_CNT_INDEX(op, AF_ALLOW)],
			       (unsigned long long)cnt[AF_CNT_INDEX(op, AF_AUDIT)],
			       (unsigned long long)cnt[AF_CNT_INDEX(op, AF_DENY)]);
		printf("events lost: %llu\n", (unsigned long long)cnt[AF_CNT_LOST]);
	}
	kernel_close(k);
	return rc;
}

/* ---- events ---- */

struct events_ctx {
	struct event_decoder *dec;
	bool json;
	unsigned long n;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct events_ctx *c = ctx;
	struct event_view v;

	if (len < sizeof(struct af_event))
		return 0;
	event_decode(c->dec, data, &v);
	if (c->json) {
		struct json_object *o = event_json(&v);

		if (o) {
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									 JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
	} else {
		event_print_text(&v, stdout);
	}
	c->n++;
	fflush(stdout);
	return 0;
}

static bool opt_follow;

static int events_opt(int opt, const char *arg)
{
	(void)arg;
	if (opt == 'j')
		opt_json = true;
	else if (opt == 'f')
		opt_follow = true;
	else
		return -1;
	return 0;
}

static int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "follow", no_argument, NULL, 'f' },
					      { 0 } };
	const struct command *c = find_command("events");
	struct events_ctx ctx = { 0 };
	struct ring_buffer *rb = NULL;
	struct af_kernel *k = NULL;
	struct af_meta meta;
	struct af_state st;
	int rc = EXIT_OK, i, err;

	opt_json = opt_follow = false;
	i = parse_simple(c, argc, argv, opts, events_opt, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		return usage_error("events", "events: unexpected argument '%s'", argv[i]);
	err = kernel_open_pinned(&k);
	if (err) {
		if (err == -ENOENT)
			log_warnx("events: archfence is not loaded");
		return EXIT_FAIL;
	}
	ctx.dec = event_decoder_new();
	ctx.json = opt_json;
	if (!ctx.dec || kernel_state(k, &st, NULL, &meta)) {
		rc = EXIT_FAIL;
		goto out;
	}
	event_decoder_set_labels(ctx.dec, meta.labels);
	rb = ring_buffer__new(kernel_map_fd(k, AF_MAP_EVENTS), on_event, &ctx, NULL);
	if (!rb) {
		log_warn(errno, "events: cannot read the event ring buffer");
		rc = EXIT_FAIL;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	do {
		err = ring_buffer__poll(rb, opt_follow ? 500 : 0);
		if (err < 0 && err != -EINTR) {
			log_warn(err, "events: reading the ring buffer");
			rc = EXIT_FAIL;
			break;
		}
	} while (opt_follow && !stop);
out:
	ring_buffer__free(rb);
	event_decoder_free(ctx.dec);
	kernel_close(k);
	return rc;
}

/* ---- unload ---- */

static int cmd_unload(int argc, char **argv)
{
	const struct command *c = find_command("unload");
	int rc = EXIT_OK, i, lock, err;

	i = parse_simple(c, argc, argv, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		return usage_error("unload", "unload: unexpected argument '%s'", argv[i]);
	lock = take_lock();
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

/* ---- doctor ---- */

static bool opt_quiet;

static int doctor_opt(int opt, const char *arg)
{
	(void)arg;
	if (opt == 'q') {
		opt_quiet = true;
		return 0;
	}
	return -1;
}

static int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' }, { 0 } };
	const struct command *c = find_command("doctor");
	int rc = EXIT_OK, i;
	char why[512];

	opt_quiet = false;
	i = parse_simple(c, argc, argv, opts, doctor_opt, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		return usage_error("doctor", "doctor: unexpected argument '%s'", argv[i]);
	if (kernel_probe(why, sizeof(why))) {
		if (!opt_quiet)
			printf("FAIL  %s\n", why);
		return EXIT_NOLSM;
	}
	if (!opt_quiet)
		printf("ok    this kernel loads and attaches BPF LSM programs\n");
	return EXIT_OK;
}

/* ---- help ---- */

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "check", cmd_check, "check [FILE]",
	  "Parse and validate the policy (default " POLICY_DEFAULT_FILE ") and its includes,\n"
	  "reporting every problem as FILE:LINE: MESSAGE. Changes nothing.\n\n"
	  "Examples:\n  archfence check\n  archfence check /tmp/new-policy.yaml\n" },
	{ "apply", cmd_apply, "apply [--dry-run] [FILE]",
	  "Validate the policy, resolve its paths and programs, and switch the kernel to it in\n"
	  "one step. A policy with any error changes nothing: the one in force stays.\n"
	  "The first apply loads and attaches the kernel programs.\n\n"
	  "  -n, --dry-run   show what would be applied, apply nothing\n\n"
	  "Examples:\n  archfence apply\n  archfence apply --dry-run /etc/archfence/policy.yaml\n" },
	{ "status", cmd_status, "status [--json]",
	  "Show the mode, the policy in force (file, SHA-256, who applied it and when), the\n"
	  "programs attached and the counters of allowed, audited and denied accesses.\n\n"
	  "  -j, --json      machine-readable output\n" },
	{ "events", cmd_events, "events [--json] [--follow]",
	  "Print the audit and deny records waiting in the kernel's ring buffer.\n\n"
	  "  -j, --json      one JSON object per line\n"
	  "  -f, --follow    keep waiting for new records (Ctrl-C stops)\n" },
	{ "unload", cmd_unload, "unload",
	  "Detach the kernel programs and remove their pins: nothing is enforced afterwards.\n" },
	{ "doctor", cmd_doctor, "doctor [--quiet]",
	  "Check that this kernel can enforce, and say exactly what to change if not.\n"
	  "Exits 3 when it cannot.\n\n"
	  "  -q, --quiet     print nothing, only set the exit status\n" },
	{ "help", cmd_help, "help [COMMAND]", "Show help for archfence or for one command.\n" },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: archfence [-v] COMMAND [ARGS]\n\n"
		   "Keeps archive data labelled secret or master-repository off the government\n"
		   "cloud, in the kernel.\n\nCommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nOptions:\n  -v, --verbose   show libbpf's own messages\n"
		   "  -V, --version   print the version\n\n"
		   "Exit status: 0 success, 1 failure, 2 bad command line, 3 the kernel cannot enforce.\n"
		   "'archfence COMMAND --help' shows each command's options and examples.\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		main_usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error(NULL, "help: no command '%s'", argv[1]);
	print_help(c);
	return EXIT_OK;
}

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
		fprintf(stderr, "archfence: no command '%s'\n", argv[i]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	return c->fn(argc - i, argv + i);
}
