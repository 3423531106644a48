#!/usr/bin/env bash
# attacks.sh — the attacks on the device network, against the broker exactly as an operator
# sets it up (tocsin broker setup, mosquitto -c BROKER_DIR/mosquitto.conf), tocsind on
# mqtts:// with the SMSC simulator, tocsin-sim receivers with their provisioned credentials
# and one real tocsin-receiver with nothing but its provisioned file.
#
# Binhai: loudspeakers ta-00000..02 (sim), ta-00003 (registered, never online: the victim),
# r-d (tocsin-receiver), st-1 (registered; the attacker holds its credentials, as if the
# device had been stolen) and later tl-00000; Shanghai: ts-00000..01. Each attack is
# followed by its outcome: refused by the broker or ignored, coverage unchanged, nothing
# played, the genuine alert still complete.
#  1. forged `played` for the victim with st-1's credentials and anonymously;
#  2. forged `rejected` and `online` for the victim with st-1's credentials;
#  3. empty and garbage retained messages on the alert's region topic, with st-1's credentials;
#  4. a genuine sealed alert replayed on Shanghai's topics, and on Binhai's under another alert
#     id, with tocsind's stolen password;
#  5. an alert with a short <expires> replayed after it passed, to a receiver that never saw it;
#  6. an alert without <expires>: its payload carries expires_at, the receivers end it then;
#  7. session take-over of a sim receiver and of the real receiver: both stay connected;
#  8. an import with `#` and `+` ids: refused with the line, nothing imported;
#  9. signing.pub deleted: tocsind comes back with the same key id, receivers take new alerts;
# 10. a Cancel of another sender for the live alert: 422 ingest.reference-foreign;
# 11. an SMS reply with a made-up code, through the gateway: confirms nothing, counted; and a
#     reply with the right code straight to the API without the gateway's token: 401;
# 12. the API itself, from an outsider on 127.0.0.1 without credentials: every receiver's
#     secret (401, no secret in the answer), removing the victim (401, still registered), a
#     CAP alert as text/plain from a page of evil.example (403, nothing stored); and with a
#     stolen viewer's token: the secrets (403).
# Also an acknowledgment of 1 MiB on the attacker's own topic: kept from tocsind by the broker.
# Then the receivers' own checks with no access control at all (a plain anonymous broker):
# unsigned, garbage and empty messages, and a cross-region replay, ignored
# (tocsind_trust.sh goes through these in depth: unknown keys, rotation).
# Usage: attacks.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR TOCSIN_RECEIVER
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
receiver=$5
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/smsc.sh"
. "$(dirname "$0")/tocsind_lib.sh"
P=tocsin/v1
watch_pid=
rx_pid=
trap 'kill $watch_pid $rx_pid 2>/dev/null; stop_smsc
	[ -n "${TOCSIN_KEEP:-}" ] && rm -rf "$TOCSIN_KEEP" && cp -r "$tmp" "$TOCSIN_KEEP"
	cleanup' EXIT

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start the secured mosquitto"; cat "$tmp/mosquitto.log"; exit 1; }
start_smsc "$tmp" --default-mode deliver --receipt-delay-ms 100 ||
	{ echo "cannot start the SMSC simulator: $(cat "$tmp/smsc.log")"; exit 1; }
smpp=(--smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin --smpp-password-file "$tmp/smpp.password")
printf 'secret\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
printf '[tocsind]\nack_timeout_s = 120\nplay_timeout_s = 60\nmax_attempts = 3\ndefault_expiry_s = 60\n' >"$tmp/tocsind.conf"
start_server "${smpp[@]}"
expect "server up" curl -sf "$url/healthz"
server_pw=$(cat "$tmp/data/broker.password")
# The SMS gateway's account (the role its callbacks need), beside the staff start_server made
"$tocsin_real" user add t-gateway --role gateway --data-dir "$tmp/data" 2>>"$tmp/staff.log" | tail -1 >"$tmp/token.gateway"

