#!/usr/bin/env bats
# Applying policies: atomic switches with no window, and bad input that gets
# a clear error and changes nothing (checked by enforcement afterwards).

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{a,b,open,bin}
	echo "a data" >"$T/a/f.txt"
	echo "b data" >"$T/b/f.txt"
	echo "open data" >"$T/open/f.txt"
	ln -s "$T/a" "$T/link-to-a"
	printf '#!/bin/sh\n' >"$T/bin/not-executable"
	policy "$T/p1.yaml" <<-EOF
	paths:
	  $T/a: secret
	  $T/b: secret
	EOF
	policy "$T/p2.yaml" <<-EOF
	paths:
	  $T/a: [master-repository, secret]
	  $T/b: sensitive
	EOF
	apply "$T/p1.yaml"
}

teardown_file() {
	af_cleanup
}

# The policy in force is still p1: a refused, open allowed, same generation.
unchanged() { # GENERATION
	refused read "$T/a/f.txt"
	refused read "$T/b/f.txt"
	allowed read "$T/open/f.txt"
	run "$AF" status --json
	[ "$(jq -r .generation <<<"$output")" = "$1" ]
	[ "$(jq -r .policy_file <<<"$output")" = "$T/p1.yaml" ]
}

# bad NAME LINE-MESSAGE: a policy from stdin is refused with that message.
bad() {
	cat >"$T/bad-$1.yaml"
	run "$AF" apply "$T/bad-$1.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$2"* ]]
	[[ "$output" == *"nothing applied"* ]]
}

@test "1,000 applies alternating two policies while a reader loops: not one successful read" {
	gen0=$("$AF" status --json | jq .generation)
	python3 -c "
import os, time
ok = refused = 0
end = time.time() + 600
while not os.path.exists('$T/stop') and time.time() < end:
    try:
        os.close(os.open('$T/a/f.txt', os.O_RDONLY)); ok += 1
    except PermissionError:
        refused += 1
open('$T/reader.out', 'w').write('%d %d\\n' % (ok, refused))
" &
	reader=$!
	for i in $(seq 500); do
		"$AF" apply "$T/p2.yaml" >/dev/null || { echo "apply p2 failed at $i"; break; }
		"$AF" apply "$T/p1.yaml" >/dev/null || { echo "apply p1 failed at $i"; break; }
	done
	touch "$T/stop"
	wait "$reader"
	read -r ok refused <"$T/reader.out"
	echo "reader: $ok successful opens, $refused refused"
	[ "$ok" -eq 0 ]
	[ "$refused" -gt 100 ]
	gen=$("$AF" status --json | jq .generation)
	[ "$gen" -eq $((gen0 + 1000)) ]
	allowed read "$T/open/f.txt"
}

@test "--dry-run shows what would apply and changes nothing" {
	gen=$("$AF" status --json | jq .generation)
	run "$AF" apply --dry-run "$T/p2.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"would apply"* ]]
	unchanged "$gen"
}

