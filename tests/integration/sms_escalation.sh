#!/usr/bin/env bash
# sms_escalation.sh — the SMS channel with real parts: the secured mosquitto of
# tocsin broker setup on a free loopback port, tocsind with --smpp, tocsin-sim loudspeakers of which 10 %
# never acknowledge, and the SMSC simulator (Net::SMPP).
#
# An orange typhoon warning for the county goes to 20 villages' loudspeakers.
# By policy its SMS goes to every 信息员 of the county and to the officials;
# the two villages whose loudspeaker stays silent are escalated, and exactly
# their officers get the escalation SMS; their replies ("收到 <code>") mark the
# villages confirmed; forged replies (an SMS never sent, a wrong code, a code
# too old) confirm nothing; the report shows coverage by loudspeaker and by
# person. The officials' numbers exercise the simulator's other modes:
# undeliverable, rejected, no receipt. A restart of tocsind sends nothing twice.
# Usage: sms_escalation.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
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

start_server() { # ARGS: how the SMPP password is given
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
		--broker "$broker_url" --smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin \
		"$@" --smpp-tps 40 2>>"$tmp/tocsind.log" &
	pid=$!
	url=$(server_url "$tmp/data")
}

mkdir -p "$tmp/data"
# the registry clerk imports and provisions, the approver submits; replies come in as a gateway user
staff "$tmp/data"
"$tocsin" user add t-gateway --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gateway"
[ -s "$tmp/token.gateway" ] || { echo "FAIL no gateway user: $(cat "$tmp/staff.log")"; exit 1; }
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
start_smsc "$tmp" --password s3cr3t --default-mode reply --reply-match 'ACK [0-9]{6}' --reply-text '收到 {code}' --receipt-delay-ms 100 \
	--mode 90000002=undeliverable --mode 90000003=reject --mode 90000004=noreceipt ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
# about escalation, not approval: alerts go out without a second person
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nsms_receipt_timeout_s = 4\nlog_level = debug\napproval_required = none\n' \
	>"$tmp/tocsind.conf"
start_server --smpp-password s3cr3t
expect "server up" curl -sf "$url/healthz"
expect "the password given as a flag is wiped from the command line" \
	bash -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q -- '--smpp-system-id tocsin' && ! grep -q s3cr3t /proc/$pid/cmdline"
expect "with a warning" grep -q -- "--smpp-password was visible to other users" "$tmp/tocsind.log"
check "schema 16" 16 "$(curl -s "$url/healthz" | jq .schema)"
# The database's files are SQLite's only (a PostgreSQL store's are the server's).
on_postgresql || check "the database and its WAL are the owner's alone" "600 600 600" \
	"$(cd "$tmp/data" && stat -c %a tocsin.db tocsin.db-wal tocsin.db-shm | xargs)"

# 20 villages of Binhai (120116), one loudspeaker each; 10 % (sim-00009, sim-00019) silent.
villages=$(for i in $(seq -w 0 19); do printf '1201160010%s,' "$i"; done)
"$sim" --emit-registry "$tmp/rx.csv" --count 20 --region "${villages%,}"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
{
	echo "phone,name,role,region,language"
	for i in $(seq -w 0 19); do echo "138 0010 00$i,信息员$i,信息员,1201160010$i,zh-CN"; done
	echo "+86 138 0010 0005,信息员05 again,信息员,120116001005,zh-CN" # the same number twice
	for k in 1 2 3 4; do echo "1399000000$k,官员$k,official,120116,zh-CN"; done
	echo "13770000001,外县信息员,信息员,120117001001,zh-CN" # another county: never told
} >"$tmp/contacts.csv"
if ! "$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >"$tmp/import.out" 2>&1; then
	echo "FAIL contacts import: $(cat "$tmp/import.out")"
	exit 1
fi
"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null
"$sim" --registry "$tmp/rx.csv" --broker "$broker_url" --cafile "$broker_ca" --credentials "$tmp/credentials.csv" \
	--pubkey "$tmp/data/signing.pub" --fail-rate 0.1 \
	--delay-ms 100 2>>"$tmp/sim.log" &
sim_pid=$!
sleep 1.5

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
	"$examples/cn-typhoon-orange.xml" | sed "s|<expires>${today}T|<expires>${tomorrow}T|" >"$tmp/orange.xml"
id=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "typhoon accepted" 0 $?

# --- policy: the county's 信息员 and officials, once each ---------------------------
expect "loudspeakers played or escalated" wait_for "$id" \
	'(.counts.played + .counts.escalated) == 20 and .counts.escalated == 2' 60
expect "policy and escalation SMS final" wait_for "$id" \
	'.channels.sms.recipients == 26 and (.channels.sms.counts.queued + .channels.sms.counts.submitted) == 0' 60
