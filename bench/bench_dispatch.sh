#!/usr/bin/env bash
# bench_dispatch.sh — one alert to N simulated receivers through tocsind,
# beside the raw broker round trip of N QoS 1 messages out and N back, in
# the same run and through the same broker.
#
#   bench/bench_dispatch.sh [--receivers N] [--build DIR] [--alert FILE] [--play-ms MS]
#
# Prints: the raw figure (bench_mqtt_rtt); for the alert, the time from the
# POST to its publication (rendering: speech and Ogg/Opus, once per
# language), from publication until every receiver acknowledged receipt, and
# until every one acknowledged played/displayed (after a simulated playing
# time of --play-ms, default 3000, so receipts are not slowed by the
# acknowledgments of playing); the ratios against the raw figure; the CPU
# each process used; tocsind's peak memory (VmHWM).
set -euo pipefail
cd "$(dirname "$0")/.."
n=10000
play_ms=3000
build=build
alert=cap-schemas/examples/cn-lightning-yellow.xml
while [ $# -gt 0 ]; do
	case $1 in
	--receivers) n=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--alert) alert=$2; shift 2 ;;
	--play-ms) play_ms=$2; shift 2 ;;
	*) echo "usage: bench/bench_dispatch.sh [--receivers N] [--build DIR] [--alert FILE] [--play-ms MS]" >&2; exit 2 ;;
	esac
done
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. tests/integration/broker.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ms() { date +%s%3N; }

start_broker "$tmp" || { echo "mosquitto did not start" >&2; exit 1; }
pids+=("$broker_pid")
printf '[tocsind]\nack_timeout_s = 120\nlog_level = info\n' >"$tmp/tocsind.conf"
"$build/server/tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "127.0.0.1:$broker_port" 2>"$tmp/tocsind.log" &
server=$!
pids+=($server)
for _ in $(seq 100); do [ -s "$tmp/data/http.addr" ] && break; sleep 0.1; done
url="http://$(cat "$tmp/data/http.addr")"

"$build/receivers/tocsin-sim" --emit-registry "$tmp/rx.csv" --count "$n" --id-prefix b- --kind mixed \
	--region 120116001001,120116001002,120116002001,120116105201
"$build/server/tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
"$build/receivers/tocsin-sim" --registry "$tmp/rx.csv" --broker "127.0.0.1:$broker_port" \
	--pubkey "$tmp/data/signing.pub" --delay-ms "$play_ms" 2>"$tmp/sim.log" &
sim=$!
pids+=($sim)
deadline=$((SECONDS + 300))
until [ "$(curl -s "$url/metrics" | awk '/^tocsin_receivers_online/ {print $2}')" = "$n" ]; do
	[ $SECONDS -lt $deadline ] || { echo "the receivers did not all come online" >&2; exit 1; }
	sleep 0.5
done
echo "$n simulated receivers online (one MQTT connection each) on broker 127.0.0.1:$broker_port"

"$build/bench/bench_mqtt_rtt" --broker "127.0.0.1:$broker_port" --count "$n" | tee "$tmp/raw.txt"
raw=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$tmp/raw.txt")

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/<expires>2026-[0-9-]*T/<expires>${tomorrow}T/g" -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" \
	-e "s/_2026[0-9]\{4\}/_${today//-/}/g" "$alert" >"$tmp/alert.xml"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system clock ticks
c_server=$(cpu "$server"); c_broker=$(cpu "$broker_pid"); c_sim=$(cpu "$sim")
t0=$(ms)
id=$("$build/server/tocsin" submit "$tmp/alert.xml" --server "$url")
t_recv=
t_done=
deadline=$((SECONDS + 300))
while [ -z "$t_done" ] && [ $SECONDS -lt $deadline ]; do
	read -r got fin < <(curl -s "$url/api/v1/alerts/$id" |
		jq -r '.counts | "\(.received + .played + .displayed) \(.played + .displayed)"')
	now=$(ms)
	[ -z "$t_recv" ] && [ "$got" -ge "$n" ] && t_recv=$now
	[ "$fin" -ge "$n" ] && t_done=$now && t_recv=${t_recv:-$now}
	sleep 0.1
done
[ -n "$t_done" ] || { echo "not every receiver acknowledged within 300 s ($got received, $fin played)" >&2; exit 1; }
# When tocsind published: its log line, in the same clock (UTC).
pub=$(grep -m1 "alert=$id published" "$tmp/tocsind.log" | cut -d' ' -f1)
t_pub=$(date -d "$pub" +%s%3N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
hz=$(getconf CLK_TCK)
echo "CPU used from the POST to the last acknowledgment: tocsind $(( ($(cpu "$server") - c_server) * 1000 / hz )) ms," \
	"mosquitto $(( ($(cpu "$broker_pid") - c_broker) * 1000 / hz )) ms, tocsin-sim $(( ($(cpu "$sim") - c_sim) * 1000 / hz )) ms"
awk -v t0="$t0" -v pub="$t_pub" -v recv="$t_recv" -v done="$t_done" -v raw="$raw" -v n="$n" -v peak="$peak" -v play="$play_ms" 'BEGIN {
	r = (pub - t0) / 1000; a = (recv - pub) / 1000; p = (done - pub) / 1000
	printf "alert to %d receivers: rendered and published %.3f s after the POST\n", n, r
	printf "  every receiver acknowledged receipt %.3f s after publication: %.2fx the raw round trip\n", a, a / raw
	printf "  every receiver acknowledged played/displayed %.3f s after publication (%.1f s of it simulated playing)\n", p, play / 1000
	printf "  from the POST to the last receipt: %.3f s: %.2fx the raw round trip\n", (recv - t0) / 1000, (recv - t0) / 1000 / raw
	printf "tocsind peak memory (VmHWM): %.1f MiB\n", peak / 1024
}'
