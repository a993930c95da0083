// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "generation.h"
#include "log.h"
#include "policy.h"
#include "tasks.h"
#include "util.h"

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The parent of pid, from /proc/PID/stat (0 when it cannot be read). */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *rp;
	pid_t ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		/* The command may hold spaces and parentheses: the last ')' ends it. */
		rp = strrchr(buf, ')');
		if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
			ppid = 0;
	}
	fclose(f);
	return ppid;
}

void tasks_unit(pid_t pid, char *buf, size_t len)
{
	char path[64], *line = NULL, *slash;
	size_t cap = 0;
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		slash = strrchr(line, '/');
		if (slash && slash[1])
			af_strlcpy(buf, slash + 1, len);
	}
	free(line);
	fclose(f);
}

/* The sink of g that process pid (executable dev:ino) runs as, or 0. */
static __u32 sink_of(const struct af_generation *g, pid_t pid, __u64 dev, __u64 ino)
{
	char unit[128];
	size_t i;

	if (pid == 1)
		return AF_TASK_SINK | (AF_SINK_PID1 << AF_LV_SINK_SHIFT);
	if (parent_of(pid) != 1)
		return 0; /* sinks are services systemd started (their children inherit) */
	tasks_unit(pid, unit, sizeof(unit));
	for (i = 0; i < g->ntrusted; i++) {
		const struct af_trust_entry *t = &g->trusted[i];

		if (!t->val.sink || t->key.dev != dev || t->key.ino != ino)
			continue;
		if (!t->key.unit_hash || t->key.unit_hash == af_unit_hash(unit))
			return t->val.sink;
	}
	return 0;
}

/*
 * The Unix sockets a running sink holds are the sink's from now on: what a
 * tainted process sends into them is recorded, or refused, at once.
 */
static void mark_sockets(int sock_fd, int pidfd, pid_t pid, __u32 sink)
{
	char dir[64], path[320], target[64];
	struct af_sock_state st;
	struct dirent *de;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		int mine;

		if (*end || fd < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strncmp(target, "socket:", 7))
			continue;
		mine = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
		if (mine < 0)
			continue;
		/* Only Unix sockets have storage of ours; others refuse the update. */
		if (bpf_map_lookup_elem(sock_fd, &mine, &st))
			memset(&st, 0, sizeof(st));
		st.sink = sink;
		st.taint = 0;
		bpf_map_update_elem(sock_fd, &mine, &st, BPF_ANY);
		close(mine);
	}
	closedir(d);
}

int tasks_mark_sinks(int task_fd, int sock_fd, const struct af_generation *g)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end, link[64];
		long pid = strtol(de->d_name, &end, 10);
		struct af_task t;
		struct stat st;
		__u32 sink;
		int pidfd;

		if (*end || pid <= 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
		if (stat(link, &st))
			continue; /* a kernel thread, or gone */
		sink = sink_of(g, (pid_t)pid, af_kdev(st.st_dev), st.st_ino);
		if (!sink)
			continue;
		pidfd = pidfd_of((pid_t)pid);
		if (pidfd < 0)
			continue;
		if (bpf_map_lookup_elem(task_fd, &pidfd, &t))
			memset(&t, 0, sizeof(t));
		t.flags = (t.flags & AF_TASK_CONTROLLER) | sink;
		t.taint = 0;
		t.taint_ns = 0;
		t.taint_src = AF_SRC_NONE;
		t.src_a = t.src_b = 0;
		if (bpf_map_update_elem(task_fd, &pidfd, &t, BPF_ANY))
			log_warn(errno, "apply: cannot mark process %ld as a sink", pid);
		else
			n++;
		mark_sockets(sock_fd, pidfd, (pid_t)pid, sink);
		close(pidfd);
	}
	closedir(d);
	return n;
}

static void fill(struct task_info *ti, pid_t pid)
{
	char path[64];
	ssize_t n;
	FILE *f;

	ti->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, ti->exe, sizeof(ti->exe) - 1);
	ti->exe[n > 0 ? n : 0] = 0;
	tasks_unit(pid, ti->unit, sizeof(ti->unit));
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	ti->comm[0] = 0;
	f = fopen(path, "r");
	if (f) {
		if (fgets(ti->comm, sizeof(ti->comm), f))
			ti->comm[strcspn(ti->comm, "\n")] = 0;
		fclose(f);
	}
}

int tasks_get(int task_fd, pid_t pid, struct task_info *out)
{
	int pidfd, err = 0;

	memset(out, 0, sizeof(*out));
	pidfd = pidfd_of(pid);
	if (pidfd < 0)
		return -errno;
	if (bpf_map_lookup_elem(task_fd, &pidfd, &out->t)) {
		err = -errno;
		memset(&out->t, 0, sizeof(out->t));
	}
	close(pidfd);
	if (!err || err == -ENOENT)
		fill(out, pid);
	return err;
}

