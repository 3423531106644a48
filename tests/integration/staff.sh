#!/usr/bin/env bash
# staff.sh — who may do what over the real HTTP API: users of each role,
# regions and departments, two-person release (and its urgent path),
# browser sessions with CSRF tokens, foreign Host and Origin, wrong methods
# and content types, token expiry and revocation, locked sign-ins, the
# spool attributed to its user, and an audit chain that shows an edited row.
# Usage: staff.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
examples=$3
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; store_drop; rm -rf "$tmp"; }
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

data=$tmp/data
sender=12011641600000 # the examples' sender: 天津市滨海新区气象台
# user NAME ROLE [ARGS...]: add a user on the data directory; its token in $tmp/NAME.token
user() {
	"$tocsin" user add "$1" --role "$2" "${@:3}" --data-dir "$data" 2>>"$tmp/user.log" | tail -1 >"$tmp/$1.token"
}
# as NAME CURL-ARGS...: the HTTP status of a request with NAME's token (body in $tmp/out.json)
as() {
	local who=$1
	shift
	curl -s -o "$tmp/out.json" -w '%{http_code}' -H "Authorization: Bearer $(cat "$tmp/$who.token")" "$@"
}
cap=(-H 'Content-Type: application/cap+xml')

today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
# an example moved to today; NAME is the identifier's sequence, so each copy is a new alert
alert() {
	sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/_2026[0-9]\{4\}/_${today//-/}/g" \
		-e "s|<expires>${today}T|<expires>${tomorrow}T|" -e "s/<identifier>\([^<]*\)_[0-9]*</<identifier>\1_$2</" \
		"$examples/$1"
}

mkdir -p "$data" "$tmp/spool"
user county-drafter drafter --region 120116 --department "$sender"
user town-drafter drafter --region 120116001 --department "$sender"
user other-drafter drafter --region 120116 --department 12011641700000
user approver-a approver --region 120116 --department "$sender"
user approver-b approver --region 12 --department "$sender"
user registry registry --region 120116
user city-registry registry --region 12
user viewer viewer
user admin admin
user feed drafter --region 120116 --department "$sender"
for u in county-drafter town-drafter approver-a registry city-registry viewer admin; do
	expect "$u's first token is the last line of stdout" grep -qE '^tct_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$' "$tmp/$u.token"
done

printf '[tocsind]\nbroker = none\nspool_user = feed\nspool_interval_ms = 200\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$data" --http 127.0.0.1:0 --spool "$tmp/spool" 2>>"$tmp/log" &
pid=$!
url=$(server_url "$data")
expect "server up" curl -sf "$url/healthz"

# registry: 3 loudspeakers in the district, one in another district
printf 'id,kind,name,lat,lon,region\nrx-1,loudspeaker,A,39.00,117.70,120116001001\nrx-2,loudspeaker,B,39.05,117.75,120116001002\nrx-3,loudspeaker,C,39.10,117.80,120116002001\n' >"$tmp/rx.csv"
printf 'id,kind,name,lat,lon,region\nrx-9,loudspeaker,Z,39.10,117.20,120105001001\n' >"$tmp/other.csv"
check "registry imports its district" 200 "$(as registry -H 'Content-Type: text/csv' --data-binary @"$tmp/rx.csv" "$url/api/v1/receivers")"
check "…not another district's" 422 "$(as registry -H 'Content-Type: text/csv' --data-binary @"$tmp/other.csv" "$url/api/v1/receivers")"
expect "…naming the line and the region" jq -e '.errors[0].message | test("line 2: region 120105001001 is outside")' "$tmp/out.json"
check "a drafter cannot import" 403 "$(as county-drafter -H 'Content-Type: text/csv' --data-binary @"$tmp/rx.csv" "$url/api/v1/receivers")"
# what a registry clerk reads is its regions' too: another district's loudspeaker and officer are
# not in its exports (nor in provisioning, below)
check "the city's registry imports the other district's" 200 "$(as city-registry -H 'Content-Type: text/csv' --data-binary @"$tmp/other.csv" "$url/api/v1/receivers")"
printf 'phone,name,role,region\n13800138001,甲,信息员,120116001001\n13800138002,乙,信息员,120105001001\n' >"$tmp/people.csv"
check "…and officers of both districts" 200 "$(as city-registry -H 'Content-Type: text/csv' --data-binary @"$tmp/people.csv" "$url/api/v1/contacts")"
check "the district's registry reads its receivers" 200 "$(as registry "$url/api/v1/receivers")"
check "…not the other district's" "rx-1 rx-2 rx-3" "$(jq -r 'map(.id) | sort | join(" ")' "$tmp/out.json")"
check "…as CSV too" 3 "$(as registry "$url/api/v1/receivers?format=csv" >/dev/null; tail -n +2 "$tmp/out.json" | wc -l)"
check "…its officers only" 200 "$(as registry "$url/api/v1/contacts")"
check "…one" "+8613800138001" "$(jq -r 'map(.phone) | join(" ")' "$tmp/out.json")"
check "the city's registry reads all" 4 "$(as city-registry "$url/api/v1/receivers" >/dev/null; jq length "$tmp/out.json")"

# --- no credentials, bad ones, the wrong method, the wrong type, a foreign page ----------------
alert cn-typhoon-orange.xml 1 >"$tmp/t1.xml"
check "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
check "a made-up token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tct_0000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' "$url/api/v1/alerts")"
check "reading needs credentials too" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/alerts")"
check "…and metrics" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")"
check "healthz needs none" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")"
check "text/plain CAP refused (a form on another site could send it)" 415 \
	"$(as county-drafter -H 'Content-Type: text/plain' --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
check "a foreign Origin refused" 403 \
	"$(as county-drafter "${cap[@]}" -H 'Origin: http://evil.example' --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
check "a foreign Host refused (DNS rebinding)" 403 \
	"$(as county-drafter "${cap[@]}" -H 'Host: evil.example' --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
check "the issue's attack: text/plain from evil.example, no credentials" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' \
		-H 'Host: evil.example' --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
check "a wrong method: 405" 405 "$(as viewer -X PUT "$url/api/v1/alerts")"
check "a made-up method that is part of a right one: 405, not a submission" 405 \
	"$(as county-drafter -X ET "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
expect "…with Allow" bash -c "curl -s -D - -o /dev/null -X DELETE -H 'Authorization: Bearer $(cat "$tmp/viewer.token")' '$url/api/v1/alerts' | grep -qi '^Allow: GET, POST'"
check "nothing was stored by the refusals" 0 "$(as viewer "$url/api/v1/alerts" >/dev/null; jq '.alerts | length' "$tmp/out.json")"

# --- roles --------------------------------------------------------------------------------
check "a viewer reads alerts" 200 "$(as viewer "$url/api/v1/alerts")"
check "a viewer reads receivers" 200 "$(as viewer "$url/api/v1/receivers")"
check "a viewer does not read phone numbers" 403 "$(as viewer "$url/api/v1/contacts")"
check "a viewer cannot submit" 403 "$(as viewer "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
expect "…told which role and what" jq -e '.errors[0].message == "user viewer (viewer) may not submit"' "$tmp/out.json"
check "a viewer cannot read device secrets" 403 "$(as viewer "$url/api/v1/provision")"
check "a drafter cannot read the audit trail" 403 "$(as county-drafter "$url/api/v1/audit")"
check "an admin reads it" 200 "$(as admin "$url/api/v1/audit")"
check "an admin cannot submit" 403 "$(as admin "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
check "an admin lists users" 200 "$(as admin "$url/api/v1/users")"
expect "…without secrets" bash -c "! grep -qiE 'password\":\"|tct_|argon' '$tmp/out.json'"
check "registry provisions its receivers" 200 "$(as registry "$url/api/v1/provision")"
check "…only those in its regions" 3 "$(jq '.receivers | length' "$tmp/out.json")"
check "a whoami" 200 "$(as town-drafter "$url/api/v1/whoami")"
expect "…names the role and regions" jq -e '.role == "drafter" and .regions == ["120116001"]' "$tmp/out.json"

# --- regions and departments ----------------------------------------------------------------
check "a town drafter cannot warn the district" 403 "$(as town-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
expect "…the area named" jq -e '.errors[0].code == "auth.region" and (.errors[0].message | test("area .天津市滨海新区沿海区域. names region 120116, outside the regions of user town-drafter"))' "$tmp/out.json"
sed -e 's|<polygon>[^<]*</polygon>|<circle>39.05,117.75 8</circle>|' -e 's|<value>120116</value>|<value>120116001</value>|' "$tmp/t1.xml" >"$tmp/circle.xml"
check "a town drafter's circle that reaches another town" 403 "$(as town-drafter "${cap[@]}" --data-binary @"$tmp/circle.xml" "$url/api/v1/alerts")"
expect "…names the receiver outside" jq -e '.errors[0].message | test("reaches receiver rx-3 in region 120116002001")' "$tmp/out.json"
check "another department's drafter" 403 "$(as other-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
expect "…the sender named" jq -e '.errors[0].code == "auth.department"' "$tmp/out.json"

# --- a check before sending (the console's): every rule and the plan, nothing kept ------------
audit_rows=$(store_sql "$data" "SELECT count(*) FROM audit")
alerts_before=$(store_sql "$data" "SELECT count(*) FROM alerts")
check "a drafter checks an alert" 200 "$(as county-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/check")"
check "…valid, to be held for approval, reaching its receivers by village" \
	'true true 3 [{"region":"120116001001","receivers":1},{"region":"120116001002","receivers":1},{"region":"120116002001","receivers":1}]' \
	"$(jq -c '"\(.valid) \(.held) \(.targets) \(.regions)"' -r "$tmp/out.json")"
