# rx_lib.sh — what the tocsin-receiver and tocsin-signage scripts share:
# keys and sealed messages (rx_publish), an acknowledgment recorder, a
# receiver whose sound card is an ALSA file device (docs/operations.md: the
# capture holds exactly what was played), bounded waits.
# Sourced after lib.sh and broker.sh; needs $tmp, $receiver, $publish,
# $analyse (and $tocsind, $tocsin for secure_site); call rx_cleanup from
# the EXIT trap.
P=tocsin/v1
REGION=120116001001
rx_pid=
sub_pid=

# keys: the bureau's key pair in $tmp/bureau, a forger's in $tmp/forger; after secure_site the
# bureau's key is tocsind's own signing key (the one provisioned receivers trust)
keys() {
	mkdir -p "$tmp/bureau" "$tmp/forger" "$tmp/m"
	if [ -n "${broker_url:-}" ]; then
		cp "$tmp/data/signing.key" "$tmp/data/signing.pub" "$tmp/bureau/" || return 1
	else
		"$publish" keygen "$tmp/bureau" || return 1
	fi
	"$publish" keygen "$tmp/forger"
}

# secure_site KIND PORT ID...: the site as an operator sets it up (docs/operations.md, "Broker
# security"): the secured broker of start_secure_broker on PORT (empty: a free one), data dir
# $tmp/data; tocsind started once to import the receivers ID... (of KIND, in $REGION) and
# provision each into $tmp/ID.conf (broker, account, CA, trusted keys), then stopped. The broker
# is left running. Needs $tocsind and $tocsin.
secure_site() {
	local kind=$1 want=$2 url tpid r
	shift 2
	mkdir -p "$tmp/data"
	start_secure_broker "$tmp" "$tmp/data" "$want" || { echo "no secured broker"; return 1; }
	"$tocsind" --data-dir "$tmp/data" --http 127.0.0.1:0 --broker "$broker_url" 2>>"$tmp/tocsind.log" &
	tpid=$!
	url=$(server_url "$tmp/data") || { kill "$tpid"; return 1; }
	echo "id,kind,name,lat,lon,region" >"$tmp/receivers.csv"
	for r in "$@"; do
		echo "$r,$kind,$r,39.0102,117.6950,$REGION" >>"$tmp/receivers.csv"
	done
	"$tocsin" import receivers "$tmp/receivers.csv" --server "$url" >/dev/null &&
		for r in "$@"; do
			"$tocsin" provision "$r" --server "$url" --out "$tmp/$r.conf" >/dev/null || break
		done
	local rc=$?
	kill -TERM "$tpid"
	wait "$tpid" 2>/dev/null
	[ "$rc" = 0 ] || echo "cannot import and provision $*"
	return "$rc"
}

# as_tocsind: in the array secure, what gives mosquitto_pub and mosquitto_sub tocsind's rights on
# the secured broker (nothing on the plain one)
as_tocsind() {
	secure=()
	[ -n "${broker_url:-}" ] && secure=(--cafile "$broker_ca" -u tocsind -P "$(cat "$tmp/data/broker.password")")
	return 0
}

# record_acks [append]: every ack and status line, "topic payload qos=Q", in $tmp/acks (a new
# file unless "append")
record_acks() {
	local secure
	[ "${1:-}" = append ] || : >"$tmp/acks"
	# on the secured broker (start_secure_broker) it listens with tocsind's rights
	as_tocsind
	[ -n "${broker_url:-}" ] && secure+=(-i recorder)
	mosquitto_sub -h 127.0.0.1 -p "$broker_port" -V mqttv5 -q 1 "${secure[@]}" -F '%t %p qos=%q' -t "$P/rx/+/ack" \
		-t "$P/rx/+/status" >>"$tmp/acks" 2>/dev/null &
	sub_pid=$!
	sleep 0.3
}

# make NAME [rx_publish alert options]: $tmp/m/NAME.* signed by the bureau
make() {
	local name=$1
	shift
	"$publish" alert "$tmp/bureau/signing.key" "$tmp/m" "$name" "$@"
}

id_of() { cat "$tmp/m/$1.id"; }

# pub TOPIC FILE [retain]: published as tocsind would (with its rights on the secured broker)
pub() {
	local secure
	as_tocsind
	mosquitto_pub -h 127.0.0.1 -p "$broker_port" -V mqttv5 -q 1 "${secure[@]}" ${3:+-r} -t "$1" -f "$2"
}

