#!/usr/bin/env bash
# ack_rules.sh — tocsind believes only what can be true: forged acknowledgments and
# statuses from an ordinary MQTT client (mosquitto_pub) on the test broker, against
# tocsind, tocsin-sim receivers and the SMSC simulator.
#
# Ten villages of Binhai, one loudspeaker each, two of them silent; the store also holds
# two receivers registered before the id grammar: 'x#y' (a wildcard, cannot be published
# to) and 'rx:7' (outside the grammar). Then:
#  - the two bad ids fail with their reason and are escalated; the rest of the alert goes
#    out, and nothing stays planned, also after a restart;
#  - a forged played for 'rx:7', never sent, leaves coverage unchanged;
#  - a forged rejected for a silent receiver escalates at once: its village's officer gets
#    the escalation SMS;
#  - an acknowledgment naming another receiver than its topic's is ignored;
#  - a flood of online statuses causes at most one re-send per delivery per ack_timeout_s.
# Usage: ack_rules.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/smsc.sh"
. "$(dirname "$0")/tocsind_lib.sh"

cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	for s in "${sims[@]}"; do kill "$s" 2>/dev/null; done
	stop_smsc
	stop_broker
	store_drop
	rm -rf "$tmp"
}
trap cleanup EXIT

start_server() { # tocsind_lib's, with the SMS channel
	[ -s "$tmp/token.approver" ] || staff "$tmp/data"
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
		--broker "127.0.0.1:$broker_port" --smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin \
		--smpp-password secret 2>>"$tmp/tocsind.log" &
	pid=$!
	url=$(server_url "$tmp/data")
}

metric() { api viewer -s "$url/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
state_of() { api viewer -s "$url/api/v1/alerts/$id/deliveries" | jq -r --arg t "$1" '.deliveries[] | select(.target == $t) | .state'; }
delivery_of() { api viewer -s "$url/api/v1/alerts/$id/deliveries" | jq -c --arg t "$1" '.deliveries[] | select(.target == $t)'; }
forge_ack() { # forge_ack TOPIC_ID KIND [REASON] [RX]: an acknowledgment from anyone on the broker
	local body
	body=$(jq -nc --arg a "$id" --arg k "$2" --arg r "${3:-}" --arg rx "${4:-}" --argjson at "$(date +%s)" \
		'{v:1, alert:$a, ack:$k, at:$at} + (if $r != "" then {reason:$r} else {} end) + (if $rx != "" then {rx:$rx} else {} end)')
	mosquitto_pub -h 127.0.0.1 -p "$broker_port" -V mqttv5 -q 1 -t "tocsin/v1/rx/$1/ack" -m "$body"
}
sms_to() { jq -s --arg d "$1" '[.[] | select(.cmd == "submit_sm" and .dest == $d and (.text | test("ACK [0-9]{4}")))] | length' "$tmp/smsc.jsonl"; }

mkdir -p "$tmp/data"
start_broker "$tmp" || { echo "cannot start mosquitto"; exit 1; }
start_smsc "$tmp" --default-mode deliver --receipt-delay-ms 100 ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
printf '[tocsind]\nack_timeout_s = 10\nplay_timeout_s = 60\nmax_attempts = 3\nlog_level = debug\napproval_required = none\n' >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"

# Ten villages, one loudspeaker each; sim-00004 and sim-00009 silent (fail rate 0.2).
villages=$(for i in $(seq -w 0 9); do printf '12011600100%s,' "$i"; done)
"$sim" --emit-registry "$tmp/rx.csv" --count 10 --region "${villages%,}"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
{
	echo "phone,name,role,region,language"
	for i in $(seq 0 9); do echo "1380010000$i,信息员$i,信息员,12011600100$i,zh-CN"; done
} >"$tmp/contacts.csv"
"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >/dev/null
check "import refuses a wildcard id, naming line and id" 1 \
	"$(printf 'id,kind,name,lat,lon,region\nx#y,loudspeaker,X,39.0,117.7,120116001001\n' >"$tmp/bad.csv"
	   "$tocsin" import receivers "$tmp/bad.csv" --server "$url" 2>&1 | grep -c "line 2: id 'x#y'")"
