// SPDX-License-Identifier: GPL-2.0
/*
 * archfence daemon, run by archfence.service: puts the policy in force at
 * boot (or picks up the one pinned in the kernel), tells systemd it is ready
 * only once the programs are attached and a policy is in force, and then
 * drains the kernel's audit and deny records into journald, one journal
 * record each. Accesses whose record was lost, in the kernel (ring buffer
 * full) or here (journald did not take it), are reported in records of
 * their own: every access is accounted for.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "apply.h"
#include "boot_policy.h"
#include "cli.h"
#include "derived.h"
#include "egress.h"
#include "events.h"
#include "journal.h"
#include "kernel.h"
#include "log.h"
#include "policy.h"
#include "util.h"

#define TICK_MS		1000	/* flush coalesced repeats, read counters */
#define PIN_TICKS	5	/* ticks between checks that the pins still hold our maps */
#define BATCH		256	/* records drained before the tick is looked at again */
#define BATCH_FULL	(-EINPROGRESS)	/* from on_event: stop draining for now */
#define PROC_SLOTS	1024	/* processes whose executable and unit are remembered */
#define EXE_SLOTS	256	/* executables by inode, for processes gone before their record */
#define CGROUP_SLOTS	256	/* units by cgroup id */
#define STATE_FILE	"lost-reported"	/* in $RUNTIME_DIRECTORY */
#define FILEID_KERNFS	0xfe	/* file handle type of cgroupfs (include/linux/exportfs.h) */

/* What /proc said about a process, valid while its executable and cgroup are the same. */
struct proc_ent {
	__u32 tgid;
	bool used;
	__u64 exe_dev;
	__u64 exe_ino;
	__u64 cgroup_id;
	char *exe;
	char unit[sizeof(((struct event_view *)0)->unit)];
};

/* An executable's path, by inode: known from any process that ran it. */
struct exe_ent {
	__u64 dev;
	__u64 ino;
	char *path;
};

/* A unit, by the id (inode number) of its cgroup. */
struct cgroup_ent {
	__u64 id;
	char unit[sizeof(((struct event_view *)0)->unit)];
};

struct daemon {
	struct af_kernel *k;		/* NULL while nothing is loaded */
	__u32 events_id;		/* map ids of what k holds, to notice a reload */
	__u32 counters_id;
	struct event_decoder *dec;
	struct ring_buffer *rb;
	struct af_meta meta[2];		/* per policy slot (gen & 1) */
	char sha[2][65];
	__u32 dec_gen;			/* generation whose label names dec holds */
	__u32 gen;			/* generation in force */
	__u32 mode;
	int batch;			/* records drained since the last tick check */
	unsigned ticks;
	__u64 records;			/* records sent to journald */
	__u64 unsent;			/* accesses whose record journald did not take */
	__u64 lost_reported;		/* the kernel's lost counter, as already reported */
	int mountinfo;			/* polled for changes of the mount table */
	bool watchdog;
	int cgroupfs;			/* /sys/fs/cgroup, for open_by_handle_at */
	int linkwatch;			/* told of new interfaces (egress.c) */
	struct proc_ent procs[PROC_SLOTS];
	struct exe_ent exes[EXE_SLOTS];
	struct cgroup_ent cgroups[CGROUP_SLOTS];
	struct event_view view;
	__u32 pending_gen;		/* generation the pending paths are of */
	char **pending;			/* labelled paths that do not exist yet */
	size_t npending;
};

static volatile sig_atomic_t reopen_requested;
/* After the status: why the last good policy is in force, if it is. */
static char status_note[PATH_MAX + 64];

static void on_hup(int sig)
{
	(void)sig;
	reopen_requested = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/*
 * The unit of a cgroup, from its id alone: it outlives the processes in it,
 * so a short-lived process's unit is still known when its record is read.
 */
static bool cgroup_unit(struct daemon *d, __u64 id, char *buf, size_t len)
{
	struct cgroup_ent *c = &d->cgroups[id % CGROUP_SLOTS];
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS } };
	char link[64], path[4096], *slash, *unit = NULL;
	ssize_t n;
	int fd;

	if (!id || d->cgroupfs < 0)
		return false;
	if (c->id == id) {
		snprintf(buf, len, "%s", c->unit);
		return true;
	}
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(d->cgroupfs, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	close(fd);
	if (n <= 0)
		return false;
	path[n] = 0;
	/* the innermost service or scope, as event_proc_read names it */
	for (slash = path; (slash = strchr(slash, '/')); slash++)
		if (strstr(slash + 1, ".service") || strstr(slash + 1, ".scope"))
			unit = slash + 1;
	if (unit)
		unit[strcspn(unit, "/")] = 0;
	c->id = id;
	snprintf(c->unit, sizeof(c->unit), "%s", unit ? unit : "");
	snprintf(buf, len, "%s", c->unit);
	return true;
}

