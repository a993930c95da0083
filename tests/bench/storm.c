// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: a denial storm. Opens FILE for reading COUNT times as
 * fast as it can and counts how each attempt ended. Prints one JSON line:
 * {"opens":N,"refused":N,"allowed":N,"other":N,"seconds":S,"ns":per-open}.
 *
 *   storm FILE COUNT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, i, refused = 0, allowed = 0, other = 0;
	struct timespec a, b;
	double s;
	int fd;

	if (argc != 3 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: storm FILE COUNT\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			allowed++;
			close(fd);
		} else if (errno == EACCES || errno == EPERM) {
			refused++;
		} else {
			other++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("{\"opens\":%ld,\"refused\":%ld,\"allowed\":%ld,\"other\":%ld,\"seconds\":%.3f,"
	       "\"ns\":%.1f}\n", n, refused, allowed, other, s, s * 1e9 / (double)n);
	return 0;
}
