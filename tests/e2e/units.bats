#!/usr/bin/env bats
# Trust for systemd units, and trust that passes through exec (inherit).
#
# A process is a member of a unit only if it descends by fork from the
# process PID 1 itself started for that unit, and only while it is in the
# unit's own cgroup: a cgroup of the same name made by root, the real
# cgroup joined through cgroup.procs, or a process reparented to PID 1
# confers nothing. Readers of labelled data report by exit status only
# (see quiet in lib.bash): 13 is EACCES.

load lib

CG=/sys/fs/cgroup

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{master,bin,out}
	echo "master data" >"$T/master/index.db"
	cp "$TRY" "$T/bin/probe"        # trusted only as a member of af-test-probe.service
	cp "$TRY" "$T/bin/other"        # not trusted
	# A backup script and its twin without inherit: each reads with cat and
	# with try, both children of the script, whatever they exec.
	for s in backup-inherit backup-plain backup-unit; do
		cat >"$T/bin/$s" <<-'EOS'
		#!/bin/sh
		# $1: file, $2: try; $3: "exec" to exec try itself, or a cgroup
		# to move the try child into. Exits with try's errno, or 12 if
		# its cat child fails.
		case "$3" in
		exec) exec "$2" read "$1" ;;
		?*) sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" read "$2"' "$3" "$2" "$1"
		    exit $? ;;
		esac
		"$2" read "$1" || exit $?
		cat "$1" >/dev/null || exit 12
		EOS
		chmod 755 "$T/bin/$s"
	done
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/master: master-repository
	trusted:
	  probe:
	    exe: $T/bin/probe
	    unit: af-test-probe.service
	    allow:
	      read: [master-repository]
	  whole-unit:
	    unit: af-test-whole.service
	    allow:
	      read: [master-repository]
	  backup-inherit:
	    exe: $T/bin/backup-inherit
	    inherit: yes
	    allow:
	      read: [master-repository]
	  backup-plain:
	    exe: $T/bin/backup-plain
	    allow:
	      read: [master-repository]
	  backup-unit:
	    exe: $T/bin/backup-unit
	    unit: af-test-backup.service
	    inherit: yes
	    allow:
	      read: [master-repository]
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	for u in af-test-probe af-test-whole af-test-backup af-test-other; do
		systemctl stop "$u.service" >/dev/null 2>&1 || true
		systemctl reset-failed "$u.service" >/dev/null 2>&1 || true
	done
	rmdir "$CG/af-not-a-unit/af-test-probe.service" "$CG/af-not-a-unit/af-test-whole.service" \
		"$CG/af-not-a-unit" "$CG/af-elsewhere" 2>/dev/null || true
	af_cleanup
}

# run_unit UNIT CMD...: CMD as a transient service of systemd; status is its exit status.
run_unit() {
	local unit=$1
	shift
	# a failed unit of the same name left by another suite would refuse the start
	systemctl reset-failed "$unit" >/dev/null 2>&1 || true
	quiet systemd-run --wait --quiet --collect --unit "$unit" -E TRY_ERRNO_EXIT=1 "$@"
}

# The cgroup systemd made for a running unit, as a path under /sys/fs/cgroup.
unit_cgroup() {
	echo "$CG$(systemctl show -p ControlGroup --value "$1")"
}

# A unit that sleeps in the background until stopped.
start_sleeper() {
	systemd-run --quiet --collect --unit "$1" sleep 600
	for _ in $(seq 50); do
		[ "$(systemctl show -p ActiveState --value "$1")" = active ] && return 0
		sleep 0.1
	done
	echo "$1 did not start" >&2
	return 1
}

@test "the trusted program in its real unit, started by systemd, may read" {
	run_unit af-test-probe.service "$T/bin/probe" read "$T/master/index.db"
	[ "$status" -eq 0 ]
	# outside any unit it may not
	quiet_refused "$T/bin/probe" read "$T/master/index.db"
	# nor in another unit
	run_unit af-test-other.service "$T/bin/probe" read "$T/master/index.db"
	[ "$status" -eq 13 ]
}

@test "a cgroup of the unit's name made by root elsewhere confers nothing" {
	mkdir -p "$CG/af-not-a-unit/af-test-probe.service"
	# the issue's attack: join it, then exec the trusted program
	quiet sh -c 'echo $$ >"$0/cgroup.procs" && grep -qx "0::/af-not-a-unit/af-test-probe.service" /proc/self/cgroup || exit 99; exec "$1" read "$2"' \
		"$CG/af-not-a-unit/af-test-probe.service" "$T/bin/probe" "$T/master/index.db"
	[ "$status" -eq 13 ]
	# control: the same program, started by systemd in the real unit
	run_unit af-test-probe.service "$T/bin/probe" read "$T/master/index.db"
	[ "$status" -eq 0 ]
}