check "…and naming each receiver it reaches (the console's map)" '["rx-1","rx-2","rx-3"]' "$(jq -c '.receivers | sort' "$tmp/out.json")"
check "…nothing stored" "$alerts_before" "$(store_sql "$data" "SELECT count(*) FROM alerts")"
check "…nothing audited" "$audit_rows" "$(store_sql "$data" "SELECT count(*) FROM audit")"
check "the town drafter's check says what a submission would" 422 \
	"$(as town-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/check")"
expect "…the area outside named" jq -e '.valid == false and .errors[0].code == "auth.region"' "$tmp/out.json"
sed 's|<msgType>Alert</msgType>|<msgType>Alarm</msgType>|' "$tmp/t1.xml" >"$tmp/wrong.xml"
check "a check of a wrong message type" 422 "$(as county-drafter "${cap[@]}" --data-binary @"$tmp/wrong.xml" "$url/api/v1/alerts/check")"
expect "…every error with its place" jq -e '.valid == false and (.errors | length) >= 1 and (.errors[0].path | length) > 0' "$tmp/out.json"
check "a viewer may not check" 403 "$(as viewer "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts/check")"
check "…nor GET it" 405 "$(as county-drafter "$url/api/v1/alerts/check")"

# --- two-person release -----------------------------------------------------------------------
check "a drafter's Actual alert is held" 202 "$(as county-drafter "${cap[@]}" --data-binary @"$tmp/t1.xml" "$url/api/v1/alerts")"
id=$(jq -r .id "$tmp/out.json")
check "…pending approval" pending-approval "$(jq -r .state "$tmp/out.json")"
check "…its targets counted" 3 "$(jq -r .targets "$tmp/out.json")"
st=$(TOCSIN_TOKEN=$(cat "$tmp/viewer.token") "$tocsin" status "$id" --json --server "$url")
check "status shows pending-approval" pending-approval "$(jq -r .state <<<"$st")"
check "nothing planned while held" 0 "$(jq -r .targets <<<"$st")"
check "the approvals queue shows it" "$id" "$(TOCSIN_TOKEN=$(cat "$tmp/approver-a.token") "$tocsin" approvals --json --server "$url" | jq -r '.pending[0].id')"
check "a drafter cannot approve" 403 "$(as county-drafter -X POST "$url/api/v1/alerts/$id/approve")"
check "an approver of another department cannot" 403 \
	"$(user approver-x approver --region 120116 --department 12011641700000; as approver-x -X POST "$url/api/v1/alerts/$id/approve")"
