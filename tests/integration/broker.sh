# broker.sh — a real mosquitto for integration tests, on a free loopback port.
# Sourced. Configured as docs/operations.md ("The broker") says, so it does
# not drop queued QoS 1 messages: a large finite max_queued_messages, no byte
# limit.

# loopback_port: a port nothing listens on, below the kernel's range of
# ephemeral ports: a client that keeps reconnecting to a port in that range
# while the server is away can end up connected to itself on it (TCP
# simultaneous open), and then the server cannot bind it when it comes back.
loopback_port() {
	local low p
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 12000 ] || low=32768
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (low - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# run_broker CONF LOG PORT: mosquitto -c CONF in the background until it listens on PORT
# (5 s at most); sets broker_pid and broker_port, or stops it again and fails.
run_broker() {
	mosquitto -c "$1" >>"$2" 2>&1 &
	broker_pid=$!
	for _ in $(seq 50); do
		kill -0 "$broker_pid" 2>/dev/null || break
		if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then
			broker_port=$3
			return 0
		fi
		sleep 0.1
	done
	kill "$broker_pid" 2>/dev/null
	wait "$broker_pid" 2>/dev/null
	return 1
}

# start_broker DIR [PORT]: start mosquitto (on PORT when given, else a free
# one); sets broker_pid and broker_port. Fails after 20 tries.
start_broker() {
	local dir=$1 want=${2:-} port
	for _ in $(seq 20); do
		port=${want:-$(loopback_port)}
		printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_queued_bytes 0\nmax_inflight_messages 1000\nmax_keepalive 600\n' \
			"$port" >"$dir/mosquitto.conf"
		run_broker "$dir/mosquitto.conf" "$dir/mosquitto.log" "$port" && return 0
		[ -n "$want" ] && sleep 0.5
	done
	return 1
}

stop_broker() {
	[ -n "${broker_pid:-}" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
	broker_pid=
}

# start_secure_broker DIR DATA_DIR [PORT]: the broker exactly as an operator sets it up
# (docs/operations.md, "Broker security"): `tocsin broker setup --data-dir DATA_DIR --listen
# 127.0.0.1:PORT --out DIR/broker` (needs $tocsin), then mosquitto -c DIR/broker/mosquitto.conf;
# a call with the same DIR and PORT starts the same broker again (setup runs again only when
# DIR/broker/mosquitto.conf is gone). Sets broker_pid, broker_port,
# broker_url (mqtts://127.0.0.1:PORT) and broker_ca (the CA devices need). Fails after 20 tries.
start_secure_broker() {
	local dir=$1 data=$2 want=${3:-} port
	chmod o+x "$dir" # mosquitto, started as root, reads its files as the user mosquitto
	for _ in $(seq 20); do
		port=${want:-$(loopback_port)}
		if [ ! -f "$dir/broker/mosquitto.conf" ] || [ -z "$want" ]; then
			"$tocsin" broker setup --data-dir "$data" --listen "127.0.0.1:$port" --out "$dir/broker" \
				>>"$dir/mosquitto.log" 2>&1 || return 1
		fi
		if run_broker "$dir/broker/mosquitto.conf" "$dir/mosquitto.log" "$port"; then
			broker_url=mqtts://127.0.0.1:$port
			broker_ca=$dir/broker/ca.crt
			return 0
		fi
		[ -n "$want" ] && sleep 0.5
	done
	return 1
}
