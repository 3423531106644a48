#!/usr/bin/env bash
# console_health.sh — receiver health on the console's Receivers screen in headless Chromium,
# against real parts: mosquitto, tocsind and tocsin-sim receivers in three towns of Binhai (120116):
#   town 120116001: a-00000..a-00019 online; s-00000 stopped (offline); x-1, whose registered
#     name carries markup, never started (offline, never heard from): 2 of 22 listed (90.9 %);
#   town 120116002: c-00000..c-00002 online; f-00000 fails its audio self-check in a silent drill
#     run a few seconds after the start (TOCSIN_TEST_CLOCK_OFFSET); k-00000 with its clock 120 s
#     ahead: 2 of 5 listed (60 %);
#   town 120116003: g-00000..g-00002 online: none listed (100 %).
# Once the API lists exactly those four, the browser's part (console_health.py) checks the
# screen against it, for an approver, a viewer of one town, one of another county and the SMS
# gateway's role (which may not read it). Usage: console_health.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR SCREENS_DIR
# Exit 0 all checks passed, 1 a check failed, 77 no Chromium or Selenium here (skipped).
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
screens=$5
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
. "$here/../integration/lib.sh"
. "$here/../integration/broker.sh"
. "$here/../integration/tocsind_lib.sh"
trap '[ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"; cleanup' EXIT

command -v chromium >/dev/null && command -v chromedriver >/dev/null && /usr/bin/python3 -c 'import selenium' 2>/dev/null ||
	{ echo "skipped: chromium, chromium-driver or python3-selenium is not installed"; exit 77; }
[ -f /usr/share/javascript/leaflet/leaflet.js ] || { echo "skipped: libjs-leaflet is not installed"; exit 77; }

# the drill slot is tomorrow 10:00 Beijing time; tocsind's clock starts 25 s before it
slot=$(TZ=Asia/Shanghai date -d 'tomorrow 10:00' +%s)
export TOCSIN_TEST_CLOCK_OFFSET=$((slot - 25 - $(date +%s)))

mkdir -p "$tmp/data"
staff "$tmp/data"
"$tocsin_real" user add t-town --role viewer --region 120116002 --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.town"
"$tocsin_real" user add t-far --role viewer --region 110101 --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.far"
"$tocsin_real" user add t-gw --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gw"
for u in t-approver t-viewer t-town t-far t-gw; do
	printf 'a long duty password\n' | "$tocsin_real" user password "$u" --data-dir "$tmp/data" 2>>"$tmp/staff.log"
done

start_broker "$tmp" || { echo "cannot start mosquitto"; exit 1; }
broker_port=$(grep -o 'listener [0-9]*' "$tmp/mosquitto.conf" | cut -d' ' -f2)
cat >"$tmp/tocsind.conf" <<CONF
[tocsind]
ack_timeout_s = 2
max_attempts = 2
play_timeout_s = 30
drill_sender = binhai-weather@example.cn
drill = daily 10:00 silent 120116
health_offline_h = 0
health_clock_s = 30
CONF
start_server
expect "server up" wait_until 20 curl -sf "$url/healthz"

# each group at its own place, so that no two dots lie on one another
emit() { "$sim" --emit-registry "$tmp/$1.csv" --count "$2" --region "$3" --id-prefix "$1-" --center "$4" --radius-km 2; }
emit a 20 120116001001 39.05,117.66
emit s 1 120116001002 39.08,117.70
emit c 3 120116002001 38.98,117.72
emit f 1 120116002001 38.95,117.69
emit k 1 120116002002 38.99,117.76
emit g 3 120116003001 39.03,117.80
{
	echo "id,kind,name,lat,lon,region"
	for f in a s c f k g; do tail -n +2 "$tmp/$f.csv"; done
	echo "x-1,loudspeaker,<img src=x onerror=window.pwned=1>新港三村,39.0102,117.6950,120116001003"
} >"$tmp/registry.csv"
"$tocsin" import receivers "$tmp/registry.csv" --server "$url" >/dev/null
check "registry imported" 0 $?
start_sim a --registry "$tmp/a.csv" --delay-ms 100
start_sim s --registry "$tmp/s.csv" --delay-ms 100
start_sim c --registry "$tmp/c.csv" --delay-ms 100
start_sim f --registry "$tmp/f.csv" --fail-check audio:1 --delay-ms 100
start_sim k --registry "$tmp/k.csv" --clock-offset-s 120 --delay-ms 100
start_sim g --registry "$tmp/g.csv" --delay-ms 100
fleet_has() { api approver -s "$url/api/v1/fleet" | jq -e "$1"; }
expect "the receivers online" wait_until 20 fleet_has '[.receivers[] | select(.online)] | length == 29'
kill -TERM "$sim_s"
listed() { api approver -s "$url/api/v1/health" | jq -c '[.receivers[] | [.id, [.problems[].problem]]] | sort'; }
want='[["f-00000",["self-check"]],["k-00000",["clock"]],["s-00000",["offline"]],["x-1",["offline"]]]'
expect "the API lists exactly the failing receivers" wait_until 90 eval '[ "$(listed)" = "$want" ]'
check "the list" "$want" "$(listed)"

/usr/bin/python3 "$here/console_health.py" --url "$url" --out "$screens" --token-approver "$(cat "$tmp/token.approver")" \
	--token-town "$(cat "$tmp/token.town")" --token-gateway "$(cat "$tmp/token.gw")"
browser=$?
[ "$browser" = 0 ] || { fail=$((fail + 1)); echo "FAIL the browser's checks"; }
check_log "$tmp/tocsind.log"
finish
