// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: system-call micro loops. Each measurement is a fixed
 * number of iterations per operation (base_iters() times --scale), run as 20
 * batches timed with CLOCK_MONOTONIC after one warm-up batch, and cut short
 * after --cap-ms of wall time (for peers such as fapolicyd that cost
 * milliseconds per open under emulation). One JSON object per line:
 * {"op":..., "kind":..., "depth":..., "iters":..., "ns": median batch's ns/op, ...}.
 *
 *   micro [OPTIONS] ROOT             loops over ROOT/KIND/x<DEPTH>/d/.../d/f
 *   micro --cold DIR COUNT           open+read+close DIR/0 .. DIR/COUNT-1 once each
 *
 * Options: --scale F (default 1), --cap-ms MS (default 0: none),
 * --ops LIST (open,read,write,stat,mmap,rename,link,tcp), --depths LIST
 * (1,8,32,256), --kinds LIST (unl,lab), --tag JSON (added to every line).
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
static long cap_ms;
static const char *tag = "";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
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

	switch (op[0]) {
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

/* Iterations per measurement at --scale 1: about 0.1 s each under TCG. */
static long base_iters(const char *op)
{
	static const struct { const char *op; long n; } t[] = {
		{ "open", 4000 }, { "read", 40000 }, { "write", 25000 }, { "stat", 10000 },
		{ "mmap", 2500 }, { "rename", 600 }, { "link", 700 }, { "tcp", 2500 },
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
 * BATCHES timed batches after one untimed warm-up batch; the reported "ns" is
 * the median batch's time per operation, which a burst of interference in
 * one batch (timer, the emulator's own threads) does not move.
 */
#define BATCHES 20

static void report(const char *op, const char *kind, int depth, long done, double *per, int nb,
		   double total)
{
	qsort(per, (size_t)nb, sizeof(*per), cmp_double);
	printf("{%s\"op\":\"%s\",\"kind\":\"%s\",\"depth\":%d,\"iters\":%ld,\"batches\":%d,"
	       "\"ns\":%.1f,\"ns_min\":%.1f,\"ns_mean\":%.1f}\n", tag, op, kind, depth, done, nb,
	       nb % 2 ? per[nb / 2] : (per[nb / 2 - 1] + per[nb / 2]) / 2, per[0],
	       total / (double)done);
	fflush(stdout);
}

static void measure(const char *op, const char *kind, int depth, struct target *t)
{
	long n = (long)((double)base_iters(op) * scale), per_batch, i, done = 0;
	double per[BATCHES], t0, t1, start, total = 0, limit = cap_ms > 0 ? (double)cap_ms * 1e6 : 0;
	int b, nb = 0;

	per_batch = n / BATCHES > 0 ? n / BATCHES : 1;
	for (i = 0; i < per_batch; i++)
		if (step(op, t))
			die(op, kind);
	start = now_ns();
	for (b = 0; b < BATCHES; b++) {
		t0 = now_ns();
		for (i = 0; i < per_batch; i++)
			if (step(op, t))
				die(op, kind);
		t1 = now_ns();
		per[nb++] = (t1 - t0) / (double)per_batch;
		total += t1 - t0;
		done += per_batch;
		if (limit > 0 && nb >= 3 && t1 - start > limit)
			break;
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

		t0 = now_ns();
		for (j = 0; j < per_batch; j++, i++) {
			snprintf(name, sizeof(name), "%ld", i);
			fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				die("open", name);
			if (read(fd, &c, 1) < 0)
				die("read", name);
			close(fd);
		}
		t1 = now_ns();
		per[nb++] = (t1 - t0) / (double)per_batch;
		total += t1 - t0;
		done += per_batch;
	}
	if (!nb)
		return 1;
	report("cold", dir, 0, done, per, nb, total);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const all_ops[] = { "open", "read", "write", "stat", "mmap", "rename",
					       "link" };
	static const int all_depths[] = { 1, 8, 32, 256 };
	static const char *const all_kinds[] = { "unl", "lab" };
	const char *ops = "open,read,write,stat,mmap,rename,link,tcp", *depths = "1,8,32,256";
	const char *kinds = "unl,lab", *root = NULL, *cold = NULL;
	static char tagbuf[512];
	char dstr[16];
	int i, k, d, a;

	for (a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(argv[a], "--scale") && v)
			scale = atof(v), a++;
		else if (!strcmp(argv[a], "--cap-ms") && v)
			cap_ms = atol(v), a++;
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
		else if (argv[a][0] != '-' && !root)
			root = argv[a];
		else {
			fprintf(stderr, "usage: micro [--scale F] [--cap-ms MS] [--ops LIST] "
					"[--depths LIST] [--kinds LIST] [--tag JSON] ROOT\n"
					"       micro [--tag JSON] --cold DIR COUNT\n");
			return 2;
		}
	}
	if (scale <= 0 || !root) {
		fprintf(stderr, "micro: need ROOT (or --cold DIR COUNT) and --scale > 0\n");
		return 2;
	}
	if (tag[0]) {
		snprintf(tagbuf, sizeof(tagbuf), "%s,", tag);
		tag = tagbuf;
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
