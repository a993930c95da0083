// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: system-call micro loops, counted in guest instructions.
 *
 * Every figure is a count of time-stamp counter ticks (rdtsc) per operation.
 * In the benchmark's guest (tests/vm/run --icount: single-threaded TCG,
 * -icount shift=0) the TSC advances exactly one tick per guest instruction,
 * so a tick is an instruction executed anywhere in the guest while the loop
 * ran (the kernel, the BPF programs after JIT, interrupts), and the count does
 * not depend on the host's load. Natively it is a TSC cycle: ratios only.
 *
 * Each measurement is a fixed number of iterations per operation
 * (base_iters() times --scale), run as 11 timed batches after one warm-up
 * batch; "ticks_min" is the least disturbed batch's ticks per operation
 * (interrupts and kernel threads only ever add instructions to a batch: the
 * report uses this one), "ticks" the median batch's, "ticks_max" the worst
 * batch's. One JSON object per line:
 * {"op":..., "kind":..., "depth":..., "iters":..., "ticks":..., "ticks_min":..., ...}.
 *
 *   micro [OPTIONS] ROOT          loops over ROOT/KIND/x<DEPTH>/d/.../d/f
 *   micro --cold DIR COUNT        open+read+close DIR/0 .. DIR/COUNT-1 once each
 *   micro --first ROOT --sets LIST [--then CMD]
 *                                 the first open of ROOT/KIND/c<DEPTH>s<SET>/d/.../f:
 *                                 drops the dentry cache, opens every chain's
 *                                 directory, runs CMD (the apply), then opens each
 *                                 chain's f once: a directory not seen since the apply
 *
 * Options: --scale F (default 1), --ops LIST (open,read,write,stat,mmap,
 * rename,link,tcp; also getppid, spin), --depths LIST (1,8,32,256), --kinds
 * LIST (unl,lab), --tag JSON (added to every line). --cap-ms is accepted and
 * ignored (kept for old command lines).
 *
 * Every operation works relative to a directory file descriptor opened on the
 * file's own directory, so the kernel's path walk is the same at every depth
 * and any cost that grows with depth is the enforcement's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double scale = 1;
static const char *tag = "";

/* Ticks: guest instructions under tests/vm/run --icount. */
static double now_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (double)(((unsigned long long)hi << 32) | lo);
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
#endif
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "micro: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
	exit(1);
}

struct target {
	int dfd;	/* the file's directory */
	int fd;		/* the file, open read-write */
	int tx, rx;	/* tcp: connected pair over loopback */
	int flip;	/* rename: which name the file has now */
};

/* One iteration of op; returns -1 with errno on failure. */
static int step(const char *op, struct target *t)
{
	char c = 'x';
	struct stat st;
	void *p;
	int fd;

	switch (!strcmp(op, "spin") ? 'x' : op[0]) {
	case 'o': /* open */
		fd = openat(t->dfd, "f", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		return close(fd);
	case 'r':
		if (op[2] == 'a') /* read: 1 byte on the open fd */
			return pread(t->fd, &c, 1, 0) == 1 ? 0 : -1;
		/* rename: r1 <-> r2 */
		t->flip ^= 1;
		return renameat(t->dfd, t->flip ? "r1" : "r2", t->dfd, t->flip ? "r2" : "r1");
	case 'w':
		return pwrite(t->fd, &c, 1, 0) == 1 ? 0 : -1;
	case 's':
		return fstatat(t->dfd, "f", &st, 0);
	case 'm':
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, t->fd, 0);
		if (p == MAP_FAILED)
			return -1;
		return munmap(p, 4096);
	case 'l': /* link and unlink */
		if (linkat(t->dfd, "f", t->dfd, "l", 0))
			return -1;
		return unlinkat(t->dfd, "l", 0);
	case 'g': /* getppid: the cheapest system call */
		return getppid() > 0 ? 0 : -1;
	case 'x': { /* spin: no system call at all, only user instructions */
		volatile unsigned v = 0;
		int i;

		for (i = 0; i < 1000; i++)
			v += (unsigned)i;
		return 0;
	}
	case 't': /* one byte over loopback TCP, sent and received */
		if (send(t->tx, &c, 1, 0) != 1)
			return -1;
		return recv(t->rx, &c, 1, 0) == 1 ? 0 : -1;
	}
	errno = EINVAL;
	return -1;
}

static void tcp_pair(struct target *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int ls, one = 1;

	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &len))
		die("tcp listen", NULL);
	t->tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->tx < 0 || connect(t->tx, (struct sockaddr *)&a, sizeof(a)))
		die("tcp connect", NULL);
	t->rx = accept(ls, NULL, NULL);
	if (t->rx < 0)
		die("tcp accept", NULL);
	setsockopt(t->tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(ls);
}

