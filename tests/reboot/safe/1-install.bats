#!/usr/bin/env bats
# A safe server, part 1. What an archive bureau's administrator does first:
# install, enable with the default policy on a server where none of its
# paths exist yet (it must start and wait, not loop), then the bureau's own
# policy: a master repository on the root disk, an archive on a data disk
# that is not mounted at boot, and a nightly backup unit whose tar logs to
# the journal. 2-boot.bats checks the next boot.

load ../../e2e/lib
load ../diag

AF_DIAG_UNITS="archfence.service archive-backup.service"
teardown() { af_diag; }

S=/srv/af-safe
AFI=/usr/sbin/archfence

@test "a clean install with the default policy starts, enforces what exists and waits for the rest" {
	rm -rf "$S" /etc/archfence /srv/archive /var/lib/archfence
	make -C "$AF_TOP" --no-print-directory -o build/archfence install >/dev/null
	mkdir -p /etc/archfence/policy.d
	systemctl enable --now archfence.service 2>/dev/null
	sleep 3
	[ "$(systemctl is-active archfence)" = active ]
	[ "$(systemctl show -p NRestarts --value archfence)" = 0 ]
	run "$AFI" status
	echo "$output"
	[[ "$output" == *"pending:     3 paths"* ]]
	[[ "$(systemctl show -p StatusText --value archfence)" == *"3 paths pending"* ]]
	# what appears later is labelled: the default policy's secret directory
	mkdir -p /srv/archive/涉密 /srv/archive/公开
	echo "会议纪要" >/srv/archive/涉密/a.txt 2>/dev/null || true
	refused create /srv/archive/涉密/b.txt
	allowed create /srv/archive/公开/b.txt
	systemctl stop archfence.service
	"$AFI" unload >/dev/null
	rm -rf /srv/archive
}

@test "the bureau's policy: a master repository, a data disk not mounted at boot, a backup unit" {
	mkdir -p "$S"/{master,backup,data,bin,disk/archive}
	echo "主库 数据库 页 1" >"$S/master/m.txt"
	echo "public" >"$S/public.txt"
	echo "secret on the data disk" >"$S/disk/archive/s.txt"
	mkfs.ext4 -q -F -d "$S/disk" "$S/data.img" 16M
	rm -rf "$S/disk"
	cp /usr/bin/tar "$S/bin/archive-tar"
	cp /usr/bin/stat "$S/bin/archive-inventory"
	policy /etc/archfence/policy.yaml <<-EOF
	paths:
	  $S/master: master-repository
	  $S/backup: master-repository
	  $S/data/archive: secret
	trusted:
	  archive-tar:
	    exe: $S/bin/archive-tar
	    unit: archive-backup.service
	    allow:
	      read: [master-repository]
	      write: [master-repository]
	  archive-inventory:
	    exe: $S/bin/archive-inventory
	    allow:
	      list: [master-repository]
	sinks:
	  journald: {exe: /usr/lib/systemd/systemd-journald, unit: systemd-journald.service}
	EOF
	cat >/etc/systemd/system/archive-backup.service <<-EOF
	[Unit]
	Description=nightly backup of the master repository to the local backup disk
	[Service]
	Type=oneshot
	ExecStart=$S/bin/archive-tar -cvf $S/backup/master.tar -C $S master
	EOF
	# The data disk, mounted late by a unit of its own (as a disk that is
	# slow to appear would be).
	cat >/etc/systemd/system/af-safe-data.service <<-EOF
	[Unit]
	Description=the data disk, mounted late
	After=archfence.service
	[Service]
	Type=oneshot
	RemainAfterExit=yes
	ExecStartPre=/usr/bin/sleep 20
	ExecStart=/usr/bin/mount -o loop $S/data.img $S/data
	[Install]
	WantedBy=multi-user.target
	EOF
	systemctl daemon-reload
	systemctl enable af-safe-data.service 2>/dev/null
	"$AFI" apply >/dev/null
	refused read "$S/master/m.txt"
	allowed read "$S/public.txt"
	"$AF_TOP/tests/vm/reboot"
}
