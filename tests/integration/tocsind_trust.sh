#!/usr/bin/env bash
# tocsind_trust.sh — the receivers' own checks, on a plain anonymous broker
# (no ACL: anyone may publish anything), with tocsind and tocsin-sim:
# a genuine alert for Binhai replayed on a Shanghai topic and on a Shanghai
# receiver's command topic plays nowhere; empty and garbage retained messages
# on the alert's topic clear nothing and are never acknowledged with its id;
# an alert sealed with an unknown key is refused; one replayed after its
# expiry is refused; during a key rotation receivers trusting the old and the
# new key take both, and tocsind seals with the new one after SIGHUP; a
# deleted signing.pub comes back with the same key id.
# Usage: tocsind_trust.sh TOCSIND TOCSIN TOCSIN_SIM SIM_PUBLISH EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
mk=$4
examples=$5
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"
P=tocsin/v1
port=
. "$(dirname "$0")/sim_lib.sh"

mkdir -p "$tmp/data"
start_broker "$tmp" || { echo "cannot start mosquitto"; exit 1; }
port=$broker_port
record_acks
printf '[tocsind]\nack_timeout_s = 30\nplay_timeout_s = 60\nlog_level = debug\n' >"$tmp/tocsind.conf"
start_server
expect "server up" curl -sf "$url/healthz"
check "signing.key is 0600" 600 "$(stat -c %a "$tmp/data/signing.key")"
old_kid=$("$tocsin" key list --data-dir "$tmp/data" | awk '$1 == "current" { print $2 }')
check "one current key" 16 "${#old_kid}"

# Binhai (120116) and Shanghai (310115); a third Binhai group started later trusting two keys.
"$sim" --emit-registry "$tmp/a.csv" --count 5 --region 120116001001 --id-prefix ta- --kind mixed
"$sim" --emit-registry "$tmp/s.csv" --count 5 --region 310115001001 --id-prefix ts- --center 31.22,121.54
"$sim" --emit-registry "$tmp/c.csv" --count 3 --region 120116001002 --id-prefix tc-
for f in a s c; do "$tocsin" import receivers "$tmp/$f.csv" --server "$url" >/dev/null; done
start_sim a --registry "$tmp/a.csv" --delay-ms 100
start_sim s --registry "$tmp/s.csv" --delay-ms 100
sleep 1.5

fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "orange accepted" 0 $?
wait_for "$orange" '.counts.played + .counts.displayed == 5' 30
check "orange played in Binhai" 5 "$(counts "$orange" '.counts.played + .counts.displayed')"

# The retained sealed payload, as anyone on the broker can read it.
mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -C 1 -W 5 -v -t "$P/region/#" >"$tmp/retained.line" 2>/dev/null
topic=$(head -1 "$tmp/retained.line" | cut -d' ' -f1)
mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -C 1 -W 5 -N -t "$topic" >"$tmp/orange.sealed" 2>/dev/null
expect "sealed with seal v2 and the key id" grep -q "^tocsin-sig-v2 $old_kid " "$tmp/orange.sealed"
expect "payload carries scope, issued_at, expires_at" bash -c "tail -n +2 '$tmp/orange.sealed' |
	jq -e '.scope.receivers | length == 8' >/dev/null && tail -n +2 '$tmp/orange.sealed' |
	jq -e '.issued_at > 0 and .expires_at > .issued_at and .kid == \"$old_kid\"' >/dev/null"

# --- cross-region replay: Shanghai's topics, retained and direct ------------------------
pub "$P/region/310115/alert/$orange" "$tmp/orange.sealed" retain
pub "$P/region/31/alert/$orange" "$tmp/orange.sealed"
pub "$P/rx/ts-00000/cmd" "$tmp/orange.sealed"
sleep 1
check "replayed in Shanghai: not a word from its receivers" 0 "$(grep -c "^$P/rx/ts-" "$tmp/acks")"
report s >"$tmp/s.now"
check "Shanghai counted the refusals (5 + 5 + 1 copies)" 11 "$(jq '.rejected["out-of-scope"] // 0' "$tmp/s.now")"
check "Shanghai played nothing" 0 "$(jq '.acks.playing // 0' "$tmp/s.now")"

# --- empty and garbage retained on the alert's own topic ---------------------------------
before=$(counts "$orange" '.counts')
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -n -t "$topic"
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -m garbage -t "$topic"
sleep 1
check "empty and garbage: nothing cleared" 0 "$(acks "$orange" cleared)"
check "empty and garbage: nothing rejected with the alert's id" 0 "$(acks "$orange" rejected)"
check "coverage unchanged" "$before" "$(counts "$orange" '.counts')"
pub "$topic" "$tmp/orange.sealed" retain # put the genuine one back

