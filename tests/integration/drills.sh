#!/usr/bin/env bash
# drills.sh — scheduled tests from tocsind.conf with real parts: the secured
# mosquitto of tocsin broker setup, tocsind, tocsin-sim receivers (some refuse
# drills, one is silent, one fails its audio check) and one tocsin-receiver
# whose sound card is an ALSA file device. The schedule's clock is moved with
# TOCSIN_TEST_CLOCK_OFFSET so that a slot falls a few seconds after a start.
#
#  - the weekly silent test reaches only receivers that accept drills, is not
#    held for approval, is audited as the schedule's; the real receiver
#    answers `checked` and nothing is heard;
#  - the run's report (JSON and CSV, API and CLI) names exactly the silent
#    receiver and the failed check; the others answered within the target;
#  - a restart after the slot does not run it again;
#  - the monthly audible test is played by the real receiver, announced as a
#    drill in its speech script.
# Usage: drills.sh TOCSIND TOCSIN TOCSIN_SIM TOCSIN_RECEIVER RX_ANALYSE EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
receiver=$4
analyse=$5
examples=$6
publish=/bin/false
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"
. "$(dirname "$0")/rx_lib.sh"
trap 'rx_stop; cleanup' EXIT

# The two slots the test runs: next Wednesday 10:00 and the first Monday of next month 10:00,
# Beijing time (offset_to, tocsind_lib.sh, moves tocsind's clock to a few seconds before one).
wed=$(TZ=Asia/Shanghai date -d 'next wed 10:00' +%s)
m1=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-15) +1 month" +%Y-%m-01)
dow=$(date -d "$m1" +%u)
mon=$(TZ=Asia/Shanghai date -d "${m1:0:8}$(printf %02d $(((8 - dow) % 7 + 1))) 10:00" +%s)

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
record_acks
# Drills go out without a second person although every status needs one here.
cat >"$tmp/tocsind.conf" <<EOF
[tocsind]
approval_required = Actual Exercise Test
ack_timeout_s = 2
max_attempts = 2
play_timeout_s = 60
drill_sender = binhai-weather@example.cn
drill_catchup_s = 600
drill = weekly wed 10:00 silent *
drill = monthly first-mon 10:00 audible 120116001003
EOF

# --- a bad entry is refused at start, naming the file and the line ----------------------------
printf '[tocsind]\ndrill_sender = x@example.cn\ndrill = weekly wed 10:00 silent *\ndrill = weekly wednesday 25:00 loud *\n' \
	>"$tmp/bad.conf"
"$tocsind" --config "$tmp/bad.conf" --data-dir "$tmp/bad" --http 127.0.0.1:0 --broker none 2>"$tmp/bad.err"
check "bad drill entry: exit 2" 2 $?
expect "bad drill entry named with file and line" grep -q "bad.conf:4: drill = " "$tmp/bad.err"
printf '[tocsind]\ndrill = daily 10:00 silent *\n' >"$tmp/nosender.conf"
"$tocsind" --config "$tmp/nosender.conf" --data-dir "$tmp/bad" --http 127.0.0.1:0 --broker none 2>"$tmp/nosender.err"
check "drills without drill_sender: exit 2" 2 $?
expect "drill_sender asked for" grep -q "drill_sender" "$tmp/nosender.err"

# --- the registry: villages of two towns of Binhai (120116) -----------------------------------
# a: 10 receivers, drills yes, a-00009 silent; b: 5 that refuse drills; c: 5 in another town,
# c-00000 fails its audio check (--fail-check picks from the end of the list what --fail-rate
# picks from its start); rx-1: the real loudspeaker in a village of its own.
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$wed" 3600)
start_server
expect "server up" wait_until 20 curl -sf "$url/healthz"
"$sim" --emit-registry "$tmp/a.csv" --count 10 --region 120116001001 --id-prefix a-
"$sim" --emit-registry "$tmp/b.csv" --count 5 --region 120116001002 --id-prefix b-
"$sim" --emit-registry "$tmp/c.csv" --count 5 --region 120116002001 --id-prefix c-
{
	echo "id,kind,name,lat,lon,region,shelter,drills"
	for f in a c; do tail -n +2 "$tmp/$f.csv" | sed 's/$/,,yes/'; done
	tail -n +2 "$tmp/b.csv" | sed 's/$/,,no/'
	echo "rx-1,loudspeaker,新港三村大喇叭,39.0102,117.6950,120116001003,,yes"
} >"$tmp/registry.csv"
"$tocsin" import receivers "$tmp/registry.csv" --server "$url" >/dev/null
check "registry imported" 0 $?
"$tocsin" provision rx-1 --server "$url" --out "$tmp/rx-1.conf" >/dev/null
check "rx-1 provisioned" 0 $?
cat "$tmp/rx-1.conf" - >"$tmp/rx.conf" <<-EOF2
	state_dir = $tmp/rx-state
	tone_ms = 1000
	max_repeats = 1
	realtime = false
