#!/usr/bin/env bats
# A boot that never fails open, part 1: install archfence with a policy and
# an include directory, apply it (a copy is kept as the last good policy),
# then break the policy file while archfence is unloaded, and reboot.
# 2-lastgood.bats checks that the boot enforces the last good policy.

load lib

@test "install archfence, enable the unit, write a policy with an include directory" {
	"$AFI" unload >/dev/null 2>&1 || true
	rm -rf "$F" /etc/archfence "$LG" "$BOOT_RECORD" "$P2"
	mkdir -p "$F"/{secret,more,secret2,open}
	echo classified >"$F/secret/a.txt"
	echo more-classified >"$F/more/a.txt"
	echo classified-2 >"$F/secret2/b.txt"
	echo public >"$F/open/a.txt"
	make -C "$AF_TOP" --no-print-directory -o build/archfence install >/dev/null
	mkdir -p /etc/archfence/policy.d
	policy "$CONF" <<-EOF
	# 档案: the site's policy (UTF-8 before the include line)
	include: "/etc/archfence/policy.d"   # drop-ins
	paths:
	  $F/secret: secret
	EOF
	policy /etc/archfence/policy.d/10-more.yaml <<-EOF
	paths:
	  $F/more: secret
	EOF
	systemctl daemon-reload
	systemctl enable archfence.service 2>/dev/null
	[ "$(systemctl is-enabled archfence)" = enabled ]
}

@test "apply keeps the policy as the last good one, the include structure with it" {
	run "$AFI" apply
	echo "$output"
	[ "$status" -eq 0 ]
	refused read "$F/secret/a.txt"
	refused read "$F/more/a.txt"
	allowed read "$F/open/a.txt"
	sha=$(state .policy_sha256)
	echo "$sha" >"$F/sha-applied"
	# the boot policy, and the copy: main file, include, notes
	[ "$(cat "$BOOT_RECORD")" = "$CONF" ]
	[ -f "$LG/policy.yaml" ] && [ -f "$LG/policy.d/10-more.yaml" ]
	cmp /etc/archfence/policy.d/10-more.yaml "$LG/policy.d/10-more.yaml"
	grep -qx "sha256 $sha" "$LG/info"
	grep -qx "source $CONF" "$LG/info"
	# only the include line differs: it names the copied include directory
	changed=$(diff "$CONF" "$LG/policy.yaml" | grep '^[<>]' || true)
	echo "$changed"
	[ "$changed" = "< include: \"/etc/archfence/policy.d\"   # drop-ins
> include: $LG/policy.d   # drop-ins" ]
	run "$AFI" check "$LG/policy.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	# the copy's own hash, as archfence computes it, is in the notes
	csha=$(sed -n 's/^policy OK: .*sha256 \([0-9a-f]*\)$/\1/p' <<<"$output")
	grep -qx "copy-sha256 $csha" "$LG/info"
}

@test "the last good copy carries archfence's label: root cannot change it, the controller can" {
	run sh -c "echo '# tampered' >>'$LG/policy.yaml'"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run sh -c "echo '# tampered' >>'$BOOT_RECORD'"
	[ "$status" -ne 0 ]
	# the twin: an unlabelled file beside the tree takes the same write
	run sh -c "echo '# fine' >>'$F/open/a.txt'"
	[ "$status" -eq 0 ]
	# the controller replaces it at the next apply, whole
	run "$AFI" apply
	[ "$status" -eq 0 ]
	grep -qx "sha256 $(cat "$F/sha-applied")" "$LG/info"
	run grep -c tampered "$LG/policy.yaml"
	[ "$output" = 0 ]
}

@test "unloaded, the policy file is broken (a YAML syntax error); reboot" {
	"$AFI" unload
	echo "paths: [unclosed" >>"$CONF"
	run "$AFI" check
	[ "$status" -eq 1 ]
	[[ "$output" == *"$CONF:"* ]]
	"$AF_TOP/tests/vm/reboot"
}
