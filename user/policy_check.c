// SPDX-License-Identifier: GPL-2.0
/*
 * Paths and programs against the file system. A label belongs to an inode,
 * so every labelled path must name its object directly: no symlink anywhere
 * on the way (the reviewer would read one path and the kernel label
 * another), no "..", nothing but regular files and directories. The
 * controller's own files must stay unlabelled, or a policy could lock the
 * controller out of itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "util.h"
#include "policy_int.h"

const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "of an unknown type";
	}
}

enum norm path_normalise(const char *in, char **out)
{
	size_t len = strlen(in), o = 0, i = 0;
	char *buf;

	*out = NULL;
	if (in[0] != '/')
		return NORM_RELATIVE;
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)
			return NORM_CONTROL;
	buf = malloc(len + 1);
	if (!buf)
		return NORM_NOMEM;
	i = 0;
	while (i < len) {
		size_t start, n;

		while (i < len && in[i] == '/')
			i++;
		start = i;
		while (i < len && in[i] != '/')
			i++;
		n = i - start;
		if (!n || (n == 1 && in[start] == '.'))
			continue;
		if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
			free(buf);
			return NORM_DOTDOT;
		}
		buf[o++] = '/';
		memcpy(buf + o, in + start, n);
		o += n;
	}
	if (!o) {
		free(buf);
		return NORM_ROOT;
	}
	buf[o] = '\0';
	if (o >= PATH_MAX) {
		free(buf);
		return NORM_TOOLONG;
	}
	*out = buf;
	return NORM_OK;
}

/*
 * lstat every directory on the way to path (absolute, normalised), then path
 * itself. 0 with *st filled; 1 when *at is a symlink; or -errno for *at.
 * *at is a copy of the prefix that stopped the walk.
 */
