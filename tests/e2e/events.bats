#!/usr/bin/env bats
# Records: one per audit or deny, repeats coalesced in the kernel with a
# count, and the counts add up to the accesses made, lost ones included.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,sensitive,open}
	echo "secret data" >"$T/secret/a.txt"
	echo "sensitive data" >"$T/sensitive/a.txt"
	echo "open data" >"$T/open/a.txt"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/sensitive: sensitive
	EOF
	af_note_stat "$T/secret/a.txt"
	apply "$T/policy.yaml"
}

teardown_file() {
	af_cleanup
}

# Sum of the counts of the records matching a jq filter.
count_sum() { # FILTER
	jq -s "[.[] | select($1) | .count] | add // 0"
}

@test "a deny record names the process, the file, the label and the operation" {
	"$AF" events >/dev/null
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	run "$AF" events --json
	[ "$status" -eq 0 ]
	# one record for the one access (another suite's leftover process may add its own)
	echo "$output" >&2
	[ "$(jq -s --arg d "$T/" 'map(select(.path | startswith($d))) | length' <<<"$output")" -eq 1 ]
	rec=$(jq -s --arg d "$T/" 'map(select(.path | startswith($d))) | .[0]' <<<"$output")
	[ "$(jq -r .action <<<"$rec")" = deny ]
	[ "$(jq -r .op <<<"$rec")" = read ]
	[ "$(jq -r .labels <<<"$rec")" = secret ]
	[ "$(jq -r .path <<<"$rec")" = "$T/secret/a.txt" ]
	[ "$(jq -r .comm <<<"$rec")" = try ]
	[ "$(jq -r .count <<<"$rec")" = 1 ]
	[ "$(jq -r .inode <<<"$rec")" = "$(af_ino "$T/secret/a.txt")" ]
}

@test "repeated audited reads are coalesced and their counts add up" {
	"$AF" events >/dev/null
	before=$("$AF" status --json | jq .counters.read.audit)
	for i in $(seq 20); do cat "$T/sensitive/a.txt" >/dev/null; done
	after=$("$AF" status --json | jq .counters.read.audit)
	sleep 1.2
	run "$AF" events --json
	[ "$status" -eq 0 ]
	n=$(jq -s length <<<"$output")
	sum=$(count_sum '.action == "audit"' <<<"$output")
	echo "records: $n, counted: $sum, accesses: $((after - before))"
	[ "$sum" -eq $((after - before)) ]
	# 20 processes, each with its own key: 20 first records and their repeats
	[ "$n" -lt "$sum" ]
}

@test "a storm of 100,000 refused opens: counts and lost records add up, the system stays responsive" {
	"$AF" events >/dev/null
	before=$("$AF" status --json)
	start=$(date +%s)
	run python3 -c "
import os, errno
n = 0
for i in range(100000):
    try:
        os.close(os.open('$T/secret/a.txt', os.O_RDONLY))
    except PermissionError:
        n += 1
print(n)
"
	[ "$status" -eq 0 ]
	[ "$output" = 100000 ]
	sleep 1.2
	after=$("$AF" status --json)
	denied=$(( $(jq .counters.read.deny <<<"$after") - $(jq .counters.read.deny <<<"$before") ))
	lost=$(( $(jq .events_lost <<<"$after") - $(jq .events_lost <<<"$before") ))
	run "$AF" events --json
	sum=$(count_sum '.action == "deny"' <<<"$output")
	records=$(jq -s length <<<"$output")
	echo "denied $denied, recorded $sum in $records records, lost $lost, took $(( $(date +%s) - start )) s"
	[ "$denied" -eq 100000 ]
	[ $((sum + lost)) -eq 100000 ]
	[ "$records" -lt 1000 ]
	# still responsive: an allowed read right after
	allowed read "$T/open/a.txt"
}

@test "a record names the program by its path even when the process is gone before it is read" {
	mkdir -p "$T/bin"
	cp "$(command -v cat)" "$T/bin/short-lived"
	"$AF" events >/dev/null
	run "$T/bin/short-lived" "$T/secret/a.txt"
	[ "$status" -ne 0 ]
	run cat "$T/open/a.txt"
	[ "$status" -eq 0 ]
	# the process has exited: /proc cannot say; the record itself must
	run "$AF" events --json
	[ "$status" -eq 0 ]
	rec=$(jq -s 'map(select(.comm == "short-lived")) | .[0]' <<<"$output")
	[ "$(jq -r .exe <<<"$rec")" = "$T/bin/short-lived" ] || { echo "$rec" >&2; false; }
	# moved away after the fact: the record still says where it ran from
	mv "$T/bin/short-lived" "$T/bin/renamed"
	run "$T/bin/renamed" "$T/secret/a.txt"
	run "$AF" events --json
	rec=$(jq -s 'map(select(.comm == "renamed")) | .[0]' <<<"$output")
	[ "$(jq -r .exe <<<"$rec")" = "$T/bin/renamed" ] || { echo "$rec" >&2; false; }
}

@test "a summary of repeats flushed later still names the process and its program" {
	mkdir -p "$T/bin"
	cp "$(command -v cat)" "$T/bin/repeater"
	"$AF" events >/dev/null
	# one process, many audited reads in one window: the repeats are summed later
	run "$T/bin/repeater" "$T/sensitive/a.txt" "$T/sensitive/a.txt" "$T/sensitive/a.txt"
	[ "$status" -eq 0 ]
	sleep 2.5
	run "$AF" events --json
	[ "$status" -eq 0 ]
	n=$(jq -s 'map(select(.comm == "repeater")) | length' <<<"$output")
	[ "$n" -ge 2 ] || { echo "$output" >&2; false; }
	# every record of it, the summary included, names comm and program
	bad=$(jq -s 'map(select(.comm == "repeater" and (.exe | startswith("/") | not))) | length' <<<"$output")
	[ "$bad" -eq 0 ] || { echo "$output" >&2; false; }
}
