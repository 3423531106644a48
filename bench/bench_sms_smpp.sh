#!/usr/bin/env bash
# bench_sms_smpp.sh — SMS submission over SMPP: tocsind's session layer
# (bench_sms_submit) against the SMSC simulator, beside the simulator's own
# ceiling (submit_sm pipelined raw, 512 outstanding, no session layer).
# Usage: bench_sms_smpp.sh [--count N] --build BUILD_DIR
set -u
count=5000
build=
while [ $# -gt 0 ]; do
	case $1 in
	--count) count=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: bench_sms_smpp.sh [--count N] --build BUILD_DIR" >&2; exit 2 ;;
	esac
done
[ -n "$build" ] || { echo "usage: bench_sms_smpp.sh [--count N] --build BUILD_DIR" >&2; exit 2; }
drive=$build/bench/bench_sms_submit
tmp=$(mktemp -d)
. "$(dirname "$0")/../tests/integration/smsc.sh"
trap 'stop_smsc; rm -rf "$tmp"' EXIT
start_smsc "$tmp" --default-mode noreceipt || { echo "cannot start the SMSC simulator" >&2; exit 1; }
ceiling=$("$drive" --smsc "127.0.0.1:$smsc_port" --raw --count "$count" --json --timeout-s 120) || exit 1
echo "SMSC simulator ceiling: $(jq -r '"\(.answered) submit_sm answered in \(.seconds) s: \(.rate) parts/s"' <<<"$ceiling")"
for w in 1 10 50; do
	out=$("$drive" --smsc "127.0.0.1:$smsc_port" --count "$count" --window "$w" --json --timeout-s 120) || exit 1
	jq -r --argjson c "$ceiling" --arg w "$w" \
		'"tc_smpp window \($w), no TPS cap: \(.submitted) accepted in \(.seconds) s: \(.rate) parts/s = \((100 * .rate / $c.rate) | round) % of the ceiling"' <<<"$out"
done
out=$("$drive" --smsc "127.0.0.1:$smsc_port" --count 200 --tps 100 --json --timeout-s 60) || exit 1
jq -r '"tc_smpp paced to 100 TPS: \(.submitted) accepted at \(.rate) parts/s, throttled \(.throttled)"' <<<"$out"
