// SPDX-License-Identifier: GPL-2.0
/*
 * Policy loading: read the main file and its includes, check each is text,
 * hash every byte read, and drive parsing and checking (policy_*.c). The
 * result is handed out only when no error at all was found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "policy_int.h"

/* ---- errors ---- */

void perr_vadd(struct pctx *c, const char *file, unsigned line, const char *fmt, va_list ap)
{
	struct perr *e;
	char *msg, *s;

	e = pctx_grow(c, c->errs, &c->caperrs, c->nerrs + 1, sizeof(*c->errs));
	if (!e)
		return;
	c->errs = e;
	if (vasprintf(&msg, fmt, ap) < 0) {
		c->nomem = true;
		return;
	}
	/* one error, one line: no control characters from the policy */
	for (s = msg; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	e = &c->errs[c->nerrs];
	e->file = file;
	e->line = line;
	e->seq = c->nerrs;
	e->msg = msg;
	c->nerrs++;
}

void perr_add(struct pctx *c, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	perr_vadd(c, file, line, fmt, ap);
	va_end(ap);
}

/* Grow v to hold n elements; NULL (and nomem set) when that fails. */
void *pctx_grow(struct pctx *c, void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n <= *cap)
		return v;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap < n)
		ncap = n;
	nv = reallocarray(v, ncap, size);
	if (!nv) {
		c->nomem = true;
		return NULL;
	}
	*cap = ncap;
	return nv;
}

static size_t file_index(const struct pctx *c, const char *file)
{
	size_t i;

	if (!file)
		return 0;
	for (i = 0; i < c->nfiles; i++)
		if (c->files[i].name == file)
			return i + 1;
	return c->nfiles + 1;
}

static int perr_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct perr *a = pa, *b = pb;
	size_t fa = file_index(ctx, a->file), fb = file_index(ctx, b->file);

	if (fa != fb)
		return fa < fb ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Hand the errors over to the caller, in file and line order. */
static void errors_out(struct pctx *c, struct policy_errors *errs)
{
	struct policy_error *v;
	size_t i;

	if (!errs || !c->nerrs)
		return;
	qsort_r(c->errs, c->nerrs, sizeof(*c->errs), perr_cmp, c);
	v = reallocarray(errs->v, errs->n + c->nerrs, sizeof(*v));
	if (!v) {
		c->nomem = true;
		return;
	}
	errs->v = v;
	for (i = 0; i < c->nerrs; i++) {
		struct policy_error *e = &errs->v[errs->n];

		e->file = NULL;
		if (c->errs[i].file) {
			e->file = strdup(c->errs[i].file);
			if (!e->file) {
				c->nomem = true;
				return;
			}
			for (char *s = e->file; *s; s++)
				if ((unsigned char)*s < 0x20 || *s == 0x7f)
					*s = '?';
		}
		e->line = c->errs[i].line;
		e->msg = c->errs[i].msg;
		c->errs[i].msg = NULL;
		errs->n++;
	}
}

size_t policy_errors_print(const struct policy_errors *errs, FILE *f)
{
	size_t i;

	if (!errs)
		return 0;
	for (i = 0; i < errs->n; i++) {
		const struct policy_error *e = &errs->v[i];

		if (e->file && e->line)
			fprintf(f, "%s:%u: %s\n", e->file, e->line, e->msg);
		else if (e->file)
			fprintf(f, "%s: %s\n", e->file, e->msg);
		else
			fprintf(f, "%s\n", e->msg);
	}
	return errs->n;
}

void policy_errors_clear(struct policy_errors *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].file);
		free(errs->v[i].msg);
	}
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

/* ---- names ---- */

const char *af_op_name(enum af_op op)
{
	switch (op) {
	case AF_OP_READ:
		return "read";
	case AF_OP_WRITE:
		return "write";
	case AF_OP_SEND:
		return "send";
	case AF_OP_LIST:
		return "list";
	default:
		return "unknown";
	}
}

const char *af_action_name(enum af_action a)
{
	switch (a) {
	case AF_ALLOW:
		return "allow";
	case AF_AUDIT:
		return "audit";
	case AF_DENY:
		return "deny";
	default:
		return "unknown";
	}
}

