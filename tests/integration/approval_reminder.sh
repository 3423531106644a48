#!/usr/bin/env bash
# approval_reminder.sh — an alert nobody approves is not forgotten: after
# approval_timeout_s it is audited approval-overdue and every approver who
# may release it and has a phone gets an SMS (through the SMSC simulator);
# its author, an approver of another region, one of another department and
# a disabled approver get none. Real tocsind, the SMSC simulator.
# Usage: approval_reminder.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
examples=$3
tmp=$(mktemp -d)
pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smsc.sh"
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	stop_smsc
	store_drop
	rm -rf "$tmp"
}
trap cleanup EXIT

data=$tmp/data
sender=12011641600000
mkdir -p "$data"
user() { "$tocsin" user add "$1" --role "$2" "${@:3}" --data-dir "$data" 2>/dev/null | tail -1 >"$tmp/$1.token"; }
user author approver --region 120116 --department "$sender" --phone +8613800000001
user colleague approver --region 120116 --department "$sender" --phone +8613800000002
user city approver --region 12 --department "$sender" --phone +8613800000003
user elsewhere approver --region 120105 --department "$sender" --phone +8613800000004
user water approver --region 120116 --department 12011641700000 --phone +8613800000005
user away approver --region 120116 --department "$sender" --phone +8613800000006
user nophone approver --region 120116 --department "$sender"
"$tocsin" user disable away --data-dir "$data" 2>/dev/null

start_smsc "$tmp" || { echo "cannot start the SMSC simulator"; exit 1; }
printf '[tocsind]\nbroker = none\napproval_timeout_s = 2\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$data" --http 127.0.0.1:0 --smpp "127.0.0.1:$smsc_port" \
	--smpp-system-id tocsin --smpp-password secret 2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$data")

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/2026-08-12/$today/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_20260812/_${today//-/}/g" \
	"$examples/cn-typhoon-orange.xml" >"$tmp/orange.xml"
id=$(TOCSIN_TOKEN=$(cat "$tmp/author.token") "$tocsin" submit "$tmp/orange.xml" --server "$url" 2>/dev/null)
check "held" pending-approval \
	"$(TOCSIN_TOKEN=$(cat "$tmp/colleague.token") "$tocsin" status "$id" --json --server "$url" | jq -r .state)"
told() { jq -s "[.[] | select(.cmd == \"submit_sm\" and (.text | test(\"$id\")))] | map(.dest) | unique" "$tmp/smsc.jsonl" 2>/dev/null; }
wait_until 30 bash -c "[ \"\$(jq -s '[.[] | select(.cmd == \"submit_sm\" and (.text | test(\"$id\")))] | map(.dest) | unique | length' '$tmp/smsc.jsonl' 2>/dev/null)\" = 2 ]"
check "the approvers who may release it are told, no one else" '["8613800000002","8613800000003"]' "$(told | jq -c 'map(ltrimstr("+"))')"
expect "the SMS names the alert and its author" jq -se "any(.[]; .cmd == \"submit_sm\" and (.text | test(\"author 提交的预警 $id 已等待审核\")))" "$tmp/smsc.jsonl"
parts() { jq -s "[.[] | select(.cmd == \"submit_sm\" and (.text | test(\"$id\")))] | length" "$tmp/smsc.jsonl"; }
sleep 3 # the rest of the first SMS's parts
first=$(parts)
sleep 12 # a few more rounds of the reminder check: once per alert, not every round
check "told once" "$first" "$(parts)"
check "still held: a reminder releases nothing" pending-approval \
	"$(TOCSIN_TOKEN=$(cat "$tmp/colleague.token") "$tocsin" status "$id" --json --server "$url" | jq -r .state)"
TOCSIN_TOKEN=$(cat "$tmp/colleague.token") "$tocsin" approve "$id" --server "$url" >/dev/null
check "then approved" 0 $?
kill "$pid"
wait "$pid"
pid=
"$tocsin" audit export --data-dir "$data" >"$tmp/audit.jsonl" 2>/dev/null
expect "audited approval-overdue" jq -se "map(select(.action == \"approval-overdue\" and .alert_id == \"$id\" and (.detail | test(\"2 approver\")))) | length == 1" "$tmp/audit.jsonl"
expect "the log says so" grep -q "alert=$id by author has waited" "$tmp/tocsind.log"
check_log "$tmp/tocsind.log" "smpp-password"
finish