"$sim" --emit-registry "$tmp/a.csv" --count 4 --region 120116001001 --id-prefix ta-
"$sim" --emit-registry "$tmp/s.csv" --count 2 --region 310101001001 --id-prefix ts- --center 31.23,121.47
"$sim" --emit-registry "$tmp/l.csv" --count 1 --region 120116001001 --id-prefix tl-
{
	cat "$tmp/a.csv"
	tail -n +2 "$tmp/s.csv"
	tail -n +2 "$tmp/l.csv"
	echo "st-1,loudspeaker,S,39.03,117.70,120116001002"
	echo "r-d,loudspeaker,D,39.03,117.70,120116001003"
} >"$tmp/rx.csv"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
printf 'phone,name,role,region,language\n13800100000,信息员0,信息员,120116001001,zh-CN\n' >"$tmp/contacts.csv"
"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >/dev/null
registered=$("$tocsin" export receivers --server "$url" | jq length)
check "registered" 9 "$registered"

# The attacker's credentials: those of st-1, provisioned like any device's.
"$tocsin" provision st-1 --server "$url" --out "$tmp/st-1.conf" >/dev/null
stolen=$(sed -n 's/^password = //p' "$tmp/st-1.conf")

# mq TOOL CLIENT_ID USER PASS ARGS...: mosquitto_pub or _sub over TLS to the secured broker, for
# at most $mq_s seconds (20)
mq() {
	local tool=$1 id=$2 user=$3 pass=$4
	shift 4
	${exec_mq:+exec} timeout "${mq_s:-20}" "mosquitto_$tool" -V 5 -h 127.0.0.1 -p "$broker_port" --cafile "$broker_ca" -i "$id" \
		${user:+-u "$user"} ${pass:+-P "$pass"} "$@"
}
as_attacker() { mq pub st-1 st-1 "$stolen" -q 1 "$@" 2>>"$tmp/attacker.log"; } # with st-1's credentials
as_server() { mq pub thief tocsind "$server_pw" -q 1 "$@"; }                    # with tocsind's password