const char *af_mode_name(enum af_mode m)
{
	switch (m) {
	case AF_MODE_OFF:
		return "off";
	case AF_MODE_AUDIT:
		return "audit";
	case AF_MODE_ENFORCE:
		return "enforce";
	default:
		return "unknown";
	}
}

uint64_t af_kdev(uint64_t st_dev)
{
	return ((uint64_t)major(st_dev) << 20) | minor(st_dev);
}

int policy_label_id(const struct policy *p, const char *name)
{
	unsigned i;

	if (!p || !name)
		return -1;
	for (i = 0; i < p->nlabels; i++)
		if (!strcmp(p->labels[i].name, name))
			return (int)i;
	return -1;
}

static uint32_t remap_mask(uint32_t mask, const int to[AF_MAX_LABELS])
{
	uint32_t out = mask & (1u << AF_SELF_LABEL);
	unsigned i;

	for (i = 0; i < AF_SELF_LABEL; i++)
		if ((mask & (1u << i)) && to[i] >= 0)
			out |= 1u << to[i];
	return out;
}

uint32_t policy_renumber(struct policy *p, const char prev[][AF_LABEL_NAME_MAX], unsigned nprev)
{
	struct policy_label old[AF_MAX_LABELS];
	int to[AF_MAX_LABELS];
	uint32_t used = 0, named = 0, purge;
	unsigned i, j, n = 0, op;
	size_t k;

	if (nprev > AF_SELF_LABEL)
		nprev = AF_SELF_LABEL;
	for (j = 0; j < nprev; j++)
		if (prev[j][0])
			named |= 1u << j;
	for (i = 0; i < AF_MAX_LABELS; i++)
		to[i] = -1;
	for (i = 0; i < p->nlabels; i++) {
		for (j = 0; j < nprev && p->labels[i].name[0]; j++)
			if (!strncmp(prev[j], p->labels[i].name, AF_LABEL_NAME_MAX)) {
				to[i] = (int)j;
				used |= 1u << j;
				break;
			}
	}
	/* New labels: ids never named first, then those of removed labels. */
	for (i = 0; i < p->nlabels; i++) {
		for (j = 0; to[i] < 0 && j < AF_SELF_LABEL; j++)
			if (!(used & (1u << j)) && !(named & (1u << j)))
				to[i] = (int)j;
		for (j = 0; to[i] < 0 && j < AF_SELF_LABEL; j++)
			if (!(used & (1u << j)))
				to[i] = (int)j;
		used |= 1u << to[i];
	}
	purge = named;
	memcpy(old, p->labels, sizeof(old));
	memset(p->labels, 0, sizeof(p->labels));
	for (i = 0; i < p->nlabels; i++) {
		p->labels[to[i]] = old[i];
		if ((unsigned)to[i] < nprev && !strncmp(prev[to[i]], old[i].name, AF_LABEL_NAME_MAX))
			purge &= ~(1u << to[i]);
		if ((unsigned)to[i] + 1 > n)
			n = (unsigned)to[i] + 1;
	}
	p->nlabels = n;
	for (k = 0; k < p->npaths; k++)
		p->paths[k].labels = remap_mask(p->paths[k].labels, to);
	for (k = 0; k < p->ntrusted; k++)
		for (op = 0; op < AF_OP_COUNT; op++)
			p->trusted[k].allow[op] = remap_mask(p->trusted[k].allow[op], to);
	return purge;
}

unsigned policy_nlabels(const struct policy *p)
{
	unsigned i, n = 0;

	for (i = 0; i < p->nlabels; i++)
		n += p->labels[i].name[0] != 0;
	return n;
}

const char *policy_trusted_str(const struct policy_trusted *t, char *buf, size_t len)
{
	const char *inh = t->inherit ? "; its descendants inherit the grants" : "";

	if (!t->exe)
		snprintf(buf, len, "every process of unit %s", t->unit ? t->unit : "?");
	else if (t->unit)
		snprintf(buf, len, "%s, as a member of unit %s%s", t->exe, t->unit, inh);
	else
		snprintf(buf, len, "%s%s", t->exe, inh);
	return buf;
}