static int walk(const char *path, struct stat *st, char **at)
{
	size_t len = strlen(path), i;
	char *buf;
	int ret = 0;

	*at = NULL;
	buf = strdup(path);
	if (!buf)
		return -ENOMEM;
	for (i = 1; i <= len; i++) {
		if (i < len && buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (lstat(buf, st) < 0)
			ret = -errno;
		else if (S_ISLNK(st->st_mode))
			ret = 1;
		if (ret) {
			*at = buf;
			return ret;
		}
		if (i < len)
			buf[i] = '/';
	}
	free(buf);
	return 0;
}

/*
 * Resolve one path for a label (what = "path") or a trusted program (what
 * names it); on failure the problem is reported at file:line.
 */
static int resolve(struct pctx *c, const char *file, unsigned line, const char *what,
		   const char *path, const char *verb, struct stat *st)
{
	char *at = NULL, *real = NULL;
	int ret;

	ret = walk(path, st, &at);
	if (ret == -ENOMEM) {
		c->nomem = true;
		return ret;
	}
	if (ret == 1) {
		real = realpath(path, NULL);
		if (!real && !strcmp(at, path))
			perr_add(c, file, line,
				 "%s '%s' is a symlink that does not resolve (%s); %s the real location instead",
				 what, path, strerror(errno), verb);
		else if (!real)
			perr_add(c, file, line,
				 "%s '%s' goes through the symlink '%s', which does not resolve (%s); %s the real location instead",
				 what, path, at, strerror(errno), verb);
		else if (!strcmp(at, path))
			perr_add(c, file, line, "%s '%s' is a symlink to '%s'; %s '%s' instead",
				 what, path, real, verb, real);
		else
			perr_add(c, file, line,
				 "%s '%s' goes through the symlink '%s' and resolves to '%s'; %s '%s' instead",
				 what, path, at, real, verb, real);
		ret = -ELOOP;
	} else if (ret == -ENOENT || ret == -ENOTDIR) {
		perr_add(c, file, line, "%s '%s' does not exist: %s", what, path, strerror(-ret));
	} else if (ret < 0) {
		if (strcmp(at, path))
			perr_add(c, file, line, "%s '%s' cannot be checked: '%s': %s", what, path, at,
				 strerror(-ret));
		else
			perr_add(c, file, line, "%s '%s' cannot be checked: %s", what, path,
				 strerror(-ret));
	}
	free(real);
	free(at);
	return ret;
}

int exe_resolve(struct pctx *c, const char *file, unsigned line, const char *what,
		const char *exe, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	int ret;

	ret = resolve(c, file, line, what, exe, "give", &st);
	if (ret < 0)
		return ret;
	if (!S_ISREG(st.st_mode)) {
		perr_add(c, file, line, "%s '%s' is not a regular file (it is %s)", what, exe,
			 file_type_name(st.st_mode));
		return -EINVAL;
	}
	if (!(st.st_mode & 0111)) {
		perr_add(c, file, line,
			 "%s '%s' is not executable (mode %04o); name the program that actually runs",
			 what, exe, (unsigned)(st.st_mode & 07777));
		return -EINVAL;
	}
	*dev = af_kdev(st.st_dev);
	*ino = st.st_ino;
	return 0;
}

/* ---- paths ---- */

struct pref {
	struct policy_path *pp;
	size_t idx;		/* policy order */
};

static int by_path(const void *pa, const void *pb)
{
	const struct pref *a = pa, *b = pb;
	int r = strcmp(a->pp->path, b->pp->path);

	return r ? r : a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int by_inode(const void *pa, const void *pb)
{
	const struct pref *a = pa, *b = pb;

	if (a->pp->dev != b->pp->dev)
		return a->pp->dev < b->pp->dev ? -1 : 1;
	if (a->pp->ino != b->pp->ino)
		return a->pp->ino < b->pp->ino ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * The same path twice: identical entries merge, different labels are an
 * error naming both lines. The later entry goes either way.
 */
static void merge_paths(struct pctx *c, struct pref *v)
{
	struct policy *p = c->p;
	size_t i, first, o;

	qsort(v, p->npaths, sizeof(*v), by_path);
	for (first = 0, i = 1; i < p->npaths; i++) {
		struct policy_path *a = v[first].pp, *b = v[i].pp;
		char la[AF_MAX_LABELS * AF_LABEL_NAME_MAX], lb[sizeof(la)];

		if (strcmp(a->path, b->path)) {
			first = i;
			continue;
		}
		if (a->labels != b->labels)
			perr_add(c, b->file, b->line,
				 "path '%s' is labelled '%s' here but '%s' at %s:%u; list it once, with every label it needs",
				 b->path, policy_labels_str(p, b->labels, lb, sizeof(lb)),
				 policy_labels_str(p, a->labels, la, sizeof(la)), a->file, a->line);
		free(b->path);
		b->path = NULL;
	}
	for (i = o = 0; i < p->npaths; i++)
		if (p->paths[i].path)
			p->paths[o++] = p->paths[i];
	p->npaths = o;
}

/* Two paths for one inode (hard links, bind mounts) must carry the same labels. */
static void same_inode(struct pctx *c, struct pref *v, size_t n)
{
	struct policy *p = c->p;
	size_t i, first;

	qsort(v, n, sizeof(*v), by_inode);
	for (first = 0, i = 1; i < n; i++) {
		struct policy_path *a = v[first].pp, *b = v[i].pp;
		char la[AF_MAX_LABELS * AF_LABEL_NAME_MAX], lb[sizeof(la)];

		if (a->dev != b->dev || a->ino != b->ino) {
			first = i;
			continue;
		}
		if (a->labels != b->labels)
			perr_add(c, b->file, b->line,
				 "path '%s' is the same file as '%s' (%s:%u), labelled '%s' there but '%s' here; a label belongs to the file, so give both the same labels",
				 b->path, a->path, a->file, a->line,
				 policy_labels_str(p, a->labels, la, sizeof(la)),
				 policy_labels_str(p, b->labels, lb, sizeof(lb)));
	}
}

/* Is q (normalised) equal to p, or below it? */
static bool covers(const char *p, const char *q)
{
	size_t n = strlen(p);

	return !strncmp(p, q, n) && (q[n] == '\0' || q[n] == '/');
}

struct inode {
	uint64_t dev, ino;
};

/*
 * The inodes that labelling would reach protected file q from: q itself
 * and every directory above it, as the kernel walks them (symlinks
 * resolved; for a file not there yet, from its nearest existing parent).
 */
static size_t protected_inodes(const char *q, struct inode *v, size_t max)
{
	char *real = NULL, *buf, *slash;
	size_t n = 0;
	struct stat st;

	buf = strdup(q);
	if (!buf)
		return 0;
	while (!(real = realpath(buf, NULL))) {
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			break;
		*slash = '\0';
	}
	free(buf);
	if (!real)
		return 0;
	for (;;) {
		if (n < max && stat(real, &st) == 0)
			v[n++] = (struct inode){ af_kdev(st.st_dev), st.st_ino };
		slash = strrchr(real, '/');
		if (!slash || slash == real)
			break;
		*slash = '\0';
	}
	free(real);
	return n;
}

static void check_protected(struct pctx *c)
{
	const char *const *prot = c->opts->protected_paths;
	struct policy *p = c->p;
	struct inode in[PATH_MAX / 2];
	size_t i, j, nin;

	for (; prot && *prot; prot++) {
		char *q = NULL;

		if (path_normalise(*prot, &q) != NORM_OK)
			continue;
		nin = c->opts->no_fs ? 0 : protected_inodes(q, in, sizeof(in) / sizeof(in[0]));
		for (i = 0; i < p->npaths; i++) {
			struct policy_path *pp = &p->paths[i];
			bool hit = covers(pp->path, q);

			for (j = 0; j < nin && !hit && pp->ino; j++)
				hit = in[j].dev == pp->dev && in[j].ino == pp->ino;
			if (hit)
				perr_add(c, pp->file, pp->line,
					 "path '%s' would label the controller's own file %s; label the directories beside it instead",
					 pp->path, *prot);
		}
		free(q);
	}
}

/*
 * The kernel's pseudo file systems hold its own state, not archive data:
 * their inodes come and go with that state (a label by inode would not
 * hold), and refusing reads or writes there stops the system's own tools.
 * The file system of path, or of its nearest existing directory; NULL when
 * it is an ordinary one.
 */
static const char *pseudo_fs(const char *path)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} fs[] = {
		{ PROC_SUPER_MAGIC, "procfs (/proc)" },
		{ SYSFS_MAGIC, "sysfs (/sys)" },
		{ DEVPTS_SUPER_MAGIC, "devpts (/dev/pts)" },
		{ CGROUP_SUPER_MAGIC, "cgroupfs" },
		{ CGROUP2_SUPER_MAGIC, "cgroup2fs" },
		{ BPF_FS_MAGIC, "bpffs" },
		{ TRACEFS_MAGIC, "tracefs" },
		{ DEBUGFS_MAGIC, "debugfs" },
		{ SECURITYFS_MAGIC, "securityfs" },
		{ SELINUX_MAGIC, "selinuxfs" },
		{ PSTOREFS_MAGIC, "pstore" },
		{ EFIVARFS_MAGIC, "efivarfs" },
		{ NSFS_MAGIC, "nsfs" },
		{ BINFMTFS_MAGIC, "binfmt_misc" },
		{ 0x62656570, "configfs" },
		{ 0x65735543, "fusectl" },
		{ 0x19800202, "mqueue" },
	};
	char buf[PATH_MAX], *slash;
	struct statfs sf;
	size_t i;

	af_strlcpy(buf, path, sizeof(buf));
	while (statfs(buf, &sf)) {
		slash = strrchr(buf, '/');
		if (errno != ENOENT || !slash || slash == buf)
			return NULL;
		*slash = '\0';
	}
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if ((unsigned long)sf.f_type == fs[i].magic)
			return fs[i].name;
	return NULL;
}

/*
 * A labelled path that does not exist (yet) is not an error: a data disk
 * not mounted, a directory not created. It is held as pending, from its
 * nearest existing directory on, and labelled by the kernel when it
 * appears. True when pp is pending (or was reported as unusable).
 */
static bool pending(struct pctx *c, struct policy_path *pp)
{
	char *at = NULL, *name, *end;
	struct stat st;
	size_t alen;
	int ret;

	ret = walk(pp->path, &st, &at);
	if (ret == -ENOMEM)
		c->nomem = true;
	if (ret != -ENOENT) {
		free(at);
		return ret == -ENOMEM;
	}
	/* at is the first missing prefix; its parent exists (it is "/" at worst). */
	alen = (size_t)(strrchr(at, '/') - at);
	{
		char *anchor = strndup(at, alen ? alen : 1);

		if (!anchor || stat(anchor, &st) || !S_ISDIR(st.st_mode)) {
			if (anchor)
				perr_add(c, pp->file, pp->line,
					 "path '%s' does not exist, and '%s' above it is not a directory",
					 pp->path, anchor);
			else
				c->nomem = true;
			free(anchor);
			free(at);
			return true;
		}
		free(anchor);
	}
	if (policy_npending(c->p) >= AF_MAX_PENDING) {
		perr_add(c, pp->file, pp->line,
			 "path '%s' does not exist, and at most %d labelled paths may be pending; create it, or remove paths that do not exist",
			 pp->path, AF_MAX_PENDING);
		free(at);
		return true;
	}
	pp->pending = true;
	pp->anchor_dev = af_kdev(st.st_dev);
	pp->anchor_ino = st.st_ino;
	pp->ncomp = 0;
	for (name = pp->path + alen + 1; *name; name = *end ? end + 1 : end) {
		char part[NAME_MAX + 1];

		end = strchrnul(name, '/');
		if (pp->ncomp == AF_PENDING_DEPTH) {
			perr_add(c, pp->file, pp->line,
				 "path '%s' does not exist, and more than %d of its names are missing; create the directories above it",
				 pp->path, AF_PENDING_DEPTH);
			break;
		}
		snprintf(part, sizeof(part), "%.*s", (int)(end - name), name);
		pp->comp[pp->ncomp++] = af_fnv1a64(part);
	}
	free(at);
	return true;
}

size_t policy_npending(const struct policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->npaths; i++)
		n += p->paths[i].pending;
	return n;
}

