#!/usr/bin/env bash
# tocsind_dispatch.sh — the whole delivery loop with real parts: the secured mosquitto
# broker of tocsin broker setup on a free loopback port, tocsind, and tocsin-sim receivers that
# verify, acknowledge and play. Coverage must come from acknowledgments:
# silent receivers are re-sent to, then escalated; an Update supersedes, a
# Cancel clears; an area covering part of a village goes directly to its
# receivers; an alert expires; receivers offline at first are reached when
# they come back; kill -9 of tocsind and a broker restart lose nothing.
# Usage: tocsind_dispatch.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
printf '[tocsind]\nack_timeout_s = 2\nplay_timeout_s = 30\nmax_attempts = 2\nlog_level = debug\n' >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"

# 40 receivers in three villages of Binhai (120116), 10 % of them silent;
# 5 more that are offline for the first 3 seconds.
"$sim" --emit-registry "$tmp/a.csv" --count 40 --region 120116001001,120116001002,120116002001 --id-prefix va- \
	--kind mixed
check "registry emitted" 41 "$(wc -l <"$tmp/a.csv")"
"$sim" --emit-registry "$tmp/b.csv" --count 5 --region 120116105201 --id-prefix vb-
"$tocsin" import receivers "$tmp/a.csv" --server "$url" >/dev/null
"$tocsin" import receivers "$tmp/b.csv" --server "$url" >/dev/null
start_sim a --registry "$tmp/a.csv" --fail-rate 0.1 --delay-ms 100
start_sim b --registry "$tmp/b.csv" --offline 5 --offline-ms 3000 --delay-ms 100
sleep 1.5

# --- happy path, silent receivers escalated, late receivers reached -------------
fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "typhoon accepted" 0 $?
expect "45 played, displayed or escalated" wait_for "$orange" \
	'.targets == 45 and (.counts.played + .counts.displayed + .counts.escalated) == 45 and .counts.escalated == 4'
check "coverage from acknowledgments" '41' "$(counts "$orange" '.counts.played + .counts.displayed')"
expect "the moment none waited for a receipt logged" \
	grep -q "alert=$orange 41 of 45 target(s) acknowledged receipt, none is waiting; [0-9.]* s after publication" \
	"$tmp/tocsind.log"
check "coverage percentage" '91.1' "$(counts "$orange" '.coverage * 10 | round / 10')"
report a >"$tmp/a-1.json"
check "the silent four are the escalated four" \
	"$(jq -c '.silent | sort' "$tmp/a-1.json")" \
	"$(api viewer -s "$url/api/v1/alerts/$orange/deliveries?state=escalated" | jq -c '[.deliveries[].target] | sort')"
check "each live receiver played or showed it once" 36 \
	"$(jq --arg id "$orange" '.alerts[$id].played + .alerts[$id].displayed' "$tmp/a-1.json")"
check "late receivers played it after coming online" 5 "$(report b | jq --arg id "$orange" '.alerts[$id].played')"
expect "silent receivers were re-sent to" test "$(api viewer -s "$url/metrics" | awk '/^tocsin_resends_total/ {print $2}')" -ge 4
expect "escalations recorded" test "$(api viewer -s "$url/metrics" | awk '/^tocsin_escalations_total/ {print $2}')" -ge 4
# how long acknowledgments waited to be written: every one counted in the histogram, the last bucket all of them
api viewer -s "$url/metrics" >"$tmp/metrics.txt"
expect "acknowledgments' waits measured" test "$(awk '/^tocsin_broker_message_wait_seconds_count/ {print $2}' "$tmp/metrics.txt")" -ge 40
check "…the buckets add up" "$(awk '/^tocsin_broker_message_wait_seconds_count/ {print $2}' "$tmp/metrics.txt")" \
	"$(awk '/^tocsin_broker_message_wait_seconds_bucket\{le="\+Inf"\}/ {print $2}' "$tmp/metrics.txt")"
expect "…with the longest" grep -qE '^tocsin_broker_message_wait_max_seconds [0-9.]+$' "$tmp/metrics.txt"
expect "report per region" jq -e '.regions[0].region == "120116" and .covered == 41' \
	<(api viewer -s "$url/api/v1/alerts/$orange/report")

# --- Update: red supersedes orange --------------------------------------------
fresh cn-typhoon-red-update.xml >"$tmp/red.xml"
red=$("$tocsin" submit "$tmp/red.xml" --server "$url")
expect "red played" wait_for "$red" '(.counts.played + .counts.displayed) == 41'
check "orange superseded" superseded "$(api viewer -s "$url/api/v1/alerts/$orange" | jq -r .state)"
expect "receivers dropped orange" test "$(report a | jq --arg id "$orange" '.alerts[$id].cleared')" -ge 36

# --- Cancel: reaches everyone who had the warning -----------------------------
fresh cn-typhoon-cancel.xml >"$tmp/cancel.xml"
cancel=$("$tocsin" submit "$tmp/cancel.xml" --server "$url")
expect "the lifting announced by the live receivers" wait_for "$cancel" '(.counts.played + .counts.displayed) == 41'
check "red cancelled" cancelled "$(api viewer -s "$url/api/v1/alerts/$red" | jq -r .state)"
expect "receivers cleared red" test "$(report a | jq --arg id "$red" '.alerts[$id].cleared')" -ge 36

