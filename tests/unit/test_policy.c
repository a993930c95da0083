// SPDX-License-Identifier: GPL-2.0
/*
 * The label policy: parsing, validation, file-system resolution. Every bad
 * input is checked for its exact "file:line: message" (or a distinctive part
 * of it) and for handing back no policy at all.
 *
 * YAML in this file is written one line per string literal, so that line N
 * of a policy is the N-th literal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "policy.h"
#include "util.h"
#include "unit.h"

/* ---- helpers ---- */

static struct policy_errors errs;
static char *errtext;		/* every error, "file:line: message\n" */
static int sentinel;		/* *out must not keep it */

static void errs_reset(void)
{
	policy_errors_clear(&errs);
	free(errtext);
	errtext = NULL;
}

static void errs_collect(void)
{
	size_t len;
	FILE *f = open_memstream(&errtext, &len);

	if (!f)
		abort();
	policy_errors_print(&errs, f);
	fclose(f);
}

static void diag_errors(void)
{
	const char *s = errtext, *nl;

	if (!s || !*s) {
		printf("#     (no errors)\n");
		return;
	}
	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		printf("#     %.*s\n", (int)(nl - s), s);
	}
}

static int load_opts(const char *yaml, const struct policy_opts *o, struct policy **p)
{
	int r;

	errs_reset();
	*p = (struct policy *)&sentinel;
	r = policy_load_buffer("test.yaml", yaml, strlen(yaml), o, p, &errs);
	errs_collect();
	return r;
}

static int load_file(const char *file, const struct policy_opts *o, struct policy **p)
{
	int r;

	errs_reset();
	*p = (struct policy *)&sentinel;
	r = policy_load(file, o, p, &errs);
	errs_collect();
	return r;
}

static const struct policy_opts nofs = { .no_fs = true };
static const struct policy_opts withfs = { .no_fs = false };

static void has_error_(const char *want, const char *f, int l)
{
	if (!errtext || !strstr(errtext, want)) {
		printf("#   %s:%d: no error containing '%s'; the errors were:\n", f, l, want);
		diag_errors();
		unit_failed = 1;
	}
}
#define HAS_ERROR(want)	has_error_(want, __FILE__, __LINE__)

static void no_error_(const char *unwanted, const char *f, int l)
{
	if (errtext && strstr(errtext, unwanted)) {
		printf("#   %s:%d: unexpected error containing '%s':\n", f, l, unwanted);
		diag_errors();
		unit_failed = 1;
	}
}
#define NO_ERROR(s)	no_error_(s, __FILE__, __LINE__)

static size_t nerrors(void)
{
	return errs.n;
}

/* After a load that must fail: -EINVAL, no policy, and the error given. */
static void refused_(int r, struct policy *p, const char *want, const char *f, int l)
{
	if (r != -EINVAL) {
		printf("#   %s:%d: load returned %d, expected -EINVAL\n", f, l, r);
		unit_failed = 1;
	}
	if (p) {
		printf("#   %s:%d: a policy was returned for a bad input\n", f, l);
		unit_failed = 1;
		if (p != (struct policy *)&sentinel)
			policy_free(p);
	}
	has_error_(want, f, l);
}

#define REFUSED_WITH(yaml, opts, want)						\
	do {									\
		struct policy *p_;						\
		int r_ = load_opts(yaml, opts, &p_);				\
		refused_(r_, p_, want, __FILE__, __LINE__);			\
	} while (0)
/* Most inputs need no file system. */
#define REFUSED(yaml, want)	REFUSED_WITH(yaml, &nofs, want)

static struct policy *accepted_(const char *yaml, const struct policy_opts *o,
				const char *f, int l)
{
	struct policy *p;
	int r = load_opts(yaml, o, &p);

	if (r || !p || p == (struct policy *)&sentinel || nerrors()) {
		printf("#   %s:%d: policy refused (%d):\n", f, l, r);
		diag_errors();
		unit_failed = 1;
		return NULL;
	}
	return p;
}
#define ACCEPTED_WITH(yaml, o)	accepted_(yaml, o, __FILE__, __LINE__)
#define ACCEPTED(yaml)		accepted_(yaml, &nofs, __FILE__, __LINE__)

/* A scratch tree per test, under /tmp. */
static char tmp[PATH_MAX];
static char *pool[1024];
static int npool;

static const char *S(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *S(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0 || npool == 1024)
		abort();
	va_end(ap);
	pool[npool++] = s;
	return s;
}

static void tree_new(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/af-policy-test-XXXXXX");
	if (!mkdtemp(tmp))
		abort();
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		chmod(path, 0700);
	return remove(path) < 0 ? 0 : 0;
}

/* The end of every test: scratch strings, scratch tree, errors. */
static void done(void)
{
	while (npool)
		free(pool[--npool]);
	if (tmp[0]) {
		chmod(tmp, 0700);
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		tmp[0] = '\0';
	}
	errs_reset();
}

static const char *T(const char *rel)
{
	return S("%s/%s", tmp, rel);
}

static void mk_dir(const char *rel)
{
	if (mkdir(T(rel), 0755) < 0)
		abort();
}

static void mk_file(const char *rel, mode_t mode, const char *content)
{
	int fd = open(T(rel), O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t len = strlen(content);

	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		abort();
	fchmod(fd, mode);
	close(fd);
}

static void mk_link(const char *target, const char *rel)
{
	if (symlink(target, T(rel)) < 0)
		abort();
}

static void stat_of(const char *path, struct stat *st)
{
	if (stat(path, st) < 0)
		abort();
}

static void sha256_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, buf, len) || !EVP_DigestFinal_ex(ctx, md, &n))
		abort();
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* A file of the repository, wherever the test runs from. */
static const char *repo_file(const char *rel)
{
	const char *s = __FILE__;	/* .../tests/unit/test_policy.c */
	const char *end;

	if (access(rel, R_OK) == 0)
		return S("%s", rel);
	end = strstr(s, "tests/unit/test_policy.c");
	if (end)
		return S("%.*s%s", (int)(end - s), s, rel);
	return S("../../%s", rel);
}

static int label(const struct policy *p, const char *name)
{
	return policy_label_id(p, name);
}

static uint32_t bit(const struct policy *p, const char *name)
{
	int id = label(p, name);

	return id < 0 ? 0 : 1u << id;
}

/* ---- names and helpers ---- */

TEST(names)
{
	CHECK_STR(af_op_name(AF_OP_READ), "read");
	CHECK_STR(af_op_name(AF_OP_WRITE), "write");
	CHECK_STR(af_op_name(AF_OP_SEND), "send");
	CHECK_STR(af_op_name(AF_OP_COUNT), "unknown");
	CHECK_STR(af_action_name(AF_ALLOW), "allow");
	CHECK_STR(af_action_name(AF_AUDIT), "audit");
	CHECK_STR(af_action_name(AF_DENY), "deny");
	CHECK_STR(af_action_name((enum af_action)7), "unknown");
	CHECK_STR(af_mode_name(AF_MODE_OFF), "off");
	CHECK_STR(af_mode_name(AF_MODE_AUDIT), "audit");
	CHECK_STR(af_mode_name(AF_MODE_ENFORCE), "enforce");
	CHECK_STR(af_mode_name((enum af_mode)9), "unknown");
}

TEST(kdev_encoding)
{
	CHECK_INT(af_kdev(makedev(8, 1)), (8u << 20) | 1);
	CHECK_INT(af_kdev(makedev(0, 0)), 0);
	CHECK_INT(af_kdev(makedev(259, 70000)), (259ull << 20) | 70000);
	CHECK_INT(af_kdev(makedev(4095, 1048575)), (4095ull << 20) | 1048575);
}

TEST(builtin_labels_and_defaults)
{
	struct policy *p = ACCEPTED("labels:\n");

	if (!p)
		return done();
	CHECK_INT(p->mode, AF_MODE_ENFORCE);
	CHECK(!p->lock);
	CHECK(!p->send_all);
	CHECK_INT(p->nlabels, 3);
	CHECK_STR(p->labels[0].name, "secret");
	CHECK_STR(p->labels[1].name, "master-repository");
	CHECK_STR(p->labels[2].name, "sensitive");
	for (int op = 0; op < AF_OP_COUNT; op++) {
		CHECK_INT(p->labels[0].action[op], AF_DENY);
		CHECK_INT(p->labels[1].action[op], AF_DENY);
		CHECK_INT(p->labels[2].action[op], AF_AUDIT);
	}
	CHECK(p->labels[0].file == NULL);
	CHECK_INT(p->labels[0].line, 0);
	CHECK_INT(p->npaths, 0);
	CHECK_INT(p->ntrusted, 0);
	CHECK_INT(p->ncloud, 0);
	CHECK_INT(p->nfiles, 1);
	CHECK_STR(p->file, "test.yaml");
	CHECK_STR(p->files[0], "test.yaml");
	CHECK_STR(p->sha256_hex, "ef7a06432c00a61dc7ff7ea967ea20586310c95544a188201f3e8f0bbaffbc4f");
	CHECK_INT(p->sha256[0], 0xef);
	CHECK_INT(p->sha256[31], 0x4f);
	policy_free(p);
	done();
}

TEST(label_id_and_labels_str)
{
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  internal: {read: audit, write: deny, send: deny}\n"
		"  2020.q1_x-y: {read: allow, write: allow, send: audit}\n");
	char buf[128], small[10];

	if (!p)
		return done();
	CHECK_INT(policy_label_id(p, "secret"), 0);
	CHECK_INT(policy_label_id(p, "master-repository"), 1);
	CHECK_INT(policy_label_id(p, "sensitive"), 2);
	CHECK_INT(policy_label_id(p, "internal"), 3);
	CHECK_INT(policy_label_id(p, "2020.q1_x-y"), 4);
	CHECK_INT(policy_label_id(p, "nope"), -1);
	CHECK_INT(policy_label_id(p, ""), -1);
	CHECK_INT(policy_label_id(NULL, "secret"), -1);
	CHECK_STR(policy_labels_str(p, 0, buf, sizeof(buf)), "");
	CHECK_STR(policy_labels_str(p, 1, buf, sizeof(buf)), "secret");
	CHECK_STR(policy_labels_str(p, 0x5, buf, sizeof(buf)), "secret,sensitive");
	CHECK_STR(policy_labels_str(p, 0x1a, buf, sizeof(buf)), "master-repository,internal,2020.q1_x-y");
	CHECK_STR(policy_labels_str(p, 1u << 31, buf, sizeof(buf)), "#31");
	/* truncated, never overrun */
	CHECK_STR(policy_labels_str(p, 0x7, small, sizeof(small)), "secret,ma");
	CHECK(policy_labels_str(p, 1, small, 0) == small);
	CHECK_INT(p->labels[3].line, 2);
	CHECK_STR(p->labels[3].file, "test.yaml");
	CHECK_INT(p->labels[3].action[AF_OP_READ], AF_AUDIT);
	CHECK_INT(p->labels[3].action[AF_OP_WRITE], AF_DENY);
	CHECK_INT(p->labels[4].action[AF_OP_SEND], AF_AUDIT);
	policy_free(p);
	done();
}

