#!/usr/bin/env bash
# watch.sh — the duty console's live data with real parts: the secured mosquitto of tocsin broker
# setup on a free loopback port, tocsind, tocsin-sim receivers that acknowledge.
#
# GET /api/v1/alerts/{id}/events: the first events are the report and every delivery; as the
# receivers acknowledge, report events come with coverage rising to the final figure, at most once
# a second, and deliveries events carry the rows that changed; a Cancel sends state; a viewer's
# stream is what the viewer's /report says; a user whose regions do not reach the alert is refused
# (403), no credentials 401, a user's 9th stream 429; a stream outlives http_timeout_s with
# keep-alives; ending a browser session closes its stream; SIGTERM with streams open exits at once.
# GET /api/v1/fleet: every receiver with its liveness, silent= the quiet ones, scoped users their own.
# Usage: watch.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"
streams=()
cleanup_streams() { for s in "${streams[@]}"; do kill "$s" 2>/dev/null; done; }
trap 'cleanup_streams; [ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"; cleanup' EXIT

# stream NAME ROLE|-|cookie SECONDS [ID]: the events of alert ID (default $alert) as ROLE, each line
# with its arrival time (seconds) before it, into $tmp/NAME.sse; curl runs in the background, its
# pid in $stream_NAME (ended: ended NAME gives its exit status)
stream() {
	local name=$1 who=$2 secs=$3 id=${4:-$alert} auth=()
	case $who in
	-) ;;
	cookie) auth=(-b "$tmp/jar") ;;
	*) auth=(-H "Authorization: Bearer $(cat "$tmp/token.$who")") ;;
	esac
	# the time-stamper is up before curl connects, so that its own start delays no line's stamp
	rm -f "$tmp/$name.fifo" "$tmp/$name.up"
	mkfifo "$tmp/$name.fifo"
	python3 -u -c 'import sys, time
open(sys.argv[1], "w").close()
for line in open(sys.argv[2], encoding="utf-8"):
    sys.stdout.write("%.3f %s" % (time.monotonic(), line))' "$tmp/$name.up" "$tmp/$name.fifo" >"$tmp/$name.sse" &
	wait_until 10 test -e "$tmp/$name.up"
	curl -sN --max-time "$secs" "${auth[@]}" "$url/api/v1/alerts/$id/events" >"$tmp/$name.fifo" &
	streams+=($!)
	eval "stream_$name=$!"
}

# ended NAME: wait for stream NAME's curl; its exit status into $tmp/NAME.rc
ended() {
	local p
	eval "p=\$stream_$1"
	wait "$p"
	echo $? >"$tmp/$1.rc"
	sleep 0.2 # the time-stamper writes the last lines
}

# events NAME: the stream's events as JSON lines {"t","id","event","data","retry"} (data parsed)
events() {
	python3 - "$tmp/$1.sse" <<'PY'
import json, sys
ev = {}
for raw in open(sys.argv[1], encoding="utf-8"):
    t, _, line = raw.rstrip("\n").partition(" ")
    if line == "":
        if "event" in ev:
            ev["data"] = json.loads(ev["data"])
            print(json.dumps(ev, ensure_ascii=False))
        ev = {}
        continue
    field, _, value = line.partition(": ")
    if field == "data":
        ev["data"] = ev.get("data", "") + value
    elif field in ("id", "event", "retry"):
        ev[field] = value
        ev.setdefault("t", float(t))
PY
}

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nhttp_timeout_s = 3\nlog_level = debug\n' \
	>"$tmp/tocsind.conf"
staff "$tmp/data"
for u in far:110101 near:120116 'seer:*' 'many:*'; do
	"$tocsin_real" user add "t-${u%%:*}" --role viewer --region "${u#*:}" --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
		tail -1 >"$tmp/token.${u%%:*}"
done
printf 'correct horse battery\n' >"$tmp/pw"
"$tocsin_real" user password t-seer --password-file "$tmp/pw" --data-dir "$tmp/data" 2>>"$tmp/staff.log"
start_server
expect "server up" curl -sf "$url/healthz"

