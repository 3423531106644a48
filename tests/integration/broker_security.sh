#!/usr/bin/env bash
# broker_security.sh — the broker as `tocsin broker setup` makes it, attacked with an
# ordinary MQTT client: no anonymous or plain-text access, no wrong password, a receiver
# writes only its own ack and status, reads only its own regions and cmd topic, cannot take
# another receiver's session; an imported receiver's account works at once, a removed one's
# is gone at once; provisioning writes what devices need, 0600, and no secret reaches a log.
# What a forgery would have done is watched by a subscriber with tocsind's rights.
# Usage: broker_security.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR TOCSIN_RECEIVER
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
receiver=$5
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"
watch_pid=

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start the secured mosquitto"; cat "$tmp/mosquitto.log"; exit 1; }
rx_pid=
trap 'kill $watch_pid $rx_pid 2>/dev/null; cleanup' EXIT
check "tocsind's password is 0600" 600 "$(stat -c %a "$tmp/data/broker.password")"
check "the plugin's file is 0600" 600 "$(stat -c %a "$tmp/broker/dynamic-security.json")"
check "the server key is 0600" 600 "$(stat -c %a "$tmp/broker/server.key")"
expect "the CA devices need" openssl verify -CAfile "$broker_ca" "$tmp/broker/server.crt"
expect "no anonymous access in the config" grep -qx 'allow_anonymous false' "$tmp/broker/mosquitto.conf"
cp "$tmp/broker/dynamic-security.json" "$tmp/dynsec-first.json" # tocsind's account only

printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\n' >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"
expect "tocsind on TLS" wait_until 10 grep -q 'dispatching over MQTT (TLS)' "$tmp/tocsind.log"

printf 'id,kind,name,lat,lon,region\nr-a,loudspeaker,A,39.03,117.70,120116001001\nr-b,signage,B,31.23,121.47,310101001001\n' \
	>"$tmp/rx.csv"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
check "provision all" 0 "$("$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null; echo $?)"
check "credentials 0600" 600 "$(stat -c %a "$tmp/cred.csv")"
check "the API gives the credentials to no outsider" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/provision")"
check "credentials header and rows" "id,secret 3" "$(head -1 "$tmp/cred.csv") $(wc -l <"$tmp/cred.csv")"
sa=$(awk -F, '$1 == "r-a" {print $2}' "$tmp/cred.csv")
sb=$(awk -F, '$1 == "r-b" {print $2}' "$tmp/cred.csv")
check "secrets are 32 hex" 2 "$(printf '%s\n%s\n' "$sa" "$sb" | grep -cE '^[0-9a-f]{32}$')"
check "provision one" 0 "$("$tocsin" provision r-a --server "$url" --out "$tmp/r-a.ini" >/dev/null; echo $?)"
check "device config 0600" 600 "$(stat -c %a "$tmp/r-a.ini")"
check "device config" "id = r-a|region = 120116001001|broker = $broker_url|username = r-a|password = $sa" \
	"$(grep -E '^(id|region|broker|username|password) = ' "$tmp/r-a.ini" | paste -sd '|')"
check "device config trusts the signing key" "pubkeys = $(cat "$tmp/data/signing.pub")" "$(grep '^pubkeys = ' "$tmp/r-a.ini")"
expect "device config names the broker's CA" cmp "$(sed -n 's/^cafile = //p' "$tmp/r-a.ini")" "$broker_ca"
check "unknown receiver refused" 1 "$("$tocsin" provision nobody --server "$url" --out "$tmp/x.ini" 2>/dev/null; echo $?)"

# pub ID USER PASS TOPIC MESSAGE: one QoS 1 message over TLS; the exit status of mosquitto_pub
pub() {
	timeout 10 mosquitto_pub -V 5 -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i "$1" ${2:+-u "$2"} \
		${3:+-P "$3"} -q 1 -t "$4" -m "$5" 2>>"$tmp/pub.log"
}
wait_until 10 pub r-a r-a "$sa" tocsin/v1/rx/r-a/status '{"v":1,"state":"online","at":1}'
check "the receiver logs in with its secret" 0 "$(pub r-a r-a "$sa" tocsin/v1/rx/r-a/status '{"v":1,"state":"online","at":1}'; echo $?)"
expect "anonymous refused" test "$(pub anon '' '' tocsin/v1/rx/r-a/ack x; echo $?)" -ne 0
expect "wrong password refused" test "$(pub r-a r-a "${sb}" tocsin/v1/rx/r-a/ack x; echo $?)" -ne 0
expect "plain MQTT refused" test "$(timeout 5 mosquitto_pub -h 127.0.0.1 -p "$broker_port" -i r-a -u r-a -P "$sa" \
	-t tocsin/v1/rx/r-a/ack -m x 2>/dev/null; echo $?)" -ne 0
expect "session take-over with another receiver's id refused" \
	test "$(pub r-a r-b "$sb" tocsin/v1/rx/r-b/ack x; echo $?)" -ne 0
