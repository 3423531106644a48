#!/usr/bin/env bash
# multi_broker.sh — several independent brokers (docs/operations.md, "Several brokers"): two
# real mosquitto processes set up by `tocsin broker setup`, each with its own CA and tocsind
# password, and tocsind configured with one region_broker line each: county A (120116) on
# broker A, county B (120110) on broker B. Receivers of A listen on A, those of B on B, with
# the credentials and the broker tocsind provisions for each. Shown: an alert for both
# counties reaches every receiver; broker B killed -9 in the middle of an alert leaves A's
# receivers unaffected, and B's get it once B is back; accounts imported while B is down go to A
# at once and to B once it is back, and B's return sends only B's accounts again; a receiver imported while all runs
# gets its account on its own broker and connects there; /metrics names each broker's
# connection. Attacked: an acknowledgment for a receiver of B published on broker A (with
# tocsind's own rights there) is ignored and counted; a receiver of B cannot log in on A, nor on
# B once it moved to A's county;
# bad region_broker lines and an unserved receiver stop tocsind at start, naming the line.
# Usage: multi_broker.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
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
trap 'for p in $pid_a $pid_b; do kill -9 $p 2>/dev/null; done; cleanup' EXIT
chmod o+x "$tmp" # mosquitto, started as root, reads its files as the user mosquitto
mkdir -p "$tmp/data" "$tmp/a/keys" "$tmp/b/keys"

# county_broker DIR: `tocsin broker setup --data-dir DIR/keys --out DIR/broker` on a free port (a
# CA and a tocsind password of its own, left in DIR/keys), then mosquitto on it; sets broker_pid
# and broker_port. Fails after 10 tries.
county_broker() {
	local dir=$1 port
	chmod o+x "$dir"
	for _ in $(seq 10); do
		port=$(loopback_port)
		"$tocsin" broker setup --data-dir "$dir/keys" --listen "127.0.0.1:$port" --out "$dir/broker" \
			>>"$dir/setup.log" 2>&1 || return 1
		run_broker "$dir/broker/mosquitto.conf" "$dir/mosquitto.log" "$port" && return 0
	done
	return 1
}
county_broker "$tmp/a" || { echo "cannot start broker A"; cat "$tmp/a/"*.log; exit 1; }
pid_a=$broker_pid port_a=$broker_port
county_broker "$tmp/b" || { echo "cannot start broker B"; cat "$tmp/b/"*.log; exit 1; }
pid_b=$broker_pid port_b=$broker_port
broker_pid=
check "each broker has a CA of its own" 1 "$(cat "$tmp/a/keys/broker-ca.crt" "$tmp/b/keys/broker-ca.crt" | sort | uniq -d | grep -c BEGIN)"

# --- refused at start, naming the line ----------------------------------------------------------
# refused CONF: tocsind started with CONF stops at once; its log
refused() {
	printf '%s\n' "$1" >"$tmp/bad.conf"
	timeout 20 "$tocsind" --config "$tmp/bad.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>&1
}
line_a="region_broker = mqtts://127.0.0.1:$port_a $A $tmp/a/keys"
line_b="region_broker = mqtts://127.0.0.1:$port_b $B $tmp/b/keys"
expect "a bad URL is refused, naming its line" test "$(refused "$(printf '[tocsind]\n%s\nregion_broker = https://x/ %s' \
	"$line_a" $B)" | grep -c "bad.conf:3: region_broker = 'https://x/ $B': the URL is not")" = 1
expect "a region on two brokers is refused" test "$(refused "$(printf '[tocsind]\n%s\nregion_broker = mqtts://127.0.0.1:%s %s,%s001 %s' \
	"$line_a" $port_b $B $A "$tmp/b/keys")" |
	grep -c "bad.conf:3: .*the region ${A}001 is already served by mqtts://127.0.0.1:$port_a (.*bad.conf:2, region $A)")" = 1
expect "with broker_tree it is refused" test "$(refused "$(printf '[tocsind]\nbroker_tree = counties\n%s' "$line_a")" |
	grep -c "region_broker and broker_tree = counties cannot be combined")" = 1
expect "a missing CA is refused" test "$(refused "$(printf '[tocsind]\n%s %s' "${line_a% *}" "$tmp/nowhere")" |
	grep -c "cannot read the broker's CA certificate $tmp/nowhere/broker-ca.crt")" = 1