/* The executable and unit of a process: from /proc once, then remembered. */
static void proc_lookup(void *ctx, const struct af_event *ev, struct event_view *v)
{
	struct daemon *d = ctx;
	struct proc_ent *p = &d->procs[ev->tgid % PROC_SLOTS];
	struct exe_ent *e = &d->exes[(ev->exe_dev ^ ev->exe_ino) % EXE_SLOTS];
	/* A summary whose full record is no longer known carries no executable. */
	bool bare = ev->flags & AF_EVF_SUMMARY;

	if (p->used && p->tgid == ev->tgid &&
	    (bare || (p->exe_dev == ev->exe_dev && p->exe_ino == ev->exe_ino &&
		      p->cgroup_id == ev->cgroup_id))) {
		snprintf(v->exe, sizeof(v->exe), "%s", p->exe ? p->exe : "");
		snprintf(v->unit, sizeof(v->unit), "%s", p->unit);
		return;
	}
	if (bare) {
		/* the summary carries the executable's inode: known if seen before */
		if (e->path && ev->exe_ino && e->dev == ev->exe_dev && e->ino == ev->exe_ino)
			snprintf(v->exe, sizeof(v->exe), "%s", e->path);
		else
			snprintf(v->exe, sizeof(v->exe), "(unknown)");
		cgroup_unit(d, ev->cgroup_id, v->unit, sizeof(v->unit));
		return;
	}
	event_proc_read(ev, v);
	if (v->exe[0] == '/' && ev->exe_ino) {
		/* learnt while the process lived */
		if (!e->path || e->dev != ev->exe_dev || e->ino != ev->exe_ino ||
		    strcmp(e->path, v->exe)) {
			free(e->path);
			e->path = strdup(v->exe);
			e->dev = ev->exe_dev;
			e->ino = ev->exe_ino;
		}
	} else if (e->path && e->dev == ev->exe_dev && e->ino == ev->exe_ino) {
		/* gone already: the path another process ran it from */
		snprintf(v->exe, sizeof(v->exe), "%s", e->path);
	}
	/* The cgroup of the access itself, rather than where the process is now. */
	cgroup_unit(d, ev->cgroup_id, v->unit, sizeof(v->unit));
	free(p->exe);
	p->exe = strdup(v->exe);
	snprintf(p->unit, sizeof(p->unit), "%s", v->unit);
	p->tgid = ev->tgid;
	p->exe_dev = ev->exe_dev;
	p->exe_ino = ev->exe_ino;
	p->cgroup_id = ev->cgroup_id;
	p->used = true;
}

/* The generation in force and the records of both policy slots. */
static void free_pending(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->npending; i++)
		free(d->pending[i]);
	free(d->pending);
	d->pending = NULL;
	d->npending = 0;
}

/* The pending paths of the generation in force, from its policy file. */
static void load_pending(struct daemon *d)
{
	const struct af_meta *m = &d->meta[d->gen & 1];
	struct policy_errors errs = { 0 };
	struct policy_opts po = { 0 };
	struct policy *p = NULL;
	size_t i, n;

	free_pending(d);
	d->pending_gen = d->gen;
	if (policy_load(m->file, &po, &p, &errs) == 0 &&
	    !memcmp(p->sha256, m->sha256, sizeof(m->sha256)) && (n = policy_npending(p))) {
		d->pending = calloc(n, sizeof(*d->pending));
		for (i = 0; d->pending && i < p->npaths; i++)
			if (p->paths[i].pending && (d->pending[d->npending] = strdup(p->paths[i].path)))
				d->npending++;
	}
	policy_errors_clear(&errs);
	policy_free(p);
}

