#!/usr/bin/env bash
# shelters.sh — the way to shelter with real parts: the secured mosquitto of
# tocsin broker setup, tocsind with the SMSC simulator (SMPP) on free
# loopback ports, and a real tocsin-signage.
#
# Four villages: A, B and C each next to a different shelter (400 m east,
# 300 m south, 250 m west), D with none within 500 m. The guidance for each
# names the right shelter, distance and direction; A's manager reports 350
# people by SMS and the shelter's display shows it; then 已满, and A's
# guidance moves to the next shelter (450 m north) while the display says
# 已满 FULL; the same words from another phone change nothing. The API's
# occupancy report with roles (a viewer is refused, a manager only for its
# own shelter), every change audited; the planning report names village D
# and the shelter short of room for village B.
# Usage: shelters.sh TOCSIND TOCSIN TOCSIN_SIGNAGE
set -u
tocsind=$1
tocsin=$2
signage=$3
tmp=$(mktemp -d)
pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/smsc.sh"
trap cleanup_sms EXIT

mkdir -p "$tmp/data"
staff "$tmp/data"
"$tocsin_real" user add t-gateway --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gateway"
# a viewer of the county (staff's viewer has no regions)
"$tocsin_real" user add t-county --role viewer --region 120116 --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
	tail -1 >"$tmp/token.county"
# the manager of shelter C, signing in with the phone registered for it
"$tocsin_real" user add t-manager --role shelter --phone +8613900139003 --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
	tail -1 >"$tmp/token.manager"
