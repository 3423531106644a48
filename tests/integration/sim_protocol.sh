#!/usr/bin/env bash
# sim_protocol.sh — tocsin-sim speaking the receiver protocol to a real
# mosquitto: a sealed alert is received, played and displayed; an unknown key,
# malformed and other-version payloads are refused and counted, never
# acknowledged (nothing in them is verified); an expired alert and a bad
# audio digest are refused with the right reason; a re-sent alert repeats
# its final ack without playing again; Cancel and a cancel command clear;
# an empty or garbage retained message changes nothing; replayed commands
# are ignored; status online/offline; report.
# Usage: sim_protocol.sh TOCSIN_SIM SIM_PUBLISH EXAMPLES_DIR
set -u
sim=$1
mk=$2
examples=$3
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim_lib.sh"
trap sim_cleanup EXIT

"$mk" keygen "$tmp" >/dev/null || exit 1
mkdir "$tmp/other" && "$mk" keygen "$tmp/other" >/dev/null || exit 1
key=$tmp/signing.key
# Five receivers in one village; the fifth is a signage display.
sim_broker || exit 1
record_acks
"$sim" --broker "127.0.0.1:$port" --pubkey "$tmp/signing.pub" --count 5 --region 120116001001 --kind mixed \
	--delay-ms 100 --audio-timeout-ms 400 --report "$tmp/report.json" -v 2>"$tmp/sim.log" &
simpid=$!
wait_until 10 grep -q "all 5 receivers connected" "$tmp/sim.log"
check "all connected" 0 $?
expect "status online, retained" bash -c "mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 3 -t '$P/rx/sim-00004/status' \
	| jq -e '.state == \"online\" and .kind == \"signage\"'"

# make NAME EXAMPLE [sim_publish options]: the sealed alert in $tmp/NAME; prints its id
make_alert() {
	mkdir -p "$tmp/$1"
	local cap=$2
	[ "${cap#/}" = "$cap" ] && cap=$examples/$2
	"$mk" alert "${KEY:-$key}" "$cap" "$tmp/$1" "${@:3}" >/dev/null || return 1
	cat "$tmp/$1/id"
}

# 1. A sealed alert with its audio: received, playing, then played (loudspeakers); received, then
# displayed (signage, which plays nothing, as tocsin-signage).
orange=$(make_alert orange cn-typhoon-orange.xml --expires-in 3600)
pub "$P/audio/$(cat "$tmp/orange/zh-CN.audio_id")" "$tmp/orange/zh-CN.audio" retain
pub "$P/region/120116/alert/$orange" "$tmp/orange/sealed" retain
wait_until 10 acks_are 4 "$orange" played
check "played by the 4 loudspeakers" 4 "$(acks "$orange" played)"
wait_until 5 acks_are 1 "$orange" displayed
check "displayed by the signage" 1 "$(acks "$orange" displayed sim-00004)"
check "received by all" 5 "$(acks "$orange" received)"
check "playing by the loudspeakers" 4 "$(acks "$orange" playing)"
check "the signage never playing" 0 "$(acks "$orange" playing sim-00004)"
check "playing at QoS 0, received and played at QoS 1" "4 5 4" \
	"$(acks_at_qos "$tmp/acks" playing 0) $(acks_at_qos "$tmp/acks" received 1) $(acks_at_qos "$tmp/acks" played 1)"
expect "first-alert milestone" grep -q "first alert $orange" "$tmp/sim.log"
check "one audio fetch" 1 "$(grep -c "fetching $P/audio" "$tmp/sim.log")"

# 2. Sealed with a key they do not trust: refused unknown-key, never acknowledged (counted at the end).
wrong=$(KEY=$tmp/other/signing.key make_alert wrong cn-lightning-yellow.xml --expires-in 3600)
pub "$P/region/120116001/alert/$wrong" "$tmp/wrong/sealed"

# 3. Expired: rejected expired, nothing played.
expired=$(make_alert expired cn-storm-surge-yellow.xml --expires-in -60)
pub "$P/region/12/alert/$expired" "$tmp/expired/sealed"
wait_until 10 acks_are 5 "$expired" rejected '[^/]*' expired
check "expired rejected" 5 "$(acks "$expired" rejected '[^/]*' expired)"
check "expired not played" 0 "$(acks "$expired" playing)"
check "unknown key: no acknowledgment at all" "" "$(grep "\"alert\":\"$wrong\"" "$tmp/acks")"

# 4. The audio message does not match its digest: failed digest-mismatch; signage shows the text anyway.
red=$(make_alert red cn-rainstorm-red.xml --expires-in 3600)
head -c 3000 /dev/urandom >"$tmp/red/bogus.audio"
pub "$P/audio/$(cat "$tmp/red/zh-CN.audio_id")" "$tmp/red/bogus.audio" retain
pub "$P/region/120116001001/alert/$red" "$tmp/red/sealed" retain
wait_until 10 acks_are 4 "$red" failed '[^/]*' digest-mismatch
check "digest mismatch failed" 4 "$(acks "$red" failed '[^/]*' digest-mismatch)"
check "digest mismatch not played" 0 "$(acks "$red" played)"
wait_until 5 acks_are 1 "$red" displayed
check "signage displays it without audio" 1 "$(acks "$red" displayed sim-00004)"

