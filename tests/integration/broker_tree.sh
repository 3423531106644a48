#!/usr/bin/env bash
# broker_tree.sh — a broker tree (docs/operations.md, "A broker tree"), three real mosquitto
# processes set up by `tocsin broker setup`: the top broker tocsind uses (broker_tree =
# counties) and the brokers of two counties, A (120116) and B (120110), each bridged up to it.
# Receivers of A listen on A's broker, those of B on B's, with the credentials tocsind
# provisions. Shown: an alert for both counties reaches every receiver and every
# acknowledgment comes back; county B's broker killed -9 in the middle of an alert and started
# again loses nothing; a receiver imported while all runs gets its account on its county's
# broker through the bridge. Attacked: A's bridge account reads nothing of B and writes
# nothing under B (the top broker refuses); an acknowledgment for a receiver of B sent up
# A's branch is ignored and counted; a receiver of A cannot read B's topics nor log in on B.
# Usage: broker_tree.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"
. "$(dirname "$0")/counties_lib.sh"
A=120116
B=120110
P=tocsin/v1
pid_a=
pid_b=
watch_pid=
trap 'kill $watch_pid 2>/dev/null; for p in $pid_a $pid_b; do kill -9 $p 2>/dev/null; done; cleanup' EXIT
chmod o+x "$tmp" # mosquitto, started as root, reads its files as the user mosquitto
mkdir -p "$tmp/data" "$tmp/top" "$tmp/a" "$tmp/b"

# tree_broker DIR ARGS...: `tocsin broker setup --out DIR/broker ARGS...` on a free port, then
# mosquitto on it; sets broker_pid and broker_port. Fails after 10 tries.
tree_broker() {
	local dir=$1 port
	shift
	for _ in $(seq 10); do
		port=$(loopback_port)
		"$tocsin" broker setup --data-dir "$tmp/data" --listen "127.0.0.1:$port" --out "$dir/broker" "$@" \
			>>"$dir/setup.log" 2>&1 || return 1
		run_broker "$dir/broker/mosquitto.conf" "$dir/mosquitto.log" "$port" && return 0
	done
	return 1
}

# --- the top broker and tocsind -------------------------------------------------------
tree_broker "$tmp/top" --bridge-county $A --bridge-county $B || { echo "cannot start the top broker"; cat "$tmp/top/"*.log; exit 1; }
top_port=$broker_port
top_pid=$broker_pid
broker_url=mqtts://127.0.0.1:$top_port
broker_ca=$tmp/top/broker/ca.crt
check "a bridge password per county, 0600" "600 600" \
	"$(stat -c %a "$tmp/top/broker/bridge-$A.password" "$tmp/top/broker/bridge-$B.password" | paste -sd ' ')"
check "the top broker holds no receiver accounts, only tocsind's and the bridges'" "tocsind bridge-$A bridge-$B" \
	"$(jq -r '[.clients[].username] | join(" ")' "$tmp/top/broker/dynamic-security.json")"

printf '[tocsind]\nbroker_tree = counties\nack_timeout_s = 2\nplay_timeout_s = 60\nmax_attempts = 10\n' >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"
expect "tocsind on the top broker" wait_until 10 grep -q 'dispatching over MQTT (TLS).*county/COUNTY' "$tmp/tocsind.log"

"$sim" --emit-registry "$tmp/ra.csv" --count 4 --region ${A}001001 --id-prefix a-
"$sim" --emit-registry "$tmp/rb.csv" --count 4 --region ${B}001001 --id-prefix b-
"$tocsin" import receivers "$tmp/ra.csv" --server "$url" >/dev/null
"$tocsin" import receivers "$tmp/rb.csv" --server "$url" >/dev/null

# --- the county brokers, bridged up ------------------------------------------------------
county_args() { # C
	echo --county "$1" --parent 127.0.0.1:$top_port --parent-ca "$broker_ca" \
		--bridge-password-file "$tmp/top/broker/bridge-$1.password"
}
expect "bad county refused" test "$("$tocsin" broker setup --data-dir "$tmp/data" --listen 127.0.0.1:1 \
	--out "$tmp/x" $(county_args 1201) 2>&1 | grep -c "is not a county's code")" = 1
expect "a county without its parent refused" test "$("$tocsin" broker setup --data-dir "$tmp/data" --listen 127.0.0.1:1 \
	--out "$tmp/x" --county $A 2>&1 | grep -c -- "needs --parent")" = 1
expect "a --store that is no PostgreSQL URI refused, named" test "$("$tocsin" broker setup --data-dir "$tmp/data" \
	--store "$tmp/data/tocsin.db" --listen 127.0.0.1:1 --out "$tmp/x" 2>&1 | grep -c -- "--store takes a PostgreSQL URI")" = 1
