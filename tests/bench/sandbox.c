// SPDX-License-Identifier: GPL-2.0
/*
 * archfence benchmark: the Landlock peer. Runs a command under a Landlock
 * ruleset equivalent to an archfence policy that denies some trees and
 * allows everything else:
 *
 *   sandbox [--deny PATH]... [--allow PATH]... [--check PATH] -- CMD [ARG...]
 *
 * Landlock only grants, so "everything except PATH" is written as a rule
 * granting every file-system right the kernel knows beneath each sibling of
 * every directory on the way from / to PATH; PATH itself and the directories
 * above it get no rule. --allow adds an explicit rule on a tree (so that the
 * kernel's walk meets a rule there, like archfence's labelled-but-allowed
 * decision). --check PATH: before exec, opening PATH must fail with EACCES,
 * or the sandbox refuses to run (exit 1). Creating entries directly inside a
 * directory above a denied tree is refused too: Landlock cannot say "beneath
 * /srv but not beneath /srv/x".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION	(1U << 0)
#endif

#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
		     LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define MAX_PATHS 64

static const char *deny[MAX_PATHS], *allow[MAX_PATHS];
static int ndeny, nallow, ruleset, nrules, nskipped;
static __u64 rights;

static int ll_create(const struct landlock_ruleset_attr *attr, size_t size, __u32 flags)
{
	return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static int ll_add(int fd, const struct landlock_path_beneath_attr *attr)
{
	return (int)syscall(__NR_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, attr, 0);
}

static int ll_restrict(int fd)
{
	return (int)syscall(__NR_landlock_restrict_self, fd, 0);
}

/* Whether dir is a proper ancestor of p ("/srv" of "/srv/a"). */
static int is_above(const char *dir, const char *p)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return p[0] == '/' && p[1];
	return !strncmp(dir, p, n) && p[n] == '/';
}

static int add_rule(const char *path, int must)
{
	struct landlock_path_beneath_attr pb = { 0 };
	struct stat st;
	int fd, err;

	fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st)) {
		if (must) {
			fprintf(stderr, "sandbox: %s: %s\n", path, strerror(errno));
			exit(1);
		}
		nskipped++;
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		/* A symlink's target is reached through its own rule. */
		close(fd);
		return 0;
	}
	pb.parent_fd = fd;
	pb.allowed_access = S_ISDIR(st.st_mode) ? rights : rights & FILE_RIGHTS;
	err = ll_add(ruleset, &pb);
	if (err) {
		if (must) {
			fprintf(stderr, "sandbox: rule for %s: %s\n", path, strerror(errno));
			exit(1);
		}
		nskipped++;
	} else {
		nrules++;
	}
	close(fd);
	return 0;
}

/* Grant everything beneath every entry of dir except the denied trees. */
static void visit(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int i;

	if (!d) {
		fprintf(stderr, "sandbox: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	while ((de = readdir(d))) {
		char p[PATH_MAX];
		int skip = 0, above = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name);
		for (i = 0; i < ndeny; i++) {
			if (!strcmp(p, deny[i]))
				skip = 1;
			else if (is_above(p, deny[i]))
				above = 1;
		}
		if (skip)
			continue;
		if (above)
			visit(p);
		else
			add_rule(p, 0);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	struct landlock_ruleset_attr attr = { 0 };
	const char *check = NULL;
	int a, abi, i;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--") ) {
			a++;
			break;
		}
		if (a + 1 >= argc)
			break;
		if (!strcmp(argv[a], "--deny") && ndeny < MAX_PATHS)
			deny[ndeny++] = argv[++a];
		else if (!strcmp(argv[a], "--allow") && nallow < MAX_PATHS)
			allow[nallow++] = argv[++a];
		else if (!strcmp(argv[a], "--check"))
			check = argv[++a];
		else
			break;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: sandbox [--deny PATH]... [--allow PATH]... [--check PATH] "
				"-- CMD [ARG...]\n");
		return 2;
	}
	for (i = 0; i < ndeny; i++) {
		if (deny[i][0] != '/' || !strcmp(deny[i], "/")) {
			fprintf(stderr, "sandbox: --deny takes an absolute path below /\n");
			return 2;
		}
	}
	abi = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		fprintf(stderr, "sandbox: Landlock is not available: %s\n", strerror(errno));
		return 1;
	}
	rights = FILE_RIGHTS | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
		 LANDLOCK_ACCESS_FS_REFER;
	if (abi < 2)
		rights &= ~LANDLOCK_ACCESS_FS_REFER;
	if (abi < 3)
		rights &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi < 5)
		rights &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
	attr.handled_access_fs = rights;
	ruleset = ll_create(&attr, sizeof(attr), 0);
	if (ruleset < 0) {
		fprintf(stderr, "sandbox: landlock_create_ruleset: %s\n", strerror(errno));
		return 1;
	}
	if (ndeny)
		visit("/");
	else
		add_rule("/", 1);
	for (i = 0; i < nallow; i++)
		add_rule(allow[i], 1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || ll_restrict(ruleset)) {
		fprintf(stderr, "sandbox: cannot enforce the ruleset: %s\n", strerror(errno));
		return 1;
	}
	close(ruleset);
	if (getenv("SANDBOX_VERBOSE"))
		fprintf(stderr, "sandbox: Landlock ABI %d, %d rules, %d entries skipped\n", abi,
			nrules, nskipped);
	if (check) {
		int fd = open(check, O_RDONLY | O_CLOEXEC);

		if (fd >= 0 || errno != EACCES) {
			fprintf(stderr, "sandbox: %s is not refused (%s): the ruleset does not enforce\n",
				check, fd >= 0 ? "opened" : strerror(errno));
			return 1;
		}
	}
	execvp(argv[a], argv + a);
	fprintf(stderr, "sandbox: %s: %s\n", argv[a], strerror(errno));
	return 127;
}
