#!/usr/bin/env bats
# After the reboot that follows 1-locked.bats: the lock is gone with the
# kernel state, and archfence can be applied and unloaded again.

load ../../e2e/lib
load ../diag

# Failing, a test shows the units, their journal and archfence status.
AF_DIAG_UNITS=""	# none: these tests run the controller directly
teardown() { af_diag; }

@test "after a reboot nothing is loaded and nothing is locked" {
	[ "${ARCHFENCE_VM_BOOT:-1}" -ge 2 ]
	[ ! -e /sys/fs/bpf/archfence ]
	run "$AF" status --json
	[ "$(jq -r .loaded <<<"$output")" = false ]
}

@test "unlocked, the kernel's windows are open as the kernel itself allows (the twins of 1-locked)" {
	run head -c 16 /proc/kcore
	[ "$status" -eq 0 ]
	run sh -c 'echo "p:afprobe vfs_write" >>/sys/kernel/tracing/kprobe_events'
	[ "$status" -eq 0 ]
	echo "-:afprobe" >>/sys/kernel/tracing/kprobe_events
	run modprobe dummy
	[ "$status" -eq 0 ]
	grep -q '^dummy ' /proc/modules
	rmmod dummy
}

@test "after a reboot a policy applies and unloads again" {
	mkdir -p "$T/secret"
	echo "secret data" >"$T/secret/a.txt"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	EOF
	apply "$T/policy.yaml"
	refused read "$T/secret/a.txt"
	run "$AF" unload
	[ "$status" -eq 0 ]
	allowed read "$T/secret/a.txt"
}

@test "a policy that says lock: yes locks as it is applied; unlocked, the same policy without it does not" {
	policy "$T/lock.yaml" <<-EOF
	host:
	  lock: yes
	paths:
	  $T/secret: secret
	EOF
	run "$AF" apply "$T/policy.yaml"
	[ "$status" -eq 0 ]
	[ "$("$AF" status --json | jq -r .locked)" = false ]
	run "$AF" apply "$T/lock.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"locked until the next reboot"* ]]
	[ "$("$AF" status --json | jq -r .locked)" = true ]
	run "$AF" unload
	[ "$status" -eq 4 ]
	refused read "$T/secret/a.txt"
}