const char *policy_labels_str(const struct policy *p, uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < 32 && off < len; i++) {
		char num[16];
		const char *name;
		int n;

		if (!(mask & (1u << i)))
			continue;
		if (p && i < p->nlabels) {
			name = p->labels[i].name;
		} else {
			snprintf(num, sizeof(num), "#%u", i);
			name = num;
		}
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* ---- the policy ---- */

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	free(p->file);
	for (i = 0; i < p->npaths; i++)
		free(p->paths[i].path);
	free(p->paths);
	for (i = 0; i < p->ntrusted; i++) {
		free(p->trusted[i].name);
		free(p->trusted[i].exe);
		free(p->trusted[i].unit);
	}
	free(p->trusted);
	for (i = 0; i < p->nsinks; i++) {
		free(p->sinks[i].name);
		free(p->sinks[i].exe);
		free(p->sinks[i].unit);
	}
	free(p->sinks);
	free(p->cloud);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->include_dir);
	free(p);
}

static const struct policy_label builtin_labels[PL_NBUILTIN] = {
	/* read, write, send, list: list is read's unless a policy says otherwise */
	[PL_SECRET] = { "secret", { AF_DENY, AF_DENY, AF_DENY, AF_DENY }, NULL, 0 },
	[PL_MASTER] = { "master-repository", { AF_DENY, AF_DENY, AF_DENY, AF_DENY }, NULL, 0 },
	[PL_SENSITIVE] = { "sensitive", { AF_AUDIT, AF_AUDIT, AF_AUDIT, AF_AUDIT }, NULL, 0 },
};

static int ctx_init(struct pctx *c, const struct policy_opts *opts)
{
	static const struct policy_opts none;

	memset(c, 0, sizeof(*c));
	c->opts = opts ? opts : &none;
	c->p = calloc(1, sizeof(*c->p));
	if (!c->p)
		return -ENOMEM;
	c->p->mode = AF_MODE_ENFORCE;
	memcpy(c->p->labels, builtin_labels, sizeof(builtin_labels));
	c->p->nlabels = PL_NBUILTIN;
	c->sha = EVP_MD_CTX_new();
	if (!c->sha || !EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL))
		return -ENOMEM;
	return 0;
}

static void ctx_free(struct pctx *c)
{
	size_t i;

	for (i = 0; i < c->nerrs; i++)
		free(c->errs[i].msg);
	free(c->errs);
	for (i = 0; i < c->nfiles; i++) {
		ydoc_free(&c->files[i].doc);
		free(c->files[i].name);
	}
	free(c->files);
	free(c->include);
	EVP_MD_CTX_free(c->sha);
	policy_free(c->p);
}

/* A new entry in the list of files; NULL when there is no memory. */
static struct pfile *file_add(struct pctx *c, const char *name)
{
	struct pfile *f;

	f = pctx_grow(c, c->files, &c->capfiles, c->nfiles + 1, sizeof(*c->files));
	if (!f)
		return NULL;
	c->files = f;
	f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (!f->name) {
		c->nomem = true;
		return NULL;
	}
	c->nfiles++;
	return f;
}

/*
 * 0 when buf is text: UTF-8 without NUL bytes. Otherwise the 1-based line of
 * the first offending byte, and *nul says whether it was a NUL.
 */
static unsigned text_check(const char *buf, size_t len, bool *nul)
{
	const unsigned char *s = (const unsigned char *)buf;
	unsigned line = 1;
	size_t i = 0;

	*nul = false;
	while (i < len) {
		unsigned char ch = s[i];
		size_t n, k;
		uint32_t cp, min;

		if (ch == '\n')
			line++;
		if (ch == '\0') {
			*nul = true;
			return line;
		}
		if (ch < 0x80) {
			i++;
			continue;
		}
		if ((ch & 0xe0) == 0xc0) {
			n = 2; cp = ch & 0x1f; min = 0x80;
		} else if ((ch & 0xf0) == 0xe0) {
			n = 3; cp = ch & 0x0f; min = 0x800;
		} else if ((ch & 0xf8) == 0xf0) {
			n = 4; cp = ch & 0x07; min = 0x10000;
		} else {
			return line;
		}
		if (len - i < n)
			return line;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return line;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return line;
		i += n;
	}
	return 0;
}

