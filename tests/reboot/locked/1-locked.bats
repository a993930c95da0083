#!/usr/bin/env bats
# Locked mode, before the reboot: once locked, nobody (root and the
# controller included) can unload archfence, apply another policy, lower the
# mode or detach a program. The last test asks for a reboot; 2-unlocked.bats
# checks that the lock went with it.

load ../../e2e/lib
load ../diag

# Failing, a test shows the units, their journal and archfence status.
AF_DIAG_UNITS=""	# none: these tests run the controller directly
teardown() { af_diag; }

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,open,ldisk,plain,disk/labelled}
	echo "secret data" >"$T/secret/a.txt"
	echo "open data" >"$T/open/a.txt"
	# a disk that holds labelled data, and a file system that does not
	echo "on the labelled disk" >"$T/disk/labelled/d.txt"
	mkfs.ext4 -q -F -d "$T/disk" "$T/labelled.img" 16M
	mount -o loop "$T/labelled.img" "$T/ldisk"
	mount -t tmpfs af-plain "$T/plain"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/ldisk/labelled: secret
	EOF
	policy "$T/audit.yaml" <<-EOF
	host:
	  mode: audit
	paths:
	  $T/secret: secret
	EOF
	apply "$T/policy.yaml"
}

@test "before the lock, the controller may apply another policy (the twin of what follows)" {
	apply "$T/policy.yaml"
	run "$AF" status --json
	[ "$(jq -r .locked <<<"$output")" = false ]
}

@test "archfence lock locks it, and status shows it" {
	run "$AF" lock
	[ "$status" -eq 0 ]
	run "$AF" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .locked <<<"$output")" = true ]
	run "$AF" status
	[[ "$output" == *"locked until reboot"* ]]
}

@test "locked: unload is refused, for root and the controller alike" {
	run "$AF" unload
	[ "$status" -eq 4 ]
	[[ "$output" == *"locked"* ]]
	[ -e /sys/fs/bpf/archfence/links/af_file_open ]
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
}

@test "locked: applying another policy or lowering the mode is refused" {
	run "$AF" apply "$T/audit.yaml"
	[ "$status" -ne 0 ]
	run "$AF" status --json
	[ "$(jq -r .mode <<<"$output")" = enforce ]
	refused read "$T/secret/a.txt"
}

@test "locked: apply and edit exit 4 with the lock as the first and only word; the editor never opens" {
	run "$AF" apply "$T/audit.yaml"
	echo "$output"
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *"locked until the next reboot"* ]]
	# a broken policy: the lock is the answer, not its errors
	printf 'pathz: {}\n' >"$T/broken.yaml"
	run "$AF" apply "$T/broken.yaml"
	echo "$output"
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *"locked until the next reboot"* ]]
	EDITOR="touch $T/editor-ran" run "$AF" edit "$T/policy.yaml" </dev/null
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "${lines[0]}" == *"locked until the next reboot"* ]]
	[ ! -e "$T/editor-ran" ]
	# a dry run changes nothing, and still answers
	run "$AF" apply --dry-run "$T/audit.yaml"
	[ "$status" -eq 0 ]
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
}

@test "locked: upgrading to another build is refused; the controller stays as it is" {
	before=$(sha256sum <"$AF")
	run "$AF" upgrade "$AF_TOP/build/variant/archfence"
	[ "$status" -eq 4 ]
	[[ "$output" == *"locked"* ]]
	[ "$(sha256sum <"$AF")" = "$before" ]
	[ ! -e /sys/fs/bpf/archfence/maps/af_variant ]
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
}

@test "locked: detaching a program by removing its pin is refused" {
	run rm -f /sys/fs/bpf/archfence/links/af_file_open
	[ "$status" -ne 0 ]
	[ -e /sys/fs/bpf/archfence/links/af_file_open ]
	refused read "$T/secret/a.txt"
}

@test "locked: events can still be read" {
	run "$AF" events --json
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(select(.action == "deny")) | length' <<<"$output")" -ge 1 ]
}

@test "locked: the kernel's windows close: /proc/kcore, kprobe events, module loading (twins in 2-unlocked)" {
	run head -c 16 /proc/kcore
	echo "kcore: $status $output"
	[ "$status" -ne 0 ]
	run sh -c 'echo "p:afprobe vfs_write" >>/sys/kernel/tracing/kprobe_events'
	echo "kprobe: $status $output"
	[ "$status" -ne 0 ]
	run modprobe dummy
	echo "modprobe: $status $output"
	[ "$status" -ne 0 ]
	! grep -q '^dummy ' /proc/modules
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
}

@test "locked: the pins' file system and a file system holding labelled data cannot be unmounted; another can" {
	run umount -l /sys/fs/bpf
	echo "$output"
	[ "$status" -ne 0 ]
	mountpoint -q /sys/fs/bpf
	run "$TRY" umount-lazy "$T/ldisk"
	[ "$output" = EPERM ]
	mountpoint -q "$T/ldisk"
	refused read "$T/ldisk/labelled/d.txt"
	allowed umount-lazy "$T/plain"
	! mountpoint -q "$T/plain"
}

@test "reboot" {
	"$AF_TOP/tests/vm/reboot"
}
