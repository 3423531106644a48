#!/usr/bin/env bash
# relay.sh — the relay with confirmation (叫应) with real parts: the secured
# mosquitto of tocsin broker setup, tocsind with --smpp to the SMSC simulator
# (each number's mode set), tocsin-sim loudspeakers, all on loopback.
#
# Chains from the contacts registry (relay column): town 120116001 值班室 →
# 副镇长, whose first person never replies and whose second does; town
# 120116002, where nobody replies, so its chain runs out; village
# 120116001001's 村信息员, who replies. An orange typhoon warning for the
# county starts the three chains; after relay_confirm_s the second person of
# each town is told; replies with their codes confirm; forged replies (a
# wrong code, another phone with the right code) confirm nothing; a restart
# in the middle of the chains sends nothing twice and goes on; the district
# duty room gets one SMS naming the town that ran out; the report shows who
# was told and when, who confirmed, and masks numbers for a viewer. A yellow
# warning (below relay_min_colour) starts no relay.
# Usage: relay.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
pid=
sim_pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/smsc.sh"
trap cleanup_sms EXIT

start_server() {
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
		--broker "$broker_url" --smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin \
		--smpp-password-file "$tmp/smpp.password" --smpp-tps 40 2>>"$tmp/tocsind.log" &
	pid=$!
	url=$(server_url "$tmp/data")
}
stop_server() {
	kill -TERM "$pid"
	wait "$pid"
	check "clean stop" 0 $?
	pid=
}

mkdir -p "$tmp/data"
staff "$tmp/data"
"$tocsin" user add t-gateway --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gateway"
[ -s "$tmp/token.gateway" ] || { echo "FAIL no gateway user: $(cat "$tmp/staff.log")"; exit 1; }
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
# Nobody replies but the town's second person and the village's officer, and only to a coded SMS.
start_smsc "$tmp" --password s3cr3t --default-mode deliver --reply-match 'ACK [0-9]{6}' --reply-text '收到 {code}' \
	--receipt-delay-ms 100 --mode 8613800200012=reply --mode 8613800200031=reply ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
printf 's3cr3t\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nlog_level = debug\napproval_required = none\nrelay_confirm_s = 6\n' \
	>"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"

# two villages, one loudspeaker each; the one of 120116001001 (sim-00001) stays silent
"$sim" --emit-registry "$tmp/rx.csv" --count 2 --region 120116002001,120116001001
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
cat >"$tmp/contacts.csv" <<'CSV'
phone,name,role,region,language,relay
13800200011,镇值班室,镇值班室,120116001,zh-CN,1
13800200012,分管副镇长,分管副镇长,120116001,zh-CN,2
13800200021,二镇值班室,镇值班室,120116002,zh-CN,1
13800200022,二镇镇长,镇长,120116002,zh-CN,3
13800200031,村信息员,村信息员,120116001001,zh-CN,1
13800200099,区值班室,区值班室,120116,zh-CN,
13800200098,外县值班室,区值班室,120117,zh-CN,
CSV
check "chains imported" 0 "$("$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >"$tmp/import.out" 2>&1; echo $?)"
printf 'phone,name,role,region,relay\n13800200041,甲,村支书,120116002001,1\n13800200042,乙,村支书,120116002001,1\n' \
	>"$tmp/twice.csv"
"$tocsin" import contacts "$tmp/twice.csv" --server "$url" >"$tmp/twice.out" 2>&1
expect "the same place twice is refused with its line" \
	grep -q "line 3: relay 1 of region 120116002001 is already line 2's" "$tmp/twice.out"
check "the export carries the chain" "+8613800200022,二镇镇长,镇长,120116002,zh-CN,3" \
	"$(api registry -s "$url/api/v1/contacts?format=csv" | grep 8613800200022)"
"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null
"$sim" --registry "$tmp/rx.csv" --broker "$broker_url" --cafile "$broker_ca" --credentials "$tmp/credentials.csv" \
	--pubkey "$tmp/data/signing.pub" --fail-rate 0.5 --delay-ms 100 2>>"$tmp/sim.log" &
sim_pid=$!
sleep 1.5

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sql() { store_sql "$tmp/data" "$1" ' '; }
count_is() { test "$(sql "$1")" = "$2"; }
sent_at_least() { test "$(relay_sent)" -ge "$1"; }
duty_told() { test "$(smsc_count "$tmp" '.cmd == "submit_sm" and .dest == "8613800200099"')" -ge 1; }
relay_sent() { smsc_count "$tmp" '.cmd == "submit_sm" and .status == 0 and (.text | test("叫应："))'; }

