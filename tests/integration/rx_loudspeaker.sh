#!/usr/bin/env bash
# rx_loudspeaker.sh — tocsin-receiver against the secured mosquitto of tocsin
# broker setup (TLS, its own account, configured by the file tocsin provision
# writes), its sound card an ALSA file device: what it plays (attention
# signal, the message × repeats, drill notices), in which order (priority
# interrupts), what it refuses (forged, expired, digest mismatch, drills when
# told not to) — with nothing at all captured then — and what it
# acknowledges. Everything is published with tocsind's account, forgeries
# too: the receiver's own seal check refuses what got through the broker.
# Usage: rx_loudspeaker.sh TOCSIN_RECEIVER RX_PUBLISH RX_ANALYSE TOCSIND TOCSIN
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

staff "$tmp/data" # the registry clerk who imports and provisions the devices
secure_site loudspeaker "" rx-1 || { cat "$tmp/mosquitto.log" "$tmp/tocsind.log"; exit 1; }
keys || exit 1
record_acks
# a village loudspeaker: as provisioned, with test timings
cat "$tmp/rx-1.conf" - >"$tmp/rx.conf" <<-EOF2
	state_dir = $tmp/state
	tone_ms = 1000
	gap_ms = 800
	heartbeat_s = 5
EOF2

# --- a bad config file is refused, naming file and line ---------------------------------
printf '[receiver]\nid = x\nvolume = 300\n' >"$tmp/bad.conf"
"$receiver" --config "$tmp/bad.conf" --print-config >/dev/null 2>"$tmp/bad.err"
check "bad config exits 2" 2 $?
expect "bad config names file and line" grep -q "bad.conf:3: volume = '300' is out of bounds (0 to 100)" "$tmp/bad.err"
printf '[receiver]\nspeed = 3\n' >"$tmp/bad2.conf"
"$receiver" --config "$tmp/bad2.conf" --print-config >/dev/null 2>"$tmp/bad2.err"
expect "unknown setting named" grep -q "bad2.conf:2: unknown setting 'speed'" "$tmp/bad2.err"

# --- 1. an alert: signal, message x 2; forged, expired, bad digest: nothing ----------------
make a1 --repeats 2 --priority 60
make e1 --expires-in -60
make b1 --bad-digest
"$publish" alert "$tmp/forger/signing.key" "$tmp/m" f1 --repeats 2
send a1
rx_start play1
wait_until 30 has_ack "$(id_of a1)" played
check "a1 acks in order" "received playing played" "$(ack_order "$(id_of a1)")"
check "playing at QoS 0, received and played at QoS 1" "1 1 1" \
	"$(acks_at_qos "$tmp/acks" playing 0) $(acks_at_qos "$tmp/acks" received 1) $(acks_at_qos "$tmp/acks" played 1)"
as_tocsind
st=$(mosquitto_sub -h 127.0.0.1 -p "$broker_port" -V mqttv5 "${secure[@]}" -C 1 -W 5 -t "$P/rx/rx-1/status" 2>/dev/null)
expect "retained status online, kind loudspeaker" grep -q '"state":"online".*"kind":"loudspeaker"' <<<"$st"
send f1
send e1
send b1
wait_until 10 has_ack "$(id_of b1)" failed digest-mismatch
wait_until 5 has_ack "$(id_of e1)" rejected expired
check "forged: never acknowledged" "" "$(ack_order "$(id_of f1)")"
check "forged: never received" 0 "$(acks "$(id_of f1)" received)"
expect "forged: through the broker (tocsind's account), refused by the receiver's own seal check" \
	grep -q "topic=$P/region/${REGION:0:6}/alert/$(id_of f1) refused, not acknowledged: unknown-key" "$tmp/rx.log"
check "expired: rejected expired" 1 "$(acks "$(id_of e1)" rejected expired)"
check "expired: never playing" 0 "$(acks "$(id_of e1)" playing)"
check "digest mismatch: failed" 1 "$(acks "$(id_of b1)" failed digest-mismatch)"
check "digest mismatch: never playing" 0 "$(acks "$(id_of b1)" playing)"
# the same alert again, directly: its final ack again, not played again
send a1 direct
wait_until 5 eval 'test "$(acks "$(id_of a1)" played)" -ge 2'
check "a1 again: played acked again" 2 "$(acks "$(id_of a1)" played)"
check "a1 again: not playing again" 1 "$(acks "$(id_of a1)" playing)"
sleep 1
rx_stop
check "captured: signal, message, message; nothing else" "T A A" "$(segments play1)"
"$analyse" "$tmp/play1.wav" | grep -q "^ms 1000 12[0-9]0 12[0-9]0$"
check "captured: 1 s signal, 1.2 s messages" 0 $?
wait_until 5 grep -q "rx/rx-1/status .*offline" "$tmp/acks"
check "status offline on stop" 0 $?

