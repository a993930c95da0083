/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy of the next boot. Every apply records which main policy file
 * it applied (the boot policy: what archfence.service applies at boot) and
 * keeps a copy of what it applied, the last good policy, which the boot
 * applies instead when the boot policy cannot be read or does not check.
 * Both live in /var/lib/archfence, which carries archfence's own label:
 * only the controller changes them.
 */
#ifndef AF_BOOT_POLICY_H
#define AF_BOOT_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "derived.h"
#include "policy.h"

/* One line: the absolute path of the main policy file the boot applies. */
#define AF_BOOT_RECORD		AF_STATE_DIR "/boot-policy"
/* The last good policy: the main file, its includes, and what it was copied from. */
#define AF_LAST_GOOD_DIR	AF_STATE_DIR "/last-good"
#define AF_LAST_GOOD_FILE	AF_LAST_GOOD_DIR "/policy.yaml"
#define AF_LAST_GOOD_INCLUDE	AF_LAST_GOOD_DIR "/policy.d"
#define AF_LAST_GOOD_INFO	AF_LAST_GOOD_DIR "/info"

/* Generated once with uuid4; never change it. The boot policy could not be applied. */
#define AF_MID_BOOT_ALARM	"7c549c9139fe470f8e922dde8e638c96"

struct last_good {
	char sha256[65];	/* of the policy as applied: its own files, in order */
	char copy_sha256[65];	/* of the copy; differs only when `include:` was rewritten */
	char source[PATH_MAX];	/* the main file it was applied from */
	long long saved;	/* when it was kept, seconds since the epoch */
};

/*
 * The main policy file the boot applies, into file: the one recorded by the
 * last apply, else POLICY_DEFAULT_FILE. Returns true when recorded.
 */
bool boot_policy_get(char *file, size_t len);

/* Record file (made absolute) as the boot policy, atomically. 0 or -errno. */
int boot_policy_set(const char *file);

/* Whether file is (in) the last good copy. */
bool last_good_holds(const char *file);

/*
 * Keep a copy of p, as just applied, as the last good policy: its main file
 * and includes under AF_LAST_GOOD_DIR, replaced whole in one rename. The
 * copy's `include:` names the copied include directory. 0 or -errno;
 * -ESTALE when a file no longer holds what p was read from.
 */
int last_good_save(const struct policy *p);

/* What the last good copy was kept from. 0, -ENOENT (none) or -errno. */
int last_good_read(struct last_good *lg);

/*
 * text (len bytes, a policy's main file) with the value of its top-level
 * `include:` replaced by dir, into a new buffer *out (*outlen bytes; the
 * caller frees it). Only that value changes, byte for byte. 0, -ENOENT (no
 * include key with a plain or quoted value), -EINVAL (not YAML) or -ENOMEM.
 */
int boot_policy_rewrite_include(const char *text, size_t len, const char *dir, char **out,
				size_t *outlen);

/*
 * The critical record of a boot policy file that could not be applied at
 * stage ("check", "resolve", "kernel") with nerrors errors (text errors, may
 * be NULL): with lg, the last good policy (sha256 in_force, generation gen)
 * is in force instead; without, nothing is. 0 or -errno.
 */
int boot_policy_alarm(const char *file, const char *stage, size_t nerrors, const char *errors,
		      const struct last_good *lg, const char *in_force, unsigned gen);

#endif
