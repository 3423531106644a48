#!/usr/bin/env bash
# bench_dispatch.sh — alerts to N simulated receivers through tocsind, beside
# the raw broker round trip of N QoS 1 messages out and N back, in the same
# run and through the same broker.
#
#   bench/bench_dispatch.sh [--receivers N] [--rounds R] [--build DIR] [--alert FILE] [--play-ms MS] [--secure]
#
# --secure: the broker as tocsin broker setup makes it (TLS, an account and rights per receiver,
# the receivers' accounts written by setup once they are imported); tocsind, the simulated
# receivers and the raw figures all go through it with their own credentials. For the raw figures
# only, every account is also allowed bench/# (added to the plugin's file before the broker starts).
#
# Each of R rounds (default 5) POSTs one alert (a new identifier each time)
# and then takes the two raw figures (bench_mqtt_rtt), with messages out of
# the alert's payload size and back of an acknowledgment's (64 bytes):
#   - through one connection each way: N messages published to an echo client;
#   - through the receivers' own connections: one message to a topic all N
#     simulated receivers subscribe to (tocsin-sim --echo), each answering.
# For the alert: the time from the POST to its publication (rendering: speech
# and Ogg/Opus, once per language), from the first message out until no
# target waits for a receipt (tocsind's own log line, written after each
# batch of acknowledgments; nothing polls tocsind meanwhile), and until every
# one acknowledged played/displayed (after a simulated playing time of
# --play-ms, default 3000, so receipts are not slowed by the acknowledgments
# of playing). Prints each round, with the CPU each process used from
# publication to the last receipt; then the median of the rounds' ratios,
# each round's alert against its own raw figures taken just after it (the
# speed of this machine drifts by a third from minute to minute; a round's
# two sides see the same), their range, and the best of each figure;
# tocsind's peak memory (VmHWM).
set -euo pipefail
cd "$(dirname "$0")/.."
n=10000
rounds=5
play_ms=3000
build=build
alert=cap-schemas/examples/cn-lightning-yellow.xml
secure=
while [ $# -gt 0 ]; do
	case $1 in
	--receivers) n=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--alert) alert=$2; shift 2 ;;
	--play-ms) play_ms=$2; shift 2 ;;
	--secure) secure=1; shift ;;
	*) echo "usage: bench/bench_dispatch.sh [--receivers N] [--rounds R] [--build DIR] [--alert FILE] [--play-ms MS] [--secure]" >&2; exit 2 ;;
	esac
done
. bench/bench_lib.sh
ms() { date +%s%3N; }

# alerts go out without a second person: the figure is delivery, not approval
printf '[tocsind]\nack_timeout_s = 120\nlog_level = info\napproval_required = none\n' >"$tmp/tocsind.conf"
# the staff on the data directory: the registry clerk imports and provisions, the approver submits
tocsin=$(realpath "$build/server/tocsin")
staff "$tmp/data"
# start_tocsind BROKER: tocsind on a free HTTP port; sets server and url
start_tocsind() {
	rm -f "$tmp/data/http.addr"
	"$build/server/tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
		--broker "$1" 2>>"$tmp/tocsind.log" &
	server=$!
	pids+=($server)
	for _ in $(seq 100); do [ -s "$tmp/data/http.addr" ] && break; sleep 0.1; done
	url="http://$(cat "$tmp/data/http.addr")"
}
"$build/receivers/tocsin-sim" --emit-registry "$tmp/rx.csv" --count "$n" --id-prefix b- --kind mixed \
	--region 120116001001,120116001002,120116002001,120116105201
raw_auth=()
sim_auth=()
if [ -n "$secure" ]; then
	# The registry first, so that setup writes every receiver's account into the plugin's file.
	start_tocsind none
	"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
	kill "$server"
	wait "$server" 2>/dev/null || true
	port=$(loopback_port)
	chmod o+x "$tmp"
	"$tocsin" broker setup --data-dir "$tmp/data" --listen "127.0.0.1:$port" --out "$tmp/broker" >/dev/null
	f=$tmp/broker/dynamic-security.json
	jq '.roles += [{"rolename": "bench", "acls": [{"acltype": "publishClientSend", "topic": "bench/#", "allow": true},
		{"acltype": "subscribePattern", "topic": "bench/#", "allow": true}]}]
		| .clients[].roles += [{"rolename": "bench"}]' "$f" >"$tmp/dynsec.json"
	cat "$tmp/dynsec.json" >"$f" # keeps the file's owner and mode
	start_secure_broker "$tmp" "$tmp/data" "$port" || { echo "mosquitto did not start" >&2; exit 1; }
	pids+=("$broker_pid")
	start_tocsind "$broker_url"
	"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null
	raw_auth=(--cafile "$broker_ca" --username tocsind --password-file "$tmp/data/broker.password")
	sim_auth=(--cafile "$broker_ca" --credentials "$tmp/credentials.csv")