void check_paths(struct pctx *c)
{
	struct policy *p = c->p;
	struct pref *v;
	size_t i, n = 0;

	if (!p->npaths)
		return;
	v = calloc(p->npaths, sizeof(*v));
	if (!v) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < p->npaths; i++)
		v[i] = (struct pref){ &p->paths[i], i };
	merge_paths(c, v);

	if (!c->opts->no_fs) {
		for (i = 0; i < p->npaths; i++) {
			struct policy_path *pp = &p->paths[i];
			const char *pseudo = pseudo_fs(pp->path);
			struct stat st;

			if (pseudo) {
				perr_add(c, pp->file, pp->line,
					 "path '%s' is on %s, a kernel pseudo file system: its files are the kernel's own state, not archive data, and a label there would not hold; label the directories that hold the archive",
					 pp->path, pseudo);
				continue;
			}
			if (pending(c, pp))
				continue;
			if (resolve(c, pp->file, pp->line, "path", pp->path, "label", &st) < 0)
				continue;
			if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
				perr_add(c, pp->file, pp->line,
					 "path '%s' is neither a regular file nor a directory (it is %s)",
					 pp->path, file_type_name(st.st_mode));
				continue;
			}
			pp->dev = af_kdev(st.st_dev);
			pp->ino = st.st_ino;
			pp->dir = S_ISDIR(st.st_mode);
			v[n++] = (struct pref){ pp, i };
		}
		same_inode(c, v, n);
	}
	free(v);
	check_protected(c);
}