# --- sealed with a key nobody trusts -----------------------------------------------------
mkdir "$tmp/forger" && "$mk" keygen "$tmp/forger" >/dev/null
mkdir "$tmp/forged"
"$mk" alert "$tmp/forger/signing.key" "$examples/cn-lightning-yellow.xml" "$tmp/forged" --expires-in 3600 \
	--no-audio --scope-region 12 >/dev/null
forged=$(cat "$tmp/forged/id")
pub "$P/region/120116/alert/$forged" "$tmp/forged/sealed"
sleep 1
check "unknown key: not a word" 0 "$(grep -c "\"alert\":\"$forged\"" "$tmp/acks")"
check "unknown key: counted" 5 "$(report a | jq '.rejected["unknown-key"] // 0')"

# --- a genuine message replayed after its expiry ----------------------------------------
mkdir "$tmp/short"
"$mk" alert "$tmp/data/signing.key" "$examples/cn-rainstorm-red.xml" "$tmp/short" --expires-in 1 --no-audio \
	--scope-region 310115 >/dev/null
short=$(cat "$tmp/short/id")
sleep 2
pub "$P/region/310115/alert/$short" "$tmp/short/sealed"
wait_until 5 acks_are 5 "$short" rejected '[^/]*' expired
check "replayed after expiry: rejected expired" 5 "$(acks "$short" rejected '[^/]*' expired)"
check "replayed after expiry: never playing" 0 "$(acks "$short" playing)"

# took PREFIX ALERT: how many receivers of PREFIX acknowledged ALERT received
took() {
	grep "^$P/rx/$1.*\"alert\":\"$2\",\"ack\":\"received\"" "$tmp/acks" | cut -d/ -f4 | sort -u | wc -l
}

# --- key rotation: new, trusted by receivers, rotate, SIGHUP ------------------------------
"$tocsin" key rotate --data-dir "$tmp/data" 2>"$tmp/key.err"
check "rotate without a next key refused" 1 $?
"$tocsin" key new --data-dir "$tmp/data" 2>>"$tmp/key.err"
check "key new" 0 $?
"$tocsin" key new --data-dir "$tmp/data" 2>>"$tmp/key.err"
check "a second key new refused" 1 $?
"$tocsin" key trusted --data-dir "$tmp/data" >"$tmp/trusted.pub"
check "two keys to trust during the change-over" 2 "$(wc -l <"$tmp/trusted.pub")"
new_kid=$("$tocsin" key list --data-dir "$tmp/data" | awk '$1 == "next" { print $2 }')
"$sim" --broker "127.0.0.1:$port" --pubkey "$tmp/trusted.pub" --registry "$tmp/c.csv" --delay-ms 100 \
	--report "$tmp/c.json" 2>>"$tmp/sim-c.log" &
sims+=($!)
# the receivers trusting both keys take the old key's retained alert
wait_until 10 eval 'test "$(took tc- "$orange")" -eq 3'
check "old key still trusted by the new receivers" 3 "$(took tc- "$orange")"
"$tocsin" key rotate --data-dir "$tmp/data"
check "key rotate" 0 $?
check "the old public key kept as previous" "$old_kid" \
	"$("$tocsin" key list --data-dir "$tmp/data" | awk '$1 == "previous" { print $2 }')"
kill -HUP "$pid"
wait_until 5 grep -q "sealing with key $new_kid" "$tmp/tocsind.log"
expect "tocsind reloaded the new key" grep -q "sealing with key $new_kid" "$tmp/tocsind.log"
fresh cn-rainstorm-red.xml >"$tmp/red.xml"
red=$("$tocsin" submit "$tmp/red.xml" --server "$url")
wait_until 30 eval 'test "$(took tc- "$red")" -eq 3'
check "new key: taken by the receivers trusting it" 3 "$(took tc- "$red")"
check "new key: not a word from those trusting only the old one" 0 \
	"$(grep -c "^$P/rx/ta-.*\"alert\":\"$red\"" "$tmp/acks")"
expect "new key: refused unknown-key by those" test "$(report a | jq '.rejected["unknown-key"] // 0')" -ge 10
"$tocsin" key retire --data-dir "$tmp/data"
check "key retire" 1 "$("$tocsin" key trusted --data-dir "$tmp/data" | wc -l)"

# --- a deleted signing.pub comes back from signing.key, same key id -----------------------
kill -TERM "$pid"
wait "$pid"
pid=
rm "$tmp/data/signing.pub"
start_server
expect "server up again" curl -sf "$url/healthz"
check "signing.pub derived again: same key id" "$new_kid" \
	"$("$tocsin" key list --data-dir "$tmp/data" | awk '$1 == "current" { print $2 }')"
check "signing.key untouched" 600 "$(stat -c %a "$tmp/data/signing.key")"

check_log "$tmp/tocsind.log"
finish