[ -s "$tmp/token.gateway" ] && [ -s "$tmp/token.manager" ] && [ -s "$tmp/token.county" ] || { echo "FAIL users: $(cat "$tmp/staff.log")"; exit 1; }
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
start_smsc "$tmp" --password s3cr3t || { echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
(umask 077 && echo s3cr3t >"$tmp/smpp.password")
printf '[tocsind]\napproval_required = none\nlog_level = debug\nshelter_walk_m = 500\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 --broker "$broker_url" \
	--smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin --smpp-password-file "$tmp/smpp.password" 2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
expect "server up" curl -sf "$url/healthz"

# Village A at 39.0000,117.6000; B at 39.0200; C at 39.0400; D far off at 39.1000,117.7000.
# A metre is 1/111195 degree of latitude, and 1/(111195 cos φ) of longitude.
cat >"$tmp/shelters.csv" <<'EOF'
id,name,lat,lon,capacity,area_m2,manager,phone,name_en
sh-a,塘沽第一中学,39.0000,117.604629,1200,5400,赵六,139 0013 9001,Tanggu No. 1 Middle School
sh-a2,新港体育馆,39.004047,117.6000,600,3000,钱七,13900139002,Xingang Gymnasium
sh-b,北塘小学,39.017302,117.6000,100,800,孙八,13900139004,Beitang Primary School
sh-c,河头公园,39.0400,117.597107,500,9000,李九,13900139003,Hetou Park
EOF
cat >"$tmp/receivers.csv" <<'EOF'
id,kind,name,lat,lon,region,shelter,population
rx-a,loudspeaker,新港村大喇叭,39.0000,117.6000,120116001001,,900
rx-b,loudspeaker,北塘村大喇叭,39.0200,117.6000,120116001002,,800
rx-c,loudspeaker,河头村大喇叭,39.0400,117.6000,120116001003,,200
rx-d,loudspeaker,远山村大喇叭,39.1000,117.7000,120116001004,,150
sg-a,signage,塘沽第一中学显示屏,39.0000,117.604629,120116001001,sh-a,
EOF
"$tocsin" import shelters "$tmp/shelters.csv" --server "$url" >/dev/null
check "shelters imported" 0 $?
"$tocsin" import receivers "$tmp/receivers.csv" --server "$url" >/dev/null
check "receivers imported" 0 $?

guide() { api county -s "$url/api/v1/shelters/guidance?receiver=$1"; }
line() { guide "$1" | jq -r '"\(.shelter.id // "none") \(.rounded_m) \(.direction)"'; }
check "village A: 400 m east" "sh-a 400 east" "$(line rx-a)"
check "village A, in Chinese" "请前往塘沽第一中学避难场所，距离约四百米，向东。" "$(guide rx-a | jq -r .zh)"
check "village A, in English" "Go to the Tanggu No. 1 Middle School shelter, about 400 metres to the east." \
	"$(guide rx-a | jq -r .en)"
check "village A: the next one too" '["sh-a2"]' "$(guide rx-a | jq -c '[.others[].id]')"
check "village B: 300 m south" "sh-b 300 south" "$(line rx-b)"
check "village B, in Chinese" "请前往北塘小学避难场所，距离约三百米，向南。" "$(guide rx-b | jq -r .zh)"
check "village C: 250 m west" "sh-c 250 west" "$(line rx-c)"
check "village C, in Chinese" "请前往河头公园避难场所，距离约二百五十米，向西。" "$(guide rx-c | jq -r .zh)"
check "village D: none within 500 m" 'none ""' "$(guide rx-d | jq -r '"\(.shelter.id // "none") \(.zh|tojson)"')"
check "the CLI shows the same" "sh-b" \
	"$(TOCSIN_TOKEN=$(cat "$tmp/token.county") "$tocsin" shelters guidance rx-b --server "$url" | jq -r .shelter.id)"
check "a viewer of no region may not see it" 403 "$(api viewer -s -o /dev/null -w '%{http_code}' "$url/api/v1/shelters/guidance?receiver=rx-a")"
check "an unknown receiver" 404 "$(api county -s -o /dev/null -w '%{http_code}' "$url/api/v1/shelters/guidance?receiver=rx-zz")"
check "no receiver named" 400 "$(api county -s -o /dev/null -w '%{http_code}' "$url/api/v1/shelters/guidance")"

# --- the manager's SMS -----------------------------------------------------------------------
mo() { api gateway -s -o /dev/null -w '%{http_code}' -G "$url/api/v1/sms/mo" --data-urlencode "from=$1" --data-urlencode "text=$2"; }
metric() { api viewer -s "$url/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
occupancy_of() { api viewer -s "$url/api/v1/shelters" | jq -r --arg id "$1" '.[] | select(.id == $id) | "\(.occupancy) \(.state) \(.full)"'; }
check "another phone says 已满" 200 "$(mo 8613800000077 已满)"
check "which changes nothing" "sh-a 400 east" "$(line rx-a)"
check "the shelter is as it was" "0 open false" "$(occupancy_of sh-a)"
check "A's manager: 350 people" 200 "$(mo 8613900139001 "350")"
check "occupancy 350" "350 open false" "$(occupancy_of sh-a)"
check "the manager, not a report" 200 "$(mo 8613900139001 "hello")"
check "counted, no effect" "1 350 open false" \
	"$(metric 'tocsin_sms_shelter_reports_total{outcome="not-understood"}') $(occupancy_of sh-a)"
check "a manager's message is no confirmation" 0 "$(metric 'tocsin_sms_total{event="reply_matched"}')"

# the display comes online and is told its shelter's occupancy
"$tocsin" provision sg-a --server "$url" --out "$tmp/sg-a.conf" >/dev/null
printf 'state_dir = %s/sg-state\n' "$tmp" >>"$tmp/sg-a.conf"
once() {
	TZ=Asia/Shanghai LANG=C.UTF-8 "$signage" --config "$tmp/sg-a.conf" --once --once-wait "${1:-4}" --width 100 \
		--height 12 2>>"$tmp/sg.log"
}
once >"$tmp/once1.txt"
expect "the display shows name, capacity and occupancy" grep -qF "塘沽第一中学  容量1200 已入住350" "$tmp/once1.txt"

check "A's manager: 已满" 200 "$(mo 8613900139001 "已满")"
check "full" "350 full true" "$(occupancy_of sh-a)"
check "village A now goes 450 m north" "sh-a2 450 north" "$(line rx-a)"
check "in Chinese" "请前往新港体育馆避难场所，距离约四百五十米，向北。" "$(guide rx-a | jq -r .zh)"
check "in English" "Go to the Xingang Gymnasium shelter, about 450 metres to the north." "$(guide rx-a | jq -r .en)"
check "the fleet shows it too" "full true 350" \
	"$(api viewer -s "$url/api/v1/fleet" | jq -r '.shelters[] | select(.id == "sh-a") | "\(.state) \(.full) \(.occupancy)"')"
once >"$tmp/once2.txt"
expect "the display says it is full" grep -qF "塘沽第一中学  容量1200 已满 FULL" "$tmp/once2.txt"
expect "tocsind told the display with a shelter command" grep -q "target=sg-a shelter=sh-a occupancy=350 full told" "$tmp/tocsind.log"

# --- the API -----------------------------------------------------------------------------------
post() { # ROLE ID BODY: the status
	api "$1" -s -o "$tmp/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-d "$3" "$url/api/v1/shelters/$2/occupancy"
}
check "a viewer may not" 403 "$(post viewer sh-b '{"occupancy":20}')"
check "the registry clerk may" 200 "$(post registry sh-b '{"occupancy":20}')"
check "answered with the shelter" '20 open false' "$(jq -r '"\(.occupancy) \(.state) \(.full)"' "$tmp/post.json")"
check "a negative number" 422 "$(post registry sh-b '{"occupancy":-1}')"
check "named" "occupancy must be a whole number of people from 0 to 10000000" "$(jq -r '.errors[0].message' "$tmp/post.json")"
check "an unknown field" 422 "$(post registry sh-b '{"people":3}')"
check "not JSON" 400 "$(post registry sh-b 'x')"
check "an unknown shelter" 404 "$(post registry sh-zz '{"full":true}')"
check "the manager of C, for C" 200 "$(post manager sh-c '{"full":true}')"
check "village C moves on: none other within 500 m" "none" "$(line rx-c | cut -d' ' -f1)"
check "the manager of C, for B" 403 "$(post manager sh-b '{"occupancy":5}')"
check "C open again" 200 "$(post manager sh-c '{"full":false}')"
check "village C back to C" "sh-c 250 west" "$(line rx-c)"
check "the CLI reports A open again with 100 people" "100 open false" \
	"$(TOCSIN_TOKEN=$(cat "$tmp/token.registry") "$tocsin" shelters occupancy sh-a 100 --server "$url" |
		jq -r '"\(.occupancy) \(.state) \(.full)"')"
check "and A is A's again" "sh-a 400 east" "$(line rx-a)"
api admin -s "$url/api/v1/audit?limit=500" >"$tmp/audit.json"
audited() { jq -r --arg a "$1" '[.rows[] | select(.action == "shelter-occupancy" and .actor == $a) | .object] | join(" ")' "$tmp/audit.json"; }
check "each change audited: by SMS" "sh-a sh-a" "$(audited sms)"
check "and by the API" "sh-b sh-c sh-c sh-a" "$(audited api)"
check "with who did it" "t-registry t-manager t-manager t-registry" \
	"$(jq -r '[.rows[] | select(.action == "shelter-occupancy" and .actor == "api") | .username] | join(" ")' "$tmp/audit.json")"

# --- the planning report -----------------------------------------------------------------------
api county -s "$url/api/v1/shelters/report" >"$tmp/report.json"
check "villages looked at" 4 "$(jq .villages "$tmp/report.json")"
check "the village with no shelter within 500 m" '["120116001004"]' "$(jq -c '[.without_shelter[].region]' "$tmp/report.json")"
check "its people, and the nearest shelter" "150 sh-c" \
	"$(jq -r '.without_shelter[0] | "\(.population) \(.nearest.id)"' "$tmp/report.json")"
check "the shelter short of room" '[["sh-b",100,800]]' \
	"$(jq -c '[.short_of_room[] | [.id, .capacity, .population]]' "$tmp/report.json")"
TOCSIN_TOKEN=$(cat "$tmp/token.county") "$tocsin" shelters report --csv --server "$url" >"$tmp/report.csv"
check "as CSV" "problem,region,shelter,name,population,capacity,villages,nearest_shelter,nearest_m
no-shelter,120116001004,,,150,,,sh-c,$(jq -r '.without_shelter[0].nearest.distance_m | round' "$tmp/report.json")
short-of-room,,sh-b,北塘小学,800,100,1,," "$(cat "$tmp/report.csv")"
"$tocsin_real" user add t-town2 --role viewer --region 120116002 --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
	tail -1 >"$tmp/token.town2"
check "scoped by the user's regions" "0 0" \
	"$(api town2 -s "$url/api/v1/shelters/report" | jq -r '"\(.villages) \(.without_shelter | length)"')"

# a clean stop: a sanitizer build reports leaks then
kill -TERM "$pid"
wait "$pid" 2>/dev/null
check "tocsind stopped cleanly" 0 $?
pid=
check_log "$tmp/tocsind.log"
check_log "$tmp/sg.log"
finish
