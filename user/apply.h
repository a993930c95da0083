/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applying a policy file to the kernel, as `archfence apply` does it: shared
 * with `archfence daemon`, which applies the policy at boot.
 */
#ifndef AF_APPLY_H
#define AF_APPLY_H

#include <stddef.h>

/* Leave the kernel alone when a policy is already in force (the daemon). */
#define APPLY_IF_UNLOADED	(1u << 0)
/* Validate and resolve only; print what would be applied. */
#define APPLY_DRY_RUN		(1u << 1)
/* The pinned state is another build's: swap it for this one (archfence upgrade). */
#define APPLY_TAKEOVER		(1u << 2)
/*
 * The last good copy, applied at boot in place of a broken boot policy:
 * neither kept again as the last good policy nor recorded as the boot policy.
 */
#define APPLY_LAST_GOOD		(1u << 3)
/* Say the outcome as one JSON object on stdout (archfence apply --json). */
#define APPLY_JSON		(1u << 4)

/*
 * Validate file, resolve it, and switch the kernel to it in one step
 * (loading the programs if nothing is loaded), under the state lock. Both
 * the outcome and a refusal are printed and recorded in the journal; a
 * refused policy leaves the one in force untouched. Once applied, file is
 * the policy of the next boot and a copy of it the last good policy (see
 * boot_policy.h). Returns an EXIT_* code.
 */
int cmd_apply_file(const char *file, unsigned flags);

/*
 * Why this process's last cmd_apply_file failed: the stage ("check",
 * "resolve", "kernel", "locked"), the number of errors and their text
 * (may be NULL), as recorded in the journal.
 */
const char *cmd_apply_refusal(size_t *nerrors, const char **text);

#endif