TEST(renumber_keeps_ids)
{
	/* in force: secret, master-repository, sensitive, internal, gone, personal */
	static const char prev[][AF_LABEL_NAME_MAX] = {
		"secret", "master-repository", "sensitive", "internal", "gone", "personal",
	};
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  personal: {read: audit, write: audit, send: deny}\n"
		"  fresh: {read: deny, write: deny, send: deny}\n"
		"  internal: {read: allow, write: deny, send: deny}\n"
		"paths:\n"
		"  /a: personal\n"
		"  /b: [fresh, internal]\n"
		"  /c: secret\n"
		"trusted:\n"
		"  t:\n"
		"    exe: /usr/bin/t\n"
		"    allow: {read: [fresh, personal]}\n");
	char buf[128];
	uint32_t purge;

	if (!p)
		return done();
	CHECK_INT(policy_nlabels(p), 6);
	purge = policy_renumber(p, prev, 6);
	/* kept ids: built-ins, internal (3), personal (5); fresh takes 6, never used */
	CHECK_INT(policy_label_id(p, "internal"), 3);
	CHECK_INT(policy_label_id(p, "personal"), 5);
	CHECK_INT(policy_label_id(p, "fresh"), 6);
	CHECK_INT(p->nlabels, 7);
	CHECK_INT(policy_nlabels(p), 6);
	CHECK_STR(p->labels[4].name, "");	/* gone: a gap that allows everything */
	CHECK_INT(p->labels[4].action[AF_OP_READ], AF_ALLOW);
	CHECK_INT(p->labels[6].action[AF_OP_READ], AF_DENY);
	CHECK_INT(p->labels[5].action[AF_OP_SEND], AF_DENY);
	CHECK_INT(purge, 1u << 4);		/* gone's derived labels go */
	CHECK_STR(policy_labels_str(p, p->paths[0].labels, buf, sizeof(buf)), "personal");
	CHECK_STR(policy_labels_str(p, p->paths[1].labels, buf, sizeof(buf)), "internal,fresh");
	CHECK_STR(policy_labels_str(p, p->paths[2].labels, buf, sizeof(buf)), "secret");
	CHECK_STR(policy_labels_str(p, p->trusted[0].allow[AF_OP_READ], buf, sizeof(buf)),
		  "personal,fresh");
	policy_free(p);
	done();
}

TEST(renumber_reuses_removed_ids_last)
{
	/* 31 ids all once named: a new label must take a removed one, and purge it */
	char prev[AF_SELF_LABEL][AF_LABEL_NAME_MAX];
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  newcomer: {read: deny, write: deny, send: deny}\n"
		"paths:\n"
		"  /n: newcomer\n");
	uint32_t purge;
	int i;

	if (!p)
		return done();
	memset(prev, 0, sizeof(prev));
	strcpy(prev[0], "secret");
	strcpy(prev[1], "master-repository");
	strcpy(prev[2], "sensitive");
	for (i = 3; i < AF_SELF_LABEL; i++)
		snprintf(prev[i], sizeof(prev[i]), "l%d", i);
	purge = policy_renumber(p, (const char (*)[AF_LABEL_NAME_MAX])prev, AF_SELF_LABEL);
	CHECK_INT(policy_label_id(p, "newcomer"), 3);
	CHECK_INT(p->paths[0].labels, 1u << 3);
	/* every removed id is purged, the reused one included */
	CHECK_INT(purge, ((1u << AF_SELF_LABEL) - 1) & ~7u);
	policy_free(p);
	done();
}

/* ---- the bundled policies ---- */

TEST(default_policy)
{
	const char *file = repo_file("policy/default.yaml");
	struct policy *p;
	char hex[65], *buf;
	struct in6_addr a6;
	struct stat st;
	int fd;

	CHECK_INT(load_file(file, &nofs, &p), 0);
	if (!p || p == (struct policy *)&sentinel) {
		diag_errors();
		return done();
	}
	CHECK_INT(p->mode, AF_MODE_ENFORCE);
	CHECK(!p->lock);
	CHECK(!p->send_all);
	CHECK_INT(p->nlabels, 3);
	CHECK(p->labels[0].file != NULL);	/* spelled out */
	CHECK_INT(p->labels[2].action[AF_OP_SEND], AF_AUDIT);
	CHECK_INT(p->ncloud, 2);
	CHECK_INT(p->cloud[0].family, AF_INET);
	CHECK_INT(p->cloud[0].prefix, 24);
	CHECK(!memcmp(p->cloud[0].addr, "\xc6\x33\x64\x00", 4));
	CHECK_INT(p->cloud[1].family, AF_INET6);
	CHECK_INT(p->cloud[1].prefix, 48);
	inet_pton(AF_INET6, "2001:db8:20::", &a6);
	CHECK(!memcmp(p->cloud[1].addr, &a6, 16));
	CHECK_INT(p->npaths, 3);
	CHECK_STR(p->paths[0].path, "/srv/archive/涉密");
	CHECK_INT(p->paths[0].labels, bit(p, "secret"));
	CHECK_STR(p->paths[1].path, "/srv/archive/master");
	CHECK_INT(p->paths[1].labels, bit(p, "master-repository"));
	CHECK_STR(p->paths[2].path, "/srv/archive/个人信息");
	CHECK_INT(p->paths[2].labels, bit(p, "sensitive"));
	CHECK_INT(p->ntrusted, 0);

	/* the hash is over the file's bytes */
	fd = open(file, O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size);
	CHECK(read(fd, buf, (size_t)st.st_size) == st.st_size);
	close(fd);
	sha256_hex(buf, (size_t)st.st_size, hex);
	CHECK_STR(p->sha256_hex, hex);
	free(buf);
	policy_free(p);

	/* on the file system: the include directory and paths must exist */
	CHECK_INT(load_file(file, &withfs, &p), access("/etc/archfence/policy.d", F_OK) &&
		  access("/srv/archive/master", F_OK) ? -EINVAL : 0);
	if (p && p != (struct policy *)&sentinel)
		policy_free(p);
	done();
}

TEST(example_policies)
{
	static const char *const ex[] = {
		"policy/examples/county-archives.yaml",
		"policy/examples/digitisation-centre.yaml",
		"policy/examples/policy.d/50-personnel.yaml",
	};
	unsigned i;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		struct policy *p;
		int r = load_file(repo_file(ex[i]), &nofs, &p);

		if (r) {
			printf("#   %s refused:\n", ex[i]);
			diag_errors();
			unit_failed = 1;
		} else {
			CHECK(p != NULL && p != (struct policy *)&sentinel);
			policy_free(p);
		}
	}
	done();
}

/* ---- host ---- */

TEST(host_settings)
{
	struct policy *p = ACCEPTED(
		"host:\n"
		"  mode: audit\n"
		"  send: all\n"
		"  lock: yes\n");

	if (p) {
		CHECK_INT(p->mode, AF_MODE_AUDIT);
		CHECK(p->send_all);
		CHECK(p->lock);
		policy_free(p);
	}
	p = ACCEPTED("host: {mode: off, send: cloud, lock: false}\n");
	if (p) {
		CHECK_INT(p->mode, AF_MODE_OFF);
		CHECK(!p->send_all);
		CHECK(!p->lock);
		policy_free(p);
	}
	/* quoting changes nothing: every value is read as text */
	p = ACCEPTED("host: {mode: \"enforce\", lock: 'true'}\n");
	if (p) {
		CHECK_INT(p->mode, AF_MODE_ENFORCE);
		CHECK(p->lock);
		policy_free(p);
	}
	p = ACCEPTED("host: {lock: no}\n");
	if (p) {
		CHECK(!p->lock);
		policy_free(p);
	}
	p = ACCEPTED("host:\n");
	if (p) {
		CHECK_INT(p->mode, AF_MODE_ENFORCE);
		policy_free(p);
	}
	done();
}

TEST(host_bad_values)
{
	REFUSED("host:\n"
		"  mode: enforcing\n",
		"test.yaml:2: host.mode must be enforce, audit or off, not 'enforcing'");
	REFUSED("host: {send: everything}\n",
		"test.yaml:1: host.send must be cloud (send rules cover the cloud ranges) or all (every non-loopback destination), not 'everything'");
	/* YAML 1.1 booleans are not guessed at */
	REFUSED("host: {lock: on}\n",
		"test.yaml:1: host.lock must be yes or no (or true or false), not 'on'");
	REFUSED("host: {lock: Yes}\n", "host.lock must be yes or no (or true or false), not 'Yes'");
	REFUSED("host:\n"
		"  modee: audit\n",
		"test.yaml:2: unknown key 'modee' under host (did you mean 'mode'?); expected mode, cloud, send or lock");
	REFUSED("host:\n"
		"  colour: blue\n",
		"test.yaml:2: unknown key 'colour' under host (did you mean 'cloud'?); expected mode, cloud, send or lock");
	REFUSED("host:\n"
		"  flavour: blue\n",
		"test.yaml:2: unknown key 'flavour' under host; expected mode, cloud, send or lock");
	done();
}

TEST(wrong_node_types)
{
	REFUSED("host: [enforce]\n",
		"test.yaml:1: host must be a mapping of settings (mode, cloud, send, lock), not a list");
	REFUSED("host:\n"
		"  mode: [enforce, audit]\n",
		"test.yaml:2: host.mode must be a single value, not a list");
	REFUSED("host: {lock: {a: b}}\n", "test.yaml:1: host.lock must be a single value, not a mapping");
	REFUSED("host: {cloud: 198.51.100.0/24}\n",
		"test.yaml:1: host.cloud must be a list of address ranges, one '- 198.51.100.0/24' per line, not text");
	REFUSED("host: {cloud: [[198.51.100.0/24]]}\n",
		"test.yaml:1: a host.cloud entry must be a single value, not a list");
	REFUSED("labels: [secret]\n",
		"test.yaml:1: labels must be a mapping of label name to {read, write, send}, not a list");
	REFUSED("labels:\n"
		"  internal: [deny, deny, deny]\n",
		"test.yaml:2: label 'internal' must be a mapping such as {read: deny, write: deny, send: deny}, not a list");
	REFUSED("labels: {internal: {read: [deny], write: deny, send: deny}}\n",
		"test.yaml:1: read must be a single value, not a list");
	REFUSED("paths: [/srv/a]\n",
		"test.yaml:1: paths must be a mapping of path to label(s), such as '/srv/archive/secret: secret', not a list");
	REFUSED("paths:\n"
		"  /srv/a: {secret: yes}\n",
		"test.yaml:2: path '/srv/a': give a label or a list of labels, not a mapping");
	REFUSED("paths:\n"
		"  /srv/a: [[secret]]\n",
		"test.yaml:2: path '/srv/a': a label is a name, not a list");
	REFUSED("trusted: backup\n",
		"test.yaml:1: trusted must be a mapping of program name to {exe, unit, allow, inherit}, not text");
	REFUSED("trusted:\n"
		"  backup: /usr/bin/backup\n",
		"test.yaml:2: trusted program 'backup' must be a mapping with exe and/or unit, allow and inherit (optional), not text");
	REFUSED("trusted:\n"
		"  backup:\n",
		"test.yaml:2: trusted program 'backup' must be a mapping with exe and/or unit, allow and inherit (optional), not empty");
	REFUSED("include: [/etc/archfence/policy.d]\n",
		"test.yaml:1: include must be a single value, not a list");
	REFUSED("- host\n", "test.yaml:1: a policy is a mapping with the keys host, include, labels, paths, trusted and sinks, not a list");
	REFUSED("just text\n", "test.yaml:1: a policy is a mapping with the keys host, include, labels, paths, trusted and sinks, not text");
	REFUSED("? [a, b]\n"
		": c\n",
		"test.yaml:1: a mapping key must be text, not a list");
	done();
}

TEST(unknown_top_level_key)
{
	REFUSED("lables: {}\n",
		"test.yaml:1: unknown key 'lables' at the top level (did you mean 'labels'?); expected host, include, labels, paths, trusted or sinks");
	REFUSED("labels:\n"
		"policy: x\n",
		"test.yaml:2: unknown key 'policy' at the top level; expected host, include, labels, paths, trusted or sinks");
	done();
}

/* ---- YAML itself ---- */

