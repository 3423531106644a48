#!/usr/bin/env bash
# sms_resume.sh — SMS batches survive what goes wrong: tocsind killed with -9
# in the middle of a batch resumes it after a restart (what the SMSC had
# accepted is not sent again; at most the parts in flight are), and an SMSC
# that goes away in the middle of a batch is reconnected to when it is back,
# the rest of the batch following, and a receipt is answered (deliver_sm_resp)
# only once it is written: tocsind killed while receipts wait for a locked
# store gets them again from the SMSC. Real tocsind, the SMSC simulator.
# Usage: sms_resume.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
examples=$3
tmp=$(mktemp -d)
pid=
lock_pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smsc.sh"
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
	stop_smsc
	[ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"
	store_drop
	rm -rf "$tmp"
}
trap cleanup EXIT

start_server() {
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 --smpp "127.0.0.1:$smsc_port" \
		--smpp-system-id tocsin --smpp-password secret --smpp-tps 60 2>>"$tmp/tocsind.log" &
	pid=$!
	url=$(server_url "$tmp/data")
}
sms() { "$tocsin" status "$1" --json --server "$url" | jq -c "$2"; }
wait_sms() { # ID JQ SECONDS
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		"$tocsin" status "$1" --json --server "$url" 2>/dev/null | jq -e "$2" >/dev/null 2>&1 && return 0
		sleep 0.3
	done
	echo "timed out waiting for $2: $("$tocsin" status "$1" --json --server "$url" | jq -c .channels.sms)"
	return 1
}
accepted() { jq -s "[.[] | select(.cmd == \"submit_sm\" and .status == 0 and (.text | test(\"$1\")))] | length" "$tmp/smsc.jsonl"; }
unique() { jq -s "[.[] | select(.cmd == \"submit_sm\" and .status == 0 and (.text | test(\"$1\"))) | .dest] | unique | length" "$tmp/smsc.jsonl"; }

mkdir -p "$tmp/data"
staff "$tmp/data" # the registry clerk imports the contacts, the approver submits
start_smsc "$tmp" --receipt-delay-ms 50 || { echo "cannot start the SMSC simulator"; exit 1; }
# about SMS batches, not approval: alerts go out without a second person
printf '[tocsind]\nbroker = none\nsmpp_window = 5\nsms_max_segments = 1\nsms_receipt_timeout_s = 5\nlog_level = debug\napproval_required = none\n' \
	>"$tmp/tocsind.conf"
start_server
{
	echo "phone,name,role,region,language"
	for i in $(seq -w 1 300); do echo "13900000$i,官员$i,official,120116,en-US"; done
} >"$tmp/contacts.csv"
"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >/dev/null
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
fresh() {
	sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
		"$examples/$1" | sed "s|<expires>${today}T|<expires>${tomorrow}T|"
}

# --- kill -9 in the middle of a batch of 300 (about 5 s at 60 a second) ------------------
fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
for _ in $(seq 100); do [ "$(accepted Orange)" -ge 80 ] && break; sleep 0.1; done
kill -9 "$pid"
wait "$pid" 2>/dev/null
before=$(accepted Orange)
expect "killed in the middle" test "$before" -lt 300
start_server
expect "the batch finished after the restart" wait_sms "$orange" '.channels.sms.counts.delivered == 300' 60
check "every recipient got it" 300 "$(unique Orange)"
extra=$(($(accepted Orange) - 300))
expect "at most the parts in flight went twice ($extra)" test "$extra" -le 10
check "bound twice (one per start)" 2 "$(smsc_count "$tmp" '.cmd == "bind_transceiver"')"

# --- the SMSC goes away in the middle of a batch and comes back ---------------------------
# (its receipts not yet sent are lost with it: those recipients end as no-receipt)
fresh cn-lightning-yellow.xml >"$tmp/lightning.xml"
lightning=$("$tocsin" submit "$tmp/lightning.xml" --server "$url")
for _ in $(seq 100); do [ "$(accepted Lightning)" -ge 80 ] && break; sleep 0.1; done
port=$smsc_port
stop_smsc
sleep 1.5
start_smsc "$tmp" --port "$port" --receipt-delay-ms 50 || echo "FAIL the simulator did not come back on $port"
expect "the rest followed once the SMSC was back" wait_sms "$lightning" \
	'.channels.sms.counts.submitted == 0 and (.channels.sms.counts.delivered + .channels.sms.counts["no-receipt"]) == 300' 60
expect "only the receipts in flight were lost" test "$(sms "$lightning" '.channels.sms.counts["no-receipt"]')" -le 10
check "every recipient got the second alert" 300 "$(unique Lightning)"
expect "reconnect logged" grep -q "lost the SMSC" "$tmp/tocsind.log"

# --- receipts wait for the store, and tocsind is killed: the SMSC delivers them again ---------
fresh cn-rainstorm-red.xml >"$tmp/rain.xml"
rain=$("$tocsin" submit "$tmp/rain.xml" --server "$url")
for _ in $(seq 100); do [ "$(accepted Rainstorm)" -ge 100 ] && break; sleep 0.1; done
expect "store locked" lock_store
answered=$(smsc_count "$tmp" '.cmd == "deliver_sm_resp"')
sleep 3 # receipts keep coming (50 ms after each submit), and tocsind cannot write them
check "no receipt answered while it could not be written" "$answered" "$(smsc_count "$tmp" '.cmd == "deliver_sm_resp"')"
kill -9 "$pid"
wait "$pid" 2>/dev/null
unlock_store
start_server
expect "every rainstorm SMS delivered after the restart" wait_sms "$rain" '.channels.sms.counts.delivered == 300' 60
expect "the unanswered receipts came again" test "$(jq -s '[.[] | select(.cmd == "deliver_sm" and .kind == "receipt")
	| .message_id] | (length - (unique | length))' "$tmp/smsc.jsonl")" -gt 0

kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
check_log "$tmp/tocsind.log"
finish