EOF2
start_sim a --registry "$tmp/a.csv" --fail-rate 0.1 --delay-ms 100
start_sim b --registry "$tmp/b.csv" --delay-ms 100
start_sim c --registry "$tmp/c.csv" --fail-check audio:0.2 --delay-ms 100
rx_start silent
wait_until 20 grep -q "rx/rx-1/status .*online" "$tmp/acks"
check "rx-1 online" 0 $?

# --- the schedules as configured, with their next slots ----------------------------------------
api viewer -s "$url/api/v1/drills" >"$tmp/drills.json"
check "two schedules" 2 "$(jq '.drills | length' "$tmp/drills.json")"
check "the weekly one's next slot" "$wed" "$(jq '.drills[] | select(.schedule == "weekly wed 10:00 silent *") | .next_slot' "$tmp/drills.json")"
check "nothing run yet" 0 "$(api viewer -s "$url/api/v1/drills/runs" | jq '.runs | length')"

# --- the weekly silent test: its slot comes 5 s after tocsind starts ---------------------------
kill -TERM "$pid"
wait "$pid"
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$wed" 5)
start_server
expect "the silent test runs at its slot" runs_reach 1
api viewer -s "$url/api/v1/drills/runs" >"$tmp/runs.json"
run=$(jq -r '.runs[0].id' "$tmp/runs.json")
silent=$(jq -r '.runs[0].alert_id' "$tmp/runs.json")
check "the run's slot" "$wed" "$(jq '.runs[0].slot' "$tmp/runs.json")"
check "a Test alert" Test "$(api viewer -s "$url/api/v1/alerts/$silent" | jq -r .status)"
check "not held for approval" 0 "$(api approver -s "$url/api/v1/approvals" | jq '[.pending[] | select(.id == "'"$silent"'")] | length')"
expect "audited as the schedule's" \
	sh -c "curl -sf -H 'Authorization: Bearer $(cat "$tmp/token.admin")' '$url/api/v1/audit?limit=10000' | jq -e '[.rows[] | select(.alert_id == \"$silent\" and .actor == \"schedule\" and .action == \"accepted\")] | length == 1'"
expect "every target answered, failed or was escalated" wait_for "$silent" \
	'.targets == 16 and (.counts.played + .counts.failed + .counts.escalated) == 16' 120
check "only the receivers that accept drills" 16 "$(counts "$silent" .targets)"
check "the receivers refusing drills never had it" 0 "$(report b | jq '.drills')"
expect "rx-1 answered checked" wait_until 20 has_ack "$silent" checked
check "rx-1 never played the test" 0 "$(ONLY=rx-1 acks "$silent" playing)"
sleep 1
rx_stop
check "nothing heard from the test" "" "$(segments silent)"

# --- the report (as the approver, of every region) ----------------------------------------------
api approver -s "$url/api/v1/drills/runs/$run/report" >"$tmp/report.json"
check "report: targets" 16 "$(jq .targets "$tmp/report.json")"
check "report: answered" 14 "$(jq .answered "$tmp/report.json")"
check "report: failed" 2 "$(jq .failed "$tmp/report.json")"
check "report: within the 5-minute target" 14 "$(jq .within_target "$tmp/report.json")"
check "report: the target" 300 "$(jq .target_s "$tmp/report.json")"
check "report: the failures, exactly" '[["a-00009","silent"],["c-00000","check-audio"]]' \
	"$(jq -c '[.failures[] | [.receiver, (.reason | split(":")[0])]] | sort' "$tmp/report.json")"
expect "report: times from release" jq -e '.median_s >= 0 and .worst_s >= .median_s and .worst_s < 300' "$tmp/report.json"
check "report: towns" '["120116001","120116002"]' "$(jq -c '[.towns[].town]' "$tmp/report.json")"
check "report: town 120116002" '[5,4,1]' \
	"$(jq -c '.towns[] | select(.town == "120116002") | [.targets, .answered, .failed]' "$tmp/report.json")"
