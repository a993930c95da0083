#!/usr/bin/env bats
# A real boot, part 1: install archfence, enable archfence.service and a
# probe service ordered after network-online.target, and ask for a reboot.
# 2-boot.bats checks the next boot.

load ../../e2e/lib
load ../diag

# Failing, a test shows the units, their journal and archfence status.
AF_DIAG_UNITS="archfence.service af-boot-probe.service systemd-tmpfiles-setup.service"
teardown() { af_diag; }

B=/srv/af-boot
AFI=/usr/sbin/archfence
MID_DENY=bd8c30757d044ddb9c7667e20810bd00
MID_APPLIED=99a4984b4c274772be891b3ea509db9f

@test "install archfence and a network-facing probe service, enable them, reboot" {
	rm -rf "$B" /etc/archfence
	mkdir -p "$B/secret" "$B/master" "$B/out" "$B/bin"
	echo classified >"$B/secret/a.txt"
	echo master-data >"$B/master/m.txt"
	echo public >"$B/out/public.txt"
	cp "$TRY" "$B/bin/mover"
	make -C "$AF_TOP" --no-print-directory -o build/archfence install >/dev/null
	policy /etc/archfence/policy.yaml <<-EOF
	paths:
	  $B/secret: secret
	  $B/master: master-repository
	trusted:
	  mover:
	    exe: $B/bin/mover
	    allow:
	      read: [master-repository]
	      write: [master-repository]
	EOF
	# A network-facing service: its errno on the labelled file, and its life
	# long enough for its unit to be named in the record.
	cat >"$B/probe.py" <<-EOF
	import errno, time
	try:
	    open("$B/secret/a.txt").read()
	    print("ok")
	except OSError as e:
	    print(errno.errorcode[e.errno])
	time.sleep(2)
	EOF
	cat >/etc/systemd/system/af-boot-probe.service <<-EOF
	[Unit]
	Description=archfence boot test: a service that wants the network
	Wants=network-online.target
	After=network-online.target

	[Service]
	Type=oneshot
	RemainAfterExit=yes
	ExecStart=/usr/bin/python3 $B/probe.py
	StandardOutput=file:$B/out/probe
	[Install]
	WantedBy=multi-user.target
	EOF
	systemctl daemon-reload
	systemctl enable archfence.service af-boot-probe.service 2>/dev/null
	[ "$(systemctl is-enabled archfence)" = enabled ]
	# not started now: the next boot starts them
}

@test "a copy of master-repository data, labelled before the reboot, renamed since" {
	"$AFI" apply
	quiet "$B/bin/mover" copy-range "$B/master/m.txt" "$B/out/copy.txt"
	[ "$status" -eq 0 ]
	refused read "$B/out/copy.txt"
	allowed read "$B/out/public.txt"
	"$AFI" events >/dev/null	# the controller records the derived label
	run "$B/bin/mover" rename "$B/out/copy.txt" "$B/out/moved.txt"
	[ "$status" -eq 0 ]
	"$AF_TOP/tests/vm/reboot"
}

