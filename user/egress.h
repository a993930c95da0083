/* SPDX-License-Identifier: GPL-2.0 */
/* The egress check's tc filters on the host's interfaces (see egress.c). */
#ifndef AF_EGRESS_H
#define AF_EGRESS_H

#include <stdbool.h>

/* Attach the program to every interface but loopback that lacks it; 0 or the first -errno. */
int egress_attach_all(int prog_fd);

/* The same, with the program pinned at path. */
int egress_attach_pinned(const char *path);

/* Remove the program pinned at path from every interface (the host's filters and hooks stay). */
void egress_detach_pinned(const char *path);

/* Interfaces but loopback (returned) and how many carry the program pinned at path, or -errno. */
int egress_coverage(const char *path, int *covered);

/* A netlink socket told of every new or changed interface, or -errno. */
int egress_watch_open(void);

/* Whether the watch saw any change since last asked (non-blocking). */
bool egress_watch_changed(int fd);

#endif /* AF_EGRESS_H */
