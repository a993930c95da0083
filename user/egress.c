// SPDX-License-Identifier: GPL-2.0
/*
 * The egress check on the host's interfaces (bpf/egress.bpf.c,
 * af_egress_tc): one tc egress filter per interface but loopback, at the
 * head of its clsact hook, attached when archfence loads and, by the
 * daemon, to every interface that appears later; removed on unload.
 * The cgroup half (af_egress_cgroup) is an ordinary pinned link.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "archfence.h"
#include "egress.h"
#include "kernel.h"
#include "log.h"

/* Ours among the hook's filters: first in line, under a handle of our own. */
#define EGRESS_PRIO	1
#define EGRESS_HANDLE	0xaf0e

static bool is_loopback(int sock, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK);
}

/* The program id attached as ours on ifindex, 0 if none, or -errno. */
static int attached_id(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EGRESS_HANDLE, .priority = EGRESS_PRIO);
	int err;

	/* No clsact qdisc on it is an answer ("not attached"), not a warning. */
	kernel_libbpf_quiet++;
	err = bpf_tc_query(&hook, &opts);
	kernel_libbpf_quiet--;
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	return err ? err : (int)opts.prog_id;
}

static int attach_one(int prog_fd, int ifindex, const char *name)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EGRESS_HANDLE, .priority = EGRESS_PRIO,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int err;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0 && attached_id(ifindex) == (int)info.id)
		return 0; /* in place already */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_warn(err, "egress: cannot add the clsact hook to %s", name);
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err && err != -ENODEV)
		log_warn(err, "egress: cannot attach the egress check to %s", name);
	return err == -ENODEV ? 0 : err;
}

int egress_attach_all(int prog_fd)
{
	struct if_nameindex *ifs, *i;
	int sock, err = 0, e;

	ifs = if_nameindex();
	if (!ifs) {
		err = -errno;
		log_warn(err, "egress: cannot list the interfaces");
		return err;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = ifs; i->if_index; i++) {
		if (sock >= 0 && is_loopback(sock, i->if_name))
			continue; /* stays on this host */
		e = attach_one(prog_fd, (int)i->if_index, i->if_name);
		if (e && !err)
			err = e;
	}
	if (sock >= 0)
		close(sock);
	if_freenameindex(ifs);
	return err;
}

int egress_attach_pinned(const char *path)
{
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -errno;
	err = egress_attach_all(fd);
	close(fd);
	return err;
}

void egress_detach_pinned(const char *path)
{
	struct bpf_prog_info info = { 0 };
	struct if_nameindex *ifs, *i;
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return;
	}
	close(fd);
	ifs = if_nameindex();
	if (!ifs)
		return;
	for (i = ifs; i->if_index; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)i->if_index,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = EGRESS_HANDLE,
				    .priority = EGRESS_PRIO);

		/* Only this build's: an upgrade's new build has replaced it already. */
		if (attached_id((int)i->if_index) != (int)info.id)
			continue;
		/* The clsact hook stays: the host's own filters may share it. */
		bpf_tc_detach(&hook, &opts);
	}
	if_freenameindex(ifs);
}

int egress_coverage(const char *path, int *covered)
{
	struct bpf_prog_info info = { 0 };
	struct if_nameindex *ifs, *i;
	__u32 len = sizeof(info);
	int fd, sock, total = 0;

	*covered = 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return -errno;
	}
	close(fd);
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = ifs; i->if_index; i++) {
		if (sock >= 0 && is_loopback(sock, i->if_name))
			continue;
		total++;
		if (attached_id((int)i->if_index) == (int)info.id)
			(*covered)++;
	}
	if (sock >= 0)
		close(sock);
	if_freenameindex(ifs);
	return total;
}

int egress_watch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool egress_watch_changed(int fd)
{
	char buf[8192];
	bool changed = false;
	ssize_t n;

	if (fd < 0)
		return false;
	/* Any news of a link (or a lost message, ENOBUFS): look at every interface again. */
	while ((n = recv(fd, buf, sizeof(buf), 0)) != 0) {
		if (n < 0) {
			if (errno == ENOBUFS)
				changed = true;
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		changed = true;
	}
	return changed;
}
