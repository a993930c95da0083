// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: load the floor (build/bench/floor.bpf.o, see
 * floor.bpf.c) and pin its links, so that it stays in force after this
 * program exits, the way archfence's own programs do; or remove it.
 *
 *   floor load [OBJ]     load OBJ (default: floor.bpf.o beside this program),
 *                        attach every program, pin the links under PIN
 *   floor unload         remove the pins (the programs detach)
 *   floor status         print the number of links pinned
 *
 * PIN is /sys/fs/bpf/afbench-floor. Exits 1 with a message when anything
 * fails (nothing stays pinned then).
 */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIN "/sys/fs/bpf/afbench-floor"

static int unload(int quiet)
{
	struct dirent *e;
	char p[PATH_MAX];
	int n = 0;
	DIR *d = opendir(PIN);

	if (!d)
		return errno == ENOENT ? 0 : (perror("floor: " PIN), 1);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", PIN, e->d_name);
		if (unlink(p) == 0)
			n++;
		else
			fprintf(stderr, "floor: unlink %s: %s\n", p, strerror(errno));
	}
	closedir(d);
	if (rmdir(PIN)) {
		perror("floor: rmdir " PIN);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "floor: %d links removed\n", n);
	return 0;
}

static int load(const char *path)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char p[PATH_MAX];
	int n = 0, err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "floor: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "floor: load %s: %s\n", path, strerror(-err));
		return 1;
	}
	if (mkdir(PIN, 0700) && errno != EEXIST) {
		perror("floor: mkdir " PIN);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *l = bpf_program__attach(prog);

		if (!l) {
			fprintf(stderr, "floor: attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			unload(1);
			return 1;
		}
		snprintf(p, sizeof(p), "%s/%s", PIN, bpf_program__name(prog));
		if (bpf_link__pin(l, p)) {
			fprintf(stderr, "floor: pin %s: %s\n", p, strerror(errno));
			unload(1);
			return 1;
		}
		n++;
	}
	bpf_object__close(obj); /* the pins keep the links, the links the programs */
	printf("%d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	char def[PATH_MAX], *slash;
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (argc >= 2 && !strcmp(argv[1], "load")) {
		if (argc >= 3)
			return load(argv[2]);
		ssize_t len = readlink("/proc/self/exe", def, sizeof(def) - 16);

		if (len < 0)
			return perror("floor: /proc/self/exe"), 1;
		def[len] = 0;
		slash = strrchr(def, '/');
		strcpy(slash ? slash + 1 : def, "floor.bpf.o");
		return load(def);
	}
	if (argc == 2 && !strcmp(argv[1], "unload"))
		return unload(0);
	if (argc == 2 && !strcmp(argv[1], "status")) {
		if ((d = opendir(PIN))) {
			while ((e = readdir(d)))
				n += e->d_name[0] != '.';
			closedir(d);
		}
		printf("%d\n", n);
		return 0;
	}
	fprintf(stderr, "usage: floor load [OBJ] | unload | status\n");
	return 2;
}