# flood N OUT.tsv: rx_publish's flood of N alerts to the county, as tocsind would publish them
flood() {
	local secure=()
	[ -n "${broker_url:-}" ] && secure=(--cafile "$broker_ca" --user tocsind --password-file "$tmp/data/broker.password")
	"$publish" flood "$tmp/bureau/signing.key" 127.0.0.1 "$broker_port" "$P" "${REGION:0:6}" "$1" "$2" "${secure[@]}"
}

# send NAME [direct]: its audio (retained) then its sealed payload, retained on the county's
# alert topic (or on the receiver's cmd topic with "direct")
send() {
	local name=$1
	[ -f "$tmp/m/$name.audio" ] && pub "$P/audio/$(cat "$tmp/m/$name.audio_id")" "$tmp/m/$name.audio" r
	if [ "${2:-}" = direct ]; then
		pub "$P/rx/${RXID:-rx-1}/cmd" "$tmp/m/$name.sealed"
	else
		pub "$P/region/${REGION:0:6}/alert/$(id_of "$name")" "$tmp/m/$name.sealed" r
	fi
}

# acks ID KIND [REASON]: how many such acknowledgments were recorded (from receiver $ONLY
# when set)
acks() {
	local pat="^$P/rx/${ONLY:-[^/]*}/ack .*\"alert\":\"$1\",\"ack\":\"$2\""
	[ -n "${3:-}" ] && pat="$pat,\"at\":[0-9]*,\"reason\":\"$3\""
	grep -c -- "$pat" "$tmp/acks"
}

has_ack() { [ "$(acks "$@")" -ge 1 ]; }

# ack_order ID: the kinds acknowledged for ID, in order, space-separated; a repeat of the
# one before (a second copy of the alert from the broker, acknowledged again) is shown once
ack_order() {
	grep -- "^$P/rx/${ONLY:-[^/]*}/ack .*\"alert\":\"$1\"" "$tmp/acks" | sed 's/.*"ack":"\([a-z]*\)".*/\1/' | awk '$0 != "received" || $0 != p { print } { p = $0 }' | tr '\n' ' ' | sed 's/ $//'
}

# alsa_conf NAME: an ALSA configuration whose default device writes $tmp/NAME.wav
alsa_conf() {
	printf 'pcm.null { type null }\npcm.!default {\n type file\n slave.pcm "null"\n file "%s"\n format "wav"\n perm 0644\n}\n' \
		"$tmp/$1.wav" >"$tmp/$1.asound"
}

# rx_start CAPTURE [flags...]: the receiver (configured by $RXCONF, default $tmp/rx.conf), its
# sound card captured to $tmp/CAPTURE.wav
rx_start() {
	local cap=$1
	shift
	alsa_conf "$cap"
	rm -f "$tmp/$cap.wav"
	ALSA_CONFIG_PATH="$tmp/$cap.asound" "$receiver" --config "${RXCONF:-$tmp/rx.conf}" "$@" 2>>"$tmp/rx.log" &
	rx_pid=$!
}

# rx_stop: SIGTERM, wait up to 10 s, then SIGKILL
rx_stop() {
	[ -z "$rx_pid" ] && return 0
	kill -TERM "$rx_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$rx_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$rx_pid" 2>/dev/null
	wait "$rx_pid" 2>/dev/null
	rx_pid=
}

# segments CAPTURE: the content letters of a capture ("T A A"; "" when nothing was played)
segments() {
	"$analyse" "$tmp/$1.wav" | sed -n 's/^segments *//p'
}

# no_sanitizer_reports: neither the receivers' log nor tocsind's holds a sanitizer's report
no_sanitizer_reports() {
	! grep -qaE 'ERROR: [A-Za-z]*Sanitizer|runtime error: ' "$tmp/rx.log" "$tmp/tocsind.log" 2>/dev/null
}

rx_cleanup() {
	[ -n "$rx_pid" ] && kill -KILL "$rx_pid" 2>/dev/null
	[ -n "$sub_pid" ] && kill -KILL "$sub_pid" 2>/dev/null
	stop_broker
	wait 2>/dev/null
	store_drop
	rm -rf "$tmp"
}