@test "a cgroup of the unit's name made by root where systemd would put it confers nothing" {
	# the real unit is not running: root makes its cgroup under system.slice
	[ "$(systemctl show -p ActiveState --value af-test-whole.service)" != active ]
	mkdir "$CG/system.slice/af-test-whole.service"
	quiet sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" read "$2"' \
		"$CG/system.slice/af-test-whole.service" "$TRY" "$T/master/index.db"
	rmdir "$CG/system.slice/af-test-whole.service"
	[ "$status" -eq 13 ]
	run_unit af-test-whole.service "$TRY" read "$T/master/index.db"
	[ "$status" -eq 0 ]
}

@test "joining the real unit's cgroup through cgroup.procs confers nothing" {
	start_sleeper af-test-whole.service
	cg=$(unit_cgroup af-test-whole.service)
	[ -d "$cg" ]
	quiet sh -c 'echo $$ >"$0/cgroup.procs" && grep -qx "0::${0#/sys/fs/cgroup}" /proc/self/cgroup || exit 99; exec "$1" read "$2"' \
		"$cg" "$TRY" "$T/master/index.db"
	[ "$status" -eq 13 ]
	# the trusted program too, in its own unit's real cgroup
	systemctl stop af-test-whole.service
	start_sleeper af-test-probe.service
	cg=$(unit_cgroup af-test-probe.service)
	quiet sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" read "$2"' "$cg" "$T/bin/probe" "$T/master/index.db"
	[ "$status" -eq 13 ]
	systemctl stop af-test-probe.service
	# control: the unit's own process reads
	run_unit af-test-whole.service "$TRY" read "$T/master/index.db"
	[ "$status" -eq 0 ]
}

@test "a process reparented to PID 1 in the real unit's cgroup is no member" {
	start_sleeper af-test-whole.service
	cg=$(unit_cgroup af-test-whole.service)
	rm -f "$T/out/reparented"
	# double fork: the reader's parent exits, PID 1 adopts it; it records its errno
	sh -c 'echo $$ >"$0/cgroup.procs"; (sh -c "sleep 1; TRY_ERRNO_EXIT=1 \"\$0\" read \"\$1\" >/dev/null 2>&1; echo \$? >\"\$2\"" "$1" "$2" "$3" &) ; exit 0' \
		"$cg" "$TRY" "$T/master/index.db" "$T/out/reparented"
	for _ in $(seq 100); do [ -s "$T/out/reparented" ] && break; sleep 0.1; done
	systemctl stop af-test-whole.service
	# refused: its errno, as its parent recorded it
	run cat "$T/out/reparented"
	[ "$status" -eq 0 ] && [ "$output" = 13 ]
}

@test "a unit-only entry: every process of the unit may read, whatever it runs; none outside" {
	# the shell, its cat child and its try child: all members
	run_unit af-test-whole.service sh -c 'cat "$1" >/dev/null || exit 12; "$0" read "$1" || exit $?; exec /bin/cat "$1" >/dev/null' \
		"$TRY" "$T/master/index.db"
	[ "$status" -eq 0 ]
	# outside the unit: refused, with EACCES
	quiet_refused "$TRY" read "$T/master/index.db"
	run_unit af-test-other.service "$TRY" read "$T/master/index.db"
	[ "$status" -eq 13 ]
}

@test "a member moved out of its unit's cgroup loses the unit's trust" {
	mkdir -p "$CG/af-elsewhere"
	# a child of the unit's main process moves itself out, then runs the reader
	run_unit af-test-whole.service sh -c 'sh -c "echo \$\$ >\"\$2/cgroup.procs\" && exec \"\$0\" read \"\$1\"" "$0" "$1" "$2"' \
		"$TRY" "$T/master/index.db" "$CG/af-elsewhere"
	[ "$status" -eq 13 ]
	# control: the same, staying in the unit
	run_unit af-test-whole.service sh -c 'sh -c "exec \"\$0\" read \"\$1\"" "$0" "$1"' \
		"$TRY" "$T/master/index.db"
	[ "$status" -eq 0 ]
}

