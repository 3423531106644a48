#!/usr/bin/env bash
# rx_tocsind.sh — the real chain: tocsind (renders speech, seals, publishes
# over the secured mosquitto of tocsin broker setup), one tocsin-receiver whose
# sound card is an ALSA file device, one tocsin-signage on a tmux terminal,
# both with the configuration tocsin provision writes for them. A typhoon warning is
# played (signal, then speech) and shown, its Update replaces it, its Cancel
# stops it and lifts it; coverage comes from their acknowledgments.
# Usage: rx_tocsind.sh TOCSIND TOCSIN TOCSIN_RECEIVER TOCSIN_SIGNAGE RX_ANALYSE EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
receiver=$3
signage=$4
analyse=$5
examples=$6
publish=/bin/false
tmp=$(mktemp -d)
pid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/rx_lib.sh"
tm() { tmux -S "$tmp/tmux.sock" "$@"; }
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	tm kill-server 2>/dev/null
	rx_cleanup
}
trap cleanup EXIT
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 77; }

fresh() { # an example moved to today (Beijing time), expiring tomorrow
	local today tomorrow
	today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
	tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
	sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" \
		-e "s/_2026[0-9]\{4\}/_${today//-/}/g" "$examples/$1" | sed "s|<expires>${today}T|<expires>${tomorrow}T|"
}
status_is() { "$tocsin" status "$1" --json --server "$url" 2>/dev/null | jq -e "$2" >/dev/null; }
screen() { tm capture-pane -p -t sg; }
shows() { screen | grep -qF -- "$1"; }
gone() { ! shows "$1"; }

mkdir -p "$tmp/data"
staff "$tmp/data" # the registry clerk imports and provisions, the approver submits
start_secure_broker "$tmp" "$tmp/data" || { echo "no broker"; exit 1; }
record_acks
# about delivery, not approval: alerts go out without a second person
printf '[tocsind]\nack_timeout_s = 30\nplay_timeout_s = 300\napproval_required = none\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "$broker_url" 2>>"$tmp/tocsind.log" &
pid=$!
wait_until 20 test -s "$tmp/data/http.addr"
url="http://$(cat "$tmp/data/http.addr")"
expect "tocsind up" curl -sf "$url/healthz"
printf 'id,kind,name,lat,lon,region,shelter,drills\nrx-tg-1,loudspeaker,新港社区大喇叭,39.0102,117.6950,%s,,yes\nsg-tg-1,signage,新港小学避难场所显示屏,39.0110,117.6960,%s,,yes\n' \
	"$REGION" "$REGION" >"$tmp/receivers.csv"
"$tocsin" import receivers "$tmp/receivers.csv" --server "$url" >/dev/null
check "receivers imported" 0 $?

# Each device's configuration as provisioned: broker address, account, CA, the keys it trusts.
for r in rx-tg-1 sg-tg-1; do
	"$tocsin" provision "$r" --server "$url" --out "$tmp/$r.conf" >/dev/null
done
check "provisioned for TLS" "broker = $broker_url" "$(grep '^broker' "$tmp/sg-tg-1.conf")"
cp "$tmp/rx-tg-1.conf" "$tmp/rx.conf"
cat >>"$tmp/rx.conf" <<-EOF2
	state_dir = $tmp/rx-state
	tone_ms = 1000
	max_repeats = 2
	realtime = false
EOF2
rx_start chain
tm new-session -d -s sg -x 100 -y 30 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai bash --norc"
sleep 0.3
tm send-keys -t sg "exec 2>>'$tmp/sg.log'; '$signage' --config '$tmp/sg-tg-1.conf' --state-dir '$tmp/sg-state' --shelter-name 新港小学 --shelter-capacity 600" Enter
wait_until 10 shows "当前没有生效的预警"
check "signage idle" 0 $?
wait_until 10 eval 'test "$(grep -c '\''status .*"online"'\'' "$tmp/acks")" -ge 2'

fresh cn-typhoon-orange.xml >"$tmp/orange.xml"
orange=$("$tocsin" submit "$tmp/orange.xml" --server "$url")
check "orange accepted" 0 $?
expect "played and displayed: coverage 100 %" wait_until 300 status_is "$orange" '.counts.played == 1 and .counts.displayed == 1 and .coverage == 100'
expect "signage shows the headline" shows "天津市滨海新区气象台发布台风橙色预警"
expect "signage shows the level" shows "[橙色 ORANGE] 台风"
# (a second copy, a direct re-send or the retained one, is acknowledged with where it stands)
ONLY=rx-tg-1 ack_order "$orange" | grep -qE '^received( playing)+ played$'
check "loudspeaker acks: received, playing, played (got '$(ONLY=rx-tg-1 ack_order "$orange")')" 0 $?
check "signage acks" "received displayed" "$(ONLY=sg-tg-1 ack_order "$orange")"

fresh cn-typhoon-red-update.xml >"$tmp/red.xml"
red=$("$tocsin" submit "$tmp/red.xml" --server "$url")
expect "red played and displayed" wait_until 300 status_is "$red" '.counts.played == 1 and .counts.displayed == 1'
wait_until 10 gone "天津市滨海新区气象台发布台风橙色预警"
check "orange off the screen" 0 $?
expect "red on the screen" shows "天津市滨海新区气象台将台风橙色预警升级为台风红色预警"
check "orange cleared on both" 2 "$(acks "$orange" cleared)"

fresh cn-typhoon-cancel.xml >"$tmp/cancel.xml"
cancel=$("$tocsin" submit "$tmp/cancel.xml" --server "$url")
expect "the lifting played and displayed" wait_until 300 status_is "$cancel" '.counts.played == 1 and .counts.displayed == 1'
wait_until 10 gone "将台风橙色预警升级为台风红色预警"
check "red off the screen" 0 $?
expect "lifting notice" shows "[解除 LIFTED]"
expect "red cleared on both" test "$(ONLY=rx-tg-1 acks "$red" cleared)" -ge 1 -a "$(ONLY=sg-tg-1 acks "$red" cleared)" -ge 1
check "red cancelled on the server" cancelled "$("$tocsin" status "$red" --json --server "$url" | jq -r .state)"
rx_stop
segs=$(segments chain)
# orange, red, the lifting: each the signal then speech (one or more segments) twice
n_t=$(echo "$segs" | tr ' ' '\n' | grep -c T)
check "three programmes, each after its attention signal (got '$segs')" 3 "$n_t"
expect "speech after each signal" test "$(echo "$segs" | tr -d ' ' | sed 's/TSS*/x/g')" = xxx
tm send-keys -t sg C-c
check_log "$tmp/tocsind.log"
finish
