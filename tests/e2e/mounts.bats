#!/usr/bin/env bats
# Mounts, as root would use them against the labels: a file system, a bind
# mount or a moved mount over a labelled directory or file (mount(2), and the
# new API's open_tree, fsmount and move_mount), over the root of a disk that
# holds labelled paths, from a namespace whose mounts propagate; unmounting
# the pins' file system. Each refused attempt is paired with the same attempt
# on an unlabelled twin. A service's private namespace is its own: systemd's
# sandboxing (ReadWritePaths=, PrivateTmp=, ProtectSystem=,
# InaccessiblePaths=) works over labelled paths, archfence's own unit
# included, and a bind mount, in any namespace, exposes nothing.

load lib

AFI=/usr/sbin/archfence

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,open,twin,view,ldisk,pdisk,disk/labelled}
	echo "secret data" >"$T/secret/a.txt"
	echo "open data" >"$T/open/a.txt"
	echo "open data too" >"$T/open/b.txt"
	echo "on the labelled disk" >"$T/disk/labelled/d.txt"
	mkfs.ext4 -q -F -d "$T/disk" "$T/labelled.img" 16M
	mkfs.ext4 -q -F "$T/plain.img" 16M
	mount -o loop "$T/labelled.img" "$T/ldisk"
	mount -o loop "$T/plain.img" "$T/pdisk"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/ldisk/labelled: secret
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	systemctl stop archfence.service af-mnt-probe.service 2>/dev/null || true
	rm -f /run/systemd/system/af-mnt-probe.service
	"$AFI" unload >/dev/null 2>&1 || true
	if [ -e "$T/installed" ]; then
		make -C "$AF_TOP" --no-print-directory uninstall >/dev/null 2>&1 || true
		rm -rf /etc/archfence
	fi
	systemctl daemon-reload
	umount -l "$T/view" "$T/shared/secret" "$T/ldisk" "$T/pdisk" 2>/dev/null || true
	umount -l "$T/shared" 2>/dev/null || true
	af_cleanup
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

@test "a tmpfs over a labelled directory is refused; over an unlabelled twin it is allowed" {
	refused mount-tmpfs "$T/secret"
	! mountpoint -q "$T/secret"
	refused read "$T/secret/a.txt"
	allowed mount-tmpfs "$T/twin"
	# mount(8) as well, which retries read-only on EACCES
	run mount -t tmpfs af-over "$T/secret"
	echo "$output"
	[ "$status" -ne 0 ]
	! mountpoint -q "$T/secret"
}

@test "a bind mount of other content over a labelled directory or file is refused; over unlabelled ones allowed" {
	refused bind "$T/open" "$T/secret"
	refused bind "$T/open/a.txt" "$T/secret/a.txt"
	allowed bind "$T/open" "$T/twin"
	allowed bind "$T/open/a.txt" "$T/open/b.txt"
	[ "$(cat "$T/open/b.txt")" = "open data too" ]
}

@test "the new mount API: open_tree and fsmount put over a labelled directory with move_mount are refused" {
	refused move-mount "$T/open" "$T/secret"
	refused fsmount "$T/secret"
	allowed move-mount "$T/open" "$T/twin"
	allowed fsmount "$T/twin"
	# a clone of the labelled directory put back on itself covers it with itself
	allowed move-mount "$T/secret" "$T/secret"
	refused read "$T/secret/a.txt"
}

@test "covering the root of a disk that holds labelled paths is refused; a plain disk's root is not" {
	refused mount-tmpfs "$T/ldisk"
	refused read "$T/ldisk/labelled/d.txt"
	allowed mount-tmpfs "$T/pdisk"
}

@test "a labelled directory bind-mounted elsewhere keeps its labels, in this namespace and in a private one" {
	mount --bind "$T/secret" "$T/view"
	refused read "$T/view/a.txt"
	refused write "$T/view/a.txt"
	umount "$T/view"
	run unshare -m --propagation private sh -c "mount --bind '$T/secret' '$T/view' && '$TRY' read '$T/view/a.txt'"
	echo "$output"
	[ "$output" = EACCES ]
	run unshare -m --propagation private sh -c "mount --bind '$T/open' '$T/view' && '$TRY' read '$T/view/a.txt'"
	[ "$output" = ok ]
}

