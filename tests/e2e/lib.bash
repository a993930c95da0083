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

af_fresh_tree() {
	"$AF" unload >/dev/null 2>&1 || true
	af_forget_boot_policy
	rm -rf "$T"
	mkdir -p "$T"
}

af_cleanup() {
	"$AF" unload >/dev/null 2>&1 || true
	af_forget_boot_policy
	rm -rf "$T"
}
