#!/usr/bin/env bash
# rx_faults.sh — tocsin-receiver when things go wrong, on the secured broker
# of tocsin broker setup (TLS, its own account, configured by the file tocsin
# provision writes): the broker down at start, the broker restarted
# mid-playback (the receiver logs in again over TLS; acknowledgments made
# offline are queued on disk and sent on reconnect), the receiver killed -9
# mid-playback (on restart it plays the unfinished alert again, never the
# finished one, and reports both), and a flood of 1,000 alerts (the queue
# stays bounded, the highest priority plays first). Alerts are sealed with
# tocsind's key and published with tocsind's account.
# Usage: rx_faults.sh TOCSIN_RECEIVER RX_PUBLISH RX_ANALYSE TOCSIND TOCSIN
set -u
receiver=$1
publish=$2
analyse=$3
tocsind=$4
tocsin=$5
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/rx_lib.sh"
trap rx_cleanup EXIT
export RXID=rx-1
port=$(loopback_port) # below the ephemeral range (broker.sh): the broker restarts on it
staff "$tmp/data" # the registry clerk who imports and provisions the devices
secure_site loudspeaker "$port" rx-1 rx-9 || { cat "$tmp/mosquitto.log" "$tmp/tocsind.log"; exit 1; }
stop_broker # the receiver starts first
keys || exit 1
for r in rx-1 rx-9; do
	cat "$tmp/$r.conf" - >"$tmp/$r-test.conf" <<-EOF2
		state_dir = $tmp/state
		tone_ms = 1000
		reconnect_max_s = 2
	EOF2
done
mv "$tmp/rx-1-test.conf" "$tmp/rx.conf"

# --- 1. broker down at start --------------------------------------------------------------
rx_start down
sleep 2
expect "alive without a broker" kill -0 "$rx_pid"
expect "says it cannot reach the broker" grep -q "cannot reach the broker 127.0.0.1:$port" "$tmp/rx.log"
start_secure_broker "$tmp" "$tmp/data" "$port" || { echo "no broker on $port"; exit 1; }
record_acks
make a1 --repeats 1
send a1
wait_until 20 has_ack "$(id_of a1)" played
check "connected later, a1 played" "received playing played" "$(ack_order "$(id_of a1)")"

# --- 2. the broker restarts mid-playback ----------------------------------------------------
make b1 --repeats 4
send b1
wait_until 20 has_ack "$(id_of b1)" playing
sleep 1
kill "$sub_pid"
stop_broker
sleep 12 # b1 (9.8 s) finishes while the broker is away: played is queued on disk
expect "played queued on disk while offline" grep -q "\"alert\":\"$(id_of b1)\",\"ack\":\"played\"" "$tmp/state/acks.queue"
queued_at=$(sed -n "s/.*\"alert\":\"$(id_of b1)\",\"ack\":\"played\",\"at\":\([0-9]*\).*/\1/p" "$tmp/state/acks.queue")
start_secure_broker "$tmp" "$tmp/data" "$port" || { echo "no broker on $port again"; exit 1; }
record_acks append
# (the secured broker keeps retained alerts across its restart: b1 comes again and its final ack
# is repeated, with a new time; the one queued offline is sent once)
queued_sent() { grep -c "\"alert\":\"$(id_of b1)\",\"ack\":\"played\",\"at\":$queued_at[,}]" "$tmp/acks"; }
wait_until 20 eval 'test "$(queued_sent)" -ge 1'
sleep 1
check "played queued offline sent after reconnect, once" 1 "$(queued_sent)"
expect "log says queued acks were sent" grep -q "sending [0-9]* acknowledgments queued while offline" "$tmp/rx.log"
rx_stop
check "b1 played to the end through the outage" "T A A A A" "$(segments down | sed 's/^T A //')"

# --- 3. killed -9: the Last Will says offline; mid-playback: played again, never twice ------
RXCONF=$tmp/rx-9-test.conf rx_start will --state-dir "$tmp/state9"
wait_until 10 grep -q "rx/rx-9/status .*online" "$tmp/acks"
kill -KILL "$rx_pid"
wait "$rx_pid" 2>/dev/null
rx_pid=
wait_until 5 grep -q "rx/rx-9/status .*offline" "$tmp/acks"
check "killed: the Last Will says offline" 0 $?
# --- killed -9 mid-playback -------------------------------------------------------------
make c1 --repeats 5
rx_start killed
send c1
wait_until 20 has_ack "$(id_of c1)" playing
sleep 2
kill -KILL "$rx_pid"
wait "$rx_pid" 2>/dev/null
rx_pid=
rx_start restarted
wait_until 30 has_ack "$(id_of c1)" played
sleep 1
rx_stop
check "c1 played again from the start after kill -9" "T A A A A A" "$(segments restarted)"
check "c1: played once" 1 "$(acks "$(id_of c1)" played)"
expect "c1: playing reported again after the restart" test "$(acks "$(id_of c1)" playing)" -ge 2
check "a1 and b1 not played again" "1 1" "$(acks "$(id_of a1)" playing) $(acks "$(id_of b1)" playing)"
expect "a1 reported again after restart (final ack repeated)" test "$(acks "$(id_of a1)" played)" -ge 2

# --- 4. a flood of 1,000 alerts ---------------------------------------------------------------
kill "$sub_pid"
record_acks
rx_start flood --queue-size 64 --tone-ms 300 --gap-ms 300
wait_until 10 grep -q "rx/rx-1/status .*online" "$tmp/acks"
sleep 0.5
flood 1000 "$tmp/flood.tsv"
check "flood published" 0 $?
top=$(awk '$2 == 99 { print $1 }' "$tmp/flood.tsv")
nth_playing() { grep '"ack":"playing"' "$tmp/acks" | sed -n "${1}p" | sed 's/.*"alert":"\([0-9a-f]*\)".*/\1/'; }
wait_until 60 eval 'test "$(grep -c '\''"ack":"received"'\'' "$tmp/acks")" -ge 1000'
wait_until 30 test -n "$(nth_playing 1)"
check "the highest priority plays first" "$top" "$(nth_playing 1)"
queue_full() { grep -c '"ack":"failed","at":[0-9]*,"reason":"queue-full"' "$tmp/acks"; }
wait_until 30 eval 'test "$(queue_full)" -ge 936'
check "all but the best 64 refused as queue-full" 936 "$(queue_full)"
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$rx_pid/status")
expect "memory stays bounded (RSS $rss kB < 200 MB)" test "$rss" -lt 200000
wait_until 30 test -n "$(nth_playing 2)"
check "then the next best (priority 89)" 89 "$(awk -v id="$(nth_playing 2)" '$1 == id { print $2 }' "$tmp/flood.tsv")"
rx_stop
expect "no sanitizer reports" no_sanitizer_reports
finish
