#!/usr/bin/env bats
# list: inventory without content. A directory's entries and files' metadata
# (ls, du, find, stat) are judged apart from read; where a label does not say,
# list is what read is. Every refusal has an allowed twin.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{master/sub,secret/sub,open/sub,bin}
	for d in master secret open; do
		echo "$d data" >"$T/$d/a.txt"
		echo "$d data" >"$T/$d/sub/b.txt"
	done
	cp "$(command -v ls)" "$T/bin/inventory"
	cp "$(command -v cat)" "$T/bin/reader"
	policy "$T/base.yaml" <<-EOF
	paths:
	  $T/master: master-repository
	  $T/secret: secret
	EOF
	policy "$T/inventory.yaml" <<-EOF
	labels:
	  master-repository: {read: deny, write: deny, send: deny, list: allow}
	trusted:
	  inventory:
	    exe: $T/bin/inventory
	    allow:
	      list: [secret]
	  reader:
	    exe: $T/bin/reader
	    allow:
	      read: [secret]
	paths:
	  $T/master: master-repository
	  $T/secret: secret
	EOF
	apply "$T/base.yaml"
}

teardown_file() {
	af_cleanup
}

@test "list follows read where the policy does not give it: ls and stat of a denied tree are refused" {
	refused readdir "$T/master"
	refused readdir "$T/master/sub"
	refused stat "$T/master/a.txt"
	refused stat "$T/master"
	refused readdir "$T/secret"
	allowed readdir "$T/open"
	allowed stat "$T/open/a.txt"
	run ls "$T/master"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	run ls "$T/open"
	[ "$status" -eq 0 ]
	[[ "$output" == *a.txt* ]]
}

@test "list: allow lets ls, du, find and stat take an inventory; the content stays refused" {
	apply "$T/inventory.yaml"
	allowed readdir "$T/master"
	allowed readdir "$T/master/sub"
	allowed stat "$T/master/a.txt"
	refused read "$T/master/a.txt"
	refused read "$T/master/sub/b.txt"
	run ls -l "$T/master"
	[ "$status" -eq 0 ]
	[[ "$output" == *a.txt* ]]
	run du -sb "$T/master"
	[ "$status" -eq 0 ]
	run find "$T/master" -type f
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/master/sub/b.txt"* ]]
	# secret still lists as it reads: refused
	refused readdir "$T/secret"
	refused stat "$T/secret/a.txt"
	apply "$T/base.yaml"
}

@test "listing does not taint: the lister may still send and its output is unlabelled" {
	apply "$T/inventory.yaml"
	# the test's own shell lists (glob expansion reads the directory) and writes the names
	names=("$T"/master/*)
	[ "${#names[@]}" -eq 2 ]
	printf '%s\n' "${names[@]}" >"$T/open/listing.txt"
	run "$AF" explain --pid $BASHPID
	[ "$status" -eq 0 ]
	[[ "$output" != *master-repository* ]] || { echo "$output" >&2; false; }
	run "$AF" explain "$T/open/listing.txt"
	[[ "$output" != *master-repository* ]] || { echo "$output" >&2; false; }
	allowed read "$T/open/listing.txt"
	# the twin: reading a file of the tree is still refused
	refused read "$T/master/a.txt"
	apply "$T/base.yaml"
}

@test "a program granted list may list but not read; a program granted read may list too" {
	apply "$T/inventory.yaml"
	run "$T/bin/inventory" "$T/secret"
	[ "$status" -eq 0 ]
	[[ "$output" == *a.txt* ]]
	run "$T/bin/inventory" "$T/secret/a.txt"
	[ "$status" -eq 0 ]
	# ls (untrusted) is refused the same listing
	run ls "$T/secret"
	[ "$status" -ne 0 ]
	# the read grant implies list: reader (cat) can read a file of the tree
	quiet_allowed "$T/bin/reader" "$T/secret/a.txt"
	quiet_refused "$TRY" read "$T/secret/a.txt"
	apply "$T/base.yaml"
}

@test "a refused listing is recorded as op list, and counted" {
	"$AF" events >/dev/null
	before=$("$AF" status --json | jq .counters.list.deny)
	refused readdir "$T/master"
	allowed readdir "$T/open"
	after=$("$AF" status --json | jq .counters.list.deny)
	[ "$after" -eq $((before + 1)) ]
	run "$AF" events --json
	[ "$status" -eq 0 ]
	rec=$(jq -s 'map(select(.op == "list")) | .[0]' <<<"$output")
	[ "$(jq -r .action <<<"$rec")" = deny ]
	[ "$(jq -r .labels <<<"$rec")" = master-repository ]
	[ "$(jq -r .path <<<"$rec")" = "$T/master" ]
	# and in words, as the journal has it
	sleep 1.2
	refused readdir "$T/master/sub"
	run "$AF" events
	[[ "$output" == *"was refused listing master-repository file $T/master/sub"* ]] ||
		{ echo "$output" >&2; false; }
}