# --- 2. nothing captured at all for forged, expired and bad-digest alone --------------------
make f2 && "$publish" alert "$tmp/forger/signing.key" "$tmp/m" f2
make e2 --expires-in -5
make q1 --repeats 1
"$publish" cmd "$tmp/bureau/signing.key" cancel "$(id_of q1)" n-0100 "$tmp/m/q1.cmd"
rx_start silent
wait_until 10 grep -q "rx/rx-1/status .*online" "$tmp/acks"
send f2
send e2
pub "$P/rx/rx-1/cmd" "$tmp/m/q1.cmd" # cancelled before it arrives
wait_until 10 has_ack "$(id_of q1)" cleared
send q1
wait_until 10 has_ack "$(id_of e2)" rejected expired
wait_until 10 eval 'test "$(acks "$(id_of q1)" cleared)" -ge 2'
sleep 1
rx_stop
check "forged, expired and cancelled: nothing captured" "" "$(segments silent)"
check "cancelled before it came: never received, never playing" "0 0" \
	"$(acks "$(id_of q1)" received) $(acks "$(id_of q1)" playing)"
check "restart: a1 not played again" 1 "$(acks "$(id_of a1)" playing)"

# --- 3. Cancel stops at once, then the lifting message is played ----------------------------
make c1 --repeats 6 --priority 60
make x1 --type Cancel --ref c1 --repeats 1 --priority 10 --colour none --headline "台风预警解除"
rx_start cancel
send c1
wait_until 20 has_ack "$(id_of c1)" playing
sleep 2.5
send x1
wait_until 20 has_ack "$(id_of x1)" played
check "c1 cleared by the Cancel" 1 "$(acks "$(id_of c1)" cleared cancelled)"
check "c1 never played to the end" 0 "$(acks "$(id_of c1)" played)"
check "Cancel acks" "received playing played" "$(ack_order "$(id_of x1)")"
rx_stop
segs=$(segments cancel)
# c1's signal, part of one message, then the Cancel's signal and message (the cut-off
# message and the signal after it may run together into one segment)
case "$segs" in "T A T A" | "T T A" | "T S A") r=0 ;; *) r=1 ;; esac
check "captured: c1 cut short, then the Cancel's signal and message (got '$segs')" 0 $r

# --- 4. priority: a higher one interrupts, the lower plays again after ----------------------
make l1 --repeats 3 --priority 30 --colour yellow
make h1 --repeats 1 --priority 90 --colour red
rx_start prio
send l1
wait_until 20 has_ack "$(id_of l1)" playing
sleep 1.5
send h1
wait_until 30 has_ack "$(id_of l1)" played
check "l1: interrupted, played again, then played" "received playing playing played" "$(ack_order "$(id_of l1)")"
check "h1 played" "received playing played" "$(ack_order "$(id_of h1)")"
h_played=$(grep -n "\"alert\":\"$(id_of h1)\",\"ack\":\"played\"" "$tmp/acks" | cut -d: -f1)
l_again=$(grep -n "\"alert\":\"$(id_of l1)\",\"ack\":\"playing\"" "$tmp/acks" | tail -1 | cut -d: -f1)
expect "h1 played before l1 started again" test "$h_played" -lt "$l_again"
rx_stop
segs=$(segments prio)
case "$segs" in "T T A T A A A" | "T S A T A A A" | "T A T A T A A A") r=0 ;; *) r=1 ;; esac
check "captured: l1 cut, h1 whole, l1 whole (got '$segs')" 0 $r