@test "inherit: yes passes the grants to what the trusted script runs; without it they stop at exec" {
	# its try child and its cat child read
	quiet_allowed "$T/bin/backup-inherit" "$T/master/index.db" "$TRY"
	# the twin without inherit: its try child is refused with EACCES
	quiet_refused "$T/bin/backup-plain" "$T/master/index.db" "$TRY"
	# the grants pass to the script's descendants only, not to a program run beside it
	quiet_refused "$T/bin/other" read "$T/master/index.db"
	# a script that execs the reader itself passes them on as well; without inherit, not
	quiet_allowed "$T/bin/backup-inherit" "$T/master/index.db" "$TRY" exec
	quiet_refused "$T/bin/backup-plain" "$T/master/index.db" "$TRY" exec
}

@test "inherit with a unit: the children keep the grants while they stay in the unit" {
	run_unit af-test-backup.service "$T/bin/backup-unit" "$T/master/index.db" "$TRY"
	[ "$status" -eq 0 ]
	# a child moved out of the unit's cgroup: refused
	mkdir -p "$CG/af-elsewhere"
	run_unit af-test-backup.service "$T/bin/backup-unit" "$T/master/index.db" "$TRY" "$CG/af-elsewhere"
	[ "$status" -eq 13 ]
	# the script outside its unit: not trusted at all
	quiet_refused "$T/bin/backup-unit" "$T/master/index.db" "$TRY"
}

@test "explain --pid says which unit a process is a member of, and why it is trusted" {
	start_sleeper af-test-whole.service
	pid=$(systemctl show -p MainPID --value af-test-whole.service)
	run "$AF" explain --pid "$pid"
	[ "$status" -eq 0 ]
	[[ "$output" == *"unit: a member of af-test-whole.service"* ]]
	[[ "$output" == *"trusted: 'whole-unit' ($T/policy.yaml:"*"): a member of unit af-test-whole.service"* ]]
	[[ "$output" == *"it may read master-repository"* ]]
	run "$AF" explain --json --pid "$pid"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"member_of":"af-test-whole.service"'* ]] || [[ "$output" == *'"member_of": "af-test-whole.service"'* ]]
	# a process root put into the unit's cgroup: in it, no member, not trusted
	cg=$(unit_cgroup af-test-whole.service)
	sh -c 'echo $$ >"$0/cgroup.procs"; exec sleep 60' "$cg" &
	intruder=$!
	sleep 0.5
	run "$AF" explain --pid "$intruder"
	kill "$intruder"
	systemctl stop af-test-whole.service
	[ "$status" -eq 0 ]
	# (it is no member: "unit: none", whether or not it descends from another unit)
	[[ "$output" == *"unit: none"* ]]
	[[ "$output" != *"unit: a member"* ]]
	[[ "$output" != *"trusted:"* ]]
}

@test "explain --pid names the process a descendant inherits its grants from" {
	# the trusted script (inherit: yes) runs a sleeping child; explain that child
	cat >"$T/bin/backup-inherit-wait" <<-'EOS'
	#!/bin/sh
	sleep 60 &
	echo $! >"$1"
	wait
	EOS
	chmod 755 "$T/bin/backup-inherit-wait"
	# trusted, with inherit, in a policy of its own
	policy "$T/policy-wait.yaml" <<-EOF
	paths:
	  $T/master: master-repository
	trusted:
	  waiter:
	    exe: $T/bin/backup-inherit-wait
	    inherit: yes
	    allow:
	      read: [master-repository]
	EOF
	apply "$T/policy-wait.yaml"
	rm -f "$T/out/child"
	"$T/bin/backup-inherit-wait" "$T/out/child" &
	script=$!
	for _ in $(seq 50); do [ -s "$T/out/child" ] && break; sleep 0.1; done
	child=$(cat "$T/out/child")
	# the script's process is the sleep's parent (bats may run it under a subshell)
	parent=$(awk '{ print $4 }' "/proc/$child/stat")
	[ "$(readlink "/proc/$parent/exe")" = /usr/bin/dash ] || [ "$(cat "/proc/$parent/comm")" = backup-inherit- ]
	run "$AF" explain --pid "$child"
	kill "$child" 2>/dev/null || true
	wait "$script" 2>/dev/null || true
	# apply runs 'run' itself: keep what explain said
	explained=$output
	explain_status=$status
	apply "$T/policy.yaml"
	[ "$explain_status" -eq 0 ]
	[[ "$explained" == *"trusted: 'waiter' ($T/policy-wait.yaml:"*"): it descends from process $parent, which ran $T/bin/backup-inherit-wait (inherit: yes)"* ]]
	[[ "$explained" == *"it may read master-repository"* ]]
}
