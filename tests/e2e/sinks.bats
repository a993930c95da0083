#!/usr/bin/env bats
# Sinks: system services that receive data from every process (PID 1,
# journald, ...) are never tainted, so that a trusted program's log lines
# cannot spread its labels into service management. Every crossing of
# tainted data into a sink is recorded; a sink whose policy says
# "tainted: refuse" refuses it. Labels derived from taint live only on data
# file systems: nothing under /proc, /sys or cgroupfs takes them.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{master,out,bin}
	echo "主库 数据库 页 1" >"$T/master/m.txt"
	echo "public" >"$T/out/public.txt"
	cp /usr/bin/cat "$T/bin/mcat"      # trusted to read master-repository
	cp /usr/bin/cat "$T/bin/pcat"      # the same code, untrusted
	cp "$TRY" "$T/bin/mtry"            # trusted, for the errno checks
	write_policy record
	write_policy refuse
	apply "$T/policy-record.yaml"
}

teardown_file() {
	systemctl stop 'af-sink-*' 2>/dev/null || true
	af_cleanup
}

write_policy() { # record|refuse: into $T/policy-record.yaml or $T/policy-refuse.yaml
	policy "$T/policy-$1.yaml" <<-EOF
	paths:
	  $T/master: master-repository
	trusted:
	  mcat:
	    exe: $T/bin/mcat
	    allow:
	      read: [master-repository]
	  mtry:
	    exe: $T/bin/mtry
	    allow:
	      read: [master-repository]
	      write: [master-repository]
	sinks:
	  journald: {exe: /usr/lib/systemd/systemd-journald, unit: systemd-journald.service, tainted: $1}
	EOF
}

# Whether process PID is tainted, as explain --pid says it.
tainted() { # PID
	"$AF" explain --pid "$1" --json | jq -r .tainted
}

journald_pid() {
	systemctl show -p MainPID --value systemd-journald
}

@test "PID 1 and journald are sinks, and untainted" {
	run "$AF" explain --pid 1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sink: systemd (PID 1)"* ]]
	[[ "$output" == *"not tainted"* ]]
	run "$AF" explain --pid "$(journald_pid)"
	echo "$output"
	[[ "$output" == *"sink: journald"* ]]
	run "$AF" status
	[[ "$output" == *"sinks:       systemd (PID 1) journald"* ]]
}

@test "a trusted program logging master-repository data to the journal taints neither journald nor PID 1" {
	"$AF" events >/dev/null
	run systemd-run --wait --collect --quiet -p StandardOutput=journal --unit af-sink-backup \
		"$T/bin/mcat" "$T/master/m.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	# the data did reach the journal: the trusted program read it
	sleep 1
	journalctl -q -u af-sink-backup --no-pager | grep -q "主库 数据库 页 1"
	[ "$(tainted 1)" = false ]
	[ "$(tainted "$(journald_pid)")" = false ]
	# service management still works, as does a unit writing a file
	run systemd-run --wait --collect --quiet true
	[ "$status" -eq 0 ]
	run systemd-run --wait --collect --quiet -p StandardOutput=file:/var/tmp/af-sink-m1.txt echo hello
	[ "$status" -eq 0 ]
	[ "$(cat /var/tmp/af-sink-m1.txt)" = hello ]
	allowed read /var/tmp/af-sink-m1.txt
	rm -f /var/tmp/af-sink-m1.txt
}

@test "the crossing into journald is recorded, naming the sender and the sink" {
	run "$AF" events --json
	echo "$output"
	[ "$status" -eq 0 ]
	rec=$(jq -s '[.[] | select(.sink == "journald")] | .[0]' <<<"$output")
	[ "$rec" != null ]
	[ "$(jq -r .labels <<<"$rec")" = master-repository ]
	[ "$(jq -r .action <<<"$rec")" = audit ]
	[[ "$(jq -r .message <<<"$rec")" == *"journald"*"taint stops there"* ]]
}

@test "taint still crosses to a process that is not a sink (the twin)" {
	"$T/bin/mcat" "$T/master/m.txt" |
		bash -c "echo \$\$ >'$T/reader.pid'; read -r x; sleep 10" &
	for _ in $(seq 50); do
		reader=$(cat "$T/reader.pid" 2>/dev/null || true)
		[ -n "$reader" ] && [ "$(tainted "$reader" 2>/dev/null)" = true ] && break
		sleep 0.2
	done
	run "$AF" explain --pid "$reader"
	echo "$output"
	[[ "$output" == *"tainted: master-repository, since "* ]]
	[[ "$output" == *"why: it read a pipe or FIFO that tainted process"* ]]
	run "$AF" status
	echo "$output"
	[[ "$output" == *"$reader "*"labels master-repository"* ]]
	# a process that read nothing labelled: untainted
	run "$AF" explain --pid $$
	[[ "$output" == *"not tainted"* ]]
	kill "$reader" 2>/dev/null || true
	wait || true
}

@test "derived labels stay off proc, sysfs and cgroupfs; a tainted write there is judged by the file alone" {
	"$AF" events >/dev/null
	# a tainted process writes a cgroup file and a /proc file: allowed, no label
	mkdir -p /sys/fs/cgroup/af-sink-test
	# the trusted try reads, then (tainted) writes: the taint carries to a data file
	quiet_allowed "$T/bin/mtry" copy-range "$T/master/m.txt" "$T/out/copy.txt"
	refused read "$T/out/copy.txt"
	allowed read "$T/out/public.txt"
	# the same tainted program writing into cgroupfs is not refused, and takes no label
	quiet_allowed "$T/bin/mtry" read-then-write "$T/master/m.txt" /sys/fs/cgroup/af-sink-test/cgroup.freeze 0
	run "$AF" explain /sys/fs/cgroup/af-sink-test/cgroup.freeze
	echo "$output"
	[[ "$output" == *"not labelled"* ]]
	rmdir /sys/fs/cgroup/af-sink-test
}

@test "a sink that refuses tainted data: the trusted program's write to the journal gets EACCES" {
	apply "$T/policy-refuse.yaml"
	"$AF" events >/dev/null
	run systemd-run --wait --quiet -p StandardOutput=journal -E TRY_ERRNO_EXIT=1 \
		--unit af-sink-refused "$T/bin/mtry" read-then-write "$T/master/m.txt" -
	echo "$output"
	# the write of what it read to its journal stream was refused: try exits with EACCES
	[ "$(systemctl show -p ExecMainStatus --value af-sink-refused)" = 13 ]
	systemctl reset-failed af-sink-refused 2>/dev/null || true
	sleep 1
	run journalctl -q -u af-sink-refused --no-pager
	echo "$output"
	[[ "$output" != *"主库"* ]]
	run "$AF" events --json
	echo "$output"
	[ "$(jq -s '[.[] | select(.sink == "journald" and .action == "deny")] | length' <<<"$output")" -ge 1 ]
	# the twin: an untainted program logs to the same sink as before
	run systemd-run --wait --collect --quiet -p StandardOutput=journal --unit af-sink-plain \
		"$T/bin/pcat" "$T/out/public.txt"
	[ "$status" -eq 0 ]
	sleep 1
	journalctl -q -u af-sink-plain --no-pager | grep -q public
	apply "$T/policy-record.yaml"
}
