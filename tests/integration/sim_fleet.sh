#!/usr/bin/env bash
# sim_fleet.sh — tocsin-sim as a fleet: the registry it emits and reads,
# retrying while the broker is away, silent receivers (--fail-rate), late
# receivers that find the retained alert (--offline), and 1,000 receivers
# acknowledging one alert in bounded time.
# Usage: sim_fleet.sh TOCSIN_SIM SIM_PUBLISH EXAMPLES_DIR
set -u
sim=$1
mk=$2
examples=$3
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim_lib.sh"
trap sim_cleanup EXIT

"$mk" keygen "$tmp" >/dev/null || exit 1
key=$tmp/signing.key
pubkey=$tmp/signing.pub

# start_sim LOG ARGS...: tocsin-sim in the background against the test broker; sets simpid
start_sim() {
	local log=$1
	shift
	"$sim" --broker "127.0.0.1:$port" --pubkey "$pubkey" --prefix "$P" "$@" 2>"$log" &
	simpid=$!
}

# stop_sim: SIGTERM and wait; the exit status is in $sim_status
stop_sim() {
	kill -TERM "$simpid"
	wait "$simpid"
	sim_status=$?
	simpid=
}

# publish_alert NAME EXAMPLE REGION: the alert and its zh-CN audio, retained; prints the alert id
publish_alert() {
	mkdir -p "$tmp/$1"
	"$mk" alert "$key" "$examples/$2" "$tmp/$1" --expires-in 3600 >/dev/null || return 1
	pub "$P/audio/$(cat "$tmp/$1/zh-CN.audio_id")" "$tmp/$1/zh-CN.audio" retain
	pub "$P/region/$3/alert/$(cat "$tmp/$1/id")" "$tmp/$1/sealed" retain
	cat "$tmp/$1/id"
}

# --- the registry it writes and reads -------------------------------------------------
"$sim" --count 10 --region 120116001001,120116002001 --kind mixed --id-prefix t- --radius-km 2 \
	--emit-registry "$tmp/rx.csv"
check "emit-registry exit" 0 $?
check "emit-registry rows" 11 "$(wc -l <"$tmp/rx.csv")"
check "emit-registry header" "id,kind,name,lat,lon,region" "$(head -1 "$tmp/rx.csv")"
check "every 5th is signage" "t-00004 t-00009" "$(awk -F, '$2 == "signage" {print $1}' "$tmp/rx.csv" | xargs)"
check "regions round robin" "120116002001" "$(awk -F, '$1 == "t-00003" {print $6}' "$tmp/rx.csv")"
check "scattered within the radius" 10 "$(awk -F, 'NR > 1 { dy = ($4 - 39.03) * 111.32; dx = ($5 - 117.70) * 86.4;
	if (dx * dx + dy * dy <= 4.0) n++ } END { print n }' "$tmp/rx.csv")"
"$sim" --count 10 --region 120116001001,120116002001 --kind mixed --id-prefix t- --radius-km 2 \
	--emit-registry "$tmp/rx2.csv"
expect "the same flags give the same fleet" cmp "$tmp/rx.csv" "$tmp/rx2.csv"
"$sim" --registry "$examples/registry/receivers.csv" --emit-registry "$tmp/demo.csv"
check "reads the example registry" "$(wc -l <"$examples/registry/receivers.csv")" "$(wc -l <"$tmp/demo.csv")"
expect "keeps kinds and regions" grep -q "^bh-tg-s01,signage,.*,120116001003$" "$tmp/demo.csv"
printf 'region,id\n12,a/b\n' >"$tmp/bad.csv"
"$sim" --registry "$tmp/bad.csv" --emit-registry - >/dev/null 2>"$tmp/err"
check "bad registry refused" 1 $?
expect "bad row named by line" grep -q "line 2" "$tmp/err"
printf 'id,region\nx-1,12\nx-2,12\nx-1,13\n' >"$tmp/dup.csv"
"$sim" --registry "$tmp/dup.csv" --emit-registry - >/dev/null 2>"$tmp/err"
check "duplicate id refused" 1 $?
expect "duplicate named" grep -q "'x-1' is listed twice" "$tmp/err"

# --- the broker is away at first: retry with backoff, then connect --------------------
port=$(free_port)
P=test/away
start_sim "$tmp/away.log" --count 3 --region 12 --id-prefix a-
wait_until 10 grep -q "unreachable" "$tmp/away.log"
check "unreachable broker reported" 0 $?
expect "still running without a broker" kill -0 "$simpid"
sim_broker "$port" || exit 1
wait_until 20 grep -q "all 3 receivers connected" "$tmp/away.log"
check "connects once the broker is up" 0 $?
stop_sim
check "clean stop" 0 "$sim_status"

# --- --duration-s: stops by itself, report written -------------------------------------
t=$SECONDS
timeout 20 "$sim" --broker "127.0.0.1:$port" --pubkey "$pubkey" --prefix test/dur --count 2 --region 12 \
	--id-prefix d- --duration-s 1 --report "$tmp/dur.json" 2>"$tmp/dur.log"
check "duration: exit 0" 0 $?
expect "duration: stopped within 5 s" test $((SECONDS - t)) -le 5
expect "duration: report" jq -e '.receivers == 2 and .connected == 2 and .messages == 0' "$tmp/dur.json"

