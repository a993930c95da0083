#!/usr/bin/env bats
# A boot that never fails open, part 3, after 2-lastgood.bats: the boot
# enforces the file last applied, and `archfence edit` edits it. Then the
# host loses its last good copy and its policy file breaks (4-nolastgood.bats).

load lib

@test "the boot enforces the file last applied, with no alarm" {
	[ "$(settled)" = active ]
	[[ "$(systemctl show -p StatusText --value archfence)" != *"last good"* ]]
	refused read "$F/secret2/b.txt"
	allowed read "$F/secret/a.txt"
	[ "$(state .policy_file)" = "$P2" ]
	[ "$(state .policy_sha256)" = "$(cat "$F/sha-p2")" ]
	[ "$(alarms | jq length)" -eq 0 ]
	applied=$(journalctl -b 0 -q -o json --no-pager MESSAGE_ID=$MID_APPLIED _SYSTEMD_UNIT=archfence.service | head -n1)
	[ "$(jq -r .ARCHFENCE_POLICY_FILE <<<"$applied")" = "$P2" ]
}

@test "archfence edit edits the policy of the boot, checks it and applies it" {
	cat >"$F/append-comment" <<-'EOF'
	#!/bin/sh
	echo '# edited by the failopen test' >>"$1"
	EOF
	chmod +x "$F/append-comment"
	gen=$(state .generation)
	run env EDITOR="$F/append-comment" "$AFI" edit </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$P2 updated"* ]]
	[ "$(tail -n1 "$P2")" = "# edited by the failopen test" ]
	[ "$(state .generation)" -eq $((gen + 1)) ]
	refused read "$F/secret2/b.txt"
	allowed read "$F/secret/a.txt"
	# the new text is the last good one now
	grep -qx "sha256 $(state .policy_sha256)" "$LG/info"
	grep -q "edited by the failopen test" "$LG/policy.yaml"
}

@test "archfence edit refuses a broken edit: the file and the policy in force stay" {
	cat >"$F/break-it" <<-'EOF'
	#!/bin/sh
	echo 'paths: [unclosed' >>"$1"
	EOF
	chmod +x "$F/break-it"
	sha=$(state .policy_sha256)
	cp "$P2" "$F/p2-before"
	run env EDITOR="$F/break-it" "$AFI" edit </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	cmp "$P2" "$F/p2-before"
	[ "$(state .policy_sha256)" = "$sha" ]
	refused read "$F/secret2/b.txt"
	allowed read "$F/secret/a.txt"
}

@test "unloaded, the last good copy is removed and the policy file broken; reboot" {
	# the service stopped first: its daemon holds the kernel objects it reads
	systemctl stop archfence
	"$AFI" unload
	# nothing is enforced now (the twin of the refusals above)
	allowed read "$F/secret2/b.txt"
	allowed read "$F/open/a.txt"
	rm -rf "$LG"
	echo "paths: [unclosed" >>"$P2"
	run "$AFI" check "$P2"
	[ "$status" -eq 1 ]
	"$AF_TOP/tests/vm/reboot"
}
