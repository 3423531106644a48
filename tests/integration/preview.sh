#!/usr/bin/env bash
# preview.sh — the alert preview over the real HTTP API, with the real render worker and a
# real broker: a drafter hears and reads a Chinese warning before submitting it (the speech
# engine's text, its Ogg/Opus audio, the SMS as `tocsin render` makes it, the shelter
# display's screen with its colour); the audio only for its maker; the same checks as
# /api/v1/alerts/check (roles, regions, invalid CAP); and nothing stored, audited or sent.
# Usage: preview.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
examples=$3
tmp=$(mktemp -d)
pid=
sub=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$sub" ] && kill "$sub" 2>/dev/null
	stop_broker
	store_drop
	rm -rf "$tmp"
}
trap cleanup EXIT

data=$tmp/data
sender=12011641600000 # the examples' sender: 天津市滨海新区气象台
user() {
	"$tocsin" user add "$1" --role "$2" "${@:3}" --data-dir "$data" 2>>"$tmp/user.log" | tail -1 >"$tmp/$1.token"
}
# as NAME CURL-ARGS...: the HTTP status of a request with NAME's token (body in $tmp/out.json,
# headers in $tmp/head.txt)
as() {
	local who=$1
	shift
	curl -s -m 60 -D "$tmp/head.txt" -o "$tmp/out.json" -w '%{http_code}' \
		-H "Authorization: Bearer $(cat "$tmp/$who.token")" "$@"
}
cap=(-H 'Content-Type: application/cap+xml')
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
# alert FILE N: an example moved to today, identifier sequence N
alert() {
	sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
		-e "s|<expires>${today}T|<expires>${tomorrow}T|" -e "s/<identifier>\([^<]*\)_[0-9]*</<identifier>\1_$2</" \
		"$examples/$1"
}
denied() { as viewer "$url/metrics" >/dev/null; awk -v s="$1" '$1 == "tocsin_http_denied_total{status=\"" s "\"}" { print $2 }' "$tmp/out.json"; }

mkdir -p "$data"
user county-drafter drafter --region 120116 --department "$sender"
user other-drafter drafter --region 120116 --department "$sender"
user town-drafter drafter --region 120116001 --department "$sender"
user viewer viewer
start_broker "$tmp" || { echo "cannot start mosquitto"; exit 1; }
# everything a server publishes to receivers (alerts, audio, commands) is under the prefix
mosquitto_sub -h 127.0.0.1 -p "$broker_port" -t 'tocsin/v1/#' -v >"$tmp/published.txt" 2>>"$tmp/sub.log" &
sub=$!
printf '[tocsind]\nlog_level = debug\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$data" --http 127.0.0.1:0 --broker "127.0.0.1:$broker_port" \
	2>>"$tmp/log" &
pid=$!
url=$(server_url "$data")
expect "server up" curl -sf "$url/healthz"

alert cn-typhoon-orange.xml 1 >"$tmp/t1.xml"
"$tocsin" render "$tmp/t1.xml" --out "$tmp/render" >/dev/null 2>&1
check "tocsin render made the same alert's files" 0 $?
audit_rows=$(store_sql "$data" "SELECT count(*) FROM audit")
check "no alert yet" 0 "$(as viewer "$url/api/v1/alerts" >/dev/null; jq '.alerts | length' "$tmp/out.json")"
denied_401=$(denied 401)
denied_403=$(denied 403)

# --- a drafter previews a Chinese warning ----------------------------------------------------
check "a drafter previews" 200 "$(as county-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
cp "$tmp/out.json" "$tmp/p1.json"
id=$(jq -r .preview "$tmp/p1.json")
expect "…a random id of 32 lowercase hex digits" grep -qE '^[0-9a-f]{32}$' <<<"$id"
check "…kept 600 s" 600 "$(jq .expires_in "$tmp/p1.json")"
check "…both languages" "zh-CN en-US" "$(jq -r '[.languages[].lang] | join(" ")' "$tmp/p1.json")"
zh='.languages[] | select(.lang == "zh-CN")'
headline=$(sed -n 's|.*<headline>\(.*\)</headline>.*|\1|p' "$tmp/t1.xml" | head -1)
spoken=$("$tocsin" speak --lang zh-CN --print-script "$headline" | sed 's/ *$//')
expect "…the script holds the headline as the speech engine reads it" \
	jq -e --arg h "$spoken" "$zh | .script | contains(\$h)" "$tmp/p1.json"
check "…the script is what tocsin render hands the engine" "$(cat "$tmp/render/zh-CN.script.txt")" \
	"$(jq -r "$zh | .script" "$tmp/p1.json")"