else
	start_broker "$tmp" || { echo "mosquitto did not start" >&2; exit 1; }
	pids+=("$broker_pid")
	broker_url=127.0.0.1:$broker_port
	start_tocsind "$broker_url"
	"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
fi
"$build/receivers/tocsin-sim" --registry "$tmp/rx.csv" --broker "$broker_url" "${sim_auth[@]}" \
	--pubkey "$tmp/data/signing.pub" --delay-ms "$play_ms" --echo bench/fanout 2>"$tmp/sim.log" &
sim=$!
pids+=($sim)
deadline=$((SECONDS + 300))
until [ "$(api viewer -s "$url/metrics" | awk '/^tocsin_receivers_online/ {print $2}')" = "$n" ]; do
	[ $SECONDS -lt $deadline ] || { echo "the receivers did not all come online" >&2; exit 1; }
	sleep 0.5
done
echo "$n simulated receivers online (one MQTT connection each) on broker $broker_url${secure:+ (TLS, an account each)}"

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system clock ticks
hz=$(getconf CLK_TCK)
# The log is read as it is written, from one reader for the whole run.
exec 3< <(exec tail -n +1 -F "$tmp/tocsind.log" 2>/dev/null)
pids+=("$!")

# round K: one alert, then both raw figures; appends a line to $tmp/rounds.
one_round() {
	local k=$1 id line l got recv_s t0 t_recv t_pub t_done fin bytes raw1 raw2
	local c0 c1 c2 c3 c4 c5
	sed -e "s/<expires>2026-[0-9-]*T/<expires>${tomorrow}T/g" -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" \
		-e "s/_2026[0-9]\{4\}/_${today//-/}/g" -e "s|_[0-9]*</identifier>|_$k</identifier>|" \
		"$alert" >"$tmp/alert.xml"
	t0=$(ms)
	id=$("$tocsin" submit "$tmp/alert.xml" --server "$url")
	line=
	c0=
	while IFS= read -r -t 300 l <&3; do
		case $l in
		*"alert=$id published"*) c0=$(cpu "$server"); c1=$(cpu "$broker_pid"); c2=$(cpu "$sim") ;;
		*"alert=$id "*"none is waiting"*) line=$l; break ;;
		esac
	done
	[ -n "$line" ] || { echo "tocsind did not report alert $id received within 300 s" >&2; exit 1; }
	c3=$(cpu "$server"); c4=$(cpu "$broker_pid"); c5=$(cpu "$sim")
	receipt_line "$line"
	[ "$got" = "$n" ] || { echo "only $got of $n receivers acknowledged receipt: $line" >&2; exit 1; }
	# Then played/displayed, after the simulated playing: polled, the receipts being in.
	t_done=
	local deadline=$((SECONDS + 300))
	while [ -z "$t_done" ] && [ $SECONDS -lt $deadline ]; do
		fin=$(api viewer -s "$url/api/v1/alerts/$id" | jq -r '.counts | .played + .displayed')
		[ "$fin" -ge "$n" ] && t_done=$(ms)
		[ -n "$t_done" ] || sleep 0.2
	done
	[ -n "$t_done" ] || { echo "not every receiver acknowledged played/displayed within 300 s ($fin)" >&2; exit 1; }
	bytes=$(grep -m1 "alert=$id rendered" "$tmp/tocsind.log" | sed -n 's/.* payload \([0-9]*\) bytes.*/\1/p')
	"$build/bench/bench_mqtt_rtt" --broker "127.0.0.1:$broker_port" "${raw_auth[@]}" --count "$n" --bytes "$bytes" \
		--back-bytes 64 >"$tmp/raw1.txt"
	local b0 s0
	b0=$(cpu "$broker_pid"); s0=$(cpu "$sim")
	"$build/bench/bench_mqtt_rtt" --broker "127.0.0.1:$broker_port" "${raw_auth[@]}" --count "$n" --bytes "$bytes" \
		--fanout bench/fanout >"$tmp/raw2.txt"
	local rb=$(( ($(cpu "$broker_pid") - b0) * 1000 / hz )) rs=$(( ($(cpu "$sim") - s0) * 1000 / hz ))
	raw1=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$tmp/raw1.txt")
	raw2=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$tmp/raw2.txt")
	[ -n "$raw1" ] && [ -n "$raw2" ] || { echo "a raw figure failed: $(cat "$tmp/raw1.txt" "$tmp/raw2.txt")" >&2; exit 1; }
	[ "$k" = 1 ] && sed 's/^/  /' "$tmp/raw1.txt" "$tmp/raw2.txt"
	awk -v k="$k" -v t0="$t0" -v pub="$t_pub" -v recv="$t_recv" -v a="$recv_s" -v done="$t_done" \
		-v r1="$raw1" -v r2="$raw2" -v hz="$hz" -v cs="$((c3 - ${c0:-$c3}))" -v cb="$((c4 - ${c1:-$c4}))" \
		-v cm="$((c5 - ${c2:-$c5}))" -v rb="$rb" -v rs="$rs" -v play="$play_ms" 'BEGIN {
		printf "round %d: published %.3f s after the POST; every receipt %.3f s after publication" \
			" (%.3f s from the POST), played/displayed %.3f s (%.1f s of it simulated playing);" \
			" raw %.3f s (one connection), %.3f s (the receivers'\'' connections): %.2fx, %.2fx;" \
			" CPU from publication to the last receipt: tocsind %d ms, mosquitto %d ms, tocsin-sim %d ms;" \
			" in the raw through the receivers'\'' connections: mosquitto %d ms, tocsin-sim %d ms\n",
			k, (pub - t0) / 1000, a, (recv - t0) / 1000, (done - pub) / 1000, play / 1000, r1, r2,
			a / r1, a / r2, cs * 1000 / hz, cb * 1000 / hz, cm * 1000 / hz, rb, rs
		printf "%.3f %.3f %.3f %.3f %.3f\n", (pub - t0) / 1000, a, (recv - t0) / 1000, r1, r2 >>"/dev/stderr"
	}' 2>>"$tmp/rounds"
}

