// SPDX-License-Identifier: GPL-2.0
/*
 * The last good copy's main file names the copied include directory: only
 * the value of the top-level `include:` changes, byte for byte, whatever
 * its quoting, the text before it (UTF-8, a BOM, CR LF) or the keys around.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_policy.h"
#include "unit.h"

#define DIR "/var/lib/archfence/last-good/policy.d"

/* The rewrite of text, or "ERR <n>". */
static const char *rewrite(const char *text)
{
	static char result[4096];
	size_t len = 0;
	char *out = NULL;
	int err;

	err = boot_policy_rewrite_include(text, strlen(text), DIR, &out, &len);
	if (err) {
		snprintf(result, sizeof(result), "ERR %d", -err);
	} else {
		snprintf(result, sizeof(result), "%.*s", (int)len, out);
		if (strlen(result) != len)
			snprintf(result, sizeof(result), "LENGTH %zu", len);
	}
	free(out);
	return result;
}

TEST(plain_value)
{
	CHECK_STR(rewrite("host:\n  mode: enforce\ninclude: /etc/archfence/policy.d\npaths:\n"
			  "  /srv/a: secret\n"),
		  "host:\n  mode: enforce\ninclude: " DIR "\npaths:\n  /srv/a: secret\n");
}

TEST(quoted_value_and_comment_kept)
{
	CHECK_STR(rewrite("include: \"/etc/archfence/policy.d\"   # site files\n"),
		  "include: " DIR "   # site files\n");
	CHECK_STR(rewrite("include: '/etc/a b'\n"), "include: " DIR "\n");
}

TEST(utf8_bom_and_crlf_before)
{
	CHECK_STR(rewrite("\xef\xbb\xbf# 档案馆的标签策略\r\npaths:\r\n  /srv/档案: secret\r\n"
			  "include: /etc/p.d\r\n"),
		  "\xef\xbb\xbf# 档案馆的标签策略\r\npaths:\r\n  /srv/档案: secret\r\n"
		  "include: " DIR "\r\n");
}

TEST(flow_mapping)
{
	CHECK_STR(rewrite("{paths: {/srv/a: secret}, include: /etc/p.d}\n"),
		  "{paths: {/srv/a: secret}, include: " DIR "}\n");
}

TEST(only_the_top_level_key)
{
	/* a label called include, and a path value "include", stay as they are */
	CHECK_STR(rewrite("labels:\n  include:\n    read: deny\npaths:\n  /srv/include: secret\n"
			  "include: /etc/p.d\n"),
		  "labels:\n  include:\n    read: deny\npaths:\n  /srv/include: secret\n"
		  "include: " DIR "\n");
}

TEST(no_include)
{
	CHECK_STR(rewrite("paths:\n  /srv/a: secret\n"), "ERR 2");	/* ENOENT */
	CHECK_STR(rewrite("- include\n- /etc/p.d\n"), "ERR 2");
	CHECK_STR(rewrite("include: [a, b]\n"), "ERR 2");
}

TEST(not_yaml)
{
	CHECK_STR(rewrite("include: [unclosed\n"), "ERR 22");	/* EINVAL */
}

TEST(last_good_holds)
{
	CHECK(last_good_holds(AF_LAST_GOOD_FILE));
	CHECK(last_good_holds(AF_LAST_GOOD_DIR));
	CHECK(!last_good_holds(AF_LAST_GOOD_DIR "-other/policy.yaml"));
	CHECK(!last_good_holds("/etc/archfence/policy.yaml"));
}

UNIT_MAIN