/* Iterations per measurement at --scale 1: about 10-30 million instructions. */
static long base_iters(const char *op)
{
	static const struct { const char *op; long n; } t[] = {
		{ "open", 1100 }, { "read", 5500 }, { "write", 4400 }, { "stat", 2200 },
		{ "mmap", 550 }, { "rename", 330 }, { "link", 330 }, { "tcp", 550 },
		{ "getppid", 11000 }, { "spin", 2200 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].op, op))
			return t[i].n;
	return 1000;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * BATCHES timed batches after one untimed warm-up batch; the reported
 * "ticks" is the median batch's ticks per operation, which an interrupt or a
 * writeback in one batch does not move.
 */
#define BATCHES 11

static void report(const char *op, const char *kind, int depth, long done, double *per, int nb,
		   double total)
{
	qsort(per, (size_t)nb, sizeof(*per), cmp_double);
	printf("{%s\"op\":\"%s\",\"kind\":\"%s\",\"depth\":%d,\"iters\":%ld,\"batches\":%d,"
	       "\"ticks\":%.1f,\"ticks_min\":%.1f,\"ticks_max\":%.1f,\"ticks_mean\":%.1f}\n", tag, op,
	       kind, depth, done, nb, nb % 2 ? per[nb / 2] : (per[nb / 2 - 1] + per[nb / 2]) / 2,
	       per[0], per[nb - 1], total / (double)done);
	fflush(stdout);
}

static void measure(const char *op, const char *kind, int depth, struct target *t)
{
	long n = (long)((double)base_iters(op) * scale), per_batch, i, done = 0;
	double per[BATCHES], t0, t1, total = 0;
	int b, nb = 0;

	per_batch = n / BATCHES > 0 ? n / BATCHES : 1;
	for (i = 0; i < per_batch; i++)
		if (step(op, t))
			die(op, kind);
	for (b = 0; b < BATCHES; b++) {
		t0 = now_ticks();
		for (i = 0; i < per_batch; i++)
			if (step(op, t))
				die(op, kind);
		t1 = now_ticks();
		per[nb++] = (t1 - t0) / (double)per_batch;
		total += t1 - t0;
		done += per_batch;
	}
	report(op, kind, depth, done, per, nb, total);
}

static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
			return 1;
		p += n;
	}
	return 0;
}

/* Each file once: the first access after an apply, label not cached yet. */
static int run_cold(const char *dir, long count)
{
	long per_batch = count / BATCHES > 0 ? count / BATCHES : 1, i = 0, done = 0;
	double per[BATCHES], t0, t1, total = 0;
	char name[32], c;
	int dfd, fd, nb = 0;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die("open", dir);
	while (nb < BATCHES && i + per_batch <= count) {
		long j;

		t0 = now_ticks();
		for (j = 0; j < per_batch; j++, i++) {
			snprintf(name, sizeof(name), "%ld", i);
			fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				die("open", name);
			if (read(fd, &c, 1) < 0)
				die("read", name);
			close(fd);
		}
		t1 = now_ticks();
		per[nb++] = (t1 - t0) / (double)per_batch;
		total += t1 - t0;
		done += per_batch;
	}
	if (!nb)
		return 1;
	report("cold", dir, 0, done, per, nb, total);
	return 0;
}

/*
 * The first open in a directory not seen since the apply. Every chain
 * ROOT/KIND/c<DEPTH>s<SET>/d/.../d (DEPTH directories) has a file f. With the
 * dentry cache dropped, each chain's directory is opened (so the kernel's own
 * path walk is done before), then CMD runs (archfence apply, the floor's
 * load, or nothing), then each chain's f is opened and closed once, timed.
 */