# 5. Re-sent to one receiver: its final ack again, no second playing.
pub "$P/rx/sim-00000/cmd" "$tmp/orange/sealed"
wait_until 10 acks_are 2 "$orange" played sim-00000
check "re-sent: final ack repeated" 2 "$(acks "$orange" played sim-00000)"
sleep 0.3
check "re-sent: not played again" 1 "$(acks "$orange" playing sim-00000)"
check "re-sent: received once" 1 "$(acks "$orange" received sim-00000)"

# 6. Cancel: the referenced active alert is cleared everywhere, then the Cancel
#    itself is announced (the warning is lifted) like any alert.
cancel=$(make_alert cancel cn-typhoon-cancel.xml --expires-in 3600)
pub "$P/audio/$(cat "$tmp/cancel/zh-CN.audio_id")" "$tmp/cancel/zh-CN.audio" retain
pub "$P/region/120116/alert/$cancel" "$tmp/cancel/sealed" retain
wait_until 10 acks_are 5 "$orange" cleared
check "cancel clears the original" 5 "$(acks "$orange" cleared)"
wait_until 10 acks_are 4 "$cancel" played
check "cancel received" 5 "$(acks "$cancel" received)"
check "the lifting announced by the loudspeakers" 4 "$(acks "$cancel" played)"
check "and shown by the display" 1 "$(acks "$cancel" displayed)"

# 7. A drill, then a cancel command to one receiver (and its replay, ignored).
drill=$(make_alert drill cn-rainstorm-blue-exercise.xml --expires-in 3600)
pub "$P/audio/$(cat "$tmp/drill/zh-CN.audio_id")" "$tmp/drill/zh-CN.audio" retain
pub "$P/region/120116001001/alert/$drill" "$tmp/drill/sealed" retain
wait_until 10 acks_are 4 "$drill" played
check "drill played" 4 "$(acks "$drill" played)"
"$mk" cmd "$key" cancel "$drill" nonce-0001 "$tmp/cancel.cmd"
pub "$P/rx/sim-00001/cmd" "$tmp/cancel.cmd"
wait_until 10 acks_are 1 "$drill" cleared sim-00001
check "cancel command clears" 1 "$(acks "$drill" cleared sim-00001)"
pub "$P/rx/sim-00001/cmd" "$tmp/cancel.cmd"
"$mk" cmd "$key" test-tone - nonce-0002 "$tmp/tone.cmd" --rx sim-00002
pub "$P/rx/sim-00002/cmd" "$tmp/tone.cmd"
printf '{"v":1,"cmd":"test-tone","at":1000000000,"nonce":"nonce-0004","rx":"sim-00002","kid":"%s"}' \
	"$("$mk" kid "$key")" >"$tmp/old.json"
"$mk" seal "$key" "$tmp/old.json" "$tmp/old.cmd"
pub "$P/rx/sim-00002/cmd" "$tmp/old.cmd"
"$mk" cmd "$tmp/other/signing.key" cancel "$orange" nonce-0003 "$tmp/forged.cmd" --rx sim-00003
pub "$P/rx/sim-00003/cmd" "$tmp/forged.cmd"
"$mk" cmd "$key" cancel "$drill" nonce-0005 "$tmp/other-rx.cmd" --rx sim-00002
pub "$P/rx/sim-00003/cmd" "$tmp/other-rx.cmd" # another receiver's command: not obeyed

# 8. An empty, then a garbage retained message on the drill's topic change nothing.
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -n -t "$P/region/120116001001/alert/$drill"
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -m garbage -t "$P/region/120116001001/alert/$drill"
sleep 0.5
check "empty and garbage retained: cleared only by the command" 1 "$(acks "$drill" cleared)"
check "garbage retained: nothing rejected for the drill" 0 "$(acks "$drill" rejected)"
check "replayed command ignored" 1 "$(acks "$drill" cleared sim-00001)"
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -n -t "$P/region/120116001001/alert/$drill"