printf '[tocsind]\n%s\n%s\nack_timeout_s = 2\nplay_timeout_s = 60\nmax_attempts = 10\n' "$line_a" "$line_b" >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"
expect "tocsind on broker A" wait_until 10 grep -q "dispatching over MQTT (TLS) to 127.0.0.1:$port_a for the regions $A " "$tmp/tocsind.log"
expect "tocsind on broker B" wait_until 10 grep -q "dispatching over MQTT (TLS) to 127.0.0.1:$port_b for the regions $B " "$tmp/tocsind.log"
connected() { api viewer -sf "$url/metrics" | grep -c "^tocsin_mqtt_connected{broker=\"mqtts://127.0.0.1:$1\"} $2$"; }
expect "/metrics names each broker's connection" wait_until 30 test "$(connected $port_a 1)$(connected $port_b 1)" = 11

"$sim" --emit-registry "$tmp/ra.csv" --count 4 --region ${A}001001 --id-prefix a-
"$sim" --emit-registry "$tmp/rb.csv" --count 4 --region ${B}001001 --id-prefix b-
"$tocsin" import receivers "$tmp/ra.csv" --server "$url" >/dev/null
"$tocsin" import receivers "$tmp/rb.csv" --server "$url" >/dev/null
accounts() { jq -r '[.clients[].username] | sort | join(" ")' "$1/broker/dynamic-security.json"; }
expect "broker A has the accounts of A's receivers" wait_until 10 \
	test "$(accounts "$tmp/a")" = "a-00000 a-00001 a-00002 a-00003 tocsind"
expect "broker B has the accounts of B's receivers only" wait_until 10 \
	test "$(accounts "$tmp/b")" = "b-00000 b-00001 b-00002 b-00003 tocsind"

"$tocsin" provision b-00000 --server "$url" --out "$tmp/b0.ini" >/dev/null
check "a device of B is provisioned with B's broker" "broker = mqtts://127.0.0.1:$port_b" "$(grep '^broker = ' "$tmp/b0.ini")"
check "... and B's CA" "$(cat "$tmp/b/broker/ca.crt")" "$(cat "$(sed -n 's/^cafile = //p' "$tmp/b0.ini")")"

"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null
county_sim sa "$tmp/ra.csv" $port_a "$tmp/a"
county_sim sb "$tmp/rb.csv" $port_b "$tmp/b"
online() { api viewer -sf "$url/metrics" | grep -qx 'tocsin_receivers_online 8'; }
expect "every receiver's status came through its own broker" wait_until 30 online

# --- 1. one alert for both counties ---------------------------------------------------------
alert_both

# --- 2. broker B killed -9 in the middle of an alert, and started again -----------------------
sed 's|<identifier>\([^<]*\)_\([0-9]\)</identifier>|<identifier>\1_7</identifier>|' "$tmp/first.xml" >"$tmp/second.xml"
second=$("$tocsin" submit "$tmp/second.xml" --server "$url")
check "second alert accepted" 0 $?
kill -9 "$pid_b"
wait "$pid_b" 2>/dev/null
expect "A's receivers played it meanwhile" wait_for "$second" '.counts.played >= 4' 60
expect "/metrics says broker B is away" wait_until 10 test "$(connected $port_a 1)$(connected $port_b 0)" = 11
sleep 3
check "B's receivers were cut off in the middle of it" 4 "$(counts "$second" '.counts.played')"
# while B is down, 600 receivers of B and then one of A are imported: A's gets its account at once
{
	echo "id,kind,name,lat,lon,region"
	for i in $(seq -w 1 600); do echo "bd-$i,loudspeaker,D$i,39.03,117.70,${B}001003"; done
	echo "z-down,loudspeaker,ZD,39.03,117.70,${A}001003"
} >"$tmp/down.csv"
"$tocsin" import receivers "$tmp/down.csv" --server "$url" >/dev/null
"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred-down.csv" >/dev/null
s_zd=$(awk -F, '$1 == "z-down" {print $2}' "$tmp/cred-down.csv")
s_bd=$(awk -F, '$1 == "bd-600" {print $2}' "$tmp/cred-down.csv")
zd_logs_in() { pub $port_a "$tmp/a/broker/ca.crt" z-down z-down "$s_zd" $P/rx/z-down/status '{"v":1,"state":"online","at":1}'; }
expect "with B down, a receiver of A imported after 600 of B's logs in on A" wait_until 20 zd_logs_in
resent_a=$(grep -c "connected to the broker of $A: its" "$tmp/tocsind.log")
run_broker "$tmp/b/broker/mosquitto.conf" "$tmp/b/mosquitto.log" "$port_b" || { echo "cannot restart B"; exit 1; }
pid_b=$broker_pid
broker_pid=
expect "after the restart every receiver played it" wait_for "$second" '.counts.played == 8' 90
check "coverage after the restart" 100 "$(counts "$second" '.coverage')"
check "B's sims played it once each" 4 "$(report sb | jq --arg id "$second" '.alerts[$id].played // 0')"
check "A's sims played it once each" 4 "$(report sa | jq --arg id "$second" '.alerts[$id].played // 0')"
bd_logs_in() { pub $port_b "$tmp/b/broker/ca.crt" bd-600 bd-600 "$s_bd" $P/rx/bd-600/status '{"v":1,"state":"online","at":1}'; }
expect "B back, the receivers imported meanwhile log in on B" wait_until 20 bd_logs_in
expect "... B's accounts were sent again" grep -q "connected to the broker of $B: its [0-9]* receiver account(s) are sent again" \
	"$tmp/tocsind.log"