TEST(syntax_errors)
{
	REFUSED("labels:\n"
		"  internal: {read: deny\n",
		"test.yaml:3: YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 2)");
	REFUSED("paths:\n"
		"  /a: secret\n"
		" /b: secret\n",
		"test.yaml:3: YAML syntax error:");
	/* libyaml finds the tab; the message says what to do about it */
	REFUSED("host:\n"
		"\tmode: audit\n",
		"test.yaml:2: YAML syntax error: found character that cannot start any token (while scanning for the next token at line 2); YAML does not allow tabs for indentation, use spaces");
	REFUSED("host:\n"
		"  mode: audit\n"
		"\tlock: yes\n",
		"YAML does not allow tabs for indentation, use spaces");
	REFUSED("key: 'unterminated\n", "test.yaml:2: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 1)");
	/* a syntax error is the only error reported for that file */
	REFUSED("paths: {/a: secrte}\n"
		"x: [\n",
		"test.yaml:3: YAML syntax error");
	NO_ERROR("secrte");
	done();
}

TEST(one_document_per_file)
{
	REFUSED("labels:\n"
		"---\n"
		"labels:\n",
		"test.yaml:2: a policy file holds one YAML document; put further policy in another file under the include directory");
	done();
}

TEST(anchors_aliases_and_tags_refused)
{
	REFUSED("labels:\n"
		"  internal: &deny3 {read: deny, write: deny, send: deny}\n"
		"  other: *deny3\n",
		"test.yaml:2: anchors and aliases are not supported (found '&deny3'); write the value out in full");
	HAS_ERROR("test.yaml:3: anchors and aliases are not supported (found '*deny3'); write the value out in full");
	REFUSED("paths:\n"
		"  /srv/a: &s secret\n",
		"test.yaml:2: anchors and aliases are not supported (found '&s')");
	REFUSED("host: {mode: !!str audit}\n",
		"test.yaml:1: YAML tags are not supported (found 'tag:yaml.org,2002:str'); every value is read as plain text");
	REFUSED("host: !custom {mode: audit}\n", "YAML tags are not supported (found '!custom')");
	/* a merge key without an alias is just an unknown key */
	REFUSED("host:\n"
		"  <<: {mode: audit}\n",
		"test.yaml:2: unknown key '<<' under host");
	done();
}

TEST(duplicate_keys)
{
	REFUSED("host: {mode: audit}\n"
		"labels:\n"
		"host: {mode: off}\n",
		"test.yaml:3: duplicate key 'host' (first at line 1)");
	REFUSED("host:\n"
		"  mode: audit\n"
		"  mode: enforce\n",
		"test.yaml:3: duplicate key 'mode' (first at line 2)");
	REFUSED("labels:\n"
		"  internal: {read: deny, write: deny, send: deny, read: allow}\n",
		"test.yaml:2: duplicate key 'read' (first at line 2)");
	REFUSED("paths:\n"
		"  /srv/a: secret\n"
		"  /srv/b: secret\n"
		"  /srv/a: secret\n",
		"test.yaml:4: duplicate key '/srv/a' (first at line 2)");
	CHECK_INT(nerrors(), 1);
	/* a big mapping: found by sorting, reported once per repeat */
	{
		char *yaml = NULL;
		size_t len;
		FILE *f = open_memstream(&yaml, &len);
		int i;

		fprintf(f, "paths:\n");
		for (i = 0; i < 40; i++)
			fprintf(f, "  /srv/p%d: secret\n", i);
		fprintf(f, "  /srv/p7: secret\n");
		fprintf(f, "  /srv/p7: secret\n");
		fclose(f);
		REFUSED(yaml, "test.yaml:42: duplicate key '/srv/p7' (first at line 9)");
		HAS_ERROR("test.yaml:43: duplicate key '/srv/p7' (first at line 9)");
		CHECK_INT(nerrors(), 2);
		free(yaml);
	}
	done();
}

TEST(nul_in_scalar_and_control_characters)
{
	REFUSED("paths:\n"
		"  \"/srv/a\\0b\": secret\n",
		"test.yaml:2: text contains a NUL character");
	/* control characters never reach an error line as such */
	REFUSED("paths:\n"
		"  \"/srv/a\\nb\": secret\n",
		"test.yaml:2: path '/srv/a?b' contains a control character");
	REFUSED("host:\n"
		"  \"mo\\x01de\": audit\n",
		"test.yaml:2: unknown key 'mo?de' under host");
	done();
}

TEST(nesting_limit)
{
	char yaml[256];
	int i, n = 0;

	n += snprintf(yaml + n, sizeof(yaml) - (size_t)n, "labels: ");
	for (i = 0; i < 40; i++)
		yaml[n++] = '[';
	for (i = 0; i < 40; i++)
		yaml[n++] = ']';
	yaml[n++] = '\n';
	yaml[n] = '\0';
	REFUSED(yaml, "test.yaml:1: nested more than 32 levels deep; a policy needs at most 6");
	done();
}

/* ---- labels ---- */

TEST(builtin_label_spelled_out)
{
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  secret: {send: audit}\n"
		"  sensitive: {read: allow, write: audit, send: deny}\n"
		"  master-repository:\n");

	if (!p)
		return done();
	CHECK_INT(p->nlabels, 3);
	CHECK_INT(p->labels[0].action[AF_OP_READ], AF_DENY);	/* kept */
	CHECK_INT(p->labels[0].action[AF_OP_WRITE], AF_DENY);
	CHECK_INT(p->labels[0].action[AF_OP_SEND], AF_AUDIT);
	CHECK_INT(p->labels[0].line, 2);
	CHECK_STR(p->labels[0].file, "test.yaml");
	CHECK_INT(p->labels[2].action[AF_OP_READ], AF_ALLOW);
	CHECK_INT(p->labels[2].action[AF_OP_WRITE], AF_AUDIT);
	CHECK_INT(p->labels[2].action[AF_OP_SEND], AF_DENY);
	CHECK_INT(p->labels[1].action[AF_OP_READ], AF_DENY);
	CHECK_INT(p->labels[1].line, 4);
	policy_free(p);
	done();
}

TEST(label_errors)
{
	REFUSED("labels:\n"
		"  Secret2: {read: deny, write: deny, send: deny}\n",
		"test.yaml:2: invalid label name 'Secret2': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 31 bytes");
	REFUSED("labels:\n"
		"  -internal: {read: deny, write: deny, send: deny}\n",
		"test.yaml:2: invalid label name '-internal'");
	REFUSED("labels:\n"
		"  \"in ternal\": {read: deny, write: deny, send: deny}\n",
		"test.yaml:2: invalid label name 'in ternal'");
	REFUSED("labels:\n"
		"  abcdefghijklmnopqrstuvwxyz012345: {read: deny, write: deny, send: deny}\n",
		"test.yaml:2: invalid label name 'abcdefghijklmnopqrstuvwxyz012345'");
	REFUSED("labels:\n"
		"  \"\": {read: deny, write: deny, send: deny}\n",
		"test.yaml:2: invalid label name ''");
	REFUSED("labels:\n"
		"  internal: {read: block, write: deny, send: deny}\n",
		"test.yaml:2: label 'internal': read must be allow, audit or deny, not 'block'");
	REFUSED("labels:\n"
		"  internal: {read: deny, write: deny, sned: deny}\n",
		"test.yaml:2: unknown key 'sned' in label 'internal' (did you mean 'send'?); expected read, write, send or list");
	REFUSED("labels:\n"
		"  internal: {read: deny}\n",
		"test.yaml:2: new label 'internal' must give read, write and send (each allow, audit or deny); missing: write, send");
	REFUSED("labels:\n"
		"  internal:\n",
		"test.yaml:2: new label 'internal' must give read, write and send (each allow, audit or deny); missing: read, write, send");
	done();
}

TEST(label_name_limits)
{
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  abcdefghijklmnopqrstuvwxyz01234: {read: deny, write: deny, send: deny}\n"
		"  0: {read: deny, write: deny, send: deny}\n"
		"  a.b_c-d: {read: deny, write: deny, send: deny}\n");

	if (p) {
		CHECK_INT(label(p, "abcdefghijklmnopqrstuvwxyz01234"), 3);
		CHECK_INT(label(p, "0"), 4);
		CHECK_INT(label(p, "a.b_c-d"), 5);
		policy_free(p);
	}
	done();
}

static char *many_labels(int n)
{
	char *yaml = NULL;
	size_t len;
	FILE *f = open_memstream(&yaml, &len);
	int i;

	fprintf(f, "labels:\n");
	for (i = 0; i < n; i++)
		fprintf(f, "  l%02d: {read: deny, write: deny, send: deny}\n", i);
	fprintf(f, "paths:\n");
	fprintf(f, "  /srv/last: l%02d\n", n - 1);
	fclose(f);
	return yaml;
}

TEST(reserved_label_name)
{
	REFUSED("labels:\n  archfence: {read: allow, write: deny, send: allow}\n",
		"test.yaml:2: label 'archfence' is reserved: it marks archfence's own files and pins; choose another name");
	done();
}

TEST(at_most_31_labels)
{
	char *yaml = many_labels(28);	/* with the 3 built-in: 31 */
	struct policy *p = ACCEPTED(yaml);

	if (p) {
		CHECK_INT(p->nlabels, 31);
		CHECK_INT(p->paths[0].labels, 1u << 30);
		policy_free(p);
	}
	free(yaml);
	yaml = many_labels(30);
	REFUSED(yaml, "test.yaml:30: label 'l28': at most 31 labels: the kernel carries them as bits of a 32-bit mask, and archfence keeps one for itself");
	CHECK_INT(nerrors(), 2);	/* and l29's use */
	HAS_ERROR("unknown label 'l29' (labels past the 31st are not defined)");
	free(yaml);
	done();
}

TEST(unknown_label_suggestions)
{
	REFUSED("paths:\n"
		"  /srv/a: secrte\n",
		"test.yaml:2: unknown label 'secrte' (did you mean 'secret'?)");
	REFUSED("paths:\n"
		"  /srv/a: [sensitive, master-repo]\n",
		"test.yaml:2: unknown label 'master-repo'; the labels are secret, master-repository, sensitive (define new ones under labels:)");
	REFUSED("labels:\n"
		"  internal: {read: audit, write: deny, send: deny}\n"
		"paths:\n"
		"  /srv/a: [internl]\n",
		"test.yaml:4: unknown label 'internl' (did you mean 'internal'?)");
	REFUSED("paths:\n"
		"  /srv/a: Secret\n",
		"test.yaml:2: unknown label 'Secret' (did you mean 'secret'?)");
	REFUSED("paths:\n"
		"  /srv/a: []\n",
		"test.yaml:2: path '/srv/a': no label given");
	REFUSED("paths:\n"
		"  /srv/a:\n",
		"test.yaml:2: path '/srv/a': no label given");
	done();
}

TEST(labels_defined_after_use)
{
	/* paths are read once every label is known */
	struct policy *p = ACCEPTED(
		"paths:\n"
		"  /srv/mixed: [sensitive, internal]\n"
		"labels:\n"
		"  internal: {read: audit, write: deny, send: deny}\n");

	if (p) {
		CHECK_INT(p->npaths, 1);
		CHECK_INT(p->paths[0].labels, bit(p, "sensitive") | bit(p, "internal"));
		CHECK_INT(p->paths[0].line, 2);
		CHECK_STR(p->paths[0].file, "test.yaml");
		policy_free(p);
	}
	done();
}

/* ---- paths, without the file system ---- */

TEST(path_normalisation)
{
	struct policy *p = ACCEPTED(
		"paths:\n"
		"  //srv///a/./b/: secret\n"
		"  /srv/./c/.: sensitive\n"
		"  /srv/d.e/..f/: sensitive\n");

	if (!p)
		return done();
	CHECK_INT(p->npaths, 3);
	CHECK_STR(p->paths[0].path, "/srv/a/b");
	CHECK_STR(p->paths[1].path, "/srv/c");
	CHECK_STR(p->paths[2].path, "/srv/d.e/..f");
	CHECK_INT(p->paths[0].dev, 0);
	CHECK_INT(p->paths[0].ino, 0);
	policy_free(p);
	done();
}

