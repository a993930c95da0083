#!/usr/bin/env bats
# archfence upgrade: the controller in force swaps itself and its BPF build
# for another build whose maps differ (make variant), with no moment when a
# labelled file can be read, and carries the kernel's state over.

load lib

POKE="$AF_TOP/build/helpers/bpfpoke"
PINS=/sys/fs/bpf/archfence
VARIANT="$AF_TOP/build/variant/archfence"

setup_file() {
	af_fresh_tree
	[ -x "$VARIANT" ] || { echo "build/variant/archfence is missing: make variant" >&2; return 1; }
	mkdir -p "$T"/{secret,master,open,bin}
	echo "secret data" >"$T/secret/a.txt"
	echo "MASTER-$RANDOM" >"$T/master/m.txt"
	echo "open data" >"$T/open/plain.txt"
	cp "$AF" "$T/bin/archfence"		# the installed controller, build A
	cp "$TRY" "$T/bin/mover"		# trusted to read and write master-repository
	cp /bin/bash "$T/bin/reader"		# trusted to read it, and so tainted by it
	policy "$T/policy.yaml" <<-EOF
	paths:
	  $T/secret: secret
	  $T/master: master-repository
	trusted:
	  mover:
	    exe: $T/bin/mover
	    allow:
	      read: [master-repository]
	      write: [master-repository]
	  reader:
	    exe: $T/bin/reader
	    allow:
	      read: [master-repository]
	EOF
}

teardown_file() {
	touch "$T/stop"
	[ ! -e "$T/pids" ] || xargs -r kill <"$T/pids" 2>/dev/null || true
	"$T/bin/archfence" unload >/dev/null 2>&1 || true
	af_cleanup
}

@test "only an archfence build is taken for an upgrade; nothing changes otherwise" {
	run "$T/bin/archfence" apply "$T/policy.yaml"
	[ "$status" -eq 0 ]
	before=$(sha256sum <"$T/bin/archfence")
	run "$T/bin/archfence" upgrade /bin/true
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not run as archfence"* ]]
	[ "$(sha256sum <"$T/bin/archfence")" = "$before" ]
	# the variant itself is not the controller in force: it may not touch the pins
	run "$VARIANT" upgrade "$T/bin/archfence"
	[ "$status" -ne 0 ]
	refused read "$T/secret/a.txt"
	allowed read "$T/open/plain.txt"
}

@test "upgrade to a build whose maps differ: no read gets through meanwhile, state carried over" {
	run "$T/bin/archfence" apply "$T/policy.yaml"
	[ "$status" -eq 0 ]
	[ ! -e "$PINS/maps/af_variant" ]
	# a derived label, and a tainted process that outlives the upgrade
	quiet "$T/bin/mover" copy-range "$T/master/m.txt" "$T/open/copy.txt"
	[ "$status" -eq 0 ]
	refused read "$T/open/copy.txt"
	mkfifo "$T/go"
	# (its output is labelled like its data: it reports by exit status only)
	"$T/bin/reader" -c "read -r d < '$T/master/m.txt'; read -r _ < '$T/go';
		echo \"\$d\" > '$T/open/leak.txt'" >/dev/null 2>&1 3>&- &
	tainted=$!
	echo "$tainted" >>"$T/pids"
	# readers that must never succeed while the builds swap
	( while [ ! -e "$T/stop" ]; do
		if "$TRY" read "$T/secret/a.txt" >/dev/null 2>&1; then echo leaked; else echo refused; fi
	done ) >"$T/loop.out" 3>&- &
	loop=$!
	echo "$loop" >>"$T/pids"
	sleep 1
	run "$T/bin/archfence" upgrade "$VARIANT"
	echo "$output"
	touch "$T/stop"
	wait "$loop"
	[ "$status" -eq 0 ]
	[[ "$output" == *"upgraded"* ]]
	[ "$(grep -c leaked "$T/loop.out")" -eq 0 ]
	[ "$(grep -c refused "$T/loop.out")" -gt 0 ]
	# the new build is in force, alone
	cmp -s "$T/bin/archfence" "$VARIANT"
	[ -e "$PINS/maps/af_variant" ]
	[ ! -e "${PINS}_new" ] && [ ! -e "${PINS}_old" ]
	run "$T/bin/archfence" status --json
	[ "$(jq -r .attached <<<"$output")" = true ]
	[ "$(jq '[.programs[] | select(.name == "af_file_open")] | length' <<<"$output")" -eq 1 ]
	# enforcement, with its allowed twins
	refused read "$T/secret/a.txt"
	allowed read "$T/open/plain.txt"
	refused read "$T/open/copy.txt"		# the derived label came along
	# the taint came along: what the reader read it may not write out
	echo go >"$T/go"
	rc=0
	wait "$tainted" || rc=$?
	[ "$rc" -ne 0 ]
	[ ! -s "$T/open/leak.txt" ]
	run "$T/bin/reader" -c "echo clean > '$T/open/clean.txt'"
	[ "$status" -eq 0 ]
	allowed read "$T/open/clean.txt"
	# the new build protects itself from root; its controller works
	run "$POKE" obj-get "$PINS/maps/af_labels"
	[ "$status" -eq 1 ] && [ "$output" = EPERM ]
	run "$T/bin/archfence" apply "$T/policy.yaml"
	[ "$status" -eq 0 ]
}

@test "after the upgrade, the old build's controller is no controller" {
	run "$AF" status
	[ "$status" -ne 0 ]
	run "$AF" unload
	[ "$status" -ne 0 ]
	refused read "$T/secret/a.txt"
	run "$T/bin/archfence" unload
	[ "$status" -eq 0 ]
	allowed read "$T/secret/a.txt"
}