# 20 loudspeakers and displays in four Binhai villages, 2 of them silent; 3 more that go away
# later; 5 in another county that never connect
"$sim" --emit-registry "$tmp/a.csv" --count 20 --region 120116001001,120116001002,120116002001,120116002002 \
	--id-prefix wa- --kind mixed
"$sim" --emit-registry "$tmp/b.csv" --count 3 --region 120116003001 --id-prefix wb-
"$sim" --emit-registry "$tmp/c.csv" --count 5 --region 120117001001 --id-prefix wc-
for f in a b c; do "$tocsin" import receivers "$tmp/$f.csv" --server "$url" >/dev/null; done
start_sim a --registry "$tmp/a.csv" --fail-rate 0.1 --delay-ms 1500
start_sim b --registry "$tmp/b.csv" --delay-ms 4000
fleet() { api "$1" -s "$url/api/v1/fleet${2:-}"; }
expect "the sims are online" wait_until 60 \
	bash -c "curl -s -H 'Authorization: Bearer $(cat "$tmp/token.seer")' '$url/api/v1/fleet' |
		jq -e '[.receivers[] | select(.online)] | length == 23'"

# --- the fleet -----------------------------------------------------------------------------
fleet seer >"$tmp/fleet.json"
check "every receiver, with its place and shelter" "28 true" \
	"$(jq -c '[(.receivers | length), (.receivers | all(has("id") and has("kind") and has("name") and has("lat") and has("lon") and has("region") and has("shelter")))] | join(" ")' -r "$tmp/fleet.json")"
check "online after the sims connected, seen just now" "23" \
	"$(jq --argjson now "$(jq .now "$tmp/fleet.json")" '[.receivers[] | select(.online and .last_seen >= $now - 60)] | length' "$tmp/fleet.json")"
check "never connected: offline, never seen" '["wc-00000","wc-00001","wc-00002","wc-00003","wc-00004"]' \
	"$(jq -c '[.receivers[] | select(.online | not) | select(.last_seen == 0) | .id]' "$tmp/fleet.json")"
check "silent=60: the ones never connected" 5 "$(fleet seer '?silent=60' | jq '.receivers | length')"
check "a scoped user sees its region's receivers" "23 120116" \
	"$(fleet near | jq -r '[(.receivers | length), (.receivers | map(.region[0:6]) | unique | join(","))] | join(" ")')"
check "a user of another region sees none" 0 "$(fleet far | jq '.receivers | length')"
check "shelters listed" '"shelters"' "$(fleet seer | jq -c 'keys | map(select(. == "shelters")) | .[0]')"
check "a bad silent= is named" "400 http.query" \
	"$(api viewer -s -o "$tmp/bad.json" -w '%{http_code}' "$url/api/v1/fleet?silent=soon") $(jq -r '.errors[0].code' "$tmp/bad.json")"
check "fleet without credentials" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/fleet")"

# --- an alert watched as it goes out --------------------------------------------------------
fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
alert=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "typhoon accepted" 0 $?
stream viewer seer 40
stream admin registry 40
check "no credentials" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/alerts/$alert/events")"
check "a user whose regions do not reach the alert" "403 auth.region" \
	"$(api far -s -o "$tmp/far.json" -w '%{http_code}' "$url/api/v1/alerts/$alert/events") $(jq -r '.errors[0].code' "$tmp/far.json")"
check "a user without regions" "403 auth.region" \
	"$(api viewer -s -o "$tmp/none.json" -w '%{http_code}' "$url/api/v1/alerts/$alert/events") $(jq -r '.errors[0].code' "$tmp/none.json")"
check "an unknown alert" 404 "$(api seer -s -o /dev/null -w '%{http_code}' "$url/api/v1/alerts/0123456789abcdef/events")"
check "only GET" 405 "$(api seer -s -o /dev/null -w '%{http_code}' -X POST "$url/api/v1/alerts/$alert/events")"
api seer -s -D "$tmp/headers" -o /dev/null --max-time 1 "$url/api/v1/alerts/$alert/events"
expect "served as text/event-stream" grep -qi '^content-type: text/event-stream' "$tmp/headers"
expect "…not to be kept" grep -qi '^cache-control: no-store' "$tmp/headers"
expect "every live target played or displayed, the silent escalated" wait_for "$alert" \
	'.targets == 28 and (.counts.played + .counts.displayed) == 21 and .counts.escalated == 7' 120
