#!/usr/bin/env bash
# sms_kannel.sh — the Kannel kind of SMS gateway against a real Kannel
# (Debian's kannel and kannel-extras): tocsind → smsbox's sendsms with a
# dlr-url → bearerbox → smsc = fake ← fakesmsc, which receives the SMS and
# sends an officer's reply back; Kannel calls tocsind back with the delivery
# reports (GET /api/v1/sms/dlr) and the reply (GET /api/v1/sms/mo).
# Skipped (77) when Kannel is not installed.
# Usage: sms_kannel.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
examples=$3
fakesmsc=/usr/lib/kannel/test/fakesmsc
command -v bearerbox >/dev/null && command -v smsbox >/dev/null && [ -x "$fakesmsc" ] ||
	{ echo "Kannel (packages kannel, kannel-extras) is not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
pids=()
. "$(dirname "$0")/lib.sh"
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$(dirname "$0")/broker.sh" # loopback_port
wait_port() { for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

ports=() # four free ports below the ephemeral range, none twice
while [ ${#ports[@]} -lt 4 ]; do
	p=$(loopback_port) || exit 1
	[[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
admin=${ports[0]} box=${ports[1]} fake=${ports[2]} sendsms=${ports[3]}
mkdir -p "$tmp/data"
# the registry clerk imports the contacts, the approver submits; Kannel calls back as a gateway user
staff "$tmp/data"
"$tocsin" user add t-gateway --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gateway"
[ -s "$tmp/token.gateway" ] || { echo "FAIL no gateway user: $(cat "$tmp/staff.log")"; exit 1; }
# about the gateway, not approval: alerts go out without a second person
printf '[tocsind]\nbroker = none\nsms_gateway = kannel\nkannel_url = http://127.0.0.1:%s/cgi-bin/sendsms\nkannel_user = tocsin\nkannel_password = secret\nsmpp_source = 12379\nlog_level = debug\napproval_required = none\n' \
	"$sendsms" >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>>"$tmp/tocsind.log" &
pid=$!
pids+=($pid)
url=$(server_url "$tmp/data")

cat >"$tmp/kannel.conf" <<EOF
group = core
admin-port = $admin
admin-password = x
smsbox-port = $box
log-level = 1
log-file = "$tmp/bearerbox.log"
box-allow-ip = 127.0.0.1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = $fake
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $sendsms
log-level = 1
log-file = "$tmp/smsbox.log"

group = sendsms-user
username = tocsin
password = secret
max-messages = 3
concatenation = true

group = sms-service
keyword = default
get-url = "$url/api/v1/sms/mo?from=%p&text=%a&token=$(cat "$tmp/token.gateway")"
max-messages = 0
EOF
bearerbox "$tmp/kannel.conf" >"$tmp/bb.out" 2>&1 &
pids+=($!)
wait_port "$box" || { echo "FAIL bearerbox did not start: $(tail -3 "$tmp/bb.out")"; exit 1; }
smsbox "$tmp/kannel.conf" >"$tmp/sb.out" 2>&1 &
pids+=($!)
wait_port "$sendsms" || { echo "FAIL smsbox did not start: $(tail -3 "$tmp/sb.out")"; exit 1; }
# The phones: fakesmsc receives every SMS; first a reply from a stranger (it matches nothing).
"$fakesmsc" -H 127.0.0.1 -r "$fake" -i 100000 -m 1 "8613700000000 12379 text 1" >"$tmp/fake.out" 2>&1 &
fake_pid=$!
pids+=($fake_pid)

printf 'phone,name,role,region,language\n13990000001,值班员,official,120116,zh-CN\n13990000002,Duty officer,official,120116,en-US\n' \
	>"$tmp/contacts.csv"
expect "contacts imported" "$tocsin" import contacts "$tmp/contacts.csv" --server "$url"
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
	"$examples/cn-typhoon-orange.xml" | sed "s|<expires>${today}T|<expires>${tomorrow}T|" >"$tmp/orange.xml"
id=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "alert accepted" 0 $?

status() { "$tocsin" status "$id" --json --server "$url"; }
until_status() { # JQ: wait up to two minutes
	for _ in $(seq 600); do # up to two minutes: other tests may share the cores
		status | jq -e "$1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
until_status '.channels.sms.counts.delivered == 2'
check "both delivered, by Kannel's delivery reports" 2 "$(status | jq .channels.sms.counts.delivered)"
check "not confirmed yet" 0 "$(status | jq .channels.sms.confirmed)"
# A reply callback from anyone but the gateway: refused, and the officer it names is not confirmed.
check "a reply callback without a token is refused and changes nothing" "401 0" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/sms/mo?from=8613990000002&text=1") $(status | jq .channels.sms.confirmed)"
# Then the official answers.
kill "$fake_pid"
wait "$fake_pid" 2>/dev/null
"$fakesmsc" -H 127.0.0.1 -r "$fake" -i 100000 -m 1 "8613990000001 12379 text 1" >>"$tmp/fake.out" 2>&1 &
pids+=($!)
until_status '.channels.sms.confirmed == 1'
check "the reply sent after the SMS confirms it" 1 "$(status | jq .channels.sms.confirmed)"
check "the official who replied" "+8613990000001 true" \
	"$(api registry -s "$url/api/v1/alerts/$id/sms" | jq -r '.sms[] | select(.confirmed) | "\(.number) \(.confirmed)"')"
check "the Chinese SMS reached the phone, concatenated by Kannel" 3 "$(grep -c 'Got message .*+8613990000001 udh %05%00%03' "$tmp/fake.out")"
expect "and the English one" grep -q 'Got message .*+8613990000002 udh .*Orange+Typhoon+warning' "$tmp/fake.out"
expect "the early reply matched nothing" grep -q "replied '1', which confirms nothing" "$tmp/tocsind.log"
expect "metrics" grep -q 'tocsin_kannel_requests_total{outcome="accepted"} 2' <(api viewer -s "$url/metrics")

kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
check_log "$tmp/tocsind.log"
finish