check "…the audio's address" "/api/v1/previews/$id/zh-CN.ogg" "$(jq -r "$zh | .audio" "$tmp/p1.json")"
expect "…the message's length" jq -e "$zh | .duration_ms > 5000" "$tmp/p1.json"
check "…the SMS in UCS-2" UCS2 "$(jq -r "$zh | .sms.encoding" "$tmp/p1.json")"
check "…as many segments as tocsin render's" "$(jq '.segments | length' "$tmp/render/zh-CN.sms.json")" \
	"$(jq "$zh | .sms.segments" "$tmp/p1.json")"
check "…the SMS text as tocsin render's" "$(jq -r .text "$tmp/render/zh-CN.sms.json")" "$(jq -r "$zh | .sms.text" "$tmp/p1.json")"
check "…English in GSM 7-bit" GSM7 "$(jq -r '.languages[] | select(.lang == "en-US") | .sms.encoding' "$tmp/p1.json")"
check "…the display's size" "80 24" "$(jq -r '"\(.display.width) \(.display.lines | length)"' "$tmp/p1.json")"
check "…its orange bar" '[橙色 ORANGE] 台风' "$(jq -r '.display.lines[] | select(.style == "orange") | .text' "$tmp/p1.json")"
expect "…the headline on screen" jq -e --arg h "$headline" '[.display.lines[] | select(.style == "plain") | .text] | index($h)' "$tmp/p1.json"
expect "…the times and area in the detail line" jq -e '.display.lines | map(select(.style == "detail" and (.text | test("^发布 .* · 有效至 .* · 天津市滨海新区沿海区域")))) | length == 1' "$tmp/p1.json"
expect "…not to be cached" grep -qi '^Cache-Control: no-store' "$tmp/head.txt"

# --- its audio, for its maker only ---------------------------------------------------------------
check "the maker fetches the audio" 200 "$(as county-drafter "$url/api/v1/previews/$id/zh-CN.ogg")"
check "…Ogg" OggS "$(head -c 4 "$tmp/out.json")"
expect "…Opus" bash -c "head -c 200 '$tmp/out.json' | grep -aq OpusHead"
check "…as long as said" "$(stat -c %s "$tmp/out.json")" "$(grep -i '^Content-Length:' "$tmp/head.txt" | tr -dc 0-9)"
expect "…audio/ogg" grep -qi '^Content-Type: audio/ogg' "$tmp/head.txt"
expect "…private, never stored" grep -qi '^Cache-Control: private, no-store' "$tmp/head.txt"
expect "…nosniff" grep -qi '^X-Content-Type-Options: nosniff' "$tmp/head.txt"
check "…English too" OggS "$(as county-drafter "$url/api/v1/previews/$id/en-US.ogg" >/dev/null; head -c 4 "$tmp/out.json")"
check "another drafter: 404" 404 "$(as other-drafter "$url/api/v1/previews/$id/zh-CN.ogg")"
cp "$tmp/out.json" "$tmp/other.json"
check "a viewer: 404" 404 "$(as viewer "$url/api/v1/previews/$id/zh-CN.ogg")"
check "an id never made: 404" 404 "$(as county-drafter "$url/api/v1/previews/0123456789abcdef0123456789abcdef/zh-CN.ogg")"
check "…answered as another's (existence not told)" "$(cat "$tmp/other.json")" "$(cat "$tmp/out.json")"
check "a language it has not: 404" 404 "$(as county-drafter "$url/api/v1/previews/$id/fr-FR.ogg")"
check "not .ogg: 404" 404 "$(as county-drafter "$url/api/v1/previews/$id/zh-CN.mp3")"
check "an id in capitals: 404" 404 "$(as county-drafter "$url/api/v1/previews/${id^^}/zh-CN.ogg")"
check "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/previews/$id/zh-CN.ogg")"
check "the audio is not posted to" 405 "$(as county-drafter -X POST "$url/api/v1/previews/$id/zh-CN.ogg")"

# --- the same checks as /api/v1/alerts/check ----------------------------------------------------
check "no token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
check "a viewer may not preview" 403 "$(as viewer "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
expect "…told why" jq -e '.errors[0].code == "auth.role" and .errors[0].message == "user viewer (viewer) may not submit"' "$tmp/out.json"
check "a town drafter may not preview the district's warning" 403 \
	"$(as town-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