/* Pending paths that have appeared since: the kernel labelled them as they did. */
static void check_pending(struct daemon *d)
{
	size_t i, o = 0;

	for (i = 0; i < d->npending; i++) {
		if (access(d->pending[i], F_OK) == 0)
			free(d->pending[i]);
		else
			d->pending[o++] = d->pending[i];
	}
	d->npending = o;
}

static void refresh_state(struct daemon *d)
{
	struct af_policy pol;
	struct af_state st;
	__u32 slot;

	if (!d->k || kernel_state(d->k, &st, &pol, NULL))
		return;
	for (slot = 0; slot < 2; slot++) {
		if (bpf_map_lookup_elem(kernel_map_fd(d->k, AF_MAP_META), &slot, &d->meta[slot]))
			memset(&d->meta[slot], 0, sizeof(d->meta[slot]));
		journal_sha_hex(d->meta[slot].sha256, d->sha[slot]);
	}
	d->gen = st.gen;
	d->mode = pol.mode;
	if (d->gen != d->pending_gen)
		load_pending(d);
}

/* The record of the generation an event was decided under, or NULL. */
static const struct af_meta *meta_of(struct daemon *d, __u32 gen, const char **sha)
{
	__u32 slot = gen & 1;

	if (d->meta[slot].gen != gen)
		refresh_state(d);
	if (d->meta[slot].gen != gen || !gen) {
		*sha = "";
		return NULL;
	}
	*sha = d->sha[slot];
	return &d->meta[slot];
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct af_event *ev = data;
	const struct af_meta *m;
	const char *sha;

	if (len < sizeof(*ev)) {
		d->unsent++;
		return 0;
	}
	m = meta_of(d, ev->policy_gen, &sha);
	if (!m) {
		const char *unused;

		/* Label names of the generation in force; no policy hash. */
		m = meta_of(d, d->gen, &unused);
	}
	if (m && m->gen != d->dec_gen) {
		char names[AF_MAX_LABELS][AF_LABEL_NAME_MAX];

		memcpy(names, m->labels, sizeof(names));
		/* the reserved label of archfence's own files and pins */
		snprintf(names[AF_SELF_LABEL], sizeof(names[AF_SELF_LABEL]), "archfence");
		event_decoder_set_labels(d->dec, names);
		event_decoder_set_sinks(d->dec, m->sinks);
		d->dec_gen = m->gen;
	}
	event_decode_via(d->dec, ev, &d->view, proc_lookup, d);
	derived_record(&d->view);
	if (journal_event(&d->view, sha))
		d->unsent += ev->count ? ev->count : 1;
	else
		d->records++;
	return ++d->batch >= BATCH ? BATCH_FULL : 0;
}

/* The lost counter already reported survives restarts of the daemon. */
static const char *state_path(void)
{
	static char path[4096];
	const char *dir = getenv("RUNTIME_DIRECTORY");

	if (!dir || !dir[0] || strchr(dir, ':'))
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	return path;
}

static void load_lost_reported(struct daemon *d)
{
	const char *path = state_path();
	unsigned long long total;
	unsigned id;
	FILE *f;

	d->lost_reported = 0;
	if (!path || !(f = fopen(path, "r")))
		return;
	/* Only for the same counters: a reload starts them from zero. */
	if (fscanf(f, "%u %llu", &id, &total) == 2 && id == d->counters_id)
		d->lost_reported = total;
	fclose(f);
}

