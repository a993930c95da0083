#!/usr/bin/env bats
# Sends judged where the packet really goes: the packets of a socket a
# tainted process sent on are judged again as they leave (egress.bpf.c),
# after source routes, traffic control, tunnels and the choice of the next
# hop. Each attack passes the socket hooks (its address is not a cloud
# one), is made once by a tainted sender and once by the same program
# untainted, and the cloud namespace's wire says what arrived: a packet
# sniffer there (not tainted by what it sees) writes down the destination
# and marker of every packet that reaches it.

load lib

CLOUD4=10.20.0.2

setup_file() {
	af_fresh_tree
	modprobe veth
	mkdir -p "$T"/{master,open,bin}
	echo "MASTER-$RANDOM" >"$T/master/index.db"
	echo "PUBLIC-$RANDOM" >"$T/open/readme.txt"
	cp /usr/bin/python3 "$T/bin/pybackup"
	: >"$T/pids"
	: >"$T/wire"
	# another suite's namespace of the same name may linger (a process in it)
	af_netns_del cloud
	ip link del af-cloud 2>/dev/null || true
	ip netns add cloud
	ip link add af-cloud type veth peer name eth0 netns cloud
	ip addr add 10.20.0.1/24 dev af-cloud
	ip link set af-cloud up
	ip -n cloud addr add "$CLOUD4/24" dev eth0
	ip -n cloud link set eth0 up
	ip -n cloud link set lo up
	ip netns exec cloud python3 -c "
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(('eth0', 0))
out = open(sys.argv[1], 'a')
while True:
    d = s.recv(65535)
    i = d.find(b'EGR-')
    if i < 0 or len(d) < 34 or d[12:14] != b'\x08\x00':
        continue
    out.write('%s %s\n' % (socket.inet_ntoa(d[30:34]), d[i:i + 24].split(b'.')[0].decode()))
    out.flush()
" "$T/wire" &
	echo $! >>"$T/pids"
	# The sender: reads SRC (labelled or not), then sends MARKER by way of WAY.
	cat >"$T/send.py" <<-'EOF'
	import socket, sys, time
	src, way, marker = sys.argv[1:4]
	open(src, 'rb').read()
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	try:
	    if way == 'lsrr':
	        # loose source route: first hop ARG4, then the destination ARG5
	        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS,
	                     bytes([1, 131, 7, 4]) + socket.inet_aton(sys.argv[4]))
	        s.sendto(marker.encode() + b'.', (sys.argv[5], 9001))
	    else:
	        s.sendto(marker.encode() + b'.', (sys.argv[4], 9001))
	except OSError as e:
	    sys.exit(e.errno)
	time.sleep(0.3)
	EOF
	policy "$T/policy.yaml" <<-EOF
	host:
	  cloud:
	    - 10.20.0.0/16
	paths:
	  $T/master: master-repository
	trusted:
	  pybackup:
	    exe: $T/bin/pybackup
	    allow:
	      read: [master-repository]
	EOF
	apply "$T/policy.yaml"
}

teardown_file() {
	xargs -r kill <"$T/pids" 2>/dev/null || true
	ip link del af-tun 2>/dev/null || true
	af_netns_del cloud
	ip route del 192.0.2.77/32 2>/dev/null || true
	af_cleanup
}

# send TAINTED|UNTAINTED WAY MARKER ARGS...: status is the sender's errno, or 0.
send() {
	local src=$T/open/readme.txt
	[ "$1" = TAINTED ] && src=$T/master/index.db
	quiet "$T/bin/pybackup" "$T/send.py" "$src" "$2" "$3" "${@:4}"
}

# on_wire DADDR MARKER: a packet for DADDR carrying MARKER reached the cloud.
on_wire() {
	sleep 0.5
	grep -q "^$1 $2\$" "$T/wire"
}

@test "the egress check is on every interface, and status says so" {
	run "$AF" status
	echo "$output"
	[ "$status" -eq 0 ]
	n=$(ls /sys/class/net | grep -cv '^lo$')
	[[ "$output" == *"egress:      checked on $n of $n interfaces"* ]]
	run tc filter show dev af-cloud egress
	[[ "$output" == *"af_egress_tc"* ]]
	run "$AF" doctor
	[[ "$output" == *"the egress check is on all $n interfaces"* ]]
}

@test "control: a tainted datagram to a non-cloud address leaves (the cloud link is its way)" {
	ip route replace 192.0.2.77/32 dev af-cloud
	ip neigh replace 192.0.2.77 lladdr "$(ip -n cloud -br link show eth0 | awk '{print $3}')" \
		dev af-cloud
	send TAINTED udp EGR-T-plain 192.0.2.77
	[ "$status" -eq 0 ]
	on_wire 192.0.2.77 EGR-T-plain
	ip route del 192.0.2.77/32
}

