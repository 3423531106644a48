# tocsind_lib.sh — what the scripts driving tocsind with tocsin-sim receivers share.
# Sourced after lib.sh and broker.sh; uses $tocsind, $tocsin, $sim, $examples,
# $tmp (with $tmp/tocsind.conf and $tmp/data) and $broker_port. On exit it
# kills tocsind ($pid), the sims, a store lock (lock_store) and an acknowledgment
# recorder (record_acks), stops the broker and removes $tmp.
pid=
lock_pid=
sims=()
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
	for s in "${sims[@]}"; do kill "$s" 2>/dev/null; done
	# record_acks' subscriber, of rx_lib.sh (sub_pid) or sim_lib.sh (subpid), when a test uses one
	for s in ${sub_pid:-} ${subpid:-}; do kill -KILL "$s" 2>/dev/null; done
	stop_broker
	store_drop
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_server [ARGS...]: tocsind on a free loopback port, with ARGS added; sets pid and url. On
# the secured broker of start_secure_broker (broker_url set) it connects with TLS and its own
# credentials, else to the plain broker on $broker_port. The first start makes the test's staff
# (lib.sh) and, unless $tmp/tocsind.conf names approval_required, lets alerts out without a
# second person: these scripts are about delivery (staff.sh is about approval).
start_server() {
	[ -s "$tmp/token.approver" ] || staff "$tmp/data"
	grep -q '^approval_required' "$tmp/tocsind.conf" 2>/dev/null || echo 'approval_required = none' >>"$tmp/tocsind.conf"
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
		--broker "${broker_url:-127.0.0.1:$broker_port}" "$@" 2>>"$tmp/tocsind.log" &
	pid=$!
	url=$(server_url "$tmp/data")
}

# start_sim NAME ARGS...: a tocsin-sim in the background with a report file; on the secured
# broker its receivers log in with the credentials tocsind provisions (import them first)
start_sim() {
	local name=$1 secure=()
	shift
	if [ -n "${broker_url:-}" ]; then
		"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null
		secure=(--cafile "$broker_ca" --credentials "$tmp/credentials.csv")
	fi
	"$sim" --broker "${broker_url:-127.0.0.1:$broker_port}" "${secure[@]}" --pubkey "$tmp/data/signing.pub" \
		--report "$tmp/$name.json" "$@" 2>>"$tmp/sim-$name.log" &
	sims+=($!)
	eval "sim_$name=$!"
}

# report NAME: ask a sim for its report (SIGUSR1) and print it
report() {
	local p
	eval "p=\$sim_$1"
	rm -f "$tmp/$1.json"
	kill -USR1 "$p"
	for _ in $(seq 50); do
		[ -s "$tmp/$1.json" ] && jq -e . "$tmp/$1.json" >/dev/null 2>&1 && break
		sleep 0.1
	done
	cat "$tmp/$1.json"
}

counts() { "$tocsin" status "$1" --json --server "$url" | jq -c "$2"; }

# offset_to T S: the clock offset (TOCSIN_TEST_CLOCK_OFFSET) that puts tocsind's clock S seconds
# before the unix time T, so that a drill slot at T comes S seconds after it starts
offset_to() { echo $(($1 - $2 - $(date +%s))); }

# runs_reach N: within 60 s, tocsind lists N drill runs
runs_reach() {
	wait_until 60 sh -c "curl -sf -H 'Authorization: Bearer $(cat "$tmp/token.viewer")' $url/api/v1/drills/runs | jq -e '.runs | length == $1'"
}
