#!/usr/bin/env bats
# Trusted programs: a program the policy names may do what it is granted on a
# label, and nothing more; its trust is tied to its executable's inode (and
# unit, when given), so a copy, a replacement or an in-place change of the
# program is not trusted. A trusted program that reads labelled data is
# tainted (net.bats), so it reports here by exit status only (see quiet).

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{master,secret,open,bin}
	echo "master data" >"$T/master/index.db"
	echo "secret data" >"$T/secret/a.txt"
	echo "open data" >"$T/open/a.txt"
	cp "$TRY" "$T/bin/backup"          # the trusted program
	cp "$TRY" "$T/bin/backup-copy"     # the same code at another path
	cp "$TRY" "$T/bin/unit-only"       # trusted only inside a systemd unit
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/master: master-repository
	  $T/secret: secret
	trusted:
	  backup:
	    exe: $T/bin/backup
	    allow:
	      read: [master-repository]
	  unit-only:
	    exe: $T/bin/unit-only
	    unit: af-test-backup.service
	    allow:
	      read: [master-repository]
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	for u in af-test-backup af-test-other; do
		systemctl reset-failed "$u.service" >/dev/null 2>&1 || true
	done
	af_cleanup
}

@test "the trusted program may read master-repository, as granted" {
	quiet_allowed "$T/bin/backup" read "$T/master/index.db"
	# an untrusted program may not
	refused read "$T/master/index.db"
}

@test "the trusted program may not do what it was not granted" {
	quiet_refused "$T/bin/backup" write "$T/master/index.db"
	quiet_refused "$T/bin/backup" read "$T/secret/a.txt"
	quiet_allowed "$T/bin/backup" read "$T/open/a.txt"
}

@test "a copy of the trusted program at another path is not trusted" {
	quiet_refused "$T/bin/backup-copy" read "$T/master/index.db"
	quiet_allowed "$T/bin/backup-copy" read "$T/open/a.txt"
}

@test "a child of the trusted program (fork, no exec) keeps the grant; what it execs does not" {
	# scm-read: a forked child opens the file and passes the fd
	quiet_allowed "$T/bin/backup" scm-read "$T/master/index.db" true
	quiet_allowed "$T/bin/backup" chroot / read "$T/master/index.db"
	# a shell the trusted program does not run, running cat: refused
	run sh -c "cat '$T/master/index.db'"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
}

@test "a program trusted only in its unit is refused outside it and allowed inside it" {
	quiet_refused "$T/bin/unit-only" read "$T/master/index.db"
	quiet_allowed systemd-run --wait --quiet --collect --unit af-test-backup.service \
		-E TRY_ERRNO_EXIT=1 "$T/bin/unit-only" read "$T/master/index.db"
	quiet systemd-run --wait --quiet --collect --unit af-test-other.service \
		-E TRY_ERRNO_EXIT=1 "$T/bin/unit-only" read "$T/master/index.db"
	[ "$status" -eq 13 ]
}

@test "the trusted program's executable cannot be changed in place" {
	refused write "$T/bin/backup"
	refused truncate "$T/bin/backup"
	refused append "$T/bin/backup"
	# the untrusted copy can
	cp "$T/bin/backup-copy" "$T/bin/scratch"
	allowed append "$T/bin/scratch"
}

@test "a trusted program replaced by other code (a rename over it) is not trusted" {
	cp "$T/bin/backup-copy" "$T/bin/backup.new"
	run mv "$T/bin/backup.new" "$T/bin/backup"
	[ "$status" -eq 0 ]
	quiet_refused "$T/bin/backup" read "$T/master/index.db"
	# applying the policy again trusts the new inode
	apply "$T/policy.yaml"
	quiet_allowed "$T/bin/backup" read "$T/master/index.db"
}
