#!/usr/bin/env bats
# The recipes of docs/recipes, run end to end as an administrator would run
# them: their scripts, their systemd units and their policy lines, each
# installed under this suite's directory (exe paths, unit names and the
# configuration file rewritten by recipe_sed, nothing else). Two network
# namespaces joined by veth pairs stand for the offsite store (192.168.60.2,
# not cloud) and the cloud (10.20.0.2, inside host.cloud); each runs the
# offsite recipe's sshd unit, so the two copies differ only by address.
# The tests build on each other, in order: backup, offsite copy, cloud,
# restore, inventory. Readers of labelled data report by exit status only
# (see quiet in lib.bash).

load lib

OFFSITE=192.168.60.2
CLOUD=10.20.0.2
RECIPES=$AF_TOP/docs/recipes
UNITS=/run/systemd/system

# The recipes' files as installed for this suite.
recipe_sed() {
	sed -e "s#/usr/local/sbin/#$T/sbin/#g" \
		-e "s#/etc/archive-backup.conf#$T/etc/archive-backup.conf#g" \
		-e "s#/run/archive-restore.conf#$T/etc/archive-restore.conf#g" \
		-e "s#/etc/archive-offsite/#$T/etc/store/#g" \
		-e "s#/srv/offsite/master#$T/offsite/master#g" \
		-e 's/\<archive-\(backup\|offsite\|verify\|restore\|cloud-drill\|offsite-sshd\)\.\(service\|timer\)/af-test-&/g' \
		"$@"
}

netns_up() { # NAME HOST_ADDR PEER_ADDR
	# another suite's namespace of the same name may linger (a process in it)
	af_netns_del "$1"
	ip link del "af-$1" 2>/dev/null || true
	ip netns add "$1"
	ip link add "af-$1" type veth peer name eth0 netns "$1"
	ip addr add "$2/24" dev "af-$1"
	ip link set "af-$1" up
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}

# conf KEY VALUE: set KEY in the recipes' configuration file.
conf() {
	sed -i "s#^$1=.*#$1=$2#" "$T/etc/archive-backup.conf"
	grep -qx "$1=$2" "$T/etc/archive-backup.conf" || echo "$1=$2" >>"$T/etc/archive-backup.conf"
}

# The status of the last run of a oneshot UNIT, waited for; 124 if it never ran.
unit_result() { # UNIT
	local s
	for _ in $(seq 600); do
		s=$(systemctl show -p ActiveState --value "$1")
		if [ "$s" != activating ] && [ "$(systemctl show -p ExecMainExitTimestampMonotonic --value "$1")" != 0 ]; then
			systemctl show -p ExecMainStatus --value "$1"
			return 0
		fi
		sleep 0.1
	done
	echo 124
}

# Where the journal is now: unit_log reads from there on.
mark_journal() {
	journalctl --sync 2>/dev/null || true
	CURSOR=$(journalctl -q -n 1 -o cat --show-cursor | sed -n 's/^-- cursor: //p')
}

# start UNIT: systemctl start, which waits for a oneshot; status is its exit status.
start() {
	mark_journal
	status=0
	systemctl start "$1" 2>/dev/null || status=$(systemctl show -p ExecMainStatus --value "$1")
	[ "$status" != 0 ] || [ "$(systemctl show -p Result --value "$1")" = success ] || status=99
}

# What the unit wrote to the journal since it was started (mark_journal).
unit_log() { # UNIT
	journalctl --sync 2>/dev/null || true
	journalctl -q -o cat -u "$1" --after-cursor "$CURSOR"
}

# logged UNIT TEXT: the unit's last run said TEXT; if not, show what it said.
logged() {
	local log
	log=$(unit_log "$1")
	[[ "$log" == *"$2"* ]] && return 0
	echo "$1 did not say: $2" >&2
	echo "it said: $log" >&2
	return 1
}

# The same listing, made by the trusted checker: exit 0 if the master
# repository is, file by file and bit by bit, what it was at setup.
master_intact() {
	quiet "$T/bin/checker" -c 'cd "$1" &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum | cmp -s - "$2" &&
		find . -mindepth 1 -printf "%y %m %U %G %s %T@ %p\n" | LC_ALL=C sort | cmp -s - "$3"' \
		checker "$T/srv/master" "$T/expected.files.sha256" "$T/expected.stat"
}