sleep 2.5 # the last changes' events
api seer -s "$url/api/v1/alerts/$alert/report" >"$tmp/report.viewer.json"
api registry -s "$url/api/v1/alerts/$alert/report" >"$tmp/report.admin.json"
api seer -s "$url/api/v1/alerts/$alert/deliveries" >"$tmp/deliveries.json"
api approver -s -X POST "$url/api/v1/alerts/$alert/cancel" >/dev/null
sleep 2.5

# a late stream of the settled alert: its first report is /report, byte for byte
stream late seer 3
# a stream past http_timeout_s (3 s): kept open with keep-alives
stream idle seer 17
# a browser session's stream ends when the session does
curl -s -c "$tmp/jar" -o "$tmp/login.json" -H 'Content-Type: application/json' \
	-d '{"name":"t-seer","password":"correct horse battery"}' "$url/api/v1/login"
stream cookie cookie 30
# the 9th stream of one user
for i in 1 2 3 4 5 6 7 8; do stream "many$i" many 30; done
sleep 1.5
check "the 9th stream of a user" "429 events.too-many" \
	"$(api many -s -o "$tmp/many.json" -w '%{http_code}' --max-time 5 "$url/api/v1/alerts/$alert/events") $(jq -r '.errors[0].code' "$tmp/many.json")"
expect "…said plainly" jq -e '.errors[0].message | test("8 event streams open")' "$tmp/many.json"
check "streams counted in /metrics" 1 \
	"$(api viewer -s "$url/metrics" | awk '/^tocsin_http_event_streams / { print ($2 >= 11) }')"
for i in 1 2 3 4 5 6 7 8; do eval "kill \$stream_many$i"; done
curl -s -b "$tmp/jar" -X POST -H "X-CSRF-Token: $(jq -r .csrf "$tmp/login.json")" "$url/api/v1/logout" >/dev/null
logout_at=$SECONDS
ended cookie
check "a signed-out session's stream ends within seconds" 1 "$((SECONDS - logout_at <= 4))"
check "…cleanly" 0 "$(cat "$tmp/cookie.rc")"
check "…after its events" report "$(events cookie | head -1 | jq -r .event)"
for s in viewer admin late idle; do ended $s; done

events viewer >"$tmp/viewer.ev"
events admin >"$tmp/admin.ev"
check "first the report, then every delivery" "report deliveries true 28" \
	"$(jq -rs '[.[0].event, .[1].event, (.[1].data.full | tostring), (.[1].data.deliveries | length | tostring)] | join(" ")' "$tmp/viewer.ev")"
check "the first report has /report's shape" "$(jq -c 'keys' "$tmp/report.viewer.json")" \
	"$(jq -sc '.[0].data | keys' "$tmp/viewer.ev")"
check "each event has an id and retry: 3000" "true" \
	"$(jq -s 'all(.id != null and .retry == "3000") and (map(.id | tonumber) | . == (sort | unique))' "$tmp/viewer.ev")"
expect "several reports as coverage rises" test "$(jq -s '[.[] | select(.event == "report")] | length' "$tmp/viewer.ev")" -ge 3
check "coverage rises in steps (the slower village later)" true \
	"$(jq -s '[.[] | select(.event == "report") | .data.covered] | unique | length >= 3' "$tmp/viewer.ev")"
check "coverage never falls" true \
	"$(jq -s '[.[] | select(.event == "report") | .data.covered] | . == sort' "$tmp/viewer.ev")"
check "the last report is /report" "$(jq -c . "$tmp/report.viewer.json")" \
	"$(jq -sc '[.[] | select(.event == "report")] | last | .data' "$tmp/viewer.ev")"
check "…at the final figure" "21 75" "$(jq -r '"\(.covered) \(.coverage)"' "$tmp/report.viewer.json")"
check "reports at most once a second" true \
	"$(jq -s '[.[] | select(.event == "report") | .t] | [range(1; length) as $i | .[$i] - .[$i - 1]] | all(. >= 0.9)' "$tmp/viewer.ev")"
