# When a test that involves a reboot or a service fails, what an admin would
# look at next: the state of the units involved, their journal for this boot,
# and archfence status. Printed only for a failed test; bats shows it under
# the test's "not ok" line.
#
#   load ../diag                        (from tests/reboot/SCENARIO/*.bats)
#   load ../reboot/diag                 (from tests/e2e/*.bats)
#   AF_DIAG_UNITS="archfence.service my-probe.service"
#   teardown() { af_diag; }
#
# af_diag [UNIT...] takes the units from its arguments, else $AF_DIAG_UNITS
# (which may be empty: no unit), else archfence.service. The archfence shown is $AFI if set (the installed
# one), else $AF (the build's).
# shellcheck shell=bash

AF_DIAG_LINES=${AF_DIAG_LINES:-80}	# journal lines per unit

# Whether the test that has just run failed (not passed, not skipped).
af_diag_failed() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -z "${BATS_TEST_SKIPPED:-}" ]
}

af_diag() { # [UNIT...]
	af_diag_failed || return 0
	af_diag_print "$@"
	return 0
}

# Print the diagnostics whatever the outcome (for a setup_file or a helper
# that has just seen something go wrong).
af_diag_print() { # [UNIT...]
	local units u af=${AFI:-${AF:-archfence}}
	if [ $# -gt 0 ]; then
		units=("$@")
	else
		read -r -a units <<<"${AF_DIAG_UNITS-archfence.service}"
	fi
	echo "--- diagnostics (boot ${ARCHFENCE_VM_BOOT:-?}, $(cut -d' ' -f1 /proc/uptime) s after boot) ---"
	for u in "${units[@]}"; do
		echo "--- systemctl status $u"
		SYSTEMD_COLORS=0 systemctl status --no-pager --full --lines=0 "$u" 2>&1
		echo "--- journalctl -b 0 -u $u (last $AF_DIAG_LINES lines)"
		SYSTEMD_COLORS=0 journalctl -b 0 -u "$u" --no-pager -q -o short-monotonic \
			-n "$AF_DIAG_LINES" 2>&1
	done
	echo "--- systemctl --failed; jobs still queued"
	SYSTEMD_COLORS=0 systemctl --failed --no-pager --plain --no-legend 2>&1
	SYSTEMD_COLORS=0 systemctl list-jobs --no-pager --plain --no-legend 2>&1
	echo "--- journalctl -b 0 -p warning (last 30 lines)"
	SYSTEMD_COLORS=0 journalctl -b 0 -p warning --no-pager -q -o short-monotonic -n 30 2>&1
	echo "--- $af status"
	"$af" status 2>&1
	echo "--- end of diagnostics"
}