check "... and A's not" "$resent_a" "$(grep -c "connected to the broker of $A: its" "$tmp/tocsind.log")"

# --- 3. a receiver imported while all runs: its account on its own broker ---------------------
printf 'id,kind,name,lat,lon,region\nb-new,loudspeaker,New,39.03,117.70,%s001002\n' $B >"$tmp/new.csv"
"$tocsin" import receivers "$tmp/new.csv" --server "$url" >/dev/null
"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null
s_new=$(awk -F, '$1 == "b-new" {print $2}' "$tmp/cred.csv")
new_logs_in() { pub $port_b "$tmp/b/broker/ca.crt" b-new b-new "$s_new" $P/rx/b-new/status '{"v":1,"state":"online","at":1}'; }
expect "the new receiver logs in on its own broker, B" wait_until 20 new_logs_in
expect "... its account is in B's plugin file" wait_until 10 grep -q '"b-new"' "$tmp/b/broker/dynamic-security.json"
check "... and not in A's" 0 "$(grep -c '"b-new"' "$tmp/a/broker/dynamic-security.json")"
expect "... it cannot log in on A" test "$(pub $port_a "$tmp/a/broker/ca.crt" b-new b-new "$s_new" \
	$P/rx/b-new/status x; echo $?)" -ne 0

# --- 3b. the receiver moved to A's county: its account follows, the old one goes -------------
moves b-new "$s_new" ${A}001002 b a
expect "... said in the log" grep -q "receiver b-new moved from ${B}001002: its account there is deleted" "$tmp/tocsind.log"

# --- 4. attacks ------------------------------------------------------------------------------
s_b0=$(awk -F, '$1 == "b-00000" {print $2}' "$tmp/cred.csv")
expect "a receiver of B cannot log in on A's broker" test "$(pub $port_a "$tmp/a/broker/ca.crt" b-00000 b-00000 \
	"$s_b0" $P/rx/b-00000/status x; echo $?)" -ne 0
sed 's|<identifier>\([^<]*\)_\([0-9]\)</identifier>|<identifier>\1_8</identifier>|' "$tmp/first.xml" >"$tmp/third.xml"
kill -STOP "$sim_sb" # B's receivers stay silent: their deliveries wait for an acknowledgment
third=$("$tocsin" submit "$tmp/third.xml" --server "$url")
check "third alert accepted" 0 $?
expect "A's receivers played the third" wait_for "$third" '.counts.played == 4' 60
now=$(date +%s)
forged="{\"v\":1,\"alert\":\"$third\",\"ack\":\"played\",\"at\":$now}"
# A broker taken over speaks for B's receivers with every right it has: tocsind's own account on A
pub $port_a "$tmp/a/broker/ca.crt" forger tocsind "$(cat "$tmp/a/keys/broker.password")" "$P/rx/b-00000/ack" "$forged"
check "broker A takes it (tocsind's account may publish there)" 0 $?
wrong() { api viewer -sf "$url/metrics" | grep -qx 'tocsin_acks_total{outcome="wrong-broker"} 1'; }
expect "the acknowledgment for B's receiver from broker A is counted as wrong-broker" wait_until 10 wrong
expect "... and logged" grep -q "target=b-00000 region=${B}001001: an acknowledgment came from mqtts://127.0.0.1:$port_a, not its own" \
	"$tmp/tocsind.log"
check "the forged acknowledgment changed nothing" 4 "$(counts "$third" '.counts.played')"
kill -CONT "$sim_sb"
expect "B's receivers then played the third themselves" wait_for "$third" '.counts.played == 8' 60

# --- 5. a registered receiver no broker serves stops tocsind at start ---------------------------
kill "$pid"
wait "$pid" 2>/dev/null
pid=
expect "a receiver of B with only A's broker configured is refused at start" test "$(refused "$(printf \
	'[tocsind]\n%s' "$line_a")" | grep -c "the receiver b-00000 (region '${B}001001') is on no broker")" = 1

check_log "$tmp/tocsind.log"
finish
