#!/usr/bin/env bats
# The guest harness itself: each kernel boots, bpf is in the LSM list, exit
# statuses pass through, and a guest without bpf is a failure.

VM="$BATS_TEST_DIRNAME/vm/run"

@test "the default 6.1 guest lists bpf among its LSMs" {
	run "$VM" -q -- cat /sys/kernel/security/lsm
	[ "$status" -eq 0 ]
	[[ ",$output," == *",bpf,"* ]]
}

@test "a failing command's status passes through: false exits 1" {
	run "$VM" -q -- false
	[ "$status" -eq 1 ]
}

@test "exit status 7 passes through" {
	run "$VM" -q -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "--stall: a command silent that long is stopped, and what ran is listed; one that prints goes on" {
	run "$VM" -q --stall 20 -- sh -c 'echo started; sleep 600'
	[ "$status" -eq 125 ]
	[[ "$output" == *"printed nothing for"* ]]
	[[ "$output" == *"sleep 600"* ]]
	# the twin: a line every 10 s keeps it alive past the limit
	run "$VM" -q --stall 20 -- sh -c 'for i in 1 2 3 4; do echo $i; sleep 10; done'
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = 4 ]
}

@test "the 5.10 (bullseye) kernel boots and enables bpf" {
	run "$VM" -q --kernel 5.10 -- sh -c 'uname -r; cat /sys/kernel/security/lsm'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == 5.10.* ]]
	[[ "${lines[1]}" == *bpf* ]]
}

@test "the 6.12 (trixie) kernel boots" {
	run "$VM" -q --kernel 6.12 -- uname -r
	[ "$status" -eq 0 ]
	[[ "$output" == 6.12.* ]]
}

@test "a guest booted without bpf in its LSM list fails the run with a reason" {
	run "$VM" -q --append lsm=landlock,yama -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"no bpf in its LSM list"* ]]
}

@test "doctor on a guest whose LSM list lacks bpf says what to change and exits 3; on a good one 0" {
	run "$VM" -q --no-bpf-ok --append lsm=landlock,yama -- build/archfence doctor
	[ "$status" -eq 3 ]
	[[ "$output" == *"bpf is not in the active LSM list (lockdown,capability,landlock,yama)"* ]]
	[[ "$output" == *"lsm=lockdown,capability,landlock,yama,bpf"* ]]
	[[ "$output" == *"GRUB_CMDLINE_LINUX"* ]]
	# the Debian guest: GRUB first, grubby for RPM systems after it; never a bare lsm=bpf
	[[ "$output" == *"update-grub"*"grubby --update-kernel=ALL --args=lsm=lockdown,capability,landlock,yama,bpf"* ]]
	[[ "$output" != *"with lsm=bpf"* ]]
	run "$VM" -q -- build/archfence doctor
	[ "$status" -eq 0 ]
	[[ "$output" == *"archfence can enforce here"* ]]
}

@test "under lockdown=confidentiality, doctor and apply say truthfully that archfence cannot load" {
	run "$VM" -q --append lockdown=confidentiality -- build/archfence doctor
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"lockdown is confidentiality"* ]]
	[[ "$output" == *"lockdown=integrity"* ]]
	[[ "$output" != *"can enforce here"* ]]
	run "$VM" -q --append lockdown=confidentiality -- sh -c \
		'mkdir -p /srv/x && printf "paths:\n  /srv/x: secret\n" >/tmp/p.yaml && build/archfence apply /tmp/p.yaml'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"lockdown is confidentiality"* ]]
}

@test "apply on a guest whose LSM list lacks bpf refuses to claim enforcement" {
	run "$VM" -q --no-bpf-ok --append lsm=landlock,yama -- sh -c \
		'mkdir -p /srv/x && printf "paths:\n  /srv/x: secret\n" >/tmp/p.yaml && build/archfence apply /tmp/p.yaml'
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot enforce"* ]]
	[[ "$output" == *"lsm=lockdown,capability,landlock,yama,bpf"* ]]
	[[ "$output" == *"grubby"* ]]
}
