#!/usr/bin/env bats
# Confinement: a process that has read labelled data may hand it on only
# through channels that carry its taint. Every other way is refused to it,
# each attempt paired with the same attempt by the same program after
# reading an unlabelled file, which must work. The trusted program reports
# by exit status only (its output would be labelled: see quiet in lib.bash).

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{master,open,bin,mnt,out}
	echo "主库 页 1" >"$T/master/m.txt"
	echo "open data" >"$T/open/a.txt"
	cp "$TRY" "$T/bin/mtry"
	cp /usr/bin/cat "$T/bin/mcat"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/master: master-repository
	trusted:
	  mtry:
	    exe: $T/bin/mtry
	    allow:
	      read: [master-repository]
	  mcat:
	    exe: $T/bin/mcat
	    allow:
	      read: [master-repository]
	EOF
	apply "$T/policy.yaml"
	modprobe tun 2>/dev/null || true
}

teardown_file() {
	af_cleanup
}

# confined OP ARGS...: refused (EACCES or EPERM) after reading labelled data,
# allowed after reading an unlabelled file.
confined() { # ERRNO OP ARGS...
	local want=$1
	shift
	quiet "$T/bin/mtry" after-read "$T/master/m.txt" "$@"
	if [ "$status" -ne "$want" ]; then
		echo "tainted: expected errno $want from $*; got status $status" >&2
		return 1
	fi
	quiet "$T/bin/mtry" after-read "$T/open/a.txt" "$@"
	if [ "$status" -ne 0 ]; then
		echo "untainted: expected success from $*; got status $status" >&2
		return 1
	fi
}

@test "System V message queues" {
	confined 13 msgsnd x
}

@test "System V shared memory attached for writing" {
	confined 13 shmat x
}

@test "the kernel keyrings" {
	confined 13 add-key x
}

@test "raw and packet sockets, and sockets of other families" {
	confined 13 raw-socket x
	confined 13 packet-socket x
	# MPTCP: its subflows go where the peer says, past every check of the socket
	confined 13 mptcp-socket x
	# Internet sockets are judged where they send (net.bats): creating one stays allowed
	quiet_allowed "$T/bin/mtry" after-read "$T/master/m.txt" read "$T/open/a.txt"
}

@test "capabilities that reach paths with no hook (mount: CAP_SYS_ADMIN)" {
	confined 1 mount-tmpfs "$T/mnt"
}

@test "writing into another process's memory (process_vm_writev)" {
	confined 1 vm-write x
}

@test "devices: /dev/kmsg and /dev/net/tun refused, /dev/null allowed" {
	confined 13 write /dev/kmsg
	# an unattached tun refuses writes itself: the open (for ioctls) is what counts
	[ -e /dev/net/tun ] && confined 13 open-ioctl /dev/net/tun
	quiet_allowed "$T/bin/mtry" after-read "$T/master/m.txt" write /dev/null
}

@test "kernel file systems: a sysctl refused, cgroupfs allowed" {
	confined 13 write /proc/sys/kernel/domainname
	mkdir -p /sys/fs/cgroup/af-confine
	quiet_allowed "$T/bin/mtry" after-read "$T/master/m.txt" \
		read-then-write "$T/open/a.txt" /sys/fs/cgroup/af-confine/cgroup.freeze 0
	rmdir /sys/fs/cgroup/af-confine
}

@test "taint belongs to the process: a thread made before the read is tainted too" {
	# A tainted process may not write an unlabelled file (it has no write grant)
	quiet "$T/bin/mtry" thread-write "$T/master/m.txt" "$T/out/t1.txt"
	[ "$status" -eq 13 ]
	quiet_allowed "$T/bin/mtry" thread-write "$T/open/a.txt" "$T/out/t2.txt"
}

@test "taint arrives with the data: a reader already waiting on a FIFO is tainted" {
	mkfifo "$T/fifo" "$T/fifo2"
	bash -c "echo \$\$ >'$T/r1.pid'; read -r x <'$T/fifo'; sleep 10" &
	bash -c "echo \$\$ >'$T/r2.pid'; read -r x <'$T/fifo2'; sleep 10" &
	sleep 2	# both readers are blocked in read() now
	"$T/bin/mcat" "$T/master/m.txt" >"$T/fifo"
	"$T/bin/mcat" "$T/open/a.txt" >"$T/fifo2"
	sleep 1
	run "$AF" explain --pid "$(cat "$T/r1.pid")"
	echo "$output"
	[[ "$output" == *"tainted: master-repository"* ]]
	run "$AF" explain --pid "$(cat "$T/r2.pid")"
	echo "$output"
	[[ "$output" == *"not tainted"* ]]
	kill "$(cat "$T/r1.pid")" "$(cat "$T/r2.pid")" 2>/dev/null || true
	wait || true
}

@test "each refusal is recorded" {
	run "$AF" events --json
	[ "$status" -eq 0 ]
	n=$(jq -s '[.[] | select(.message | test("was refused"))] | length' <<<"$output")
	echo "$n records"
	[ "$n" -ge 8 ]
}