TOCSIN_TOKEN=$(cat "$tmp/approver-a.token") "$tocsin" approve "$id" --server "$url" >"$tmp/approved.txt" 2>&1
check "another person approves" 0 $?
expect "…said" grep -q "$id approved by approver-a, 3 receivers" "$tmp/approved.txt"
check "now planned" planned "$(TOCSIN_TOKEN=$(cat "$tmp/viewer.token") "$tocsin" status "$id" --json --server "$url" | jq -r .state)"
check "approving twice: 409" 409 "$(as approver-b -X POST "$url/api/v1/alerts/$id/approve")"

# the approver's own alert: not without the urgent path, and that only with a typed reason
alert cn-typhoon-orange.xml 2 >"$tmp/t2.xml"
as approver-a "${cap[@]}" --data-binary @"$tmp/t2.xml" "$url/api/v1/alerts" >/dev/null
own=$(jq -r .id "$tmp/out.json")
check "an approver's own alert is held too" pending-approval "$(jq -r .state "$tmp/out.json")"
TOCSIN_TOKEN=$(cat "$tmp/approver-a.token") "$tocsin" approve "$own" --server "$url" 2>"$tmp/err"
check "its author cannot approve it" 1 $?
expect "…told why" grep -q "approver-a wrote alert $own and cannot approve it" "$tmp/err"
check "the urgent path needs a typed reason" 422 "$(as approver-a -H 'Content-Type: application/json' -d '{"urgent":true,"reason":"now"}' "$url/api/v1/alerts/$own/approve")"
TOCSIN_TOKEN=$(cat "$tmp/approver-a.token") "$tocsin" approve "$own" --urgent --reason "typhoon landfall in 20 minutes, approver-b unreachable" --server "$url" >"$tmp/urgent.txt"
check "the urgent path releases it" 0 $?
expect "…flagged" grep -q "(urgent path)" "$tmp/urgent.txt"