setup_file() {
	af_fresh_tree
	modprobe veth
	mkdir -p "$T"/{srv/master/fonds-1/案卷-0001,srv/master/fonds-2,backup,offsite/master,cloud/store,sbin,bin,etc/store,policy.d}
	chmod 755 "$T" "$T/etc" "$T/etc/store"
	# The master repository: binary and text files, Chinese names, an empty
	# file, modes of their own.
	head -c 300000 /dev/urandom >"$T/srv/master/fonds-1/案卷-0001/页-001.tif"
	head -c 70000 /dev/urandom >"$T/srv/master/fonds-1/案卷-0001/页-002.tif"
	echo "主库 数据库 页 1" >"$T/srv/master/fonds-1/目录.txt"
	printf 'id,title\n1,档案\n' >"$T/srv/master/fonds-2/index.csv"
	: >"$T/srv/master/fonds-2/empty"
	chmod 640 "$T/srv/master/fonds-2/index.csv"
	touch -d '2020-03-01 08:00' "$T/srv/master/fonds-1/目录.txt"
	(cd "$T/srv/master" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) >"$T/expected.files.sha256"
	(cd "$T/srv/master" && find . -mindepth 1 -printf "%y %m %U %G %s %T@ %p\n" | LC_ALL=C sort) >"$T/expected.stat"
	find "$T/srv/master" -type f | wc -l >"$T/expected.count"
	find "$T/srv/master" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }' >"$T/expected.bytes"

	for s in "$RECIPES"/*/archive-*; do
		[ -f "$s" ] && [ -x "$s" ] && cp "$s" "$T/sbin/"
	done
	cp /bin/bash "$T/bin/checker" # reads the master repository, to compare it
	cp /bin/bash "$T/bin/vandal"  # damages it, to be restored

	# The recipes' configuration, for this suite.
	recipe_sed "$RECIPES/archive-backup.conf" >"$T/etc/archive-backup.conf"
	conf ARCHIVE_MASTER "$T/srv/master"
	conf BACKUP_DIR "$T/backup"
	conf OFFSITE_HOST "$OFFSITE"
	conf OFFSITE_USER root
	conf OFFSITE_KEY "$T/etc/id_ed25519"
	conf OFFSITE_KNOWN_HOSTS "$T/etc/known_hosts"

	# ssh: the archive server's key; the store's (and the cloud's) sshd.
	ssh-keygen -q -t ed25519 -N '' -C archive-backup -f "$T/etc/id_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C store -f "$T/etc/store/host_key"
	echo "restrict $(cat "$T/etc/id_ed25519.pub")" >"$T/etc/store/authorized_keys"
	for a in "$OFFSITE" "$CLOUD"; do
		echo "[$a]:2222 $(cut -d' ' -f1,2 "$T/etc/store/host_key.pub")"
	done >"$T/etc/known_hosts"
	recipe_sed "$RECIPES/offsite/store/sshd_config" |
		sed -e 's/^AllowUsers .*/AllowUsers root/' -e 's/^PermitRootLogin .*/PermitRootLogin prohibit-password/' \
			-e "s#^HostKey .*#HostKey $T/etc/store/host_key#" >"$T/etc/store/sshd_config"
	echo "PidFile none" >>"$T/etc/store/sshd_config"
	mkdir -p /run/sshd

	# The units: the recipes' own, and the cloud's sshd (the store's, under
	# another name, not trusted).
	for u in "$RECIPES"/*/*.service "$RECIPES"/*/*.timer "$RECIPES"/offsite/store/*.service; do
		recipe_sed "$u" >"$UNITS/af-test-${u##*/}"
	done
	sed -i "s#^ExecStart=/usr/sbin/sshd#ExecStart=/usr/sbin/ip netns exec offsite /usr/sbin/sshd#" \
		"$UNITS/af-test-archive-offsite-sshd.service"
	sed "s#netns exec offsite#netns exec cloud#" "$UNITS/af-test-archive-offsite-sshd.service" \
		>"$UNITS/af-test-cloud-sshd.service"
	# the cloud drill aims at the suite's cloud
	sed -i "s#^Environment=\"CLOUD_DRILL_TARGETS=.*#Environment=\"CLOUD_DRILL_TARGETS=$CLOUD:2222\"#" \
		"$UNITS/af-test-archive-cloud-drill.service"
	# the timer fires a second after it is started, not at two in the night
	mkdir -p "$UNITS/af-test-archive-backup.timer.d"
	printf '[Timer]\nOnCalendar=\nRandomizedDelaySec=0\nOnActiveSec=1s\nAccuracySec=1s\n' \
		>"$UNITS/af-test-archive-backup.timer.d/now.conf"
	systemctl daemon-reload

	# The recipes' policy lines, and this suite's own.
	for p in backup verify-restore offsite cloud inventory offsite/store; do
		recipe_sed "$RECIPES/$p/policy.yaml" >"$T/policy.d/${p//\//-}.yaml"
	done
	for list in "" "list: allow"; do
		policy "$T/policy${list:+-list}.yaml" <<-EOF
		host:
		  cloud:
		    - 10.20.0.0/16
		include: $T/policy.d
		labels:
		  master-repository: {read: deny, write: deny, send: deny${list:+, $list}}
		paths:
		  $T/srv/master: master-repository
		trusted:
		  checker:
		    exe: $T/bin/checker
		    inherit: yes
		    allow:
		      read: [master-repository]
		  vandal:
		    exe: $T/bin/vandal
		    inherit: yes
		    allow:
		      read: [master-repository]
		      write: [master-repository]
		EOF
	done
	apply "$T/policy.yaml"

	netns_up offsite 192.168.60.1 "$OFFSITE"
	netns_up cloud 10.20.0.1 "$CLOUD"
	systemctl start af-test-archive-offsite-sshd.service af-test-cloud-sshd.service
	for ns in offsite cloud; do
		for _ in $(seq 100); do
			ip netns exec "$ns" ss -ltn | grep -q ':2222 ' && break
			sleep 0.1
		done
	done
}

