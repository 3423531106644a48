#!/usr/bin/env bash
# health.sh — receiver health with real parts: mosquitto, tocsind with --smpp, tocsin-sim
# receivers and the SMSC simulator. Two towns of Binhai (120116):
#   town 120116001: a-00000..a-00005 (a-00004 silent), s-00000 (stopped after the alerts);
#   town 120116002: c-00000..c-00003 (c-00000 fails its audio self-check), k-00000 (clock
#   120 s ahead), off-1 (registered, never started).
# Two typhoon warnings (a-00004 and off-1 stay silent in both: escalated), then a silent drill at
# a slot the test sets (TOCSIN_TEST_CLOCK_OFFSET), then the daily maintenance SMS a minute later.
#  - the list names exactly those receivers with the right problems and evidence; per-town
#    figures; the /metrics gauges; the CSV; tocsin health;
#  - the maintenance contacts (role 维护, the most specific covering each receiver) get one
#    escalation SMS per receiver that day, not one per escalation; the daily SMS at the set time
#    lists their receivers, and not again after a restart the same day;
#  - a viewer of another region sees nothing, the gateway role is refused; a status claiming
#    another receiver's id changes nothing of that receiver's health.
# Usage: health.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
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
trap 'stop_smsc; [ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"; cleanup' EXIT

# The drill slot is tomorrow 10:00 Beijing time, the daily SMS 10:01; tocsind's schedule clock
# starts 30 s before the slot.
slot=$(TZ=Asia/Shanghai date -d 'tomorrow 10:00' +%s)
day=$(TZ=Asia/Shanghai date -d 'tomorrow' +%Y-%m-%d)
export TOCSIN_TEST_CLOCK_OFFSET=$((slot - 30 - $(date +%s)))

mkdir -p "$tmp/data"
start_broker "$tmp" || { echo "cannot start mosquitto"; exit 1; }
broker_port=$(grep -o 'listener [0-9]*' "$tmp/mosquitto.conf" | cut -d' ' -f2)
start_smsc "$tmp" --password s3cr3t --default-mode deliver --receipt-delay-ms 100 ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
printf 's3cr3t\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
cat >"$tmp/tocsind.conf" <<EOF
[tocsind]
ack_timeout_s = 2
max_attempts = 2
play_timeout_s = 30
drill_sender = binhai-weather@example.cn
drill = daily 10:00 silent 120116
health_offline_h = 0
health_silent_alerts = 2
health_clock_s = 30
maintenance_sms_at = 10:01
EOF
smpp=(--smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin --smpp-password-file "$tmp/smpp.password")

# --- bad settings are refused at start, naming what is wrong --------------------------------------
printf '[tocsind]\nmaintenance_sms_at = 8:30\n' >"$tmp/bad.conf"
"$tocsind" --config "$tmp/bad.conf" --data-dir "$tmp/bad" --http 127.0.0.1:0 --broker none 2>"$tmp/bad.err"
check "bad maintenance_sms_at: exit 2" 2 $?
expect "named" grep -q "maintenance_sms_at = '8:30' is not a time of day HH:MM" "$tmp/bad.err"
printf '[tocsind]\nhealth_silent_alerts = 0\n' >"$tmp/bad.conf"
"$tocsind" --config "$tmp/bad.conf" --data-dir "$tmp/bad" --http 127.0.0.1:0 --broker none 2>"$tmp/bad.err"
check "health_silent_alerts 0: exit 2" 2 $?

start_server "${smpp[@]}"
expect "server up" wait_until 20 curl -sf "$url/healthz"
"$sim" --emit-registry "$tmp/a.csv" --count 6 --region 120116001001 --id-prefix a-
"$sim" --emit-registry "$tmp/s.csv" --count 1 --region 120116001002 --id-prefix s-
"$sim" --emit-registry "$tmp/c.csv" --count 4 --region 120116002001 --id-prefix c-
"$sim" --emit-registry "$tmp/k.csv" --count 1 --region 120116002002 --id-prefix k-
{
	echo "id,kind,name,lat,lon,region"
	for f in a s c k; do tail -n +2 "$tmp/$f.csv"; done
	echo "off-1,loudspeaker,新港三村大喇叭,39.0102,117.6950,120116002003"
} >"$tmp/registry.csv"
"$tocsin" import receivers "$tmp/registry.csv" --server "$url" >/dev/null
check "registry imported" 0 $?
{
	echo "phone,name,role,region,language"
	echo "13900000001,县维护,维护,120116,zh-CN"
	echo "13900000002,Town maintenance,维护,120116001,en-US"
	echo "13900000003,外县维护,维护,120117,zh-CN"
	echo "13800000001,信息员,信息员,120116001001,zh-CN"
} >"$tmp/contacts.csv"
"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >/dev/null
check "contacts imported" 0 $?
start_sim a --registry "$tmp/a.csv" --fail-rate 0.2 --delay-ms 100
start_sim s --registry "$tmp/s.csv" --delay-ms 100
start_sim c --registry "$tmp/c.csv" --fail-check audio:0.25 --delay-ms 100
start_sim k --registry "$tmp/k.csv" --clock-offset-s 120 --delay-ms 100
fleet_has() { api approver -s "$url/api/v1/fleet" | jq -e "$1"; }
expect "the receivers online" wait_until 20 fleet_has '[.receivers[] | select(.online)] | length == 12'

