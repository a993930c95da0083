#!/usr/bin/env bats
# archfence against root: enforcement outlives the controller, and only the
# controller may touch archfence's maps, programs, links and pins, or load a
# program that could override its decisions. Each attack beside an allowed
# twin.

load lib

POKE="$AF_TOP/build/helpers/bpfpoke"
PINS=/sys/fs/bpf/archfence

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,open}
	echo "secret data" >"$T/secret/a.txt"
	echo "open data" >"$T/open/a.txt"
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	af_cleanup
}

@test "kill -9 of a running controller: enforcement stays, a new one picks up the state and the gap's events" {
	"$AF" events --follow >/dev/null &
	pid=$!
	sleep 1
	kill -9 "$pid"
	wait "$pid" || true
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	run "$AF" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .attached <<<"$output")" = true ]
	[ "$(jq -r .generation <<<"$output")" = 1 ]
	run "$AF" events --json
	[ "$(jq -s 'map(select(.path == "'$T/secret/a.txt'" and .action == "deny")) | length' <<<"$output")" -ge 1 ]
}

@test "root cannot open, read or change archfence's maps with bpftool; the controller can" {
	run bpftool map dump pinned "$PINS/maps/af_state"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run bpftool map update pinned "$PINS/maps/af_state" key 0 0 0 0 value 0 0 0 0 0 0 0 0 \
		0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
	[ "$status" -ne 0 ]
	run "$AF" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .loaded <<<"$output")" = true ]
}

@test "root's own program cannot open archfence's maps, programs or links; its own map it can" {
	run "$POKE" obj-get "$PINS/maps/af_labels"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$POKE" map-write "$PINS/maps/af_policy"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$POKE" by-id map
	[ "$status" -eq 1 ] && [ "${lines[-1]}" = EPERM ]
	run "$POKE" by-id prog
	[ "$status" -eq 1 ] && [ "${lines[-1]}" = EPERM ]
	run "$POKE" by-id link
	[ "$status" -eq 1 ] && [ "${lines[-1]}" = EPERM ]
	run "$POKE" own-map
	[ "$status" -eq 0 ] && [ "$output" = ok ]
}

@test "removing or renaming the pins is refused for root; enforcement stays" {
	run rm -f "$PINS/links/af_file_open"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run mv "$PINS/links/af_file_permission" "$PINS/links/moved"
	[ "$status" -ne 0 ]
	run rm -rf "$PINS"
	[ "$status" -ne 0 ]
	[ -e "$PINS/links/af_file_open" ]
	refused read "$T/secret/a.txt"
	# the same operations on a pin of root's own work
	mkdir -p /sys/fs/bpf/rootpins
	bpftool map create /sys/fs/bpf/rootpins/m type array key 4 value 4 entries 1 name rootmap
	run rm /sys/fs/bpf/rootpins/m
	[ "$status" -eq 0 ]
	rmdir /sys/fs/bpf/rootpins
}

@test "loading a program that could override archfence's decisions is refused; other programs load" {
	run "$POKE" load-lsm
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$POKE" load-fmodret
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$POKE" load-filter
	[ "$status" -eq 0 ] && [ "$output" = ok ]
	refused read "$T/secret/a.txt"
}

@test "ptrace of the controller is refused; of another process allowed" {
	"$AF" events --follow >/dev/null &
	pid=$!
	sleep 1
	run timeout 10 strace -p "$pid" -o /dev/null
	kill "$pid"; wait "$pid" || true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	sleep 30 &
	other=$!
	run timeout 2 strace -p "$other" -o /dev/null
	kill "$other" 2>/dev/null || true
	[[ "$output" != *"Operation not permitted"* ]]
}

@test "the controller's executable and the policy in force cannot be changed by root" {
	run sh -c "echo '# tampered' >> '$T/policy.yaml'"
	[ "$status" -ne 0 ]
	run rm -f "$T/policy.yaml"
	[ "$status" -ne 0 ]
	[ -e "$T/policy.yaml" ]
	run cp /bin/true "$AF"
	[ "$status" -ne 0 ]
	run rm -f "$AF"
	[ "$status" -ne 0 ]
	# a copy of the policy can be edited, and applied through the controller
	cp "$T/policy.yaml" "$T/policy2.yaml"
	echo "# edited" >>"$T/policy2.yaml"
	apply "$T/policy2.yaml"
	# the old file is no longer the one in force
	echo "# now editable" >>"$T/policy.yaml"
}

