# smsc.sh — the SMSC simulator (tests/smsc/tocsin-smsc-sim, on Debian's
# Net::SMPP) for integration tests, on a free loopback port. Sourced.

smsc_sim="$(cd "$(dirname "${BASH_SOURCE[0]}")/../smsc" && pwd)/tocsin-smsc-sim"

# loopback_port: a free port below the ephemeral range (see broker.sh)
. "$(dirname "${BASH_SOURCE[0]}")/broker.sh"

# start_smsc DIR [FLAGS...]: start the simulator recording to DIR/smsc.jsonl;
# sets smsc_pid and smsc_port. Without --port among FLAGS it listens on a
# free port below the ephemeral range, so that tocsind reconnecting while
# the simulator is away cannot take that port itself. Fails when it does
# not listen within 5 s (after three ports).
start_smsc() {
	local dir=$1 port=() try
	shift
	case " $* " in *" --port "*) ;; *) port=(--port 0) ;; esac
	for try in 1 2 3; do
		[ ${#port[@]} -gt 0 ] && port=(--port "$(loopback_port)")
		rm -f "$dir/smsc.port"
		"$smsc_sim" --port-file "$dir/smsc.port" --record "$dir/smsc.jsonl" --quiet "${port[@]}" "$@" \
			2>>"$dir/smsc.log" &
		smsc_pid=$!
		for _ in $(seq 50); do
			[ -s "$dir/smsc.port" ] && smsc_port=$(cat "$dir/smsc.port") && return 0
			kill -0 "$smsc_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$smsc_pid" 2>/dev/null
		wait "$smsc_pid" 2>/dev/null
		[ ${#port[@]} -gt 0 ] || sleep 0.5
	done
	return 1
}

# cleanup_sms: the EXIT trap of a test of tocsind ($pid), tocsin-sim ($sim_pid), the SMSC simulator
# and the broker: each stopped (what was not started is skipped), $tmp kept in $TOCSIN_KEEP when
# set, the store dropped (lib.sh), $tmp removed.
cleanup_sms() {
	[ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null
	[ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null
	stop_smsc
	stop_broker
	[ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"
	store_drop
	rm -rf "$tmp"
}

stop_smsc() {
	[ -n "${smsc_pid:-}" ] && kill "$smsc_pid" 2>/dev/null && wait "$smsc_pid" 2>/dev/null
	smsc_pid=
}

# smsc_count DIR JQ_FILTER: how many recorded PDUs match the filter
smsc_count() {
	jq -c "select($2)" "$1/smsc.jsonl" 2>/dev/null | wc -l
}
