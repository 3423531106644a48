#!/usr/bin/env bash
# tocsind_ingest.sh — the server as operators use it: start, submit through
# the CLI and the HTTP API, duplicates, refusals with reasons, the alert kept
# byte for byte, kill -9 and restart without losing it, clean SIGTERM.
# Usage: tocsind_ingest.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
examples=$3
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; store_drop; rm -rf "$tmp"; }
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

# start tocsind on a free loopback port; sets pid and url. Its staff (lib.sh) are made on the
# first start; the spool submits as the drafter; alerts go out without a second person (this
# script is about ingest; staff.sh is about approval).
start() {
	[ -s "$tmp/token.approver" ] || staff "$tmp/data"
	rm -f "$tmp/data/http.addr"
	printf '[tocsind]\nhttp = 127.0.0.1:8080\nspool_interval_ms = 200\nbroker = none\nspool_user = t-drafter\napproval_required = none\n' \
		>"$tmp/tocsind.conf"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 --spool "$tmp/spool" \
		2>>"$tmp/log" &
	pid=$!
	url=$(server_url "$tmp/data")
}

cap=(-H 'Content-Type: application/cap+xml') # what the API takes a CAP alert as

# Alerts a year ahead of the examples, so none is expired.
sed 's/2026-/2027-/g' "$examples/cn-typhoon-orange.xml" >"$tmp/typhoon.xml"
sed 's/2026-/2027-/g' "$examples/cn-lightning-yellow.xml" >"$tmp/lightning.xml"

start
expect "server up" curl -sf "$url/healthz"
expect "keys made" test -s "$tmp/data/signing.pub"
expect "secret key private" test "$(stat -c %a "$tmp/data/signing.key")" = 600
if ! on_postgresql; then # the database's files are SQLite's only (a PostgreSQL store's are the server's)
	expect "database private (it holds phone numbers)" test "$(stat -c %a "$tmp/data/tocsin.db")" = 600
	expect "its WAL too" test "$(stat -c %a "$tmp/data/tocsin.db-wal")" = 600
fi

# Secrets are never echoed: not by --print-config, not in an error about them.
printf '[tocsind]\nsmpp_password = pw4x9q\nkannel_password = kp7z2w\n' >"$tmp/secret.conf"
chmod 644 "$tmp/secret.conf"
"$tocsind" --config "$tmp/secret.conf" --data-dir "$tmp/other" --http nonsense 2>"$tmp/err"
expect "a configuration holding a password, open to others, is named" \
	grep -q "secret.conf holds a password and is mode 644, open to other users; make it 0600" "$tmp/err"
expect "--print-config shows no secret of the file" \
	bash -c "! '$tocsind' --config '$tmp/secret.conf' --print-config | grep -qE 'pw4x9q|kp7z2w'"
"$tocsind" --data-dir "$tmp/other" --smpp-password 'toolong-pw4x9q' 2>"$tmp/err"
check "a bad password refused" 2 $?
expect "named without echoing it" grep -q "smpp_password = '(hidden)'" "$tmp/err"
expect "not echoed" bash -c "! grep -q pw4x9q '$tmp/err'"
"$tocsind" --data-dir "$tmp/other" --smpp-password-file "$tmp/nonexistent" 2>"$tmp/err"
check "a missing password file refused" 2 $?
expect "named" grep -q "cannot read the secret file $tmp/nonexistent" "$tmp/err"