# Everything on the receivers' topics, as tocsind's rights see it: a forgery that got through
# would be here. probe: a mark published after an attack; once the watcher has it, the broker
# has handled what was published before.
# (exec: $! is then the watcher itself, which the EXIT trap stops, not a shell around it)
watcher() { mq_s=600 exec_mq=1 mq sub watch tocsind "$server_pw" "$@"; }
watcher -t "$P/rx/#" -t "$P/probe" -F '%t %p' -W 600 >"$tmp/watch.log" 2>&1 &
watch_pid=$!
probe() {
	local m="probe-$RANDOM$RANDOM"
	as_server -t "$P/probe" -m "$m"
	wait_until 10 grep -q "$m" "$tmp/watch.log"
}
# acks ALERT KIND [WHO]: how many acknowledgments of KIND for ALERT the watcher saw (WHO: ids, a
# regular expression)
acks() {
	grep "^$P/rx/${3:-[^/]*}/ack .*\"alert\":\"$1\"" "$tmp/watch.log" | grep -c "\"ack\":\"$2\""
}
metric() { api viewer -s "$url/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
state_of() { # state_of ALERT TARGET
	api viewer -s "$url/api/v1/alerts/$1/deliveries" | jq -r --arg t "$2" '.deliveries[] | select(.target == $t) | .state'
}
# bj EPOCH: the time in Beijing as CAP writes it
bj() { TZ=Asia/Shanghai date -d "@$1" +%Y-%m-%dT%H:%M:%S+08:00; }

start_sim a --registry "$tmp/a.csv" --offline 1 --delay-ms 100
start_sim s --registry "$tmp/s.csv" --delay-ms 100
"$tocsin" provision r-d --server "$url" --out "$tmp/r-d.conf" >/dev/null
printf 'audio_out = %s\nrealtime = false\ntone_ms = 300\nmax_repeats = 1\n' "$tmp/r-d.wav" >>"$tmp/r-d.conf"
"$receiver" --config "$tmp/r-d.conf" --state-dir "$tmp/r-d-state" 2>>"$tmp/rx.log" &
rx_pid=$!
expect "the loudspeaker logs in over TLS" wait_until 10 grep -q 'connected to 127.0.0.1' "$tmp/rx.log"
expect "sims connected" wait_until 10 grep -q "^$P/rx/ta-00002/status .*online" "$tmp/watch.log"
sleep 1

# The genuine alert (until tomorrow), one that expires in 25 s, one without <expires>.
fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "orange accepted" 0 $?
now=$(date +%s)
# in force from now (the example's effective and onset, moved to today, lie after its 25 s before 14:30 Beijing time)
fresh cn-rainstorm-red.xml "$(bj $((now + 25)))" | sed -e "s|<sent>[^<]*</sent>|<sent>$(bj "$now")</sent>|" \
	-e "s|<effective>[^<]*</effective>|<effective>$(bj "$now")</effective>|" -e "s|<onset>[^<]*</onset>|<onset>$(bj "$now")</onset>|" \
	>"$tmp/short.xml"
short=$("$tocsin" submit "$tmp/short.xml" --server "$url")
check "short accepted" 0 $?
fresh cn-lightning-yellow.xml | sed '/<expires>/d' >"$tmp/noexp.xml"
noexp=$("$tocsin" submit "$tmp/noexp.xml" --server "$url")
check "no-expiry accepted" 0 $?
live=4 # ta-00000..02 and r-d
for a in "$orange" "$short" "$noexp"; do
	expect "$a played by the $live live Binhai loudspeakers" wait_for "$a" ".counts.played == $live" 30
done

# The sealed messages as tocsind left them (retained) on the region topics.
mq sub grab tocsind "$server_pw" -t "$P/region/#" --retained-only -W 3 -F '%t' >"$tmp/retained.topics" 2>/dev/null
# sealed ALERT FILE: the retained sealed message of ALERT into FILE; prints its topic
sealed() {
	local topic
	topic=$(grep -m1 "/alert/$1\$" "$tmp/retained.topics")
	mq sub grab tocsind "$server_pw" -t "$topic" -C 1 -W 5 -N >"$2" 2>/dev/null
	echo "$topic"
}
orange_topic=$(sealed "$orange" "$tmp/orange.sealed")
sealed "$short" "$tmp/short.sealed" >/dev/null
noexp_topic=$(sealed "$noexp" "$tmp/noexp.sealed")
payload() { tail -n +2 "$tmp/$1.sealed"; }
expect "the orange alert is sealed" grep -q '^tocsin-sig-v2 [0-9a-f]\{16\} ' "$tmp/orange.sealed"

# --- 6. an alert without <expires>: tocsind gives it one (default_expiry_s = 60) ----------
check "6: the payload without <expires> carries expires_at = issued_at + 60" 60 \
	"$(payload noexp | jq '.expires_at - .issued_at')"
check "6: ... and the short one its own <expires>" "$((now + 25))" "$(payload short | jq .expires_at)"

before=$(counts "$orange" '.counts')
covered=$(counts "$orange" '.counts.played + .counts.displayed')
resends=$(($(metric tocsin_resends_total) + $(metric tocsin_resends_held_total)))
check "the victim's delivery is sent, not acknowledged" sent "$(state_of "$orange" ta-00003)"

# --- 1. forged played for the victim -------------------------------------------------------
forged_ack() { # forged_ack KIND MARK [EXTRA JSON]
	jq -nc --arg a "$orange" --arg k "$1" --arg m "$2" --argjson at "$(date +%s)" --argjson x "${3:-{\}}" \
		'{v:1, alert:$a, ack:$k, at:$at, forged:$m} + $x'
}
as_attacker -t "$P/rx/ta-00003/ack" -m "$(forged_ack played 1a)"
refused() { grep -c 'Publish 1 failed: Not authorized' "$tmp/attacker.log"; }
check "1a: played with another receiver's credentials: not authorised" 1 "$(refused)"
mq pub anon '' '' -q 1 -t "$P/rx/ta-00003/ack" -m "$(forged_ack played 1b)" 2>"$tmp/anon.log"
expect "1b: played anonymously: connection refused" test $? -ne 0
# On its own topic the attacker is heard, but an acknowledgment naming another receiver counts
# for nobody.
other=$(metric 'tocsin_acks_total{outcome="other-receiver"}')
as_attacker -t "$P/rx/st-1/ack" -m "$(forged_ack played 1c '{"rx":"ta-00003"}')"
expect "1c: played naming the victim on the attacker's own topic: other-receiver" \
	wait_until 5 eval 'test "$(metric '\''tocsin_acks_total{outcome="other-receiver"}'\'')" = $((other + 1))'

