#!/usr/bin/env bats
# A boot that never fails open, part 4, after 3-p2.bats: with a broken boot
# policy and no last good copy, nothing can be enforced. The unit does not
# pretend otherwise nor restart forever: after a bounded number of attempts
# it is failed, listed by `systemctl --failed`, with a critical alarm. Then
# the policy is corrected and the unit started again.

load lib

@test "the unit ends failed, not activating, within its start limit" {
	[ "$(settled)" = failed ]
	systemctl is-failed --quiet archfence
	run systemctl show -p Result,NRestarts,StartLimitBurst,StartLimitIntervalUSec archfence
	echo "$output"
	burst=$(sed -n 's/^StartLimitBurst=//p' <<<"$output")
	restarts=$(sed -n 's/^NRestarts=//p' <<<"$output")
	[ "$burst" -ge 1 ] && [ "$burst" -le 10 ]
	[ "$restarts" -le "$burst" ]
	grep -Eq '^Result=(start-limit-hit|exit-code)$' <<<"$output"
	systemctl list-units --failed --plain --no-legend | grep -q '^archfence.service'
	run "$AFI" status
	[[ "$output" == *"not loaded"* ]]
}

@test "each attempt raised the critical alarm: nothing is enforced" {
	run alarms
	echo "$output" | jq -c '.[] | {PRIORITY, ARCHFENCE_ACTION, ARCHFENCE_POLICY_FILE, ARCHFENCE_STAGE}'
	n=$(jq length <<<"$output")
	[ "$n" -ge 1 ]
	[ "$(jq -r '[.[] | .PRIORITY] | unique | join(",")' <<<"$output")" = 2 ]
	[ "$(jq -r '[.[] | .ARCHFENCE_ACTION] | unique | join(",")' <<<"$output")" = none ]
	[ "$(jq -r '.[0].ARCHFENCE_POLICY_FILE' <<<"$output")" = "$P2" ]
	[[ "$(jq -r '.[0].MESSAGE' <<<"$output")" == *"no last good policy: nothing is enforced" ]]
}

@test "corrected and started again, the unit enforces the policy" {
	policy "$P2" <<-EOF
	paths:
	  $F/secret2: secret
	EOF
	systemctl reset-failed archfence
	systemctl start archfence
	[ "$(systemctl is-active archfence)" = active ]
	refused read "$F/secret2/b.txt"
	allowed read "$F/secret/a.txt"
	[ -f "$LG/policy.yaml" ]
}
