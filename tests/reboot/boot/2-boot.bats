#!/usr/bin/env bats
# A real boot, part 2, after 1-install.bats: archfence.service enforced the
# policy before a service ordered after network-online.target ran.

load ../../e2e/lib
load ../diag

# Failing, a test shows the units, their journal and archfence status.
AF_DIAG_UNITS="archfence.service af-boot-probe.service systemd-tmpfiles-setup.service"
teardown() { af_diag; }

B=/srv/af-boot
AFI=/usr/sbin/archfence
MID_DENY=bd8c30757d044ddb9c7667e20810bd00
MID_APPLIED=99a4984b4c274772be891b3ea509db9f

@test "the unit is enabled and active from boot" {
	[ "$(systemctl is-enabled archfence)" = enabled ]
	[ "$(systemctl is-active archfence)" = active ]
	# at the first attempt: a failed start lets boot go on unprotected
	[ "$(systemctl show -p NRestarts --value archfence)" = 0 ]
	[[ "$(systemctl show -p StatusText --value archfence)" == "enforcing: generation 1,"* ]]
	[ "$("$AFI" status --json | jq -r .attached)" = true ]
}

@test "the policy was in force before a service ordered after network-online.target ran" {
	[ "$(cat "$B/out/probe")" = EACCES ]
	ready=$(systemctl show -p ActiveEnterTimestampMonotonic --value archfence)
	probe=$(systemctl show -p ExecMainStartTimestampMonotonic --value af-boot-probe)
	echo "archfence ready at $ready us after boot, the probe started at $probe us"
	[ "$ready" -gt 0 ] && [ "$probe" -gt "$ready" ]
	run systemd-analyze critical-chain --no-pager af-boot-probe.service
	echo "$output"
}

@test "this boot's journal has the policy applied at boot, then the probe's refusal" {
	applied=$(journalctl -b 0 -q -o json --no-pager MESSAGE_ID=$MID_APPLIED _SYSTEMD_UNIT=archfence.service | head -n1)
	deny=$(journalctl -b 0 -q -o json --no-pager MESSAGE_ID=$MID_DENY ARCHFENCE_UNIT=af-boot-probe.service | head -n1)
	echo "$applied"
	echo "$deny"
	[ "$(jq -r .ARCHFENCE_GENERATION <<<"$applied")" = 1 ]
	[ "$(jq -r .ARCHFENCE_POLICY_FILE <<<"$applied")" = /etc/archfence/policy.yaml ]
	[ "$(jq -r .ARCHFENCE_PATH <<<"$deny")" = "$B/secret/a.txt" ]
	[ "$(jq -r .ARCHFENCE_POLICY <<<"$deny")" = "$(jq -r .ARCHFENCE_POLICY <<<"$applied")" ]
	[ "$(jq -r .__MONOTONIC_TIMESTAMP <<<"$applied")" -lt "$(jq -r .__MONOTONIC_TIMESTAMP <<<"$deny")" ]
}

@test "a label derived before the reboot is back, on the file's new name" {
	refused read "$B/out/moved.txt"
	refused write "$B/out/moved.txt"
	allowed read "$B/out/public.txt"
	run "$AFI" explain "$B/out/moved.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"labels: master-repository"* ]]
	[[ "$output" == *"derived: $B/out/copy.txt, at "*", by mover["* ]]
}