@test "a source route whose first hop is a cloud address: dropped tainted, sent untainted" {
	send UNTAINTED lsrr EGR-U-lsrr "$CLOUD4" 192.0.2.9
	[ "$status" -eq 0 ]
	on_wire "$CLOUD4" EGR-U-lsrr
	send TAINTED lsrr EGR-T-lsrr "$CLOUD4" 192.0.2.9
	# dropped at the cgroup egress hook: the sender sees EPERM
	[ "$status" -eq 1 ]
	! on_wire "$CLOUD4" EGR-T-lsrr
}

@test "a route through a cloud router: dropped tainted, sent untainted" {
	ip route replace 192.0.2.77/32 via "$CLOUD4"
	send UNTAINTED udp EGR-U-gw 192.0.2.77
	[ "$status" -eq 0 ]
	on_wire 192.0.2.77 EGR-U-gw
	send TAINTED udp EGR-T-gw 192.0.2.77
	[ "$status" -eq 0 ] # dropped by the device: UDP does not tell
	! on_wire 192.0.2.77 EGR-T-gw
	ip route del 192.0.2.77/32
}

@test "tc nat rewriting a datagram's destination to a cloud address after the socket hooks" {
	ip route replace 192.0.2.77/32 dev af-cloud
	ip neigh replace 192.0.2.77 lladdr "$(ip -n cloud -br link show eth0 | awk '{print $3}')" \
		dev af-cloud
	tc filter add dev af-cloud egress protocol ip prio 10 u32 match ip dst 192.0.2.77/32 \
		action nat ingress 192.0.2.77/32 "$CLOUD4" continue
	send UNTAINTED udp EGR-U-nat 192.0.2.77
	[ "$status" -eq 0 ]
	on_wire "$CLOUD4" EGR-U-nat
	send TAINTED udp EGR-T-nat 192.0.2.77
	[ "$status" -eq 0 ]
	sleep 0.5
	! grep -q "^$CLOUD4 EGR-T-nat\$" "$T/wire"
	tc filter del dev af-cloud egress prio 10
	ip route del 192.0.2.77/32
}

@test "an IP tunnel to a cloud address, made after archfence loaded: the outer packet is judged" {
	modprobe ipip
	ip tunnel add af-tun mode ipip remote "$CLOUD4" local 10.20.0.1
	ip addr add 172.31.0.1/30 dev af-tun
	ip link set af-tun up
	send UNTAINTED udp EGR-U-tun 172.31.0.2
	[ "$status" -eq 0 ]
	on_wire "$CLOUD4" EGR-U-tun
	send TAINTED udp EGR-T-tun 172.31.0.2
	[ "$status" -eq 0 ]
	! on_wire "$CLOUD4" EGR-T-tun
	# the new interfaces themselves wait for the daemon, which puts the check on them
	run "$AF" status
	[[ "$output" == *"interfaces (loopback aside)  (NOT ENFORCING FULLY)"* ]]
	"$AF" daemon >/dev/null 2>&1 &
	daemon=$!
	n=$(ls /sys/class/net | grep -cv '^lo$')
	for _ in $(seq 100); do
		run "$AF" status
		[[ "$output" == *"egress:      checked on $n of $n interfaces (loopback aside)"$'\n'* ]] && break
		sleep 0.2
	done
	kill "$daemon"
	wait "$daemon" || true
	echo "$output"
	[[ "$output" == *"egress:      checked on $n of $n interfaces (loopback aside)"$'\n'* ]]
	run tc filter show dev af-tun egress
	[[ "$output" == *"af_egress_tc"* ]]
}

@test "raw sockets (IP_HDRINCL) and /dev/net/tun stay refused to a tainted process" {
	quiet "$T/bin/pybackup" -c "
import socket, sys
open('$T/master/index.db').read()
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
except OSError as e:
    sys.exit(e.errno)"
	[ "$status" -eq 13 ]
	quiet "$T/bin/pybackup" -c "
import os, sys
open('$T/master/index.db').read()
try:
    os.open('/dev/net/tun', os.O_RDWR)
except OSError as e:
    sys.exit(e.errno)"
	[ "$status" -eq 13 ]
	quiet_allowed "$T/bin/pybackup" -c "
import socket, os
open('$T/open/readme.txt').read()
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
os.close(os.open('/dev/net/tun', os.O_RDWR))"
}

@test "unload takes the egress check off every interface, and leaves the host's filters" {
	tc filter add dev af-cloud egress protocol ip prio 20 u32 match ip dst 192.0.2.1/32 action ok
	run "$AF" unload
	[ "$status" -eq 0 ]
	run tc filter show dev af-cloud egress
	echo "$output"
	[[ "$output" != *"af_egress_tc"* ]]
	[[ "$output" == *"u32"* ]]
	run bpftool cgroup show /sys/fs/cgroup
	[[ "$output" != *"af_egress_cgroup"* ]]
}
