#!/usr/bin/env bash
# bench_100k.sh — one county-wide alert to N simulated receivers (100,000 by default) on one
# machine, beside the raw round trip through the same broker at the same scale, in one run.
#
#   bench/bench_100k.sh [--receivers N] [--sims K] [--sources A-B] [--leaves L] [--play-ms MS] [--build DIR]
#
# N receivers in the villages of Binhai (120116) are imported over the API (the import timed),
# then connected by K tocsin-sim processes (default 2: one for each core), each receiver with its
# own MQTT connection from one of the loopback source addresses --sources (default
# 127.0.0.2-127.0.0.6, round robin: one address has about 28,000 ephemeral ports). mosquitto is
# configured as tests/integration/broker.sh does, with max_connections -1 and no memory limit.
# Every process needs one descriptor per connection: the hard limit is raised when allowed
# (root with CAP_SYS_RESOURCE). Where it stays lower, the receivers are spread over L brokers
# (--leaves; by default as many as the limit needs) bridged to a top broker, where tocsind and
# the raw figures connect, with one tocsin-sim per broker.
#
# Then, in order:
#   - the planner: POST /api/v1/alerts/check of the alert (the plan of every target, nothing
#     stored), three times;
#   - the alert (cap-schemas/examples/cn-lightning-yellow.xml, for 120116): from the POST to its
#     publication, to every receipt (tocsind's own log line: no target waits for a receipt) and to
#     every played/displayed (the alert's counts polled every 0.5 s, after the simulated playing
#     of --play-ms, default 3000);
#   - the status query (GET /api/v1/alerts/{id}: the counts per state, what tocsin status
#     reads), every delivery (GET .../deliveries) and the report (GET .../report) of that alert,
#     three times each;
#   - the raw round trip through the same broker (bench_mqtt_rtt): N messages of the alert's
#     payload size out and N of 64 bytes back through one connection, and one message to all N
#     receivers answered through their own connections (tocsin-sim --echo);
#   - the peak memory (VmHWM) of tocsind, mosquitto and each tocsin-sim.
# Every wait is bounded; everything started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
n=100000
sims=2
sources=127.0.0.2-127.0.0.6
leaves=
play_ms=3000
build=build
alert=cap-schemas/examples/cn-lightning-yellow.xml
while [ $# -gt 0 ]; do
	case $1 in
	--receivers) n=$2; shift 2 ;;
	--sims) sims=$2; shift 2 ;;
	--leaves) leaves=$2; shift 2 ;;
	--sources) sources=$2; shift 2 ;;
	--play-ms) play_ms=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: bench/bench_100k.sh [--receivers N] [--sims K] [--sources A-B] [--leaves L] [--play-ms MS] [--build DIR]" >&2
		exit 2 ;;
	esac
done
. bench/bench_lib.sh
ms() { date +%s%3N; }
hwm() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# timed ROLE URL [curl args]: seconds one request took (its body to $tmp/body, status checked)
timed() {
	local role=$1 url=$2 code
	shift 2
	code=$(api "$role" -s -m 60 -o "$tmp/body" -w '%{http_code} %{time_total}' "$@" "$url")
	[ "${code%% *}" = 200 ] || { echo "bench_100k: $url answered ${code%% *}: $(head -c 300 "$tmp/body")" >&2; exit 1; }
	echo "${code#* }"
}
# One descriptor per connection in mosquitto and in the simulator: a process holds at most its
# hard limit (raised when allowed). Past it, the receivers are spread over several brokers.
[ "$(ulimit -Hn)" -ge $((n + 4096)) ] || ulimit -Hn $((n + 4096)) 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
per=$(($(ulimit -n) - 2000))
[ "$per" -ge 1000 ] || { echo "bench_100k: the file descriptor limit $(ulimit -n) is too low" >&2; exit 1; }
[ -n "$leaves" ] || leaves=$(((n + per - 1) / per))
[ "$leaves" -gt 1 ] || leaves=1
[ $((n / leaves)) -lt "$per" ] || { echo "bench_100k: $((n / leaves)) connections to each of $leaves broker(s)" \
	"need more than the $(ulimit -n) file descriptors a process may have here; use --leaves $(((n + per - 1) / per))" >&2
	exit 1; }
[ "$leaves" = 1 ] || sims=$leaves
[ $((n / sims)) -lt "$per" ] || sims=$(((n + per - 1) / per))

printf '[tocsind]\nack_timeout_s = 120\nlog_level = info\napproval_required = none\n' >"$tmp/tocsind.conf"
tocsin=$(realpath "$build/server/tocsin")
staff "$tmp/data"

