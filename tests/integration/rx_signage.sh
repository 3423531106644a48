#!/usr/bin/env bash
# rx_signage.sh — tocsin-signage against the secured mosquitto of tocsin
# broker setup (TLS, its own account, configured by the file tocsin provision
# writes), on a terminal (tmux: send-keys starts it, capture-pane reads the
# screen): the idle screen, a Chinese headline shown with its colour level
# and aligned to the columns, alerts by priority, forged and expired ones
# never shown (published with tocsind's account: its own checks refuse them),
# Cancel clearing and showing "warning lifted", withdrawal and expiry
# clearing, the screen back after a restart, and --once printing it for
# scripts.
# Usage: rx_signage.sh TOCSIN_SIGNAGE RX_PUBLISH TOCSIND TOCSIN
set -u
signage=$1
publish=$2
tocsind=$3
tocsin=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/rx_lib.sh"
export RXID=sg-1
tm() { tmux -S "$tmp/tmux.sock" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	rx_cleanup
}
trap cleanup EXIT
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 77; }

staff "$tmp/data" # the registry clerk who imports and provisions the devices
secure_site signage "" sg-1 sg-2 || { cat "$tmp/mosquitto.log" "$tmp/tocsind.log"; exit 1; }
keys || exit 1
record_acks
# as provisioned, with the shelter's name and capacity
cat "$tmp/sg-1.conf" - >"$tmp/rx.conf" <<-EOF2
	state_dir = $tmp/state
	shelter_name = 新城镇第一小学避难场所
	shelter_capacity = 800
	notice_s = 600
EOF2
cat "$tmp/sg-2.conf" - >"$tmp/sg-2-test.conf" <<-EOF2
	state_dir = $tmp/state2
EOF2

screen() { tm capture-pane -p -t rx; }
shows() { screen | grep -qF -- "$1"; }
gone() { ! shows "$1"; }
line_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
# width LINE: display columns of a screen line (wide characters count two)
width() {
	screen | sed -n "${1}p" | python3 -c 'import sys, unicodedata as u
s = sys.stdin.read().rstrip("\n").rstrip()
print(sum(2 if u.east_asian_width(c) in "WF" else 1 for c in s))'
}

tm new-session -d -s rx -x 100 -y 32 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai TERM=xterm-256color bash --norc"
sleep 0.3
tm send-keys -t rx "exec 2>>'$tmp/rx.log'; '$signage' --config '$tmp/rx.conf'" Enter
wait_until 10 shows "当前没有生效的预警"
check "idle screen" 0 $?
expect "shelter name and capacity" shows "新城镇第一小学避难场所  容纳 800 人"
check "header fills exactly 100 columns (clock at the right edge)" 100 "$(width 1)"

make t1 --colour orange --priority 70 --event 台风 --headline "滨海新区发布台风橙色预警" \
	--instruction "请立即停止户外活动，到就近的避难场所避险。" --message none
make r1 --colour red --priority 90 --event 暴雨 --headline "暴雨红色预警：停课停业" --message none
make e1 --headline "过期的预警不应显示" --expires-in -30 --message none
"$publish" alert "$tmp/forger/signing.key" "$tmp/m" f1 --headline "伪造的预警不应显示" --message none
make x1 --type Cancel --ref t1 --colour none --event 台风 --headline "台风橙色预警解除" --priority 10 --message none

send t1
wait_until 10 shows "滨海新区发布台风橙色预警"
check "Chinese headline shown" 0 $?
expect "colour level and event" shows "[橙色 ORANGE] 台风"
expect "instruction" shows "请立即停止户外活动，到就近的避难场所避险。"
expect "issued and until" shows "发布 12-01 08:00 · 有效至"
wait_until 5 has_ack "$(id_of t1)" displayed
check "t1 acks" "received displayed" "$(ack_order "$(id_of t1)")"
tl=$(line_of "[橙色 ORANGE] 台风")
check "a Chinese title line stays within 100 columns" 1 "$([ "$(width "$tl")" -le 100 ] && echo 1)"

send r1
send f1
send e1
wait_until 10 shows "暴雨红色预警：停课停业"
wait_until 5 has_ack "$(id_of e1)" rejected expired
expect "red above orange" test "$(line_of "[红色 RED] 暴雨")" -lt "$(line_of "[橙色 ORANGE] 台风")"
expect "forged: never shown" gone "伪造的预警不应显示"
expect "expired: never shown" gone "过期的预警不应显示"
check "forged: never acknowledged" "" "$(ack_order "$(id_of f1)")"
expect "forged: through the broker (tocsind's account), refused by the sign's own seal check" \
	grep -q "topic=$P/region/${REGION:0:6}/alert/$(id_of f1) refused, not acknowledged: unknown-key" "$tmp/rx.log"