# rejection
alert cn-typhoon-orange.xml 3 >"$tmp/t3.xml"
as county-drafter "${cap[@]}" --data-binary @"$tmp/t3.xml" "$url/api/v1/alerts" >/dev/null
bad=$(jq -r .id "$tmp/out.json")
TOCSIN_TOKEN=$(cat "$tmp/approver-b.token") "$tocsin" reject "$bad" --server "$url" 2>/dev/null
check "a rejection needs a reason" 2 $?
TOCSIN_TOKEN=$(cat "$tmp/approver-b.token") "$tocsin" reject "$bad" --reason "wrong district in the headline" --server "$url" >/dev/null
check "rejected with a reason" 0 $?
as viewer "$url/api/v1/alerts/$bad" >/dev/null
check "…rejected for good" rejected "$(jq -r .state "$tmp/out.json")"
check "…the reason kept for its author" "wrong district in the headline" "$(jq -r .approval.reason "$tmp/out.json")"
check "a rejected alert cannot be approved" 409 "$(as approver-a -X POST "$url/api/v1/alerts/$bad/approve")"

# Exercise goes straight through (approval_required = Actual)
alert cn-rainstorm-blue-exercise.xml 4 >"$tmp/ex.xml"
check "an Exercise needs no approval" 201 "$(as county-drafter "${cap[@]}" --data-binary @"$tmp/ex.xml" "$url/api/v1/alerts")"

# --- browser sessions ---------------------------------------------------------------------------
printf 'correct horse battery\n' >"$tmp/pw"
"$tocsin" user password approver-b --password-file "$tmp/pw" --data-dir "$data" 2>/dev/null
check "a password set" 0 $?
code=$(curl -s -c "$tmp/jar" -o "$tmp/login.json" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"name":"approver-b","password":"correct horse battery"}' "$url/api/v1/login")
check "sign in" 200 "$code"
csrf=$(jq -r .csrf "$tmp/login.json")
expect "the cookie is HttpOnly and SameSite=Strict" bash -c "curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{\"name\":\"approver-b\",\"password\":\"correct horse battery\"}' '$url/api/v1/login' | grep -i '^Set-Cookie: tocsin_session=' | grep -i 'HttpOnly' | grep -qi 'SameSite=Strict'"
check "the session reads" 200 "$(curl -s -b "$tmp/jar" -o /dev/null -w '%{http_code}' "$url/api/v1/approvals")"
alert cn-typhoon-orange.xml 5 >"$tmp/t5.xml"
as county-drafter "${cap[@]}" --data-binary @"$tmp/t5.xml" "$url/api/v1/alerts" >/dev/null
five=$(jq -r .id "$tmp/out.json")
check "a change without the CSRF token: 403 (a forged form)" 403 \
	"$(curl -s -b "$tmp/jar" -o "$tmp/out.json" -w '%{http_code}' -X POST "$url/api/v1/alerts/$five/approve")"