# --- two typhoon warnings: a-00004 and off-1 stay silent in both ----------------------------------
fresh cn-typhoon-orange.xml >"$tmp/t1.xml"
sed 's|\(<identifier>[^<]*\)</identifier>|\1-2</identifier>|' "$tmp/t1.xml" >"$tmp/t2.xml"
id1=$("$tocsin" submit "$tmp/t1.xml" --server "$url")
check "first warning accepted" 0 $?
expect "first: escalated" wait_for "$id1" '.counts.escalated == 2 and .counts.played == 11' 60
id2=$("$tocsin" submit "$tmp/t2.xml" --server "$url")
check "second warning accepted" 0 $?
expect "second: escalated" wait_for "$id2" '.counts.escalated == 2 and .counts.played == 11' 60
# s-00000 goes away cleanly (its status says offline)
kill -TERM "$sim_s"
expect "s-00000 offline" wait_until 20 fleet_has '.receivers[] | select(.id == "s-00000") | .online == false'

# --- the maintenance contacts' escalation SMS: once a receiver that day -------------------------
maint_sms() { # PHONE TEXT-REGEX: how often TEXT-REGEX is found in what the SMSC took for PHONE (parts joined)
	jq -s -r --arg d "$1" '[.[] | select(.cmd == "submit_sm" and .dest == $d) | .text] | join("")' "$tmp/smsc.jsonl" |
		grep -oE "$2" | wc -l
}
expect "the town's maintenance contact told of a-00004" wait_until 30 sh -c \
	"[ \"\$(jq -s '[.[] | select(.cmd == \"submit_sm\" and .dest == \"8613900000002\" and (.text | test(\"a-00004\")))] | length' $tmp/smsc.jsonl)\" -ge 1 ]"
expect "the county's told of off-1" wait_until 30 sh -c \
	"[ \"\$(jq -s '[.[] | select(.cmd == \"submit_sm\" and .dest == \"8613900000001\" and (.text | test(\"off-1\")))] | length' $tmp/smsc.jsonl)\" -ge 1 ]"
sleep 2
check "a-00004: one SMS for two escalations, in English" 1 "$(maint_sms 8613900000002 'Loudspeaker a-00004 [^.]*did not play alert')"
check "off-1: one SMS, in Chinese" 1 "$(maint_sms 8613900000001 '广播终端 off-1（')"
check "the county's contact is not told of the town's receiver" 0 "$(maint_sms 8613900000001 'a-00004')"
check "another county's contact hears nothing" 0 "$(maint_sms 8613900000003 '.')"

# --- the silent drill at its slot: c-00000 fails its audio check -------------------------------
expect "the drill ran" wait_until 60 sh -c \
	"curl -sf -H 'Authorization: Bearer $(cat "$tmp/token.viewer")' $url/api/v1/drills/runs | jq -e '.runs | length == 1'"
drill=$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].alert_id')
expect "the self-checks came in" wait_for "$drill" '(.counts.played + .counts.failed + .counts.escalated + .counts.expired) >= 10' 60
sleep 2
check "the drill's escalations tell no one again today" 1 "$(maint_sms 8613900000002 'a-00004')"
check "c-00000, escalated for its failed check, told once" 1 "$(maint_sms 8613900000001 '广播终端 c-00000（')"
expect "a-00004 escalated in the drill" wait_for "$drill" '[.escalated[] | select(.receivers | index("a-00004"))] | length == 1' 60
sleep 3 # the SMS engine's next rounds
check "the village's officer is not told of the Test a-00004 failed" 0 \
	"$("$tocsin" status "$drill" --json --server "$url" | jq '[.escalated[] | select(.receivers | index("a-00004")) | .officers[]] | length')"