TEST(path_errors)
{
	REFUSED("paths:\n"
		"  srv/archive: secret\n",
		"test.yaml:2: path 'srv/archive' is relative; give the absolute path, starting with '/'");
	REFUSED("paths:\n"
		"  ./archive: secret\n",
		"test.yaml:2: path './archive' is relative");
	REFUSED("paths:\n"
		"  \"\": secret\n",
		"test.yaml:2: empty path; give an absolute path");
	REFUSED("paths:\n"
		"  /srv/archive/../etc: secret\n",
		"test.yaml:2: path '/srv/archive/../etc' has a '..' component; refused because what it names would depend on symlinks and mounts on the way: write the path without '..'");
	REFUSED("paths:\n"
		"  /srv/..: secret\n",
		"has a '..' component");
	REFUSED("paths:\n"
		"  /: secret\n",
		"test.yaml:2: path '/' is the root directory; a label on '/' would cover the whole system");
	REFUSED("paths:\n"
		"  //./: secret\n",
		"test.yaml:2: path '//./' is the root directory");
	done();
}

TEST(path_too_long)
{
	char *yaml = malloc(PATH_MAX + 64);
	/* an explicit key: libyaml allows implicit ones up to 1024 characters */
	int n = sprintf(yaml, "paths:\n  ? /");

	memset(yaml + n, 'a', PATH_MAX);
	strcpy(yaml + n + PATH_MAX, "\n  : secret\n");
	REFUSED(yaml, "test.yaml:2: path '/aaaa");
	HAS_ERROR("...' is longer than 4095 bytes");
	free(yaml);
	done();
}

TEST(same_path_twice)
{
	/* identical entries, written differently, merge */
	struct policy *p = ACCEPTED(
		"paths:\n"
		"  /srv/a: secret\n"
		"  /srv/a/: [secret]\n"
		"  /srv//a: [secret, secret]\n"
		"  /srv/b: sensitive\n");

	if (p) {
		CHECK_INT(p->npaths, 2);
		CHECK_STR(p->paths[0].path, "/srv/a");
		CHECK_INT(p->paths[0].line, 2);
		CHECK_STR(p->paths[1].path, "/srv/b");
		policy_free(p);
	}
	/* different labels: both lines named */
	REFUSED("paths:\n"
		"  /srv/a: secret\n"
		"  /srv/b: sensitive\n"
		"  /srv/a/: sensitive\n",
		"test.yaml:4: path '/srv/a' is labelled 'sensitive' here but 'secret' at test.yaml:2; list it once, with every label it needs");
	CHECK_INT(nerrors(), 1);
	done();
}

TEST(protected_paths_by_name)
{
	static const char *const prot[] = {
		"/usr/sbin/archfence", "/etc/archfence/", "/sys/fs/bpf/archfence", NULL,
	};
	const struct policy_opts o = { .protected_paths = prot, .no_fs = true };
	struct policy *p;

	REFUSED_WITH("paths:\n"
		     "  /usr: secret\n",
		     &o, "test.yaml:2: path '/usr' would label the controller's own file /usr/sbin/archfence; label the directories beside it instead");
	REFUSED_WITH("paths:\n"
		     "  /usr/sbin/archfence: secret\n",
		     &o, "test.yaml:2: path '/usr/sbin/archfence' would label the controller's own file /usr/sbin/archfence");
	REFUSED_WITH("paths:\n"
		     "  /etc/archfence: secret\n",
		     &o, "would label the controller's own file /etc/archfence/");
	REFUSED_WITH("paths:\n"
		     "  /sys/fs: secret\n",
		     &o, "would label the controller's own file /sys/fs/bpf/archfence");
	/* beside, or below a protected directory, is fine */
	p = ACCEPTED_WITH("paths:\n"
			  "  /usr/sbi: secret\n"
			  "  /usr/sbin/archfence2: secret\n"
			  "  /etc/archfence/other: secret\n", &o);
	policy_free(p);
	done();
}

/* ---- trusted programs, without the file system ---- */

TEST(trusted_parsed)
{
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  internal: {read: audit, write: deny, send: deny}\n"
		"trusted:\n"
		"  archive-backup:\n"
		"    exe: /usr/local/bin//archive-backup\n"
		"    unit: archive-backup.service\n"
		"    allow:\n"
		"      read: [master-repository, internal]\n"
		"      write: secret\n"
		"  Indexer@2:\n"
		"    exe: /opt/idx/bin/indexer\n"
		"    unit: indexer@x\\x2d1.service\n"
		"    allow: {send: [sensitive]}\n");

	if (!p)
		return done();
	CHECK_INT(p->ntrusted, 2);
	CHECK_STR(p->trusted[0].name, "archive-backup");
	CHECK_STR(p->trusted[0].exe, "/usr/local/bin/archive-backup");
	CHECK_STR(p->trusted[0].unit, "archive-backup.service");
	CHECK_INT(p->trusted[0].allow[AF_OP_READ], bit(p, "master-repository") | bit(p, "internal"));
	CHECK_INT(p->trusted[0].allow[AF_OP_WRITE], bit(p, "secret"));
	CHECK_INT(p->trusted[0].allow[AF_OP_SEND], 0);
	CHECK_INT(p->trusted[0].line, 4);
	CHECK_STR(p->trusted[0].file, "test.yaml");
	CHECK_STR(p->trusted[1].name, "Indexer@2");
	CHECK_STR(p->trusted[1].unit, "indexer@x\\x2d1.service");
	CHECK_INT(p->trusted[1].allow[AF_OP_SEND], bit(p, "sensitive"));
	policy_free(p);

	p = ACCEPTED("trusted:\n"
		     "  scanner: {exe: /usr/bin/scanner, allow: {read: sensitive}}\n");
	if (p) {
		CHECK(p->trusted[0].unit == NULL);
		policy_free(p);
	}
	done();
}

/* A whole unit (unit without exe), and inherit. */
TEST(trusted_units_and_inherit)
{
	char buf[256];
	struct policy *p = ACCEPTED(
		"trusted:\n"
		"  backup-unit:\n"
		"    unit: archive-backup.service\n"
		"    allow: {read: [master-repository]}\n"
		"  backup-script:\n"
		"    exe: /usr/local/bin/archive-backup\n"
		"    unit: archive-backup.service\n"
		"    inherit: yes\n"
		"    allow: {read: [master-repository]}\n"
		"  tar:\n"
		"    exe: /usr/bin/tar\n"
		"    inherit: no\n"
		"    allow: {read: [master-repository]}\n"
		"  rsync:\n"
		"    exe: /usr/bin/rsync\n"
		"    inherit: true\n"
		"    allow: {read: [master-repository]}\n");

	if (!p)
		return done();
	CHECK_INT(p->ntrusted, 4);
	CHECK(p->trusted[0].exe == NULL);
	CHECK_STR(p->trusted[0].unit, "archive-backup.service");
	CHECK(!p->trusted[0].inherit);
	CHECK(p->trusted[0].dev == 0 && p->trusted[0].ino == 0);
	CHECK_STR(policy_trusted_str(&p->trusted[0], buf, sizeof(buf)),
		  "every process of unit archive-backup.service");
	CHECK(p->trusted[1].inherit);
	CHECK_STR(policy_trusted_str(&p->trusted[1], buf, sizeof(buf)),
		  "/usr/local/bin/archive-backup, as a member of unit archive-backup.service; its descendants inherit the grants");
	CHECK(!p->trusted[2].inherit);
	CHECK_STR(policy_trusted_str(&p->trusted[2], buf, sizeof(buf)), "/usr/bin/tar");
	CHECK(p->trusted[3].inherit);
	policy_free(p);

	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    inherit: maybe\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': inherit must be yes (its children get its grants, whatever they run) or no (the default), not 'maybe'");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    inherit: [yes]\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': inherit");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    unit: backup.service\n"
		"    inherit: yes\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted unit 'backup': inherit needs exe: without exe every process of unit backup.service is trusted already");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    inherit: yes\n"
		"    allow: {read: secret}\n",
		"test.yaml:2: trusted program 'backup' has neither exe nor unit");
	REFUSED("trusted:\n"
		"  a:\n"
		"    unit: backup.service\n"
		"    allow: {read: secret}\n"
		"  b:\n"
		"    unit: backup.service\n"
		"    allow: {write: secret}\n",
		"test.yaml:5: trusted program 'b' has the same unit as 'a' (test.yaml:2); merge them into one entry");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    unit: backup\n"
		"    allow: {read: secret}\n",
		"test.yaml:3: trusted program 'backup': unit 'backup' has no unit type suffix");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    unit: backup.service\n"
		"    allow: {}\n",
		"test.yaml:2: trusted program 'backup' is allowed nothing");
	/* an exe with and without a unit are two entries; the same exe and unit twice is not */
	p = ACCEPTED("trusted:\n"
		     "  a: {exe: /usr/bin/backup, allow: {read: secret}}\n"
		     "  b: {exe: /usr/bin/backup, unit: backup.service, allow: {read: secret}}\n"
		     "  c: {unit: backup.service, allow: {read: secret}}\n");
	if (p)
		policy_free(p);
	REFUSED("trusted:\n"
		"  a: {exe: /usr/bin/backup, unit: backup.service, allow: {read: secret}}\n"
		"  b: {exe: /usr/bin/backup, unit: backup.service, inherit: yes, allow: {read: secret}}\n",
		"test.yaml:3: trusted program 'b' has the same exe and unit as 'a' (test.yaml:2); merge them into one entry");
	done();
}

TEST(trusted_errors)
{
	REFUSED("trusted:\n"
		"  backup:\n"
		"    allow: {read: secret}\n",
		"test.yaml:2: trusted program 'backup' has neither exe nor unit: give exe (the absolute path of its executable), unit (a systemd unit, whose every process is then trusted), or both");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: bin/archive-backup\n"
		"    allow: {read: secret}\n",
		"test.yaml:3: trusted program 'backup': exe 'bin/archive-backup' is not an absolute path; give the full path, such as /usr/local/bin/archive-backup");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/local/../bin/backup\n"
		"    allow: {read: secret}\n",
		"test.yaml:3: trusted program 'backup': exe '/usr/local/../bin/backup' has a '..' component; give the path without '..'");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    unit: backup\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': unit 'backup' has no unit type suffix (.service, .scope, .socket, ...); did you mean 'backup.service'?");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    unit: backup.exe\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': unit 'backup.exe' has no unit type suffix");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    unit: .service\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': unit '.service' has no unit type suffix");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    unit: backup job.service\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': unit 'backup job.service' contains ' ', which systemd does not allow in unit names (escape it with systemd-escape)");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    unit: 备份.service\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': unit '备份.service' contains a non-ASCII character");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    unit: \"\"\n"
		"    allow: {read: secret}\n",
		"test.yaml:4: trusted program 'backup': unit is empty");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allow:\n"
		"      raed: [master-repository]\n",
		"test.yaml:5: trusted program 'backup': unknown operation 'raed' under allow (did you mean 'read'?); expected read, write, send or list");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allow:\n"
		"      execute: [master-repository]\n",
		"test.yaml:5: trusted program 'backup': unknown operation 'execute' under allow; expected read, write, send or list");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allow:\n"
		"      read: [master-repositry]\n",
		"test.yaml:5: unknown label 'master-repositry' (did you mean 'master-repository'?)");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allow:\n"
		"      read: []\n",
		"test.yaml:5: trusted program 'backup': allow.read: no label given");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allow: {}\n",
		"test.yaml:2: trusted program 'backup' is allowed nothing; give allow: with at least one of read, write or send and the labels it may use");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n",
		"test.yaml:2: trusted program 'backup' is allowed nothing; give allow: with at least one of read, write or send and the labels it may use, e.g. allow: {read: [master-repository]}");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allow: [read]\n",
		"test.yaml:4: trusted program 'backup': allow must be a mapping of operation to label(s), such as {read: [master-repository]}, not a list");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: /usr/bin/backup\n"
		"    allw: {read: secret}\n",
		"test.yaml:4: unknown key 'allw' in trusted program 'backup' (did you mean 'allow'?); expected exe, unit, allow or inherit");
	REFUSED("trusted:\n"
		"  \"back up\":\n"
		"    exe: /usr/bin/backup\n"
		"    allow: {read: secret}\n",
		"test.yaml:2: invalid trusted program name 'back up'");
	REFUSED("trusted:\n"
		"  backup:\n"
		"    exe: [/usr/bin/backup]\n"
		"    allow: {read: secret}\n",
		"test.yaml:3: trusted program 'backup': exe must be a single value, not a list");
	done();
}

