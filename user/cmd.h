/* SPDX-License-Identifier: GPL-2.0 */
/* What several commands share. */
#ifndef AF_CMD_H
#define AF_CMD_H

#include "policy.h"

#define AF_LOCK_FILE "/run/archfence.lock"

/* Load and validate a policy file, printing every error; 0 or -errno. */
int cmd_load_policy(const char *file, struct policy **p);

/* Whether archfence is loaded and locked until reboot; logs nothing. */
bool cmd_is_locked(void);

/* Serialise changes to the kernel state: an fd to close, or -1 (logged). */
int cmd_take_lock(void);

#endif