expect "... and with a made-up id" test "$(pub r-a-2 r-a "$sa" tocsin/v1/rx/r-a/ack x; echo $?)" -ne 0

# A subscriber with tocsind's rights sees whatever gets through.
timeout 120 mosquitto_sub -V 5 -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i watch -u tocsind \
	-P "$(cat "$tmp/data/broker.password")" -t 'tocsin/v1/#' -F '%t %p' >"$tmp/watch.log" 2>&1 &
watch_pid=$!
# probe NAME: r-a publishes its own status marked NAME; true once the watcher has it
probe() {
	pub r-a r-a "$sa" tocsin/v1/rx/r-a/status "{\"v\":1,\"state\":\"online\",\"at\":2,\"probe\":\"$1\"}"
	grep -q "\"probe\":\"$1\"" "$tmp/watch.log"
}
expect "the watcher sees the receiver's own status" wait_until 10 probe own
now=$(date +%s)
pub r-a r-a "$sa" tocsin/v1/rx/r-b/ack "{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"played\",\"at\":$now,\"f\":\"ack-b\"}"
pub r-a r-a "$sa" tocsin/v1/rx/r-b/status '{"v":1,"state":"online","at":3,"f":"status-b"}'
pub r-a r-a "$sa" tocsin/v1/region/120116/alert/0123456789abcdef 'forged-region'
pub r-a r-a "$sa" tocsin/v1/region/310101/alert/0123456789abcdef 'forged-other-region'
pub r-a r-a "$sa" tocsin/v1/rx/r-a/cmd 'forged-own-cmd'
pub r-a r-a "$sa" tocsin/v1/rx/r-b/cmd 'forged-cmd'
pub r-a r-a "$sa" tocsin/v1/audio/0123456789abcdef 'forged-audio'
wait_until 10 probe last
check "nothing forged got through" "" "$(grep -E 'f":"(ack|status)-b|forged' "$tmp/watch.log")"

# Reading: its own region and cmd topic, not another region's.
# sub_a FILTER [TOPIC [MESSAGE]]: how many messages r-a receives on FILTER within 2 s of one
# published on TOPIC (FILTER with its first + filled in) with tocsind's rights, once the broker
# has answered r-a's subscription (granted or not)
sub_a() {
	local topic=${2:-${1/+/0123456789abcdef}} msg=${3:-probe} p
	timeout 20 stdbuf -oL mosquitto_sub -V 5 -d -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i r-a -u r-a -P "$sa" \
		-t "$1" -C 1 -W 8 >"$tmp/sub.out" 2>/dev/null &
	p=$!
	wait_until 8 grep -q 'received SUBACK' "$tmp/sub.out"
	timeout 10 mosquitto_pub -V 5 -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i probe -u tocsind \
		-P "$(cat "$tmp/data/broker.password")" -q 1 -t "$topic" -m "$msg"
	wait_until 2 grep -qxF -- "$msg" "$tmp/sub.out"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	grep -cxF -- "$msg" "$tmp/sub.out"
}

check "r-a reads its region" 1 "$(sub_a tocsin/v1/region/120116/alert/+)"
check "r-a reads its village" 1 "$(sub_a tocsin/v1/region/120116001001/alert/+)"
check "r-a reads its cmd topic" 1 "$(sub_a tocsin/v1/rx/r-a/cmd)"
check "r-a reads audio" 1 "$(sub_a tocsin/v1/audio/+)"
check "r-a cannot read another region" 0 "$(sub_a tocsin/v1/region/310101/alert/+)"
check "r-a cannot read another receiver's cmd topic" 0 "$(sub_a tocsin/v1/rx/r-b/cmd)"
check "r-a cannot read acknowledgments" 0 "$(sub_a tocsin/v1/rx/+/ack tocsin/v1/rx/r-b/ack \
	"{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"received\",\"at\":$now}")"
check "r-a cannot read everything" 0 "$(sub_a 'tocsin/v1/#' tocsin/v1/region/310101/alert/x)"

# Imported again in another region: its rights move with it, at once.
printf 'id,kind,name,lat,lon,region\nr-a,loudspeaker,A,31.23,121.47,310101001001\n' >"$tmp/rx-moved.csv"
"$tocsin" import receivers "$tmp/rx-moved.csv" --server "$url" >/dev/null
check "moved: r-a reads its new region" 1 "$(sub_a tocsin/v1/region/310101/alert/+)"
check "moved: r-a no longer reads its old one" 0 "$(sub_a tocsin/v1/region/120116/alert/+)"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
check "moved back" 1 "$(sub_a tocsin/v1/region/120116/alert/+)"

# Accounts follow the registry while the broker runs.
printf 'id,kind,name,lat,lon,region\nr-c,loudspeaker,C,39.03,117.70,120116001002\n' >"$tmp/rx-c.csv"
"$tocsin" import receivers "$tmp/rx-c.csv" --server "$url" >/dev/null
"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null
sc=$(awk -F, '$1 == "r-c" {print $2}' "$tmp/cred.csv")
expect "an imported receiver's account works at once" wait_until 5 pub r-c r-c "$sc" tocsin/v1/rx/r-c/status \
	'{"v":1,"state":"online","at":5}'