# A store from before the grammar: written past the import's check.
store_sql "$tmp/data" \
	"INSERT INTO receivers (id, kind, name, lat, lon, region) VALUES
	 ('x#y', 'loudspeaker', 'X', 39.0, 117.7, '120116001001'), ('rx:7', 'loudspeaker', 'R', 39.0, 117.7, '120116001002')"
kill -TERM "$pid" # the registry is read at start
wait "$pid"
start_server
expect "server up with the old store" curl -sf "$url/healthz"
start_sim a --registry "$tmp/rx.csv" --fail-rate 0.2 --delay-ms 100
sleep 1.5

fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
id=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "typhoon accepted" 0 $?

# --- ids that cannot be published: that target alone fails --------------------------------
expect "the eight live receivers played" wait_for "$id" '.targets == 12 and .counts.played == 8' 60
check "x#y failed" failed "$(state_of 'x#y')"
check "rx:7 failed" failed "$(state_of 'rx:7')"
check "nothing planned" 0 "$(counts "$id" '.counts.planned')"
check "unpublishable counted" 2 "$(metric tocsin_unpublishable_total)"
expect "the reason is logged with the id" grep -q "target=x#y .*state=failed escalated: the receiver id 'x#y'" "$tmp/tocsind.log"

# --- a forged played for a delivery never sent ---------------------------------------------
covered=$(counts "$id" '.counts.played + .counts.displayed')
forge_ack 'rx:7' played
expect "counted as not-sent" wait_until 5 eval 'test "$(metric '\''tocsin_acks_total{outcome="not-sent"}'\'')" = 1'
check "coverage unchanged" "$covered" "$(counts "$id" '.counts.played + .counts.displayed')"
check "rx:7 still failed" failed "$(state_of 'rx:7')"

# --- an acknowledgment naming another receiver than its topic's ----------------------------
forge_ack sim-00009 played "" sim-00001
expect "counted as other-receiver" wait_until 5 eval 'test "$(metric '\''tocsin_acks_total{outcome="other-receiver"}'\'')" = 1'
check "sim-00009 not played" true "$(case $(state_of sim-00009) in sent | escalated) echo true ;; esac)"

# --- a forged rejected escalates at once, to the village's officer -------------------------
forge_ack sim-00004 rejected malformed-payload
expect "sim-00004 rejected" wait_until 5 eval 'test "$(state_of sim-00004)" = rejected'
expect "its officer got the escalation SMS" wait_until 10 eval 'test "$(sms_to 8613800100004)" -ge 1'
check "the rejection names the reason" true \
	"$(store_sql "$tmp/data" "SELECT reason FROM escalations WHERE target = 'sim-00004'" |
	   grep -q '^rejected: malformed-payload$' && echo true)"

# --- a flood of online statuses: at most one re-send per ack_timeout_s ---------------------
resends=$(metric tocsin_resends_total)
held=$(metric tocsin_resends_held_total)
status=$(jq -nc --argjson at "$(date +%s)" '{v:1, state:"online", at:$at}')
for _ in $(seq 200); do echo "$status"; done |
	mosquitto_pub -h 127.0.0.1 -p "$broker_port" -V mqttv5 -q 1 -t tocsin/v1/rx/sim-00009/status -l
expect "199 or more re-sends held" wait_until 10 eval 'test "$(($(metric tocsin_resends_held_total) - held))" -ge 199'
check "at most two re-sends (one online, one timer) meanwhile" true \
	"$([ $(($(metric tocsin_resends_total) - resends)) -le 2 ] && echo true)"

# --- a restart: nothing planned, the failed stay failed ------------------------------------
kill -TERM "$pid"
wait "$pid"
start_server
expect "server up again" curl -sf "$url/healthz"
sleep 2
check "nothing planned after the restart" 0 "$(counts "$id" '.counts.planned')"
check "x#y still failed after the restart" failed "$(state_of 'x#y')"

kill -TERM "$pid"
wait "$pid"
pid=
check_log "$tmp/tocsind.log"
finish
