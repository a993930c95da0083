/* SPDX-License-Identifier: GPL-2.0 */
/* Small string helpers. */
#ifndef AF_UTIL_H
#define AF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Copy src into dst of size len, always terminated; returns strlen(src). */
size_t af_strlcpy(char *dst, const char *src, size_t len);

/*
 * Copy the bytes of from into a new file to (mode), synced. 0 or -errno, the
 * real one: -ENOSPC for a full disk.
 */
int af_copy_file(const char *from, const char *to, unsigned mode);

/*
 * The editor to run: $VISUAL, else $EDITOR, else Debian's sensible-editor
 * (which honours the user's select-editor choice), else editor (the
 * alternatives system's), when one is in path; else vi.
 */
const char *af_choose_editor(const char *visual, const char *editor, const char *path);

/*
 * What to change so that bpf is among the active LSMs, given the active list
 * now (the text of /sys/kernel/security/lsm; NULL or "" when unknown):
 * lsm= that list with bpf added (a bare lsm=bpf would drop AppArmor or
 * SELinux), and how: GRUB_CMDLINE_LINUX and update-grub on Debian and
 * Ubuntu, grubby on openEuler, Kylin and RHEL; rpm_first names grubby
 * first. Returns the length it needed, as snprintf.
 */
size_t af_lsm_advice(const char *lsm, bool rpm_first, char *buf, size_t len);

/* Whether this host boots with grubby rather than Debian's update-grub. */
bool af_grubby_first(void);

/* Undo the octal escapes of /proc/self/mountinfo (\040 for a space), in place. */
void af_unescape_octal(char *s);

/* FNV-1a, 64 bits, over a string's bytes: as the kernel side hashes names. */
uint64_t af_fnv1a64(const char *s);

/*
 * The columns s takes on a terminal (UTF-8: a Chinese character takes two);
 * invalid or unprintable bytes count one each.
 */
int af_display_width(const char *s);

/* Print s to f, then spaces up to width columns (at least none). */
void af_print_padded(FILE *f, const char *s, int width);

#endif
