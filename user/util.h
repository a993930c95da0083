/* SPDX-License-Identifier: GPL-2.0 */
/* Small string helpers. */
#ifndef AF_UTIL_H
#define AF_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Copy src into dst of size len, always terminated; returns strlen(src). */
size_t af_strlcpy(char *dst, const char *src, size_t len);

/* Copy the bytes of from into a new file to (mode), synced. 0 or -errno. */
int af_copy_file(const char *from, const char *to, unsigned mode);

/* Undo the octal escapes of /proc/self/mountinfo (\040 for a space), in place. */
void af_unescape_octal(char *s);

/* FNV-1a, 64 bits, over a string's bytes: as the kernel side hashes names. */
uint64_t af_fnv1a64(const char *s);

#endif
