#!/usr/bin/env bash
# sms_gateways.sh — two operators' SMSCs behind one tocsind: parts go to the
# gateway of their number's prefix, a full gateway does not hold back the
# other's, and when one SMSC goes away in the middle of a batch its parts
# (those still queued and those its gateway held) go to the other, each
# accepted once. Real parts: the secured mosquitto of tocsin broker setup,
# tocsin-sim loudspeakers, tocsind with --smpp (the "default" gateway, 10
# submit_sm a second) and sms_gateways_file ([op2], 30 a second, prefix 86139,
# fallback default; sms_fallback = op2), two SMSC simulators.
#
# An orange typhoon warning's policy batch goes to 140 people, three parts
# each: 20 信息员 and 60 officials on 86138 numbers (the default gateway: 240
# parts, about 24 s), 60 officials on 86139 numbers (op2: 180 parts, about
# 6 s). The 86138 ones come first in the queue.
# Usage: sms_gateways.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
pid=
sim_pid=
a_pid=
b_pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/smsc.sh"
cleanup() { # the two simulators, then what cleanup_sms stops
	smsc_pid=$a_pid stop_smsc
	smsc_pid=$b_pid cleanup_sms
}
trap cleanup EXIT

mkdir -p "$tmp/data" "$tmp/a" "$tmp/b"
staff "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
for op in a b; do
	start_smsc "$tmp/$op" --password s3cr3t --default-mode deliver --receipt-delay-ms 100 ||
		{ echo "cannot start the SMSC simulator $op: $(cat "$tmp/$op/smsc.log")"; exit 1; }
	eval "${op}_pid=\$smsc_pid ${op}_port=\$smsc_port"
done
printf 's3cr3t\n' >"$tmp/op2.password"
chmod 600 "$tmp/op2.password"
printf '[op2]\nsmpp = 127.0.0.1:%s\nsystem_id = tocsin\npassword_file = %s\ntps = 30\nwindow = 5\nprefixes = 86139\nfallback = default\n' \
	"$b_port" "$tmp/op2.password" >"$tmp/gateways.ini"
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nlog_level = debug\napproval_required = none\n' \
	>"$tmp/tocsind.conf"
printf 'sms_gateways_file = %s\nsms_fallback = op2\n' "$tmp/gateways.ini" >>"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 --broker "$broker_url" \
	--smpp "127.0.0.1:$a_port" --smpp-system-id tocsin --smpp-password s3cr3t --smpp-tps 10 \
	2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
expect "server up" curl -sf "$url/healthz"
expect "both gateways bound" wait_until 15 eval \
	'test "$(api viewer -s "$url/metrics" | grep -c "^tocsin_smpp_bound{gateway=\"[a-z0-9]*\"} 1$")" = 2'

for k in $(seq -w 0 59); do echo "138990000$k,官员$k,official,120116,zh-CN"; done >"$tmp/officials.csv"
for k in $(seq -w 0 59); do echo "139990000$k,官员9$k,official,120116,zh-CN"; done >>"$tmp/officials.csv"
twenty_villages "$tmp/officials.csv"

# accepted OP SINCE: the parts SMSC OP accepted at or after SINCE (epoch seconds), one line each:
# the time, the number without '+', the UDH (which names the message and the part)
accepted() {
	jq -r --argjson s "$2" 'select(.cmd == "submit_sm" and .status == 0 and (.t | tonumber) >= $s)
		| "\(.t) \(.dest | ltrimstr("+")) \(.udh)"' "$tmp/$1/smsc.jsonl" 2>/dev/null
}
both() { { accepted a "$1"; accepted b "$1"; } | wc -l; }
last_at() { accepted "$1" "$2" | tail -1 | cut -d' ' -f1; }

# --- routing by prefix; the full gateway holds back none of the other's ---------------------------
t1=$(date +%s.%N)
fresh cn-typhoon-orange.xml >"$tmp/one.xml"
one=$("$tocsin" submit "$tmp/one.xml" --server "$url")
check "the first warning accepted" 0 $?
expect "all 420 parts accepted by the two SMSCs" wait_until 90 eval 'test "$(both "$t1")" -ge 420'
check "the default SMSC took the 86138 numbers' 240 parts" 240 "$(accepted a "$t1" | grep -c ' 86138')"
check "…and none of op2's" 0 "$(accepted a "$t1" | grep -c ' 86139')"
check "op2's SMSC took the 86139 numbers' 180 parts, and only those" "180 180" \
	"$(accepted b "$t1" | grep -c ' 86139') $(accepted b "$t1" | wc -l)"
a_done=$(awk -v t="$(last_at a "$t1")" -v s="$t1" 'BEGIN { printf "%.1f", t - s }')
b_done=$(awk -v t="$(last_at b "$t1")" -v s="$t1" 'BEGIN { printf "%.1f", t - s }')
expect "op2's parts were not held back behind the default's (op2 done after $b_done s, default $a_done s)" \
	awk -v a="$a_done" -v b="$b_done" 'BEGIN { exit !(b < a - 8) }'
check "no part accepted twice" 420 "$({ accepted a "$t1"; accepted b "$t1"; } | cut -d' ' -f2- | sort -u | wc -l)"
expect "the first warning's SMS all handed over" wait_for "$one" '[.channels.sms.queued_parts[]] | add == 0' 20

# --- the default SMSC goes away in the middle of the next batch --------------------------------
t2=$(date +%s.%N)
fresh cn-typhoon-orange.xml | sed 's|<identifier>\([^<]*\)</identifier>|<identifier>\1-2</identifier>|' >"$tmp/two.xml"
two=$("$tocsin" submit "$tmp/two.xml" --server "$url")
check "the second warning accepted" 0 $?
expect "the default SMSC is under way" wait_until 30 eval 'test "$(accepted a "$t2" | wc -l)" -ge 30'
smsc_pid=$a_pid stop_smsc
a_pid=
expect "all 420 parts accepted, by one SMSC or the other" wait_until 60 eval 'test "$(both "$t2")" -ge 420'
check "no part accepted twice" 420 "$({ accepted a "$t2"; accepted b "$t2"; } | cut -d' ' -f2- | sort -u | wc -l)"
moved_to_b=$(accepted b "$t2" | grep -c ' 86138')
expect "op2's SMSC took the default's numbers once it was gone ($moved_to_b parts)" test "$moved_to_b" -ge 100
expect "what the default gateway held went to op2 (log)" \
	grep -qE 'gateway default is down: [1-9][0-9]* parts it held go to op2' "$tmp/tocsind.log"
moved=$(api viewer -s "$url/metrics" | sed -n 's/^tocsin_sms_gateway_parts_moved_total{gateway="default"} //p')
expect "/metrics counts the parts moved ($moved)" test "${moved:-0}" -ge 1
expect "the second warning's SMS all handed over" wait_for "$two" '[.channels.sms.queued_parts[]] | add == 0' 20

kill -TERM "$pid"
wait "$pid"
pid=
check_log "$tmp/tocsind.log"
finish
