#!/usr/bin/env bats
# What an administrator meets at the command line, with a policy in force:
# archfence list (labelled and pending paths, trusted programs, sinks, cloud
# ranges, mode and lock), bash completion (commands, options, the labels of
# the policy in force, paths), "did you mean" for a mistyped command,
# examples in every --help, journalctl's time forms and a CSV for WPS and
# Excel in report, and ordinary users told that a command needs root rather
# than that nothing is loaded. Where archfence enforces, a refused access is
# paired with an allowed one.

load lib

NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,internal,open,later}
	echo "secret data" >"$T/secret/a.txt"
	echo "internal data" >"$T/internal/a.txt"
	echo "open data" >"$T/open/a.txt"
	chmod -R a+rX "$T" /srv/af-test
	policy "$T/policy.yaml" <<-EOF
	host:
	  mode: enforce
	  cloud:
	    - 203.0.113.0/24
	    - "[2001:db8::1]:8443"
	labels:
	  archive-internal: {read: deny, write: deny, send: deny}
	paths:
	  $T/secret: secret
	  $T/internal: archive-internal
	  $T/later/new: secret
	trusted:
	  reader:
	    exe: /usr/bin/head
	    allow:
	      read: [archive-internal]
	EOF
	"$AF" apply "$T/policy.yaml" >/dev/null
}

teardown_file() {
	af_cleanup
}

@test "archfence list: paths (pending too), trusted programs, sinks, cloud ranges, mode and lock" {
	run "$AF" list
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mode:    enforce, not locked"* ]]
	[[ "$output" == *"$T/internal"*archive-internal* ]]
	[[ "$output" == *"$T/later/new"*"(pending: labelled the moment it appears)"* ]]
	[[ "$output" == *"reader: /usr/bin/head"* ]]
	[[ "$output" == *"may read archive-internal"* ]]
	[[ "$output" == *journald* ]]
	[[ "$output" == *"203.0.113.0/24"*"ports all"* ]]
	[[ "$output" == *"2001:db8::1/128"*"ports 8443"* ]]
	run "$AF" list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .mode <<<"$output")" = enforce ]
	[ "$(jq -r .locked <<<"$output")" = false ]
	[ "$(jq -r '.paths[] | select(.pending) | .path' <<<"$output")" = "$T/later/new" ]
	[ "$(jq -r '.paths[] | select(.path == "'"$T/secret"'") | .labels[0]' <<<"$output")" = secret ]
	[ "$(jq -r '.trusted[0].allow.read[0]' <<<"$output")" = archive-internal ]
	jq -e '.sinks[] | select(.name == "journald")' <<<"$output" >/dev/null
	[ "$(jq -r '.cloud | length' <<<"$output")" -eq 2 ]
	run "$AF" list --label archive-internal
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/internal"* ]]
	[[ "$output" != *"$T/secret "* ]]
	run "$AF" list --label nosuch
	[ "$status" -eq 2 ]
	run "$AF" list --labels
	[[ "$output" == *archive-internal* ]]
	# what list shows is what the kernel does: the trusted program reads,
	# another is refused; the unlabelled file is read by both
	allowed read "$T/open/a.txt"
	refused read "$T/internal/a.txt"
	# (head is tainted by what it reads: its output goes nowhere bats reads)
	quiet_allowed head -c 4 "$T/internal/a.txt"
	quiet_refused "$TRY" read "$T/internal/a.txt"
}

@test "ordinary users are told a command needs root, not that nothing is loaded" {
	local c
	# the policy is in force and refusing
	refused read "$T/secret/a.txt"
	for c in status list events "explain $T/secret/a.txt" "report --since -1h"; do
		run "${NOBODY[@]}" "$AF" $c
		echo "$c: $status $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"this needs root"* ]]
		[[ "$output" != *"not loaded"* ]]
		[[ "$output" != *"0 records"* ]]
	done
	# root gets the truth
	run "$AF" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"mode:        enforce"* ]]
}

@test "a mistyped command gets 'did you mean', not the whole usage" {
	run "$AF" chek
	[ "$status" -eq 2 ]
	[[ "$output" == *"no command 'chek'"* ]]
	[[ "$output" == *"Did you mean check?"* ]]
	[[ "$output" != *"Commands:"* ]]
	run "$AF" stauts
	[[ "$output" == *"Did you mean status?"* ]]
	run "$AF" help lsit
	[ "$status" -eq 2 ]
	[[ "$output" == *"Did you mean list?"* ]]
	run "$AF" xyzzy
	[ "$status" -eq 2 ]
	[[ "$output" == *"Commands: check apply"* ]]
}

@test "every command's --help has examples" {
	local c
	for c in $("$AF" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\).*/\1/p'); do
		run "$AF" "$c" --help
		echo "$c"
		[ "$status" -eq 0 ]
		[[ "$output" == *"Examples:"* ]]
	done
}

@test "report takes journalctl's time forms and writes a CSV with a byte-order mark" {
	local f
	for f in "10 minutes ago" "-1 day" "-1h" "1h30min ago" "yesterday" "today" "00:00" "@0"; do
		run "$AF" report --since "$f"
		echo "$f: $status ${lines[0]}"
		[ "$status" -eq 0 ]
	done
	run "$AF" report --since "10 minutes"
	[ "$status" -eq 2 ]
	"$AF" report --since "-1 day" --format csv --bom >"$BATS_TEST_TMPDIR/r.csv"
	[ "$(head -c 3 "$BATS_TEST_TMPDIR/r.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	head -n 1 "$BATS_TEST_TMPDIR/r.csv" | grep -q '^.\{1,3\}time,action,'
	# without --bom the CSV starts with its header, as before
	"$AF" report --since "-1 day" --format csv >"$BATS_TEST_TMPDIR/r.csv"
	[ "$(head -c 5 "$BATS_TEST_TMPDIR/r.csv")" = "time," ]
	run "$AF" report --bom
	[ "$status" -eq 2 ]
}

# Completion: COMPREPLY for the words typed so far, one a line.
complete_words() { # WORD...
	COMP_WORDS=("$AF" "$@")
	COMP_CWORD=$(($# ))
	COMPREPLY=()
	_archfence
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "bash completion: commands, options, labels of the policy in force, paths" {
	source "$AF_TOP/completion/archfence.bash"
	run complete -p archfence
	[[ "$output" == *"-F _archfence archfence"* ]]
	run complete_words ch
	[ "$output" = check ]
	run complete_words l
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "list lock " ]
	run complete_words report --f
	[ "$output" = --format ]
	run complete_words report --format ""
	[ "$(tr '\n' ' ' <<<"$output")" = "text json csv " ]
	run complete_words status --
	[[ "$output" == *--json* ]]
	run complete_words list --label ""
	[[ "$output" == *archive-internal* ]]
	[[ "$output" == *secret* ]]
	run complete_words list --label arch
	[ "$output" = archive-internal ]
	run complete_words explain "$T/sec"
	[ "$output" = "$T/secret" ]
	run complete_words help rep
	[ "$output" = report ]
}