api registry -s "$url/api/v1/alerts/$id/sms" >"$tmp/sms.json"
check "policy recipients: 20 信息员 + 4 officials, duplicates dropped" 24 \
	"$(jq '[.sms[] | select(.purpose == "policy")] | length' "$tmp/sms.json")"
check "nobody from another county" 0 "$(jq '[.sms[] | select(.number == "+8613770000001")] | length' "$tmp/sms.json")"
check "simulator received a policy SMS for each of them" 24 \
	"$(jq -s '[.[] | select(.cmd == "submit_sm" and (.text | test("ACK") | not))] | map(.dest) | unique | length' "$tmp/smsc.jsonl")"
check "and each part once" 0 \
	"$(jq -s '[.[] | select(.cmd == "submit_sm" and .status == 0)] | group_by([.dest, .udh, .text]) | map(select(length > 1)) | length' "$tmp/smsc.jsonl")"
check "numbers in E.164 without +, international" '"8613800100000" 1' \
	"$(jq -s -r '[.[] | select(.cmd == "submit_sm")] | sort_by(.dest) | .[0] | "\(.dest|tojson) \(.dest_ton)"' "$tmp/smsc.jsonl")"
check "Chinese text as UCS-2 with the colour" '8 true' \
	"$(jq -s -r '[.[] | select(.cmd == "submit_sm" and .dest == "8613800100000")][0] | "\(.data_coding) \(.text | test("台风橙色预警"))"' "$tmp/smsc.jsonl")"
check "long texts concatenated with a UDH (050003 ref total seq)" true \
	"$(jq -s '[.[] | select(.cmd == "submit_sm" and .udh != "")] | (length > 0) and all(.udh | test("^050003[0-9a-f]{2}0[2-9]0[1-9]$")) and all(.esm_class == 64)' "$tmp/smsc.jsonl")"

# --- the officials' numbers: each mode of the simulator ------------------------------
state_of() { jq -r --arg n "$1" '.sms[] | select(.number == $n and .purpose == "policy") | .state' "$tmp/sms.json"; }
expect "no-receipt after the deadline" wait_for "$id" '.channels.sms.counts["no-receipt"] == 1' 30
api registry -s "$url/api/v1/alerts/$id/sms" >"$tmp/sms.json"
check "receipt DELIVRD" delivered "$(state_of +8613990000001)"
check "receipt UNDELIV" undeliverable "$(state_of +8613990000002)"
check "submit_sm refused" rejected "$(state_of +8613990000003)"
check "never a receipt" no-receipt "$(state_of +8613990000004)"

# --- escalation: exactly the silent villages' officers --------------------------------
# (read by the registry clerk: the officers' numbers are for those who may read contacts)
TOCSIN_TOKEN=$(cat "$tmp/token.registry") expect "both escalated villages confirmed by their officers" wait_for "$id" \
	'.people.villages_confirmed == 2' 60
check "escalated villages" '["120116001009","120116001019"]' "$(jq -c '[.escalated[].region]' "$tmp/status.json")"
check "their officers, delivered and confirmed" '[["+8613800100009","delivered",true],["+8613800100019","delivered",true]]' \
	"$(jq -c '[.escalated[].officers[] | [.phone, .state, .confirmed]]' "$tmp/status.json")"
check "a viewer sees that they were told, not their numbers" '["+86138****0009","+86138****0019"]' \
	"$(TOCSIN_TOKEN=$(cat "$tmp/token.viewer") "$tocsin" status "$id" --json --server "$url" | jq -c '[.escalated[].officers[].phone]')"
check "escalation SMS went only to them" '["8613800100009","8613800100019"]' \
	"$(jq -s -c '[.[] | select(.cmd == "submit_sm" and (.text | test("ACK [0-9]{6}")))] | map(.dest) | unique' "$tmp/smsc.jsonl")"
check "the escalation SMS names the village" true \
	"$(jq -s '[.[] | select(.cmd == "submit_sm" and .dest == "8613800100009" and (.text | test("120116001009")))] | length > 0' "$tmp/smsc.jsonl")"
# read at once and sent ahead of the policy batch: two parts (sms_escalation_segments), the warning's start in them
check "the escalation SMS is two parts, the warning's name in them" '2 true' \
	"$(jq -s -r '[.[] | select(.cmd == "submit_sm" and .dest == "8613800100009" and .status == 0)] as $p
		| ([$p[] | select(.text | test("ACK [0-9]{6}"))][0].udh[6:8]) as $ref
		| [$p[] | select(.udh[6:8] == $ref)] as $m
		| "\($m[0].udh[8:10] | tonumber) \([$m[].text] | add | test("台风橙色预警"))"' "$tmp/smsc.jsonl")"