# broker_up NAME [BRIDGE]: mosquitto with tests/integration/broker.sh's settings and no limit on
# connections or memory, on a free port, BRIDGE appended to its configuration; sets broker_pid, broker_port.
broker_up() {
	local port
	port=$(loopback_port)
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_queued_bytes 0\nmax_inflight_messages 1000\nmax_keepalive 600\nmax_connections -1\nmemory_limit 0\n%s' \
		"$port" "${2:-}" >"$tmp/$1.conf"
	run_broker "$tmp/$1.conf" "$tmp/$1.log" "$port" || { echo "mosquitto $1 did not start: $(tail -3 "$tmp/$1.log")" >&2; exit 1; }
	pids+=("$broker_pid")
}
# With L > 1 leaves: a top broker, which tocsind and the raw figures use, and L brokers bridged
# up to it, each carrying 1/L of the receivers: what goes to receivers down every bridge, their
# acknowledgments and statuses up (one county's receivers shared by several brokers; with
# the county prefix of docs/operations.md, "A broker tree", when a county has a broker of its own).
broker_up top
top_pid=$broker_pid
broker_url=127.0.0.1:$broker_port
leaf_urls=()
leaf_pids=()
if [ "$leaves" = 1 ]; then
	leaf_urls=("$broker_url")
else
	for l in $(seq "$leaves"); do
		broker_up "leaf$l" "
connection top
address $broker_url
bridge_protocol_version mqttv50
cleansession false
remote_clientid leaf-$l
notifications false
restart_timeout 1 10
topic tocsin/v1/region/+/alert/+ in 1
topic tocsin/v1/rx/+/cmd in 1
topic tocsin/v1/audio/+ in 1
topic bench/fanout in 1
topic tocsin/v1/rx/+/ack out 1
topic tocsin/v1/rx/+/status out 1
topic bench/fanout/back/+ out 1
"
		leaf_urls+=("127.0.0.1:$broker_port")
		leaf_pids+=("$broker_pid")
	done
fi

"$build/server/tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "$broker_url" 2>>"$tmp/tocsind.log" &
server=$!
pids+=($server)
for _ in $(seq 100); do [ -s "$tmp/data/http.addr" ] && break; sleep 0.1; done
[ -s "$tmp/data/http.addr" ] || { echo "tocsind did not start: $(tail -3 "$tmp/tocsind.log")" >&2; exit 1; }
url="http://$(cat "$tmp/data/http.addr")"

# N receivers in 40 villages of 10 towns of Binhai.
villages=$(for t in $(seq 1 10); do for v in 1 2 3 4; do printf '120116%03d%03d,' "$t" "$v"; done; done)
"$build/receivers/tocsin-sim" --emit-registry "$tmp/rx.csv" --count "$n" --id-prefix b- --kind mixed \
	--region "${villages%,}" --radius-km 30
t=$(ms)
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
import_s=$(awk -v a="$t" -v b="$(ms)" 'BEGIN {printf "%.1f", (b - a) / 1000}')
mem=("imported $(hwm "$server")")
echo "$n receivers imported over the API in $import_s s"

# K simulators, each with its share of the registry, simulator k on broker k mod L.
head -1 "$tmp/rx.csv" >"$tmp/header.csv"
tail -n +2 "$tmp/rx.csv" | split -n "r/$sims" -d -a 3 - "$tmp/part."
sim_pids=()
t=$(ms)
k=0
for part in "$tmp"/part.*; do
	cat "$tmp/header.csv" "$part" >"$part.csv"
	"$build/receivers/tocsin-sim" --registry "$part.csv" --broker "${leaf_urls[k % leaves]}" \
		--source-addresses "$sources" --pubkey "$tmp/data/signing.pub" --delay-ms "$play_ms" \
		--echo bench/fanout 2>"$part.log" &
	sim_pids+=($!)
	pids+=($!)
	k=$((k + 1))
done
online() { api viewer -s -m 10 "$url/metrics" | awk '/^tocsin_receivers_online/ {print $2}'; }
deadline=$((SECONDS + 600))
until [ "$(online)" = "$n" ]; do
	[ $SECONDS -lt $deadline ] || { echo "only $(online) of $n receivers came online within 600 s;" \
		"$(tail -n 2 "$tmp"/part.*.log)" >&2; exit 1; }
	for p in "${sim_pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a tocsin-sim stopped:" \
		"$(tail -n 3 "$tmp"/part.*.log)" >&2; exit 1; }; done
	sleep 1
done
mem+=("online $(hwm "$server")")
connect_s=$(awk -v a="$t" -v b="$(ms)" 'BEGIN {printf "%.1f", (b - a) / 1000}')
if [ "$leaves" = 1 ]; then where="one broker"; else where="$leaves brokers bridged to a top broker"; fi
echo "$n simulated receivers online in $connect_s s: $sims tocsin-sim on $where, one MQTT connection" \
	"each, from $sources; file descriptors per process: $(ulimit -n)"

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/<expires>2026-[0-9-]*T/<expires>${tomorrow}T/g" -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" \
	-e "s/_2026[0-9]\{4\}/_${today//-/}/g" "$alert" >"$tmp/alert.xml"
plan=()
for _ in 1 2 3; do
	plan+=("$(timed approver "$url/api/v1/alerts/check" -X POST -H 'Content-Type: application/xml' \
		--data-binary @"$tmp/alert.xml")")