teardown_file() {
	for u in af-test-archive-backup.timer af-test-archive-offsite-sshd.service af-test-cloud-sshd.service \
		af-test-archive-backup.service af-test-archive-offsite.service af-test-archive-verify.service \
		af-test-archive-restore.service af-test-archive-cloud-drill.service; do
		systemctl stop "$u" >/dev/null 2>&1 || true
		systemctl reset-failed "$u" >/dev/null 2>&1 || true
	done
	rm -rf "$UNITS"/af-test-archive-* "$UNITS"/af-test-cloud-sshd.service
	systemctl daemon-reload
	af_netns_del offsite
	af_netns_del cloud
	af_cleanup
}

@test "the recipes' policy lines check, and the suite's sshd units run" {
	run "$AF" check "$T/policy.yaml"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	run "$AF" check "$T/policy-list.yaml"
	[ "$status" -eq 0 ]
	[ "$(systemctl show -p ActiveState --value af-test-archive-offsite-sshd.service)" = active ]
	[ "$(systemctl show -p ActiveState --value af-test-cloud-sshd.service)" = active ]
	for s in "$T"/sbin/*; do bash -n "$s"; done
}

@test "backup, tar: the timer starts the unit; its tar and sha256sum children read; the archive carries master-repository" {
	# Refused twin first: the same script by hand, outside its unit, is not trusted.
	quiet env ARCHIVE_MASTER="$T/srv/master" BACKUP_DIR="$T/backup" "$T/sbin/archive-backup"
	[ "$status" -eq 1 ]
	run ls "$T/backup"
	[ "$output" = "" ]
	# Allowed: started by its timer, in its unit.
	mark_journal
	systemctl start af-test-archive-backup.timer
	[ "$(unit_result af-test-archive-backup.service)" = 0 ]
	[ "$(systemctl show -p Result --value af-test-archive-backup.service)" = success ]
	systemctl stop af-test-archive-backup.timer
	archive=$(cd "$T/backup" && echo master-*.tar)
	[ -f "$T/backup/$archive" ] && [ -f "$T/backup/$archive.sha256" ] && [ -f "$T/backup/${archive%.tar}.files.sha256" ]
	logged af-test-archive-backup.service "archive-backup: $T/backup/$archive written and checked"
	# the archive is master-repository data: refused to an untrusted reader,
	# an unlabelled file beside it is not
	refused read "$T/backup/$archive"
	refused read "$T/backup/$archive.sha256"
	echo "not a backup" >"$T/backup/README"
	allowed read "$T/backup/README"
	rm "$T/backup/README"
	run "$AF" explain "$T/backup/$archive"
	[ "$status" -eq 0 ]
	[[ "$output" == *master-repository* ]]
}

@test "backup, rsync: the mirror is written by the unit's rsync and carries master-repository" {
	conf BACKUP_METHOD rsync
	start af-test-archive-backup.service
	conf BACKUP_METHOD tar
	[ "$status" -eq 0 ]
	# (the untrusted test may not even look at the mirror: its checker does)
	quiet "$T/bin/checker" -c '[ -d "$1/fonds-1/案卷-0001" ] && [ -f "$1.files.sha256" ]' checker "$T/backup/master.mirror"
	[ "$status" -eq 0 ]
	refused read "$T/backup/master.mirror/fonds-1/目录.txt"
	refused read "$T/backup/master.mirror/fonds-1/案卷-0001/页-001.tif"
	allowed read "$T/expected.files.sha256"
	# the mirror's list of checksums is the repository's, as it was at setup
	quiet "$T/bin/checker" -c 'cmp -s "$1" "$2"' checker "$T/backup/master.mirror.files.sha256" "$T/expected.files.sha256"
	[ "$status" -eq 0 ]
	run "$AF" explain "$T/backup/master.mirror/fonds-2/index.csv"
	[[ "$output" == *master-repository* ]]
}

@test "verify: the verify unit checks both backups; a damaged one fails it" {
	start af-test-archive-verify.service
	[ "$status" -eq 0 ]
	logged af-test-archive-verify.service "archive-verify: 2 checked, 0 failed"
	# the same script outside its unit may not read them
	quiet env BACKUP_DIR="$T/backup" "$T/sbin/archive-verify"
	[ "$status" -eq 1 ]
	# one byte of the mirror changed (by a program trusted to write): FAILED
	quiet "$T/bin/vandal" -c 'cp -p "$1" "$1.orig" && printf X | dd of="$1" bs=1 seek=100 conv=notrunc status=none' \
		vandal "$T/backup/master.mirror/fonds-1/案卷-0001/页-002.tif"
	[ "$status" -eq 0 ]
	start af-test-archive-verify.service
	[ "$status" -eq 1 ]
	logged af-test-archive-verify.service "archive-verify: FAILED $T/backup/master.mirror/"
	quiet "$T/bin/vandal" -c 'mv -f "$1.orig" "$1"' vandal "$T/backup/master.mirror/fonds-1/案卷-0001/页-002.tif"
	start af-test-archive-verify.service
	[ "$status" -eq 0 ]
	# the next backup brings the mirror's directory times back too
	conf BACKUP_METHOD rsync
	start af-test-archive-backup.service
	conf BACKUP_METHOD tar
	[ "$status" -eq 0 ]
}

@test "offsite: rsync over ssh to the offsite store; the copy arrives intact, labelled there too" {
	start af-test-archive-offsite.service
	[ "$status" -eq 0 ] || { unit_log af-test-archive-offsite.service >&2; false; }
	logged af-test-archive-offsite.service "archive-offsite: 2 backup(s) copied to $OFFSITE:$T/offsite/master and checked"
	archive=$(cd "$T/backup" && echo master-*.tar)
	[ -f "$T/offsite/master/$archive" ] && [ -d "$T/offsite/master/master.mirror" ]
	# intact: the store's checker (the verify recipe, over there) agrees
	mkdir -p "$UNITS/af-test-archive-verify.service.d"
	printf '[Service]\nEnvironment=VERIFY_DIRS=%s\n' "$T/offsite/master" >"$UNITS/af-test-archive-verify.service.d/store.conf"
	systemctl daemon-reload
	start af-test-archive-verify.service
	rm -r "$UNITS/af-test-archive-verify.service.d"
	systemctl daemon-reload
	[ "$status" -eq 0 ]
	logged af-test-archive-verify.service "archive-verify: OK $T/offsite/master/$archive"
	logged af-test-archive-verify.service "archive-verify: 2 checked, 0 failed"
	# and its list of files is the repository's at setup
	quiet "$T/bin/checker" -c 'cmp -s "$1" "$2"' checker "$T/offsite/master/${archive%.tar}.files.sha256" "$T/expected.files.sha256"
	[ "$status" -eq 0 ]
	# labelled on the store: an untrusted reader is refused, as here
	refused read "$T/offsite/master/$archive"
	refused read "$T/offsite/master/master.mirror/fonds-2/index.csv"
	allowed read "$T/etc/known_hosts"
	# root copying the backup by hand, outside the unit: refused at the read
	quiet rsync -a -e "ssh -i $T/etc/id_ed25519 -p 2222 -o BatchMode=yes -o UserKnownHostsFile=$T/etc/known_hosts" \
		"$T/backup/$archive" "root@$OFFSITE:$T/offsite/master/by-hand.tar"
	[ "$status" -ne 0 ]
	[ ! -e "$T/offsite/master/by-hand.tar" ]
}

@test "cloud: the offsite unit aimed at a cloud address is refused at connect, and it is recorded" {
	"$AF" events >/dev/null
	conf OFFSITE_HOST "$CLOUD"
	conf OFFSITE_DIR "$T/cloud/store"
	start af-test-archive-offsite.service
	conf OFFSITE_HOST "$OFFSITE"
	conf OFFSITE_DIR "$T/offsite/master"
	[ "$status" -ne 0 ]
	# ssh's own words for EACCES at connect
	logged af-test-archive-offsite.service "connect to host $CLOUD port 2222: Permission denied"
	# nothing arrived, not even a name
	run ls -A "$T/cloud/store"
	[ "$status" -eq 0 ] && [ "$output" = "" ]
	run "$AF" events --json
	[ "$status" -eq 0 ]
	n=$(jq -s "map(select(.op == \"send\" and .action == \"deny\" and .destination == \"$CLOUD:2222\" and .labels == \"master-repository\")) | length" <<<"$output")
	[ "$n" -ge 1 ]
	[ "$(jq -rs "map(select(.destination == \"$CLOUD:2222\")) | .[0].exe" <<<"$output")" = /usr/bin/ssh ]
	# the allowed twin: the same unit, to the offsite store, once more
	start af-test-archive-offsite.service
	[ "$status" -eq 0 ]
}

@test "cloud: the drill's TCP copy and rsync are refused with EACCES; aimed at the offsite store it raises the alarm" {
	"$AF" events >/dev/null
	start af-test-archive-cloud-drill.service
	[ "$status" -eq 0 ] || { unit_log af-test-archive-cloud-drill.service >&2; false; }
	run unit_log af-test-archive-cloud-drill.service
	echo "$output" >&2 # shown if the test fails
	[[ "$output" == *"refused, as it must be: TCP copy of master-"*".tar: connect to $CLOUD:2222: Permission denied (EACCES)"* ]]
	[[ "$output" == *"refused, as it must be: rsync over ssh of master-"*".tar to $CLOUD:2222"* ]]
	[[ "$output" == *"every attempt was refused"* ]]
	run "$AF" events --json
	# the TCP copy's connect and ssh's
	[ "$(jq -s "map(select(.op == \"send\" and .action == \"deny\" and .destination == \"$CLOUD:2222\" and .comm == \"python3\")) | length" <<<"$output")" -ge 1 ]
	[ "$(jq -s "map(select(.op == \"send\" and .action == \"deny\" and .destination == \"$CLOUD:2222\" and .comm == \"ssh\")) | length" <<<"$output")" -ge 1 ]
	# the twin: an address outside host.cloud is not refused, and the drill says so
	mkdir -p "$UNITS/af-test-archive-cloud-drill.service.d"
	printf '[Service]\nEnvironment=CLOUD_DRILL_TARGETS=%s:2222\n' "$OFFSITE" >"$UNITS/af-test-archive-cloud-drill.service.d/offsite.conf"
	systemctl daemon-reload
	start af-test-archive-cloud-drill.service
	rm -r "$UNITS/af-test-archive-cloud-drill.service.d"
	systemctl daemon-reload
	[ "$status" -eq 1 ]
	run unit_log af-test-archive-cloud-drill.service
	[[ "$output" == *"ALERT: TCP copy of master-"*".tar to $OFFSITE:2222 was not refused (status 0)"* ]]
	# an untrusted process cannot even read the backup to send it
	quiet python3 -c 'import sys
try:
    open(sys.argv[1], "rb").read()
except OSError as e:
    sys.exit(e.errno)' "$T/backup/$(cd "$T/backup" && echo master-*.tar)"
	[ "$status" -eq 13 ]
	quiet python3 -c 'import sys; open(sys.argv[1], "rb").read()' "$T/expected.files.sha256"
	[ "$status" -eq 0 ]
}

@test "restore: the restore unit brings the repository back bit for bit, from the archive and from the mirror" {
	master_intact
	[ "$status" -eq 0 ]
	damage() {
		quiet "$T/bin/vandal" -c 'cd "$1" && rm fonds-1/案卷-0001/页-001.tif && echo changed >fonds-2/index.csv &&
			chmod 600 fonds-1/目录.txt && touch fonds-1/目录.txt && echo stray >fonds-2/stray' vandal "$T/srv/master"
		[ "$status" -eq 0 ]
		master_intact
		[ "$status" -ne 0 ]
	}
	damage
	# refused twin: the restore script by hand, outside its unit
	quiet env ARCHIVE_MASTER="$T/srv/master" BACKUP_DIR="$T/backup" "$T/sbin/archive-restore"
	[ "$status" -eq 1 ] || { echo "restore by hand: status $status" >&2; false; }
	master_intact
	[ "$status" -ne 0 ]
	# the newest archive, by the unit
	start af-test-archive-restore.service
	[ "$status" -eq 0 ] || { unit_log af-test-archive-restore.service >&2; false; }
	master_intact
	[ "$status" -eq 0 ]
	run ls -A "$T/backup"
	[[ "$output" != *.restore.* ]]
	# the mirror, named in the restore's runtime file
	damage
	echo "RESTORE_FROM=$T/backup/master.mirror" >"$T/etc/archive-restore.conf"
	start af-test-archive-restore.service
	rm "$T/etc/archive-restore.conf"
	[ "$status" -eq 0 ] || { unit_log af-test-archive-restore.service >&2; false; }
	logged af-test-archive-restore.service "restored from $T/backup/master.mirror and checked: 5 files"
	master_intact
	[ "$status" -eq 0 ]
	# still labelled: untrusted readers are refused
	refused read "$T/srv/master/fonds-1/目录.txt"
}

@test "inventory: the archivist's script lists and sizes the holdings; ls and du by others are refused unless list is allowed" {
	run "$T/sbin/archive-inventory" "$T/srv/master" "$T/backup"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	line=$(grep -P "^\Q$T/srv/master\E\t" <<<"$output")
	[ "$(cut -f2 <<<"$line")" = "$(cat "$T/expected.count")" ]
	[ "$(cut -f3 <<<"$line")" = 3 ]
	[ "$(cut -f4 <<<"$line")" = "$(cat "$T/expected.bytes")" ]
	grep -qP "^\Q$T/backup\E\t" <<<"$output"
	run "$T/sbin/archive-inventory" --files "$T/srv/master"
	[ "$status" -eq 0 ]
	[[ "$output" == *"	300000	$T/srv/master/fonds-1/案卷-0001/页-001.tif"* ]]
	# listing does not taint: its output is an ordinary file
	"$T/sbin/archive-inventory" "$T/srv/master" >"$T/inventory.tsv"
	allowed read "$T/inventory.tsv"
	run "$AF" explain "$T/inventory.tsv"
	[[ "$output" != *master-repository* ]]
	refused read "$T/srv/master/fonds-1/目录.txt"
	# ls and du by anyone else: refused, with EACCES
	refused readdir "$T/srv/master"
	refused stat "$T/srv/master/fonds-1/目录.txt"
	run ls "$T/srv/master"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run du -sb "$T/srv/master"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run ls "$T/backup"
	[ "$status" -eq 0 ]
	run ls -l "$T/backup"
	[ "$status" -ne 0 ]
	# where the policy allows list for everyone, ls and du work; read stays refused
	apply "$T/policy-list.yaml"
	allowed readdir "$T/srv/master"
	run ls "$T/srv/master"
	[ "$status" -eq 0 ] && [[ "$output" == *fonds-1* ]]
	run du -sb "$T/srv/master"
	[ "$status" -eq 0 ]
	run ls -l "$T/backup"
	[ "$status" -eq 0 ] && [[ "$output" == *master.mirror* ]]
	refused read "$T/srv/master/fonds-1/目录.txt"
	apply "$T/policy.yaml"
	refused readdir "$T/srv/master"
}
