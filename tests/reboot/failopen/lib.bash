# Shared by the failopen scenario's boots: where its files are, the message
# id of the alarm, and the diagnostics of a failed test.
# shellcheck shell=bash

load ../../e2e/lib
load ../diag

# Failing, a test shows the unit, its journal and archfence status.
AF_DIAG_UNITS="archfence.service"
teardown() { af_diag; }

F=/srv/af-failopen
AFI=/usr/sbin/archfence
CONF=/etc/archfence/policy.yaml
P2=/root/p2.yaml
LG=/var/lib/archfence/last-good
BOOT_RECORD=/var/lib/archfence/boot-policy
MID_ALARM=7c549c9139fe470f8e922dde8e638c96
MID_APPLIED=99a4984b4c274772be891b3ea509db9f

state() { # JQ-FILTER over archfence status --json
	"$AFI" status --json | jq -r "$1"
}

# This boot's records of the alarm, as one JSON array.
alarms() {
	journalctl -b 0 -q -o json --no-pager MESSAGE_ID=$MID_ALARM | jq -s .
}

# The unit, once it is neither activating nor deactivating (at most about 3 min).
settled() {
	local s i
	for i in $(seq 180); do
		s=$(systemctl is-active archfence || true)
		[ "$s" = activating ] || [ "$s" = deactivating ] || break
		sleep 1
	done
	echo "$s"
}
