#!/usr/bin/env bats
# A boot that never fails open, part 2, after 1-setup.bats: the boot policy
# did not check, so the unit put the last good policy in force, is active,
# and raised a critical alarm. Then another file is applied, to be the
# policy of the next boot (3-p2.bats).

load lib

@test "the unit is active, enforcing the last good policy, and says so" {
	[ "$(settled)" = active ]
	status_text=$(systemctl show -p StatusText --value archfence)
	echo "$status_text"
	[[ "$status_text" == "enforcing: generation 1,"*"the last good policy: $CONF could not be applied" ]]
	[ "$(state .policy_file)" = "$LG/policy.yaml" ]
	[ "$(state .attached)" = true ]
}

@test "the previous policy is enforced from boot, its include included" {
	refused read "$F/secret/a.txt"
	refused read "$F/more/a.txt"
	allowed read "$F/open/a.txt"
	allowed read "$F/secret2/b.txt"
}

@test "the journal has the critical alarm, explained by the catalog" {
	run alarms
	echo "$output"
	[ "$(jq length <<<"$output")" -eq 1 ]
	rec=$(jq '.[0]' <<<"$output")
	[ "$(jq -r .PRIORITY <<<"$rec")" = 2 ]
	[ "$(jq -r .ARCHFENCE_ACTION <<<"$rec")" = last-good ]
	[ "$(jq -r .ARCHFENCE_POLICY_FILE <<<"$rec")" = "$CONF" ]
	[ "$(jq -r .ARCHFENCE_STAGE <<<"$rec")" = check ]
	[[ "$(jq -r .ARCHFENCE_ERROR_TEXT <<<"$rec")" == "$CONF:"* ]]
	[ "$(jq -r .ARCHFENCE_LAST_GOOD <<<"$rec")" = "$LG/policy.yaml" ]
	[ "$(jq -r .ARCHFENCE_LAST_GOOD_SOURCE <<<"$rec")" = "$CONF" ]
	# the policy as applied before the reboot, by the hash of its own files
	[ "$(jq -r .ARCHFENCE_LAST_GOOD_SHA256 <<<"$rec")" = "$(cat "$F/sha-applied")" ]
	[ "$(jq -r .ARCHFENCE_POLICY <<<"$rec")" = "$(state .policy_sha256)" ]
	[ "$(jq -r ._SYSTEMD_UNIT <<<"$rec")" = archfence.service ]
	# critical: among what journalctl -p crit shows
	journalctl -b 0 -p crit -q --no-pager | grep -q "boot policy $CONF could not be applied"
	run journalctl -x -b 0 -q --no-pager MESSAGE_ID=$MID_ALARM
	echo "$output"
	[[ "$output" == *"Subject: archfence could not apply the boot policy"* ]]
	run env LANG=zh_CN.UTF-8 journalctl -x -b 0 -q --no-pager MESSAGE_ID=$MID_ALARM
	[[ "$output" == *"Subject: archfence 无法应用启动策略"* ]]
}

@test "the broken file is not in force, so not protected: root may correct it" {
	run sh -c "echo '# looked at' >>'$CONF'"
	[ "$status" -eq 0 ]
	# the twin: the files in force may not be changed
	run sh -c "echo '# tampered' >>'$LG/policy.yaml'"
	[ "$status" -ne 0 ]
}

@test "archfence apply FILE makes FILE the policy of the next boot; reboot" {
	policy "$P2" <<-EOF
	paths:
	  $F/secret2: secret
	EOF
	run "$AFI" apply "$P2"
	echo "$output"
	[ "$status" -eq 0 ]
	refused read "$F/secret2/b.txt"
	allowed read "$F/secret/a.txt"
	[ "$(cat "$BOOT_RECORD")" = "$P2" ]
	[ "$(cat "$LG/policy.yaml")" = "$(cat "$P2")" ]
	state .policy_sha256 >"$F/sha-p2"
	grep -qx "sha256 $(cat "$F/sha-p2")" "$LG/info"
	"$AF_TOP/tests/vm/reboot"
}
