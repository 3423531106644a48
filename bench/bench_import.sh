#!/usr/bin/env bash
# bench_import.sh — does a large registry import hold up acknowledgments?
#
#   bench/bench_import.sh [--receivers N] [--import M] [--build DIR]
#
# N simulated receivers (default 10,000) on a real mosquitto are sent one
# alert while nothing else happens, then another while M receivers (default
# 100,000, in another district, so no alert reaches them) are imported over
# the API. For each round: the broker's messages (acknowledgments, statuses)
# tocsind wrote, how many waited longer than 200 ms from their arrival to
# their write being committed, and the longest wait of the run so far
# (tocsind's tocsin_broker_message_wait_seconds histogram and its maximum,
# read before and after each round); and how long the import took. The
# target is no acknowledgment delayed more than 200 ms by the import.
set -euo pipefail
cd "$(dirname "$0")/.."
n=10000
m=100000
build=build
while [ $# -gt 0 ]; do
	case $1 in
	--receivers) n=$2; shift 2 ;;
	--import) m=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: bench/bench_import.sh [--receivers N] [--import M] [--build DIR]" >&2; exit 2 ;;
	esac
done
. bench/bench_lib.sh
ms() { date +%s%3N; }

printf '[tocsind]\nack_timeout_s = 120\napproval_required = none\n' >"$tmp/tocsind.conf"
tocsin=$(realpath "$build/server/tocsin")
staff "$tmp/data"
start_broker "$tmp" || { echo "mosquitto did not start" >&2; exit 1; }
pids+=("$broker_pid")
"$build/server/tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "127.0.0.1:$broker_port" 2>>"$tmp/tocsind.log" &
pids+=($!)
url=$(server_url "$tmp/data")
"$build/receivers/tocsin-sim" --emit-registry "$tmp/rx.csv" --count "$n" --id-prefix b- --kind loudspeaker \
	--region 120116001001,120116002001
"$build/receivers/tocsin-sim" --emit-registry "$tmp/more.csv" --count "$m" --id-prefix imp- --kind loudspeaker \
	--region 120105001001,120105002001
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
"$build/receivers/tocsin-sim" --registry "$tmp/rx.csv" --broker "127.0.0.1:$broker_port" \
	--pubkey "$tmp/data/signing.pub" --delay-ms 2000 2>"$tmp/sim.log" &
pids+=($!)
deadline=$((SECONDS + 300))
until [ "$(api viewer -s "$url/metrics" | awk '/^tocsin_receivers_online/ {print $2}')" = "$n" ]; do
	[ $SECONDS -lt $deadline ] || { echo "the receivers did not all come online" >&2; exit 1; }
	sleep 0.5
done
echo "$n simulated receivers online on 127.0.0.1:$broker_port; $m more to import"

# waits: "written over-200-ms max-seconds" from tocsind's metrics
waits() {
	api viewer -s "$url/metrics" | awk '
		/^tocsin_broker_message_wait_seconds_bucket\{le="0.2"\}/ { le = $2 }
		/^tocsin_broker_message_wait_seconds_count/ { all = $2 }
		/^tocsin_broker_message_wait_max_seconds/ { max = $2 }
		END { print all, all - le, max }'
}
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
# round NAME SEQ [import]: one alert to the N, acknowledged to the end; with "import", the M imported meanwhile
round() {
	local name=$1 seq=$2 before after id t0 t1 imp=
	sed -e "s/2026-07-25/$today/g" -e "s/_20260725/_${today//-/}/g" -e "s/_0</_$seq</" \
		-e "s|<expires>[^<]*</expires>|<expires>${tomorrow}T23:00:00+08:00</expires>|" \
		cap-schemas/examples/cn-lightning-yellow.xml >"$tmp/alert.xml"
	read -r -a before <<<"$(waits)"
	id=$("$tocsin" submit "$tmp/alert.xml" --server "$url")
	if [ -n "${3:-}" ]; then
		sleep 0.5 # the receipts are coming in
		t0=$(ms)
		TOCSIN_TOKEN=$(cat "$tmp/token.registry") "$tocsin" import receivers "$tmp/more.csv" --server "$url" >/dev/null
		t1=$(ms)
		imp="; the import of $m took $(((t1 - t0) / 1000)).$(printf %03d $(((t1 - t0) % 1000))) s"
	fi
	local deadline=$((SECONDS + 300))
	until api viewer -s "$url/api/v1/alerts/$id" | jq -e ".counts.played == $n" >/dev/null; do
		[ $SECONDS -lt $deadline ] || { echo "round $name: not every receiver played" >&2; break; }
		sleep 0.5
	done
	read -r -a after <<<"$(waits)"
	echo "$name: $((after[0] - before[0])) broker messages written, $((after[1] - before[1])) of them more than 0.2 s after they arrived; longest wait so far ${after[2]} s$imp"
}
round "quiet          " 1
round "during import  " 2 import
