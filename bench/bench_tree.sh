#!/usr/bin/env bash
# bench_tree.sh — one alert to N simulated receivers through a broker tree (docs/operations.md,
# "A broker tree": a top broker and two county brokers bridged up to it) beside the same alert
# to the same N receivers through one broker, side by side in one run.
#
#   bench/bench_tree.sh [--receivers N] [--rounds R] [--build DIR]
#
# Both sides are set up as an operator would, with `tocsin broker setup` (TLS, an account per
# receiver and per bridge) and their own tocsind, from one data directory copied after the
# registry was imported (the same receivers, secrets, signing key and staff on both). Half
# the receivers are in county 120116, half in 120110; on the tree each half is on its county's
# broker, on the single broker all are on it. Each of R rounds (default 3) sends one alert for
# both counties to each side, the side that goes first alternating, and takes tocsind's own
# figure: from the first message out until every receiver acknowledged receipt (its log line
# "none is waiting; X s after publication"). Prints each round and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
n=2000
rounds=3
build=build
while [ $# -gt 0 ]; do
	case $1 in
	--receivers) n=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: bench/bench_tree.sh [--receivers N] [--rounds R] [--build DIR]" >&2; exit 2 ;;
	esac
done
. bench/bench_lib.sh
chmod o+x "$tmp" # mosquitto, started as root, reads its files as the user mosquitto
sim=$build/receivers/tocsin-sim
tocsin=$(realpath "$build/server/tocsin")
staff "$tmp/one"
A=120116
B=120110

# start_tocsind NAME BROKER [SETTING]: tocsind on data dir $tmp/NAME; sets server_NAME and url_NAME
start_tocsind() {
	printf '[tocsind]\nack_timeout_s = 120\napproval_required = none\n%s\n' "${3:-}" >"$tmp/$1.conf"
	rm -f "$tmp/$1/http.addr"
	"$build/server/tocsind" --config "$tmp/$1.conf" --data-dir "$tmp/$1" --http 127.0.0.1:0 --broker "$2" \
		2>>"$tmp/$1.log" &
	pids+=($!)
	eval "server_$1=$!"
	for _ in $(seq 100); do [ -s "$tmp/$1/http.addr" ] && break; sleep 0.1; done
	eval "url_$1=http://$(cat "$tmp/$1/http.addr")"
}
# broker_up DIR ARGS...: `tocsin broker setup --data-dir ... --out DIR ARGS` on a free port and mosquitto on it
broker_up() {
	local dir=$1 data=$2 port
	shift 2
	for _ in $(seq 10); do
		port=$(loopback_port)
		"$tocsin" broker setup --data-dir "$data" --listen "127.0.0.1:$port" --out "$dir" "$@" >>"$tmp/setup.log"
		if run_broker "$dir/mosquitto.conf" "$tmp/$(basename "$dir").log" "$port"; then
			pids+=("$broker_pid")
			return 0
		fi
	done
	echo "mosquitto did not start ($dir)" >&2
	exit 1
}

# The registry, imported once, then the data directory copied: the same receivers on both sides.
"$sim" --emit-registry "$tmp/ra.csv" --count $((n / 2)) --id-prefix a- --kind mixed --region ${A}001001,${A}002001
"$sim" --emit-registry "$tmp/rb.csv" --count $((n - n / 2)) --id-prefix b- --kind mixed --region ${B}001001,${B}002001
{ cat "$tmp/ra.csv"; tail -n +2 "$tmp/rb.csv"; } >"$tmp/rx.csv"
start_tocsind one none
"$tocsin" import receivers "$tmp/rx.csv" --server "$url_one" >/dev/null
"$tocsin" provision --all --csv --server "$url_one" --out "$tmp/credentials.csv" >/dev/null
kill "$server_one"
wait "$server_one" 2>/dev/null || true
cp -a "$tmp/one" "$tmp/tree"

