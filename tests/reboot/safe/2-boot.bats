#!/usr/bin/env bats
# A safe server, part 2: the boot after 1-install.bats. archfence enforces
# from boot with a labelled path still pending on the unmounted data disk;
# the disk is labelled as it is mounted; the backup runs, logs to the
# journal, and neither journald nor PID 1 takes its taint: two minutes
# later, service management works and nothing of systemd's carries a label.

load ../../e2e/lib
load ../diag

AF_DIAG_UNITS="archfence.service archive-backup.service af-safe-data.service"
teardown() { af_diag; }

S=/srv/af-safe
AFI=/usr/sbin/archfence
MID_SINK=0459f0c9616e423a9bfc1790dfad9ac4
MID_LABELLED=5fcd2e60ff804983a663de47ac3d6c10

tainted() { # PID
	"$AFI" explain --pid "$1" --json | jq -r .tainted
}

@test "archfence enforces from boot; the path on the unmounted data disk is pending, not an error" {
	[ "$(systemctl is-active archfence)" = active ]
	refused read "$S/master/m.txt"
	allowed read "$S/public.txt"
	run journalctl -b -q -o cat --no-pager MESSAGE_ID=b65ad0979bbb4269b04da5f81901aaf2 ARCHFENCE_ACTION=pending
	echo "$output"
	[[ "$output" == *"$S/data/archive"* ]]
}

@test "the data disk, mounted after archfence started, is labelled as it appears" {
	for _ in $(seq 60); do
		[ "$(systemctl is-active af-safe-data)" = active ] && break
		sleep 1
	done
	[ "$(systemctl is-active af-safe-data)" = active ]
	refused read "$S/data/archive/s.txt"
	allowed read "$S/public.txt"
	[[ "$(systemctl show -p StatusText --value archfence)" != *"pending"* ]]
}

@test "the backup unit runs; its archive is master-repository; journald and PID 1 stay untainted" {
	run systemctl start archive-backup.service
	echo "$output"
	[ "$status" -eq 0 ]
	# the archive's size, taken by the inventory program; a plain stat is refused
	size=$("$S/bin/archive-inventory" -c %s "$S/backup/master.tar")
	[ "$size" -gt 0 ]
	run stat -c %s "$S/backup/master.tar"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	refused read "$S/backup/master.tar"
	allowed read "$S/public.txt"
	journalctl -b -q -u archive-backup --no-pager | grep -q "master/m.txt"
	[ "$(tainted 1)" = false ]
	[ "$(tainted "$(systemctl show -p MainPID --value systemd-journald)")" = false ]
}

@test "two minutes later, units start, transient units run, and nothing of systemd's carries a label" {
	sleep 120
	run systemd-run --wait --collect --quiet true
	[ "$status" -eq 0 ]
	run systemd-run --wait --collect --quiet -p StandardOutput=file:/var/tmp/af-safe-m1.txt echo hello
	[ "$status" -eq 0 ]
	[ "$(cat /var/tmp/af-safe-m1.txt)" = hello ]
	allowed read /var/tmp/af-safe-m1.txt
	run systemctl restart cron.service
	[ "$status" -eq 0 ]
	[ "$(systemctl is-active cron)" = active ]
	[ "$(tainted 1)" = false ]
	[ "$(tainted "$(systemctl show -p MainPID --value systemd-journald)")" = false ]
	# no label was derived on anything under /sys, /proc or /run/systemd
	run journalctl -b -q -o json --no-pager MESSAGE_ID=$MID_LABELLED
	bad=$(jq -r 'select(.ARCHFENCE_PATH | test("^/(sys|proc|run/systemd)/")) | .ARCHFENCE_PATH' <<<"$output" | head -n5)
	echo "labelled under /sys, /proc, /run/systemd: $bad"
	[ -z "$bad" ]
	for f in /run/systemd/transient /sys/fs/cgroup/system.slice/cgroup.freeze; do
		[ -e "$f" ] || continue
		run "$AFI" explain "$f"
		echo "$output"
		[[ "$output" == *"not labelled"* ]]
	done
}

@test "the journal holds the crossing of the backup's log lines into journald" {
	run journalctl -b -q -o json --no-pager MESSAGE_ID=$MID_SINK
	echo "$output" | head -n3
	n=$(jq -s '[.[] | select(.ARCHFENCE_SINK == "journald" and (.ARCHFENCE_LABEL | contains("master-repository")))] | length' <<<"$output")
	[ "$n" -ge 1 ]
	systemctl disable --now af-safe-data.service archfence.service 2>/dev/null || true
}