check "remove" 0 "$("$tocsin" remove receivers r-c --server "$url" >/dev/null; echo $?)"
expect "a removed receiver's account is gone at once" wait_until 5 \
	test "$(pub r-c r-c "$sc" tocsin/v1/rx/r-c/status '{"v":1,"state":"online","at":6}'; echo $?)" -ne 0
check "removed from the registry" "r-a r-b" "$("$tocsin" export receivers --server "$url" | jq -r '[.[].id] | join(" ")')"
check "removing an unknown receiver" 1 "$("$tocsin" remove receivers r-c --server "$url" 2>/dev/null; echo $?)"

# tocsind puts every account back when it connects: the broker restarted with the plugin's
# first file, which has none of them.
stop_broker
cp "$tmp/dynsec-first.json" "$tmp/broker/dynamic-security.json"
expect "the first file has no receiver" test "$(grep -c r-b "$tmp/broker/dynamic-security.json")" = 0
start_secure_broker "$tmp" "$tmp/data" "$broker_port" || { echo "cannot restart the broker"; exit 1; }
expect "accounts restored on reconnection" wait_until 15 pub r-b r-b "$sb" tocsin/v1/rx/r-b/status \
	'{"v":1,"state":"online","at":7}'

# Setup again (a new server certificate, the same CA): the registered receivers' accounts are
# in the plugin's file at once, before tocsind is even there.
kill -9 "$pid"
wait "$pid" 2>/dev/null
stop_broker
rm "$tmp/broker/dynamic-security.json" "$tmp/broker/mosquitto.conf"
start_secure_broker "$tmp" "$tmp/data" "$broker_port" || { echo "cannot set the broker up again"; exit 1; }
check "the CA is kept" 0 "$(openssl verify -CAfile "$tmp/broker/ca.crt" "$tmp/broker/server.crt" >/dev/null 2>&1; echo $?)"
check "the device's CA still trusts the broker" 0 \
	"$(openssl verify -CAfile "$(sed -n 's/^cafile = //p' "$tmp/r-a.ini")" "$tmp/broker/server.crt" >/dev/null 2>&1; echo $?)"
expect "accounts written by setup work without tocsind" pub r-a r-a "$sa" tocsin/v1/rx/r-a/status \
	'{"v":1,"state":"online","at":8}'
start_server

# The whole loop over the secured broker: simulated receivers with their credentials, and a
# real loudspeaker with nothing but its provisioned file (and where to keep its state).
"$tocsin" provision --all --csv --server "$url" --out "$tmp/cred.csv" >/dev/null
grep -v '^r-c,' "$tmp/rx.csv" >"$tmp/sim.csv"
start_sim a --registry "$tmp/sim.csv" --delay-ms 100
printf 'id,kind,name,lat,lon,region\nr-d,loudspeaker,D,39.03,117.70,120116001003\n' >"$tmp/rx-d.csv"
"$tocsin" import receivers "$tmp/rx-d.csv" --server "$url" >/dev/null
"$tocsin" provision r-d --server "$url" --out "$tmp/r-d.conf" >/dev/null
printf 'audio_out = %s\nrealtime = false\ntone_ms = 500\nmax_repeats = 1\n' "$tmp/r-d.wav" >>"$tmp/r-d.conf"
"$receiver" --config "$tmp/r-d.conf" --state-dir "$tmp/r-d-state" 2>>"$tmp/rx.log" &
rx_pid=$!
expect "the loudspeaker logs in over TLS" wait_until 10 grep -q 'connected to 127.0.0.1' "$tmp/rx.log"
fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
expect "the alert played on the secured broker" wait_for "$orange" '.counts.played == 2' 60

check "no secret in any log" "" "$(grep -l -e "$sa" -e "$sb" -e "$sc" -e "$(cat "$tmp/data/broker.password")" \
	"$tmp"/*.log "$tmp/mosquitto.log" 2>/dev/null)"
expect "no secret on a command line" test -z "$(ps -eo args | grep -e "$sa" -e "$sb" | grep -v grep)"
# A password given as a flag anyway leaves the command line at once, with a warning.
flag_secret=f1a9$(date +%s%N)
"$receiver" --config "$tmp/r-d.conf" --id r-x --username r-x --password "$flag_secret" \
	--state-dir "$tmp/r-x-state" 2>"$tmp/rx-flag.log" &
flag_pid=$!
expect "a --password flag is read, with a warning" \
	wait_until 10 grep -q -- '--password was visible to other users' "$tmp/rx-flag.log"
expect "and wiped from the command line" bash -c "! grep -q -- '$flag_secret' /proc/$flag_pid/cmdline"
kill "$flag_pid"
check_log "$tmp/tocsind.log"
finish
