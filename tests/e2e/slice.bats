#!/usr/bin/env bats
# The whole pipeline in one: the controller loads the programs, feeds them a
# policy, and the kernel refuses the labelled file while the unlabelled one
# opens.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T/secret" "$T/open"
	echo "classified" >"$T/secret/report.txt"
	echo "public" >"$T/open/report.txt"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	af_cleanup
}

@test "opening a file in a secret directory is refused with EACCES" {
	refused open-read "$T/secret/report.txt"
}

@test "opening an unlabelled file beside it succeeds" {
	allowed open-read "$T/open/report.txt"
}

@test "cat of the secret file fails with a permission error, of the open one succeeds" {
	run cat "$T/secret/report.txt"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Permission denied"* ]]
	run cat "$T/open/report.txt"
	[ "$status" -eq 0 ]
	[ "$output" = public ]
}

@test "status reports the policy in force with every program attached" {
	run "$AF" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .mode <<<"$output")" = enforce ]
	[ "$(jq -r .attached <<<"$output")" = true ]
	[ "$(jq -r .labelled_roots <<<"$output")" = 1 ]
}
