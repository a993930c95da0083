/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records in journald, through libsystemd's native protocol: one per audit
 * or deny, one per applied or refused policy, one whenever events could not
 * be recorded. Each kind has a fixed MESSAGE_ID, explained (what happened,
 * why, what to do) by the catalogs in catalog/; the fields are listed in
 * archfence(8).
 */
#ifndef AF_JOURNAL_H
#define AF_JOURNAL_H

#include <stddef.h>

#include "archfence.h"

/* Generated once with systemd-id128 new; never change them. */
#define AF_MID_DENY	"bd8c30757d044ddb9c7667e20810bd00"	/* an access was refused */
#define AF_MID_AUDIT	"0a83de93f2d74d89acc4ebaf1217f5f6"	/* an access was allowed and audited */
#define AF_MID_APPLIED	"99a4984b4c274772be891b3ea509db9f"	/* a policy was applied */
#define AF_MID_LOST	"e331b04dde99453fbe99923f862e9551"	/* events could not be recorded */
#define AF_MID_REFUSED	"a9eaa56e4dbb4598906ceca295c5832c"	/* a policy was refused */
#define AF_MID_TAMPER	"60d5c4432e3f409793e20bdad8cbb624"	/* an attempt on archfence itself was refused */
#define AF_MID_LABELLED	"5fcd2e60ff804983a663de47ac3d6c10"	/* a file took labels */
#define AF_MID_PENDING	"b65ad0979bbb4269b04da5f81901aaf2"	/* a labelled path is pending, or appeared */
#define AF_MID_SINK	"0459f0c9616e423a9bfc1790dfad9ac4"	/* tainted data reached a sink */

struct event_view;
struct af_generation;

/* A SHA-256 as 64 hex digits. */
void journal_sha_hex(const __u8 sha[32], char out[65]);

/*
 * What changed from the previous generation to the new one, as one line
 * ("generation 4 (was 3); mode enforce; 3 labelled paths (was 2, +1); ...").
 * prev_pol and prev_meta are NULL when nothing was in force. Pure: no
 * journald, for the unit tests.
 */
void journal_policy_changes(const struct af_policy *prev_pol, const struct af_meta *prev_meta,
			    const struct af_policy *pol, const struct af_meta *meta, char *buf,
			    size_t len);

/*
 * One record of the kernel's: a deny, an audit, a refused attempt on
 * archfence itself, or a file that took labels. policy_sha is the hex
 * SHA-256 of the policy it was decided under ("" when unknown). 0 or -errno.
 */
int journal_event(const struct event_view *v, const char *policy_sha);

/*
 * Accesses whose record was lost: n since the last such record (lost in the
 * kernel, or records journald did not take), total lost in the kernel since
 * archfence was loaded. 0 or -errno.
 */
int journal_lost(__u64 n, __u64 kernel_n, __u64 unsent_n, __u64 total);

/* Generation g was applied from file; prev_* as for journal_policy_changes. */
int journal_policy_applied(const char *file, const struct af_generation *g,
			   const struct af_policy *prev_pol, const struct af_meta *prev_meta);

/*
 * Applying file failed at stage ("check": the policy has errors, "resolve":
 * its paths or programs could not be resolved, "kernel": the kernel refused
 * the new generation, "locked": archfence is locked until reboot) with
 * nerrors errors, whose text (may be NULL) is
 * errors. in_force is the state left in force (NULL: nothing loaded).
 */
int journal_policy_refused(const char *file, const char *stage, size_t nerrors,
			   const char *errors, const struct af_meta *in_force);

#endif
