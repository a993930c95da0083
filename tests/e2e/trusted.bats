#!/usr/bin/env bats
# Trusted programs: a program the policy names may do what it is granted on a
# label, and nothing more; its trust is tied to its executable's inode (and
# unit, when given), so a copy, a replacement or an in-place change of the
# program is not trusted.

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
	af_cleanup
}

@test "the trusted program may read master-repository, as granted" {
	run "$T/bin/backup" read "$T/master/index.db"
	[ "$status" -eq 0 ] && [ "$output" = ok ]
	# an untrusted program may not
	refused read "$T/master/index.db"
}

@test "the trusted program may not do what it was not granted" {
	run "$T/bin/backup" write "$T/master/index.db"
	[ "$status" -eq 1 ] && [ "$output" = EACCES ]
	run "$T/bin/backup" read "$T/secret/a.txt"
	[ "$status" -eq 1 ] && [ "$output" = EACCES ]
	run "$T/bin/backup" read "$T/open/a.txt"
	[ "$status" -eq 0 ] && [ "$output" = ok ]
}

@test "a copy of the trusted program at another path is not trusted" {
	run "$T/bin/backup-copy" read "$T/master/index.db"
	[ "$status" -eq 1 ] && [ "$output" = EACCES ]
}

@test "a child of the trusted program (fork, no exec) keeps the grant; what it execs does not" {
	run "$T/bin/backup" scm-read "$T/master/index.db" true
	[ "$status" -eq 0 ] && [ "$output" = ok ]
	run "$T/bin/backup" chroot / read "$T/master/index.db"
	[ "$status" -eq 0 ] && [ "$output" = ok ]
	# a shell started by nothing trusted, running cat: refused
	run sh -c "cat '$T/master/index.db'"
	[ "$status" -ne 0 ]
}

@test "a program trusted only in its unit is refused outside it and allowed inside it" {
	run "$T/bin/unit-only" read "$T/master/index.db"
	[ "$status" -eq 1 ] && [ "$output" = EACCES ]
	run systemd-run --wait --pipe --quiet --unit af-test-backup.service \
		"$T/bin/unit-only" read "$T/master/index.db"
	[ "$status" -eq 0 ] && [ "$output" = ok ]
	run systemd-run --wait --pipe --quiet --unit af-test-other.service \
		"$T/bin/unit-only" read "$T/master/index.db"
	[ "$status" -eq 1 ] && [ "$output" = EACCES ]
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
	run "$T/bin/backup" read "$T/master/index.db"
	[ "$status" -eq 1 ] && [ "$output" = EACCES ]
	# applying the policy again trusts the new inode
	apply "$T/policy.yaml"
	run "$T/bin/backup" read "$T/master/index.db"
	[ "$status" -eq 0 ] && [ "$output" = ok ]
}
