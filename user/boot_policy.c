// SPDX-License-Identifier: GPL-2.0
/*
 * The boot policy and the last good policy: which file the boot applies,
 * and a copy of the policy last applied, for a boot whose policy file is
 * broken. See boot_policy.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <systemd/sd-journal.h>
#include <yaml.h>

#include "boot_policy.h"
#include "util.h"

#define NEW_PREFIX	"last-good.new-"	/* a copy being made, in AF_STATE_DIR */

bool boot_policy_get(char *file, size_t len)
{
	char line[PATH_MAX + 2];
	bool ok = false;
	FILE *f;

	f = fopen(AF_BOOT_RECORD, "re");
	if (f) {
		ok = fgets(line, sizeof(line), f) && line[0] == '/' && strchr(line, '\n');
		fclose(f);
	}
	if (ok) {
		line[strcspn(line, "\n")] = 0;
		af_strlcpy(file, line, len);
	} else {
		af_strlcpy(file, POLICY_DEFAULT_FILE, len);
	}
	return ok;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* len bytes of buf into a new file path (mode 0600), synced. 0 or -errno. */
static int write_file(const char *path, const void *buf, size_t len)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (fsync(fd) && !err)
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int boot_policy_set(const char *file)
{
	char abs[PATH_MAX], cur[PATH_MAX];
	int err;

	if (file[0] == '/') {
		if (af_strlcpy(abs, file, sizeof(abs)) >= sizeof(abs))
			return -ENAMETOOLONG;
	} else {
		if (!getcwd(cur, sizeof(cur)))
			return -errno;
		if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", cur, file) >= sizeof(abs))
			return -ENAMETOOLONG;
	}
	if (strchr(abs, '\n'))
		return -EINVAL; /* the record is one line */
	if (strlen(abs) + 2 > sizeof(abs))
		return -ENAMETOOLONG; /* no room for the newline */
	if (boot_policy_get(cur, sizeof(cur)) && !strcmp(cur, abs))
		return 0; /* recorded already: every boot's apply lands here */
	if (mkdir(AF_STATE_DIR, 0700) && errno != EEXIST)
		return -errno;
	strcat(abs, "\n");
	err = write_file(AF_BOOT_RECORD ".new", abs, strlen(abs));
	if (!err && rename(AF_BOOT_RECORD ".new", AF_BOOT_RECORD))
		err = -errno;
	if (err)
		unlink(AF_BOOT_RECORD ".new");
	else
		sync_dir(AF_STATE_DIR);
	return err;
}

bool last_good_holds(const char *file)
{
	size_t n = strlen(AF_LAST_GOOD_DIR);

	return !strncmp(file, AF_LAST_GOOD_DIR, n) && (file[n] == '/' || !file[n]);
}

/* The whole of path (at most POLICY_MAX_BYTES) in a new buffer. 0 or -errno. */
static int read_all(const char *path, char **bufp, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *more;
	int fd, err = 0;
	ssize_t n;

	*bufp = NULL;
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		if (len == cap) {
			if (cap > POLICY_MAX_BYTES) {
				err = -EFBIG;
				break;
			}
			more = realloc(buf, cap * 2);
			if (!more) {
				err = -ENOMEM;
				break;
			}
			buf = more;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* Byte offset of libyaml's mark index (characters after a BOM; CR LF counts two). */
static size_t byte_offset(const char *text, size_t len, size_t index)
{
	size_t o = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;

	while (index-- && o < len)
		for (o++; o < len && ((unsigned char)text[o] & 0xc0) == 0x80; o++)
			;
	return o;
}

/*
 * The span of the value of the top-level key `include` (quotes and all),
 * as libyaml mark indexes; its value in *value. 0, -ENOENT or -EINVAL.
 */
static int find_include(const char *text, size_t len, size_t *start, size_t *end, char **value)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, err = -ENOENT;
	bool key = true, is_include = false, done = false;

	*value = NULL;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		bool node_done = false;

		if (!yaml_parser_parse(&parser, &ev)) {
			err = -EINVAL;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			done = true; /* one document: the parser refuses more */
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 0 && ev.type == YAML_SEQUENCE_START_EVENT)
				done = true; /* not a mapping: no include */
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			node_done = depth == 1;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			if (depth != 1)
				break;
			node_done = true;
			if (key) {
				is_include = ev.type == YAML_SCALAR_EVENT &&
					     !strcmp((const char *)ev.data.scalar.value, "include");
			} else if (is_include && ev.type == YAML_SCALAR_EVENT) {
				*start = ev.start_mark.index;
				*end = ev.end_mark.index;
				*value = strdup((const char *)ev.data.scalar.value);
				err = *value ? 0 : -ENOMEM;
				done = true;
			}
			break;
		default:
			break;
		}
		if (node_done) {
			/* a value that is a collection ends its key's entry too */
			if (!key)
				is_include = false;
			key = !key;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return err;
}

int boot_policy_rewrite_include(const char *text, size_t len, const char *dir, char **out,
				size_t *outlen)
{
	size_t start, end, a, b, dlen = strlen(dir), n;
	char *value = NULL, *buf;
	int err;

	*out = NULL;
	err = find_include(text, len, &start, &end, &value);
	free(value);
	if (err)
		return err;
	a = byte_offset(text, len, start);
	b = byte_offset(text, len, end);
	if (b < a)
		return -EINVAL;
	n = len - (b - a) + dlen;
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, a);
	memcpy(buf + a, dir, dlen);
	memcpy(buf + a + dlen, text + b, len - b);
	buf[n] = 0;
	/* Read back: the include key, and only it, names dir now. */
	err = find_include(buf, n, &start, &end, &value);
	if (!err && strcmp(value, dir))
		err = -EINVAL;
	free(value);
	if (err) {
		free(buf);
		return err == -ENOENT ? -EINVAL : err;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Copies left half made by an apply that did not finish. */
static void remove_stale(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(AF_STATE_DIR);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, NEW_PREFIX, strlen(NEW_PREFIX))) {
			snprintf(path, sizeof(path), "%s/%s", AF_STATE_DIR, de->d_name);
			remove_tree(path);
		}
	closedir(d);
}

static void hex(const unsigned char *md, char out[65])
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Both digests over buf: the one of the policy as applied, and the copy's. */
static int digest2(EVP_MD_CTX *orig, EVP_MD_CTX *copy, const char *buf, size_t len)
{
	return EVP_DigestUpdate(orig, buf, len) && EVP_DigestUpdate(copy, buf, len) ? 0 : -ENOMEM;
}

/* The new copy, made in tmp: its files and info. 0 or -errno. */
static int make_copy(const struct policy *p, const char *tmp)
{
	EVP_MD_CTX *orig = EVP_MD_CTX_new(), *copy = EVP_MD_CTX_new();
	unsigned char md[32], mdc[32];
	char path[PATH_MAX], sha[65], csha[65], *text = NULL, *main_text = NULL, *info = NULL;
	size_t len = 0, main_len = 0, i;
	const char *base;
	unsigned mdlen;
	int err = -ENOMEM;

	if (!orig || !copy || !EVP_DigestInit_ex(orig, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(copy, EVP_sha256(), NULL))
		goto out;
	err = read_all(p->files[0], &text, &len);
	if (err)
		goto out;
	if (!EVP_DigestUpdate(orig, text, len))
		goto nomem;
	if (p->include_dir) {
		err = boot_policy_rewrite_include(text, len, AF_LAST_GOOD_INCLUDE, &main_text,
						  &main_len);
		if (err)
			goto out;
		if (!EVP_DigestUpdate(copy, main_text, main_len))
			goto nomem;
	} else if (!EVP_DigestUpdate(copy, text, len)) {
		goto nomem;
	}
	snprintf(path, sizeof(path), "%s/policy.yaml", tmp);
	err = write_file(path, main_text ? main_text : text, main_text ? main_len : len);
	if (err)
		goto out;
	if (p->include_dir) {
		snprintf(path, sizeof(path), "%s/policy.d", tmp);
		if (mkdir(path, 0700)) {
			err = -errno;
			goto out;
		}
	}
	/* The includes, in the order read (strcmp order of their names, as loaded again). */
	for (i = 1; i < p->nfiles; i++) {
		free(text);
		text = NULL;
		err = read_all(p->files[i], &text, &len);
		if (err)
			goto out;
		err = digest2(orig, copy, text, len);
		if (err)
			goto out;
		base = strrchr(p->files[i], '/');
		snprintf(path, sizeof(path), "%s/policy.d/%s", tmp, base ? base + 1 : p->files[i]);
		err = write_file(path, text, len);
		if (err)
			goto out;
	}
	if (!EVP_DigestFinal_ex(orig, md, &mdlen) || !EVP_DigestFinal_ex(copy, mdc, &mdlen))
		goto nomem;
	/* What was applied, exactly: a file changed since it was read is not kept. */
	if (memcmp(md, p->sha256, sizeof(md))) {
		err = -ESTALE;
		goto out;
	}
	hex(md, sha);
	hex(mdc, csha);
	if (asprintf(&info, "sha256 %s\ncopy-sha256 %s\nsaved %lld\nsource %s\n", sha, csha,
		     (long long)time(NULL), p->files[0]) < 0) {
		info = NULL;
		goto nomem;
	}
	snprintf(path, sizeof(path), "%s/info", tmp);
	err = write_file(path, info, strlen(info));
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s/policy.d", tmp);
	if (p->include_dir)
		sync_dir(path);
	sync_dir(tmp);
	err = 0;
	goto out;
nomem:
	err = -ENOMEM;
out:
	EVP_MD_CTX_free(orig);
	EVP_MD_CTX_free(copy);
	free(text);
	free(main_text);
	free(info);
	return err;
}

int last_good_save(const struct policy *p)
{
	char tmp[] = AF_STATE_DIR "/" NEW_PREFIX "XXXXXX";
	int err;

	if (!p->nfiles)
		return -EINVAL;
	if (mkdir(AF_STATE_DIR, 0700) && errno != EEXIST)
		return -errno;
	remove_stale();
	if (!mkdtemp(tmp))
		return -errno;
	err = make_copy(p, tmp);
	/* In place whole, in one step: the old copy or the new one, never a mix. */
	if (!err && rename(tmp, AF_LAST_GOOD_DIR)) {
		err = -errno;
		/* a copy is there already: swapped, tmp holds the old one then */
		if (err == -ENOTEMPTY || err == -EEXIST)
			err = renameat2(AT_FDCWD, tmp, AT_FDCWD, AF_LAST_GOOD_DIR,
					RENAME_EXCHANGE) ? -errno : 0;
	}
	remove_tree(tmp);
	if (!err)
		sync_dir(AF_STATE_DIR);
	return err;
}

int last_good_read(struct last_good *lg)
{
	char line[PATH_MAX + 32], *v;
	FILE *f;

	memset(lg, 0, sizeof(*lg));
	if (access(AF_LAST_GOOD_FILE, F_OK))
		return -errno;
	f = fopen(AF_LAST_GOOD_INFO, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno; /* the copy stands without its notes */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		v = strchr(line, ' ');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(line, "sha256"))
			af_strlcpy(lg->sha256, v, sizeof(lg->sha256));
		else if (!strcmp(line, "copy-sha256"))
			af_strlcpy(lg->copy_sha256, v, sizeof(lg->copy_sha256));
		else if (!strcmp(line, "source"))
			af_strlcpy(lg->source, v, sizeof(lg->source));
		else if (!strcmp(line, "saved"))
			lg->saved = strtoll(v, NULL, 10);
	}
	fclose(f);
	return 0;
}

int boot_policy_alarm(const char *file, const char *stage, size_t nerrors, const char *errors,
		      const struct last_good *lg, const char *in_force, unsigned gen)
{
	const char *sha = lg && lg->sha256[0] ? lg->sha256 : in_force ? in_force : "";
	char saved[64] = "";
	struct tm tm;
	time_t t;
	int first = errors ? (int)strcspn(errors, "\n") : 0;
	const char *sep = first ? "; first: " : "";

	if (lg && lg->saved) {
		t = (time_t)lg->saved;
		if (localtime_r(&t, &tm))
			strftime(saved, sizeof(saved), "%Y-%m-%d %H:%M:%S %z", &tm);
	}
	if (lg)
		return sd_journal_send(
			"MESSAGE_ID=" AF_MID_BOOT_ALARM, "PRIORITY=%d", LOG_CRIT,
			"SYSLOG_IDENTIFIER=archfence",
			"MESSAGE=boot policy %s could not be applied (%s: %zu error%s%s%.*s); the "
			"last good policy, kept from %s, is in force instead (sha256 %.12s)",
			file, stage, nerrors, nerrors == 1 ? "" : "s", sep, first,
			errors ? errors : "", lg->source[0] ? lg->source : "(unknown)",
			sha,
			"ARCHFENCE_ACTION=last-good", "ARCHFENCE_POLICY_FILE=%s", file,
			"ARCHFENCE_STAGE=%s", stage, "ARCHFENCE_ERRORS=%zu", nerrors,
			"ARCHFENCE_ERROR_TEXT=%s", errors ? errors : "",
			"ARCHFENCE_LAST_GOOD=%s", AF_LAST_GOOD_FILE,
			"ARCHFENCE_LAST_GOOD_SOURCE=%s", lg->source,
			"ARCHFENCE_LAST_GOOD_SAVED=%s", saved,
			"ARCHFENCE_LAST_GOOD_SHA256=%s", lg->sha256,
			"ARCHFENCE_POLICY=%s", in_force ? in_force : "",
			"ARCHFENCE_GENERATION=%u", gen, NULL);
	return sd_journal_send(
		"MESSAGE_ID=" AF_MID_BOOT_ALARM, "PRIORITY=%d", LOG_CRIT,
		"SYSLOG_IDENTIFIER=archfence",
		"MESSAGE=boot policy %s could not be applied (%s: %zu error%s%s%.*s) and there is "
		"no last good policy: nothing is enforced",
		file, stage, nerrors, nerrors == 1 ? "" : "s", sep, first, errors ? errors : "",
		"ARCHFENCE_ACTION=none", "ARCHFENCE_POLICY_FILE=%s", file, "ARCHFENCE_STAGE=%s",
		stage, "ARCHFENCE_ERRORS=%zu", nerrors, "ARCHFENCE_ERROR_TEXT=%s",
		errors ? errors : "", "ARCHFENCE_LAST_GOOD=", "ARCHFENCE_POLICY=", NULL);
}