check "report: villages" '["120116001001","120116001003","120116002001"]' "$(jq -c '[.villages[].village]' "$tmp/report.json")"
check "report: the trend holds this run" 1 "$(jq '.trend | length' "$tmp/report.json")"
check "report: answer rate" 0.875 "$(jq '.trend[0].answer_rate' "$tmp/report.json")"
api approver -s "$url/api/v1/drills/runs/$run/report?format=csv" >"$tmp/report.csv"
check "CSV: header" "receiver,town,village,state,seconds,within_target,reason" "$(head -1 "$tmp/report.csv")"
check "CSV: one row per receiver" 16 "$(tail -n +2 "$tmp/report.csv" | wc -l)"
expect "CSV: the silent one" grep -q '^a-00009,120116001,120116001001,silent,,no,' "$tmp/report.csv"
expect "CSV: rx-1 answered" grep -qE '^rx-1,120116001,120116001003,answered,[0-9]+,yes,' "$tmp/report.csv"
# the same through the CLI
"$tocsin" drills --server "$url" >"$tmp/cli-drills.txt"
expect "tocsin drills lists the schedules" grep -q "weekly wed 10:00 silent \*" "$tmp/cli-drills.txt"
"$tocsin" drills runs --server "$url" >"$tmp/cli-runs.txt"
expect "tocsin drills runs lists the run" grep -q "$silent" "$tmp/cli-runs.txt"
"$tocsin" drills report "$run" --server "$url" >"$tmp/cli-report.txt"
expect "tocsin drills report names the silent one" grep -q "a-00009.*silent" "$tmp/cli-report.txt"
"$tocsin" drills report "$run" --csv --server "$url" >"$tmp/cli-report.csv"
check "tocsin drills report --csv: the same CSV" "$(cat "$tmp/report.csv")" "$(cat "$tmp/cli-report.csv")"
# a viewer of one town sees its receivers only; one without regions none
"$tocsin_real" user add t-town --role viewer --region 120116001 --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
	tail -1 >"$tmp/token.town"
check "a town's viewer: its receivers only" '[11,["120116001"]]' \
	"$(api town -s "$url/api/v1/drills/runs/$run/report" | jq -c '[.targets, [.towns[].town]]')"
check "a viewer without regions: none" 0 "$(api viewer -s "$url/api/v1/drills/runs/$run/report" | jq .targets)"
check "a report of no run: 404" 404 "$(api viewer -s -o /dev/null -w '%{http_code}' "$url/api/v1/drills/runs/999/report")"

# --- a restart after the slot does not run it again ----------------------------------------------
kill -TERM "$pid"
wait "$pid"
start_server
expect "server back" wait_until 20 curl -sf "$url/healthz"
sleep 4
check "still one run" 1 "$(api viewer -s "$url/api/v1/drills/runs" | jq '.runs | length')"

# --- the monthly audible test: the real receiver plays it -----------------------------------------
kill -TERM "$pid"
wait "$pid"
rx_start audible
wait_until 20 eval 'test "$(grep -c '\''rx/rx-1/status .*online'\'' "$tmp/acks")" -ge 2'
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$mon" 5)
start_server
expect "the audible test runs at its slot" runs_reach 2
audible=$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].alert_id')
check "newest first: the audible one" "$mon" "$(api viewer -s "$url/api/v1/drills/runs" | jq '.runs[0].slot')"
check "an Exercise alert" Exercise "$(api viewer -s "$url/api/v1/alerts/$audible" | jq -r .status)"
expect "rx-1 played it" wait_for "$audible" '.targets == 1 and .counts.played == 1' 180
sleep 1
rx_stop
segs=$(segments audible)
case "$segs" in "S T "*S) r=0 ;; *) r=1 ;; esac
check "captured: drill notice, signal, speech, drill notice (got '$segs')" 0 $r
api viewer -s "$url/api/v1/alerts/$audible/cap" >"$tmp/audible.xml"
"$tocsin" render "$tmp/audible.xml" --out "$tmp/render" >/dev/null 2>&1
expect "the speech script opens with the drill announcement" grep -q "^yan3 lian4 xin4 xi1" "$tmp/render/zh-CN.script.txt"
expect "…and closes with it" grep -q "yi3 shang4 shi4 yan3 lian4 xin4 xi1 。" "$tmp/render/zh-CN.script.txt"
api approver -s "$url/api/v1/drills/runs/$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].id')/report" \
	>"$tmp/report2.json"
check "audible report: one target, played" '[1,1,0]' "$(jq -c '[.targets, .answered, .failed]' "$tmp/report2.json")"

kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
check_log "$tmp/tocsind.log"
expect "no sanitizer reports" no_sanitizer_reports
finish
