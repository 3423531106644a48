#!/usr/bin/env bash
# console_drills.sh — the console's Drills screen and the dashboard's relay (叫应) in headless
# Chromium, against real parts: the secured mosquitto, tocsind with the SMSC simulator, tocsin-sim
# loudspeakers in two towns (one never answers) and relay chains in the contacts registry (the
# first town's duty room confirms; the second town's chain has nobody who answers and runs out).
# The drill clock is moved (TOCSIN_TEST_CLOCK_OFFSET) so that Wednesday 11:00 comes 75 s after
# tocsind starts: the schedule the console adds for it runs while the browser waits. The
# browser's part is console_drills.py; this script starts the parts and hands over.
# Usage: console_drills.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR SCREENS_DIR
# Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
screens=$5
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

sender=binhai-weather@example.cn
mkdir -p "$tmp/data"
for u in chief:approver watcher:viewer clerk:registry; do
	name=${u%%:*} role=${u#*:} scope=(--region 120116)
	[ "$role" = approver ] && scope+=(--department "$sender" --department 12011641600000)
	"$tocsin" user add "$name" --role "$role" "${scope[@]}" --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.$name"
	printf 'a long duty password\n' | "$tocsin" user password "$name" --data-dir "$tmp/data" 2>>"$tmp/staff.log"
done
TOCSIN_TOKEN=$(cat "$tmp/token.clerk")
export TOCSIN_TOKEN

start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
start_smsc "$tmp" --password s3cr3t --default-mode deliver --reply-match 'ACK [0-9]{6}' --reply-text '收到 {code}' \
	--receipt-delay-ms 100 --mode 8613800200011=reply ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
printf 's3cr3t\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\napproval_required = none\nrelay_confirm_s = 4\ndrill_sender = %s\n' \
	"$sender" >"$tmp/tocsind.conf"
wed=$(TZ=Asia/Shanghai date -d 'next wed 11:00' +%s)
TOCSIN_TEST_CLOCK_OFFSET=$((wed - 75 - $(date +%s))) "$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" \
	--http 127.0.0.1:0 --broker "$broker_url" --smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin \
	--smpp-password-file "$tmp/smpp.password" --smpp-tps 40 2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
wait_until 10 curl -sf "$url/healthz" || { echo "FAIL tocsind did not start: $(tail -5 "$tmp/tocsind.log")"; exit 1; }

"$sim" --emit-registry "$tmp/rx.csv" --count 4 --region 120116001001,120116001002,120116002001,120116002002
cat >"$tmp/contacts.csv" <<'CSV'
phone,name,role,region,language,relay
13800200011,镇值班室,镇值班室,120116001,zh-CN,1
13800200012,分管副镇长,分管副镇长,120116001,zh-CN,2
13800200021,二镇值班室,镇值班室,120116002,zh-CN,1
13800200022,二镇镇长,镇长,120116002,zh-CN,2
13800200099,区值班室,区值班室,120116,zh-CN,
CSV
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null &&
	"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >/dev/null &&
	"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null ||
	{ echo "FAIL the registry could not be imported"; exit 1; }
# sim-00003 (village 120116002002) never answers: the drill report names it
"$sim" --registry "$tmp/rx.csv" --broker "$broker_url" --cafile "$broker_ca" --credentials "$tmp/credentials.csv" \
	--pubkey "$tmp/data/signing.pub" --fail-rate 0.25 --delay-ms 100 2>>"$tmp/sim.log" &
sim_pid=$!

# an orange typhoon warning: its relay chains run while the browser watches
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
	"$examples/cn-typhoon-orange.xml" | sed "s|<expires>${today}T|<expires>${tomorrow}T|" >"$tmp/orange.xml"
alert=$(TOCSIN_TOKEN=$(cat "$tmp/token.chief") "$tocsin" submit "$tmp/orange.xml" --server "$url") ||
	{ echo "FAIL the warning was refused"; exit 1; }

/usr/bin/python3 "$here/console_drills.py" --url "$url" --alert "$alert" --slot "$wed" --out "$screens" \
	--token-chief "$(cat "$tmp/token.chief")"
status=$?
grep -aE 'ERROR: [A-Za-z]*Sanitizer|runtime error: ' "$tmp/tocsind.log" && status=1
exit $status
