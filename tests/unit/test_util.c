// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers the commands share: copying a file with the real errno, and
 * choosing the editor as Debian's tools do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "unit.h"

static char dir[] = "/tmp/af-unit-util-XXXXXX";

static const char *in_dir(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	CHECK_INT(fchmod(fd, mode), 0);
	close(fd);
}

static void setup(void)
{
	if (dir[strlen(dir) - 1] == 'X' && !mkdtemp(dir))
		abort();
}

TEST(copy_file_mode_and_content)
{
	struct stat st;
	char buf[64] = "";
	int fd;

	setup();
	write_file(in_dir("a"), "host: {mode: audit}\n", 0600);
	CHECK_INT(af_copy_file(in_dir("a"), in_dir("b"), 0644), 0);
	CHECK_INT(stat(in_dir("b"), &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	fd = open(in_dir("b"), O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
		close(fd);
	}
	CHECK_STR(buf, "host: {mode: audit}\n");
	CHECK_INT(af_copy_file(in_dir("missing"), in_dir("c"), 0644), -ENOENT);
}

TEST(copy_file_full_disk_is_enospc)
{
	/* /dev/full: every write fails as on a full disk; the error says so, not EIO */
	setup();
	write_file(in_dir("a"), "paths:\n  /srv/archive: secret\n", 0644);
	CHECK_INT(af_copy_file(in_dir("a"), "/dev/full", 0666), -ENOSPC);
}

TEST(choose_editor)
{
	char path[512];

	setup();
	CHECK_STR(af_choose_editor("emacs", "nano", "/nonexistent"), "emacs");
	CHECK_STR(af_choose_editor("", "nano", "/nonexistent"), "nano");
	CHECK_STR(af_choose_editor(NULL, NULL, "/nonexistent"), "vi");
	CHECK_STR(af_choose_editor(NULL, "", NULL), "vi");
	/* editor (the alternatives system's) when there is no sensible-editor */
	CHECK_INT(mkdir(in_dir("bin"), 0755), 0);
	write_file(in_dir("bin/editor"), "#!/bin/sh\n", 0755);
	snprintf(path, sizeof(path), "/nonexistent::%s", in_dir("bin"));
	CHECK_STR(af_choose_editor(NULL, NULL, path), "editor");
	/* Debian's sensible-editor first; a file that is not executable does not count */
	write_file(in_dir("bin/sensible-editor"), "#!/bin/sh\n", 0644);
	CHECK_STR(af_choose_editor(NULL, NULL, path), "editor");
	CHECK_INT(chmod(in_dir("bin/sensible-editor"), 0755), 0);
	CHECK_STR(af_choose_editor(NULL, NULL, path), "sensible-editor");
	CHECK_STR(af_choose_editor(NULL, "nano", path), "nano");
}

TEST(lsm_advice_keeps_the_lsms_in_force)
{
	char buf[1024];

	/* Debian: the list in force with bpf added, GRUB first, grubby too */
	af_lsm_advice("lockdown,capability,landlock,yama,apparmor,tomoyo", false, buf, sizeof(buf));
	CHECK(strstr(buf, "lsm=lockdown,capability,landlock,yama,apparmor,tomoyo,bpf ") != NULL);
	CHECK(strstr(buf, "GRUB_CMDLINE_LINUX in /etc/default/grub and run update-grub") != NULL);
	CHECK(strstr(buf, "grubby --update-kernel=ALL --args=lsm=lockdown,capability,landlock,yama,"
			  "apparmor,tomoyo,bpf") != NULL);
	CHECK(strstr(buf, "GRUB_CMDLINE_LINUX") < strstr(buf, "grubby"));
	/* an RPM system: SELinux kept, grubby first */
	af_lsm_advice("lockdown,capability,yama,selinux", true, buf, sizeof(buf));
	CHECK(strstr(buf, "grubby --update-kernel=ALL --args=lsm=lockdown,capability,yama,selinux,bpf ") != NULL);
	CHECK(strstr(buf, "grubby") < strstr(buf, "GRUB_CMDLINE_LINUX"));
	/* never a bare lsm=bpf, even when the list is unknown */
	af_lsm_advice("", false, buf, sizeof(buf));
	CHECK(strstr(buf, "with lsm=bpf") == NULL && strstr(buf, "args=lsm=bpf") == NULL);
	CHECK(strstr(buf, "/sys/kernel/security/lsm") != NULL);
	af_lsm_advice(NULL, true, buf, sizeof(buf));
	CHECK(strstr(buf, "mount -t securityfs") != NULL);
	/* bpf listed already (bpfilter is another name): not added twice */
	af_lsm_advice("capability,bpf", false, buf, sizeof(buf));
	CHECK(strstr(buf, "lsm=capability,bpf ") != NULL);
	af_lsm_advice("capability,bpfx", false, buf, sizeof(buf));
	CHECK(strstr(buf, "lsm=capability,bpfx,bpf ") != NULL);
	/* a short buffer is cut, never overrun; the length needed is returned */
	CHECK(af_lsm_advice("capability,yama", false, buf, 16) > 16);
	CHECK_INT(strlen(buf), 15);
}

TEST(display_width_counts_columns)
{
	CHECK_INT(af_display_width(""), 0);
	CHECK_INT(af_display_width("/srv/archive/master"), 19);
	/* a Chinese character takes two columns (three bytes) */
	CHECK_INT(af_display_width("/srv/archive/涉密"), 17);
	CHECK_INT(af_display_width("主库"), 4);
	/* bytes that are not UTF-8: one column each, and the rest still counts */
	CHECK_INT(af_display_width("a\xff\xfe" "b"), 4);
	CHECK_INT(af_display_width("\xe4\xb8"), 2);
}

TEST(cleanup)
{
	const char *names[] = { "bin/editor", "bin/sensible-editor", "bin", "a", "b" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		remove(in_dir(names[i]));
	CHECK_INT(rmdir(dir), 0);
}

UNIT_MAIN
