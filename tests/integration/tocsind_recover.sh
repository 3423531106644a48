#!/usr/bin/env bash
# tocsind_recover.sh — acknowledgments tocsind has taken from the broker but not
# yet written. libmosquitto answers PUBACK before the message is handled, so
# the broker forgets an acknowledgment the moment tocsind has it. Here the
# store is held locked (lib.sh's lock_store: a second SQLite connection in a
# write transaction, or on PostgreSQL a psql holding the store's write lock)
# while the receivers' "played" come in:
#   1. the lock outlasts the store's busy timeout: the batch is kept and
#      written once the lock goes, with no restart;
#   2. tocsind is killed -9 while the batch waits: the next start finds the
#      last run unclean and asks every receiver of an unsettled delivery
#      again; each answers with its last acknowledgment and plays nothing twice.
# A clean stop (SIGTERM) writes what the broker thread took before it ends.
# Usage: tocsind_recover.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"

# played_by_sim ID: how many receivers of the sim say they played ID
played_by_sim() { report r | jq --arg id "$1" '.alerts[$id].played // 0'; }
# all_played ID: whether all 20 say so
all_played() { test "$(played_by_sim "$1")" = 20; }

mkdir -p "$tmp/data"
start_secure_broker "$tmp" "$tmp/data" || { echo "cannot start mosquitto"; exit 1; }
# A long play timeout: a receipt whose "played" went missing would stay "received" for the
# whole test, not be escalated, so only an acknowledgment can make it "played".
printf '[tocsind]\nack_timeout_s = 3\nplay_timeout_s = 600\nmax_attempts = 3\nlog_level = debug\n' >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"

# 20 loudspeakers in one village of Binhai that take 3 s from receipt to "played"
"$sim" --emit-registry "$tmp/r.csv" --count 20 --region 120116105202 --id-prefix vr-
"$tocsin" import receivers "$tmp/r.csv" --server "$url" >/dev/null
start_sim r --registry "$tmp/r.csv" --delay-ms 3000
sleep 1.5

# --- 1. the store is locked past its busy timeout while "played" comes in -----------
fresh cn-lightning-yellow.xml >"$tmp/first.xml"
first=$("$tocsin" submit "$tmp/first.xml" --server "$url")
check "first alert accepted" 0 $?
expect "every receipt written" wait_for "$first" '.counts.received == 20' 120
expect "store locked" lock_store
expect "the receivers played it while the store was locked" wait_until 60 all_played "$first"
sleep 12 # twice the store's busy timeout (5 s) and more: a transaction of acknowledgments is refused
unlock_store
expect "the refused batch was kept" grep -q "it is kept and tried again" "$tmp/tocsind.log"
expect "every played written once the lock went" wait_for "$first" '.counts.played == 20' 60
expect "the held batch logged as written" grep -q "the held batch of [0-9]* mail(s) is written" "$tmp/tocsind.log"
check "no receiver was asked again" 0 "$(report r | jq '.repeated_copies')"

# --- 2. kill -9 while the batch waits for the store ----------------------------------
sed 's|<identifier>\([^<]*\)_\([0-9]\)</identifier>|<identifier>\1_7</identifier>|' "$tmp/first.xml" >"$tmp/second.xml"
second=$("$tocsin" submit "$tmp/second.xml" --server "$url")
check "second alert accepted" 0 $?
expect "every receipt of the second written" wait_for "$second" '.counts.received == 20' 120
expect "store locked again" lock_store
expect "the receivers played the second while the store was locked" \
	wait_until 60 all_played "$second"
sleep 2 # the broker hands the acknowledgments over; tocsind answers PUBACK and holds them
kill -9 "$pid"
wait "$pid" 2>/dev/null
unlock_store
check "nothing of them was written" 0 "$(store_sql "$tmp/data" \
	"SELECT count(*) FROM acks WHERE alert_id = '$second' AND kind = 'played'")"
start_server
expect "the unclean stop noticed" wait_until 20 grep -q "did not stop cleanly" "$tmp/tocsind.log"
expect "every played after the restart" wait_for "$second" '.counts.played == 20' 60
expect "receivers of unsettled deliveries asked again" \
	grep -q "after an unclean stop: [0-9]* receiver(s) of [0-9]* alert(s) asked again" "$tmp/tocsind.log"
expect "asking again is in the audit log" test "$(store_sql "$tmp/data" \
	"SELECT count(*) FROM audit WHERE action = 'asked again' AND alert_id = '$second'")" -eq 1
check "each receiver played the second once" 20 "$(played_by_sim "$second")"
expect "the copies were answered, not played" test "$(report r | jq '.repeated_copies')" -ge 20
expect "asked-again count in the metrics" grep -q '^tocsin_asked_again_total [1-9]' <(api viewer -sf "$url/metrics")

# --- 3. a clean stop, then a start that asks nothing ----------------------------------
kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
start_server
expect "server up after the clean stop" curl -sf "$url/healthz"
check "a clean stop is not taken for an unclean one" 1 "$(grep -c "did not stop cleanly" "$tmp/tocsind.log")"
kill -TERM "$pid"
wait "$pid"
pid=
# The store held locked on purpose (twice): the work rounds and batches it refused, nothing else.
check_log "$tmp/tocsind.log" 'tocsind error store: alert=- target=- op=begin the store could not start a transaction \(io\): '
finish
