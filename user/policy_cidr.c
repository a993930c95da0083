// SPDX-License-Identifier: GPL-2.0
/*
 * One host.cloud entry: an address or CIDR range, IPv4 or IPv6, with an
 * optional port or port range.
 *
 *	198.51.100.0/24   192.0.2.10   192.0.2.10:443   10.0.0.0/8:8000-8100
 *	2001:db8:20::/48  [2001:db8::1]:8443   [2001:db8::/32]:443   [2001:db8::1]
 *
 * A bare IPv6 address whose last group could be a port (2001:db8::1:443)
 * is refused: brackets say which is meant.
 *
 * Addresses are parsed by inet_pton; IPv4-mapped IPv6 ranges
 * (::ffff:a.b.c.d/96 and narrower) become the IPv4 range they stand for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_int.h"

#define ENTRY_MAX	128	/* longer is no address */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A decimal number of at most 5 digits, or -1. */
static long small_num(const char *s)
{
	if (!all_digits(s) || strlen(s) > 5)
		return -1;
	return strtol(s, NULL, 10);
}

static int parse_ports(const char *entry, const char *s, struct policy_cidr *out,
		       char *msg, size_t msglen)
{
	char buf[ENTRY_MAX + 1];
	char *dash;
	long lo, hi;

	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	lo = small_num(buf);
	hi = dash ? small_num(dash + 1) : lo;
	if (lo < 0 || hi < 0) {
		snprintf(msg, msglen,
			 "cloud entry '%s': '%s' is not a port or port range; write a port (443) or a range (8000-8100)",
			 entry, s);
		return -EINVAL;
	}
	if (lo == 0 || hi == 0 || lo > 65535 || hi > 65535) {
		snprintf(msg, msglen, "cloud entry '%s': port %ld is out of range; ports are 1-65535",
			 entry, lo == 0 || lo > 65535 ? lo : hi);
		return -EINVAL;
	}
	if (lo > hi) {
		snprintf(msg, msglen,
			 "cloud entry '%s': port range %ld-%ld is backwards; did you mean %ld-%ld?",
			 entry, lo, hi, hi, lo);
		return -EINVAL;
	}
	out->port_min = (uint16_t)lo;
	out->port_max = (uint16_t)hi;
	return 0;
}

/*
 * 2001:db8::1:443 is an IPv6 address, and reads as 2001:db8::1 with port
 * 443: when its last group is a decimal port and what precedes it is an
 * address of its own (which "::" makes possible), refuse to guess.
 */
static bool ambiguous_port(const char *addr)
{
	char head[ENTRY_MAX + 1];
	const char *last = strrchr(addr, ':');
	uint8_t a[16];
	long port;

	if (!last || !strstr(addr, "::") || last == addr || last[-1] == ':')
		return false;
	port = small_num(last + 1);
	if (port < 1 || port > 65535)
		return false;
	snprintf(head, sizeof(head), "%.*s", (int)(last - addr), addr);
	return inet_pton(AF_INET6, head, a) == 1 && inet_pton(AF_INET6, addr, a) == 1;
}

/* Zero the host bits of addr (bytes) beyond prefix; true if any were set. */
static bool clear_host_bits(uint8_t *addr, unsigned bytes, unsigned prefix)
{
	bool set = false;
	unsigned i;

	for (i = 0; i < bytes; i++) {
		unsigned bit = i * 8;
		uint8_t keep;

		if (bit + 8 <= prefix)
			continue;
		keep = bit >= prefix ? 0 : (uint8_t)(0xff << (8 - (prefix - bit)));
		if (addr[i] & ~keep)
			set = true;
		addr[i] &= keep;
	}
	return set;
}