TEST(trusted_same_exe_and_unit)
{
	struct policy *p;

	REFUSED("trusted:\n"
		"  a: {exe: /usr/bin/rsync, unit: a.service, allow: {read: secret}}\n"
		"  b: {exe: /usr/bin//rsync, unit: a.service, allow: {read: sensitive}}\n",
		"test.yaml:3: trusted program 'b' has the same exe and unit as 'a' (test.yaml:2); merge them into one entry");
	REFUSED("trusted:\n"
		"  a: {exe: /usr/bin/rsync, allow: {read: secret}}\n"
		"  b: {exe: /usr/bin/rsync, allow: {read: sensitive}}\n",
		"test.yaml:3: trusted program 'b' has the same exe as 'a' (test.yaml:2); merge them into one entry");
	/* one program in two units is two entries */
	p = ACCEPTED("trusted:\n"
		     "  a: {exe: /usr/bin/rsync, unit: a.service, allow: {read: secret}}\n"
		     "  b: {exe: /usr/bin/rsync, unit: b.service, allow: {read: sensitive}}\n");
	if (p) {
		CHECK_INT(p->ntrusted, 2);
		policy_free(p);
	}
	done();
}

/* ---- cloud ranges ---- */

static void check_cidr(const struct policy_cidr *c, int family, const char *addr,
		       unsigned prefix, unsigned pmin, unsigned pmax)
{
	uint8_t want[16] = { 0 };

	CHECK_INT(c->family, family);
	CHECK_INT(inet_pton(family, addr, want), 1);
	if (memcmp(c->addr, want, 16)) {
		printf("#   address of %s:%u differs from %s\n", c->file, c->line, addr);
		unit_failed = 1;
	}
	CHECK_INT(c->prefix, prefix);
	CHECK_INT(c->port_min, pmin);
	CHECK_INT(c->port_max, pmax);
}

TEST(cloud_forms)
{
	struct policy *p = ACCEPTED(
		"host:\n"
		"  cloud:\n"
		"    - 198.51.100.0/24\n"
		"    - 2001:db8:20::/48\n"
		"    - 192.0.2.10\n"
		"    - 192.0.2.10:443\n"
		"    - 10.0.0.0/8:8000-8100\n"
		"    - \"[2001:db8::1]:8443\"\n"
		"    - \"[2001:db8::/32]:443\"\n"
		"    - 2001:db8::7\n"
		"    - ::ffff:192.0.2.0/120\n"
		"    - \"[::ffff:192.0.2.1]:80\"\n"
		"    - 0.0.0.0/0\n"
		"    - ::/0\n"
		"    - 203.0.113.5:1-65535\n"
		"    - \"[192.0.2.99]:53\"\n"
		"    - \"[2001:db8::1:443]\"\n"
		"    - 2001:db8:1:2:3:4:5:443\n"
		"    - 2001:db8::2:443/128\n"
		"    - 2001:db8::3:ffff\n");

	if (!p)
		return done();
	CHECK_INT(p->ncloud, 18);
	if (p->ncloud != 18)
		return policy_free(p), done();
	check_cidr(&p->cloud[0], AF_INET, "198.51.100.0", 24, 0, 0);
	check_cidr(&p->cloud[1], AF_INET6, "2001:db8:20::", 48, 0, 0);
	check_cidr(&p->cloud[2], AF_INET, "192.0.2.10", 32, 0, 0);
	check_cidr(&p->cloud[3], AF_INET, "192.0.2.10", 32, 443, 443);
	check_cidr(&p->cloud[4], AF_INET, "10.0.0.0", 8, 8000, 8100);
	check_cidr(&p->cloud[5], AF_INET6, "2001:db8::1", 128, 8443, 8443);
	check_cidr(&p->cloud[6], AF_INET6, "2001:db8::", 32, 443, 443);
	check_cidr(&p->cloud[7], AF_INET6, "2001:db8::7", 128, 0, 0);
	check_cidr(&p->cloud[8], AF_INET, "192.0.2.0", 24, 0, 0);	/* mapped */
	check_cidr(&p->cloud[9], AF_INET, "192.0.2.1", 32, 80, 80);
	check_cidr(&p->cloud[10], AF_INET, "0.0.0.0", 0, 0, 0);
	check_cidr(&p->cloud[11], AF_INET6, "::", 0, 0, 0);
	check_cidr(&p->cloud[12], AF_INET, "203.0.113.5", 32, 1, 65535);
	check_cidr(&p->cloud[13], AF_INET, "192.0.2.99", 32, 53, 53);
	/* written so that nothing is ambiguous: addresses, not ports */
	check_cidr(&p->cloud[14], AF_INET6, "2001:db8::1:443", 128, 0, 0);
	check_cidr(&p->cloud[15], AF_INET6, "2001:db8:1:2:3:4:5:443", 128, 0, 0);
	check_cidr(&p->cloud[16], AF_INET6, "2001:db8::2:443", 128, 0, 0);
	check_cidr(&p->cloud[17], AF_INET6, "2001:db8::3:ffff", 128, 0, 0);
	CHECK_INT(p->cloud[0].line, 3);
	CHECK_STR(p->cloud[0].file, "test.yaml");
	policy_free(p);

	/* the same range twice, however written, is kept once */
	p = ACCEPTED("host:\n"
		     "  cloud: [198.51.100.0/24, 198.51.100.0/24, \"::ffff:198.51.100.0/120\", 198.51.100.0/24:443]\n");
	if (p) {
		CHECK_INT(p->ncloud, 2);
		policy_free(p);
	}
	/* a mapped range wider than /96 stays IPv6 */
	p = ACCEPTED("host: {cloud: [\"::fffe:0:0/95\"]}\n");
	if (p) {
		CHECK_INT(p->cloud[0].family, AF_INET6);
		policy_free(p);
	}
	done();
}

TEST(cloud_errors)
{
	REFUSED("host:\n"
		"  cloud:\n"
		"    - 10.20.1.0/16\n",
		"test.yaml:3: 10.20.1.0/16 has host bits set; did you mean 10.20.0.0/16?");
	REFUSED("host: {cloud: [\"2001:db8:1::/32\"]}\n",
		"test.yaml:1: 2001:db8:1::/32 has host bits set; did you mean 2001:db8::/32?");
	REFUSED("host: {cloud: [\"[2001:db8::1/64]:443\"]}\n",
		"test.yaml:1: [2001:db8::1/64] has host bits set; did you mean [2001:db8::/64]?");
	REFUSED("host: {cloud: [192.0.2.1/31]}\n",
		"192.0.2.1/31 has host bits set; did you mean 192.0.2.0/31?");
	REFUSED("host: {cloud: [300.1.1.1]}\n",
		"test.yaml:1: cloud entry '300.1.1.1': '300.1.1.1' is not an IPv4 or IPv6 address");
	REFUSED("host: {cloud: [cloud.example.gov.cn]}\n",
		"cloud entry 'cloud.example.gov.cn': 'cloud.example.gov.cn' is not an IPv4 or IPv6 address");
	REFUSED("host: {cloud: [10.1.2]}\n", "'10.1.2' is not an IPv4 or IPv6 address");
	REFUSED("host: {cloud: [010.1.2.3]}\n", "'010.1.2.3' is not an IPv4 or IPv6 address");
	REFUSED("host: {cloud: [1.2.3.4/33]}\n",
		"test.yaml:1: cloud entry '1.2.3.4/33': prefix length /33 is out of range for IPv4 (0-32)");
	REFUSED("host: {cloud: [\"2001:db8::/129\"]}\n",
		"cloud entry '2001:db8::/129': prefix length /129 is out of range for IPv6 (0-128)");
	REFUSED("host: {cloud: [1.2.3.0/-8]}\n",
		"cloud entry '1.2.3.0/-8': prefix length '/-8' is not a number");
	REFUSED("host: {cloud: [1.2.3.0/]}\n", "prefix length '/' is not a number");
	REFUSED("host: {cloud: [\"1.2.3.4:0\"]}\n",
		"test.yaml:1: cloud entry '1.2.3.4:0': port 0 is out of range; ports are 1-65535");
	REFUSED("host: {cloud: [\"1.2.3.4:65536\"]}\n",
		"cloud entry '1.2.3.4:65536': port 65536 is out of range; ports are 1-65535");
	REFUSED("host: {cloud: [\"1.2.3.4:100-99999\"]}\n", "port 99999 is out of range");
	REFUSED("host: {cloud: [\"1.2.3.4:8100-8000\"]}\n",
		"cloud entry '1.2.3.4:8100-8000': port range 8100-8000 is backwards; did you mean 8000-8100?");
	REFUSED("host: {cloud: [\"1.2.3.4:https\"]}\n",
		"cloud entry '1.2.3.4:https': 'https' is not a port or port range; write a port (443) or a range (8000-8100)");
	REFUSED("host: {cloud: [\"1.2.3.4:\"]}\n", "'' is not a port or port range");
	REFUSED("host: {cloud: [\"1.2.3.4:1-2-3\"]}\n", "'1-2-3' is not a port or port range");
	REFUSED("host: {cloud: [\"[2001:db8::1:443\"]}\n",
		"cloud entry '[2001:db8::1:443': missing ']' after the IPv6 address");
	REFUSED("host: {cloud: [\"[2001:db8::1]443\"]}\n",
		"cloud entry '[2001:db8::1]443': expected ':PORT' after ']', such as [2001:db8::1]:443");
	REFUSED("host: {cloud: [\"2001:db8::/32:443\"]}\n",
		"cloud entry '2001:db8::/32:443': an IPv6 range with a port needs brackets and quotes: \"[2001:db8::/...]:PORT\"");
	REFUSED("host: {cloud: [\"2001:db8::g:443\"]}\n",
		"(an IPv6 address with a port needs brackets and quotes: \"[2001:db8::1]:443\")");
	REFUSED("host: {cloud: [\"fe80::1%eth0\"]}\n", "'fe80::1%eth0' is not an IPv4 or IPv6 address");
	/* the last group could be a port: brackets say which is meant */
	REFUSED("host: {cloud: [\"2001:db8::1:443\"]}\n",
		"test.yaml:1: cloud entry '2001:db8::1:443' is ambiguous: an IPv6 address, or 2001:db8::1 and port 443? Write \"[2001:db8::1]:443\" for the address and port, or \"[2001:db8::1:443]\" for the address");
	REFUSED("host: {cloud: [\"::1:8443\"]}\n", "Write \"[::1]:8443\" for the address and port");
	REFUSED("host: {cloud: [\"\"]}\n",
		"test.yaml:1: empty cloud entry; give an address or range such as 198.51.100.0/24");
	done();
}

/* ---- warnings about a valid policy ---- */

static char *warnings_of(const struct policy *p)
{
	struct policy_errors w = { 0 };
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	CHECK_INT(policy_warnings(p, &w), 0);
	policy_errors_print(&w, f);
	fclose(f);
	policy_errors_clear(&w);
	return out;
}