tree_broker "$tmp/a" $(county_args $A) || { echo "cannot start county A's broker"; cat "$tmp/a/"*.log; exit 1; }
pid_a=$broker_pid port_a=$broker_port
tree_broker "$tmp/b" $(county_args $B) || { echo "cannot start county B's broker"; cat "$tmp/b/"*.log; exit 1; }
pid_b=$broker_pid port_b=$broker_port
broker_pid=$top_pid # stopped by cleanup
check "county A's broker has its own receivers only" "a-00000 a-00001 a-00002 a-00003" \
	"$(jq -r '[.clients[].username] | join(" ")' "$tmp/a/broker/dynamic-security.json")"
check "its configuration (with the bridge password) is 0600" 600 "$(stat -c %a "$tmp/a/broker/mosquitto.conf")"
expect "A's bridge is up" wait_until 20 grep -q "as bridge-$A" "$tmp/top/mosquitto.log"
expect "B's bridge is up" wait_until 20 grep -q "as bridge-$B" "$tmp/top/mosquitto.log"

"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null
county_sim sa "$tmp/ra.csv" $port_a "$tmp/a"
county_sim sb "$tmp/rb.csv" $port_b "$tmp/b"
online() { api viewer -sf "$url/metrics" | grep -qx 'tocsin_receivers_online 8'; }
expect "every receiver's status came up its county's bridge" wait_until 30 online

# --- 1. one alert for both counties ---------------------------------------------------------
alert_both
expect "published once per county" grep -q "alert=$first published to 8 target(s): 2 region topic(s), 0 direct" \
	"$tmp/tocsind.log"

# --- 2. county B's broker killed in the middle of an alert, and started again ---------------
sed 's|<identifier>\([^<]*\)_\([0-9]\)</identifier>|<identifier>\1_7</identifier>|' "$tmp/first.xml" >"$tmp/second.xml"
second=$("$tocsin" submit "$tmp/second.xml" --server "$url")
check "second alert accepted" 0 $?
kill -9 "$pid_b"
wait "$pid_b" 2>/dev/null
expect "A's receivers played it meanwhile" wait_for "$second" '.counts.played >= 4' 60
sleep 3 # tocsind re-sends to B's silent receivers; the top broker keeps them for B's bridge
check "B's receivers were cut off in the middle of it" 4 "$(counts "$second" '.counts.played')"
run_broker "$tmp/b/broker/mosquitto.conf" "$tmp/b/mosquitto.log" "$port_b" || { echo "cannot restart B"; exit 1; }
pid_b=$broker_pid
broker_pid=$top_pid
expect "after the restart every receiver played it" wait_for "$second" '.counts.played == 8' 90
check "coverage after the restart" 100 "$(counts "$second" '.coverage')"
check "B's sims played it once each" 4 "$(report sb | jq --arg id "$second" '.alerts[$id].played // 0')"

# --- 3. a receiver imported while all runs: its account made on its county's broker -------
printf 'id,kind,name,lat,lon,region\na-new,loudspeaker,New,39.03,117.70,%s001002\n' $A >"$tmp/new.csv"
"$tocsin" import receivers "$tmp/new.csv" --server "$url" >/dev/null
"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null
s_new=$(awk -F, '$1 == "a-new" {print $2}' "$tmp/cred.csv")
new_logs_in() { pub $port_a "$tmp/a/broker/ca.crt" a-new a-new "$s_new" $P/rx/a-new/status '{"v":1,"state":"online","at":1}'; }
expect "the new receiver logs in on its county's broker" wait_until 20 new_logs_in
check "a device's configuration names its county's broker" "broker = mqtts://127.0.0.1:$port_a|cafile = $tmp/a/broker/ca.crt" \
	"$("$tocsin" provision a-new --server "$url" --broker mqtts://127.0.0.1:$port_a --cafile "$tmp/a/broker/ca.crt" \
		--out "$tmp/a-new.ini" >/dev/null && grep -E '^(broker|cafile) = ' "$tmp/a-new.ini" | paste -sd '|')"
expect "... --broker without the broker's CA refused" test "$("$tocsin" provision a-new --server "$url" \
	--broker mqtts://127.0.0.1:$port_a --out "$tmp/x.ini" 2>&1 | grep -c 'naming that broker.s CA')" = 1
expect "... its account is in A's plugin file" wait_until 10 grep -q '"a-new"' "$tmp/a/broker/dynamic-security.json"
check "... and not in B's" 0 "$(grep -c '"a-new"' "$tmp/b/broker/dynamic-security.json")"
# moved to county B: its account follows, the one on A's broker goes; and back, for what follows
moves a-new "$s_new" ${B}001002 a b
moves a-new "$s_new" ${A}001002 b a

# --- 4. an operator's cancel: the command to each receiver and the retained copies cleared --
"$tocsin" cancel "$first" --server "$url" >/dev/null
cancelled() { test "$(report sa | jq .cancel_commands) $(report sb | jq .cancel_commands)" = "4 4"; }
expect "every receiver of both counties got the cancel command" wait_until 20 cancelled
# retained ID PORT CA FILTER: the retained messages of alert ID a-new sees on FILTER at a broker
retained() {
	timeout 10 mosquitto_sub -V 5 -h 127.0.0.1 -p "$2" --cafile "$3" -i a-new -u a-new -P "$s_new" -t "$4" \
		-F '%t %l' -W 2 2>/dev/null | grep -c "/alert/$1 [1-9]"
}
cleared() { test "$(retained "$first" $port_a "$tmp/a/broker/ca.crt" "$P/region/$A/alert/+")" = 0; }
expect "its retained copy is gone from A's broker too" wait_until 10 cleared
check "... while the second alert's is still there" 1 \
	"$(retained "$second" $port_a "$tmp/a/broker/ca.crt" "$P/region/$A/alert/+")"

