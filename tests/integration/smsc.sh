# smsc.sh — the SMSC simulator (tests/smsc/tocsin-smsc-sim, on Debian's
# Net::SMPP) for integration tests, on a free loopback port. Sourced.

smsc_sim="$(cd "$(dirname "${BASH_SOURCE[0]}")/../smsc" && pwd)/tocsin-smsc-sim"

# start_smsc DIR [FLAGS...]: start the simulator recording to DIR/smsc.jsonl;
# sets smsc_pid and smsc_port. Fails when it does not listen within 5 s.
start_smsc() {
	local dir=$1
	shift
	rm -f "$dir/smsc.port"
	"$smsc_sim" --port-file "$dir/smsc.port" --record "$dir/smsc.jsonl" --quiet "$@" 2>>"$dir/smsc.log" &
	smsc_pid=$!
	for _ in $(seq 50); do
		[ -s "$dir/smsc.port" ] && smsc_port=$(cat "$dir/smsc.port") && return 0
		kill -0 "$smsc_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_smsc() {
	[ -n "${smsc_pid:-}" ] && kill "$smsc_pid" 2>/dev/null && wait "$smsc_pid" 2>/dev/null
	smsc_pid=
}

# smsc_count DIR JQ_FILTER: how many recorded PDUs match the filter
smsc_count() {
	jq -c "select($2)" "$1/smsc.jsonl" 2>/dev/null | wc -l
}
