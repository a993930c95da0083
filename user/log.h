/* SPDX-License-Identifier: GPL-2.0 */
/* Messages to stderr, each naming its module: "policy: file:12: message". */
#ifndef AF_LOG_H
#define AF_LOG_H

#include <stdbool.h>

extern bool log_verbose;

/* Prints "archfence: MSG" to stderr. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, with ": strerror(err)" appended; err is a positive or negative errno. */
void log_warn(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warnx and exit(1). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