check "replies sent by the simulator" 2 "$(smsc_count "$tmp" '.kind == "mo"')"
check "SMS confirmed" 2 "$(jq '.channels.sms.confirmed' "$tmp/status.json")"
check "coverage by loudspeaker" 90 "$(jq '.coverage' "$tmp/status.json")"
api viewer -s "$url/api/v1/alerts/$id/report" >"$tmp/report.json"
check "report: by loudspeaker and by person" '90 2 2 100' \
	"$(jq -r '"\(.coverage) \(.people.villages_escalated) \(.people.villages_confirmed) \(.people.coverage_with_people)"' "$tmp/report.json")"

# --- the CSV export for carriers' bulk platforms ------------------------------------------
api registry -s "$url/api/v1/alerts/$id/sms?format=csv" >"$tmp/sms.csv"
check "CSV header" "number,text,segments" "$(head -1 "$tmp/sms.csv")"
check "CSV rows" 26 "$(tail -n +2 "$tmp/sms.csv" | grep -c '^+86')"

# --- forged replies confirm nothing; the genuine code does -----------------------------------
sql() { store_sql "$tmp/data" "$1" ' '; }
code_of() { sql "SELECT code FROM sms_messages WHERE phone = '$1' AND purpose = 'policy'"; }
mo() { api gateway -s -o /dev/null -w '%{http_code}' -G "$url/api/v1/sms/mo" --data-urlencode "from=$1" --data-urlencode "text=$2"; }
check "reply codes: 6 digits each" "26 26" \
	"$(sql "SELECT count(*) FROM sms_messages") $(sql "SELECT code FROM sms_messages" | grep -cx '[0-9]\{6\}')"
check "sent: what the SMSC accepted" "25 0" \
	"$(sql "SELECT count(CASE WHEN sent_at > 0 THEN 1 END), count(CASE WHEN sent_at > 0 AND state = 'rejected' THEN 1 END) FROM sms_messages")"
official=$(code_of +8613990000001)
wrong=$(printf '%06d' $(( (10#$official + 1) % 1000000 )))
check "a reply for the SMS the SMSC refused (never sent), its right code" 200 "$(mo 8613990000003 "ACK $(code_of +8613990000003)")"
check "a wrong code" 200 "$(mo 8613990000001 "ACK $wrong")"
check "a code of the old kind" 200 "$(mo 8613990000002 "ACK 2101")"
check "a plain reply for an escalation (only its code counts)" 200 "$(mo 8613800100009 "收到")"
sql "UPDATE sms_messages SET sent_at = sent_at - 172800 WHERE phone = '+8613990000004' AND purpose = 'policy'"
check "the right code, two days after the SMS" 200 "$(mo 8613990000004 "ACK $(code_of +8613990000004)")"
check "forgeries confirmed nothing" 2 "$("$tocsin" status "$id" --json --server "$url" | jq .channels.sms.confirmed)"
api viewer -s "$url/metrics" >"$tmp/metrics"
for r in 'never-sent"} 1' 'wrong-code"} 2' 'expired"} 1' 'no-code"} 1'; do
	expect "refusal counted: $r" grep -qF "tocsin_sms_replies_refused_total{reason=\"$r" "$tmp/metrics"
done
expect "refusals logged" grep -q "replied 'ACK 2101', which confirms nothing tocsind sent: refused (reason=wrong-code)" \
	"$tmp/tocsind.log"
check "the genuine reply with its code counts" 200 "$(mo 8613990000001 "收到 $official")"
check "confirmed by it" 3 "$("$tocsin" status "$id" --json --server "$url" | jq .channels.sms.confirmed)"

# --- a restart sends nothing twice ----------------------------------------------------------
before=$(smsc_count "$tmp" '.cmd == "submit_sm" and .status == 0')
kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
check "unbind on stop" 1 "$(smsc_count "$tmp" '.cmd == "unbind"')"
printf 's3cr3t\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
start_server --smpp-password-file "$tmp/smpp.password"
expect "up again, the password from its file" curl -sf "$url/healthz"
expect "no secret on its command line" bash -c "! grep -q s3cr3t /proc/$pid/cmdline"
sleep 3
check "nothing sent again after the restart" "$before" "$(smsc_count "$tmp" '.cmd == "submit_sm" and .status == 0')"
check "bound again" 2 "$(smsc_count "$tmp" '.cmd == "bind_transceiver" and .ok')"
expect "metrics" grep -q 'tocsin_smpp_bound{gateway="default"} 1' <(api viewer -s "$url/metrics")
expect "no secret in the log" bash -c "! grep -q s3cr3t '$tmp/tocsind.log'"

kill -TERM "$pid"
wait "$pid"
pid=
check_log "$tmp/tocsind.log"
finish
