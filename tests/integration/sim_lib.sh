# sim_lib.sh — what the tocsin-sim scripts share: a private mosquitto on a
# free loopback port, an acknowledgment recorder, bounded waits.
# Sourced after lib.sh; the caller's EXIT trap calls sim_cleanup.
# Needs: $tmp (a private folder).

bpid=
subpid=
simpid=
port=
P=tocsin/v1

# free_port: print a loopback TCP port nobody listens on
free_port() {
	loopback_port
}

# port_open PORT: whether something accepts on 127.0.0.1:PORT
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

. "$(dirname "${BASH_SOURCE[0]}")/broker.sh"

# sim_broker [PORT]: the tests' mosquitto (broker.sh) on PORT or a free port; sets port and bpid
sim_broker() {
	start_broker "$tmp" "${1:-}" || { echo "broker did not start"; return 1; }
	port=$broker_port
	bpid=$broker_pid
}

# record_acks: every acknowledgment any receiver sends, one "topic payload qos=Q" line each, in $tmp/acks
record_acks() {
	: >"$tmp/acks"
	mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -F '%t %p qos=%q' -t "$P/rx/+/ack" >>"$tmp/acks" 2>/dev/null &
	subpid=$!
	sleep 0.3
}

# acks ALERT_ID KIND [RECEIVER [REASON]]: how many such acknowledgments were recorded
acks() {
	local who=${3:-[^/]*}
	local pat="^$P/rx/$who/ack .*\"alert\":\"$1\",\"ack\":\"$2\""
	[ -n "${4:-}" ] && pat="$pat.*\"reason\":\"$4\""
	grep -c -- "$pat" "$tmp/acks"
}

# acks_are N ALERT_ID KIND [RECEIVER [REASON]]: exactly N (for wait_until)
acks_are() {
	[ "$(acks "${@:2}")" -eq "$1" ]
}

# pub TOPIC FILE [retain]: publish a file's bytes at QoS 1
pub() {
	mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 ${3:+-r} -t "$1" -f "$2"
}

# stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL
stop_pid() {
	[ -z "$1" ] && return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

sim_cleanup() {
	[ -n "$simpid" ] && kill -KILL "$simpid" 2>/dev/null
	[ -n "$subpid" ] && kill -KILL "$subpid" 2>/dev/null
	[ -n "$bpid" ] && kill -KILL "$bpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