TEST(weakened_builtin_labels_warned)
{
	struct policy *p;
	char *w;

	p = ACCEPTED("labels:\n"
		     "  secret: {read: allow, send: audit}\n"
		     "  master-repository: {read: deny, write: deny, send: deny}\n"
		     "  sensitive: {read: allow}\n"
		     "  mine: {read: allow, write: allow, send: allow}\n");
	if (!p)
		return done();
	w = warnings_of(p);
	CHECK(strstr(w, "test.yaml:2: warning: built-in label 'secret' is weakened (read: allow, send: audit): "
			"it is built in as deny") != NULL);
	CHECK(strstr(w, "test.yaml:4: warning: built-in label 'sensitive' is weakened (read: allow): "
			"it is built in as audit") != NULL);
	/* spelled out as strong as built in, or a label of the policy's own: no warning */
	CHECK(strstr(w, "master-repository") == NULL);
	CHECK(strstr(w, "mine") == NULL);
	free(w);
	policy_free(p);

	/* stricter than built in is no weakening */
	p = ACCEPTED("labels:\n"
		     "  sensitive: {read: deny, send: deny}\n");
	if (p) {
		w = warnings_of(p);
		CHECK_STR(w, "");
		free(w);
		policy_free(p);
	}
	done();
}

/* ---- many errors at once, in order ---- */

TEST(errors_collected_in_one_pass)
{
	REFUSED("host:\n"
		"  mode: enforcing\n"
		"  cloud: [10.20.1.0/16]\n"
		"labels:\n"
		"  Bad: {read: deny, write: deny, send: deny}\n"
		"paths:\n"
		"  relative/path: secret\n"
		"  /srv/a: secrte\n"
		"trusted:\n"
		"  x: {exe: /usr/bin/x}\n"
		"extra: 1\n",
		"test.yaml:2: host.mode");
	CHECK_INT(nerrors(), 7);
	if (errs.n == 7) {
		static const unsigned lines[] = { 2, 3, 5, 7, 8, 10, 11 };

		for (int i = 0; i < 7; i++)
			CHECK_INT(errs.v[i].line, lines[i]);
	}
	done();
}

TEST(errors_api)
{
	struct policy_errors e = { 0 };
	struct policy *p = (struct policy *)&sentinel;
	char *out = NULL;
	size_t len;
	FILE *f;

	CHECK_INT(policy_load_buffer("t.yaml", "host: {mode: x}\nlabels: []\n", 27, &nofs, &p, &e), -EINVAL);
	CHECK(p == NULL);
	CHECK_INT(e.n, 2);
	/* appended, not replaced */
	CHECK_INT(policy_load_buffer("u.yaml", "", 0, &nofs, &p, &e), -EINVAL);
	CHECK_INT(e.n, 3);
	f = open_memstream(&out, &len);
	CHECK_INT(policy_errors_print(&e, f), 3);
	fclose(f);
	CHECK_STR(out, "t.yaml:1: host.mode must be enforce, audit or off, not 'x'\n"
		       "t.yaml:2: labels must be a mapping of label name to {read, write, send}, not a list\n"
		       "u.yaml: empty policy\n");
	free(out);
	policy_errors_clear(&e);
	CHECK_INT(e.n, 0);
	CHECK(e.v == NULL);
	policy_errors_clear(&e);
	CHECK_INT(policy_errors_print(NULL, stdout), 0);

	/* errors may be ignored; out is required */
	CHECK_INT(policy_load_buffer("t.yaml", "x: 1\n", 5, NULL, &p, NULL), -EINVAL);
	CHECK(p == NULL);
	CHECK_INT(policy_load_buffer("t.yaml", "labels:\n", 8, NULL, NULL, NULL), -EINVAL);
	p = (struct policy *)&sentinel;
	CHECK_INT(policy_load_buffer("t.yaml", "labels:\n", 8, NULL, &p, NULL), 0);
	CHECK(p != NULL && p != (struct policy *)&sentinel);
	policy_free(p);
	policy_free(NULL);
	done();
}

/* ---- what a file must be ---- */

TEST(empty_policy)
{
	REFUSED("", "test.yaml: empty policy");
	REFUSED("# nothing here\n"
		"\n"
		"   # nor here\n",
		"test.yaml: empty policy");
	REFUSED("   \n\n", "test.yaml: empty policy");
	REFUSED("---\n", "test.yaml: empty policy");
	REFUSED("--- # only a marker\n...\n", "test.yaml: empty policy");
	CHECK_INT(nerrors(), 1);
	{
		struct policy *p = (struct policy *)&sentinel;

		CHECK_INT(policy_load_buffer("n.yaml", NULL, 0, &nofs, &p, &errs), -EINVAL);
		CHECK(p == NULL);
	}
	done();
}

TEST(not_text)
{
	static const char nul[] = "labels:\n\n  x\0y: 1\n";
	static const char latin1[] = "paths:\n  /srv/archiv\xe9: secret\n";
	static const char overlong[] = "paths:\n\n\n  /srv/\xc0\xaf: secret\n";
	static const char surrogate[] = "paths:\n  /srv/\xed\xa0\x80: secret\n";
	static const char cut[] = "paths:\n  /srv/\xe6\xb6";
	struct policy *p;

	CHECK_INT(load_opts("x", &nofs, &p), -EINVAL);	/* warm up */
	errs_reset();
	p = (struct policy *)&sentinel;
	CHECK_INT(policy_load_buffer("test.yaml", nul, sizeof(nul) - 1, &nofs, &p, &errs), -EINVAL);
	CHECK(p == NULL);
	errs_collect();
	HAS_ERROR("test.yaml:3: not a text file: contains a NUL byte");
	CHECK_INT(nerrors(), 1);

	REFUSED(latin1, "test.yaml:2: not a text file: invalid UTF-8 (a policy must be UTF-8 text)");
	REFUSED(overlong, "test.yaml:4: not a text file: invalid UTF-8");
	REFUSED(surrogate, "test.yaml:2: not a text file: invalid UTF-8");
	REFUSED(cut, "test.yaml:2: not a text file: invalid UTF-8");
	/* UTF-16 has NUL bytes */
	errs_reset();
	CHECK_INT(policy_load_buffer("test.yaml", "\xff\xfeh\0o\0", 6, &nofs, &p, &errs), -EINVAL);
	errs_collect();
	HAS_ERROR("test.yaml:1: not a text file");
	/* a UTF-8 byte order mark is text */
	p = ACCEPTED("\xef\xbb\xbflabels:\n");
	policy_free(p);
	done();
}

TEST(too_big_buffer)
{
	size_t len = POLICY_MAX_BYTES + 1;
	char *buf = malloc(len);
	struct policy *p = (struct policy *)&sentinel;

	memset(buf, '#', len);
	errs_reset();
	CHECK_INT(policy_load_buffer("big.yaml", buf, len, &nofs, &p, &errs), -EINVAL);
	CHECK(p == NULL);
	errs_collect();
	HAS_ERROR("big.yaml: is 4194305 bytes; a policy may be at most 4 MiB");
	free(buf);
	done();
}

TEST(files)
{
	struct policy *p;
	int fd;

	tree_new();
	CHECK_INT(load_file(T("missing.yaml"), &nofs, &p), -EINVAL);
	CHECK(p == NULL);
	HAS_ERROR(S("%s: cannot open: No such file or directory", T("missing.yaml")));

	mk_dir("dir.yaml");
	CHECK_INT(load_file(T("dir.yaml"), &nofs, &p), -EINVAL);
	CHECK(p == NULL);
	HAS_ERROR(S("%s: not a regular file (it is a directory)", T("dir.yaml")));

	CHECK_INT(mkfifo(T("fifo.yaml"), 0644), 0);
	CHECK_INT(load_file(T("fifo.yaml"), &nofs, &p), -EINVAL);	/* does not block */
	HAS_ERROR(S("%s: not a regular file (it is a FIFO)", T("fifo.yaml")));

	/* the size is checked before reading: a sparse file is enough */
	fd = open(T("big.yaml"), O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 5 << 20) == 0);
	close(fd);
	CHECK_INT(load_file(T("big.yaml"), &nofs, &p), -EINVAL);
	CHECK(p == NULL);
	HAS_ERROR(S("%s: is 5242880 bytes; a policy may be at most 4 MiB", T("big.yaml")));

	mk_file("empty.yaml", 0644, "");
	CHECK_INT(load_file(T("empty.yaml"), &nofs, &p), -EINVAL);
	HAS_ERROR(S("%s: empty policy", T("empty.yaml")));

	mk_file("comments.yaml", 0644, "# only\n# comments\n");
	CHECK_INT(load_file(T("comments.yaml"), &nofs, &p), -EINVAL);
	HAS_ERROR(S("%s: empty policy", T("comments.yaml")));

	mk_file("secret.yaml", 0000, "labels:\n");
	if (geteuid() != 0) {
		CHECK_INT(load_file(T("secret.yaml"), &nofs, &p), -EINVAL);
		CHECK(p == NULL);
		HAS_ERROR(S("%s: cannot open: Permission denied", T("secret.yaml")));
	} else {
		printf("#   running as root: the unreadable-file case cannot be made\n");
	}

	mk_file("ok.yaml", 0644, "host: {mode: audit}\n");
	CHECK_INT(load_file(T("ok.yaml"), &withfs, &p), 0);
	if (p && p != (struct policy *)&sentinel) {
		CHECK_STR(p->file, T("ok.yaml"));
		CHECK_STR(p->sha256_hex, "5dc3e70ceab3ad4e2a05a393a126d93fb0984b9473eeff4bef6f462942d02255");
		policy_free(p);
	}
	done();
}

/* ---- paths on the file system ---- */

TEST(paths_resolved)
{
	struct stat sd, sf;
	struct policy *p;
	const char *yaml;

	tree_new();
	mk_dir("archive");
	mk_dir("archive/涉密");
	mk_file("archive/list.csv", 0644, "a,b\n");
	yaml = S("paths:\n"
		 "  %s/archive/涉密/: secret\n"
		 "  %s//archive/./list.csv: [sensitive]\n", tmp, tmp);
	p = ACCEPTED_WITH(yaml, &withfs);
	if (p) {
		stat_of(T("archive/涉密"), &sd);
		stat_of(T("archive/list.csv"), &sf);
		CHECK_STR(p->paths[0].path, T("archive/涉密"));
		CHECK_INT(p->paths[0].dev, af_kdev(sd.st_dev));
		CHECK_INT(p->paths[0].ino, sd.st_ino);
		CHECK(p->paths[0].dir);
		CHECK_STR(p->paths[1].path, T("archive/list.csv"));
		CHECK_INT(p->paths[1].dev, af_kdev(sf.st_dev));
		CHECK_INT(p->paths[1].ino, sf.st_ino);
		CHECK(!p->paths[1].dir);
		CHECK(p->paths[1].ino != 0);
		policy_free(p);
	}
	done();
}