# --- 5. attacks ----------------------------------------------------------------------------
s_b0=$(awk -F, '$1 == "b-00000" {print $2}' "$tmp/cred.csv")
expect "a receiver of B cannot log in on A's broker" test "$(pub $port_a "$tmp/a/broker/ca.crt" b-00000 b-00000 \
	"$s_b0" $P/rx/b-00000/status x; echo $?)" -ne 0
# sub_as PORT CA ID USER PASS FILTER TOPIC: how many messages the client receives on FILTER within
# 2 s of one published on TOPIC by tocsind (on the top broker) once its subscription is answered
sub_as() {
	local p msg="probe-$RANDOM"
	timeout 20 stdbuf -oL mosquitto_sub -V 5 -d -h 127.0.0.1 -p "$1" --cafile "$2" -i "$3" -u "$4" -P "$5" -t "$6" \
		-C 1 -W 8 >"$tmp/sub.out" 2>/dev/null &
	p=$!
	wait_until 8 grep -q 'received SUBACK' "$tmp/sub.out"
	pub $top_port "$broker_ca" probe tocsind "$(cat "$tmp/data/broker.password")" "$7" "$msg"
	wait_until 2 grep -qxF -- "$msg" "$tmp/sub.out"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	[ -n "${TREE_DEBUG:-}" ] && cat "$tmp/sub.out" >&2
	grep -cxF -- "$msg" "$tmp/sub.out"
}
ca_a=$tmp/a/broker/ca.crt
check "a receiver of A reads its county's alerts (through the bridge)" 1 \
	"$(sub_as $port_a "$ca_a" a-new a-new "$s_new" "$P/region/${A}001/alert/+" "$P/county/$A/region/${A}001/alert/0123456789abcdef")"
check "a receiver of A cannot read B's alerts" 0 \
	"$(sub_as $port_a "$ca_a" a-new a-new "$s_new" "$P/region/${B}001/alert/+" "$P/county/$B/region/${B}001/alert/0123456789abcdef")"

# The rest uses A's bridge account on the top broker, as a stolen county broker would (A's own
# broker is stopped first, so that its bridge does not take its client id back meanwhile).
kill "$pid_a"
wait "$pid_a" 2>/dev/null
pid_a=
pw_a=$(cat "$tmp/top/broker/bridge-$A.password")
check "A's bridge account reads A's branch" 1 \
	"$(sub_as $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$A/rx/+/cmd" "$P/county/$A/rx/a-00000/cmd")"
check "A's bridge account cannot read B's alerts" 0 \
	"$(sub_as $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$B/region/+/alert/+" "$P/county/$B/region/$B/alert/x")"
check "... nor B's commands" 0 \
	"$(sub_as $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$B/rx/+/cmd" "$P/county/$B/rx/b-00000/cmd")"
check "... nor everything" 0 \
	"$(sub_as $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/#" "$P/county/$B/dynsec")"
timeout 120 mosquitto_sub -V 5 -h 127.0.0.1 -p $top_port --cafile "$broker_ca" -i watch -u tocsind \
	-P "$(cat "$tmp/data/broker.password")" -t "$P/county/#" -F '%t %p' >"$tmp/watch.log" 2>&1 &
watch_pid=$!
sleep 1
now=$(date +%s)
ack_b="{\"v\":1,\"alert\":\"$second\",\"ack\":\"rejected\",\"reason\":\"forged\",\"at\":$now}"
pub $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$B/rx/b-00000/ack" "$ack_b"
pub $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$B/rx/b-00000/status" '{"v":1,"state":"offline","at":1}'
pub $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$B/dynsec" '{"commands":[]}'
# allowed by the broker (A's own branch), but b-00000 is registered in B: tocsind ignores it
pub $top_port "$broker_ca" bridge-$A bridge-$A "$pw_a" "$P/county/$A/rx/b-00000/ack" "$ack_b"
wrong() { api viewer -sf "$url/metrics" | grep -qx 'tocsin_acks_total{outcome="wrong-county"} 1'; }
expect "the acknowledgment for B's receiver up A's branch is counted as wrong-county" wait_until 10 wrong
expect "... and logged" grep -q "target=b-00000 region=${B}001001: an acknowledgment came from the broker of county $A" \
	"$tmp/tocsind.log"
check "the top broker let nothing under B through from A's bridge account" "" \
	"$(grep -aE "^$P/county/$B/" "$tmp/watch.log" | grep -aE 'forged|offline|commands')"
check "the forged rejection changed nothing" "8 100" "$(counts "$second" '"\(.counts.played) \(.coverage)"' | tr -d '"')"

check_log "$tmp/tocsind.log"
finish
