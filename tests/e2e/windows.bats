#!/usr/bin/env bats
# The ways around the file checks and around the pins, as root would try
# them: a file by handle with the dentry cache dropped, an open for neither
# reading nor writing (for ioctls) on a labelled file or the block device
# under it, detaching a program through its pinned link. Each refused attempt
# is paired with the same attempt on an unlabelled twin.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,open,mnt,twin,disk/labelled}
	echo "secret data" >"$T/secret/a.txt"
	echo "open data" >"$T/open/a.txt"
	# A file system with no labelled path on it, for the file handle twin.
	mkdir -p "$T/plainfs"
	mount -t tmpfs af-plain "$T/plainfs"
	echo "plain data" >"$T/plainfs/p.txt"
	# Two loop devices: one holds a labelled file system, the other not.
	echo "on the labelled disk" >"$T/disk/labelled/d.txt"
	mkfs.ext4 -q -F -d "$T/disk" "$T/labelled.img" 16M
	mkfs.ext4 -q -F "$T/plain.img" 16M
	mkdir -p "$T/ldisk"
	mount -o loop "$T/labelled.img" "$T/ldisk"
	LDEV=$(findmnt -n -o SOURCE "$T/ldisk")
	PDEV=$(losetup -f --show "$T/plain.img")
	echo "$LDEV $PDEV" >"$T/devs"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/ldisk/labelled: secret
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	umount "$T/mnt" "$T/twin" "$T/plainfs" "$T/ldisk" 2>/dev/null || true
	read -r _ pdev <"$T/devs" 2>/dev/null && losetup -d "$pdev" 2>/dev/null || true
	af_cleanup
}

@test "a file opened by handle, its parents dropped from the cache, is refused; a plain path stays refused" {
	refused handle-read "$T/secret/a.txt"
	refused read "$T/secret/a.txt"
	allowed handle-read "$T/plainfs/p.txt"
	allowed read "$T/open/a.txt"
}

@test "an open for neither reading nor writing (ioctls) of a labelled file counts as both" {
	refused open-ioctl "$T/secret/a.txt"
	allowed open-ioctl "$T/open/a.txt"
}

@test "the block device under a labelled path: an ioctl open is refused; another disk's is allowed" {
	read -r ldev pdev <"$T/devs"
	refused open-ioctl "$ldev"
	refused read "$ldev"
	allowed open-ioctl "$pdev"
	allowed read "$pdev"
}

@test "a program's link obtained through its pin cannot be detached" {
	link=$(ls /sys/fs/bpf/archfence/links | head -n1)
	[ -n "$link" ]
	run bpftool link detach pinned "/sys/fs/bpf/archfence/links/$link"
	echo "$output"
	[ "$status" -ne 0 ]
	run "$AF" status --json
	[ "$(jq -r .attached <<<"$output")" = true ]
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
}

# try OP ARGS... must fail with errno ERR.
refused_with() { # ERR OP ARGS...
	local err=$1
	shift
	run "$TRY" "$@"
	if [ "$status" -ne 1 ] || [ "$output" != "$err" ]; then
		echo "expected $err from: try $*; got status $status, output: $output" >&2
		return 1
	fi
}

# A policy that labels neither the secret directory nor the disk, and one
# whose only label is audited: nothing is denied reading.
unlabel() {
	policy "$T/nolabel.yaml" <<-EOF
	paths:
	  $T/open: sensitive
	EOF
	apply "$T/nolabel.yaml"
}

@test "a loop device on a labelled file held open from before the policy is refused, buffered and direct; on an unlabelled file allowed" {
	unlabel
	refused held-ioctl "$T/secret/a.txt" "$AF apply $T/policy.yaml >/dev/null" loop
	unlabel
	refused held-ioctl "$T/secret/a.txt" "$AF apply $T/policy.yaml >/dev/null" loop-direct
	allowed held-ioctl "$T/open/a.txt" true loop
	allowed held-ioctl "$T/open/a.txt" true loop-direct
	refused read "$T/secret/a.txt"
}

@test "zeroing a labelled block device through a descriptor held from before the policy is refused; another disk's is allowed" {
	read -r ldev pdev <"$T/devs"
	unlabel
	refused held-ioctl "$ldev" "$AF apply $T/policy.yaml >/dev/null" zeroout
	allowed held-ioctl "$pdev" true zeroout
	refused read "$ldev"
}

@test "while a label denies reading, /proc/kcore, /dev/mem and tracefs (kprobe events) are closed to root; with nothing denied they open" {
	refused_with EPERM open-read /proc/kcore
	refused_with EPERM open-read /dev/mem
	run sh -c "echo 'p:af_probe vfs_write' >>/sys/kernel/tracing/kprobe_events"
	echo "$output"
	[ "$status" -ne 0 ]
	! grep -q af_probe /sys/kernel/tracing/kprobe_events 2>/dev/null
	unlabel
	allowed open-read /proc/kcore
	allowed open-read /dev/mem
	echo 'p:af_probe vfs_write' >>/sys/kernel/tracing/kprobe_events
	echo '-:af_probe' >>/sys/kernel/tracing/kprobe_events
	apply "$T/policy.yaml"
	refused read "$T/secret/a.txt"
}