int tasks_tainted(int task_fd, struct task_info **out, size_t *n)
{
	struct task_info *v = NULL, ti;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (tasks_get(task_fd, (pid_t)pid, &ti) || !ti.t.taint)
			continue;
		if (*n == cap) {
			struct task_info *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = ti;
	}
	closedir(d);
	*out = v;
	return 0;
}

void tasks_taint_source(const struct af_task *t, char *buf, size_t len)
{
	switch (t->taint_src) {
	case AF_SRC_FILE:
		snprintf(buf, len, "it read a labelled file (inode %llu on %llu:%llu)",
			 (unsigned long long)t->src_b, (unsigned long long)(t->src_a >> 20),
			 (unsigned long long)(t->src_a & 0xfffff));
		break;
	case AF_SRC_PIPE:
		snprintf(buf, len, "it read a pipe or FIFO that tainted process %llu wrote into",
			 (unsigned long long)t->src_a);
		break;
	case AF_SRC_UNIX:
		snprintf(buf, len, "it read a Unix socket that tainted process %llu wrote into",
			 (unsigned long long)t->src_a);
		break;
	case AF_SRC_FLOW:
		snprintf(buf, len, "it received a local network flow that a tainted process sent into");
		break;
	case AF_SRC_PTRACE:
		snprintf(buf, len, "it read the memory of tainted process %llu",
			 (unsigned long long)t->src_a);
		break;
	case AF_SRC_PARENT:
		snprintf(buf, len, "its parent, process %llu, was tainted when it started it",
			 (unsigned long long)t->src_a);
		break;
	default:
		snprintf(buf, len, "it was tainted before archfence recorded why");
		break;
	}
}

__u64 tasks_cgroup_id(pid_t pid)
{
	char path[64], *line = NULL, *dir = NULL;
	size_t cap = 0;
	struct stat st;
	__u64 id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		if (asprintf(&dir, "/sys/fs/cgroup%s", line + 3) < 0)
			dir = NULL;
		break;
	}
	/* A cgroup's id is its directory's inode number in the cgroup2 file system. */
	if (dir && stat(dir, &st) == 0)
		id = st.st_ino;
	free(dir);
	free(line);
	fclose(f);
	return id;
}

/* Whether entry e of p applies to the program (dev, ino), as a member of unit (hash; 0: none). */
static bool entry_applies(const struct policy_trusted *e, __u64 dev, __u64 ino, __u64 unit)
{
	if (e->exe && (!ino || e->dev != dev || e->ino != ino))
		return false;
	if (e->unit && (!unit || af_unit_hash(e->unit) != unit))
		return false;
	return true;
}

size_t tasks_trust(const struct policy *p, const struct af_task *t, __u64 cg,
		   struct task_trust *out, size_t max, __u32 grant[AF_OP_COUNT])
{
	__u64 unit = t->unit_cg && cg == t->unit_cg ? t->unit_hash : 0;
	size_t i, n = 0;
	unsigned op;

	for (op = 0; op < AF_OP_COUNT; op++)
		grant[op] = 0;
	for (i = 0; p && i < p->ntrusted; i++) {
		const struct policy_trusted *e = &p->trusted[i];
		enum task_trust_why why;

		if (e->exe && entry_applies(e, t->prog_dev, t->prog_ino, unit))
			why = TRUST_PROGRAM;
		else if (!e->exe && entry_applies(e, 0, 0, unit))
			why = TRUST_UNIT;
		else if (e->exe && e->inherit && entry_applies(e, t->inh_dev, t->inh_ino, unit))
			why = TRUST_INHERITED;
		else
			continue;
		for (op = 0; op < AF_OP_COUNT; op++)
			grant[op] |= e->allow[op];
		if (n < max) {
			out[n].entry = e;
			out[n].why = why;
		}
		n++;
	}
	return n;
}

const char *tasks_unit_name(const struct policy *p, __u64 hash)
{
	size_t i;

	for (i = 0; p && hash && i < p->ntrusted; i++)
		if (p->trusted[i].unit && af_unit_hash(p->trusted[i].unit) == hash)
			return p->trusted[i].unit;
	for (i = 0; p && hash && i < p->nsinks; i++)
		if (p->sinks[i].unit && af_unit_hash(p->sinks[i].unit) == hash)
			return p->sinks[i].unit;
	return NULL;
}

/* Label names of mask, from the generation's record. */
void tasks_labels(const struct af_meta *m, __u32 mask, char *buf, size_t len)
{
	size_t o = 0;
	unsigned l;

	buf[0] = 0;
	for (l = 0; l < AF_MAX_LABELS && o < len; l++)
		if ((mask & (1u << l)) && m->labels[l][0])
			o += (size_t)snprintf(buf + o, len - o, "%s%.*s", o ? "," : "",
					      AF_LABEL_NAME_MAX, m->labels[l]);
}

/* When a CLOCK_MONOTONIC time of the kernel's was, as local time. */
void tasks_mono_time(__u64 ns, char *buf, size_t len)
{
	struct timespec mono, real;
	struct tm tm;
	time_t t;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	t = real.tv_sec - (time_t)((__u64)mono.tv_sec - ns / 1000000000ull);
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

