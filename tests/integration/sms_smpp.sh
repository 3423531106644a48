#!/usr/bin/env bash
# sms_smpp.sh — tocsind's SMPP session layer (tc_smpp, driven by
# bench_sms_submit) against the SMSC simulator (Net::SMPP): binding, the
# window, receipts, concatenated UCS-2 with a UDH, MO replies, pacing to
# the operator's rate, backoff on ESME_RTHROTTLED, reconnecting after a lost
# link without losing or repeating a message, enquire_link, a refused bind.
# Asserts on what the simulator recorded and on what the client saw.
# Usage: sms_smpp.sh BENCH_SMS_SUBMIT
set -u
drive=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smsc.sh"
cleanup() {
	stop_smsc
	rm -rf "$tmp"
}
trap cleanup EXIT

# run NAME SIM_FLAGS -- CLIENT_FLAGS: a fresh simulator, the client, its JSON in $tmp/NAME.json
run() {
	local name=$1 sim=() client=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sim+=("$1"); shift; done
	shift
	client=("$@")
	mkdir -p "$tmp/$name"
	start_smsc "$tmp/$name" "${sim[@]}" || { echo "FAIL $name: the simulator did not start"; return 1; }
	"$drive" --smsc "127.0.0.1:$smsc_port" --json "${client[@]}" >"$tmp/$name.json" 2>"$tmp/$name.log"
	stop_smsc
}
j() { jq -r "$2" "$tmp/$1.json"; }
rec() { jq -s -r "$2" "$tmp/$1/smsc.jsonl"; }

# --- bind, 50 messages, a receipt for each --------------------------------------------
run basic --receipt-delay-ms 50 -- --count 50 --receipts --timeout-s 30
check "all accepted" "50 50 0" "$(j basic '"\(.parts) \(.submitted) \(.refused)"')"
check "a DELIVRD receipt for each" 50 "$(j basic .delivered)"
check "bound as a transceiver with our system id" "tocsin true" \
	"$(rec basic 'map(select(.cmd == "bind_transceiver"))[0] | "\(.system_id) \(.ok)"')"
check "GSM 7-bit text as sent" "Typhoon warning: go to the shelter now." \
	"$(rec basic 'map(select(.cmd == "submit_sm"))[0].text')"
check "registered delivery asked, TON international" "1 1 0" \
	"$(rec basic 'map(select(.cmd == "submit_sm"))[0] | "\(.registered_delivery) \(.dest_ton) \(.data_coding)"')"
check "receipts answered" 50 "$(rec basic 'map(select(.cmd == "deliver_sm_resp" and .status == 0)) | length')"
check "unbind at the end" 1 "$(rec basic 'map(select(.cmd == "unbind")) | length')"

# --- concatenated UCS-2 and the officers' replies ------------------------------------------
long="台风橙色预警：预计今天夜间到明天白天，滨海新区沿海将出现10～11级大风，阵风12级。请立即停止户外作业，渔船回港避风，沿海人员尽快转移到避难场所，关好门窗，远离广告牌和临时搭建物。"
run long --default-mode reply --reply-text '收到' --reply-delay-ms 50 -- --count 5 --text "$long" --receipts --timeout-s 30
check "two parts each" "10 10" "$(j long '"\(.parts) \(.submitted)"')"
check "UCS-2 parts with UDH 05 00 03 ref 02 seq and esm_class 0x40" "10 true" \
	"$(rec long '[.[] | select(.cmd == "submit_sm")] | "\(length) \(all(.data_coding == 8 and .esm_class == 64 and (.udh | test("^050003[0-9a-f]{2}020[1-2]$"))))"')"
check "the parts of a message share a reference and join to the text" "$long" \
	"$(rec long '[.[] | select(.cmd == "submit_sm" and .dest == "8613900000002")] | sort_by(.udh[10:12]) | map(.text) | join("")')"
check "one reply from each phone" 5 "$(j long .mo)"

# --- pacing below the operator's limit: never throttled ---------------------------------------
run paced --tps 25 -- --count 60 --tps 20 --timeout-s 30
check "paced: all accepted" 60 "$(j paced .submitted)"
check "paced: never throttled" 0 "$(j paced .throttled)"
expect "paced: at most the agreed rate" awk -v r="$(j paced .rate)" 'BEGIN { exit !(r > 10 && r <= 21) }'

# --- above the SMSC's limit: throttled, backed off, nothing lost ----------------------------------
run throttled --tps 20 -- --count 80 --tps 200 --window 20 --timeout-s 60
check "throttled: all accepted in the end" 80 "$(j throttled .submitted)"
expect "throttled: the SMSC said 0x58" test "$(j throttled .throttled)" -gt 0
check "throttled: the simulator refused with 0x58" true "$(rec throttled '[.[] | select(.cmd == "submit_sm" and .status == 88)] | length > 0')"
check "throttled: each message accepted once" 80 \
	"$(rec throttled '[.[] | select(.cmd == "submit_sm" and .status == 0) | .dest] | unique | length')"

# --- the link drops in the middle: reconnect and resume -------------------------------------------
run dropped --drop-after 30 -- --count 100 --window 10 --timeout-s 60
check "dropped: all accepted" 100 "$(j dropped .submitted)"
check "dropped: bound twice" 2 "$(rec dropped '[.[] | select(.cmd == "bind_transceiver")] | length')"
check "dropped: every message accepted" 100 \
	"$(rec dropped '[.[] | select(.cmd == "submit_sm" and .status == 0) | .dest] | unique | length')"
# Answers the SMSC sent as it dropped the link can be lost with it: those (at most the window) go again.
expect "dropped: at most the window accepted twice" test \
	"$(rec dropped '[.[] | select(.cmd == "submit_sm" and .status == 0)] | length')" -le 110

# --- enquire_link on a quiet link ---------------------------------------------------------------------
run quiet -- --count 1 --enquire-s 1 --linger-s 3 --timeout-s 10
expect "enquire_link sent while quiet" test "$(rec quiet '[.[] | select(.cmd == "enquire_link")] | length')" -ge 2

# --- refusals: a message the SMSC rejects, a bind with the wrong password ------------------------------
run reject --mode 0000003=reject -- --count 5 --timeout-s 20
check "rejected message reported as refused" "4 1" "$(j reject '"\(.submitted) \(.refused)"')"
run badpw -- --count 1 --password wrong --timeout-s 3
check "wrong password: nothing sent" 0 "$(j badpw .submitted)"
check "wrong password: bind refused" false "$(rec badpw 'map(select(.cmd == "bind_transceiver"))[0].ok')"
expect "wrong password: said so" grep -q "refused bind_transceiver as 'tocsin': wrong password" "$tmp/badpw.log"

finish
