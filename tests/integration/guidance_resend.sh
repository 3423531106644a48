#!/usr/bin/env bash
# guidance_resend.sh — the way to shelter survives a receiver's restart and
# reaches a receiver that missed it: the secured mosquitto of tocsin broker
# setup, tocsind, and two real tocsin-receivers whose sound cards are ALSA
# file devices, in villages next to different shelters.
#
#  - rx-a plays at its own pace and is killed -9 in the middle of its
#    programme; restarted, it reads the guidance back from its state folder
#    (verified again) and plays the alert again from the start with it: as
#    long as the first time.
#  - rx-b keeps no session at the broker (session_expiry_s = 0) and is away
#    when the alert goes out, so its guidance command is lost; when it comes
#    back, tocsind re-sends it the guidance, then the alert, and its
#    programme ends with the way to shelter.
# Usage: guidance_resend.sh TOCSIND TOCSIN TOCSIN_RECEIVER EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
receiver=$3
examples=$4
publish=/bin/false
tmp=$(mktemp -d)
pid=
declare -A rxp=()
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/rx_lib.sh"
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	for p in "${rxp[@]}"; do kill -9 "$p" 2>/dev/null; done
	rx_cleanup
}
trap cleanup EXIT

status_is() { "$tocsin" status "$1" --json --server "$url" 2>/dev/null | jq -e "$2" >/dev/null; }
# programmes RX ALERT: RX's "playing" log lines for ALERT
programmes() { grep -a "play: alert=$2 .*playing" "$tmp/$1.log"; }
start_rx() {
	ALSA_CONFIG_PATH="$tmp/$1.asound" "$receiver" --config "$tmp/$1.conf" 2>>"$tmp/$1.log" &
	rxp[$1]=$!
}

mkdir -p "$tmp/data"
staff "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "no broker"; exit 1; }
record_acks
printf '[tocsind]\nack_timeout_s = 60\nplay_timeout_s = 300\napproval_required = none\nshelter_walk_m = 500\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "$broker_url" 2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
expect "tocsind up" curl -sf "$url/healthz"
cat >"$tmp/shelters.csv" <<'CSV'
id,name,lat,lon,capacity,area_m2,manager,phone,name_en
sh-a,塘沽第一中学,39.0000,117.604629,1200,5400,赵六,139 0013 9001,Tanggu No. 1 Middle School
sh-b,北塘小学,39.017302,117.6000,100,800,孙八,13900139004,Beitang Primary School
CSV
cat >"$tmp/receivers.csv" <<'CSV'
id,kind,name,lat,lon,region,shelter,population
rx-a,loudspeaker,新港村大喇叭,39.0000,117.6000,120116001001,,900
rx-b,loudspeaker,北塘村大喇叭,39.0200,117.6000,120116001002,,800
CSV
"$tocsin" import shelters "$tmp/shelters.csv" --server "$url" >/dev/null
check "shelters imported" 0 $?
"$tocsin" import receivers "$tmp/receivers.csv" --server "$url" >/dev/null
check "receivers imported" 0 $?
for r in rx-a rx-b; do
	"$tocsin" provision "$r" --server "$url" --out "$tmp/$r.conf" >/dev/null || { echo "FAIL provision $r"; exit 1; }
	printf 'state_dir = %s\ntone_ms = 1000\nmax_repeats = 2\n' "$tmp/$r-state" >>"$tmp/$r.conf"
	alsa_conf "$r"
done
echo "realtime = true" >>"$tmp/rx-a.conf"
printf 'realtime = false\nsession_expiry_s = 0\n' >>"$tmp/rx-b.conf"
start_rx rx-a
start_rx rx-b
expect "two loudspeakers online" wait_until 20 sh -c "[ \$(grep -c 'status .*\"online\"' '$tmp/acks') -ge 2 ]"
# rx-b goes away; with no session kept, what is sent to it meanwhile is lost
kill -TERM "${rxp[rx-b]}"
wait "${rxp[rx-b]}"
expect "rx-b offline" wait_until 20 grep -q 'rx/rx-b/status .*"offline"' "$tmp/acks"

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
	"$examples/cn-typhoon-orange.xml" | sed "s|<expires>${today}T|<expires>${tomorrow}T|" >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "orange accepted" 0 $?

# --- rx-a: killed -9 in the middle of its programme, restarted ----------------------------------
expect "rx-a plays the orange with its guidance" wait_until 60 sh -c "grep -aq 'play: alert=$orange .*playing .*guidance g-' '$tmp/rx-a.log'"
first=$(programmes rx-a "$orange" | head -1 | sed 's/.*playing \([0-9.]*\) s.*/\1/')
sleep 2
kill -9 "${rxp[rx-a]}"
wait "${rxp[rx-a]}" 2>/dev/null
expect "its guidance is kept on disk" test -s "$tmp/rx-a-state/alerts/$orange.guidance"
start_rx rx-a
expect "rx-a plays it again after the restart" wait_until 60 sh -c "[ \$(grep -ac 'play: alert=$orange .*playing' '$tmp/rx-a.log') -ge 2 ]"
check "the guidance was read back from the disk" 1 \
	"$(grep -ac "alert=$orange lang=zh-CN .*guidance: 请前往塘沽第一中学避难场所.*(restored)" "$tmp/rx-a.log")"
again=$(programmes rx-a "$orange" | sed -n 2p)
expect "the programme after the restart ends with the guidance" grep -q "guidance g-" <<<"$again"
check "as long as the first time" "$first" "$(sed 's/.*playing \([0-9.]*\) s.*/\1/' <<<"$again")"

# --- rx-b comes back: tocsind re-sends its guidance before the alert ----------------------------
audio_published() { api viewer -s "$url/metrics" | awk '/^tocsin_guidance_audio_published_total / { print $2 }'; }
published=$(audio_published)
expect "the orange's guidance audio was published" test "${published:-0}" -gt 0
start_rx rx-b
expect "both played the orange" wait_until 240 status_is "$orange" '.counts.played == 2'
check "rx-b got its own guidance" 1 "$(grep -ac "alert=$orange lang=zh-CN .*guidance: 请前往北塘小学避难场所" "$tmp/rx-b.log")"
expect "rx-b's programme ends with it" grep -aq "play: alert=$orange .*playing .*guidance g-" "$tmp/rx-b.log"
expect "tocsind re-sent it" grep -aq "alert=$orange guidance sent to 1 receiver" "$tmp/tocsind.log"
check "... the command alone: its audio stays retained on the broker, not published again" "$published" \
	"$(audio_published)"
expect "played, the alert's kept files are gone" test ! -e "$tmp/rx-b-state/alerts/$orange.guidance"

for p in "${rxp[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${rxp[@]}"; do wait "$p" 2>/dev/null; done
rxp=()
kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
! grep -qaE 'ERROR: [A-Za-z]*Sanitizer|runtime error: ' "$tmp"/rx-?.log "$tmp/tocsind.log"
check "no sanitizer reports" 0 $?
check_log "$tmp/tocsind.log"
finish
