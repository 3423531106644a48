#!/usr/bin/env bash
# guidance.sh — each loudspeaker's programme ends with the way to shelter
# for its own village: the secured mosquitto of tocsin broker setup, tocsind
# (renders speech and guidance, seals, publishes), and one real
# tocsin-receiver per village whose sound card is an ALSA file device.
#
# Villages A, B and C are each next to a different shelter (400 m east,
# 300 m south, 250 m west); D has none within 500 m. An orange typhoon
# warning (its cn event and colour ask people to move) brings each of A, B
# and C its own sentence, and its programme is longer than the same warning
# with SHELTER_GUIDANCE=false by about the guidance's duration; D gets none.
# The distinct sentences are rendered once; a third copy of the warning
# renders none (cached).
# Usage: guidance.sh TOCSIND TOCSIN TOCSIN_RECEIVER RX_ANALYSE EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
receiver=$3
analyse=$4
examples=$5
publish=/bin/false
tmp=$(mktemp -d)
pid=
rx_pids=()
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/rx_lib.sh"
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	for p in "${rx_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"
	rx_cleanup
}
trap cleanup EXIT
VILLAGES="rx-a rx-b rx-c rx-d"

fresh() { # the orange example moved to today (Beijing time), expiring tomorrow, as copy $1
	local today tomorrow
	today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
	tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
	sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" \
		-e "s/_2026[0-9]\{4\}/_${today//-/}/g" -e "s|_0</identifier>|_$1</identifier>|" \
		"$examples/cn-typhoon-orange.xml" | sed "s|<expires>${today}T|<expires>${tomorrow}T|"
}
status_is() { "$tocsin" status "$1" --json --server "$url" 2>/dev/null | jq -e "$2" >/dev/null; }
# seconds RX ALERT: how long RX's programme for ALERT is, as it logged it
seconds() { grep -a "play: alert=$2 .*playing" "$tmp/$1.log" | tail -1 | sed 's/.*playing \([0-9.]*\) s.*/\1/'; }
metric() { api admin -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

mkdir -p "$tmp/data"
staff "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "no broker"; exit 1; }
record_acks
printf '[tocsind]\nack_timeout_s = 30\nplay_timeout_s = 300\napproval_required = none\nshelter_walk_m = 500\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "$broker_url" 2>>"$tmp/tocsind.log" &
pid=$!
url=$(server_url "$tmp/data")
expect "tocsind up" curl -sf "$url/healthz"
cat >"$tmp/shelters.csv" <<'EOF'
id,name,lat,lon,capacity,area_m2,manager,phone,name_en
sh-a,塘沽第一中学,39.0000,117.604629,1200,5400,赵六,139 0013 9001,Tanggu No. 1 Middle School
sh-b,北塘小学,39.017302,117.6000,100,800,孙八,13900139004,Beitang Primary School
sh-c,河头公园,39.0400,117.597107,500,9000,李九,13900139003,Hetou Park
EOF
cat >"$tmp/receivers.csv" <<'EOF'
id,kind,name,lat,lon,region,shelter,population
rx-a,loudspeaker,新港村大喇叭,39.0000,117.6000,120116001001,,900
rx-b,loudspeaker,北塘村大喇叭,39.0200,117.6000,120116001002,,800
rx-c,loudspeaker,河头村大喇叭,39.0400,117.6000,120116001003,,200
rx-d,loudspeaker,远山村大喇叭,39.1000,117.7000,120116001004,,150
EOF
"$tocsin" import shelters "$tmp/shelters.csv" --server "$url" >/dev/null
check "shelters imported" 0 $?
"$tocsin" import receivers "$tmp/receivers.csv" --server "$url" >/dev/null
check "receivers imported" 0 $?
for r in $VILLAGES; do
	"$tocsin" provision "$r" --server "$url" --out "$tmp/$r.conf" >/dev/null || { echo "FAIL provision $r"; exit 1; }
	printf 'state_dir = %s\ntone_ms = 1000\nmax_repeats = 2\nrealtime = false\n' "$tmp/$r-state" >>"$tmp/$r.conf"
	alsa_conf "$r"
	ALSA_CONFIG_PATH="$tmp/$r.asound" "$receiver" --config "$tmp/$r.conf" 2>>"$tmp/$r.log" &
	rx_pids+=($!)
done
online() { [ "$(grep -c 'status .*"online"' "$tmp/acks")" -ge 4 ]; }
expect "four loudspeakers online" wait_until 20 online

fresh 0 >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "orange accepted" 0 $?
expect "orange played by all four" wait_until 240 status_is "$orange" '.counts.played == 4'
check "village A hears its own shelter" 1 "$(grep -ac "alert=$orange lang=zh-CN .*guidance: 请前往塘沽第一中学避难场所，距离约四百米，向东。" "$tmp/rx-a.log")"
check "village A, in English too" 1 "$(grep -ac "alert=$orange lang=en-US .*guidance: Go to the Tanggu No. 1 Middle School shelter, about 400 metres to the east." "$tmp/rx-a.log")"
check "village B hears its own shelter" 1 "$(grep -ac "alert=$orange lang=zh-CN .*guidance: 请前往北塘小学避难场所，距离约三百米，向南。" "$tmp/rx-b.log")"
check "village C hears its own shelter" 1 "$(grep -ac "alert=$orange lang=zh-CN .*guidance: 请前往河头公园避难场所，距离约二百五十米，向西。" "$tmp/rx-c.log")"
check "village D: no shelter, no guidance" 0 "$(grep -ac "guidance" "$tmp/rx-d.log")"
for r in rx-a rx-b rx-c; do
	check "$r plays the guidance after the message" 1 "$(grep -ac "alert=$orange .*playing .*guidance g-" "$tmp/$r.log")"
done
check "three villages x two languages: six sentences rendered once" 6 \
	"$(grep -ac "alert=$orange guidance=g-[0-9a-f]* lang=.* rendered once" "$tmp/tocsind.log")"
check "the metric says so" 6 "$(metric tocsin_guidance_rendered_total)"
check "the main message rendered once" 1 "$(grep -ac "alert=$orange rendered: " "$tmp/tocsind.log")"

# the same warning with SHELTER_GUIDANCE=false: the same message, no guidance
fresh 1 | sed 's|<parameter>|<parameter><valueName>SHELTER_GUIDANCE</valueName><value>false</value></parameter>\n    <parameter>|' >"$tmp/plain.xml"
plain=$("$tocsin" submit "$tmp/plain.xml" --server "$url")
check "plain accepted" 0 $?
expect "plain played by all four" wait_until 240 status_is "$plain" '.counts.played == 4'
check "no guidance for it" 0 "$(cat "$tmp"/rx-?.log | grep -ac "alert=$plain lang=")"
for r in rx-a rx-b rx-c; do
	with=$(seconds "$r" "$orange")
	without=$(seconds "$r" "$plain")
	ms=$(grep -a "alert=$orange lang=zh-CN audio=g-" "$tmp/$r.log" | head -1 | sed 's/.*audio=\(g-[0-9a-f]*\).*/\1/')
	gms=$(grep -a "guidance=$ms lang=zh-CN rendered once" "$tmp/tocsind.log" | sed 's/.*rendered once: \([0-9]*\) ms.*/\1/')
	echo "$r: with guidance $with s, without $without s, guidance $gms ms"
	expect "$r: longer by about the guidance ($with - $without vs ${gms} ms)" \
		awk -v a="$with" -v b="$without" -v g="$gms" 'BEGIN { d = (a - b) * 1000; exit !(g > 500 && d > g - 400 && d < g + 400) }'
done
expect "D's programme is as long both times ($(seconds rx-d "$orange") vs $(seconds rx-d "$plain") s)" \
	awk -v a="$(seconds rx-d "$orange")" -v b="$(seconds rx-d "$plain")" 'BEGIN { exit !(a - b < 0.5 && b - a < 0.5) }'

# a third copy: its guidance is in the store already, nothing is rendered again
fresh 2 >"$tmp/again.xml"
again=$("$tocsin" submit "$tmp/again.xml" --server "$url")
expect "again played by all four" wait_until 240 status_is "$again" '.counts.played == 4'
check "nothing rendered again" 0 "$(grep -ac "alert=$again guidance=g-.* rendered once" "$tmp/tocsind.log")"
check "six cached" 6 "$(metric tocsin_guidance_cached_total)"
check "still six rendered" 6 "$(metric tocsin_guidance_rendered_total)"
check "A hears it again" 1 "$(grep -ac "alert=$again .*playing .*guidance g-" "$tmp/rx-a.log")"

for p in "${rx_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${rx_pids[@]}"; do wait "$p" 2>/dev/null; done
rx_pids=()
for r in $VILLAGES; do
	expect "$r's programmes were captured" test -s "$tmp/$r.wav"
done
# the captures: A's (three programmes, two with guidance) is longer than D's (three, none)
a=$(stat -c %s "$tmp/rx-a.wav")
d=$(stat -c %s "$tmp/rx-d.wav")
expect "A's capture is longer than D's ($a vs $d bytes)" test "$a" -gt "$d"
! grep -qaE 'ERROR: [A-Za-z]*Sanitizer|runtime error: ' "$tmp"/rx-?.log "$tmp/tocsind.log"
check "no sanitizer reports" 0 $?
check_log "$tmp/tocsind.log"
finish