int cidr_parse(const char *s, struct policy_cidr *out, char *msg, size_t msglen)
{
	char buf[ENTRY_MAX + 1];
	char *addr, *slash, *ports = NULL, *close = NULL;
	unsigned bytes, max;
	size_t colons = 0;
	long prefix = -1;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!*s) {
		snprintf(msg, msglen, "empty cloud entry; give an address or range such as 198.51.100.0/24");
		return -EINVAL;
	}
	if (strlen(s) > ENTRY_MAX) {
		snprintf(msg, msglen, "cloud entry '%.40s...' is too long to be an address range", s);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	addr = buf;
	if (buf[0] == '[') {
		close = strchr(buf, ']');
		if (!close) {
			snprintf(msg, msglen, "cloud entry '%s': missing ']' after the IPv6 address", s);
			return -EINVAL;
		}
		*close = '\0';
		addr = buf + 1;
		if (close[1] == ':') {
			ports = close + 2;
		} else if (close[1]) {
			snprintf(msg, msglen,
				 "cloud entry '%s': expected ':PORT' after ']', such as [2001:db8::1]:443", s);
			return -EINVAL;
		}
	} else {
		for (p = buf; *p; p++)
			colons += *p == ':';
		if (colons == 1) {
			/* IPv4 with a port; IPv6 always has two or more colons */
			ports = strchr(buf, ':');
			*ports++ = '\0';
		}
	}

	slash = strchr(addr, '/');
	if (slash) {
		*slash = '\0';
		prefix = small_num(slash + 1);
		if (prefix < 0) {
			if (!close && colons > 1 && strchr(slash + 1, ':'))
				snprintf(msg, msglen,
					 "cloud entry '%s': an IPv6 range with a port needs brackets and quotes: \"[%s/...]:PORT\"",
					 s, addr);
			else
				snprintf(msg, msglen, "cloud entry '%s': prefix length '/%s' is not a number",
					 s, slash + 1);
			return -EINVAL;
		}
	}
	if (!close && !slash && colons > 1 && ambiguous_port(addr)) {
		const char *last = strrchr(addr, ':');

		snprintf(msg, msglen,
			 "cloud entry '%s' is ambiguous: an IPv6 address, or %.*s and port %s? Write \"[%.*s]:%s\" for the address and port, or \"[%s]\" for the address",
			 s, (int)(last - addr), addr, last + 1, (int)(last - addr), addr, last + 1, addr);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		bytes = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		bytes = 16;
		max = 128;
	} else {
		if (!close && colons > 1 && !slash)
			snprintf(msg, msglen,
				 "cloud entry '%s': '%s' is not an IPv4 or IPv6 address (an IPv6 address with a port needs brackets and quotes: \"[2001:db8::1]:443\")",
				 s, addr);
		else
			snprintf(msg, msglen, "cloud entry '%s': '%s' is not an IPv4 or IPv6 address",
				 s, addr);
		return -EINVAL;
	}
	if (prefix < 0)
		prefix = max;
	if (prefix > (long)max) {
		snprintf(msg, msglen, "cloud entry '%s': prefix length /%ld is out of range for %s (0-%u)",
			 s, prefix, out->family == AF_INET ? "IPv4" : "IPv6", max);
		return -EINVAL;
	}
	out->prefix = (uint8_t)prefix;
	if (clear_host_bits(out->addr, bytes, out->prefix)) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(out->family, out->addr, net, sizeof(net));
		if (close)
			snprintf(msg, msglen,
				 "[%s/%ld] has host bits set; did you mean [%s/%ld]?", addr, prefix,
				 net, prefix);
		else
			snprintf(msg, msglen, "%s/%ld has host bits set; did you mean %s/%ld?",
				 addr, prefix, net, prefix);
		return -EINVAL;
	}
	if (ports && parse_ports(s, ports, out, msg, msglen) < 0)
		return -EINVAL;

	/*
	 * ::ffff:a.b.c.d/96 and narrower name IPv4 hosts (reached from a
	 * dual-stack IPv6 socket): keep them in the one form, as IPv4.
	 */
	if (out->family == AF_INET6 && out->prefix >= 96 &&
	    !memcmp(out->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefix -= 96;
	}
	return 0;
}