check "expired: rejected expired" 1 "$(acks "$(id_of e1)" rejected expired)"
expect "footer counts 2" shows "生效预警 2 条"

send x1
wait_until 10 gone "滨海新区发布台风橙色预警"
check "Cancel clears the typhoon headline" 0 $?
expect "warning lifted notice" shows "[解除 LIFTED] 台风"
expect "lifted headline" shows "台风橙色预警解除"
wait_until 5 has_ack "$(id_of t1)" cleared cancelled
check "t1 cleared" "received displayed cleared" "$(ack_order "$(id_of t1)")"
wait_until 5 has_ack "$(id_of x1)" displayed
check "Cancel displayed" "received displayed" "$(ack_order "$(id_of x1)")"

# an empty retained message on r1's topic changes nothing; the bureau's signed cancel command ends it
as_tocsind && mosquitto_pub -h 127.0.0.1 -p "$broker_port" "${secure[@]}" -q 1 -r -n -t "$P/region/120116/alert/$(id_of r1)"
sleep 1
expect "empty retained: still shown" shows "暴雨红色预警：停课停业"
check "empty retained: not cleared" 0 "$(acks "$(id_of r1)" cleared)"
"$publish" cmd "$tmp/bureau/signing.key" cancel "$(id_of r1)" n-9001 "$tmp/m/r1.cmd" --rx sg-1
pub "$P/rx/sg-1/cmd" "$tmp/m/r1.cmd"
wait_until 10 gone "暴雨红色预警：停课停业"
check "cancel command: off the screen" 0 $?
wait_until 5 has_ack "$(id_of r1)" cleared cancelled
check "cancel command: cleared" 1 "$(acks "$(id_of r1)" cleared cancelled)"

# made just before it is sent: it expires 4 s after, whatever the steps above took
make s1 --colour yellow --priority 40 --event 雷电 --headline "雷电黄色预警很快到期" --expires-in 4 --message none
send s1
wait_until 10 shows "雷电黄色预警很快到期"
check "soon-to-expire: shown first" 0 $?
wait_until 10 gone "雷电黄色预警很快到期"
check "expiry clears" 0 $?
wait_until 5 has_ack "$(id_of s1)" cleared expired
check "expiry: cleared expired" 1 "$(acks "$(id_of s1)" cleared expired)"

# Ctrl-C stops it; started again it shows what is in force (from its state folder)
tm send-keys -t rx C-c
wait_until 10 grep -q "rx/sg-1/status .*offline" "$tmp/acks"
check "stopped with Ctrl-C: status offline" 0 $?
as_tocsind && mosquitto_pub -h 127.0.0.1 -p "$broker_port" "${secure[@]}" -q 1 -r -n -t "$P/region/120116/alert/$(id_of x1)" # not there on the broker any more
tm send-keys -t rx "clear; '$signage' --config '$tmp/rx.conf' --broker 127.0.0.1:1" Enter
wait_until 10 shows "台风橙色预警解除"
check "restart without broker: the notice is back from disk" 0 $?
expect "offline shown" shows "离线 offline"
expect "cancelled alert stays off" gone "滨海新区发布台风橙色预警"
tm send-keys -t rx C-c
sleep 0.5

# --once: the screen on stdout; --offline from the state folder, else from the broker
TZ=Asia/Shanghai LANG=C.UTF-8 "$signage" --config "$tmp/rx.conf" --once --offline --width 80 --height 20 \
	>"$tmp/once.txt" 2>>"$tmp/rx.log"
check "--once exits 0" 0 $?
check "--once prints 20 lines" 20 "$(wc -l <"$tmp/once.txt")"
expect "--once shows the notice" grep -qF "[解除 LIFTED] 台风" "$tmp/once.txt"
make o1 --colour red --priority 95 --event 风暴潮 --headline "风暴潮红色预警" --message none
send o1
LANG=C.UTF-8 "$signage" --config "$tmp/sg-2-test.conf" --once --once-wait 2 \
	>"$tmp/once2.txt" 2>>"$tmp/rx.log"
expect "--once from the broker shows a new alert" grep -qF "风暴潮红色预警" "$tmp/once2.txt"
wait_until 5 grep -q "rx/sg-2/ack .*\"alert\":\"$(id_of o1)\",\"ack\":\"displayed\"" "$tmp/acks"
check "--once acknowledges displayed" 0 $?
expect "no sanitizer reports" no_sanitizer_reports
finish