# --- 2. forged rejected and online ----------------------------------------------------------
as_attacker -t "$P/rx/ta-00003/ack" -m "$(forged_ack rejected 2a '{"reason":"malformed-payload"}')"
as_attacker -t "$P/rx/ta-00003/status" -m "{\"v\":1,\"state\":\"online\",\"at\":$(date +%s),\"forged\":\"2b\"}"

# --- 3. empty and garbage retained on the alert's region topic -----------------------------
as_attacker -r -n -t "$orange_topic"
as_attacker -r -m garbage-3 -t "$orange_topic"

# --- 7. session take-over -------------------------------------------------------------------
wrong=$(printf '%032x' 7)
mq pub ta-00001 ta-00001 "$wrong" -q 1 -t "$P/rx/ta-00001/status" -m forged-7a 2>"$tmp/takeover.log"
expect "7a: a receiver's id with a wrong password: refused" test $? -ne 0
mq pub ta-00001 st-1 "$stolen" -q 1 -t "$P/rx/ta-00001/status" -m forged-7b 2>>"$tmp/takeover.log"
expect "7b: a receiver's id with another receiver's credentials: refused" test $? -ne 0
mq pub r-d st-1 "$stolen" -q 1 -t "$P/rx/r-d/status" -m forged-7c 2>>"$tmp/takeover.log"
expect "7c: the real receiver's id with another receiver's credentials: refused" test $? -ne 0
mq pub tocsind st-1 "$stolen" -q 1 -t "$P/rx/st-1/status" -m forged-7d 2>>"$tmp/takeover.log"
expect "7d: tocsind's client id with a receiver's credentials: refused" test $? -ne 0

# An acknowledgment of 1 MiB on the attacker's own topic: more than tocsind takes (256 KiB);
# the broker keeps it from tocsind, which keeps its session (checked at the end).
head -c 1048576 /dev/zero | tr '\0' a >"$tmp/big"
as_attacker -t "$P/rx/st-1/ack" -f "$tmp/big"
check "2, 3: each refused by the broker: not authorised" 5 "$(refused)"
expect "probe" probe
check "1-3, 7: nothing forged reached tocsind's topics" "" \
	"$(grep -E 'forged|garbage' "$tmp/watch.log" | grep -v '"forged":"1c"')"
check "2: the victim's delivery still sent" sent "$(state_of "$orange" ta-00003)"
check "2: no re-send" "$resends" "$(($(metric tocsin_resends_total) + $(metric tocsin_resends_held_total)))"
check "1 MiB: through the broker (the watcher has it)" 1 "$(grep -c aaaaaaaa "$tmp/watch.log")"
check "1 MiB: never delivered to tocsind" 0 "$(grep -c 'dropped unread' "$tmp/tocsind.log")"
check "1-3: coverage unchanged" "$before" "$(counts "$orange" '.counts')"
expect "3: the genuine sealed alert still retained" cmp "$tmp/orange.sealed" \
	<(mq sub grab tocsind "$server_pw" -t "$orange_topic" -C 1 -W 5 -N 2>/dev/null)
check "3: nothing cleared or rejected" 0 "$(($(acks "$orange" cleared) + $(acks "$orange" rejected)))"

# --- 4. cross-region replay with tocsind's stolen password ----------------------------------
as_server -r -t "$P/region/310101/alert/$orange" -f "$tmp/orange.sealed"
as_server -t "$P/region/31/alert/$orange" -f "$tmp/orange.sealed"
as_server -t "$P/rx/ts-00000/cmd" -f "$tmp/orange.sealed"
out_of_scope() { report s | jq '.rejected["out-of-scope"] // 0'; }
expect "4: Shanghai refused the 2 + 2 + 1 copies as out of scope" wait_until 10 eval 'test "$(out_of_scope)" = 5'
probe
check "4: not a word from Shanghai" 0 "$(grep -c "^$P/rx/ts-[^ ]*/ack " "$tmp/watch.log")"
check "4: Shanghai played nothing" 0 "$(jq '(.acks.playing // 0) + (.acks.played // 0)' "$tmp/s.json")"
as_server -r -n -t "$P/region/310101/alert/$orange"
# ... and on Binhai's own topic under another alert id
as_server -t "$P/region/120116/alert/0123456789abcdef" -f "$tmp/orange.sealed"
expect "4: under another id: refused by Binhai's receivers (topic-mismatch)" \
	wait_until 10 eval 'test "$(report a | jq '\''.rejected["topic-mismatch"] // 0'\'')" = 3'