expect "…named" jq -e '.errors[0].code == "auth.csrf"' "$tmp/out.json"
check "with it" 200 "$(curl -s -b "$tmp/jar" -o /dev/null -w '%{http_code}' -X POST -H "X-CSRF-Token: $csrf" "$url/api/v1/alerts/$five/approve")"
curl -s -b "$tmp/jar" -o /dev/null -X POST -H "X-CSRF-Token: $csrf" "$url/api/v1/logout"
check "signed out: the session is gone" 401 "$(curl -s -b "$tmp/jar" -o /dev/null -w '%{http_code}' "$url/api/v1/approvals")"
# a name nobody has is answered as one that exists: wrong five times, then a wait, and as fast
# (so that locking names out cannot tell which exist)
# tries NAME: wrong passwords until the name waits (at most 12); the answers, "CODE:SECONDS ..."
tries() {
	local i code all=
	for i in $(seq 12); do
		code=$(curl -s -o "$tmp/out.json" -w '%{http_code}:%{time_total}' -H 'Content-Type: application/json' \
			-d '{"name":"'"$1"'","password":"guess'$i'"}' "$url/api/v1/login")
		all="$all $code"
		[ "${code%%:*}" = 429 ] && break
	done
	echo "$all"
}
# how the answers go: the wrong ones before the wait (5, or 6 or 7 when the 1 s wait ended
# between two tries), then the wait
shape() { local n; n=$(echo "$1" | grep -o '401:' | wc -l); [ "$n" -ge 5 ] && [ "$n" -le 7 ] && echo "5-7 wrong,${1##* }" | sed 's/:.*//'; }
unknown=$(tries nobody-here)
expect "…the wait for an unknown name is said as for an account" jq -e '.errors[0].message | test("for this account")' "$tmp/out.json"
check "a right sign-in (clears the address's count)" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"name":"approver-b","password":"correct horse battery"}' "$url/api/v1/login")"
# wrong passwords until the account waits (the 5th starts a wait of 1 s, each one past it doubles
# it), then at once the right one: it waits too
known=$(tries approver-b)
check "wrong passwords make the account wait" "5-7 wrong,429" "$(shape "$known")"
check "a name nobody has gets the same answers as an account" "5-7 wrong,429" "$(shape "$unknown")"
# the waits' answers come before any password is looked at: no slower for one than the other
expect "…and the wait comes as fast for both (${unknown##* }, ${known##* })" \
	awk -v a="${unknown##*:}" -v b="${known##*:}" 'BEGIN { d = a - b; exit !(d < 0.05 && d > -0.05) }'
# a wait of whole seconds may end at once: more wrong ones (after each wait) until it is 4 s or more
for i in $(seq 8); do
	code=$(curl -s -D "$tmp/h" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"name":"approver-b","password":"more'$i'"}' "$url/api/v1/login")
	wait_s=$(awk 'tolower($1) == "retry-after:" { print $2 + 0 }' "$tmp/h")
	[ "$code" = 429 ] && [ "${wait_s:-0}" -ge 4 ] && break
	[ "$code" = 429 ] && sleep "$wait_s"
done
code=$(curl -s -D "$tmp/h" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"name":"approver-b","password":"correct horse battery"}' "$url/api/v1/login")
check "…even for the right one" 429 "$code"
# names guessed from one address: after ten failures the address waits, whatever the name
for i in $(seq 15); do
	code=$(curl -s -o "$tmp/out.json" -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"name":"guess-'$i'","password":"wrong password '$i'"}' "$url/api/v1/login")
	[ "$code" = 429 ] && break
done
check "guessing names from one address makes the address wait" 429 "$code"
expect "…said so" jq -e '.errors[0].message | test("from this address")' "$tmp/out.json"
expect "…with Retry-After" grep -qi '^Retry-After: [0-9]' "$tmp/h"

# --- tokens end -----------------------------------------------------------------------------------
"$tocsin" user revoke viewer --data-dir "$data" 2>/dev/null
check "a revoked token: 401 at once" 401 "$(as viewer "$url/api/v1/alerts")"
expect "…named revoked" jq -e '.errors[0].message | test("revoked")' "$tmp/out.json"
store_sql "$data" "UPDATE tokens SET expires_at = 1 WHERE username = 'registry'"
check "an expired token: 401" 401 "$(as registry "$url/api/v1/receivers")"
expect "…named expired" jq -e '.errors[0].message | test("expired")' "$tmp/out.json"

