#!/usr/bin/env bats
# The command line where no enforcement is needed, run on this host itself
# (no guest): check's errors and warnings, --json, "did you mean", --help.
# Whatever needs the kernel's programs is tested in tests/e2e in the guest.

bats_require_minimum_version 1.5.0

AF="$BATS_TEST_DIRNAME/../build/archfence"

setup() {
	D=$BATS_TEST_TMPDIR
	mkdir -p "$D/data"
}

@test "check refuses paths on the kernel's pseudo file systems" {
	printf 'paths:\n  /proc/sys: secret\n  /sys/kernel: secret\n  %s/data: secret\n' "$D" >"$D/p.yaml"
	run "$AF" check "$D/p.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"p.yaml:2: path '/proc/sys' is on procfs (/proc), a kernel pseudo file system"* ]]
	[[ "$output" == *"p.yaml:3: path '/sys/kernel' is on sysfs (/sys)"* ]]
	[[ "$output" == *"2 errors, nothing applied"* ]]
	# the ordinary directory alone is fine
	printf 'paths:\n  %s/data: secret\n' "$D" >"$D/p.yaml"
	run "$AF" check "$D/p.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == "policy OK: "* ]]
}

@test "check warns when a built-in label is weakened, and still passes it" {
	printf 'labels:\n  secret: {read: allow}\n  mine: {read: allow, write: allow, send: allow}\npaths:\n  %s/data: secret\n' "$D" >"$D/p.yaml"
	run "$AF" check "$D/p.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"p.yaml:2: warning: built-in label 'secret' is weakened (read: allow)"* ]]
	[[ "$output" != *"'mine'"* ]]
	[[ "$output" == *"policy OK: "* ]]
	# spelled out as strong as built in: no warning
	printf 'labels:\n  secret: {read: deny}\npaths:\n  %s/data: secret\n' "$D" >"$D/p.yaml"
	run "$AF" check "$D/p.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
}

@test "check: [2001:db8::1]:443 is an address and a port; the bare 2001:db8::1:443 is refused" {
	printf 'host:\n  cloud: ["[2001:db8::1]:443"]\n' >"$D/p.yaml"
	run "$AF" check "$D/p.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 cloud ranges"* ]]
	printf 'host:\n  cloud: ["2001:db8::1:443"]\n' >"$D/p.yaml"
	run "$AF" check "$D/p.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is ambiguous"*'"[2001:db8::1]:443"'* ]]
}

@test "check --json: result, errors with file and line, warnings, the policy" {
	printf 'labels:\n  secret: {read: allow}\npaths:\n  %s/data: secret\n' "$D" >"$D/p.yaml"
	run "$AF" check --json "$D/p.yaml"
	[ "$status" -eq 0 ]
	[ "$(jq -r .result <<<"$output")" = ok ]
	[ "$(jq -r '.errors | length' <<<"$output")" -eq 0 ]
	[ "$(jq -r '.warnings[0].line' <<<"$output")" -eq 2 ]
	[[ "$(jq -r '.warnings[0].message' <<<"$output")" == "built-in label 'secret' is weakened"* ]]
	[ "$(jq -r .policy.paths <<<"$output")" -eq 1 ]
	[ "$(jq -r .policy.sha256 <<<"$output" | wc -c)" -eq 65 ]
	printf 'paths:\n  /proc/sys: secret\n  relative: secret\n' >"$D/p.yaml"
	run --separate-stderr "$AF" check --json "$D/p.yaml"
	[ "$status" -eq 1 ]
	[ "$(jq -r .result <<<"$output")" = invalid ]
	[ "$(jq -r '.errors | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.errors[0].file' <<<"$output")" = "$D/p.yaml" ]
	[ "$(jq -r '[.errors[].line] | join(" ")' <<<"$output")" = "2 3" ]
	# stdout is the JSON alone
	[ -z "$stderr" ]
}

@test "apply --json: invalid, dry-run; doctor --json agrees with its exit status" {
	printf 'paths:\n  %s/nosuch/x/../y: secret\n' "$D" >"$D/bad.yaml"
	run --separate-stderr "$AF" apply --json "$D/bad.yaml"
	[ "$status" -eq 1 ]
	[ "$(jq -r .result <<<"$output")" = invalid ]
	[ "$(jq -r '.errors | length' <<<"$output")" -eq 1 ]
	printf 'paths:\n  %s/data: secret\n' "$D" >"$D/p.yaml"
	run --separate-stderr "$AF" apply --dry-run --json "$D/p.yaml"
	[ "$status" -eq 0 ]
	[ "$(jq -r .result <<<"$output")" = dry-run ]
	[ "$(jq -r .dry_run <<<"$output")" = true ]
	[[ "$(jq -r .changes <<<"$output")" == *"+ $D/data = secret"* ]]
	run --separate-stderr "$AF" doctor --json
	echo "$output"
	jq -e . <<<"$output" >/dev/null
	if [ "$status" -eq 3 ]; then
		[ "$(jq -r .can_enforce <<<"$output")" = false ]
		[ "$(jq -r '[.checks[] | select(.status == "fail")] | length' <<<"$output")" -ge 1 ]
	else
		[ "$(jq -r .can_enforce <<<"$output")" = true ]
	fi
	[ "$(jq -r .kernel <<<"$output")" = "$(uname -r)" ]
}

@test "a mistyped command: 'did you mean' and a hint, not the whole usage; every --help has examples" {
	run "$AF" chek
	[ "$status" -eq 2 ]
	[[ "$output" == *"no command 'chek'"* ]]
	[[ "$output" == *"Did you mean check?"* ]]
	[[ "$output" == *"Try 'archfence --help'."* ]]
	[[ "$output" != *"Usage:"* ]]
	local c
	for c in $("$AF" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\).*/\1/p'); do
		run "$AF" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"Examples:"$'\n'"  "[a-zA-Z]* ]] || { echo "$c: no example"; false; }
	done
}