probe
check "4: ... never acknowledged" 0 "$(grep -c '"alert":"0123456789abcdef"' "$tmp/watch.log")"
check "4: ... also by the real receiver" 1 "$(grep -c "alert=$orange refused: topic-mismatch" "$tmp/rx.log")"

# --- 8. ids with # and + in an import -----------------------------------------------------
printf 'id,kind,name,lat,lon,region\nok-8,loudspeaker,K,39.0,117.7,120116001001\nx#y,loudspeaker,X,39.0,117.7,120116001001\n' \
	>"$tmp/hash.csv"
check "8: # refused with its line" 1 \
	"$("$tocsin" import receivers "$tmp/hash.csv" --server "$url" 2>&1 | grep -c "line 3: id 'x#y'")"
printf 'id,kind,name,lat,lon,region\na+b,loudspeaker,X,39.0,117.7,120116001001\n' >"$tmp/plus.csv"
check "8: + refused with its line" 1 \
	"$("$tocsin" import receivers "$tmp/plus.csv" --server "$url" 2>&1 | grep -c "line 2: id 'a+b'")"
check "8: nothing imported" "$registered" "$("$tocsin" export receivers --server "$url" | jq length)"

# --- 10. a Cancel of another sender for the live alert ------------------------------------
fresh cn-typhoon-cancel.xml | sed -e 's|<sender>12011641600000</sender>|<sender>12011700000000</sender>|' \
	-e 's|<identifier>12011641600000_|<identifier>12011700000000_|' >"$tmp/foreign.xml"
state=$(api viewer -s "$url/api/v1/alerts/$orange" | jq -r .state)
code=$(api approver -s -o "$tmp/foreign.json" -w '%{http_code}' -H 'Content-Type: application/cap+xml' \
	--data-binary @"$tmp/foreign.xml" "$url/api/v1/alerts")
check "10: foreign Cancel refused" "422 ingest.reference-foreign" "$code $(jq -r '.errors[0].code' "$tmp/foreign.json")"
check "10: the alert still $state" "$state" "$(api viewer -s "$url/api/v1/alerts/$orange" | jq -r .state)"

# --- 11. an SMS reply with a made-up code ----------------------------------------------------
expect "the officer's SMS sent" wait_for "$orange" '.channels.sms.counts.delivered >= 1' 30
codes=$(store_sql "$tmp/data" "SELECT code FROM sms_messages")
made_up=123456
while grep -qx "$made_up" <<<"$codes"; do made_up=$((made_up + 1)); done
confirmed=$(counts "$orange" '.channels.sms.confirmed')
# Straight to the API, past the gateway, with the code the officer was really sent: no credentials
orange_code=$(store_sql "$tmp/data" \
	"SELECT code FROM sms_messages WHERE alert_id = '$orange' AND code != '' LIMIT 1")
expect "11: the officer's code known" test -n "$orange_code"
check "11: a reply without the gateway's token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -G \
	"$url/api/v1/sms/mo" --data-urlencode from=8613800100000 --data-urlencode "text=ACK $orange_code")"
# Through the gateway (its token as Kannel's get-url gives it): the phone's reply is taken
check "11: the forged reply is taken (200)" 200 "$(curl -s -o /dev/null -w '%{http_code}' -G "$url/api/v1/sms/mo" \
	--data-urlencode "token=$(cat "$tmp/token.gateway")" --data-urlencode from=8613800100000 \
	--data-urlencode "text=ACK $made_up")"
expect "11: ... and refused: wrong-code" wait_until 5 \
	test "$(metric 'tocsin_sms_replies_refused_total{reason="wrong-code"}')" = 1
check "11: nothing confirmed" "$confirmed" "$(counts "$orange" '.channels.sms.confirmed')"