/* Hash, check and parse one file's bytes into f->doc. */
static void load_text(struct pctx *c, struct pfile *f, const char *buf, size_t len)
{
	unsigned line;
	bool nul;

	if (!EVP_DigestUpdate(c->sha, buf, len)) {
		c->nomem = true;
		return;
	}
	line = text_check(buf, len, &nul);
	if (line) {
		perr_add(c, f->name, line, nul ?
			 "not a text file: contains a NUL byte" :
			 "not a text file: invalid UTF-8 (a policy must be UTF-8 text)");
		return;
	}
	if (!ydoc_parse(c, f->name, buf, len, &f->doc))
		return;
	if (!f->doc.root || (f->doc.root->type == YN_SCALAR && f->doc.root->plain &&
			     !f->doc.root->len)) {
		perr_add(c, f->name, 0, "empty policy");
		return;
	}
	f->parsed = true;
}

static void too_big(struct pctx *c, const char *name, unsigned long long size)
{
	perr_add(c, name, 0, "is %llu bytes; a policy may be at most %u MiB",
		 size, POLICY_MAX_BYTES >> 20);
}

/* Read one file (at most POLICY_MAX_BYTES) into a new buffer. */
static int read_file(struct pctx *c, struct pfile *f, char **bufp, size_t *lenp)
{
	const char *name = f->name;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, err = 0;

	*bufp = NULL;
	*lenp = 0;
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		perr_add(c, name, 0, "cannot open: %s", strerror(-err));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		perr_add(c, name, 0, "cannot stat: %s", strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		perr_add(c, name, 0, "not a regular file (it is %s)", file_type_name(st.st_mode));
		goto out;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (f != c->files && f->dev == c->files[0].dev && f->ino == c->files[0].ino) {
		err = -EINVAL;
		perr_add(c, name, 0,
			 "is the main policy file itself; keep the main file outside the include directory");
		goto out;
	}
	if ((unsigned long long)st.st_size > POLICY_MAX_BYTES) {
		err = -EFBIG;
		too_big(c, name, (unsigned long long)st.st_size);
		goto out;
	}
	/* one byte more than allowed, to notice a file that grew since fstat */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		c->nomem = true;
		goto out;
	}
	for (;;) {
		size_t want = (size_t)st.st_size + 1 - len;
		ssize_t n;

		if (!want)
			break;
		n = read(fd, buf + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			perr_add(c, name, 0, "cannot read: %s", strerror(-err));
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		err = -EAGAIN;
		perr_add(c, name, 0, "changed while it was read; apply it again");
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_policy_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".yaml");
}

/* Every *.yaml in the include directory, in strcmp order, then pass 1 on each. */
static void load_includes(struct pctx *c)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;

	d = opendir(c->include);
	if (!d) {
		int err = errno;

		perr_add(c, c->include_file, c->include_line,
			 "include directory '%s': %s%s", c->include, strerror(err),
			 err == ENOENT ? "; create it (it may stay empty) or remove the include line" : "");
		c->incomplete = true;
		return;
	}
	for (;;) {
		char **nn;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				perr_add(c, c->include_file, c->include_line,
					 "include directory '%s': %s", c->include, strerror(errno));
				c->incomplete = true;
				goto out;
			}
			break;
		}
		if (!is_policy_name(de->d_name))
			continue;
		nn = pctx_grow(c, names, &cap, n + 1, sizeof(*names));
		if (!nn)
			goto out;
		names = nn;
		if (asprintf(&names[n], "%s/%s", c->include, de->d_name) < 0) {
			c->nomem = true;
			goto out;
		}
		n++;
	}
	if (c->nfiles + n > POLICY_MAX_FILES) {
		perr_add(c, c->include_file, c->include_line,
			 "include directory '%s' holds %zu policy files; at most %d files in all (main file and includes)",
			 c->include, n, POLICY_MAX_FILES);
		c->incomplete = true;
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !c->nomem; i++) {
		struct pfile *f = file_add(c, names[i]);
		size_t len;
		char *buf;

		if (!f)
			break;
		if (read_file(c, f, &buf, &len) < 0) {
			c->incomplete = true;
			continue;
		}
		load_text(c, f, buf, len);
		free(buf);
		if (f->parsed)
			parse_pass1(c, f->name, f->doc.root, false);
		else
			c->incomplete = true;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
}