# (the events of one tick come together: apart from those, none is less than a second after another)
check "events at most once a second" true \
	"$(jq -s '[.[] | .t] | [range(1; length) as $i | .[$i] - .[$i - 1]] | all(. < 0.05 or . >= 0.9)' "$tmp/viewer.ev")"
# each row of a later deliveries event differs from what the stream had said of that receiver
expect "deliveries events carry only changed rows" jq -se '
	[.[] | select(.event == "deliveries")] | . as $ev
	| ($ev | length >= 3) and ($ev[1:] | all(.data.full == false)) and ($ev[1:] | any(.data.deliveries | length < 28))
	and (reduce $ev[] as $e ({known: {}, ok: true};
		.known as $k
		| .ok = (.ok and ($e.data.full or ($e.data.deliveries | all(.state != $k[.receiver]))))
		| .known += ($e.data.deliveries | map({(.receiver): .state}) | add // {}))
	| .ok)' "$tmp/viewer.ev"
check "the rows add up to /deliveries" \
	"$(jq -c '[.deliveries[] | {receiver: .target, state, region}] | sort_by(.receiver)' "$tmp/deliveries.json")" \
	"$(jq -sc '[.[] | select(.event == "deliveries") | .data.deliveries[]] | map({(.receiver): .}) | add | [.[]] | sort_by(.receiver)' "$tmp/viewer.ev")"
check "a Cancel sends state" '{"state":"cancelled"}' "$(jq -sc '[.[] | select(.event == "state")] | last | .data' "$tmp/viewer.ev")"
check "a viewer's reports are the viewer's /report" "$(jq -c . "$tmp/report.viewer.json")" \
	"$(jq -sc '[.[] | select(.event == "report")] | last | .data' "$tmp/viewer.ev")"
check "a registry clerk's reports (phone numbers shown) are the clerk's /report" "$(jq -c . "$tmp/report.admin.json")" \
	"$(jq -sc '[.[] | select(.event == "report")] | last | .data' "$tmp/admin.ev")"
check "no phone number in a viewer's stream" 0 "$(grep -cE '\+86[0-9]{11}' "$tmp/viewer.sse")"
check "a late stream's first report is /report, byte for byte" "$(cat "$tmp/report.viewer.json")" \
	"$(grep -m1 '^[0-9.]* data: {"id"' "$tmp/late.sse" | cut -d' ' -f3-)"
check "…and the rows as /deliveries has them" \
	"$(jq -c '[.deliveries[] | {receiver: .target, state, region}]' <(api seer -s "$url/api/v1/alerts/$alert/deliveries"))" \
	"$(events late | jq -sc '.[1].data.deliveries')"
check "an idle stream outlives http_timeout_s" "28 keep-alive" \
	"$(rc=$(cat "$tmp/idle.rc"); kept=$(grep -c ': keep-alive$' "$tmp/idle.sse"); echo "$rc keep-alive$([ "$kept" -ge 1 ] || echo ' missing')")"

# --- the quiet ones, after some go away -------------------------------------------------------
kill "$sim_b"
wait "$sim_b" 2>/dev/null
expect "stopped receivers go offline" wait_until 20 bash -c \
	"curl -s -H 'Authorization: Bearer $(cat "$tmp/token.seer")' '$url/api/v1/fleet?silent=3600' | jq -e '.receivers | length == 8'"
check "silent= lists the stopped and the never connected" '["wb-00000","wb-00001","wb-00002","wc-00000","wc-00001","wc-00002","wc-00003","wc-00004"]' \
	"$(fleet seer '?silent=3600' | jq -c '[.receivers[].id]')"

# --- SIGTERM with streams open ------------------------------------------------------------------
stream end1 seer 60
stream end2 registry 60
stream end3 near 60
sleep 1.5
check "streams open before the stop" 3 "$(api viewer -s "$url/metrics" | awk '/^tocsin_http_event_streams / { print $2 }')"
t0=$(date +%s.%N)
kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
check "…within a few seconds" 1 "$(awk "BEGIN { print ($(date +%s.%N) - $t0 < 3) }")"
for s in end1 end2 end3; do ended $s; done
check "the streams ended with it" "0 0 0" "$(cat "$tmp/end1.rc" "$tmp/end2.rc" "$tmp/end3.rc" | xargs)"
check_log "$tmp/tocsind.log"
finish