TEST(paths_missing)
{
	tree_new();
	mk_file("file", 0644, "x");
	/* Below a file: it can never appear. */
	REFUSED_WITH(S("paths:\n"
		       "  %s/nope: secret\n"
		       "  %s/nope/deeper: secret\n"
		       "  %s/file/below: secret\n", tmp, tmp, tmp), &withfs,
		     S("test.yaml:4: path '%s/file/below' does not exist: Not a directory", tmp));
	CHECK_INT(nerrors(), 1);
	/* Not there yet: pending, from the nearest directory that is. */
	{
		struct policy *p;
		struct stat st;

		p = ACCEPTED_WITH(S("paths:\n"
				    "  %s/nope: secret\n"
				    "  %s/nope/deeper/still: secret\n", tmp, tmp), &withfs);
		CHECK(p != NULL);
		if (p) {
			CHECK_INT(policy_npending(p), 2);
			CHECK(stat(tmp, &st) == 0);
			CHECK(p->paths[0].pending && p->paths[1].pending);
			CHECK_INT(p->paths[0].anchor_ino, st.st_ino);
			CHECK_INT(p->paths[0].ncomp, 1);
			CHECK_INT(p->paths[1].ncomp, 3);
			CHECK_INT(p->paths[1].comp[0], af_fnv1a64("nope"));
			CHECK_INT(p->paths[1].comp[2], af_fnv1a64("still"));
			policy_free(p);
		}
	}
	if (geteuid() != 0) {
		mk_dir("locked");
		mk_dir("locked/in");
		chmod(T("locked"), 0);
		REFUSED_WITH(S("paths:\n"
			       "  %s/locked/in: secret\n", tmp), &withfs,
			     S("path '%s/locked/in' cannot be checked: Permission denied", tmp));
		chmod(T("locked"), 0755);
	}
	done();
}

TEST(paths_symlinks)
{
	tree_new();
	mk_dir("real");
	mk_dir("real/sub");
	mk_link("real", "alias");
	mk_link(T("real/sub"), "sublink");
	mk_link("nowhere", "dangling");
	REFUSED_WITH(S("paths:\n"
		       "  %s/sublink: secret\n", tmp), &withfs,
		     S("test.yaml:2: path '%s/sublink' is a symlink to '%s/real/sub'; label '%s/real/sub' instead",
		       tmp, tmp, tmp));
	REFUSED_WITH(S("paths:\n"
		       "  %s/alias/sub: secret\n", tmp), &withfs,
		     S("test.yaml:2: path '%s/alias/sub' goes through the symlink '%s/alias' and resolves to '%s/real/sub'; label '%s/real/sub' instead",
		       tmp, tmp, tmp, tmp));
	REFUSED_WITH(S("paths:\n"
		       "  %s/dangling: secret\n", tmp), &withfs,
		     S("test.yaml:2: path '%s/dangling' is a symlink that does not resolve (No such file or directory); label the real location instead",
		       tmp));
	REFUSED_WITH(S("paths:\n"
		       "  %s/dangling/x: secret\n", tmp), &withfs,
		     S("test.yaml:2: path '%s/dangling/x' goes through the symlink '%s/dangling', which does not resolve (No such file or directory); label the real location instead",
		       tmp, tmp));
	done();
}

TEST(paths_special_files)
{
	tree_new();
	CHECK_INT(mkfifo(T("fifo"), 0644), 0);
	REFUSED_WITH(S("paths:\n"
		       "  %s/fifo: secret\n", tmp), &withfs,
		     S("test.yaml:2: path '%s/fifo' is neither a regular file nor a directory (it is a FIFO)", tmp));
	REFUSED_WITH("paths:\n"
		     "  /dev/null: secret\n", &withfs,
		     "test.yaml:2: path '/dev/null' is neither a regular file nor a directory (it is a character device)");
	done();
}

TEST(paths_same_inode)
{
	struct policy *p;

	tree_new();
	mk_dir("a");
	mk_file("a/f", 0644, "x");
	CHECK_INT(link(T("a/f"), T("hard")), 0);
	REFUSED_WITH(S("paths:\n"
		       "  %s/a/f: secret\n"
		       "  %s/hard: sensitive\n", tmp, tmp), &withfs,
		     S("test.yaml:3: path '%s/hard' is the same file as '%s/a/f' (test.yaml:2), labelled 'secret' there but 'sensitive' here; a label belongs to the file, so give both the same labels",
		       tmp, tmp));
	p = ACCEPTED_WITH(S("paths:\n"
			    "  %s/a/f: secret\n"
			    "  %s/hard: secret\n", tmp, tmp), &withfs);
	if (p) {
		CHECK_INT(p->npaths, 2);
		CHECK_INT(p->paths[0].ino, p->paths[1].ino);
		policy_free(p);
	}
	done();
}

TEST(protected_paths_by_inode)
{
	const char *prot[3];
	struct policy_opts o = { .protected_paths = prot };

	tree_new();
	mk_dir("real");
	mk_dir("real/etc");
	mk_file("real/etc/archfence.conf", 0644, "x");
	mk_link("real", "alias");
	prot[0] = T("alias/etc/archfence.conf");
	prot[1] = T("alias/run/not-yet/pins");	/* not there yet: its parents count */
	prot[2] = NULL;
	REFUSED_WITH(S("paths:\n"
		       "  %s/real/etc: secret\n", tmp), &o,
		     S("test.yaml:2: path '%s/real/etc' would label the controller's own file %s/alias/etc/archfence.conf",
		       tmp, tmp));
	mk_dir("real/run");
	REFUSED_WITH(S("paths:\n"
		       "  %s/real/run: secret\n", tmp), &o,
		     S("would label the controller's own file %s/alias/run/not-yet/pins", tmp));
	mk_dir("real/other");
	policy_free(ACCEPTED_WITH(S("paths:\n"
				    "  %s/real/other: secret\n", tmp), &o));
	done();
}

TEST(pseudo_file_systems_refused)
{
	struct statfs sf;

	/* the kernel's own state: procfs, sysfs, and a path not there yet on them */
	REFUSED_WITH("paths:\n"
		     "  /proc/sys: secret\n", &withfs,
		     "test.yaml:2: path '/proc/sys' is on procfs (/proc), a kernel pseudo file system");
	REFUSED_WITH("paths:\n"
		     "  /proc/sys/kernel/no-such-setting: secret\n", &withfs,
		     "path '/proc/sys/kernel/no-such-setting' is on procfs (/proc)");
	REFUSED_WITH("paths:\n"
		     "  /sys/kernel: master-repository\n", &withfs,
		     "path '/sys/kernel' is on sysfs (/sys), a kernel pseudo file system");
	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == 0x63677270)
		REFUSED_WITH("paths:\n"
			     "  /sys/fs/cgroup: secret\n", &withfs, "is on cgroup2fs");
	if (statfs("/dev/pts", &sf) == 0 && sf.f_type == 0x1cd1)
		REFUSED_WITH("paths:\n"
			     "  /dev/pts: secret\n", &withfs, "is on devpts (/dev/pts)");
	/* an ordinary directory beside them is fine */
	tree_new();
	mk_dir("data");
	policy_free(ACCEPTED_WITH(S("paths:\n"
				    "  %s/data: secret\n", tmp), &withfs));
	done();
}

/* ---- trusted programs on the file system ---- */

TEST(trusted_exe_checks)
{
	struct policy *p;
	struct stat st;

	tree_new();
	mk_dir("bin");
	mk_file("bin/backup", 0755, "#!/bin/sh\n");
	mk_file("bin/script", 0644, "#!/bin/sh\n");
	mk_link("backup", "bin/backup-link");
	mk_link("bin", "binlink");
	CHECK_INT(mkfifo(T("bin/fifo"), 0755), 0);

	p = ACCEPTED_WITH(S("trusted:\n"
			    "  backup:\n"
			    "    exe: %s/bin/backup\n"
			    "    allow: {read: master-repository}\n", tmp), &withfs);
	if (p) {
		stat_of(T("bin/backup"), &st);
		CHECK_INT(p->trusted[0].dev, af_kdev(st.st_dev));
		CHECK_INT(p->trusted[0].ino, st.st_ino);
		CHECK_INT(p->trusted[0].allow[AF_OP_READ], 1u << 1);
		policy_free(p);
	}
	REFUSED_WITH(S("trusted:\n"
		       "  backup:\n"
		       "    exe: %s/bin/nope\n"
		       "    allow: {read: master-repository}\n", tmp), &withfs,
		     S("test.yaml:3: trusted program 'backup': exe '%s/bin/nope' does not exist: No such file or directory", tmp));
	REFUSED_WITH(S("trusted:\n"
		       "  backup:\n"
		       "    exe: %s/bin/backup-link\n"
		       "    allow: {read: master-repository}\n", tmp), &withfs,
		     S("test.yaml:3: trusted program 'backup': exe '%s/bin/backup-link' is a symlink to '%s/bin/backup'; give '%s/bin/backup' instead",
		       tmp, tmp, tmp));
	REFUSED_WITH(S("trusted:\n"
		       "  backup:\n"
		       "    exe: %s/binlink/backup\n"
		       "    allow: {read: master-repository}\n", tmp), &withfs,
		     S("trusted program 'backup': exe '%s/binlink/backup' goes through the symlink '%s/binlink' and resolves to '%s/bin/backup'",
		       tmp, tmp, tmp));
	REFUSED_WITH(S("trusted:\n"
		       "  backup:\n"
		       "    exe: %s/bin\n"
		       "    allow: {read: master-repository}\n", tmp), &withfs,
		     S("test.yaml:3: trusted program 'backup': exe '%s/bin' is not a regular file (it is a directory)", tmp));
	REFUSED_WITH(S("trusted:\n"
		       "  backup:\n"
		       "    exe: %s/bin/fifo\n"
		       "    allow: {read: master-repository}\n", tmp), &withfs,
		     "is not a regular file (it is a FIFO)");
	REFUSED_WITH(S("trusted:\n"
		       "  backup:\n"
		       "    exe: %s/bin/script\n"
		       "    allow: {read: master-repository}\n", tmp), &withfs,
		     S("test.yaml:3: trusted program 'backup': exe '%s/bin/script' is not executable (mode 0644); name the program that actually runs", tmp));
	done();
}

/* ---- includes ---- */

TEST(includes)
{
	char *all = NULL, hex[65];
	size_t len;
	struct policy *p;
	const char *main_yaml, *a_yaml, *b_yaml;
	FILE *f;

	tree_new();
	mk_dir("etc");
	mk_dir("etc/policy.d");
	mk_dir("srv");
	mk_dir("srv/personnel");
	mk_dir("srv/secret");
	main_yaml = S("host:\n"
		      "  mode: audit\n"
		      "include: %s/etc/policy.d/\n"
		      "paths:\n"
		      "  %s/srv/secret: secret\n"
		      "  %s/srv/personnel: [personnel]\n", tmp, tmp, tmp);
	b_yaml = "labels:\n"
		 "  hr: {read: audit, write: audit, send: deny}\n";
	a_yaml = "labels:\n"
		 "  personnel: {read: audit, write: deny, send: deny}\n"
		 "paths: {}\n";
	mk_file("etc/policy.yaml", 0644, main_yaml);
	mk_file("etc/policy.d/b.yaml", 0644, b_yaml);
	mk_file("etc/policy.d/a.yaml", 0644, a_yaml);
	mk_file("etc/policy.d/notes.txt", 0644, "not yaml: [");
	mk_file("etc/policy.d/.hidden.yaml", 0644, "not yaml: [");
	mk_file("etc/policy.d/c.yaml.bak", 0644, "not yaml: [");

	CHECK_INT(load_file(T("etc/policy.yaml"), &withfs, &p), 0);
	if (!p || p == (struct policy *)&sentinel) {
		diag_errors();
		return done();
	}
	CHECK_INT(p->mode, AF_MODE_AUDIT);
	CHECK_INT(p->nfiles, 3);
	CHECK_STR(p->files[0], T("etc/policy.yaml"));
	CHECK_STR(p->files[1], T("etc/policy.d/a.yaml"));
	CHECK_STR(p->files[2], T("etc/policy.d/b.yaml"));
	CHECK_INT(label(p, "personnel"), 3);	/* a before b: strcmp order */
	CHECK_INT(label(p, "hr"), 4);
	CHECK_STR(p->labels[3].file, T("etc/policy.d/a.yaml"));
	CHECK_INT(p->labels[3].line, 2);
	CHECK_INT(p->paths[1].labels, bit(p, "personnel"));
	CHECK(p->paths[1].file == p->files[0]);

	f = open_memstream(&all, &len);
	fputs(main_yaml, f);
	fputs(a_yaml, f);
	fputs(b_yaml, f);
	fclose(f);
	sha256_hex(all, len, hex);
	CHECK_STR(p->sha256_hex, hex);
	free(all);
	policy_free(p);

	/* an empty include directory is fine */
	mk_dir("empty.d");
	p = ACCEPTED_WITH(S("include: %s/empty.d\n", tmp), &withfs);
	if (p) {
		CHECK_INT(p->nfiles, 1);
		policy_free(p);
	}
	done();
}