static void save_lost_reported(const struct daemon *d)
{
	const char *path = state_path();
	char tmp[4200];
	FILE *f;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%u %llu\n", d->counters_id, (unsigned long long)d->lost_reported);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void report_lost(struct daemon *d)
{
	__u64 cnt[AF_CNT_NR], kernel_n = 0;

	if (d->k && kernel_counters(d->k, cnt) == 0) {
		if (cnt[AF_CNT_LOST] < d->lost_reported)
			d->lost_reported = 0;
		kernel_n = cnt[AF_CNT_LOST] - d->lost_reported;
	} else {
		cnt[AF_CNT_LOST] = d->lost_reported;
	}
	if (!kernel_n && !d->unsent)
		return;
	if (journal_lost(kernel_n + d->unsent, kernel_n, d->unsent, cnt[AF_CNT_LOST]))
		return; /* journald is not taking records: tried again next tick */
	d->lost_reported = cnt[AF_CNT_LOST];
	d->unsent = 0;
	save_lost_reported(d);
}

static void drain(struct daemon *d)
{
	int err;

	if (!d->rb)
		return;
	do {
		d->batch = 0;
		err = ring_buffer__consume(d->rb);
	} while (err == BATCH_FULL);
}

static void close_kernel(struct daemon *d)
{
	ring_buffer__free(d->rb);
	d->rb = NULL;
	kernel_close(d->k);
	d->k = NULL;
	d->gen = d->dec_gen = 0;
	memset(d->meta, 0, sizeof(d->meta));
}

/* Take up the pinned state: its ring buffer, counters and generation. */
static int open_kernel(struct daemon *d)
{
	int err = kernel_open_pinned(&d->k);

	if (err)
		return err;
	d->rb = ring_buffer__new(kernel_map_fd(d->k, AF_MAP_EVENTS), on_event, d, NULL);
	if (!d->rb) {
		err = -errno;
		log_warn(err, "daemon: cannot read the event ring buffer");
		kernel_close(d->k);
		d->k = NULL;
		return err;
	}
	d->events_id = map_id(kernel_map_fd(d->k, AF_MAP_EVENTS));
	d->counters_id = map_id(kernel_map_fd(d->k, AF_MAP_COUNTERS));
	load_lost_reported(d);
	refresh_state(d);
	return 0;
}

/*
 * Whether the pins still hold the maps we read: after an unload (and maybe
 * a new first apply) what is left in the old ring buffer is drained and
 * its losses reported, then the new state is taken up.
 */
static void check_pins(struct daemon *d)
{
	struct af_kernel *now = NULL;
	bool same;
	int err;

	err = kernel_open_pinned(&now);
	if (err && err != -ENOENT)
		return; /* cannot tell: logged, tried again next tick */
	same = !err && d->k && map_id(kernel_map_fd(now, AF_MAP_EVENTS)) == d->events_id;
	kernel_close(now);
	if (same || (err && !d->k))
		return;
	if (d->k) {
		drain(d);
		report_lost(d);
		close_kernel(d);
		log_warnx("daemon: archfence was unloaded: nothing is enforced");
		sd_notify(0, "STATUS=not enforcing: archfence was unloaded");
	}
	if (!err && open_kernel(d) == 0)
		log_warnx("daemon: archfence was loaded again: generation %u in force", d->gen);
}

static void notify_status(const struct daemon *d)
{
	char sha[13], pending[1024] = "";
	size_t i, o = 0;

	if (!d->k)
		return;
	if (d->npending)
		o = (size_t)snprintf(pending, sizeof(pending), "; %zu path%s pending:", d->npending,
				     d->npending == 1 ? "" : "s");
	for (i = 0; i < d->npending && o < sizeof(pending); i++)
		o += (size_t)snprintf(pending + o, sizeof(pending) - o, " %s", d->pending[i]);
	snprintf(sha, sizeof(sha), "%s", d->sha[d->gen & 1]);
	sd_notifyf(0, "STATUS=enforcing: generation %u, mode %s, policy sha256 %s; %llu records%s%s",
		   d->gen, af_mode_name(d->mode), sha, (unsigned long long)d->records, pending,
		   status_note);
}

/* The mount table changed: paths are decoded against the new one. */
static void check_mounts(struct daemon *d)
{
	struct pollfd p = { .fd = d->mountinfo, .events = POLLPRI };
	struct event_decoder *dec;

	if (!reopen_requested && (d->mountinfo < 0 || poll(&p, 1, 0) <= 0))
		return;
	reopen_requested = 0;
	dec = event_decoder_new();
	if (!dec)
		return;
	event_decoder_free(d->dec);
	d->dec = dec;
	d->dec_gen = 0;
	if (d->mountinfo >= 0)
		close(d->mountinfo);
	d->mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
}

/* An interface appeared or changed: the egress check goes on it, as on the others. */
static void check_interfaces(struct daemon *d)
{
	int err;

	if (!d->k || !egress_watch_changed(d->linkwatch))
		return;
	err = kernel_egress_attach();
	if (err)
		log_warn(err, "daemon: cannot put the egress check on every interface");
}

static void tick(struct daemon *d)
{
	/* Repeats held back by coalescing whose window has ended. */
	if (d->k)
		kernel_flush();
	if (!d->k || ++d->ticks % PIN_TICKS == 0)
		check_pins(d);
	refresh_state(d);
	check_pending(d);
	report_lost(d);
	check_mounts(d);
	check_interfaces(d);
	notify_status(d);
	if (d->watchdog)
		sd_notify(0, "WATCHDOG=1");
}

/* Ready means enforcing: every program attached and a policy in force. */
static int check_enforcing(struct daemon *d)
{
	int expected, links = kernel_links(&expected);

	if (!d->gen) {
		log_warnx("daemon: no policy is in force");
		return -ENOENT;
	}
	if (expected <= 0 || links != expected) {
		log_warnx("daemon: only %d of %d programs are attached: not enforcing fully "
			  "(archfence unload, then archfence apply, attaches them again)", links,
			  expected);
		return -ENOLINK;
	}
	return 0;
}

/*
 * The boot never fails open: a boot policy that cannot be read, does not
 * check or cannot be applied leaves the last good policy in force, with a
 * critical alarm. Only without a last good copy does the daemon fail (and
 * the unit with it, after a few restarts: see archfence.service).
 */
static int apply_boot_policy(const char *file)
{
	char stage[16], sha[65], *errors = NULL;
	struct af_kernel *k = NULL;
	struct last_good lg;
	struct af_state st;
	struct af_meta meta;
	const char *text;
	size_t nerrors;
	int rc, err;

	rc = cmd_apply_file(file, APPLY_IF_UNLOADED);
	if (rc != EXIT_FAIL) {
		if (rc)
			sd_notifyf(0, "STATUS=not enforcing: %s could not be applied", file);
		return rc;
	}
	af_strlcpy(stage, cmd_apply_refusal(&nerrors, &text), sizeof(stage));
	errors = text ? strdup(text) : NULL;
	err = last_good_read(&lg);
	if (err) {
		if (err != -ENOENT)
			log_warn(err, "daemon: cannot read the last good policy in %s",
				 AF_LAST_GOOD_DIR);
		log_warnx("daemon: %s could not be applied and there is no last good policy: "
			  "nothing is enforced", file);
		if (boot_policy_alarm(file, stage, nerrors, errors, NULL, NULL, 0))
			log_warnx("daemon: cannot record the alarm in the journal");
		sd_notifyf(0, "STATUS=not enforcing: %s could not be applied, and there is no "
			      "last good policy", file);
		free(errors);
		return rc;
	}
	log_warnx("daemon: %s could not be applied: applying the last good policy, kept from "
		  "%s, instead", file, lg.source[0] ? lg.source : "(unknown)");
	rc = cmd_apply_file(AF_LAST_GOOD_FILE, APPLY_IF_UNLOADED | APPLY_LAST_GOOD);
	if (rc) {
		log_warnx("daemon: the last good policy could not be applied either: nothing is "
			  "enforced");
		if (boot_policy_alarm(file, stage, nerrors, errors, NULL, NULL, 0))
			log_warnx("daemon: cannot record the alarm in the journal");
		sd_notifyf(0, "STATUS=not enforcing: neither %s nor the last good policy could "
			      "be applied", file);
		free(errors);
		return rc;
	}
	memset(&meta, 0, sizeof(meta));
	if (kernel_open_pinned(&k) == 0) {
		if (kernel_state(k, &st, NULL, &meta))
			memset(&meta, 0, sizeof(meta));
		kernel_close(k);
	}
	journal_sha_hex(meta.sha256, sha);
	if (boot_policy_alarm(file, stage, nerrors, errors, &lg, meta.gen ? sha : "", meta.gen))
		log_warnx("daemon: cannot record the alarm in the journal");
	snprintf(status_note, sizeof(status_note), "; the last good policy: %s could not be "
		 "applied", file);
	free(errors);
	return EXIT_OK;
}

static int run_daemon(int argc, char **argv)
{
	static const struct option opts[] = { { "policy", required_argument, NULL, 'p' }, { 0 } };
	char boot[PATH_MAX];
	const char *file = boot;
	struct sigaction sa = { .sa_handler = on_hup };
	struct daemon *d = NULL;
	long long next_tick;
	int rc = EXIT_OK, err, opt;
	bool more = false;
	uint64_t usec;

	while ((opt = cli_getopt(&cmd_daemon, argc, argv, "p:", opts)) != -1) {
		if (opt != 'p')
			return opt == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		file = optarg;
	}
	if (cli_operands(&cmd_daemon, argc, argv, 0, 0))
		return EXIT_USAGE;
	if (file == boot)
		boot_policy_get(boot, sizeof(boot));
	cli_catch_signals();
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The same path as archfence apply: nothing loaded yet, so load it. */
	rc = apply_boot_policy(file);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_warnx("daemon: out of memory");
		return EXIT_FAIL;
	}
	d->mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	d->cgroupfs = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Watching before the first pass: no interface falls between the two. */
	d->linkwatch = egress_watch_open();
	if (kernel_egress_attach() && kernel_egress_attach())
		log_warnx("daemon: the egress check is not on every interface (see archfence status)");
	d->dec = event_decoder_new();
	err = d->dec ? open_kernel(d) : -ENOMEM;
	if (err == -ENOENT)
		log_warnx("daemon: archfence was unloaded while it started");
	if (err || check_enforcing(d)) {
		rc = EXIT_FAIL;
		goto out;
	}
	d->watchdog = sd_watchdog_enabled(0, &usec) > 0;
	sd_notifyf(0, "READY=1\nSTATUS=enforcing: generation %u, mode %s, policy sha256 %.12s%s",
		   d->gen, af_mode_name(d->mode), d->sha[d->gen & 1], status_note);
	printf("daemon: enforcing generation %u (mode %s, policy sha256 %s); recording to the "
	       "journal\n", d->gen, af_mode_name(d->mode), d->sha[d->gen & 1]);

	next_tick = now_ms();
	while (!cli_stop) {
		long long now = now_ms();
		int timeout;

		if (now >= next_tick) {
			tick(d);
			next_tick = now + TICK_MS;
		}
		timeout = more ? 0 : (int)(next_tick - now);
		if (!d->rb) {
			poll(NULL, 0, timeout);
			continue;
		}
		d->batch = 0;
		err = ring_buffer__poll(d->rb, timeout);
		more = err == BATCH_FULL;
		if (err < 0 && err != -EINTR && !more) {
			log_warn(err, "daemon: reading the ring buffer");
			rc = EXIT_FAIL;
			break;
		}
	}
	/* Stopping: what waits in the ring buffer goes out first. */
	sd_notify(0, "STOPPING=1");
	if (d->k)
		kernel_flush();
	drain(d);
	report_lost(d);
out:
	if (d) {
		int i;

		close_kernel(d);
		event_decoder_free(d->dec);
		if (d->mountinfo >= 0)
			close(d->mountinfo);
		if (d->cgroupfs >= 0)
			close(d->cgroupfs);
		if (d->linkwatch >= 0)
			close(d->linkwatch);
		for (i = 0; i < PROC_SLOTS; i++)
			free(d->procs[i].exe);
		for (i = 0; i < EXE_SLOTS; i++)
			free(d->exes[i].path);
		free_pending(d);
		free(d);
	}
	return rc;
}

const struct command cmd_daemon = {
	.name = "daemon",
	.usage = "daemon [--policy FILE]",
	.help = "Run by archfence.service. Applies the policy (default: the boot policy, the file\n"
		"last applied, else " POLICY_DEFAULT_FILE ") if none is in force yet, or the last\n"
		"good policy if that fails, with a critical alarm; or takes up the one pinned in\n"
		"the kernel. Tells systemd it is ready only when every program is attached and a\n"
		"policy is in force; then records every audit and deny in the journal, with the\n"
		"accesses each record stands for, and reports accesses whose record was lost.\n"
		"Stopping it does not stop enforcement. SIGHUP re-reads the mount table.\n\n"
		"  -p, --policy FILE   the policy to apply when none is in force\n\n"
		"Examples:\n"
		"  systemctl enable --now archfence\n"
		"  journalctl -u archfence -o verbose\n",
	.run = run_daemon,
};
