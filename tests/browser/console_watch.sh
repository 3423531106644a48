#!/usr/bin/env bash
# console_watch.sh — the duty console's whole path in headless Chromium, against real parts: the
# secured mosquitto of tocsin broker setup, tocsind with the SMSC simulator, and tocsin-sim
# loudspeakers of which 10 % never answer (their villages are escalated to their officers, whose
# simulated phones reply). The browser's part is console_watch.py; this script starts the parts,
# makes the staff (with passwords, as a bureau would) and the registry, and hands over.
# Usage: console_watch.sh TOCSIND TOCSIN TOCSIN_SIM SCREENS_DIR
# Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
set -u
tocsind=$1
tocsin=$2
sim=$3
screens=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
sim_pid=
. "$here/../integration/lib.sh"
. "$here/../integration/broker.sh"
. "$here/../integration/smsc.sh"
trap cleanup_sms EXIT

command -v chromium >/dev/null && command -v chromedriver >/dev/null && /usr/bin/python3 -c 'import selenium' 2>/dev/null ||
	{ echo "skipped: chromium, chromium-driver or python3-selenium is not installed"; exit 77; }
[ -f /usr/share/javascript/leaflet/leaflet.js ] || { echo "skipped: libjs-leaflet is not installed"; exit 77; }

sender=12011641600000
mkdir -p "$tmp/data"
for u in forecaster:drafter chief:approver watcher:viewer auditor:admin clerk:registry; do
	name=${u%%:*} role=${u#*:} scope=()
	case $role in
	drafter | approver | viewer) scope=(--region 120116 --department "$sender") ;;
	registry) scope=(--region 120116) ;;
	esac
	"$tocsin" user add "$name" --role "$role" "${scope[@]}" --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.$name"
	printf 'a long duty password\n' | "$tocsin" user password "$name" --data-dir "$tmp/data" 2>>"$tmp/staff.log"
done
TOCSIN_TOKEN=$(cat "$tmp/token.clerk")
export TOCSIN_TOKEN

start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
start_smsc "$tmp" --password s3cr3t --default-mode reply --reply-match 'ACK [0-9]{6}' --reply-text '收到 {code}' --receipt-delay-ms 100 ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
printf '[tocsind]\nprofile = cn\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nsms_receipt_timeout_s = 4\n' \
	>"$tmp/tocsind.conf"
printf 's3cr3t\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 --broker "$broker_url" \
	--smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin --smpp-password-file "$tmp/smpp.password" --smpp-tps 40 2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
wait_until 10 curl -sf "$url/healthz" || { echo "FAIL tocsind did not start: $(tail -5 "$tmp/tocsind.log")"; exit 1; }

# 20 villages in two towns of Binhai (120116001, 120116002), one loudspeaker each; sim-00009 and
# sim-00019 never answer; the others play for 12 s before they say played, so that coverage is
# seen to rise. One more loudspeaker in a third town was never switched on.
villages=$(for i in $(seq -w 0 9); do printf '12011600100%s,12011600200%s,' "$i" "$i"; done)
"$sim" --emit-registry "$tmp/rx.csv" --count 20 --region "${villages%,}"
cp "$tmp/rx.csv" "$tmp/rx-all.csv"
echo "rx-dark-01,loudspeaker,太平镇未开通大喇叭,38.78,117.28,120116105201" >>"$tmp/rx-all.csv"
{
	echo "phone,name,role,region,language"
	n=0
	for region in $(tail -n +2 "$tmp/rx.csv" | cut -d, -f6); do
		printf '138 0010 %04d,信息员%02d,信息员,%s,zh-CN\n' "$n" "$n" "$region"
		n=$((n + 1))
	done
} >"$tmp/contacts.csv"
"$tocsin" import receivers "$tmp/rx-all.csv" --server "$url" >/dev/null &&
	"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >/dev/null &&
	"$tocsin" import shelters "$here/../../cap-schemas/examples/registry/shelters.csv" --server "$url" >/dev/null ||
	{ echo "FAIL the registry could not be imported"; exit 1; }
"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null
"$sim" --registry "$tmp/rx.csv" --broker "$broker_url" --cafile "$broker_ca" --credentials "$tmp/credentials.csv" \
	--pubkey "$tmp/data/signing.pub" --fail-rate 0.1 --delay-ms 12000 2>>"$tmp/sim.log" &
sim_pid=$!
wait_until 15 bash -c "curl -s '$url/metrics' -H 'Authorization: Bearer $(cat "$tmp/token.watcher")' |
	grep -q '^tocsin_receivers_online 20'" || echo "warning: not every simulated receiver is online yet"

/usr/bin/python3 "$here/console_watch.py" --url "$url" --sender "$sender" --out "$screens" \
	--token-approver "$(cat "$tmp/token.chief")" --token-viewer "$(cat "$tmp/token.watcher")"
rc=$?
kill -TERM "$pid"
wait "$pid"
check "tocsind stops cleanly" 0 $?
pid=
check_log "$tmp/tocsind.log"
[ "$rc" -eq 0 ] || fail=$((fail + 1))
finish