done
planned=$(jq -r '.targets' "$tmp/body")
mem+=("planned $(hwm "$server")")
echo "the planner (POST /api/v1/alerts/check): $planned targets in ${plan[*]} s"

exec 3< <(exec tail -n +1 -F "$tmp/tocsind.log" 2>/dev/null)
pids+=("$!")
t0=$(ms)
id=$("$tocsin" submit "$tmp/alert.xml" --server "$url")
t_post=$(ms)
line=
pub=
while IFS= read -r -t 600 l <&3; do
	case $l in
	*"alert=$id published"*) pub=$l ;;
	*"alert=$id "*"none is waiting"*) line=$l; break ;;
	esac
done
[ -n "$line" ] || { echo "tocsind did not report alert $id received within 600 s" >&2; exit 1; }
receipt_line "$line"
mem+=("received $(hwm "$server")")
[ "$got" = "$n" ] || echo "only $got of $n receivers acknowledged receipt: $line" >&2
t_done=
fin=0
deadline=$((SECONDS + 600))
while [ -z "$t_done" ] && [ $SECONDS -lt $deadline ]; do
	fin=$(api viewer -s -m 10 "$url/api/v1/alerts/$id" | jq -r '.counts | .played + .displayed' || echo 0)
	fin=${fin:-0}
	[ "$fin" -ge "$n" ] && t_done=$(ms)
	[ -n "$t_done" ] || sleep 0.5
done
[ -n "$t_done" ] || { echo "only $fin of $n receivers acknowledged played/displayed within 600 s" >&2; exit 1; }

mem+=("played $(hwm "$server")")
status=()
report=()
deliveries=()
for _ in 1 2 3; do
	status+=("$(timed viewer "$url/api/v1/alerts/$id")")
	deliveries+=("$(timed viewer "$url/api/v1/alerts/$id/deliveries")")
	rows=$(jq '.deliveries | length' "$tmp/body")
	report+=("$(timed viewer "$url/api/v1/alerts/$id/report")")
done
mem+=("queried $(hwm "$server")")
coverage=$(jq -r '"\(.covered) of \(.targets) covered"' "$tmp/body")

bytes=$(grep -m1 "alert=$id rendered" "$tmp/tocsind.log" | sed -n 's/.* payload \([0-9]*\) bytes.*/\1/p')
# (each gives up after 120 s, saying how many came back)
"$build/bench/bench_mqtt_rtt" --broker "$broker_url" --count "$n" --bytes "$bytes" --back-bytes 64 \
	>"$tmp/raw1.txt" 2>&1 || echo "  (not every message came back)"
"$build/bench/bench_mqtt_rtt" --broker "$broker_url" --count "$n" --bytes "$bytes" --fanout bench/fanout \
	>"$tmp/raw2.txt" 2>&1 || echo "  (not every answer came back)"
raw1=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$tmp/raw1.txt")
raw2=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$tmp/raw2.txt")
[ -n "$raw1" ] && [ -n "$raw2" ] || { echo "a raw figure failed: $(cat "$tmp/raw1.txt" "$tmp/raw2.txt")" >&2; exit 1; }
sed 's/^/  /' "$tmp/raw1.txt" "$tmp/raw2.txt"

sim_mem=
for p in "${sim_pids[@]}"; do sim_mem+="$(hwm "$p") "; done
leaf_mem=
for p in "${leaf_pids[@]}"; do leaf_mem+="$(hwm "$p") "; done
awk -v n="$n" -v t0="$t0" -v tpost="$t_post" -v pub="$t_pub" -v recv="$t_recv" -v done="$t_done" \
	-v a="$recv_s" -v r1="$raw1" -v r2="$raw2" -v play="$play_ms" 'BEGIN {
	printf "alert to %d receivers: POST answered %.3f s, published %.3f s after the POST;" \
		" every receipt %.3f s after publication (%.3f s from the POST); every played/displayed %.3f s" \
		" after publication (%.1f s of it simulated playing; %.3f s from the POST)\n",
		n, (tpost - t0) / 1000, (pub - t0) / 1000, a, (recv - t0) / 1000, (done - pub) / 1000, play / 1000,
		(done - t0) / 1000
	printf "raw round trip through the same broker: %.3f s through one connection (%.2fx), %.3f s through" \
		" the receivers'\'' connections (%.2fx)\n", r1, a / r1, r2, a / r2
}'
echo "planner ${plan[*]} s; status query (the alert's counts) ${status[*]} s; every delivery ($rows rows)" \
	"${deliveries[*]} s; report ${report[*]} s ($coverage)"
echo "peak memory (VmHWM): tocsind $(hwm "$server") MiB (target < 200), mosquitto $(hwm "$top_pid") MiB" \
	"${leaf_mem:+(top), ${leaf_mem% } MiB (the brokers bridged to it)}, tocsin-sim ${sim_mem% } MiB"
echo "tocsind's peak memory (MiB) after each step: $(IFS=,; echo "${mem[*]}" | sed 's/,/, /g')"