# --- 12. the API itself, from an outsider on 127.0.0.1 --------------------------------------
# outsider CURL-ARGS...: the HTTP status of a request without credentials (body in $tmp/out.txt)
outsider() { curl -s -o "$tmp/out.txt" -w '%{http_code}' "$@"; }
# every receiver's secret, as the sims were given them (id,secret)
tail -n +2 "$tmp/credentials.csv" | cut -d, -f2 | sed '/^$/d' >"$tmp/secrets"
check "12: the secrets the attacker is after" "$registered" "$(wc -l <"$tmp/secrets")"
secrets_in() { grep -cF -f "$tmp/secrets" "$1"; }
check "12: every receiver's secret without credentials: 401" 401 "$(outsider "$url/api/v1/provision")"
check "12: ... not one secret in the answer" 0 "$(secrets_in "$tmp/out.txt")"
check "12: one receiver's secret without credentials: 401" 401 "$(outsider "$url/api/v1/provision/st-1")"
check "12: ... not its secret" 0 "$(grep -cF "$stolen" "$tmp/out.txt")"
check "12: removing the victim without credentials: 401" 401 \
	"$(outsider -X DELETE "$url/api/v1/receivers/ta-00003")"
check "12: ... the victim still registered" 1 \
	"$("$tocsin" export receivers --server "$url" | jq '[.[] | select(.id == "ta-00003")] | length')"
check "12: ... so is everyone" "$registered" "$("$tocsin" export receivers --server "$url" | jq length)"
# a CAP alert a page on evil.example could send: a form's text/plain, its Origin, a rebound Host
fresh cn-lightning-yellow.xml | sed 's|<identifier>\([^<]*\)_[0-9]*</identifier>|<identifier>\1_12</identifier>|' \
	>"$tmp/evil.xml"
evil_id=$(sed -n 's|.*<identifier>\([^<]*\)</identifier>.*|\1|p' "$tmp/evil.xml")
stored() { store_sql "$tmp/data" "SELECT count(*) FROM alerts WHERE identifier = '$evil_id'"; }
alerts=$(store_sql "$tmp/data" "SELECT count(*) FROM alerts")
check "12: the alert would be new" 0 "$(stored)"
check "12: a CAP alert as text/plain from evil.example: 403" 403 \
	"$(outsider -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' -H 'Host: evil.example' \
		--data-binary @"$tmp/evil.xml" "$url/api/v1/alerts")"
check "12: ... refused for the Host it names" http.host "$(jq -r '.errors[0].code' "$tmp/out.txt")"
check "12: ... nothing stored" 0 "$(stored)"
check "12: ... no alert at all" "$alerts" \
	"$(store_sql "$tmp/data" "SELECT count(*) FROM alerts")"
# a viewer's token, stolen: it reads, but not the secrets
check "12: every receiver's secret with a stolen viewer's token: 403" 403 \
	"$(curl -s -o "$tmp/out.txt" -w '%{http_code}' -H "Authorization: Bearer $(cat "$tmp/token.viewer")" \
		"$url/api/v1/provision")"
check "12: ... not one secret in the answer" 0 "$(secrets_in "$tmp/out.txt")"

# --- 9. signing.pub deleted -----------------------------------------------------------------
kid=$("$tocsin" key list --data-dir "$tmp/data" | awk '$1 == "current" { print $2 }')
kill -TERM "$pid"
wait "$pid"
mv "$tmp/data/signing.pub" "$tmp/signing.pub.before"
start_server "${smpp[@]}"
expect "9: server up again" curl -sf "$url/healthz"
check "9: the same key id, re-derived" "$kid" "$("$tocsin" key list --data-dir "$tmp/data" | awk '$1 == "current" { print $2 }')"
expect "9: the same public key" cmp "$tmp/signing.pub.before" "$tmp/data/signing.pub"

# --- 5, 6. after the expiries: the receivers ended both; a replay plays nowhere -------------
ends=$(($(payload noexp | jq .expires_at) + 1 - $(date +%s)))
[ "$ends" -gt 0 ] && sleep "$ends"
expect "6: the alert without <expires> ended on the receivers at its expiry" \
	wait_until 10 eval 'test "$(acks "$noexp" cleared)" = "$live"'