static int run_first(const char *root, const char *kinds, const char *depths, const char *sets,
		     const char *then)
{
	static const int all_depths[] = { 1, 8, 32, 256 };
	static const char *const all_kinds[] = { "unl", "lab" };
	struct chain { const char *kind; int depth, set, dfd; } ch[256];
	int nch = 0, k, d, i, fd, dc;
	char path[4096], dstr[16];
	const char *sp;

	sync();
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (dc < 0 || write(dc, "2\n", 2) != 2)
		die("drop the dentry cache:", "/proc/sys/vm/drop_caches");
	close(dc);
	for (k = 0; k < 2; k++) {
		if (!in_list(kinds, all_kinds[k]))
			continue;
		for (d = 0; d < 4; d++) {
			snprintf(dstr, sizeof(dstr), "%d", all_depths[d]);
			if (!in_list(depths, dstr))
				continue;
			for (sp = sets; *sp && nch < 256; sp += strcspn(sp, ","), sp += *sp == ',') {
				int set = atoi(sp), n;

				n = snprintf(path, sizeof(path), "%s/%s/c%ds%d", root, all_kinds[k],
					     all_depths[d], set);
				for (i = 1; i < all_depths[d]; i++)
					n += snprintf(path + n, sizeof(path) - (size_t)n, "/d");
				ch[nch] = (struct chain){ all_kinds[k], all_depths[d], set, -1 };
				ch[nch].dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (ch[nch].dfd < 0)
					die("open", path);
				nch++;
			}
		}
	}
	if (then && system(then) != 0) {
		fprintf(stderr, "micro: --then %s failed\n", then);
		return 1;
	}
	for (i = 0; i < nch; i++) {
		double t0, t1;

		t0 = now_ticks();
		fd = openat(ch[i].dfd, "f", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open f at depth", ch[i].kind);
		close(fd);
		t1 = now_ticks();
		printf("{%s\"op\":\"first\",\"kind\":\"%s\",\"depth\":%d,\"set\":%d,\"ticks\":%.1f}\n",
		       tag, ch[i].kind, ch[i].depth, ch[i].set, t1 - t0);
		close(ch[i].dfd);
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const all_ops[] = { "open", "read", "write", "stat", "mmap", "rename",
					       "link", "getppid", "spin" };
	static const int all_depths[] = { 1, 8, 32, 256 };
	static const char *const all_kinds[] = { "unl", "lab" };
	const char *ops = "open,read,write,stat,mmap,rename,link,tcp", *depths = "1,8,32,256";
	const char *kinds = "unl,lab", *root = NULL, *cold = NULL, *first = NULL, *sets = "0";
	const char *then = NULL;
	static char tagbuf[512];
	char dstr[16];
	int i, k, d, a;

	for (a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(argv[a], "--scale") && v)
			scale = atof(v), a++;
		else if (!strcmp(argv[a], "--cap-ms") && v)
			a++; /* no longer used: instructions need no cap */
		else if (!strcmp(argv[a], "--ops") && v)
			ops = v, a++;
		else if (!strcmp(argv[a], "--depths") && v)
			depths = v, a++;
		else if (!strcmp(argv[a], "--kinds") && v)
			kinds = v, a++;
		else if (!strcmp(argv[a], "--tag") && v)
			tag = v, a++;
		else if (!strcmp(argv[a], "--cold") && v)
			cold = v, a++;
		else if (!strcmp(argv[a], "--first") && v)
			first = v, a++;
		else if (!strcmp(argv[a], "--sets") && v)
			sets = v, a++;
		else if (!strcmp(argv[a], "--then") && v)
			then = v, a++;
		else if (argv[a][0] != '-' && !root)
			root = argv[a];
		else {
			fprintf(stderr, "usage: micro [--scale F] [--cap-ms MS] [--ops LIST] "
					"[--depths LIST] [--kinds LIST] [--tag JSON] ROOT\n"
					"       micro [--tag JSON] --cold DIR COUNT\n");
			return 2;
		}
	}
	if (tag[0]) {
		snprintf(tagbuf, sizeof(tagbuf), "%s,", tag);
		tag = tagbuf;
	}
	if (first)
		return run_first(first, kinds, depths, sets, then);
	if (scale <= 0 || !root) {
		fprintf(stderr, "micro: need ROOT (or --cold DIR COUNT) and --scale > 0\n");
		return 2;
	}
	if (cold)
		return run_cold(cold, atol(root));

	for (k = 0; k < 2; k++) {
		if (!in_list(kinds, all_kinds[k]))
			continue;
		for (d = 0; d < 4; d++) {
			char path[4096];
			struct target t = { .tx = -1, .rx = -1 };
			int n;

			snprintf(dstr, sizeof(dstr), "%d", all_depths[d]);
			if (!in_list(depths, dstr))
				continue;
			n = snprintf(path, sizeof(path), "%s/%s/x%d", root, all_kinds[k], all_depths[d]);
			for (i = 1; i < all_depths[d]; i++)
				n += snprintf(path + n, sizeof(path) - (size_t)n, "/d");
			t.dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (t.dfd < 0)
				die("open", path);
			t.fd = openat(t.dfd, "f", O_RDWR | O_CLOEXEC);
			if (t.fd < 0)
				die("open f in", path);
			/* rename needs r1 (or r2 from an earlier run) */
			if (faccessat(t.dfd, "r1", F_OK, 0) == 0)
				t.flip = 0;
			else if (faccessat(t.dfd, "r2", F_OK, 0) == 0)
				t.flip = 1;
			else
				die("no r1 or r2 in", path);
			unlinkat(t.dfd, "l", 0);
			for (i = 0; i < (int)(sizeof(all_ops) / sizeof(all_ops[0])); i++)
				if (in_list(ops, all_ops[i]))
					measure(all_ops[i], all_kinds[k], all_depths[d], &t);
			close(t.fd);
			close(t.dfd);
		}
	}
	if (in_list(ops, "tcp")) {
		struct target t = { .dfd = -1, .fd = -1 };

		tcp_pair(&t);
		measure("tcp", "none", 0, &t);
		close(t.tx);
		close(t.rx);
	}
	return 0;
}
