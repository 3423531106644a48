#!/usr/bin/env bash
# bench_failover.sh — how fast a standby tocsind takes over (README, "A standby tocsind"), and how
# long after the active one's death every receiver has played the alert it was dispatching.
#
#   bench/bench_failover.sh [--receivers N] [--rounds R] [--build DIR]
#
# Each of R rounds (default 3) runs tests/integration/failover.sh on a throwaway PostgreSQL server
# (tests/pg/pg.sh): two tocsind on one store, N simulated receivers (default 10,000) that play 3 s
# after receipt, one alert, the active tocsind killed -9 once receipts come in. Prints each
# round's takeover time (from the kill until the standby's /healthz says "ok") and the time from
# the kill to the last receiver's "played", their medians, and the takeover's share of the 10 s
# the issue allows.
set -euo pipefail
cd "$(dirname "$0")/.."
n=10000
rounds=3
build=build
while [ $# -gt 0 ]; do
	case $1 in
	--receivers) n=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: bench/bench_failover.sh [--receivers N] [--rounds R] [--build DIR]" >&2; exit 2 ;;
	esac
done
pg=$(mktemp -d)
trap 'tests/pg/pg.sh stop "$pg"; rm -rf "$pg"' EXIT
tests/pg/pg.sh start "$pg" >/dev/null
takeovers=() finishes=()
for r in $(seq "$rounds"); do
	out=$(tests/pg/pg.sh run "$pg" tests/integration/failover.sh "$build/server/tocsind" "$build/server/tocsin" \
		"$build/receivers/tocsin-sim" cap-schemas/examples "$n" 3000 2>&1 | tail -2)
	line=$(printf '%s\n' "$out" | grep '^takeover') || { echo "round $r failed:"; printf '%s\n' "$out"; exit 1; }
	t=$(printf '%s\n' "$line" | awk '{ print $2 }')
	f=$(printf '%s\n' "$line" | sed 's/.*played it \([0-9.]*\) s after the kill.*/\1/')
	echo "round $r: $line"
	takeovers+=("$t")
	finishes+=("$f")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mt=$(median "${takeovers[@]}")
mf=$(median "${finishes[@]}")
echo "median over $rounds rounds, $n receivers: takeover $mt s ($(awk -v t="$mt" 'BEGIN { printf "%.2f", t / 10 }')x the 10 s allowed);" \
	"every receiver played $mf s after the kill"