# One broker: every receiver's account in its plugin's file.
broker_up "$tmp/b-one" "$tmp/one"
one_port=$broker_port
# The tree: the top broker with a bridge account per county, and the two county brokers.
broker_up "$tmp/b-top" "$tmp/tree" --bridge-county $A --bridge-county $B
top_port=$broker_port
for c in $A $B; do
	broker_up "$tmp/b-$c" "$tmp/tree" --county $c --parent 127.0.0.1:$top_port --parent-ca "$tmp/b-top/ca.crt" \
		--bridge-password-file "$tmp/b-top/bridge-$c.password"
	eval "port_$c=$broker_port"
done
start_tocsind one "mqtts://127.0.0.1:$one_port"
start_tocsind tree "mqtts://127.0.0.1:$top_port" "broker_tree = counties"

# on NAME REGISTRY PORT CA: simulated receivers of REGISTRY on the broker at PORT
on() {
	"$sim" --registry "$2" --broker "mqtts://127.0.0.1:$3" --cafile "$4" --credentials "$tmp/credentials.csv" \
		--pubkey "$tmp/one/signing.pub" --delay-ms 300 2>"$tmp/sim-$1.log" &
	pids+=($!)
}
on one "$tmp/rx.csv" "$one_port" "$tmp/b-one/ca.crt"
on a "$tmp/ra.csv" "$port_120116" "$tmp/b-$A/ca.crt"
on b "$tmp/rb.csv" "$port_120110" "$tmp/b-$B/ca.crt"
online() { [ "$(api viewer -s "$1/metrics" | awk '/^tocsin_receivers_online/ {print $2}')" = "$n" ]; }
wait_until 300 online "$url_one" || { echo "the receivers of the single broker did not all come online" >&2; exit 1; }
wait_until 300 online "$url_tree" || { echo "the receivers of the tree did not all come online" >&2; exit 1; }
echo "$n simulated receivers online twice: all on one broker, and half on each of two county brokers of a tree"

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
# receipt SIDE K: one alert to a side; prints the seconds from its first message out to the last receipt
receipt() {
	local id url line
	eval "url=\$url_$1"
	sed -e "s/<expires>2026-[0-9-]*T/<expires>${tomorrow}T/g" -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" \
		-e "s/_2026[0-9]\{4\}/_${today//-/}/g" -e "s|_[0-9]*</identifier>|_$2</identifier>|" \
		cap-schemas/examples/cn-lightning-yellow.xml >"$tmp/alert.xml"
	id=$("$tocsin" submit "$tmp/alert.xml" --server "$url")
	wait_until 300 grep -q "alert=$id .*none is waiting" "$tmp/$1.log" ||
		{ echo "$1: alert $id not received by all within 300 s" >&2; exit 1; }
	line=$(grep "alert=$id .*none is waiting" "$tmp/$1.log")
	[ "$(sed -n 's/.* \([0-9]*\) of [0-9]* target(s) acknowledged receipt.*/\1/p' <<<"$line")" = "$n" ] ||
		{ echo "$1: not every receiver acknowledged receipt: $line" >&2; exit 1; }
	sed -n 's/.* none is waiting; \([0-9.]*\) s after publication.*/\1/p' <<<"$line"
}
for k in $(seq "$rounds"); do
	if [ $((k % 2)) = 1 ]; then one=$(receipt one "$k"); tree=$(receipt tree "$k"); else
		tree=$(receipt tree "$k"); one=$(receipt one "$k"); fi
	echo "$one $tree" >>"$tmp/rounds"
	awk -v k="$k" -v o="$one" -v t="$tree" 'BEGIN {
		printf "round %d: every receipt %.3f s after publication through one broker, %.3f s through the tree" \
			" (%.2fx)\n", k, o, t, t / o }'
done
median() { awk -v f="$1" '{print $f}' "$tmp/rounds" | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
awk -v n="$n" -v k="$rounds" -v o="$(median 1)" -v t="$(median 2)" 'BEGIN {
	printf "%d rounds, one alert to %d receivers in two counties: every receipt %.3f s after publication" \
		" through one broker, %.3f s through the tree of a top broker and two county brokers (median," \
		" %.2fx)\n", k, n, o, t, t / o }'
