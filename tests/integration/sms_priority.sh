#!/usr/bin/env bash
# sms_priority.sh — the SMS queue hands over the highest class first: an
# escalation SMS (the officer of a silent village) is not kept waiting behind
# a policy batch already queued. Real parts: the secured mosquitto of tocsin
# broker setup, tocsind with --smpp at 20 submit_sm a second, tocsin-sim
# loudspeakers of which two never acknowledge, the SMSC simulator.
#
# An orange typhoon warning for 20 villages; its policy batch goes to 420
# people (20 信息员 and 400 officials of the county), three parts each: about
# 60 s at 20 a second.
# About 6 s in, the two silent villages are escalated; their officers' SMS
# must reach the SMSC within a few seconds, ahead of the rest of the batch,
# and /metrics and tocsin status show the queue by class meanwhile.
# Usage: sms_priority.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
pid=
sim_pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/smsc.sh"
trap cleanup_sms EXIT

mkdir -p "$tmp/data"
staff "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
start_smsc "$tmp" --password s3cr3t --default-mode deliver --receipt-delay-ms 100 ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nlog_level = debug\napproval_required = none\n' \
	>"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 --broker "$broker_url" \
	--smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin --smpp-password s3cr3t --smpp-tps 20 \
	2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
expect "server up" curl -sf "$url/healthz"

for k in $(seq -w 0 399); do echo "13990000$k,官员$k,official,120116,zh-CN"; done >"$tmp/officials.csv"
twenty_villages "$tmp/officials.csv" --fail-rate 0.1 # sim-00009 and sim-00019 never acknowledge

fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
id=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "typhoon accepted" 0 $?

# --- while the batch is under way: the queue by class ----------------------------------------
expect "the policy batch is queued" wait_for "$id" '.channels.sms.queued_parts.policy > 100' 30
# (the gauge is counted once a second)
expect "/metrics: policy parts queued" wait_until 5 eval \
	'api viewer -s "$url/metrics" >"$tmp/metrics"; grep -qE "^tocsin_sms_queued_parts\{class=\"policy\"\} [1-9][0-9]+$" "$tmp/metrics"'
expect "/metrics: every class listed" test "$(grep -c '^tocsin_sms_queued_parts{class=' "$tmp/metrics")" = 4
pending=$(sed -n 's/^tocsin_sms_gateway_pending_parts{gateway="default"} //p' "$tmp/metrics")
expect "the gateway holds about a second of work ($pending parts; window 10 x 2 + 20 a second = 40)" \
	test "${pending:-999}" -le 40
"$tocsin" status "$id" --server "$url" >"$tmp/status.txt"
expect "tocsin status shows the queue" grep -qE '^  sms queue  policy [0-9]+' "$tmp/status.txt"

# --- the escalations overtake the batch ----------------------------------------------------------
expect "both silent villages escalated" wait_for "$id" '.counts.escalated == 2' 60
TOCSIN_TOKEN=$(cat "$tmp/token.registry") expect "their officers' SMS handed over" wait_for "$id" \
	'[.escalated[].officers[] | select(.state != "queued")] | length == 2' 30
expect "the whole batch done" wait_for "$id" \
	'.channels.sms.recipients == 422 and (.channels.sms.counts.queued + .channels.sms.counts.submitted) == 0' 90
jq -s '[.[] | select(.cmd == "submit_sm" and .status == 0)]' "$tmp/smsc.jsonl" >"$tmp/submits.json"
check "every policy SMS and both escalations reached the SMSC" 422 \
	"$(jq '[.[] | select(.text | test("ACK [0-9]{6}") | not)] | map(.dest) | unique | length + 2' "$tmp/submits.json")"
esc_at=$(jq '[to_entries[] | select(.value.text | test("ACK [0-9]{6}")) | .key] | max' "$tmp/submits.json")
after=$(jq --argjson e "$esc_at" '[.[($e + 1):][] | select(.text | test("ACK [0-9]{6}") | not)] | length' "$tmp/submits.json")
expect "the escalation SMS went before the rest of the batch ($after policy SMS after it)" test "$after" -ge 150
sent_esc=$(api viewer -s "$url/metrics" | sed -n 's/^tocsin_sms_parts_sent_total{class="escalation"} //p')
expect "metrics count the parts sent by class ($sent_esc of the escalations)" test "${sent_esc:-0}" -ge 2
expect "nothing left queued" wait_for "$id" '[.channels.sms.queued_parts[]] | add == 0' 10

kill -TERM "$pid"
wait "$pid"
pid=
check_log "$tmp/tocsind.log"
finish
