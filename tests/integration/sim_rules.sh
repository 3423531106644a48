#!/usr/bin/env bash
# sim_rules.sh — tocsin-sim follows tocsin-receiver's own rules: both are
# given the same messages on one mosquitto and must answer alike. Commands
# issued 700 s ago or dated 700 s ahead are refused (a cancel: rejected
# command-too-old for its alert), one 300 s old is obeyed, a replay is
# ignored, an expired alert is rejected; an alert out of their scope, on
# another alert's topic or issued in the future is refused without a word,
# one scoped to them by id is taken; an empty or garbage retained message
# changes nothing; and the acknowledgments of the two match one for one.
# Usage: sim_rules.sh TOCSIN_SIM TOCSIN_RECEIVER SIM_PUBLISH EXAMPLES_DIR
set -u
sim=$1
receiver=$2
mk=$3
examples=$4
tmp=$(mktemp -d)
rxpid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim_lib.sh"
cleanup() {
	[ -n "$rxpid" ] && kill -KILL "$rxpid" 2>/dev/null
	sim_cleanup
}
trap cleanup EXIT

"$mk" keygen "$tmp" >/dev/null || exit 1
key=$tmp/signing.key
sim_broker || exit 1
record_acks
"$sim" --broker "127.0.0.1:$port" --pubkey "$tmp/signing.pub" --count 1 --region 120116001001 \
	--report "$tmp/report.json" -v 2>"$tmp/sim.log" &
simpid=$!
cat >"$tmp/rx.conf" <<-EOF
	[receiver]
	id = rx-1
	region = 120116001001
	broker = 127.0.0.1:$port
	pubkey = $tmp/signing.pub
	state_dir = $tmp/state
	audio_out = $tmp/rx.wav
EOF
"$receiver" --config "$tmp/rx.conf" 2>"$tmp/rx.log" &
rxpid=$!
wait_until 10 grep -q "all 1 receivers connected" "$tmp/sim.log"
check "the simulator connected" 0 $?
wait_until 10 bash -c "mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 2 -t '$P/rx/rx-1/status' | grep -q online"
check "the receiver connected" 0 $?

kid=$("$mk" kid "$key")

# command NAME KIND ALERT AT: a sealed command issued at AT (unix seconds) for each receiver,
# in $tmp/NAME.sim-00000.cmd and $tmp/NAME.rx-1.cmd
command() {
	local alert= rx
	[ "$3" != - ] && alert=",\"alert\":\"$3\""
	for rx in sim-00000 rx-1; do
		printf '{"v":1,"cmd":"%s","at":%s,"nonce":"%s"%s,"rx":"%s","kid":"%s"}' "$2" "$4" "$1" "$alert" "$rx" \
			"$kid" >"$tmp/$1.$rx.json"
		"$mk" seal "$key" "$tmp/$1.$rx.json" "$tmp/$1.$rx.cmd" >/dev/null
	done
}

# both NAME: publish each its own command NAME on its command topic
both() {
	pub "$P/rx/sim-00000/cmd" "$tmp/$1.sim-00000.cmd"
	pub "$P/rx/rx-1/cmd" "$tmp/$1.rx-1.cmd"
}

# alert NAME EXAMPLE [sim_publish options]: a sealed alert in $tmp/NAME; prints its id
alert() {
	mkdir -p "$tmp/$1"
	"$mk" alert "$key" "$examples/$2" "$tmp/$1" --no-audio "${@:3}" >/dev/null || return 1
	cat "$tmp/$1/id"
}

now=$(date +%s)
command old cancel a1a1a1a1a1a1a1a1 $((now - 700))
command ahead cancel a2a2a2a2a2a2a2a2 $((now + 700))
command tone test-tone - $((now - 700))
command recent cancel a3a3a3a3a3a3a3a3 $((now - 300))
command last cancel a4a4a4a4a4a4a4a4 "$now"
mkdir "$tmp/expired"
"$mk" alert "$key" "$examples/cn-storm-surge-yellow.xml" "$tmp/expired" \
	--expires-in -60 >/dev/null || exit 1
expired=$(cat "$tmp/expired/id")

elsewhere=$(alert elsewhere cn-lightning-yellow.xml --expires-in 3600 --scope-region 31)
wrongtopic=$(alert wrongtopic cn-rainstorm-red.xml --expires-in 3600)
future=$(alert future cn-typhoon-orange.xml --expires-in 7200 --issued-in 3600)
byid=$(alert byid cn-rainstorm-blue-exercise.xml --expires-in 3600 --scope-rx rx-1 --scope-rx sim-00000 \
	--scope-region 31)