# --- an area covering part of a village: sent directly -------------------------
# The northern half of the receivers' scatter, no admin code.
sed -e '/<geocode>/,/<\/geocode>/d' \
	-e 's|<polygon>[^<]*</polygon>|<polygon>39.03,117.55 39.20,117.55 39.20,117.90 39.03,117.90 39.03,117.55</polygon>|' \
	-e 's|<identifier>\([^<]*\)_\([0-9]\)</identifier>|<identifier>\1_7</identifier>|' \
	"$tmp/orange.xml" >"$tmp/north.xml"
north=$("$tocsin" submit "$tmp/north.xml" --server "$url")
check "part of the villages accepted" 0 $?
n=$(counts "$north" .targets)
expect "some but not all receivers targeted" test "$n" -gt 0 -a "$n" -lt 45
expect "every live target acknowledged" wait_for "$north" '(.counts.played + .counts.displayed + .counts.escalated) == .targets'
expect "sent directly, not by region" grep -q "alert=$north published to $n target(s): 0 region topic(s), $n direct" "$tmp/tocsind.log"
played=$(jq -s --arg id "$north" 'map((.alerts[$id].played // 0) + (.alerts[$id].displayed // 0)) | add' \
	<(report a) <(report b))
check "only targets played it" "$(counts "$north" '.counts.played + .counts.displayed')" "$played"

# --- expiry: the alert ends by itself; nothing stays open -------------------
# The offline receivers never get it. (Rendering under load may take longer
# than the alert lives: then every delivery expires unpublished.)
kill "$sim_b"
wait "$sim_b" 2>/dev/null
sent=$(TZ=Asia/Shanghai date -d '-1 minute' +%Y-%m-%dT%H:%M:%S+08:00)
expires=$(TZ=Asia/Shanghai date -d '+8 seconds' +%Y-%m-%dT%H:%M:%S+08:00)
fresh cn-storm-surge-yellow.xml "$expires" |
	sed -e "s|<sent>[^<]*</sent>|<sent>$sent</sent>|" -e "s|<effective>[^<]*</effective>|<effective>$sent</effective>|" \
		-e "s|<onset>[^<]*</onset>|<onset>$sent</onset>|" >"$tmp/surge.xml"
surge=$("$tocsin" submit "$tmp/surge.xml" --server "$url")
check "short-lived alert accepted" 0 $?
expect "it expires" wait_for "$surge" '.state == "expired"' 40
check "nothing open after expiry" 0 "$(counts "$surge" '.counts.planned + .counts.sent + .counts.received')"
expect "the offline receivers are not covered" \
	test "$(counts "$surge" '.counts.expired + .counts.escalated')" -ge 9
check "every delivery accounted for" 45 \
	"$(counts "$surge" '.counts.expired + .counts.escalated + .counts.played + .counts.displayed')"

# --- kill -9 of tocsind right after it accepted an alert ----------------------
fresh cn-lightning-yellow.xml >"$tmp/lightning.xml"
lightning=$("$tocsin" submit "$tmp/lightning.xml" --server "$url")
kill -9 "$pid"
wait "$pid" 2>/dev/null
start_server
expect "dispatched after the restart" wait_for "$lightning" '(.counts.played + .counts.displayed) == 36'
check "played once per receiver" 36 \
	"$(report a | jq --arg id "$lightning" '.alerts[$id].played + .alerts[$id].displayed')"

# --- the broker restarts in the middle of a dispatch ---------------------------
fresh cn-rainstorm-blue-exercise.xml >"$tmp/drill.xml"
drill=$("$tocsin" submit "$tmp/drill.xml" --server "$url")
stop_broker
sleep 1
start_secure_broker "$tmp" "$tmp/data" "$broker_port" || echo "FAIL broker did not come back on $broker_port"
expect "drill reached everyone after the broker came back" wait_for "$drill" '(.counts.played + .counts.displayed) == 36' 180

# --- kill -9 while acknowledgments are on their way: the broker keeps them -----
# 30 more receivers that take 2.5 s to play; tocsind dies after their receipts
# and before their "played", which wait in its session at the broker.
"$sim" --emit-registry "$tmp/c.csv" --count 30 --region 120116105202 --id-prefix vc-
"$tocsin" import receivers "$tmp/c.csv" --server "$url" >/dev/null
start_sim c --registry "$tmp/c.csv" --delay-ms 2500
sleep 1.5
sed 's|<identifier>\([^<]*\)_\([0-9]\)</identifier>|<identifier>\1_8</identifier>|' "$tmp/lightning.xml" >"$tmp/second.xml"
second=$("$tocsin" submit "$tmp/second.xml" --server "$url")
expect "receipts coming in" wait_for "$second" '.counts.received >= 25' 120
kill -9 "$pid"
wait "$pid" 2>/dev/null
sleep 3
start_server
expect "played acknowledgments sent while tocsind was down arrive" \
	wait_for "$second" '(.counts.played + .counts.displayed) == 66' 180
check "the slow receivers played it once each" 30 "$(report c | jq --arg id "$second" '.alerts[$id].played')"

kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
check_log "$tmp/tocsind.log"
finish
