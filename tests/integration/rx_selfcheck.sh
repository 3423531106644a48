#!/usr/bin/env bash
# rx_selfcheck.sh — a loudspeaker's self-check opens its audio device: the
# secured mosquitto of tocsin broker setup, tocsind with a weekly silent test
# whose slot falls a few seconds after it starts (TOCSIN_TEST_CLOCK_OFFSET),
# and three real tocsin-receivers, each with an ALSA configuration of its own:
#
#  - rx-ok: its default device is an ALSA file device. The Test opens it and
#    plays digital silence: the capture exists (the device was opened) and
#    holds nothing but zeros; the check says audio ok.
#  - rx-bad: audio_device names a device that does not exist. Its check says
#    so, and the drill report lists it failed with that reason.
#  - rx-hung: its file device writes to a FIFO nobody reads, so opening it
#    never returns. The check answers after its timeout, the receiver keeps
#    answering, and it stops when told to.
# Usage: rx_selfcheck.sh TOCSIND TOCSIN TOCSIN_RECEIVER RX_ANALYSE
set -u
tocsind=$1
tocsin=$2
receiver=$3
analyse=$4
publish=/bin/false
tmp=$(mktemp -d)
rx_pids=()
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"
. "$(dirname "$0")/rx_lib.sh"
trap 'for p in "${rx_pids[@]}"; do kill -9 "$p" 2>/dev/null; done; cleanup' EXIT

# the weekly slot (Wednesday 10:00 Beijing time), reached with offset_to (tocsind_lib.sh)
wed=$(TZ=Asia/Shanghai date -d 'next wed 10:00' +%s)
# check_of RX ID: the self-check RX sent for alert ID (its first checked acknowledgment)
check_of() {
	grep -a "^$P/rx/$1/ack .*\"alert\":\"$2\",\"ack\":\"checked\"" "$tmp/acks" | head -1 | sed 's/^[^ ]* //; s/ qos=[0-9]*$//' |
		jq -c .check
}

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
record_acks
cat >"$tmp/tocsind.conf" <<EOF
[tocsind]
ack_timeout_s = 2
max_attempts = 2
drill_sender = binhai-weather@example.cn
drill_catchup_s = 600
drill = weekly wed 10:00 silent *
EOF
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$wed" 3600)
start_server
expect "server up" wait_until 20 curl -sf "$url/healthz"
{
	echo "id,kind,name,lat,lon,region,shelter,drills"
	echo "rx-ok,loudspeaker,新港一村大喇叭,39.0102,117.6950,120116001001,,yes"
	echo "rx-bad,loudspeaker,新港二村大喇叭,39.0202,117.6950,120116001002,,yes"
	echo "rx-hung,loudspeaker,新港三村大喇叭,39.0302,117.6950,120116001003,,yes"
} >"$tmp/registry.csv"
"$tocsin" import receivers "$tmp/registry.csv" --server "$url" >/dev/null
check "registry imported" 0 $?
for r in rx-ok rx-bad rx-hung; do
	"$tocsin" provision "$r" --server "$url" --out "$tmp/$r.conf" >/dev/null || { echo "FAIL provision $r"; exit 1; }
	printf 'state_dir = %s\nrealtime = false\n' "$tmp/$r-state" >>"$tmp/$r.conf"
	alsa_conf "$r"
done
echo "audio_device = nosuch" >>"$tmp/rx-bad.conf"
mkfifo "$tmp/rx-hung.fifo"
sed -i "s|$tmp/rx-hung.wav|$tmp/rx-hung.fifo|" "$tmp/rx-hung.asound"
for r in rx-ok rx-bad rx-hung; do
	ALSA_CONFIG_PATH="$tmp/$r.asound" "$receiver" --config "$tmp/$r.conf" 2>>"$tmp/$r.log" &
	rx_pids+=($!)