check "... but was of the two warnings it missed" 2 "$(maint_sms 8613800000001 '收到 [0-9]{6}')"

# --- a forged status on a's own topic naming c-00001 changes nothing of c-00001 ----------------
mosquitto_pub -h 127.0.0.1 -p "$broker_port" -q 1 -t tocsin/v1/rx/a-00000/status \
	-m "{\"v\":1,\"state\":\"offline\",\"at\":$(($(date +%s) + 900)),\"rx\":\"c-00001\"}"
sleep 1

# --- the list, as the approver (every region) -----------------------------------------------------
list() { api approver -s "$url/api/v1/health" | jq -c '[.receivers[] | [.id, [.problems[].problem]]] | sort'; }
want='[["a-00004",["silent"]],["c-00000",["self-check"]],["k-00000",["clock"]],["off-1",["offline","silent"]],["s-00000",["offline"]]]'
expect "the list names exactly the failing receivers" wait_until 60 sh -c "[ '$(echo "$want")' = \"\$(curl -s -H 'Authorization: Bearer $(cat "$tmp/token.approver")' $url/api/v1/health | jq -c '[.receivers[] | [.id, [.problems[].problem]]] | sort')\" ]"
check "the list" "$want" "$(list)"
api approver -s "$url/api/v1/health" >"$tmp/health.json"
check "evidence: the failed check" true \
	"$(jq '.receivers[] | select(.id == "c-00000") | .problems[0].evidence | test("self-check of alert .* audio simulated-failure, storage ok")' "$tmp/health.json")"
check "evidence: the silent alerts" true \
	"$(jq --arg a "$id1" --arg b "$id2" '.receivers[] | select(.id == "a-00004") | .problems[0].evidence == "no answer in the last 2 alert(s): \($b) \($a)"' "$tmp/health.json")"
check "evidence: the clock" true \
	"$(jq '.receivers[] | select(.id == "k-00000") | .problems[0].evidence | test("clock \\+1[12][0-9] s off")' "$tmp/health.json")"
check "evidence: never heard from" true \
	"$(jq '.receivers[] | select(.id == "off-1") | .problems[0].evidence | test("never heard from since ")' "$tmp/health.json")"
check "on the list since" true "$(jq '[.receivers[].since] | all(. > 0)' "$tmp/health.json")"
check "kind, name, region and town" '["loudspeaker","120116001001","120116001"]' \
	"$(jq -c '.receivers[] | select(.id == "a-00004") | [.kind, .region, .town]' "$tmp/health.json")"
check "per town: receivers, listed, health" '[["120116001",7,2,0.714],["120116002",6,3,0.5]]' \
	"$(jq -c '[.towns[] | [.town, .receivers, .listed, (.health * 1000 | floor / 1000)]]' "$tmp/health.json")"
check "counts" '{"offline":2,"self-check":1,"silent":2,"clock":1,"listed":5,"receivers":13}' "$(jq -c .counts "$tmp/health.json")"
check "the forged status left c-00001 alone" 0 "$(jq '[.receivers[] | select(.id == "c-00001" or .id == "a-00000")] | length' "$tmp/health.json")"

# --- CSV and the command line ---------------------------------------------------------------------
api approver -s "$url/api/v1/health?format=csv" >"$tmp/health.csv"
check "CSV header" "receiver,kind,name,region,town,since,problem,evidence" "$(head -1 "$tmp/health.csv")"
check "CSV: one row per problem" 6 "$(tail -n +2 "$tmp/health.csv" | wc -l)"
expect "CSV: off-1 silent" grep -q '^off-1,loudspeaker,新港三村大喇叭,120116002003,120116002,.*,silent,no answer in the last 2' "$tmp/health.csv"
check "bad format named" "format must be json or csv (got 'xml')" \
	"$(api approver -s "$url/api/v1/health?format=xml" | jq -r '.errors[0].message')"
"$tocsin" health --server "$url" >"$tmp/health.txt"
check "tocsin health" 0 $?
expect "tocsin health lists them" grep -q "^5 of 13 receiver(s) on the maintenance list" "$tmp/health.txt"
expect "tocsin health: the town" grep -qE "^120116002 +6 +3 +50.0%" "$tmp/health.txt"
"$tocsin" health --csv --json --server "$url" 2>/dev/null
check "--csv with --json: usage" 2 $?