both old
both ahead
both tone
both recent
both old # a replay: ignored, even though too old
pub "$P/region/120116/alert/$expired" "$tmp/expired/sealed"
pub "$P/region/120116/alert/$elsewhere" "$tmp/elsewhere/sealed"
pub "$P/region/120116/alert/0123456789abcdef" "$tmp/wrongtopic/sealed"
pub "$P/region/120116/alert/$future" "$tmp/future/sealed"
pub "$P/region/120116/alert/$byid" "$tmp/byid/sealed"
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -n -t "$P/region/120116/alert/$byid"
mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -r -m garbage -t "$P/region/120116/alert/$byid"
both last
wait_until 10 acks_are 2 a4a4a4a4a4a4a4a4 cleared
check "the last command reached both" 2 "$(acks a4a4a4a4a4a4a4a4 cleared)"
wait_until 5 acks_are 2 "$expired" rejected '[^/]*' expired
sleep 0.5

for who in sim-00000 rx-1; do
	check "$who: 700 s old cancel rejected command-too-old" 1 \
		"$(acks a1a1a1a1a1a1a1a1 rejected "$who" command-too-old)"
	check "$who: 700 s old cancel does not clear" 0 "$(acks a1a1a1a1a1a1a1a1 cleared "$who")"
	check "$who: cancel dated 700 s ahead rejected command-too-old" 1 \
		"$(acks a2a2a2a2a2a2a2a2 rejected "$who" command-too-old)"
	check "$who: cancel dated ahead does not clear" 0 "$(acks a2a2a2a2a2a2a2a2 cleared "$who")"
	check "$who: 300 s old cancel obeyed" 1 "$(acks a3a3a3a3a3a3a3a3 cleared "$who" cancelled)"
	check "$who: expired alert rejected" 1 "$(acks "$expired" rejected "$who" expired)"
	check "$who: out of scope: not a word" "" "$(grep "^$P/rx/$who/ack .*\"$elsewhere\"" "$tmp/acks")"
	check "$who: on another alert's topic: not a word" "" \
		"$(grep "^$P/rx/$who/ack .*\"\($wrongtopic\|0123456789abcdef\)\"" "$tmp/acks")"
	check "$who: issued an hour ahead: not a word" "" "$(grep "^$P/rx/$who/ack .*\"$future\"" "$tmp/acks")"
	check "$who: scoped by id: taken" 1 "$(acks "$byid" received "$who")"
	check "$who: empty and garbage retained: nothing cleared or rejected" "" \
		"$(grep "^$P/rx/$who/ack .*\"$byid\".*\"\(cleared\|rejected\)\"" "$tmp/acks")"
done

# The two answered alike: the same acknowledgments (alert, kind, reason), in the same order
# (playing and played left out: how long playing takes is each one's own).
answers() {
	grep "^$P/rx/$1/ack " "$tmp/acks" | sed 's/^[^ ]* //; s/ qos=.*//' |
		jq -c 'select(.ack != "playing" and .ack != "played") | [.alert, .ack, .reason]'
}
check "the simulator answers as the receiver does" "$(answers rx-1 | tr '\n' ' ')" "$(answers sim-00000 | tr '\n' ' ')"

kill -TERM "$simpid"
wait "$simpid"
check "the simulator stops cleanly" 0 $?
simpid=
expect "refusals counted" jq -e '.rejected["command-too-old"] == 3 and .replays_ignored == 1 and
	.cancel_commands == 2 and .test_tones == 0 and .rejected["out-of-scope"] == 1 and
	.rejected["topic-mismatch"] == 1 and .rejected["not-yet-valid"] == 1 and .rejected.unsigned == 1 and
	.rejected["empty-message"] == 1' "$tmp/report.json"
expect "the receiver logged why it refused" grep -q "refused: out-of-scope" "$tmp/rx.log"
expect "the receiver logged the empty message" grep -q "empty message ignored" "$tmp/rx.log"
expect "the receiver logged the garbage" grep -q "refused, not acknowledged: unsigned" "$tmp/rx.log"
expect "the receiver logged the refusals" grep -q "refused (cmd_max_age_s=600)" "$tmp/rx.log"
expect "no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error' '$tmp/sim.log' '$tmp/rx.log'"
finish
