#!/usr/bin/env bats
# Pending paths: a labelled path that does not exist when the policy is
# applied (a directory not created yet, a data disk not mounted yet) does not
# make the policy fail. Everything else is enforced at once, and the path is
# labelled by the kernel the moment it appears, before anything in it can be
# read: a read loop racing the mount of the disk gets nothing.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,open,mnt}
	echo "classified" >"$T/secret/a.txt"
	echo "open" >"$T/open/a.txt"
	# A data disk, as it will be found when mounted: the labelled tree and a
	# file beside it.
	mkdir -p "$T/disk/archive/卷宗" "$T/disk/other"
	echo "master data on the disk" >"$T/disk/archive/卷宗/m.txt"
	echo "public data on the disk" >"$T/disk/other/p.txt"
	mkfs.ext4 -q -F -d "$T/disk" "$T/disk.img" 16M
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/later/deeper/archive: secret
	  $T/mnt/archive: master-repository
	EOF
}

teardown_file() {
	umount "$T/mnt" 2>/dev/null || true
	af_cleanup
}

@test "a labelled path that does not exist is not an error: the rest is enforced, the path is pending" {
	run "$AF" check "$T/policy.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	apply "$T/policy.yaml"
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	run "$AF" status
	echo "$output"
	[[ "$output" == *"pending:     2 paths"* ]]
	[[ "$output" == *"$T/later/deeper/archive"* ]]
	run journalctl -q -o cat --no-pager MESSAGE_ID=b65ad0979bbb4269b04da5f81901aaf2 ARCHFENCE_ACTION=pending
	echo "$output"
	[[ "$output" == *"$T/mnt/archive"*"labelled the moment it appears"* ]]
}

@test "a pending directory is labelled when it is created, levels above it included" {
	mkdir -p "$T/later/deeper/archive"
	echo "new secret" >"$T/later/deeper/archive/n.txt" 2>/dev/null || true
	# the directory is secret from its first moment: even creating in it is a refused write
	refused create "$T/later/deeper/archive/m.txt"
	allowed create "$T/later/deeper/beside.txt"
	run "$AF" explain "$T/later/deeper/archive"
	echo "$output"
	[[ "$output" == *"labels: secret"* ]]
}

@test "a disk mounted under a pending path: a read loop racing the mount reads nothing" {
	python3 - "$T/mnt/archive/卷宗/m.txt" "$T/loop.out" <<-'EOF' &
	import errno, os, sys, time
	path, out = sys.argv[1], sys.argv[2]
	tries = ok = refused = absent = 0
	end = time.time() + 12
	while time.time() < end:
	    tries += 1
	    try:
	        with open(path, "rb") as f:
	            f.read()
	        ok += 1
	    except OSError as e:
	        if e.errno == errno.EACCES:
	            refused += 1
	        else:
	            absent += 1
	open(out, "w").write(f"{tries} {ok} {refused} {absent}\n")
	EOF
	loop=$!
	sleep 3
	mount -o loop "$T/disk.img" "$T/mnt"
	wait "$loop"
	read -r tries ok refused absent <"$T/loop.out"
	echo "# read loop racing the mount: $tries attempts, $ok read, $refused refused, $absent before the mount" >&3
	[ "$ok" -eq 0 ]
	[ "$refused" -gt 0 ]
	[ "$absent" -gt 0 ]
	# the twin: the rest of the disk is not labelled
	allowed read "$T/mnt/other/p.txt"
	refused read "$T/mnt/archive/卷宗/m.txt"
	run journalctl -q -o cat --no-pager MESSAGE_ID=b65ad0979bbb4269b04da5f81901aaf2
	echo "$output"
}

@test "the appearance is recorded" {
	run "$AF" events --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -s '[.[] | select(.message | test("appeared"))] | length' <<<"$output")" -ge 2 ]
	[[ "$output" == *"$T/mnt/archive"* ]]
}