TEST(include_errors)
{
	struct policy *p;

	tree_new();
	mk_dir("d");
	mk_file("file", 0644, "x");
	REFUSED_WITH(S("labels:\n"
		       "include: %s/missing.d\n", tmp), &withfs,
		     S("test.yaml:2: include directory '%s/missing.d': No such file or directory; create it (it may stay empty) or remove the include line", tmp));
	REFUSED_WITH(S("include: %s/file\n", tmp), &withfs,
		     S("test.yaml:1: include directory '%s/file': Not a directory", tmp));
	REFUSED("include: policy.d\n",
		"test.yaml:1: include 'policy.d' is relative; give the directory's absolute path, e.g. /etc/archfence/policy.d");
	REFUSED("include: /etc/archfence/../policy.d\n",
		"test.yaml:1: include '/etc/archfence/../policy.d' has a '..' component");
	REFUSED("include:\n",
		"test.yaml:1: include needs a directory, e.g. include: /etc/archfence/policy.d");

	/* what included files may not hold */
	mk_file("d/10-host.yaml", 0644,
		"labels:\n"
		"host:\n"
		"  mode: off\n"
		"include: /etc\n");
	REFUSED_WITH(S("include: %s/d\n", tmp), &withfs,
		     S("%s/d/10-host.yaml:2: host settings belong in the main policy file", tmp));
	HAS_ERROR(S("%s/d/10-host.yaml:4: include belongs in the main policy file; included files cannot include more", tmp));
	unlink(T("d/10-host.yaml"));

	/* a label defined twice, across files */
	mk_file("d/20-labels.yaml", 0644,
		"labels:\n"
		"  internal: {read: audit, write: deny, send: deny}\n"
		"  secret: {read: deny}\n");
	REFUSED_WITH(S("include: %s/d\n"
		       "labels:\n"
		       "  secret: {read: deny, write: deny, send: deny}\n"
		       "  internal: {read: deny, write: deny, send: deny}\n", tmp), &withfs,
		     S("%s/d/20-labels.yaml:2: label 'internal' is already defined at test.yaml:4; define it once", tmp));
	HAS_ERROR(S("%s/d/20-labels.yaml:3: label 'secret' is already defined at test.yaml:3; define it once", tmp));
	/* both in the included file, which comes second */
	CHECK(errs.n == 2 && errs.v[0].file && !strcmp(errs.v[0].file, S("%s/d/20-labels.yaml", tmp)));
	unlink(T("d/20-labels.yaml"));

	/* the same path in two files */
	mk_dir("srv");
	mk_file("d/30-paths.yaml", 0644,
		S("paths:\n"
		  "  %s/srv: sensitive\n", tmp));
	REFUSED_WITH(S("include: %s/d\n"
		       "paths:\n"
		       "  %s/srv/: secret\n", tmp, tmp), &withfs,
		     S("%s/d/30-paths.yaml:2: path '%s/srv' is labelled 'sensitive' here but 'secret' at test.yaml:3", tmp, tmp));
	/* ... identical: merged */
	p = ACCEPTED_WITH(S("include: %s/d\n"
			    "paths:\n"
			    "  %s/srv/: sensitive\n", tmp, tmp), &withfs);
	if (p) {
		CHECK_INT(p->npaths, 1);
		CHECK_INT(p->paths[0].line, 3);
		policy_free(p);
	}
	unlink(T("d/30-paths.yaml"));

	/* trusted program defined in two files */
	mk_file("bin", 0755, "x");
	mk_file("d/40-trusted.yaml", 0644,
		S("trusted:\n"
		  "  backup: {exe: %s/bin, unit: b.service, allow: {read: secret}}\n", tmp));
	REFUSED_WITH(S("include: %s/d\n"
		       "trusted:\n"
		       "  backup: {exe: %s/bin, allow: {read: secret}}\n", tmp, tmp), &withfs,
		     S("%s/d/40-trusted.yaml:2: trusted program 'backup' is already defined at test.yaml:3; define it once", tmp));
	unlink(T("d/40-trusted.yaml"));

	/* an include that does not parse: its error, not a cascade of others */
	mk_file("d/50-broken.yaml", 0644,
		"labels:\n"
		"  internal: {read: audit, write: deny, send: deny\n");
	mk_dir("srv/x");
	REFUSED_WITH(S("include: %s/d\n"
		       "paths:\n"
		       "  %s/srv/x: internal\n", tmp, tmp), &withfs,
		     S("%s/d/50-broken.yaml:3: YAML syntax error", tmp));
	NO_ERROR("unknown label");
	CHECK_INT(nerrors(), 1);
	unlink(T("d/50-broken.yaml"));

	mk_file("d/60-empty.yaml", 0644, "# nothing yet\n");
	REFUSED_WITH(S("include: %s/d\n", tmp), &withfs,
		     S("%s/d/60-empty.yaml: empty policy", tmp));
	unlink(T("d/60-empty.yaml"));

	/* the main file inside its own include directory */
	mk_file("d/main.yaml", 0644, S("include: %s/d\n", tmp));
	CHECK_INT(load_file(T("d/main.yaml"), &withfs, &p), -EINVAL);
	CHECK(p == NULL);
	HAS_ERROR(S("%s/d/main.yaml: is the main policy file itself; keep the main file outside the include directory", tmp));
	CHECK_INT(nerrors(), 1);
	unlink(T("d/main.yaml"));

	mk_dir("d/70-dir.yaml");
	REFUSED_WITH(S("include: %s/d\n", tmp), &withfs,
		     S("%s/d/70-dir.yaml: not a regular file (it is a directory)", tmp));
	rmdir(T("d/70-dir.yaml"));

	if (geteuid() != 0) {
		mk_dir("closed.d");
		chmod(T("closed.d"), 0);
		REFUSED_WITH(S("include: %s/closed.d\n", tmp), &withfs,
			     S("test.yaml:1: include directory '%s/closed.d': Permission denied", tmp));
		chmod(T("closed.d"), 0755);
	}
	done();
}

TEST(include_too_many_files)
{
	int i;

	tree_new();
	mk_dir("d");
	for (i = 0; i < POLICY_MAX_FILES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "d/%03d.yaml", i);
		mk_file(name, 0644, "labels:\n");
		free(pool[--npool]);	/* T()'s copy of the name */
	}
	REFUSED_WITH(S("include: %s/d\n", tmp), &withfs,
		     S("test.yaml:1: include directory '%s/d' holds 256 policy files; at most 256 files in all (main file and includes)", tmp));
	CHECK_INT(nerrors(), 1);
	done();
}

TEST(include_not_read_without_fs)
{
	/* the fuzzer's mode: the include line is checked, the directory is not read */
	struct policy *p = ACCEPTED("include: /nonexistent/policy.d\n");

	if (p) {
		CHECK_INT(p->nfiles, 1);
		policy_free(p);
	}
	done();
}

UNIT_MAIN

/* ---- sinks ---- */

TEST(sinks_parsed)
{
	struct policy *p;
	struct stat st;
	size_t i;
	bool journald = false;

	tree_new();
	mk_file("logd", 0755, "#!/bin/sh\n");
	CHECK(symlink(T("logd"), T("logd-link")) == 0);
	p = ACCEPTED_WITH(S("sinks:\n"
			    "  logd: {exe: %s, unit: logd.service, tainted: refuse}\n"
			    "  linked: {exe: %s}\n"
			    "  absent: {exe: %s/not-installed}\n", T("logd"), T("logd-link"), tmp),
			  &withfs);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(stat(T("logd"), &st) == 0);
	CHECK_STR(p->sinks[0].name, "logd");
	CHECK_STR(p->sinks[0].unit, "logd.service");
	CHECK(p->sinks[0].refuse);
	CHECK_INT(p->sinks[0].ino, st.st_ino);
	/* a symlink is followed: the program is what runs */
	CHECK_INT(p->sinks[1].ino, st.st_ino);
	CHECK(!p->sinks[1].refuse);
	/* not installed: kept, with no inode */
	CHECK_INT(p->sinks[2].ino, 0);
	/* journald is a sink even where the policy leaves it out */
	for (i = 0; i < p->nsinks; i++)
		journald |= p->sinks[i].builtin && !strcmp(p->sinks[i].name, "journald");
	CHECK(journald);
	policy_free(p);
	done();
}

TEST(sinks_errors)
{
	REFUSED("sinks:\n"
		"  logd: {exe: /usr/sbin/logd, tainted: drop}\n",
		"test.yaml:2: sink 'logd': tainted must be record (tainted data reaching it is recorded) or refuse (it is refused), not 'drop'");
	REFUSED("sinks:\n"
		"  logd: {unit: logd.service}\n",
		"test.yaml:2: sink 'logd' has no exe: give the absolute path of its executable");
	REFUSED("sinks:\n"
		"  logd: {exe: logd}\n",
		"test.yaml:2: sink 'logd': exe 'logd' is not an absolute path without '..'; give the full path of the program");
	REFUSED("sinks:\n"
		"  logd: {exe: /usr/sbin/logd, unit: logd}\n",
		"sink 'logd': unit 'logd' has no unit type suffix");
	REFUSED("sinks: [journald]\n",
		"test.yaml:1: sinks must be a mapping of name to {exe, unit, tainted}, not a list");
	REFUSED("sinks:\n"
		"  logd: {exe: /usr/sbin/logd, colour: blue}\n",
		"test.yaml:2: unknown key 'colour' in sink 'logd'");
	done();
}

TEST(list_follows_read)
{
	struct policy *p = ACCEPTED(
		"labels:\n"
		"  master-repository: {read: deny, write: deny, send: deny, list: allow}\n"
		"  sensitive: {read: allow}\n"
		"  internal: {read: audit, write: deny, send: deny}\n"
		"trusted:\n"
		"  inventory: {exe: /usr/bin/du, allow: {list: [secret]}}\n"
		"  backup: {exe: /usr/bin/tar, allow: {read: [internal]}}\n");

	if (!p)
		return done();
	/* built in, not spelled out: list is read's */
	CHECK_INT(p->labels[label(p, "secret")].action[AF_OP_LIST], AF_DENY);
	/* given */
	CHECK_INT(p->labels[label(p, "master-repository")].action[AF_OP_LIST], AF_ALLOW);
	/* spelled out without list: follows the new read */
	CHECK_INT(p->labels[label(p, "sensitive")].action[AF_OP_LIST], AF_ALLOW);
	/* a new label without list */
	CHECK_INT(p->labels[label(p, "internal")].action[AF_OP_LIST], AF_AUDIT);
	/* a list grant is no read grant; a read grant is a list grant too */
	CHECK_INT(p->trusted[0].allow[AF_OP_LIST], bit(p, "secret"));
	CHECK_INT(p->trusted[0].allow[AF_OP_READ], 0);
	CHECK_INT(p->trusted[1].allow[AF_OP_LIST], bit(p, "internal"));
	policy_free(p);
	done();
}

TEST(list_errors)
{
	REFUSED("labels:\n"
		"  internal: {read: deny, write: deny, send: deny, list: maybe}\n",
		"test.yaml:2: label 'internal': list must be allow, audit or deny, not 'maybe'");
	REFUSED("labels:\n"
		"  internal: {read: deny, write: deny, list: allow}\n",
		"new label 'internal' must give read, write and send (each allow, audit or deny); missing: send");
	done();
}
