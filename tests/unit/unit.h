/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit test harness printing TAP: each TEST is one "ok" or
 * "not ok" line; CHECK* failures say where and why, and the run goes on.
 *
 *	TEST(name) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *	int main(void) { return unit_run(); }
 */
#ifndef AF_UNIT_H
#define AF_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern int unit_failed;

#define UNIT_MAX 512
extern struct unit_test unit_tests[UNIT_MAX];
extern int unit_ntests;

#define TEST(n)								\
	static void test_##n(void);					\
	__attribute__((constructor)) static void reg_##n(void)		\
	{								\
		if (unit_ntests < UNIT_MAX)				\
			unit_tests[unit_ntests++] =			\
				(struct unit_test){ #n, test_##n };	\
	}								\
	static void test_##n(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: CHECK(%s) failed\n",		\
			       __FILE__, __LINE__, #cond);		\
			unit_failed = 1;				\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || !b_ || strcmp(a_, b_)) {			\
			printf("#   %s:%d: '%s' != '%s'\n", __FILE__,	\
			       __LINE__, a_ ? a_ : "(null)",		\
			       b_ ? b_ : "(null)");			\
			unit_failed = 1;				\
		}							\
	} while (0)

#define CHECK_INT(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			printf("#   %s:%d: %s == %lld, expected %lld\n",\
			       __FILE__, __LINE__, #a, a_, b_);		\
			unit_failed = 1;				\
		}							\
	} while (0)

#define UNIT_MAIN							\
	int unit_failed;						\
	struct unit_test unit_tests[UNIT_MAX];				\
	int unit_ntests;						\
	int main(void)							\
	{								\
		int i, bad = 0;						\
		printf("1..%d\n", unit_ntests);				\
		for (i = 0; i < unit_ntests; i++) {			\
			unit_failed = 0;				\
			unit_tests[i].fn();				\
			fflush(stderr);					\
			printf("%s %d - %s\n", unit_failed ? "not ok" : "ok", \
			       i + 1, unit_tests[i].name);		\
			fflush(stdout);					\
			bad += unit_failed;				\
		}							\
		return bad ? 1 : 0;					\
	}

#endif