/*
 * Everything after the main file's bytes are in hand: its pass 1, the
 * includes, pass 2 over every file, then the checks across files.
 */
static int finish(struct pctx *c, struct policy **out, struct policy_errors *errs)
{
	struct pfile *main_file = &c->files[0];
	struct policy *p = c->p;
	unsigned int mdlen = 0;
	size_t i;

	if (main_file->parsed)
		parse_pass1(c, main_file->name, main_file->doc.root, true);
	else
		c->incomplete = true;
	if (c->include && !c->opts->no_fs && !c->nomem)
		load_includes(c);
	for (i = 0; i < c->nfiles && !c->nomem; i++)
		if (c->files[i].parsed)
			parse_pass2(c, c->files[i].name, c->files[i].doc.root);
	if (!c->nomem)
		check_paths(c);
	if (!c->nomem)
		check_cloud(c);
	if (!c->nomem)
		check_trusted(c);
	if (!c->nomem)
		check_sinks(c);
	if (!c->nomem && !EVP_DigestFinal_ex(c->sha, p->sha256, &mdlen))
		c->nomem = true;
	for (i = 0; i < 32 && i < mdlen; i++)
		snprintf(p->sha256_hex + 2 * i, 3, "%02x", p->sha256[i]);

	errors_out(c, errs);
	if (c->nomem)
		return -ENOMEM;
	if (c->nerrs)
		return -EINVAL;
	/* hand the file names over: records point into them */
	p->files = calloc(c->nfiles, sizeof(*p->files));
	if (!p->files)
		return -ENOMEM;
	for (i = 0; i < c->nfiles; i++) {
		p->files[i] = c->files[i].name;
		c->files[i].name = NULL;
	}
	p->nfiles = c->nfiles;
	p->file = strdup(p->files[0]);
	if (!p->file)
		return -ENOMEM;
	if (c->include) {
		p->include_dir = strdup(c->include);
		if (!p->include_dir)
			return -ENOMEM;
	}
	*out = p;
	c->p = NULL;
	return 0;
}

static int load(const char *name, const char *buf, size_t len, bool from_file,
		const struct policy_opts *opts, struct policy **out,
		struct policy_errors *errs)
{
	struct pfile *main_file;
	char *fbuf = NULL;
	struct pctx c;
	int err;

	if (out)
		*out = NULL;
	if (!name || !out || (!from_file && !buf && len))
		return -EINVAL;
	err = ctx_init(&c, opts);
	if (err)
		goto out;
	main_file = file_add(&c, name);
	if (!main_file) {
		err = -ENOMEM;
		goto out;
	}
	if (from_file) {
		if (read_file(&c, main_file, &fbuf, &len) == 0)
			load_text(&c, main_file, fbuf, len);
	} else if (len > POLICY_MAX_BYTES) {
		too_big(&c, main_file->name, len);
	} else {
		load_text(&c, main_file, buf ? buf : "", len);
	}
	err = finish(&c, out, errs);
out:
	free(fbuf);
	ctx_free(&c);
	return err;
}

int policy_load(const char *file, const struct policy_opts *opts,
		struct policy **out, struct policy_errors *errs)
{
	return load(file, NULL, 0, true, opts, out, errs);
}

int policy_load_buffer(const char *name, const char *buf, size_t len,
		       const struct policy_opts *opts, struct policy **out,
		       struct policy_errors *errs)
{
	return load(name, buf, len, false, opts, out, errs);
}
