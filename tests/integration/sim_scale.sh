#!/usr/bin/env bash
# sim_scale.sh — the figure in the README: N simulated receivers (10,000 by
# default) connect to one mosquitto, then one sealed alert is acknowledged
# played by every one of them. Prints the times, memory (now and peak) and
# descriptors.
# Usage: sim_scale.sh TOCSIN_SIM SIM_PUBLISH EXAMPLES_DIR [N]
set -u
sim=$1
mk=$2
examples=$3
n=${4:-10000}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim_lib.sh"
trap sim_cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

"$mk" keygen "$tmp" >/dev/null || exit 1
mkdir "$tmp/a" && "$mk" alert "$tmp/signing.key" "$examples/cn-typhoon-orange.xml" "$tmp/a" --expires-in 3600 \
	>/dev/null || exit 1
id=$(cat "$tmp/a/id")
sim_broker || exit 1
record_acks
t0=$(now)
"$sim" --broker "127.0.0.1:$port" --pubkey "$tmp/signing.pub" --count "$n" --region 120116001001 \
	--report "$tmp/report.json" 2>"$tmp/sim.log" &
simpid=$!
wait_until 120 grep -q "all $n receivers connected" "$tmp/sim.log"
check "all $n connected" 0 $?
connected_s=$(since "$t0")
pub "$P/audio/$(cat "$tmp/a/zh-CN.audio_id")" "$tmp/a/zh-CN.audio" retain
t1=$(now)
pub "$P/region/120116/alert/$id" "$tmp/a/sealed" retain
wait_until 120 acks_are "$n" "$id" played
check "played by all $n" "$n" "$(acks "$id" played)"
played_s=$(since "$t1")
rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$simpid/status")
peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$simpid/status")
fds=$(ls "/proc/$simpid/fd" | wc -l)
kill -TERM "$simpid"
wait "$simpid"
check "clean stop" 0 $?
simpid=
expect "no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$tmp/sim.log'"
expect "report" jq -e --arg a "$id" --argjson n "$n" '.receivers == $n and .alerts[$a].played == $n and
	.acks.received == $n and .audio_fetches == 1' "$tmp/report.json"
echo "$n receivers: all connected in $connected_s s; one alert played and acknowledged by all in $played_s s" \
	"($((3 * n)) acks); simulator ${rss} MB resident (peak ${peak} MB), $fds file descriptors"
finish