@test "unload through the controller removes everything cleanly" {
	run "$AF" unload
	[ "$status" -eq 0 ]
	[ ! -e "$PINS" ]
	allowed read "$T/secret/a.txt"
	apply "$T/policy.yaml"
	refused read "$T/secret/a.txt"
}

@test "archfence edit changes the policy in force through the controller; a broken edit changes nothing" {
	apply "$T/policy.yaml"
	before=$(sha256sum "$T/policy.yaml")
	EDITOR="sed -i -e 's/: secret/: [secret, sensitive]/'" run "$AF" edit "$T/policy.yaml" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"updated"* ]]
	[[ "$output" == *"policy applied"* ]]
	grep -q "secret, sensitive" "$T/policy.yaml"
	refused read "$T/secret/a.txt"
	# a broken edit: refused, the file and the policy in force unchanged
	after=$(sha256sum "$T/policy.yaml")
	EDITOR="sed -i -e 's/paths:/pathz:/'" run "$AF" edit "$T/policy.yaml" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown key 'pathz' at the top level (did you mean 'paths'?)"* ]]
	[ "$(sha256sum "$T/policy.yaml")" = "$after" ]
	[ "$before" != "$after" ]
	refused read "$T/secret/a.txt"
}

@test "archfence edit keeps the file's mode and owner, and uses sensible-editor when VISUAL and EDITOR are unset" {
	mkdir -p "$T/bin"
	policy "$T/shared.yaml" <<-EOF
	paths:
	  $T/secret: secret
	EOF
	chmod 0644 "$T/shared.yaml"
	chown nobody:nogroup "$T/shared.yaml"
	apply "$T/shared.yaml"
	# Debian's sensible-editor (here a stand-in first in PATH), not vi
	printf '#!/bin/sh\nsed -i -e "s/: secret/: [secret, sensitive]/" "$1"\n' >"$T/bin/sensible-editor"
	chmod 0755 "$T/bin/sensible-editor"
	run env -u VISUAL -u EDITOR PATH="$T/bin:$PATH" "$AF" edit "$T/shared.yaml" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"policy applied"* ]]
	grep -q "secret, sensitive" "$T/shared.yaml"
	[ "$(stat -c '%a %U %G' "$T/shared.yaml")" = "644 nobody nogroup" ]
	# what it protects stays protected; nobody may still read the policy
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- cat "$T/shared.yaml"
	[ "$status" -eq 0 ]
	apply "$T/policy.yaml"
}

@test "archfence edit of an included file: the whole policy is checked and applied; a broken one is put back" {
	mkdir -p "$T/policy.d" "$T/team"
	echo "team data" >"$T/team/b.txt"
	policy "$T/main.yaml" <<-EOF
	include: $T/policy.d
	paths:
	  $T/secret: secret
	EOF
	apply "$T/main.yaml"
	allowed read "$T/team/b.txt"
	# root cannot drop a file into the include directory of the policy in force
	run "$TRY" create "$T/policy.d/team.yaml"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	# a new included file, through the controller: it labels the team's tree
	EDITOR="printf 'paths:\n  $T/team: master-repository\n' >" run "$AF" edit "$T/policy.d/team.yaml" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"policy applied"* ]]
	refused read "$T/team/b.txt"
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	# an include that breaks the whole policy (an unknown label): put back, nothing changes
	before=$(sha256sum "$T/policy.d/team.yaml")
	EDITOR="sed -i -e 's/master-repository/nosuchlabel/'" run "$AF" edit "$T/policy.d/team.yaml" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nosuchlabel"* ]]
	[ "$(sha256sum "$T/policy.d/team.yaml")" = "$before" ]
	refused read "$T/team/b.txt"
	[ "$(jq -r .policy_file <<<"$("$AF" status --json)")" = "$T/main.yaml" ]
}