/* ---- cloud ranges ---- */

struct cref {
	struct policy_cidr *c;
	size_t idx;
};

static int by_range(const void *pa, const void *pb)
{
	const struct cref *a = pa, *b = pb;
	int r;

	if (a->c->family != b->c->family)
		return a->c->family < b->c->family ? -1 : 1;
	r = memcmp(a->c->addr, b->c->addr, sizeof(a->c->addr));
	if (r)
		return r;
	if (a->c->prefix != b->c->prefix)
		return a->c->prefix < b->c->prefix ? -1 : 1;
	if (a->c->port_min != b->c->port_min)
		return a->c->port_min < b->c->port_min ? -1 : 1;
	if (a->c->port_max != b->c->port_max)
		return a->c->port_max < b->c->port_max ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void check_cloud(struct pctx *c)
{
	struct policy *p = c->p;
	struct cref *v;
	size_t i, k, o;

	if (p->ncloud < 2)
		return;
	v = calloc(p->ncloud, sizeof(*v));
	if (!v) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < p->ncloud; i++)
		v[i] = (struct cref){ &p->cloud[i], i };
	qsort(v, p->ncloud, sizeof(*v), by_range);
	/* the same range twice (perhaps written differently): keep the first */
	for (k = 0, i = 1; i < p->ncloud; i++) {
		struct policy_cidr *a = v[k].c, *b = v[i].c;

		if (a->family == b->family && a->prefix == b->prefix &&
		    a->port_min == b->port_min && a->port_max == b->port_max &&
		    !memcmp(a->addr, b->addr, sizeof(a->addr)))
			b->family = 0;
		else
			k = i;
	}
	free(v);
	for (i = o = 0; i < p->ncloud; i++)
		if (p->cloud[i].family)
			p->cloud[o++] = p->cloud[i];
	p->ncloud = o;
}

/* ---- trusted programs ---- */