expect "…the area named" jq -e '.valid == false and .errors[0].code == "auth.region" and (.errors[0].message | test("天津市滨海新区沿海区域.*outside the regions of user town-drafter"))' "$tmp/out.json"
sed -e 's|<msgType>Alert</msgType>|<msgType>Alarm</msgType>|' -e 's|</polygon>| 1,1</polygon>|' "$tmp/t1.xml" >"$tmp/bad.xml"
check "invalid CAP: 422" 422 "$(as county-drafter "${cap[@]}" --data-binary @"$tmp/bad.xml" "$url/api/v1/alerts/preview")"
cp "$tmp/out.json" "$tmp/bad-preview.json"
as county-drafter "${cap[@]}" --data-binary @"$tmp/bad.xml" "$url/api/v1/alerts/check" >/dev/null
check "…every error with its place, as /check says them" "$(jq -cS . "$tmp/out.json")" "$(jq -cS . "$tmp/bad-preview.json")"
expect "…more than one" jq -e '.valid == false and (.errors | length) >= 2 and (.errors[0].path | length) > 0' "$tmp/bad-preview.json"
check "unreadable XML: 422" 422 "$(as county-drafter "${cap[@]}" --data-binary '<alert' "$url/api/v1/alerts/preview")"
check "text/plain: 415" 415 "$(as county-drafter -H 'Content-Type: text/plain' --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
check "a preview is not read: 405" 405 "$(as county-drafter "$url/api/v1/alerts/preview")"
check "the refusals were counted as denials (401)" $((denied_401 + 2)) "$(denied 401)"
check "…(403)" $((denied_403 + 2)) "$(denied 403)"

# --- a browser session: POST with its CSRF token, the audio without -----------------------------
printf 'correct horse battery\n' >"$tmp/pw"
"$tocsin" user password county-drafter --password-file "$tmp/pw" --data-dir "$data" 2>/dev/null
curl -s -c "$tmp/jar" -o "$tmp/login.json" -H 'Content-Type: application/json' \
	-d '{"name":"county-drafter","password":"correct horse battery"}' "$url/api/v1/login"
csrf=$(jq -r .csrf "$tmp/login.json")
check "a session's preview without its CSRF token: 403" 403 \
	"$(curl -s -b "$tmp/jar" -o "$tmp/out.json" -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
expect "…named" jq -e '.errors[0].code == "auth.csrf"' "$tmp/out.json"
check "…with it" 200 "$(curl -s -b "$tmp/jar" -o "$tmp/out.json" -w '%{http_code}' -H "X-CSRF-Token: $csrf" "${cap[@]}" \
	--data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/preview")"
sid=$(jq -r .preview "$tmp/out.json")
expect "…a new id each time" test "$sid" != "$id"
check "…its audio plays in the page without the token" 200 \
	"$(curl -s -b "$tmp/jar" -o "$tmp/s.ogg" -w '%{http_code}' "$url/api/v1/previews/$sid/zh-CN.ogg")"
check "…Ogg" OggS "$(head -c 4 "$tmp/s.ogg")"
check "the first preview still plays" 200 "$(as county-drafter "$url/api/v1/previews/$id/zh-CN.ogg")"

# --- many at once: a few wait for the render worker, the rest are told to come back --------------
for i in $(seq 16); do
	curl -s -m 90 -D "$tmp/many-$i.head" -o "$tmp/many-$i.json" -w '%{http_code}\n' \
		-H "Authorization: Bearer $(cat "$tmp/county-drafter.token")" "${cap[@]}" --data-binary @"$tmp/t1.xml" \
		"$url/api/v1/alerts/preview" >"$tmp/many-$i.code" &
done
wait_until 120 bash -c "[ \$(cat '$tmp'/many-*.code 2>/dev/null | wc -l) -eq 16 ]"
codes=$(cat "$tmp"/many-*.code | sort | uniq -c | awk '{print $2}' | tr '\n' ' ')
check "16 at once: each made (200) or told to come back (503)" "200 503 " "$codes"
busy=$(grep -l '^503' "$tmp"/many-*.code | head -1)
busy=${busy%.code}
expect "…preview.busy" jq -e '.errors[0].code == "preview.busy"' "$busy.json"
expect "…with Retry-After" grep -qi '^Retry-After: [0-9]' "$busy.head"

# --- nothing stored, audited or sent ---------------------------------------------------------
check "no alert was made" 0 "$(as viewer "$url/api/v1/alerts" >/dev/null; jq '.alerts | length' "$tmp/out.json")"
check "…none in the store" 0 "$(store_sql "$data" "SELECT count(*) FROM alerts")"
check "nothing audited but the password and the sign-in" "password-set login" \
	"$(store_sql "$data" "SELECT action FROM audit WHERE id > $audit_rows ORDER BY id" | xargs)"
mosquitto_pub -h 127.0.0.1 -p "$broker_port" -t tocsin/v1/test/canary -m end
wait_until 10 grep -q 'tocsin/v1/test/canary end' "$tmp/published.txt"
check "nothing was published to receivers (only the test's own canary)" "tocsin/v1/test/canary end" "$(cat "$tmp/published.txt")"
kill "$pid"
wait "$pid"
check "tocsind stops cleanly" 0 $?
pid=
check_log "$tmp/log"
finish
