#!/usr/bin/env bats
# archfence explain and status --json, checked against a known policy.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{master,sensitive,open,bin}
	echo data >"$T/master/index.db"
	echo data >"$T/sensitive/list.csv"
	echo data >"$T/open/readme.txt"
	ln "$T/master/index.db" "$T/open/index-link.db"
	cp "$TRY" "$T/bin/backup"
	policy "$T/policy.yaml" <<-EOF
	# line 1
	paths:
	  $T/master: master-repository
	  $T/sensitive: sensitive
	trusted:
	  backup:
	    exe: $T/bin/backup
	    allow:
	      read: [master-repository]
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	af_cleanup
}

@test "a file under a labelled directory: its label, the policy line, and what each operation gets" {
	run "$AF" explain "$T/master/index.db"
	[ "$status" -eq 0 ]
	[[ "$output" == *"labels: master-repository"* ]]
	[[ "$output" == *"from $T/policy.yaml:3 ($T/master)"* ]]
	[[ "$output" == *"read   deny"* ]]
	[[ "$output" == *"write  deny"* ]]
	[[ "$output" == *"send   deny"* ]]
	run "$AF" explain --json "$T/master/index.db"
	[ "$(jq -r .labels <<<"$output")" = master-repository ]
	[ "$(jq -r '.sources[] | select(.kind == "policy") | .line' <<<"$output")" = 3 ]
	[ "$(jq -r '.sources[] | select(.kind == "policy") | .at' <<<"$output")" = "$T/master" ]
	[ "$(jq -r .actions.read <<<"$output")" = deny ]
}

@test "for the trusted program, read is allowed; for a copy of it, not" {
	run "$AF" explain --json --exe "$T/bin/backup" "$T/master/index.db"
	[ "$(jq -r .trusted <<<"$output")" = backup ]
	[ "$(jq -r .actions.read <<<"$output")" = allow ]
	[ "$(jq -r .actions.write <<<"$output")" = deny ]
	run "$AF" explain --json --exe "$TRY" "$T/master/index.db"
	[ "$(jq -r .trusted <<<"$output")" = null ]
	[ "$(jq -r .actions.read <<<"$output")" = deny ]
}

@test "a hard link outside the tree: labelled, and explain says why" {
	run "$AF" explain --json "$T/open/index-link.db"
	[ "$(jq -r .labels <<<"$output")" = master-repository ]
	[ "$(jq -r '.sources[0].kind' <<<"$output")" = "hard link or mount" ]
}

@test "a label derived when a file left its tree: explain says it is derived" {
	mv "$T/sensitive/list.csv" "$T/open/was-sensitive.csv"
	run "$AF" explain --json "$T/open/was-sensitive.csv"
	[ "$(jq -r .labels <<<"$output")" = sensitive ]
	[ "$(jq -r '.sources[0].kind' <<<"$output")" = derived ]
	[ "$(jq -r .actions.read <<<"$output")" = audit ]
}

@test "an unlabelled file: nothing applies" {
	run "$AF" explain "$T/open/readme.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"not labelled"* ]]
	run "$AF" explain --json "$T/open/readme.txt"
	[ "$(jq -r .labels <<<"$output")" = "" ]
	[ "$(jq -r .actions.read <<<"$output")" = allow ]
}

@test "archfence's own files: explain says only the controller changes them, not 'not labelled'" {
	local f
	for f in "$T/policy.yaml" "$AF" /sys/fs/bpf/archfence /sys/fs/bpf/archfence/maps /var/lib/archfence; do
		run "$AF" explain "$f"
		echo "$f: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"archfence's own"* ]]
		[[ "$output" == *"only the archfence controller changes it"* ]]
		[[ "$output" == *"once archfence is locked, not even the controller"* ]]
		[[ "$output" != *"not labelled"* ]]
	done
	run "$AF" explain /sys/fs/bpf/archfence/maps
	[[ "$output" == *"archfence's own (under /sys/fs/bpf/archfence)"* ]]
	[[ "$output" == *"only the controller opens archfence's maps"* ]]
	run "$AF" explain --json "$T/policy.yaml"
	[ "$(jq -r .archfence_own <<<"$output")" = true ]
	[ "$(jq -r .archfence_own_at <<<"$output")" = "$T/policy.yaml" ]
	[ "$(jq -r .locked <<<"$output")" = false ]
	# what explain says is what the kernel does: root may not write it, may read it
	run "$TRY" append "$T/policy.yaml"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	allowed read "$T/policy.yaml"
	# the twin: an ordinary file is not archfence's, and root writes it
	run "$AF" explain --json "$T/open/readme.txt"
	[ "$(jq -r .archfence_own <<<"$output")" = false ]
	allowed append "$T/open/readme.txt"
}

@test "status --json describes the policy in force" {
	run "$AF" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .policy_file <<<"$output")" = "$T/policy.yaml" ]
	[ "$(jq -r .policy_sha256 <<<"$output")" = "$(sha256sum "$T/policy.yaml" | cut -d' ' -f1)" ]
	[ "$(jq -r .applied_by_uid <<<"$output")" = 0 ]
	[ "$(jq -r .labelled_roots <<<"$output")" = 2 ]
	[ "$(jq -r .labelled_links <<<"$output")" = 1 ]
	[ "$(jq -c .labels <<<"$output")" = '["secret","master-repository","sensitive"]' ]
	[ "$(jq -r .mode <<<"$output")" = enforce ]
	[ "$(jq -r .attached <<<"$output")" = true ]
}

@test "status --json counts decisions per operation and label" {
	before=$("$AF" status --json | jq '.counters.read.deny')
	refused read "$T/master/index.db"
	refused read "$T/master/index.db"
	allowed read "$T/open/readme.txt"
	run "$AF" status --json
	[ "$(jq '.counters.read.deny' <<<"$output")" -eq $((before + 2)) ]
	[ "$(jq '.labels_counters["master-repository"].read.deny' <<<"$output")" -ge 2 ]
}