# --- a yellow warning starts no relay ---------------------------------------------------------
sed -e "s/2026-07-25T19:10/${tomorrow}T19:10/g" -e "s/2026-07-25T13:10/${today}T00:10/g" -e "s/_20260725131000/_${today//-/}001000/g" \
	"$examples/cn-lightning-yellow.xml" >"$tmp/yellow.xml"
yellow=$("$tocsin" submit "$tmp/yellow.xml" --server "$url")
check "yellow accepted" 0 $?
expect "its SMS considered" wait_until 30 count_is "SELECT count(*) FROM sms_alerts WHERE alert_id = '$yellow'" 1
check "no relay for yellow" '0 0' "$(sql "SELECT count(*), (SELECT count(*) FROM relay_alerts) FROM relay_chains")"

# --- orange: the first person of each chain ---------------------------------------------------
sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
	"$examples/cn-typhoon-orange.xml" | sed "s|<expires>${today}T|<expires>${tomorrow}T|" >"$tmp/orange.xml"
id=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "orange accepted" 0 $?
expect "three chains started" wait_until 30 count_is "SELECT count(*) FROM relay_chains WHERE alert_id = '$id'" 3
expect "the first persons told" wait_until 30 sent_at_least 3
check "the first of each chain, nobody else" '["8613800200011","8613800200021","8613800200031"]' \
	"$(jq -s -c '[.[] | select(.cmd == "submit_sm" and (.text | test("叫应：")))] | map(.dest) | unique' "$tmp/smsc.jsonl")"