@test "in a private namespace a mount over a labelled directory hides it there only; one that propagates is refused" {
	run unshare -m --propagation private "$TRY" mount-tmpfs "$T/secret"
	echo "$output"
	[ "$output" = ok ]
	refused read "$T/secret/a.txt"
	! mountpoint -q "$T/secret"
	# A shared mount: what is mounted in a namespace that shares it appears here too.
	mkdir -p "$T/shared/secret" "$T/shared/open"
	echo "secret data" >"$T/shared/secret/s.txt"
	mount --bind "$T/shared" "$T/shared"
	mount --make-shared "$T/shared"
	policy "$T/policy2.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/ldisk/labelled: secret
	  $T/shared/secret: secret
	EOF
	apply "$T/policy2.yaml"
	run unshare -m --propagation unchanged "$TRY" mount-tmpfs "$T/shared/secret"
	echo "$output"
	[ "$output" = EACCES ]
	! mountpoint -q "$T/shared/secret"
	run unshare -m --propagation unchanged "$TRY" mount-tmpfs "$T/shared/open"
	[ "$output" = ok ]
	apply "$T/policy.yaml"
}

@test "the pins' file system cannot be unmounted, even lazily; another tmpfs can; a private copy can" {
	refused_with EPERM umount-lazy /sys/fs/bpf
	run umount -l /sys/fs/bpf
	[ "$status" -ne 0 ]
	mountpoint -q /sys/fs/bpf
	run "$AF" status --json
	[ "$(jq -r .attached <<<"$output")" = true ]
	refused read "$T/secret/a.txt"
	# covering it is refused as well
	refused_with EPERM mount-tmpfs /sys/fs/bpf
	mount -t tmpfs af-twin "$T/twin"
	allowed umount-lazy "$T/twin"
	run unshare -m --propagation private "$TRY" umount-lazy /sys/fs/bpf
	[ "$output" = ok ]
	mountpoint -q /sys/fs/bpf
	[ -e /sys/fs/bpf/archfence/links/af_file_open ]
}

@test "unlocked, a file system that holds labelled data may be unmounted, and is labelled again when mounted" {
	run umount "$T/ldisk"
	[ "$status" -eq 0 ]
	# Its loop device keeps the disk's labels until the next apply (fail
	# closed); applied while it is away, the labelled path is pending.
	for _ in $(seq 40); do
		[ -n "$(losetup -j "$T/labelled.img")" ] || break
		sleep 0.5
	done
	apply "$T/policy.yaml"
	mount -o loop "$T/labelled.img" "$T/ldisk"
	refused read "$T/ldisk/labelled/d.txt"
	allowed read "$T/open/a.txt"
}

@test "units with ProtectSystem=, PrivateTmp=, ReadWritePaths= and InaccessiblePaths= on labelled paths start; archfence restarts" {
	"$AF" unload >/dev/null 2>&1 || true
	make -C "$AF_TOP" --no-print-directory -o build/archfence install >/dev/null
	touch "$T/installed"
	mkdir -p /etc/archfence
	cp "$T/policy.yaml" /etc/archfence/policy.yaml
	systemctl daemon-reload
	run systemctl start archfence.service
	echo "$output"
	[ "$status" -eq 0 ]
	refused read "$T/secret/a.txt"
	# Paths that carry archfence's own label (only the controller writes
	# them): systemd binds each onto itself in the unit's namespace. (A
	# secret directory cannot be a unit's ReadWritePaths=: listing it, which
	# systemd does, is refused to untrusted processes.)
	cat >/run/systemd/system/af-mnt-probe.service <<-EOF
	[Service]
	Type=oneshot
	ProtectSystem=strict
	PrivateTmp=yes
	ProtectHome=read-only
	PrivateDevices=yes
	ReadWritePaths=/var/lib/archfence $T/open
	BindReadOnlyPaths=/sys/fs/bpf/archfence
	InaccessiblePaths=-$T/twin
	ExecStart=/bin/true
	EOF
	systemctl daemon-reload
	run systemctl start af-mnt-probe.service
	echo "$output"
	journalctl -q -u af-mnt-probe.service -n 20 --no-pager || true
	[ "$status" -eq 0 ]
	run systemctl restart archfence.service
	echo "$output"
	journalctl -q -u archfence.service -n 20 --no-pager || true
	[ "$status" -eq 0 ]
	[ "$(systemctl is-active archfence.service)" = active ]
	run systemctl reload archfence.service
	[ "$status" -eq 0 ]
	run systemctl restart af-mnt-probe.service
	[ "$status" -eq 0 ]
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
}