# --- 5. a drill is announced as a drill before and after; refused when drills are not accepted
make d1 --drill --repeats 1 --priority 20
make d2 --drill --repeats 1 --priority 20
rx_start drill
send d1
wait_until 20 has_ack "$(id_of d1)" played
rx_stop
check "captured: drill notice, signal, message, drill notice" "S T A S" "$(segments drill)"
rx_start nodrill --no-accept-drills
send d2
wait_until 10 has_ack "$(id_of d2)" rejected drill-refused
sleep 0.5
rx_stop
expect "drills refused: rejected drill-refused" has_ack "$(id_of d2)" rejected drill-refused
check "drills refused: never received" 0 "$(acks "$(id_of d2)" received)"
check "drills refused: nothing captured" "" "$(segments nodrill)"

# --- 6. commands: test tone, replayed nonce ignored, too old refused; cancel ----------------
"$publish" cmd "$tmp/bureau/signing.key" test-tone - n-0001 "$tmp/m/tt.cmd"
"$publish" cmd "$tmp/bureau/signing.key" test-tone - n-0002 "$tmp/m/old.cmd" --age 100000
"$publish" cmd "$tmp/forger/signing.key" test-tone - n-0003 "$tmp/m/forged.cmd"
rx_start tone --test-tone-s 2
wait_until 10 grep -q "rx/rx-1/status .*online" "$tmp/acks"
sleep 0.5
pub "$P/rx/rx-1/cmd" "$tmp/m/tt.cmd"
pub "$P/rx/rx-1/cmd" "$tmp/m/forged.cmd"
pub "$P/rx/rx-1/cmd" "$tmp/m/old.cmd"
sleep 3
pub "$P/rx/rx-1/cmd" "$tmp/m/tt.cmd"
sleep 3
rx_stop
check "captured: one 2 s test tone" "T" "$(segments tone)"
expect "replayed nonce ignored" grep -q "nonce=n-0001 replayed: ignored" "$tmp/rx.log"
expect "old command refused" grep -q "nonce=n-0002 issued .* s ago: refused" "$tmp/rx.log"
expect "forged command refused by the seal check" \
	grep -q "topic=$P/rx/rx-1/cmd refused, not acknowledged: unknown-key" "$tmp/rx.log"

make k1 --repeats 6
"$publish" cmd "$tmp/bureau/signing.key" cancel "$(id_of k1)" n-0004 "$tmp/m/cancel.cmd"
rx_start cmdcancel
send k1
wait_until 20 has_ack "$(id_of k1)" playing
sleep 1
pub "$P/rx/rx-1/cmd" "$tmp/m/cancel.cmd"
wait_until 10 has_ack "$(id_of k1)" cleared
sleep 0.5
rx_stop
check "cancel command: cleared" "received playing cleared" "$(ack_order "$(id_of k1)")"
segs=$(segments cmdcancel)
case "$segs" in "T" | "T A") r=0 ;; *) r=1 ;; esac
check "cancel command: stopped early (got '$segs')" 0 $r

# --- 7. audio device error --------------------------------------------------------------------
make z1 --repeats 1
rx_start nodevice --audio-device no-such-card
send z1
wait_until 20 has_ack "$(id_of z1)" failed audio-device
rx_stop
check "no audio device: failed audio-device" 1 "$(acks "$(id_of z1)" failed audio-device)"

# --- 8. --play FILE for installers, into a WAV file -------------------------------------------
"$receiver" --play "$tmp/m/a1.audio" --audio-out "$tmp/installer.wav" --tone-ms 1000 >"$tmp/play.out" 2>&1
check "--play exits 0" 0 $?
check "--play: signal then the file" "T A" "$("$analyse" "$tmp/installer.wav" | sed -n 's/^segments *//p')"
check "--play: full scale is -1 dBFS" "peak 0.89" "$("$analyse" "$tmp/installer.wav" | grep ^peak)"
"$receiver" --play "$tmp/m/a1.audio" --audio-out "$tmp/quiet.wav" --tone-ms 1000 --volume 50 >/dev/null 2>&1
check "--volume 50 halves the level" "peak 0.45" "$("$analyse" "$tmp/quiet.wav" | grep ^peak)"
"$receiver" --test-tone --test-tone-s 1 --audio-out "$tmp/test.wav" >/dev/null 2>&1
check "--test-tone: one second of the signal" "segments T ms 1000" "$("$analyse" "$tmp/test.wav" | head -2 | tr '\n' ' ' | sed 's/ $//')"

expect "no sanitizer reports" no_sanitizer_reports
finish
