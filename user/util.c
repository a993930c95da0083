// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "archfence.h"
#include "util.h"

size_t af_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (len) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

void af_unescape_octal(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/* All of buf to fd; 0 or -errno (ENOSPC when the disk is full, not EIO). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int af_copy_file(const char *from, const char *to, unsigned mode)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		err = write_all(out, buf, (size_t)n);
		if (err)
			break;
	}
	if (n < 0 && !err)
		err = -errno;
	if (!err && fchmod(out, mode))
		err = -errno;
	/* Delayed allocation and NFS report a full disk here, not at write. */
	if (fsync(out) && !err)
		err = -errno;
	if (close(out) && !err)
		err = -errno;
	close(in);
	return err;
}

/* Is name an executable file in one of the directories of path? */
static bool in_path(const char *name, const char *path)
{
	char file[4096];
	const char *dir, *end;

	for (dir = path; dir && *dir; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if (end == dir)
			continue;
		snprintf(file, sizeof(file), "%.*s/%s", (int)(end - dir), dir, name);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

const char *af_choose_editor(const char *visual, const char *editor, const char *path)
{
	static const char *const fallback[] = { "sensible-editor", "editor" };
	size_t i;

	if (visual && *visual)
		return visual;
	if (editor && *editor)
		return editor;
	for (i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++)
		if (in_path(fallback[i], path))
			return fallback[i];
	return "vi";
}

uint64_t af_fnv1a64(const char *s)
{
	uint64_t h = AF_FNV64_OFFSET;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= AF_FNV64_PRIME;
	}
	return h;
}

/* Is the LSM name in the comma-separated list? */
static bool lsm_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
			return true;
	return false;
}

size_t af_lsm_advice(const char *lsm, bool rpm_first, char *buf, size_t len)
{
	char want[512];
	size_t o = 0;

	if (!lsm || !*lsm)
		return (size_t)snprintf(buf, len,
			"mount securityfs (mount -t securityfs securityfs /sys/kernel/security) and "
			"read the active LSM list in /sys/kernel/security/lsm; then boot with lsm= that "
			"list with bpf added at its end (not lsm=bpf alone, which would drop the LSMs in "
			"force, AppArmor or SELinux among them)");
	if (lsm_listed(lsm, "bpf"))
		snprintf(want, sizeof(want), "%s", lsm);
	else
		snprintf(want, sizeof(want), "%s,bpf", lsm);
	o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
			      "boot with lsm=%s (the LSMs in force now, with bpf added; not lsm=bpf "
			      "alone, which would drop them): ", want);
	if (rpm_first)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
				      "grubby --update-kernel=ALL --args=lsm=%s (openEuler, Kylin, "
				      "RHEL and the like), or on Debian and Ubuntu add it to "
				      "GRUB_CMDLINE_LINUX in /etc/default/grub and run update-grub; "
				      "then reboot", want);
	else
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
				      "add it to GRUB_CMDLINE_LINUX in /etc/default/grub and run "
				      "update-grub (Debian, Ubuntu), or on openEuler, Kylin, RHEL and "
				      "the like run grubby --update-kernel=ALL --args=lsm=%s; then reboot",
				      want);
	return o;
}

bool af_grubby_first(void)
{
	static const char *const grubby[] = { "/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby" };
	static const char *const debian[] = { "/usr/sbin/update-grub", "/etc/default/grub" };
	size_t i;

	for (i = 0; i < sizeof(debian) / sizeof(debian[0]); i++)
		if (access(debian[i], F_OK) == 0)
			return false;
	for (i = 0; i < sizeof(grubby) / sizeof(grubby[0]); i++)
		if (access(grubby[i], X_OK) == 0)
			return true;
	return false;
}

int af_display_width(const char *s)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old = (locale_t)0;
	size_t len = strlen(s), n;
	mbstate_t st = { 0 };
	int width = 0, w;
	wchar_t wc;

	if (utf8)
		old = uselocale(utf8);
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			n = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		width += w;
		s += n;
		len -= n;
	}
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return width;
}

void af_print_padded(FILE *f, const char *s, int width)
{
	int w = af_display_width(s);

	fputs(s, f);
	for (; w < width; w++)
		fputc(' ', f);
}