done
online() { [ "$(grep -c 'status .*"online"' "$tmp/acks")" -ge 3 ]; }
expect "three loudspeakers online" wait_until 20 online
check "no device opened before the test" "" "$(ls "$tmp"/rx-ok.wav 2>/dev/null)"

# --- the weekly silent test, 5 s after tocsind starts again ------------------------------------
kill -TERM "$pid"
wait "$pid"
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$wed" 5)
start_server
expect "the silent test runs at its slot" runs_reach 1
run=$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].id')
test_id=$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].alert_id')
for r in rx-ok rx-bad rx-hung; do
	expect "$r answered checked" wait_until 30 sh -c "ONLY=$r; grep -q '^$P/rx/$r/ack .*\"alert\":\"$test_id\",\"ack\":\"checked\"' '$tmp/acks'"
done
check "rx-ok: audio ok" '"ok"' "$(check_of rx-ok "$test_id" | jq -c .audio)"
check "rx-ok: storage ok" '"ok"' "$(check_of rx-ok "$test_id" | jq -c .storage)"
check "rx-bad: the device's error" '"device: no audio output device '\''nosuch'\''"' \
	"$(check_of rx-bad "$test_id" | jq -c .audio)"
check "rx-hung: no answer in time" '"device: no answer in 5000 ms"' "$(check_of rx-hung "$test_id" | jq -c .audio)"
check "each answered once with its check" 3 "$(grep -a "\"alert\":\"$test_id\",\"ack\":\"checked\".*\"check\"" "$tmp/acks" | wc -l)"
check "nobody played the test" 0 "$(acks "$test_id" playing)"
# the device was opened and fed digital silence: the capture exists and its peak is 0
expect "rx-ok's device was opened (the capture exists)" test -s "$tmp/rx-ok.wav"
"$analyse" "$tmp/rx-ok.wav" >"$tmp/rx-ok.analysis"
check "rx-ok: nothing heard (no segments)" "" "$(sed -n 's/^segments *//p' "$tmp/rx-ok.analysis")"
check "rx-ok: digital silence (peak)" "0.00" "$(sed -n 's/^peak //p' "$tmp/rx-ok.analysis")"
expect "rx-ok: some silence was played" awk '$1 == "seconds" { exit !($2 > 0) }' "$tmp/rx-ok.analysis"

# --- the drill report names the two failed checks with their reasons ----------------------------
expect "every target answered or failed" wait_for "$test_id" '.targets == 3 and (.counts.played + .counts.failed + .counts.escalated) == 3' 60
api approver -s "$url/api/v1/drills/runs/$run/report" >"$tmp/report.json"
check "report: targets, answered, failed" '[3,1,2]' "$(jq -c '[.targets, .answered, .failed]' "$tmp/report.json")"
check "report: the failures with the devices' errors" \
	'[["rx-bad","check-audio: device: no audio output device '\''nosuch'\''"],["rx-hung","check-audio: device: no answer in 5000 ms"]]' \
	"$(jq -c '[.failures[] | [.receiver, .reason]] | sort' "$tmp/report.json")"
api approver -s "$url/api/v1/drills/runs/$run/report?format=csv" >"$tmp/report.csv"
expect "CSV: rx-bad failed with the device's error" grep -q "^rx-bad,.*check-audio: device: no audio output device 'nosuch'" "$tmp/report.csv"

# --- the receivers stop when told to, the stuck one too -------------------------------------------
for p in "${rx_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
stopped() { for p in "${rx_pids[@]}"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
expect "all three stop within 8 s of SIGTERM" wait_until 8 stopped
for p in "${rx_pids[@]}"; do wait "$p" 2>/dev/null; done
rx_pids=()
kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
check_log "$tmp/tocsind.log"
! grep -qaE 'ERROR: [A-Za-z]*Sanitizer|runtime error: ' "$tmp"/rx-*.log "$tmp/tocsind.log"
check "no sanitizer reports" 0 $?
finish