check "5: so did the short one" "$live" "$(acks "$short" cleared)"
# A receiver that never saw them (its seen-list empty, as after a restart) gets the retained
# copies, and the replays.
start_sim l --registry "$tmp/l.csv" --delay-ms 100
expect "the late receiver online" wait_until 10 grep -q "^$P/rx/tl-00000/status .*online" "$tmp/watch.log"
as_server -t "$P/region/120116/alert/$short" -f "$tmp/short.sealed"
as_server -t "$noexp_topic" -f "$tmp/noexp.sealed"
expired() { report l | jq '.rejected.expired // 0'; }
expect "5, 6: replays after expiry refused (expired)" wait_until 10 eval 'test "$(expired)" -ge 2'
check "5, 6: never played" 0 "$(grep -c "^$P/rx/tl-00000/ack .*\"alert\":\"\($short\|$noexp\)\",\"ack\":\"play" "$tmp/watch.log")"

# --- nothing lost: a new alert reaches everyone, also the receivers attacked ------------------
fresh cn-storm-surge-yellow.xml >"$tmp/surge.xml"
surge=$("$tocsin" submit "$tmp/surge.xml" --server "$url")
expect "9: a new alert, sealed after the restart, played by every live loudspeaker" \
	wait_for "$surge" ".counts.played == $((live + 1))" 30
check "7: the sim receiver attacked kept its session" 1 "$(acks "$surge" played ta-00001)"
check "7: ... never lost its connection" 0 "$(grep -c 'lost' "$tmp/sim-a.log")"
check "7: the real receiver kept its session" 1 "$(grep -c 'connected to 127.0.0.1' "$tmp/rx.log")"
check "7: the real receiver played the new alert" 1 "$(acks "$surge" played r-d)"
check "7, 1 MiB: tocsind kept its session (one disconnection: the restart)" 1 \
	"$(grep -c 'disconnected from the broker' "$tmp/tocsind.log")"
expect "the genuine alert complete: played by all live ones, the late one too" \
	wait_for "$orange" ".counts.played == $((live + 1)) and .state == \"$state\"" 10

kill -TERM "$pid"
wait "$pid"
pid=
check_log "$tmp/tocsind.log"
check_log "$tmp/rx.log"

# --- the receivers' own checks, no access control (a plain anonymous broker) -----------------
kill "${sims[@]}" "$rx_pid" 2>/dev/null
wait "${sims[@]}" "$rx_pid" 2>/dev/null
sims=()
rx_pid=
stop_broker
unset broker_url
mkdir "$tmp/plain"
start_broker "$tmp/plain" || { echo "cannot start the plain mosquitto"; exit 1; }
start_sim pa --registry "$tmp/a.csv" --delay-ms 100
start_sim ps --registry "$tmp/s.csv" --delay-ms 100
sleep 1.5
anon() { mosquitto_pub -h 127.0.0.1 -p "$broker_port" -V 5 -q 1 "$@"; }
anon -r -t "$orange_topic" -f "$tmp/orange.sealed" # the genuine alert, to Binhai
expect "ACL off: the genuine alert taken in Binhai (received; no audio without tocsind)" wait_until 10 \
	test "$(report pa | jq --arg a "$orange" '.alerts[$a].received // 0')" = 4
payload orange >"$tmp/orange.unsigned"
anon -t "$orange_topic" -f "$tmp/orange.unsigned"
anon -r -t "$orange_topic" -m garbage
anon -r -n -t "$orange_topic"
anon -r -t "$P/region/310101/alert/$orange" -f "$tmp/orange.sealed"
expect "ACL off: Shanghai refused the replay" wait_until 10 eval 'test "$(report ps | jq '\''.rejected["out-of-scope"] // 0'\'')" = 2'
expect "ACL off: Binhai refused the unsigned copy, the garbage and the empty message" wait_until 10 \
	test "$(report pa | jq -c .rejected)" = '{"unsigned":8,"empty-message":4}'
check "ACL off: Binhai neither cleared nor rejected the alert" "0 0" \
	"$(report pa | jq -r '"\(.acks.cleared) \(.acks.rejected)"')"
check "ACL off: not a word from Shanghai" 0 "$(report ps | jq '[.acks[]] | add')"
kill "${sims[@]}"
wait "${sims[@]}"
sims=()
for f in "$tmp"/sim-*.log; do check_log "$f"; done
finish
