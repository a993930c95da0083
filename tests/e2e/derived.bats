#!/usr/bin/env bats
# Labels the kernel derived (copies written by a tainted process) keep their
# meaning when the policy changes, go when their label goes, and come back
# after archfence is unloaded and installed again (what a reboot does), even
# when the file was renamed meanwhile.

load lib

REC=/var/lib/archfence/derived

policy_v1() {
	policy "$T/p1.yaml" <<-EOF
	labels:
	  internal: {read: deny, write: deny, send: deny}
	paths:
	  $T/internal: internal
	trusted:
	  mover:
	    exe: $T/bin/mover
	    allow:
	      read: [internal]
	      write: [internal]
	EOF
}

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{internal,open,alpha,beta,bin}
	echo "INTERNAL-$RANDOM" >"$T/internal/doc.txt"
	echo "PUBLIC" >"$T/open/plain.txt"
	echo "ALPHA" >"$T/alpha/a.txt"
	echo "BETA" >"$T/beta/b.txt"
	cp "$TRY" "$T/bin/mover"	# trusted to read and write internal data
	policy_v1
	# a label defined before internal, audit only: had ids shifted, the
	# derived copy would read as alpha, and be let through
	policy "$T/p2.yaml" <<-EOF
	labels:
	  alpha: {read: audit, write: audit, send: audit}
	  internal: {read: deny, write: deny, send: deny}
	paths:
	  $T/alpha: alpha
	  $T/internal: internal
	trusted:
	  mover:
	    exe: $T/bin/mover
	    allow:
	      read: [internal]
	      write: [internal]
	EOF
	# internal gone, a new deny label in its place
	policy "$T/p3.yaml" <<-EOF
	labels:
	  alpha: {read: audit, write: audit, send: audit}
	  beta: {read: deny, write: deny, send: deny}
	paths:
	  $T/alpha: alpha
	  $T/beta: beta
	EOF
}

teardown_file() {
	af_cleanup
}

# A copy of internal/doc.txt at DST, written by the trusted (and so tainted) mover.
derive() { # DST
	quiet "$T/bin/mover" copy-range "$T/internal/doc.txt" "$1"
	[ "$status" -eq 0 ]
	# made, and labelled (stat of it is a refused listing: the controller looks)
	run "$AF" explain "$1"
	[[ "$output" == *internal* ]] || { echo "$output" >&2; false; }
}

@test "a derived label keeps its meaning when the policy adds a label before it" {
	apply "$T/p1.yaml"
	derive "$T/open/copy1.txt"
	refused read "$T/open/copy1.txt"
	allowed read "$T/open/plain.txt"
	apply "$T/p2.yaml"
	refused read "$T/open/copy1.txt"
	allowed read "$T/alpha/a.txt"	# audited, not refused
	allowed read "$T/open/plain.txt"
	run "$AF" explain --json "$T/open/copy1.txt"
	[ "$status" -eq 0 ]
	[ "$(jq -r .labels <<<"$output")" = internal ]
	[ "$(jq -r '.sources[0].kind' <<<"$output")" = derived ]
	[ "$(jq -r .actions.read <<<"$output")" = deny ]
}

@test "removing a label drops what was derived from it; its id does not carry over" {
	apply "$T/p2.yaml"
	derive "$T/open/copy2.txt"
	refused read "$T/open/copy2.txt"
	apply "$T/p3.yaml"
	allowed read "$T/open/copy2.txt"
	refused read "$T/beta/b.txt"
	run "$AF" explain "$T/open/copy2.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"not labelled"* ]]
}

@test "derived labels come back after unload and install, through a rename" {
	"$AF" unload
	apply "$T/p1.yaml"
	derive "$T/open/copy3.txt"
	refused read "$T/open/copy3.txt"
	# the controller records the LABELLED event when it drains the events
	"$AF" events >/dev/null
	jq -e --arg p "$T/open/copy3.txt" 'select(.path == $p and .labels == "internal")' "$REC"
	# renamed by a program allowed to write it: no record of the new name
	run "$T/bin/mover" rename "$T/open/copy3.txt" "$T/open/renamed3.txt"
	[ "$status" -eq 0 ]
	"$AF" unload
	allowed read "$T/open/renamed3.txt"	# nothing enforces now: the label really went
	apply "$T/p1.yaml"
	refused read "$T/open/renamed3.txt"
	refused write "$T/open/renamed3.txt"
	allowed read "$T/open/plain.txt"
	run "$AF" explain "$T/open/renamed3.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"derived: $T/open/copy3.txt, at "*", by mover["* ]]
}

@test "a deleted file's record goes, and a new file at its path is not labelled" {
	"$AF" unload
	apply "$T/p1.yaml"
	derive "$T/open/copy4.txt"
	"$AF" events >/dev/null
	run "$T/bin/mover" unlink "$T/open/copy4.txt"
	[ "$status" -eq 0 ]
	echo fresh >"$T/open/copy4.txt"
	"$AF" unload
	apply "$T/p1.yaml"
	allowed read "$T/open/copy4.txt"
	refused read "$T/internal/doc.txt"
	run jq -c --arg p "$T/open/copy4.txt" 'select(.path == $p)' "$REC"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "only the controller may change the record of derived labels" {
	apply "$T/p1.yaml"
	[ -e "$REC" ]
	# archfence's own files: EPERM, as for its maps and pins
	run "$TRY" write "$REC"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$TRY" unlink "$REC"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$TRY" create "$(dirname "$REC")/forged"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	allowed read "$REC"
	allowed create "$T/open/new.txt"
}
