// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: make many labelled inodes quickly.
 *
 *   mkfiles DIR LINKDIR COUNT
 *
 * creates COUNT empty files (no page each: a million fit in tmpfs) DIR/0 .. DIR/COUNT-1 and a hard link to each
 * in LINKDIR (same file system). Labelling DIR then gives every file a kernel
 * entry of its own (a file with several names is labelled by inode), which is
 * how the benchmark reaches a million labelled inodes. Prints the seconds taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	char name[32];
	long n, i;
	int dfd, lfd, fd;

	if (argc != 4 || (n = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: mkfiles DIR LINKDIR COUNT\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if ((mkdir(argv[1], 0755) && errno != EEXIST) || (mkdir(argv[2], 0755) && errno != EEXIST)) {
		perror("mkfiles: mkdir");
		return 1;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	lfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || lfd < 0) {
		perror("mkfiles: open");
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%ld", i);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue; /* made by an earlier run */
		if (fd < 0 || close(fd) ||
		    linkat(dfd, name, lfd, name, 0)) {
			fprintf(stderr, "mkfiles: %s/%s: %s\n", argv[1], name, strerror(errno));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