# --- the spool is its user ---------------------------------------------------------------------------
# written beside the folder, then renamed into it, as the spool wants (a half-written file is not an alert)
alert cn-typhoon-orange.xml 6 >"$tmp/t6.xml" && mv "$tmp/t6.xml" "$tmp/spool/t6.xml"
wait_until 30 test -e "$tmp/spool/done/t6.xml"
check "a spool file is accepted" 0 $?
as approver-a "$url/api/v1/approvals" >/dev/null
check "…held, by the spool's user" feed "$(jq -r '.pending[] | select(.text | length > 0) | .author' "$tmp/out.json" | head -1)"
sed 's/<value>120116<\/value>/<value>120105<\/value>/' "$tmp/spool/done/t6.xml" | sed 's/_6</_7</' >"$tmp/t7.xml"
mv "$tmp/t7.xml" "$tmp/spool/t7.xml"
wait_until 30 test -e "$tmp/spool/failed/t7.xml"
check "a spool file outside the user's regions is refused" 0 $?
# the reason is written beside it just after the move
expect "…with the reason" wait_until 10 grep -q "names region 120105, outside the regions of user feed" "$tmp/spool/failed/t7.xml.reason.txt"

as approver-a "$url/metrics" >/dev/null
expect "refusals counted in /metrics" bash -c "grep -qE '^tocsin_http_denied_total\{status=\"401\"\} [1-9]' '$tmp/out.json' && grep -qE '^tocsin_http_denied_total\{status=\"403\"\} [1-9]' '$tmp/out.json'"

# --- the audit trail ------------------------------------------------------------------------------
kill -HUP "$pid" # a key reload (after `tocsin key rotate`) is a row too
wait_until 10 grep -q "reload: sealing with key" "$tmp/log"
kill "$pid"
wait "$pid"
pid=
"$tocsin" audit verify --data-dir "$data" >"$tmp/verify.txt"
check "the audit chain holds" 0 $?
"$tocsin" audit export --data-dir "$data" >"$tmp/audit.jsonl" 2>/dev/null
expect "submission by its user, role and address" jq -se 'map(select(.action == "submitted" and .username == "county-drafter" and .role == "drafter" and .source == "127.0.0.1" and (.body_sha256 | length) == 64)) | length >= 3' "$tmp/audit.jsonl"
expect "the approval" jq -se "map(select(.action == \"approve\" and .alert_id == \"$id\" and .username == \"approver-a\")) | length == 1" "$tmp/audit.jsonl"
expect "the urgent path flagged with its reason" jq -se "map(select(.action == \"approve-urgent\" and .alert_id == \"$own\" and (.detail | test(\"landfall\")))) | length == 1" "$tmp/audit.jsonl"
expect "the rejection" jq -se "map(select(.action == \"reject\" and .alert_id == \"$bad\")) | length == 1" "$tmp/audit.jsonl"
expect "failed sign-ins" jq -se 'map(select(.action == "login-failed" and .object == "approver-b")) | length >= 5' "$tmp/audit.jsonl"
expect "locked ones" jq -se 'map(select(.action == "login-locked" and .object == "approver-b")) | length >= 1' "$tmp/audit.jsonl"
expect "user changes" jq -se 'map(select(.action == "user-add")) | length >= 9' "$tmp/audit.jsonl"
expect "the configuration it started with, by its hash" jq -se "map(select(.action == \"config\" and .object == \"$tmp/tocsind.conf\" and .body_sha256 == \"$(sha256sum "$tmp/tocsind.conf" | cut -c1-64)\")) | length == 1" "$tmp/audit.jsonl"
expect "the key reload" jq -se 'map(select(.action == "key-reload" and (.object | length) > 0)) | length == 1' "$tmp/audit.jsonl"
expect "provisioning, by whom" jq -se 'map(select(.action == "provision" and .username == "registry")) | length >= 1' "$tmp/audit.jsonl"
expect "the import" jq -se 'map(select(.action == "import" and .username == "registry" and .object == "receivers")) | length == 1' "$tmp/audit.jsonl"
expect "no password or token in the trail" bash -c "! grep -qE 'correct horse|tct_[0-9a-f]{16}_' '$tmp/audit.jsonl'"
row=$(jq -s -r "map(select(.action == \"approve\" and .alert_id == \"$id\"))[0].id" "$tmp/audit.jsonl")
store_sql "$data" "UPDATE audit SET username = 'someone-else' WHERE id = $row"
"$tocsin" audit verify --data-dir "$data" >"$tmp/verify.txt" 2>&1
check "an edited row breaks the chain" 1 $?
expect "…and is named" grep -q "row $row" "$tmp/verify.txt"

finish