# --- who may read it ------------------------------------------------------------------------------
"$tocsin_real" user add t-far --role viewer --region 110101 --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.far"
"$tocsin_real" user add t-town --role viewer --region 120116002 --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.town"
"$tocsin_real" user add t-gw --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gw"
check "a viewer of another region sees nothing" '[[],[],0]' \
	"$(api far -s "$url/api/v1/health" | jq -c '[.receivers, .towns, .counts.receivers]')"
check "a viewer of town 120116002 sees its own" '[["c-00000","k-00000","off-1"],["120116002"]]' \
	"$(api town -s "$url/api/v1/health" | jq -c '[([.receivers[].id] | sort), [.towns[].town]]')"
check "the gateway role is refused" 403 "$(api gw -s -o /dev/null -w '%{http_code}' "$url/api/v1/health")"
check "without a token" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/health")"

# --- the gauges (after tocsind's next pass) -------------------------------------------------------
gauge() { api viewer -s "$url/metrics" | grep -F "$1 " | awk '{print $2}'; }
# (a pass judges every receiver at once, so wait for one that saw s-00000 offline too)
expect "the gauges count the list" wait_until 70 sh -c \
	"curl -s -H 'Authorization: Bearer $(cat "$tmp/token.viewer")' $url/metrics |
	 grep -cE '^(tocsin_maintenance_list 5|tocsin_receivers_unhealthy\\{problem=\"offline\"\\} 2)$' | grep -qx 2"
check "gauge offline" 2 "$(gauge 'tocsin_receivers_unhealthy{problem="offline"}')"
check "gauge self-check" 1 "$(gauge 'tocsin_receivers_unhealthy{problem="self-check"}')"
check "gauge silent" 2 "$(gauge 'tocsin_receivers_unhealthy{problem="silent"}')"
check "gauge clock" 1 "$(gauge 'tocsin_receivers_unhealthy{problem="clock"}')"
check "gauge town 120116002" 0.5000 "$(gauge 'tocsin_town_health{town="120116002"}')"
check "gauge town 120116001" 0.7143 "$(gauge 'tocsin_town_health{town="120116001"}')"
api approver -s "$url/api/v1/health?format=csv" >"$tmp/health.csv"
check "tocsin health --csv, as the API's (since is fixed once judged)" "$(cat "$tmp/health.csv")" \
	"$("$tocsin" health --csv --server "$url")"

# --- the daily SMS at 10:01 (test clock), once, also across a restart ----------------------------
expect "the daily SMS went out" wait_until 90 sh -c \
	"curl -s -H 'Authorization: Bearer $(cat "$tmp/token.admin")' '$url/api/v1/audit?limit=1000' | jq -e '[.rows[] | select(.action == \"maintenance-sms\")] | length == 1'"
expect "both contacts' daily SMS reached the SMSC" wait_until 30 sh -c \
	"[ \"\$(jq -s '[.[] | select(.cmd == \"submit_sm\" and (.text | test(\"maintenance list|维护清单\")))] | map(.dest) | unique | length' $tmp/smsc.jsonl)\" = 2 ]"
check "the town's contact: its two receivers, in English" 1 \
	"$(maint_sms 8613900000002 '2 receiver.s. in your area are on the maintenance list: a-00004 [^;]*\(silent\); s-00000 [^;]*\(offline\);')"
check "the county's contact: town 120116002's three" 1 \
	"$(maint_sms 8613900000001 '有3台接收终端在维护清单上：c-00000 [^；]*（自检失败）；k-00000 [^；]*（时钟偏差）；off-1 [^；]*（离线、多次无应答）；')"
check "the day's audit names the day" "$day" \
	"$(api admin -s "$url/api/v1/audit?limit=1000" | jq -r '[.rows[] | select(.action == "maintenance-sms")][0].object')"
kill -TERM "$pid"
wait "$pid"
start_server "${smpp[@]}"
expect "server up again" wait_until 20 curl -sf "$url/healthz"
sleep 5
check "no second daily SMS after the restart" "1 1" \
	"$(maint_sms 8613900000001 '维护清单') $(maint_sms 8613900000002 'maintenance list')"
check "nor a second audit row" 1 \
	"$(api admin -s "$url/api/v1/audit?limit=1000" | jq '[.rows[] | select(.action == "maintenance-sms")] | length')"
finish
