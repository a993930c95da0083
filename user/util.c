// SPDX-License-Identifier: GPL-2.0
#include <string.h>

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