# 9. Malformed payloads never crash it: refused with a reason, or counted.
printf 'not json at all' >"$tmp/junk.txt"
"$mk" seal "$key" "$tmp/junk.txt" "$tmp/junk.sealed"
pub "$P/region/120116/alert/0123456789abcdef" "$tmp/junk.sealed"
printf '{"v":2,"id":"fedcba9876543210","msgType":"Alert","infos":[{}]}' >"$tmp/v2.json"
"$mk" seal "$key" "$tmp/v2.json" "$tmp/v2.sealed"
pub "$P/region/120116/alert/fedcba9876543210" "$tmp/v2.sealed"
printf '{"v":1,"id":"0011223344556677","msgType":"Alert","infos":[]}' >"$tmp/noinfo.json"
"$mk" seal "$key" "$tmp/noinfo.json" "$tmp/noinfo.sealed"
pub "$P/region/120116/alert/0011223344556677" "$tmp/noinfo.sealed"
pub "$P/rx/sim-00000/cmd" "$tmp/junk.txt"
head -c 200 "$tmp/orange/sealed" >"$tmp/cut.sealed"
pub "$P/region/120116/alert/$orange" "$tmp/cut.sealed"
sleep 0.5
check "malformed: never acknowledged" "" "$(grep -E '"alert":"(0123456789abcdef|fedcba9876543210|0011223344556677)"' "$tmp/acks")"
check "cut message: no rejection for the real alert" 0 "$(acks "$orange" rejected)"
expect "still running" kill -0 "$simpid"

# 10. The Update the Cancel referenced arrives late: never played, its final "cleared" repeated.
update=$(make_alert update cn-typhoon-red-update.xml --expires-in 3600)
pub "$P/region/120116/alert/$update" "$tmp/update/sealed"
wait_until 10 acks_are 5 "$update" cleared
check "cancelled before it came: cleared" 5 "$(acks "$update" cleared)"
check "cancelled before it came: not played" 0 "$(acks "$update" playing)"

# 11. Audio that never comes: 3 attempts, then failed audio-unavailable; signage shows the text.
sed 's/12011641600000_20260725131000_0/12011641600000_20260725131000_9/' "$examples/cn-lightning-yellow.xml" >"$tmp/noaudio.xml"
noaudio=$(make_alert noaudio "$tmp/noaudio.xml" --expires-in 3600)
pub "$P/region/120116/alert/$noaudio" "$tmp/noaudio/sealed"
wait_until 10 acks_are 4 "$noaudio" failed '[^/]*' audio-unavailable
check "no audio: failed audio-unavailable" 4 "$(acks "$noaudio" failed '[^/]*' audio-unavailable)"
check "no audio: signage displays" 1 "$(acks "$noaudio" displayed sim-00004)"
check "three fetch attempts" 3 "$(grep -c "fetching $P/audio/$noaudio" "$tmp/sim.log")"

# 12. The report, on SIGUSR1 and at the end.
kill -USR1 "$simpid"
wait_until 5 test -s "$tmp/report.json"
expect "report on SIGUSR1" jq -e '.receivers == 5 and .connected == 5' "$tmp/report.json"
kill -TERM "$simpid"
wait "$simpid"
check "clean stop on SIGTERM" 0 $?
simpid=
expect "stop logged" grep -q "stopped;" "$tmp/sim.log"
expect "no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$tmp/sim.log'"
r=$tmp/report.json
# Per alert: what the receivers did; the repeated final ack of the re-send counts in .acks only.
expect "report counts" jq -e --arg o "$orange" '.alerts[$o].played == 4 and .alerts[$o].displayed == 1 and
	.alerts[$o].cleared == 5 and .alerts[$o].playing == 4 and .acks.played == 13 and .repeated_copies == 6' "$r"
expect "report rejections" jq -e '.rejected["bad-signature"] == 5 and .rejected["unknown-key"] == 6 and
	.rejected.expired == 5 and .rejected["malformed-payload"] == 10 and .rejected["unsupported-version"] == 5 and
	.rejected.unsigned == 6 and .rejected["empty-message"] >= 5 and .rejected["not-for-this-receiver"] == 1' "$r"
expect "report commands" jq -e '.cancel_commands == 1 and .test_tones == 1 and .replays_ignored == 1 and
	.rejected["command-too-old"] == 1' "$r"
expect "report drills and silent" jq -e '.drills == 5 and .silent == [] and .acks.failed == 8 and
	.rejected["audio-timeout"] == 1' "$r"
expect "status offline after stop (Last Will)" bash -c "mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 3 \
	-t '$P/rx/sim-00002/status' | jq -e '.state == \"offline\"'"

# Flags.
"$sim" --count 3 2>/dev/null
check "missing --region is a usage error" 2 $?
"$sim" --count 3 --region 12x --pubkey "$tmp/signing.pub" 2>/dev/null
check "bad region is a usage error" 2 $?
"$sim" --count 3 --region 12 --pubkey "$tmp/signing.pub" --fail-rate 2 2>/dev/null
check "fail-rate above 1 is a usage error" 2 $?
"$sim" --count 3 --region 12 --pubkey "$tmp/signing.key" --duration-s 1 2>"$tmp/err"
check "a secret key is not a public key" 1 $?
"$sim" --help | grep -q "not restart-safe"
check "help says the seen-list is not kept" 0 $?

finish