# --- forged replies confirm nothing -----------------------------------------------------------
mo() { api gateway -s -o /dev/null -w '%{http_code}' -G "$url/api/v1/sms/mo" --data-urlencode "from=$1" --data-urlencode "text=$2"; }
code_b=$(sql "SELECT code FROM sms_messages WHERE phone = '+8613800200021' AND purpose = 'relay'")
check "a wrong code from the told phone" 200 "$(mo 8613800200021 "收到 $(printf '%06d' $(( (10#$code_b + 1) % 1000000 )))")"
check "the right code from another phone" 200 "$(mo 8613800200022 "收到 $code_b")"
check "a plain reply (a relay SMS needs its code)" 200 "$(mo 8613800200021 "收到")"
check "town 2 still waits" waiting "$(sql "SELECT state FROM relay_chains WHERE alert_id = '$id' AND region = '120116002'")"

# --- a restart in the middle of the chains ------------------------------------------------------
before=$(relay_sent)
stop_server
start_server
expect "up again" curl -sf "$url/healthz"
expect "the village confirmed by its officer" wait_for "$id" \
	'[.relay[] | select(.region == "120116001001" and .state == "confirmed")] | length == 1' 30
check "nothing told again after the restart" "$before" "$(relay_sent)"

# --- the second persons, a confirmation, a chain that runs out ---------------------------------
TOCSIN_TOKEN=$(cat "$tmp/token.registry") expect "town 1 confirmed by its second person, town 2 ran out" wait_for "$id" \
	'([.relay[] | select(.region == "120116001" and .state == "confirmed")] | length == 1) and
	 ([.relay[] | select(.region == "120116002" and .state == "ran-out")] | length == 1)' 60
check "town 1: who was told, in order, and who confirmed" \
	'[[1,"+8613800200011","镇值班室",false,null],[2,"+8613800200012","分管副镇长",true,"收到 CODE"]]' \
	"$(jq -c '[.relay[] | select(.region == "120116001") | .steps[] | [.position, .phone, .role, .confirmed, (.reply | if . then sub("[0-9]{6}"; "CODE") else . end)]]' "$tmp/status.json")"
check "the second was told relay_confirm_s after the first" true \
	"$(jq '[.relay[] | select(.region == "120116001") | .steps] | .[0] | (.[1].told_at - .[0].told_at) >= 6 and .[1].confirmed_at >= .[1].told_at' "$tmp/status.json")"
check "town 2: both told, nobody confirmed" '[[1,false],[3,false]]' \
	"$(jq -c '[.relay[] | select(.region == "120116002") | .steps[] | [.position, .confirmed]]' "$tmp/status.json")"
check "levels, by region" '["town","village","town"]' "$(jq -c '[.relay[].level]' "$tmp/status.json")"
check "every relay SMS went once" 0 \
	"$(jq -s '[.[] | select(.cmd == "submit_sm" and .status == 0 and (.text | test("叫应：")))] | group_by([.dest, .udh, .text]) | map(select(length > 1)) | length' "$tmp/smsc.jsonl")"
check "five people told in all" '["8613800200011","8613800200012","8613800200021","8613800200022","8613800200031"]' \
	"$(jq -s -c '[.[] | select(.cmd == "submit_sm" and (.text | test("叫应：")))] | map(.dest) | unique' "$tmp/smsc.jsonl")"

# --- the district duty room: one SMS naming the town that ran out ------------------------------
expect "the duty room told" wait_until 30 duty_told
duty=$(jq -s -r '[.[] | select(.cmd == "submit_sm" and .dest == "8613800200099")] | map(.text) | join("")' "$tmp/smsc.jsonl")
check "one duty SMS" 1 "$(sql "SELECT count(*) FROM sms_messages WHERE purpose = 'relay-duty'")"
check "it names town 2 and not town 1" "yes no" \
	"$(case $duty in *120116002*) echo -n yes;; *) echo -n no;; esac; echo -n ' '; case $duty in *120116001*) echo no-but-yes;; *) echo no;; esac)"
check "no code and no phone number in it" "" "$(grep -oE 'ACK|[0-9]{11}' <<<"$duty")"
check "the duty room of another county is not told" 0 "$(smsc_count "$tmp" '.dest == "8613800200098"')"

# --- the report: a viewer sees who and when, not the numbers; coverage with people ---------------
api viewer -s "$url/api/v1/alerts/$id/report" >"$tmp/report.json"
check "report: masked numbers" '["+86138****0011","+86138****0012"]' \
	"$(jq -c '[.relay[] | select(.region == "120116001") | .steps[].phone]' "$tmp/report.json")"
check "report: coverage by loudspeaker 50, with people 100 (the silent village confirmed its relay)" '50 2 1 100' \
	"$(jq -r '"\(.coverage) \(.people.relay_confirmed) \(.people.relay_ran_out) \(.people.coverage_with_people)"' "$tmp/report.json")"
"$tocsin" status "$id" --server "$url" >"$tmp/status.txt"
expect "tocsin status shows the relay per town" grep -q "relay 120116002 town ran-out" "$tmp/status.txt"
api viewer -s "$url/metrics" >"$tmp/metrics"
# (counted since the restart: the second persons told, town 1 confirmed, town 2 ran out)
for m in 'event="sent"} 2' 'event="ran_out"} 1' 'event="duty_told"} 1'; do
	expect "metric tocsin_relay_total{$m" grep -qF "tocsin_relay_total{$m" "$tmp/metrics"
done
expect "metric: confirmations" grep -qE 'tocsin_relay_total\{event="confirmed"\} [12]$' "$tmp/metrics"

# --- a Cancel starts no chain (nothing to confirm); a Test tells nobody -----------------------------
sed -e "s/2026-08-1[23]T/${today}T/g" -e "s/_2026081[23]/_${today//-/}/g" "$examples/cn-typhoon-cancel.xml" |
	sed "s|<expires>${today}T[0-9:]*|<expires>${tomorrow}T20:00:00|" >"$tmp/cancel.xml"
cancel=$("$tocsin" submit "$tmp/cancel.xml" --server "$url")
check "cancel accepted" 0 $?
sed -e "s/2026-07-2[01]T/${today}T/g" -e "s/_20260720/_${today//-/}/g" -e "s|<status>Actual</status>|<status>Test</status>|" \
	"$examples/cn-rainstorm-red.xml" | sed "s|<expires>${today}T[0-9:]*|<expires>${tomorrow}T02:30:00|g" >"$tmp/test.xml"
test_id=$("$tocsin" submit "$tmp/test.xml" --server "$url")
check "red Test accepted" 0 $?
expect "the Cancel's SMS considered" wait_until 30 count_is "SELECT count(*) FROM sms_alerts WHERE alert_id = '$cancel'" 1
expect "the Test's SMS considered" wait_until 30 count_is "SELECT count(*) FROM sms_alerts WHERE alert_id = '$test_id'" 1
check "the Cancel starts no chain" 0 "$(sql "SELECT count(*) FROM relay_chains WHERE alert_id = '$cancel'")"
check "the Test sends no SMS and starts no chain" '0 0' \
	"$(sql "SELECT count(*), (SELECT count(*) FROM relay_chains WHERE alert_id = '$test_id') FROM sms_messages WHERE alert_id = '$test_id'")"

stop_server
check_log "$tmp/tocsind.log"
finish