# --- the example registry, simulated as it is ------------------------------------------
P=test/registry
record_acks
start_sim "$tmp/reg.log" --registry "$examples/registry/receivers.csv" --delay-ms 50
wait_until 10 grep -q "receivers connected" "$tmp/reg.log"
reg=$(publish_alert reg cn-typhoon-orange.xml 120116)
want=$(awk -F, 'NR > 1 && $6 ~ /^120116/' "$examples/registry/receivers.csv" | wc -l)
wait_until 10 acks_are "$want" "$reg" received
check "every receiver under 120116 received it" "$want" "$(acks "$reg" received)"
check "no receiver outside 120116" 0 "$(grep "\"$reg\"" "$tmp/acks" | grep -c "rx/dl-")"
stop_sim
kill "$subpid"; wait "$subpid" 2>/dev/null

# --- --fail-rate 0.1 of 20: exactly 2 silent, named in the report -----------------------
P=test/silent
record_acks
start_sim "$tmp/silent.log" --count 20 --region 130102 --id-prefix f- --fail-rate 0.1 --delay-ms 50 \
	--report "$tmp/silent.json"
wait_until 10 grep -q "all 20 receivers connected" "$tmp/silent.log"
silent=$(publish_alert silent cn-lightning-yellow.xml 130102)
wait_until 10 acks_are 18 "$silent" played
check "18 played" 18 "$(acks "$silent" played)"
sleep 0.5
check "the silent ones said nothing" 0 "$(grep -c "rx/f-000\(09\|19\)/ack" "$tmp/acks")"
stop_sim
expect "report names the 2 silent" jq -e --arg a "$silent" '.silent == ["f-00009", "f-00019"] and .receivers == 20 and
	.messages == 20 and .alerts[$a].played == 18 and .alerts[$a].received == 18' "$tmp/silent.json"
kill "$subpid"; wait "$subpid" 2>/dev/null

# --- --offline 3 --offline-ms: the late ones get the retained alert after connecting ---------
P=test/late
record_acks
start_sim "$tmp/late.log" --count 10 --region 140105 --id-prefix o- --offline 3 --offline-ms 2500 --delay-ms 50 \
	--report "$tmp/late.json"
wait_until 10 grep -q "all 7 receivers connected after .* (3 held offline)" "$tmp/late.log"
check "7 connect at start" 0 $?
late=$(publish_alert late cn-storm-surge-yellow.xml 140105)
wait_until 10 acks_are 7 "$late" played
check "the 7 online play it" 7 "$(acks "$late" played)"
check "the 3 offline have not" 0 "$(grep -c "rx/o-0000[789]/ack" "$tmp/acks")"
wait_until 15 acks_are 10 "$late" played
check "the late 3 play the retained alert" 10 "$(acks "$late" played)"
expect "then all 10 connected" grep -q "all 10 receivers connected" "$tmp/late.log"
stop_sim
kill "$subpid"; wait "$subpid" 2>/dev/null

# --- a persistent session: an alert sent while the simulator is stopped waits at the broker ---
P=test/queued
record_acks
start_sim "$tmp/q1.log" --count 4 --region 150102 --id-prefix q- --delay-ms 50
wait_until 10 grep -q "all 4 receivers connected" "$tmp/q1.log"
stop_sim
mkdir -p "$tmp/queued"
"$mk" alert "$key" "$examples/cn-rainstorm-red.xml" "$tmp/queued" --expires-in 3600 >/dev/null
queued=$(cat "$tmp/queued/id")
pub "$P/audio/$(cat "$tmp/queued/zh-CN.audio_id")" "$tmp/queued/zh-CN.audio" retain
pub "$P/region/150102/alert/$queued" "$tmp/queued/sealed" # not retained: only the sessions keep it
start_sim "$tmp/q2.log" --count 4 --region 150102 --id-prefix q- --delay-ms 50
wait_until 10 acks_are 4 "$queued" played
check "queued while away, played on return" 4 "$(acks "$queued" played)"
stop_sim
kill "$subpid"; wait "$subpid" 2>/dev/null

# --- 1,000 receivers, one alert, bounded time ----------------------------------------
P=test/k
record_acks
t0=$SECONDS
start_sim "$tmp/k.log" --count 1000 --region 120116001001,120116002001 --kind mixed --id-prefix k- --delay-ms 200 \
	--report "$tmp/k.json"
wait_until 60 grep -q "all 1000 receivers connected" "$tmp/k.log"
check "1000 connected" 0 $?
k=$(publish_alert k cn-typhoon-orange.xml 120116)
wait_until 60 acks_are 800 "$k" played
check "800 loudspeakers played" 800 "$(acks "$k" played)"
wait_until 10 acks_are 200 "$k" displayed
check "200 displays displayed" 200 "$(acks "$k" displayed)"
stop_sim
check "1000: clean stop" 0 "$sim_status"
expect "1000: report" jq -e --arg a "$k" '.receivers == 1000 and .connected == 1000 and .alerts[$a].played == 800 and
	.alerts[$a].displayed == 200 and .audio_fetches == 1' "$tmp/k.json"
expect "no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$tmp'/*.log"
elapsed=$((SECONDS - t0))
echo "1000 receivers: connected, acknowledged and stopped in ${elapsed} s"
expect "1000 receivers within 90 s" test "$elapsed" -le 90

finish
