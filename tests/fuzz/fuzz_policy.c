// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the policy parser: any bytes as a policy, without the
 * file system (no_fs), with a few protected paths so that check runs too.
 * On success the result is walked, so that a policy that loads is also one
 * whose fields can be used.
 *
 *	make build/fuzz/fuzz_policy && tests/fuzz/run 60
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const protected_paths[] = {
	"/usr/sbin/archfence", "/etc/archfence", "/sys/fs/bpf/archfence", NULL,
};

static void walk(const struct policy *p)
{
	char buf[AF_MAX_LABELS * AF_LABEL_NAME_MAX];
	size_t i;
	unsigned op;

	if (p->nlabels < 3 || p->nlabels > AF_MAX_LABELS || p->nfiles < 1 ||
	    strlen(p->sha256_hex) != 64)
		abort();
	for (i = 0; i < p->nlabels; i++) {
		if (policy_label_id(p, p->labels[i].name) != (int)i)
			abort();
		for (op = 0; op < AF_OP_COUNT; op++)
			if (p->labels[i].action[op] > AF_DENY)
				abort();
	}
	for (i = 0; i < p->npaths; i++) {
		const struct policy_path *pp = &p->paths[i];

		if (pp->path[0] != '/' || !pp->labels || strstr(pp->path, "//") ||
		    strstr(pp->path, "/./") || strstr(pp->path, "/../") ||
		    pp->path[strlen(pp->path) - 1] == '/')
			abort();
		policy_labels_str(p, pp->labels, buf, sizeof(buf));
	}
	for (i = 0; i < p->ntrusted; i++) {
		const struct policy_trusted *t = &p->trusted[i];
		uint32_t any = 0;

		for (op = 0; op < AF_OP_COUNT; op++)
			any |= t->allow[op];
		/* a program, a whole unit, or both; and something granted */
		if ((t->exe ? t->exe[0] != '/' : !t->unit) || !any)
			abort();
	}
	for (i = 0; i < p->ncloud; i++) {
		const struct policy_cidr *c = &p->cloud[i];

		if ((c->family != AF_INET && c->family != AF_INET6) ||
		    c->port_min > c->port_max || c->prefix > (c->family == AF_INET ? 32 : 128))
			abort();
	}
	af_mode_name(p->mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	const struct policy_opts opts = {
		.protected_paths = protected_paths,
		.no_fs = true,
	};
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	int err;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	err = policy_load_buffer("fuzz.yaml", (const char *)data, size, &opts, &p, &errs);
	if (err == 0) {
		if (!p || errs.n)
			abort();
		walk(p);
	} else if (p || (err == -EINVAL && !errs.n)) {
		abort();	/* refused without a reason, or refused and returned */
	}
	if (devnull)
		policy_errors_print(&errs, devnull);
	policy_errors_clear(&errs);
	policy_free(p);
	return 0;
}