static int by_name(const void *pa, const void *pb)
{
	const struct policy_trusted *a = *(const struct policy_trusted *const *)pa;
	const struct policy_trusted *b = *(const struct policy_trusted *const *)pb;
	int r = strcmp(a->name, b->name);

	return r ? r : a < b ? -1 : a > b;
}

static int by_exe_unit(const void *pa, const void *pb)
{
	const struct policy_trusted *a = *(const struct policy_trusted *const *)pa;
	const struct policy_trusted *b = *(const struct policy_trusted *const *)pb;
	int r = strcmp(a->exe ? a->exe : "", b->exe ? b->exe : "");

	if (!r)
		r = strcmp(a->unit ? a->unit : "", b->unit ? b->unit : "");
	return r ? r : a < b ? -1 : a > b;
}

void check_trusted(struct pctx *c)
{
	struct policy *p = c->p;
	struct policy_trusted **v;
	size_t i;

	if (p->ntrusted < 2)
		return;
	v = calloc(p->ntrusted, sizeof(*v));
	if (!v) {
		c->nomem = true;
		return;
	}
	/* entries sit in policy order in p->trusted: addresses order them */
	for (i = 0; i < p->ntrusted; i++)
		v[i] = &p->trusted[i];
	qsort(v, p->ntrusted, sizeof(*v), by_name);
	for (i = 1; i < p->ntrusted; i++)
		if (!strcmp(v[i - 1]->name, v[i]->name))
			perr_add(c, v[i]->file, v[i]->line,
				 "trusted program '%s' is already defined at %s:%u; define it once",
				 v[i]->name, v[i - 1]->file, v[i - 1]->line);
	qsort(v, p->ntrusted, sizeof(*v), by_exe_unit);
	for (i = 1; i < p->ntrusted; i++)
		if (!strcmp(v[i - 1]->exe ? v[i - 1]->exe : "", v[i]->exe ? v[i]->exe : "") &&
		    !strcmp(v[i - 1]->unit ? v[i - 1]->unit : "", v[i]->unit ? v[i]->unit : ""))
			perr_add(c, v[i]->file, v[i]->line,
				 "trusted program '%s' has the same %s as '%s' (%s:%u); merge them into one entry",
				 v[i]->name,
				 !v[i]->exe ? "unit" : v[i]->unit ? "exe and unit" : "exe",
				 v[i - 1]->name, v[i - 1]->file, v[i - 1]->line);
	free(v);
}

/* ---- sinks ---- */

#define JOURNALD_EXE	"/usr/lib/systemd/systemd-journald"

void check_sinks(struct pctx *c)
{
	struct policy *p = c->p;
	struct policy_sink *ns, *js;
	bool journald = false;
	struct stat st;
	size_t i, j;

	for (i = 0; i < p->nsinks; i++) {
		if (!strcmp(p->sinks[i].exe, JOURNALD_EXE))
			journald = true;
		for (j = 0; j < i; j++)
			if (!strcmp(p->sinks[i].name, p->sinks[j].name))
				perr_add(c, p->sinks[i].file, p->sinks[i].line,
					 "sink '%s' is already defined at %s:%u; define it once",
					 p->sinks[i].name, p->sinks[j].file, p->sinks[j].line);
	}
	if (p->nsinks + 1 >= AF_MAX_SINKS) {
		perr_add(c, p->sinks[AF_MAX_SINKS - 2].file, p->sinks[AF_MAX_SINKS - 2].line,
			 "too many sinks: at most %d besides PID 1 and journald", AF_MAX_SINKS - 2);
		return;
	}
	/* journald receives every service's output: always a sink. */
	if (journald || c->opts->no_fs)
		return;
	ns = pctx_grow(c, p->sinks, &c->capsinks, p->nsinks + 1, sizeof(*p->sinks));
	if (!ns)
		return;
	p->sinks = ns;
	js = &p->sinks[p->nsinks];
	memset(js, 0, sizeof(*js));
	js->name = strdup("journald");
	js->exe = strdup(JOURNALD_EXE);
	js->unit = strdup("systemd-journald.service");
	js->builtin = true;
	if (!js->name || !js->exe || !js->unit) {
		free(js->name);
		free(js->exe);
		free(js->unit);
		c->nomem = true;
		return;
	}
	if (stat(JOURNALD_EXE, &st) == 0) {
		js->dev = af_kdev(st.st_dev);
		js->ino = st.st_ino;
	}
	p->nsinks++;
}
