#!/usr/bin/env bash
# demo.sh — the main job, end to end: build tocsin, check the example Chinese
# warnings with the cn profile, show how a faulty alert is answered, render a
# warning into every channel's form, then run the whole system for a sample
# county: mosquitto, an SMSC simulator, tocsind, simulated and real
# receivers; a typhoon warning, its Update and its Cancel; coverage from
# acknowledgments, escalation SMS to information officers and their replies;
# the district → town relay with confirmation (叫应), and a silent weekly
# test of every loudspeaker with its drill report.
# Everything it starts it stops. With --serve it keeps the system running at
# the end, the duty console's address and a sign-in printed, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
serve=
case "${1:-}" in
--serve) serve=1 ;;
"") ;;
*) echo "usage: ./demo.sh [--serve]" >&2; exit 2 ;;
esac
. scripts/deps.sh
tocsin_install $TOCSIN_BUILD_PACKAGES curl jq mosquitto mosquitto-clients libnet-smpp-perl sox

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target tocsin >/dev/null
tocsin=build/server/tocsin

echo "== the example alerts, checked with the cn profile"
$tocsin validate --profile cn cap-schemas/examples/*.xml

echo
echo "== an officer's mistake: orange typhoon warning marked Extreme (red) severity"
sed 's|<severity>Severe</severity>|<severity>Extreme</severity>|' cap-schemas/examples/cn-typhoon-orange.xml |
	$tocsin validate --profile cn - || echo "(exit status $?: refused)"

echo
echo "== rendering the typhoon warning into every channel's form"
out=build/demo/typhoon
rm -rf "$out"
cmake --build build -j "$(nproc)" --target tocsin >/dev/null
$tocsin render cap-schemas/examples/cn-typhoon-orange.xml --out "$out" 2>/dev/null
echo "-- what the loudspeaker says (engine input, zh-CN):"
cat "$out/zh-CN.script.txt"; echo
echo "-- the SMS (zh-CN):"
grep '"text"' "$out/zh-CN.sms.json"
echo "-- the signed payload:"
$tocsin verify --pubkey "$out/signing.pub" --sig "$out/payload.sig" "$out/payload.json"
echo "-- files (listen to the .wav programmes):"
ls -l "$out"

echo
echo "== the whole job: a broker, tocsind, a county's receivers, a typhoon warning, its Update and Cancel"
cmake --build build -j "$(nproc)" --target tocsind tocsin-sim tocsin-receiver tocsin-signage >/dev/null
demo=build/demo
server_dir=$demo/server
rm -rf "$server_dir" "$demo"/*.log "$demo/smsc.jsonl"
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap stop_all EXIT
. tests/integration/broker.sh
start_secure_broker "$demo" "$server_dir" || { echo "mosquitto did not start"; exit 1; }
pids+=("$broker_pid")
echo "mosquitto on $broker_url, set up by 'tocsin broker setup' (TLS, no anonymous access, an account"
echo "and rights per receiver; queues sized so nothing is dropped; see $demo/broker/mosquitto.conf)"
. tests/integration/smsc.sh
# Everybody answers a coded SMS but three town duty people of the relay (see relay.csv below).
start_smsc "$demo" --default-mode reply --reply-match 'ACK [0-9]{6}' --reply-text '收到 {code}' \
	--mode 8613822002001=deliver --mode 8613822002003=deliver --mode 8613822002004=deliver ||
	{ echo "the SMSC simulator did not start"; exit 1; }
pids+=("$smsc_pid")
echo "SMSC simulator (Net::SMPP) on 127.0.0.1:$smsc_port; every PDU it gets is in $demo/smsc.jsonl"
# The bureau's staff, on the data directory (tocsin user works while tocsind runs too): a duty
# forecaster who drafts, a chief forecaster who approves (审核/签发), a registry clerk, the SMS
# gateway's account, and an administrator. Each first token is shown once: kept here in files.
mkdir -p "$server_dir" "$demo/tokens"
sender=12011641600000 # 天津市滨海新区气象台
staff() { # NAME ROLE ARGS...
	build/server/tocsin user add "$1" --role "$2" "${@:3}" --data-dir "$server_dir" 2>/dev/null | tail -1 >"$demo/tokens/$1"
	chmod 600 "$demo/tokens/$1"
}
staff forecaster drafter --region 120116 --department "$sender"
staff chief approver --region 120116 --department "$sender"
staff registrar registry --region 120116 --region 120110
staff sms-gateway gateway
staff admin admin
build/server/tocsin user list --data-dir "$server_dir" | sed 's/^/   /'
# the chief and the forecaster sign in to the duty console with a password (made here, shown at
# the end): the forecaster composes and previews, the chief approves and watches
console_password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
for who in chief forecaster; do
	printf '%s\n' "$console_password" | build/server/tocsin user password "$who" --data-dir "$server_dir" 2>/dev/null
done
as() { local who=$1; shift; $tocsin --token-file "$demo/tokens/$who" "$@"; }
api() { local who=$1; shift; curl -s -H "Authorization: Bearer $(cat "$demo/tokens/$who")" "$@"; }
# The bureau's standing weekly silent test, here set for the next minute of Beijing time that is
# at least 40 s away (every loudspeaker and display checks itself and answers; nothing is heard).
# The relay waits 8 s for each person's reply (600 s in a real county).
drill_at=$(TZ=Asia/Shanghai date -d "@$(( ($(date +%s) + 40 + 59) / 60 * 60 ))" '+%a %H:%M' | tr 'A-Z' 'a-z')
printf '[tocsind]\nack_timeout_s = 3\nmax_attempts = 2\nrelay_confirm_s = 8\n' >"$demo/tocsind.conf"
printf 'drill_sender = %s\ndrill = weekly %s silent 120116\n' "$sender" "$drill_at" >>"$demo/tocsind.conf"
build/server/tocsind --data-dir "$server_dir" --http 127.0.0.1:0 --broker "$broker_url" \
	--smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin --smpp-password secret --smpp-tps 50 \
	--config "$demo/tocsind.conf" 2>"$demo/tocsind.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$server_dir/http.addr" ] && break; sleep 0.1; done
url="http://$(cat "$server_dir/http.addr")"
echo "tocsind listening on $url (data in $server_dir; receivers are given $server_dir/signing.pub)"

# The county: the sample Binhai registry (named loudspeakers and shelter
# displays in towns and villages), plus 200 simulated village loudspeakers
# and displays spread over three towns, one in twenty of which stays silent.
registry=cap-schemas/examples/registry
build/receivers/tocsin-sim --emit-registry "$demo/villages.csv" --count 200 --id-prefix bh-v --kind mixed \
	--region 120116001004,120116001005,120116002003,120116002004,120116105203,120116105204
for kind in shelters receivers contacts; do
	as registrar import "$kind" "$registry/$kind.csv" --server "$url"
done
as registrar import receivers "$demo/villages.csv" --server "$url"
# An information officer (信息员) for each simulated village.
printf 'phone,name,role,region,language\n' >"$demo/officers.csv"
i=0
for v in 120116001004 120116001005 120116002003 120116002004 120116105203 120116105204; do
	i=$((i + 1))
	echo "139 0011 000$i,信息员$v,信息员,$v,zh-CN" >>"$demo/officers.csv"
done
as registrar import contacts "$demo/officers.csv" --server "$url"
# The relay (叫应): for an orange warning or above each town's chain is told in order and must
# confirm by reply; 塘沽街道's duty room never answers, its deputy head does; nobody in 新河街道
# answers, so its chain runs out and the district duty room is told.
cat >"$demo/relay.csv" <<'CSV'
phone,name,role,region,language,relay
138 2200 2001,塘沽街道值班室,镇值班室,120116001,zh-CN,1
138 2200 2002,塘沽街道分管副主任,分管副镇长,120116001,zh-CN,2
138 2200 2003,新河街道值班室,镇值班室,120116002,zh-CN,1
138 2200 2004,新河街道主任,镇长,120116002,zh-CN,2
139 2200 0099,滨海新区区值班室,区值班室,120116,zh-CN,
139 2200 0098,滨海新区应急广播维护组,维护,120116,zh-CN,
CSV
as registrar import contacts "$demo/relay.csv" --server "$url"
# One real loudspeaker and one real shelter display beside the simulated ones
# (no sound card here: the loudspeaker writes what it plays to a WAV file).
printf 'id,kind,name,lat,lon,region,shelter,drills\nbh-tg-101,loudspeaker,塘沽街道新港社区大喇叭（实机）,39.0105,117.6955,120116001001,,yes\nbh-tg-s101,signage,塘沽第一中学避难场所显示屏（实机）,39.0186,117.6533,120116001003,sh-tanggu-1,yes\n' >"$demo/real.csv"
as registrar import receivers "$demo/real.csv" --server "$url"
rm -rf "$demo/rx-state" "$demo/sg-state" "$demo/loudspeaker.wav"
# Each device gets its configuration (broker, account, CA, the keys it trusts) from tocsin
# provision; the simulated ones their ids and secrets as CSV.
for r in bh-tg-101 bh-tg-s101; do
	as registrar provision "$r" --server "$url" --out "$demo/$r.conf" >/dev/null
done
as registrar provision --all --csv --server "$url" --out "$demo/credentials.csv"
build/receivers/tocsin-receiver --config "$demo/bh-tg-101.conf" --state-dir "$demo/rx-state" --audio-out "$demo/loudspeaker.wav" \
	--realtime false 2>"$demo/receiver.log" &
pids+=($!)
sim="build/receivers/tocsin-sim --broker $broker_url --cafile $broker_ca --credentials $demo/credentials.csv"
sim="$sim --pubkey $server_dir/signing.pub --delay-ms 300"
$sim --registry "$registry/receivers.csv" --report "$demo/named.json" 2>"$demo/sim-named.log" &
pids+=($!)
$sim --registry "$demo/villages.csv" --fail-rate 0.05 --fail-check audio:0.02 --report "$demo/villages.json" 2>"$demo/sim-villages.log" &
sim_villages=$!
pids+=($sim_villages)
sleep 2

# The example warnings, moved to today and tomorrow (Beijing time) so they are current.
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
fresh() {
	sed -e "s/2026-08-12/$today/g" -e "s/2026-08-13/$tomorrow/g" \
		-e "s/_20260812/_${today//-/}/g" -e "s/_20260813/_${tomorrow//-/}/g" "$1"
}
fresh cap-schemas/examples/cn-typhoon-orange.xml >"$demo/orange.xml"
fresh cap-schemas/examples/cn-typhoon-red-update.xml >"$demo/red.xml"
fresh cap-schemas/examples/cn-typhoon-cancel.xml >"$demo/cancel.xml"

echo "-- the release as in a bureau: the duty forecaster submits the typhoon orange warning; it waits"
echo "   for a second person (approval_required = Actual):"
orange=$(as forecaster submit "$demo/orange.xml" --server "$url")
echo "   $orange is $(as chief status "$orange" --json --server "$url" | jq -r .state); the chief's queue:"
as chief approvals --server "$url" | sed 's/^/   /'
echo "   the forecaster cannot release it; the chief does:"
as forecaster approve "$orange" --server "$url" 2>&1 | sed "s/^/   /" || true
as chief approve "$orange" --server "$url" | sed 's/^/   /'
echo "-- typhoon orange released; live progress until every delivery is final:"
as chief status "$orange" --watch --timeout 60 --server "$url"
echo "-- its coverage report, from acknowledgments (the silent loudspeakers were re-sent to, then escalated):"
api chief "$url/api/v1/alerts/$orange/report" | jq -c .
echo "-- escalated villages (for their information officers):"
api chief "$url/api/v1/alerts/$orange/deliveries?state=escalated" | jq -r '.deliveries[] | "   \(.target) in \(.region)"'
echo "-- SMS: the officials and 信息员 by policy, the silent villages' officers by escalation; their replies:"
for _ in $(seq 50); do
	as chief status "$orange" --json --server "$url" |
		jq -e '.people.villages_escalated > 0 and .people.villages_confirmed == .people.villages_escalated' >/dev/null && break
	sleep 0.2
done
as chief status "$orange" --json --server "$url" | jq -c '{sms: .channels.sms, people}'
echo "   (the chief sees officers' numbers masked; the registry clerk and the administrator see them)"
as registrar status "$orange" --json --server "$url" |
	jq -r '.escalated[] | "   \(.region) (\(.receivers | join(","))): \([.officers[] | "\(.name) \(.phone) \(.state)\(if .confirmed then ", replied" else "" end)"] | join("; "))"'
echo "-- what the SMSC got: an officer's SMS, its delivery receipt, the officer's reply:"
jq -c -n 'first(inputs | select(.cmd == "submit_sm" and (.text | test("ACK [0-9]{6}"))) | {dest, data_coding, udh, text})' "$demo/smsc.jsonl"
jq -c -n 'first(inputs | select(.kind == "receipt"))' "$demo/smsc.jsonl"
jq -c -n 'first(inputs | select(.kind == "mo"))' "$demo/smsc.jsonl"
echo "-- the relay (叫应): each town's chain, who was told, who confirmed, where it ran out:"
for _ in $(seq 150); do
	as chief status "$orange" --json --server "$url" |
		jq -e '(.relay | length) > 0 and all(.relay[]; .state != "waiting")' >/dev/null && break
	sleep 0.2
done
as chief status "$orange" --server "$url" | grep '^  relay ' || true
echo "   the district duty room's SMS:"
for _ in $(seq 50); do grep -q '"dest":"8613922000099"' "$demo/smsc.jsonl" && break; sleep 0.2; done
jq -r -n 'first(inputs | select(.cmd == "submit_sm" and .dest == "8613922000099")) | "   " + (.text | split("。")[0]) + "。…"' \
	"$demo/smsc.jsonl"
echo "-- a forgery refused: the shelter display bh-tg-s101, with its own account, says the loudspeaker"
echo "   bh-tg-101 played the orange warning; and someone without an account tries too:"
secret=$(sed -n 's/^password = //p' "$demo/bh-tg-s101.conf")
printf '{"v":1,"alert":"%s","ack":"played","at":%s}' "$orange" "$(date +%s)" >"$demo/forged.json"
mosquitto_pub -V 5 -d -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i bh-tg-s101 -u bh-tg-s101 \
	-P "$secret" -q 1 -t tocsin/v1/rx/bh-tg-101/ack -f "$demo/forged.json" 2>&1 | grep -m1 PUBACK |
	sed 's/^/   /; s/$/ (135: not authorised: the broker dropped it)/' || true
mosquitto_pub -V 5 -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i forger -q 1 \
	-t tocsin/v1/rx/bh-tg-101/ack -f "$demo/forged.json" 2>&1 | head -1 | sed 's/^/   anonymous: /' || true
echo "-- the API refuses strangers: a web page's POST (text/plain, Origin and Host evil.example), a"
echo "   forged SMS reply without the gateway's token, a read of every device secret:"
curl -s -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' -H 'Host: evil.example' \
	--data-binary @"$demo/orange.xml" "$url/api/v1/alerts" | jq -r '"   " + .errors[0].message'
curl -s -G "$url/api/v1/sms/mo" --data-urlencode "from=8613900110004" --data-urlencode "text=ACK 2101" |
	jq -r '"   " + .errors[0].message'
curl -s "$url/api/v1/provision" | jq -r '"   " + .errors[0].message'
echo "-- even through the gateway's own account, a made-up reply code confirms nothing:"
api sms-gateway -o /dev/null -G "$url/api/v1/sms/mo" --data-urlencode "from=8613900110004" --data-urlencode "text=ACK 2101"
grep -o "phone=8613900110004 replied 'ACK 2101'.*" "$demo/tocsind.log"
red=$(as forecaster submit "$demo/red.xml" --server "$url" 2>/dev/null)
as chief approve "$red" --server "$url" >/dev/null
echo "-- upgraded to red ($red, submitted by the forecaster, approved by the chief):"
as chief status "$red" --watch --timeout 60 --server "$url"
echo "   the orange warning is now $(api chief "$url/api/v1/alerts/$orange" | jq -r .state)"
echo "-- the shelter display now (tocsin-signage --once):"
TZ=Asia/Shanghai build/receivers/tocsin-signage --config "$demo/bh-tg-s101.conf" --state-dir "$demo/sg-state" \
	--shelter-name 塘沽第一中学避难场所 --shelter-capacity 1200 --once --once-wait 2 --width 80 --height 16 \
	2>"$demo/signage.log"
cancel=$(as forecaster submit "$demo/cancel.xml" --server "$url" 2>/dev/null)
as chief approve "$cancel" --server "$url" >/dev/null
echo "-- lifted ($cancel, approved by the chief), reaching every receiver the warning went to:"
as chief status "$cancel" --watch --timeout 60 --server "$url"
as chief status "$cancel" --json --server "$url"
echo "-- the weekly silent test ($drill_at Beijing time): the receivers check themselves and answer;"
echo "   nothing is heard. Its run and report (the silent ones are the one in twenty that never answers; two in a hundred report a broken audio output):"
drill=
for _ in $(seq 600); do
	drill=$(api chief "$url/api/v1/drills/runs" | jq -r '.runs[0].alert_id // empty')
	[ -n "$drill" ] && break
	sleep 0.2
done
if [ -n "$drill" ]; then
	as chief status "$drill" --watch --timeout 60 --server "$url" >/dev/null
	as chief drills --server "$url" | sed 's/^/   /'
	# the county and its towns (the report goes on village by village; tocsin drills report N --csv has it all)
	as chief drills report "$(api chief "$url/api/v1/drills/runs" | jq -r '.runs[0].id')" --server "$url" |
		awk '$1 ~ /^[0-9]+$/ && length($1) == 12 {skip=1; next} skip && /^ +median/ {skip=0; next} {skip=0; print "   " $0}'
else
	echo "   (no run: tocsind's log says why)"
fi
echo "-- receiver health: the maintenance list (silent in their last 2 alerts, a failed self-check,"
echo "   offline over 24 h, clock off over 30 s) with the evidence, and each town's health:"
for _ in $(seq 100); do # tocsind judges the fleet every 30 s; the API answers from the store at once
	as chief health --json --server "$url" | jq -e '.counts.listed > 0' >/dev/null && break
	sleep 0.3
done
as chief health --server "$url" >"$demo/health.txt"
sed -n '1,9s/^/   /p' "$demo/health.txt"
echo "   … (all of them: tocsin health --csv)"
sed -n '/^TOWN/,$s/^/   /p' "$demo/health.txt"
echo "   the maintenance group's SMS (once a receiver a day):"
jq -r -n 'first(inputs | select(.cmd == "submit_sm" and .dest == "8613922000098")) | "   " + .text' "$demo/smsc.jsonl"
echo "-- what the simulated receivers did (acknowledgments they sent):"
kill -USR1 "$sim_villages"; sleep 0.5
jq -c '{receivers, connected, acks, silent: (.silent | length)}' "$demo/villages.json"
echo "-- tocsind's metrics (excerpt):"
api chief "$url/metrics" | grep -E '^tocsin_(acks_total|resends_total|escalations_total|mqtt_connected)'
echo "-- the real loudspeaker bh-tg-101 (its programme is in $demo/loudspeaker.wav):"
grep -oE 'alert=[0-9a-f]+ ack=(played|cleared)( reason=[a-z-]+)?' "$demo/receiver.log" || true
soxi -d "$demo/loudspeaker.wav" 2>/dev/null | sed 's/^/   length of the recording: /'
echo "-- the duty console: $url/ (sign in as forecaster to compose, or chief to approve; password $console_password)"
if [ -n "$serve" ]; then
	echo "   everything keeps running until Ctrl-C"
	trap 'serve=' INT
	while [ -n "$serve" ]; do sleep 1 || true; done
	trap - INT
fi

stop_all
trap - EXIT
echo "-- everything stopped; tocsind's log (last lines; all in $demo/tocsind.log):"
tail -8 "$demo/tocsind.log"
echo "-- the audit trail of the orange warning (who, as what, from where), and its hash chain:"
$tocsin audit export --data-dir "$server_dir" 2>/dev/null |
	jq -r "select(.alert_id == \"$orange\" and .username != \"\") | \"   #\\(.id) \\(.action) by \\(.username) (\\(.role)) from \\(.source)\""
$tocsin audit verify --data-dir "$server_dir" | sed 's/^/   /'
