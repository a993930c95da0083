#!/usr/bin/env bats
# The Debian package, installed as an administrator would: apt-get install
# of the .deb that make deb (or make pkg) left in build/pkg/, the unit
# enabled and started with systemctl, a refused read of a labelled file beside
# an allowed read of an unlabelled one, then apt-get purge, which unloads
# archfence and removes everything but a policy the administrator edited. The
# RPM built from rpm/archfence.spec holds the same files (make pkg writes its
# list beside it; the guest has no rpm).

load lib

AFI=/usr/sbin/archfence
CONF=/etc/archfence/policy.yaml
PKG="$AF_TOP/build/pkg"

deb() {
	local d
	d=$(ls "$PKG"/archfence_*_amd64.deb 2>/dev/null | tail -n 1)
	[ -n "$d" ] || { echo "no .deb in $PKG: run make pkg first" >&2; return 1; }
	echo "$d"
}

# Regular files, one path a line, sorted; each distribution's own places
# mapped to one: Debian 12 keeps units in /lib (merged /usr), zsh looks in
# vendor-completions on Debian and site-functions on RPM systems; Debian's
# changelog.gz is Debian policy's, RPM keeps its changelog in the header,
# and lintian's overrides are Debian's;
# man pages are compressed as each distribution's tools do it.
normalise() {
	sed -e 's|^/lib/systemd/system/|/usr/lib/systemd/system/|' \
	    -e 's|^/usr/share/zsh/vendor-completions/|/usr/share/zsh/site-functions/|' \
	    -e 's#^\(/usr/share/man/.*\)\.\(gz\|xz\|bz2\)$#\1#' |
		grep -v -e '^/usr/share/doc/archfence/changelog' -e '^/usr/share/lintian/' | sort
}

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,open}
	echo "secret data" >"$T/secret/a.txt"
	echo "open data" >"$T/open/a.txt"
	systemctl stop archfence.service 2>/dev/null || true
	rm -rf /etc/archfence
}

teardown_file() {
	"$AFI" unload >/dev/null 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q archfence >/dev/null 2>&1 || true
	rm -rf /etc/archfence
	systemctl daemon-reload
	af_cleanup
}

@test "the RPM holds the same files as the .deb" {
	local d
	d=$(deb)
	[ -s "$PKG/archfence.rpm.list" ]
	dpkg-deb -c "$d" | awk '$1 ~ /^-/ { sub(/^\./, "", $6); print $6 }' | normalise >"$BATS_TEST_TMPDIR/deb"
	normalise <"$PKG/archfence.rpm.list" >"$BATS_TEST_TMPDIR/rpm"
	run diff -u "$BATS_TEST_TMPDIR/deb" "$BATS_TEST_TMPDIR/rpm"
	echo "$output"
	[ "$status" -eq 0 ]
	# and it is the whole installation, not an empty list
	grep -qx /usr/sbin/archfence "$BATS_TEST_TMPDIR/rpm"
	grep -qx /etc/archfence/policy.yaml "$BATS_TEST_TMPDIR/rpm"
}

@test "apt-get install of the .deb puts everything in place, not enabled" {
	local d
	d=$(deb)
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -x "$AFI" ]
	[ -f /lib/systemd/system/archfence.service ]
	[ -f /usr/lib/systemd/catalog/archfence.zh_CN.catalog ]
	[ -f /usr/share/man/man8/archfence.8.gz ]
	[ -f /usr/share/bash-completion/completions/archfence ]
	cmp "$AF_TOP/policy/default.yaml" "$CONF"
	# the policy is a conffile: dpkg never overwrites it once edited
	dpkg-query -W -f='${Conffiles}\n' archfence | grep -q "^ $CONF "
	# the catalog is journald's: journalctl -x explains archfence's records
	journalctl --list-catalog | grep -q bd8c30757d044ddb9c7667e20810bd00
	run systemctl is-enabled archfence.service
	[ "$output" = disabled ]
	[ ! -e /sys/fs/bpf/archfence ]
	"$AFI" check
}

@test "systemctl enable --now archfence: the package's controller enforces the policy" {
	policy "$CONF" <<-EOF
	# the administrator's own policy
	paths:
	  $T/secret: secret
	EOF
	run systemctl enable --now archfence.service
	echo "$output"
	if [ "$status" -ne 0 ]; then
		systemctl status --no-pager archfence.service || true
		journalctl -b --no-pager -u archfence.service | tail -n 40
		return 1
	fi
	systemctl is-active -q archfence.service
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	run "$AFI" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .policy_file <<<"$output")" = "$CONF" ]
	# the edited policy in force is protected like archfence itself
	run sh -c "echo >>$CONF"
	[ "$status" -ne 0 ]
	run sh -c "echo >>$T/open/a.txt"
	[ "$status" -eq 0 ]
}

@test "an upgrade over the enforcing package enforces again with the same policy" {
	local d
	d=$(deb)
	refused read "$T/secret/a.txt"
	# dpkg replaces archfence's protected files: the old package's prerm
	# unloads it, the new one's postinst starts the service again
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
		-o Dpkg::Options::=--force-confold "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	systemctl is-active -q archfence.service
	refused read "$T/secret/a.txt"
	allowed read "$T/open/a.txt"
	grep -q "the administrator's own policy" "$CONF"
}

@test "apt-get purge unloads archfence and removes all but the edited policy" {
	run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q archfence
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$AFI" ]
	[ ! -e /lib/systemd/system/archfence.service ]
	[ ! -e /usr/lib/systemd/catalog/archfence.catalog ]
	[ ! -e /usr/share/man/man8/archfence.8.gz ]
	[ ! -e /var/lib/archfence ]
	[ ! -e /sys/fs/bpf/archfence ]
	# nothing enforces any more: the file refused before is read now
	allowed read "$T/secret/a.txt"
	# the edited policy stays, as it was
	grep -q "the administrator's own policy" "$CONF"
	[ "$(ls -A /etc/archfence)" = policy.yaml ]
	run dpkg-query -W -f='${Status}' archfence
	[[ "$output" != *installed* ]] || [[ "$output" == *not-installed* ]]
}

@test "installing again keeps the edited policy; a purge of an unedited one removes /etc/archfence" {
	local d
	d=$(deb)
	# the policy is there and differs from the package's: dpkg keeps it
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o Dpkg::Options::=--force-confold "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "the administrator's own policy" "$CONF"
	run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q archfence
	[ "$status" -eq 0 ]
	grep -q "the administrator's own policy" "$CONF"
	rm -rf /etc/archfence
	# and the default policy, never edited, goes with the package
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$d"
	[ "$status" -eq 0 ]
	cmp "$AF_TOP/policy/default.yaml" "$CONF"
	run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q archfence
	[ "$status" -eq 0 ]
	[ ! -e /etc/archfence ]
}
