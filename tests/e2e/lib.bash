# Shared by the end-to-end suites. Each suite works in its own directory under
# /srv/af-test and applies its own policies; every enforcement check pairs a
# refused attempt with an allowed one and checks exit status and errno.
# shellcheck shell=bash

AF_TOP=${AF_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
AF="$AF_TOP/build/archfence"
TRY="$AF_TOP/build/helpers/try"
T=/srv/af-test/${BATS_TEST_FILENAME##*/}
T=${T%.bats}

# A policy file from stdin; prints nothing.
policy() { # FILE
	cat >"$1"
}

apply() { # FILE
	run "$AF" apply "$1"
	if [ "$status" -ne 0 ]; then
		echo "archfence apply $1 failed ($status): $output" >&2
		return 1
	fi
}

# try OP ARGS... must be refused with EACCES.
refused() {
	run "$TRY" "$@"
	if [ "$status" -ne 1 ] || [ "$output" != EACCES ]; then
		echo "expected EACCES from: try $*" >&2
		echo "got status $status, output: $output" >&2
		return 1
	fi
}

# try OP ARGS... must succeed.
allowed() {
	run "$TRY" "$@"
	if [ "$status" -ne 0 ] || [ "$output" != ok ]; then
		echo "expected success from: try $*" >&2
		echo "got status $status, output: $output" >&2
		return 1
	fi
}

# A tainted process's output is labelled like its data: whatever file it
# writes (bats' own capture files included) takes its labels, and whoever
# reads its pipes is tainted in turn. Programs that read labelled data
# therefore run with their output on /dev/null and report by exit status
# only; try then exits with the errno itself (13 is EACCES).
quiet() {
	status=0
	TRY_ERRNO_EXIT=1 "$@" >/dev/null 2>&1 || status=$?
}

# quiet PROGRAM try-OP ARGS... must be refused with EACCES / must succeed.
quiet_refused() {
	quiet "$@"
	if [ "$status" -ne 13 ]; then
		echo "expected EACCES (13) from: $*; got status $status" >&2
		return 1
	fi
}

quiet_allowed() {
	quiet "$@"
	if [ "$status" -ne 0 ]; then
		echo "expected success from: $*; got status $status" >&2
		return 1
	fi
}

# A suite's applies record its policy as the one the next boot (or the
# daemon) applies, and keep it as the last good one: unloaded, both go, so
# that the next suite's daemon starts from its own policy.
af_forget_boot_policy() {
	rm -rf /var/lib/archfence/boot-policy /var/lib/archfence/last-good
}

# stat of a labelled file is a listing the policy may refuse (or audit): the
# suites note the inodes and devices they need before they apply a policy.
af_note_stat() { # FILE...
	stat -c '%i %Hd:%Ld %n' "$@" >>"$T/.stat"
}

af_ino() { # FILE
	awk -v f="$1" '{ n = $0; sub(/^[^ ]+ [^ ]+ /, "", n) } n == f { print $1 }' "$T/.stat"
}

af_dev() { # FILE: major:minor
	awk -v f="$1" '{ n = $0; sub(/^[^ ]+ [^ ]+ /, "", n) } n == f { print $2 }' "$T/.stat"
}

af_fresh_tree() {
	"$AF" unload >/dev/null 2>&1 || true
	af_forget_boot_policy
	# Labels earlier suites' tainted processes left on files (bats's own
	# output files among them) would come back at this suite's first apply
	# under this suite's label names, and their readers would add to its
	# counters: each suite starts without them.
	rm -f /var/lib/archfence/derived
	rm -rf "$T"
	mkdir -p "$T"
}

# A process a suite started in the background and left behind (a daemon's
# forked child serving a connection that never closes, say) keeps the write end
# of bats's output pipes, and bats then waits for their end for ever after the
# last test. Every such process adopted by PID 1 is killed, and named.
af_reap() {
	local pipes="" fd pid f link flags
	for fd in 1 2 3; do
		link=$(readlink "/proc/$BASHPID/fd/$fd" 2>/dev/null) || continue
		[[ "$link" == pipe:* ]] && pipes+=" $link"
	done
	[ -n "$pipes" ] || return 0
	for pid in $(ps -e -o pid= -o ppid= | awk '$2 == 1 { print $1 }'); do
		for f in /proc/"$pid"/fd/*; do
			link=$(readlink "$f" 2>/dev/null) || continue
			[[ " $pipes " == *" $link "* ]] || continue
			flags=$(awk '/^flags:/ { print $2 }' "/proc/$pid/fdinfo/${f##*/}" 2>/dev/null)
			[ $((8#${flags:-0} & 3)) -ne 0 ] || continue	# the read end is bats's own
			echo "# killed $pid, left behind: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
			kill -9 "$pid" 2>/dev/null || true
			break
		done
	done
}

# Delete network namespaces with every process still in them (a listener's
# forked children too), so that none outlives its suite.
af_netns_del() { # NAME...
	local ns
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}

af_cleanup() {
	af_reap
	"$AF" unload >/dev/null 2>&1 || true
	af_forget_boot_policy
	rm -rf "$T"
}
