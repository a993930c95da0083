/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applying a policy file to the kernel, as `archfence apply` does it: shared
 * with `archfence daemon`, which applies the policy at boot.
 */
#ifndef AF_APPLY_H
#define AF_APPLY_H

/* Leave the kernel alone when a policy is already in force (the daemon). */
#define APPLY_IF_UNLOADED	(1u << 0)
/* Validate and resolve only; print what would be applied. */
#define APPLY_DRY_RUN		(1u << 1)
/* The pinned state is another build's: swap it for this one (archfence upgrade). */
#define APPLY_TAKEOVER		(1u << 2)

/*
 * Validate file, resolve it, and switch the kernel to it in one step
 * (loading the programs if nothing is loaded), under the state lock. Both
 * the outcome and a refusal are printed and recorded in the journal; a
 * refused policy leaves the one in force untouched. Returns an EXIT_* code.
 */
int cmd_apply_file(const char *file, unsigned flags);

#endif