for k in $(seq "$rounds"); do one_round "$k"; done
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
# median FILE FIELD: the median of a column
median() { awk -v f="$2" '{print $f}' "$1" | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
awk '{print $2 / $4, $2 / $5, $3 / $4}' "$tmp/rounds" >"$tmp/ratios"
awk -v n="$n" -v peak="$peak" -v m1="$(median "$tmp/ratios" 1)" -v m2="$(median "$tmp/ratios" 2)" \
	-v m3="$(median "$tmp/ratios" 3)" -v ra="$(median "$tmp/rounds" 2)" -v r1m="$(median "$tmp/rounds" 4)" \
	-v r2m="$(median "$tmp/rounds" 5)" '
	FILENAME == ARGV[1] {
		if (FNR == 1 || $1 < lo) lo = $1
		if (FNR == 1 || $1 > hi) hi = $1
		k++
		next
	}
	FNR == 1 || $1 < r { r = $1 } FNR == 1 || $2 < a { a = $2 } FNR == 1 || $3 < p { p = $3 }
	FNR == 1 || $4 < r1 { r1 = $4 } FNR == 1 || $5 < r2 { r2 = $5 }
	END {
		printf "%d rounds, alert to %d receivers: every receiver acknowledged receipt %.3f s after publication" \
			" (median), the raw round trip through one connection %.3f s, through the receivers'\'' connections" \
			" %.3f s\n", k, n, ra, r1m, r2m
		printf "  each round against its own raw figures: median %.2fx through one connection (rounds %.2fx to" \
			" %.2fx), %.2fx through the receivers'\'' connections; target 1.5x\n", m1, lo, hi, m2
		printf "  from the POST to the last receipt: median %.2fx through one connection\n", m3
		printf "best of each figure: rendered and published %.3f s after the POST; every receipt %.3f s after" \
			" publication: %.2fx the raw round trip through one connection (%.3f s), %.2fx through the" \
			" receivers'\'' connections (%.3f s); from the POST %.3f s: %.2fx and %.2fx\n",
			r, a, a / r1, r1, a / r2, r2, p, p / r1, p / r2
		printf "tocsind peak memory (VmHWM): %.1f MiB\n", peak / 1024
	}' "$tmp/ratios" "$tmp/rounds"