id=$("$tocsin" submit "$tmp/typhoon.xml" --server "$url")
check "submit exit" 0 $?
expect "id is 16 hex digits" grep -qxE '[0-9a-f]{16}' <<<"$id"
again=$("$tocsin" submit "$tmp/typhoon.xml" --server "$url" 2>/dev/null)
check "duplicate answered with the same id" "$id" "$again"
code=$(api approver -s -o "$tmp/dup.json" -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/typhoon.xml" "$url/api/v1/alerts")
check "duplicate is HTTP 200" 200 "$code"
expect "duplicate flagged" jq -e '.duplicate == true' "$tmp/dup.json"

code=$(api approver -s -o "$tmp/new.json" -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/lightning.xml" "$url/api/v1/alerts")
check "new alert is HTTP 201" 201 "$code"
expect "201 body" jq -e '(.id|length) == 16 and .targets == 0 and (.channels|type) == "array"' "$tmp/new.json"

"$tocsin" submit "$examples/cn-rainstorm-red.xml" --server "$url" 2>"$tmp/err"
check "expired alert refused" 1 $?
expect "reason named" grep -q ingest.expired "$tmp/err"
code=$(api approver -s -o "$tmp/bad.json" -w '%{http_code}' "${cap[@]}" --data-binary 'not xml at all' "$url/api/v1/alerts")
check "unreadable XML is 400" 400 "$code"
expect "400 names the fault" jq -e '.errors[0].code == "xml.syntax"' "$tmp/bad.json"
sed 's|<severity>Severe</severity>|<severity>Observed</severity>|' "$tmp/typhoon.xml" >"$tmp/invalid.xml"
code=$(api approver -s -o "$tmp/inv.json" -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/invalid.xml" "$url/api/v1/alerts")
check "invalid alert is 422" 422 "$code"
expect "422 names element and rule" jq -e '.errors[0].code == "xsd.enumeration" and (.errors[0].path|contains("severity"))' "$tmp/inv.json"

api viewer -s "$url/api/v1/alerts/$id" >"$tmp/one.json"
expect "alert record" jq -e --arg id "$id" '.id == $id and .state == "planned" and .msgType == "Alert" and .targets == 0' "$tmp/one.json"
api viewer -s "$url/api/v1/alerts/$id/cap" >"$tmp/back.xml"
expect "original bytes kept" cmp "$tmp/typhoon.xml" "$tmp/back.xml"
expect "list" jq -e '(.alerts|length) == 2' <(api viewer -s "$url/api/v1/alerts")
code=$(api viewer -s -o /dev/null -w '%{http_code}' "$url/api/v1/alerts/0123456789abcdef")
check "unknown alert 404" 404 "$code"

# The registry: all rows or none, bad rows named by line.
printf 'id,kind,name,lat,lon,region\nrx-1,loudspeaker,郭庄子村,38.9,117.6,120116105201\nrx-2,signage,塘沽避难场所,39.0,117.65,120116001\n' >"$tmp/rx.csv"
out=$("$tocsin" import receivers "$tmp/rx.csv" --server "$url")
check "import receivers" 0 $?
check "import count" "2 receivers imported (2 in all)" "$out"
printf 'id,kind,name,lat,lon,region\nrx-3,loudspeaker,A,38.9,117.6,120116\nrx-4,siren,B,38.9,117.6,120116\n' >"$tmp/bad.csv"
"$tocsin" import receivers "$tmp/bad.csv" --server "$url" 2>"$tmp/err"
check "bad registry refused" 1 $?
expect "bad row named by line" grep -q "line 3: kind 'siren'" "$tmp/err"
"$tocsin" export receivers --csv --server "$url" >"$tmp/export.csv"
expect "nothing half-imported" bash -c "! grep -q rx-3 '$tmp/export.csv'"
expect "export has the rows" grep -q "^rx-2,signage,塘沽避难场所,39,117.65,120116001," "$tmp/export.csv"
printf '[{"phone":"138 0013 8000","name":"张三","role":"信息员","region":"120116105201"}]' >"$tmp/c.json"
"$tocsin" import contacts "$tmp/c.json" --server "$url" >/dev/null
check "import contacts JSON" 0 $?
expect "phone stored in E.164" jq -e '.[0].phone == "+8613800138000"' <("$tocsin" export contacts --server "$url")

# Planning: an alert for county 120116 reaches both registered receivers.
sed 's/2026-/2027-/g' "$examples/cn-storm-surge-yellow.xml" >"$tmp/surge.xml"
api approver -s "${cap[@]}" --data-binary @"$tmp/surge.xml" "$url/api/v1/alerts" >"$tmp/surge.json"
expect "targets planned" jq -e '.targets == 2 and .channels == ["mqtt"]' "$tmp/surge.json"
surge=$(jq -r .id "$tmp/surge.json")
expect "deliveries planned" jq -e '.state == "planned" and .counts.planned == 2 and .targets == 2' \
	<(api viewer -s "$url/api/v1/alerts/$surge")
expect "deliveries list" jq -e '(.deliveries|length) == 2 and .deliveries[0].target == "rx-1" and
	.deliveries[0].state == "planned" and .deliveries[0].channel == "mqtt" and .deliveries[1].region == "120116001"' \
	<(api viewer -s "$url/api/v1/alerts/$surge/deliveries")
expect "deliveries by state" jq -e '(.deliveries|length) == 0' <(api viewer -s "$url/api/v1/alerts/$surge/deliveries?state=played")
expect "report per county" jq -e '.targets == 2 and .covered == 0 and .coverage == 0 and
	.regions[0].region == "120116" and .regions[0].targets == 2' <(api viewer -s "$url/api/v1/alerts/$surge/report")
"$tocsin" status "$surge" --json --server "$url" >"$tmp/status.json"
check "status exit" 0 $?
expect "status json" jq -e --arg id "$surge" '.id == $id and .state == "planned" and .targets == 2 and
	.counts.planned == 2 and .counts.played == 0 and (.counts|keys|length) == 10 and .coverage == 0' "$tmp/status.json"
expect "status text" grep -q "2 targets, coverage 0.0 %" <("$tocsin" status "$surge" --server "$url")
"$tocsin" status 0123456789abcdef --server "$url" 2>/dev/null
check "status of an unknown alert" 1 $?

# Update supersedes the alert it references; Cancel ends it and reaches every receiver the original did.
sed 's/2026-/2027-/g' "$examples/cn-typhoon-red-update.xml" >"$tmp/update.xml"
sed 's/2026-/2027-/g' "$examples/cn-typhoon-cancel.xml" >"$tmp/cancel.xml"
update=$("$tocsin" submit "$tmp/update.xml" --server "$url")
expect "update planned" jq -e '.targets == 2' <(api viewer -s "$url/api/v1/alerts/$update")
expect "original superseded" jq -e '.state == "superseded"' <(api viewer -s "$url/api/v1/alerts/$id")
# A Cancel from another sender that references them is refused, and nothing changes.
sed -e 's|<sender>12011641600000</sender>|<sender>12011700000000</sender>|' \
	-e 's|<identifier>12011641600000_|<identifier>12011700000000_|' "$tmp/cancel.xml" >"$tmp/foreign.xml"
code=$(api approver -s -o "$tmp/foreign.json" -w '%{http_code}' "${cap[@]}" --data-binary @"$tmp/foreign.xml" "$url/api/v1/alerts")
check "foreign cancel is 422" 422 "$code"
expect "422 names the reference and both senders" jq -e '.errors[0].code == "ingest.reference-foreign" and
	(.errors[0].message | contains("sender 12011700000000") and contains("12011641600000,12011641600000_") and
	contains("alert of sender 12011641600000"))' "$tmp/foreign.json"
expect "the update still active, its deliveries still planned" jq -e '.state == "planned" and .counts.planned == 2' \
	<(api viewer -s "$url/api/v1/alerts/$update")
expect "the foreign cancel not kept" jq -e '[.alerts[] | select(.sender == "12011700000000")] | length == 0' \
	<(api viewer -s "$url/api/v1/alerts")
cancel=$("$tocsin" submit "$tmp/cancel.xml" --server "$url")
expect "update cancelled, its open deliveries too" jq -e '.state == "cancelled" and .counts.cancelled == 2 and .counts.planned == 0' \
	<(api viewer -s "$url/api/v1/alerts/$update")
expect "cancel reaches the receivers" jq -e '.targets == 2 and .msgType == "Cancel"' <(api viewer -s "$url/api/v1/alerts/$cancel")
out=$("$tocsin" cancel "$surge" --server "$url")
check "operator cancel" "$surge cancelled, 2 open deliveries cancelled" "$out"
expect "cancel is idempotent" grep -q "cancelled, 0 open" <("$tocsin" cancel "$surge" --server "$url")
"$tocsin" cancel 0123456789abcdef --server "$url" 2>/dev/null
check "cancel of an unknown alert" 1 $?

# The spool folder: accepted files go to done/, refused ones to failed/ with the reason.
sed 's/2026-/2028-/g' "$examples/cn-lightning-yellow.xml" >"$tmp/spool/.lightning.xml"
mv "$tmp/spool/.lightning.xml" "$tmp/spool/lightning.xml"
printf '<alert>broken' >"$tmp/spool/.broken.xml"
mv "$tmp/spool/.broken.xml" "$tmp/spool/broken.xml"
cp "$tmp/foreign.xml" "$tmp/spool/.foreign.xml"
mv "$tmp/spool/.foreign.xml" "$tmp/spool/foreign.xml"
for _ in $(seq 50); do
	[ -e "$tmp/spool/done/lightning.xml" ] && [ -e "$tmp/spool/failed/broken.xml.reason.txt" ] &&
		[ -e "$tmp/spool/failed/foreign.xml.reason.txt" ] && break
	sleep 0.1
done
expect "a foreign Cancel in the spool refused, with the reason" \
	grep -q ingest.reference-foreign "$tmp/spool/failed/foreign.xml.reason.txt"
expect "spooled alert accepted" test -e "$tmp/spool/done/lightning.xml"
expect "spooled garbage refused" test -e "$tmp/spool/failed/broken.xml"
expect "refusal reason written" grep -q xml.syntax "$tmp/spool/failed/broken.xml.reason.txt"
expect "spool emptied" test -z "$(find "$tmp/spool" -maxdepth 1 -type f)"
expect "spooled alert stored" jq -e '(.alerts|length) == 6' <(api viewer -s "$url/api/v1/alerts")

# Metrics in the Prometheus text format.
api viewer -s "$url/metrics" >"$tmp/metrics"
expect "metrics alerts" grep -qx 'tocsin_alerts{state="cancelled"} 3' "$tmp/metrics"
expect "metrics deliveries" grep -qx 'tocsin_deliveries{state="cancelled"} 4' "$tmp/metrics"
expect "metrics registry" grep -qx 'tocsin_registry{kind="receivers"} 2' "$tmp/metrics"

# kill -9, restart: everything accepted is still there.
kill -9 "$pid"
wait "$pid" 2>/dev/null
start
api viewer -s "$url/api/v1/alerts/$id/cap" >"$tmp/back2.xml"
expect "durable across kill -9" cmp "$tmp/typhoon.xml" "$tmp/back2.xml"
expect "registry durable too" grep -q rx-1 <("$tocsin" export receivers --csv --server "$url")

kill -TERM "$pid"
wait "$pid"
check "clean stop exit status" 0 $?
pid=
expect "stop logged" grep -q stopping "$tmp/log"
check_log "$tmp/log"

finish