@test "bad input: syntax errors, unknown keys and labels, all reported, nothing changes" {
	gen=$("$AF" status --json | jq .generation)
	bad syntax "bad-syntax.yaml:3: YAML syntax error" <<-EOF
	paths:
	  - [unclosed
	EOF
	bad unknown-key "bad-unknown-key.yaml:1: unknown key 'pathz' at the top level (did you mean 'paths'?)" <<-EOF
	pathz:
	  $T/a: secret
	EOF
	bad unknown-label "unknown label 'secrte' (did you mean 'secret'?)" <<-EOF
	paths:
	  $T/a: secrte
	EOF
	bad dup-label "bad-dup-label.yaml:3: duplicate key 'extra' (first at line 2)" <<-EOF
	labels:
	  extra: {read: deny, write: deny, send: deny}
	  extra: {read: deny, write: deny, send: deny}
	EOF
	unchanged "$gen"
}

@test "bad input: paths that can never exist, relative, twice, symlinks, /, archfence's own" {
	gen=$("$AF" status --json | jq .generation)
	# (a path that does not exist yet is pending, not an error: pending.bats)
	bad missing "does not exist: Not a directory" <<-EOF
	paths:
	  $T/open/f.txt/below: secret
	EOF
	bad relative "relative" <<-EOF
	paths:
	  srv/a: secret
	EOF
	bad twice "bad-twice.yaml:3:" <<-EOF
	paths:
	  $T/a: secret
	  $T//a/: sensitive
	EOF
	bad symlink "$T/a" <<-EOF
	paths:
	  $T/link-to-a: secret
	EOF
	bad root "/" <<-EOF
	paths:
	  /: secret
	EOF
	bad own-binary "controller" <<-EOF
	paths:
	  $AF: secret
	EOF
	unchanged "$gen"
}

@test "bad input: CIDRs, ports and trusted programs" {
	gen=$("$AF" status --json | jq .generation)
	bad cidr "10.20.1.0/16 has host bits set; did you mean 10.20.0.0/16?" <<-EOF
	host:
	  cloud: [10.20.1.0/16]
	EOF
	bad port "port" <<-EOF
	host:
	  cloud: ["10.0.0.0/8:70000"]
	EOF
	bad trusted-missing "does not exist" <<-EOF
	trusted:
	  x:
	    exe: $T/bin/nope
	    allow: {read: [secret]}
	EOF
	bad trusted-noexec "not executable" <<-EOF
	trusted:
	  x:
	    exe: $T/bin/not-executable
	    allow: {read: [secret]}
	EOF
	unchanged "$gen"
}

@test "bad input: empty, binary, huge and unreadable files" {
	gen=$("$AF" status --json | jq .generation)
	bad empty "empty" </dev/null
	head -c 4096 /dev/urandom | bad binary "not a text file"
	: >"$T/huge.yaml"
	truncate -s 100M "$T/huge.yaml"
	run "$AF" apply "$T/huge.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"at most 4 MiB"* ]]
	run "$AF" apply "$T/open"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a regular file"* ]]
	rm -f "$T/huge.yaml"
	unchanged "$gen"
}

# A policy A in force, and B: one labelled path added (UTF-8), one removed,
# one relabelled, one kept. Tests below run in this order.
dry_policies() {
	mkdir -p "$T"/dry/{keep,gone,relabel,新档案}
	for d in keep gone relabel 新档案; do echo "$d data" >"$T/dry/$d/f.txt"; done
	policy "$T/dry-a.yaml" <<-EOF
	paths:
	  $T/dry/keep: secret
	  $T/dry/gone: secret
	  $T/dry/relabel: sensitive
	EOF
	policy "$T/dry-b.yaml" <<-EOF
	paths:
	  $T/dry/relabel: [secret, master-repository]
	  $T/dry/新档案: secret
	  $T/dry/keep: secret
	EOF
}

@test "--dry-run lists the paths added, removed and relabelled, and changes nothing" {
	dry_policies
	apply "$T/dry-a.yaml"
	gen=$("$AF" status --json | jq .generation)
	run "$AF" apply --dry-run "$T/dry-b.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]%%:*}" = "would apply" ]
	[[ "$output" == *"changes against the policy in force (generation $gen, $T/dry-a.yaml, sha256 "* ]]
	# exactly three path lines, sorted by path
	diff -u - <(grep '^[-+~] /' <<<"$output") <<-EOF
	- $T/dry/gone = secret
	~ $T/dry/relabel: sensitive -> master-repository,secret
	+ $T/dry/新档案 = secret
	EOF
	[[ "$output" == *"inodes with policy labels: "*" (1 becomes labelled, 1 stops being labelled, "* ]]
	# nothing applied: gone is still refused, 新档案 still open, A still in force
	refused read "$T/dry/gone/f.txt"
	allowed read "$T/dry/新档案/f.txt"
	run "$AF" status --json
	[ "$(jq -r .generation <<<"$output")" = "$gen" ]
	[ "$(jq -r .policy_file <<<"$output")" = "$T/dry-a.yaml" ]
}

@test "--dry-run of the policy in force: no changes" {
	gen=$("$AF" status --json | jq .generation)
	run "$AF" apply --dry-run "$T/dry-a.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]%%:*}" = "would apply" ]
	[ "${lines[2]}" = "no changes: $T/dry-a.yaml is the policy in force" ]
	[ "${#lines[@]}" -eq 3 ]
	refused read "$T/dry/gone/f.txt"
	allowed read "$T/open/f.txt"
	[ "$("$AF" status --json | jq .generation)" = "$gen" ]
}
