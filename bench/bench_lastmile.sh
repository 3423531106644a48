#!/usr/bin/env bash
# bench_lastmile.sh — the whole last mile of a warning: a county-wide orange
# typhoon warning (cap-schemas/examples/cn-typhoon-orange.xml, 120116) to N
# villages, each with one loudspeaker (tocsin-sim, one MQTT connection each; a
# share F never acknowledges) and one 信息员 (the escalation role; the SMS
# policy sends them the warning too), through tocsind with --smpp to the SMSC
# simulator (tests/smsc/tocsin-smsc-sim), which answers "收到 <code>" from the
# phone S seconds after every SMS carrying a reply code.
#
#   bench/bench_lastmile.sh [--villages N] [--fail-rate F] [--reply-delay-s S] [--smsc-tps T] [--build DIR]
#                           [--ack-timeout-s A] [--max-attempts M]
#
# Defaults: 1000 villages, 0.1, 60 s, 50 submit_sm a second. --smsc-tps is
# both tocsind's --smpp-tps and the simulator's --tps (above it the simulator
# answers ESME_RTHROTTLED). tocsind's ack_timeout_s and max_attempts are 2 and 2
# unless given (tocsind's own defaults, 30 and 3, escalate about 95 s later).
# tocsind has one SMS gateway: one SMSC simulator is started, at the first
# --smsc-tps given (the others are named and left out).
#
# A village is confirmed when tocsind counts its target reached: its loudspeaker
# acknowledged played, or its 信息员 replied with the code of the escalation SMS
# sent when the loudspeaker stayed silent (a reply to the policy SMS confirms no
# village). The count is tocsind's own: people.coverage_with_people (each
# target once, in tenths of a percent) × the targets, exact to one village up to
# 1,000 villages (one loudspeaker each).
#
# The status (GET /api/v1/alerts/ID, as a viewer) is read once a second. Prints
# the time from the POST to the publication (tocsind's log line), to every
# loudspeaker that can answer played, to 99 %, 99.9 % and 100 % of the
# villages confirmed, to the last escalation SMS handed to the SMSC (the
# simulator's record) and to the last part of any class; the SMS parts sent
# per class (/metrics tocsin_sms_parts_sent_total) and the submit_sm the SMSC
# received, accepted and throttled. Gives up 600 s after the POST.
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000
fail_rate=0.1
reply_delay_s=60
tps=()
build=build
ack_timeout_s=2
max_attempts=2
usage="usage: bench/bench_lastmile.sh [--villages N] [--fail-rate F] [--reply-delay-s S] [--smsc-tps T]... [--build DIR] [--ack-timeout-s A] [--max-attempts M]"
while [ $# -gt 0 ]; do
	case $1 in
	--villages) n=$2; shift 2 ;;
	--fail-rate) fail_rate=$2; shift 2 ;;
	--reply-delay-s) reply_delay_s=$2; shift 2 ;;
	--smsc-tps) tps+=("$2"); shift 2 ;;
	--build) build=$2; shift 2 ;;
	--ack-timeout-s) ack_timeout_s=$2; shift 2 ;;
	--max-attempts) max_attempts=$2; shift 2 ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
[ ${#tps[@]} -gt 0 ] || tps=(50)
for v in "$n" "$reply_delay_s" "$ack_timeout_s" "$max_attempts" "${tps[@]}"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "bench_lastmile: '$v' is not a whole number above 0; $usage" >&2; exit 2; }
done
[[ $fail_rate =~ ^(0(\.[0-9]+)?|1(\.0*)?)$ ]] ||
	{ echo "bench_lastmile: --fail-rate '$fail_rate' is not a share from 0 to 1; $usage" >&2; exit 2; }
[ "$n" -le 999000 ] || { echo "bench_lastmile: --villages $n: at most 999000 (999 towns of 1000 villages)" >&2; exit 2; }
. bench/bench_lib.sh
. tests/integration/smsc.sh
cleanup_smsc() { stop_smsc; cleanup; }
trap cleanup_smsc EXIT
ms() { date +%s%3N; }
log_ms() { date -d "$(cut -d' ' -f1 <<<"$1")" +%s%3N; }
give_up_s=600
play_timeout_s=30
smsc_tps=${tps[0]}

if [ ${#tps[@]} -gt 1 ]; then
	echo "note: tocsind has one SMS gateway; one SMSC simulator at ${smsc_tps} TPS is used, --smsc-tps ${tps[*]:1} left out"
fi
# silent loudspeakers: tocsin-sim's rule (receivers/sim_fleet.c), floor(N × F)
silent=$(awk -v n="$n" -v f="$fail_rate" 'BEGIN {printf "%d", n * f + 1e-9}')
answering=$((n - silent))

# alerts go out without a second person: the figure is delivery, not approval
printf '[tocsind]\nack_timeout_s = %d\nplay_timeout_s = %d\nmax_attempts = %d\nlog_level = info\napproval_required = none\n' \
	"$ack_timeout_s" "$play_timeout_s" "$max_attempts" >"$tmp/tocsind.conf"
tocsin=$(realpath "$build/server/tocsin")
staff "$tmp/data"
start_broker "$tmp" || { echo "mosquitto did not start" >&2; exit 1; }
pids+=("$broker_pid")
start_smsc "$tmp" --password s3cr3t --tps "$smsc_tps" --default-mode reply --reply-match 'ACK [0-9]{6}' \
	--reply-text '收到 {code}' --reply-delay-ms $((reply_delay_s * 1000)) --receipt-delay-ms 200 ||
	{ echo "the SMSC simulator did not start: $(cat "$tmp/smsc.log")" >&2; exit 1; }
printf 's3cr3t\n' >"$tmp/smpp.password"
chmod 600 "$tmp/smpp.password"
"$build/server/tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "127.0.0.1:$broker_port" --smpp "127.0.0.1:$smsc_port" --smpp-system-id tocsin \
	--smpp-password-file "$tmp/smpp.password" --smpp-tps "$smsc_tps" 2>>"$tmp/tocsind.log" &
server=$!
pids+=("$server")
url=$(server_url "$tmp/data")
for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done

# village i: 120116 + town (001, 002, …) + village (000 to 999)
village() { printf '120116%03d%03d' $((1 + $1 / 1000)) $(($1 % 1000)); }
# (tocsin-sim gives at most 64 codes round robin: the registry's region column is written here)
"$build/receivers/tocsin-sim" --emit-registry "$tmp/rx0.csv" --count "$n" --id-prefix v- --region 120116001000
awk -F, -v OFS=, 'NR > 1 {i = NR - 2; $6 = sprintf("120116%03d%03d", 1 + int(i / 1000), i % 1000)} 1' \
	"$tmp/rx0.csv" >"$tmp/rx.csv"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
{
	echo "phone,name,role,region,language"
	for i in $(seq 0 $((n - 1))); do printf '138%08d,信息员%d,信息员,%s,zh-CN\n' "$i" "$i" "$(village "$i")"; done
} >"$tmp/contacts.csv"
"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >"$tmp/import.out" 2>&1 ||
	{ echo "the contacts import failed: $(cat "$tmp/import.out")" >&2; exit 1; }
"$build/receivers/tocsin-sim" --registry "$tmp/rx.csv" --broker "127.0.0.1:$broker_port" \
	--pubkey "$tmp/data/signing.pub" --fail-rate "$fail_rate" --delay-ms 100 2>"$tmp/sim.log" &
pids+=("$!")
deadline=$((SECONDS + 300))
until [ "$(api viewer -s "$url/metrics" | awk '/^tocsin_receivers_online/ {print $2}')" = "$n" ]; do
	[ $SECONDS -lt $deadline ] || { echo "the loudspeakers did not all come online" >&2; exit 1; }
	sleep 0.5
done
echo "$n villages: $n loudspeakers online ($silent never acknowledge: --fail-rate $fail_rate), $n 信息员;" \
	"one SMSC simulator at $smsc_tps TPS (tocsind --smpp-tps $smsc_tps; tocsind has one SMS gateway)," \
	"replying '收到 <code>' ${reply_delay_s} s after each SMS with a code"
echo "tocsind: ack_timeout_s = $ack_timeout_s, max_attempts = $max_attempts, play_timeout_s = $play_timeout_s" \
	"(a silent loudspeaker is escalated about $((ack_timeout_s * max_attempts)) s after publication)"

examples=cap-schemas/examples
fresh cn-typhoon-orange.xml >"$tmp/alert.xml"
need99=$(awk -v n="$n" 'BEGIN {v = n * 0.99; printf "%d", (v == int(v)) ? v : int(v) + 1}')
need999=$(awk -v n="$n" 'BEGIN {v = n * 0.999; printf "%d", (v == int(v)) ? v : int(v) + 1}')

t0=$(ms)
id=$("$tocsin" submit "$tmp/alert.xml" --server "$url")
t_played= t_99= t_999= t_all= status=
deadline=$((SECONDS + give_up_s))
while [ $SECONDS -lt $deadline ]; do
	now=$(ms)
	if api viewer -sf "$url/api/v1/alerts/$id" -o "$tmp/status.json"; then
		read -r played conf escalated queued < <(jq -r '[.counts.played + .counts.displayed,
			((.people.coverage_with_people // 0) * .channels.mqtt.targets / 100 + 0.5 | floor),
			.counts.escalated // 0, ([.channels.sms.queued_parts // {} | .[]] | add // 0)] | @tsv' "$tmp/status.json")
		status="played $played, escalated $escalated, villages confirmed $conf, SMS parts queued $queued"
		[ -z "$t_played" ] && [ "$played" -ge "$answering" ] && t_played=$now
		[ -z "$t_99" ] && [ "$conf" -ge "$need99" ] && t_99=$now
		[ -z "$t_999" ] && [ "$conf" -ge "$need999" ] && t_999=$now
		[ -z "$t_all" ] && [ "$conf" -ge "$n" ] && t_all=$now
		# done: every village confirmed, every silent one escalated, the SMS queue empty
		# and every part tocsind handed over accepted by the SMSC (a throttled one waits in the session's queue)
		[ -n "$t_all" ] && [ -n "$t_played" ] && [ "$escalated" -ge "$silent" ] && [ "$queued" = 0 ] &&
			[ "$(jq -s '[.[] | select(.cmd == "submit_sm" and .status == 0)] | length' "$tmp/smsc.jsonl")" -ge \
				"$(api viewer -s "$url/metrics" | awk '/^tocsin_sms_parts_sent_total/ {s += $2} END {print s + 0}')" ] &&
			break
	fi
	sleep $(awk -v d="$(($(ms) - now))" 'BEGIN {s = (1000 - d) / 1000; print (s > 0 ? s : 0)}')
done
[ -n "$status" ] || { echo "the status of alert $id could not be read" >&2; exit 1; }
echo "alert $id; at the end: $status"
pub=$(grep -m1 "alert=$id published" "$tmp/tocsind.log" || true)
[ -n "$pub" ] || { echo "tocsind did not publish alert $id" >&2; exit 1; }
t_pub=$(log_ms "$pub")
api viewer -s "$url/metrics" >"$tmp/metrics"
sent() { sed -n "s/^tocsin_sms_parts_sent_total{class=\"$1\"} //p" "$tmp/metrics"; }
jq -s '[.[] | select(.cmd == "submit_sm")]' "$tmp/smsc.jsonl" >"$tmp/submits.json"
t_esc=$(jq -r '[.[] | select(.status == 0 and (.text | test("ACK [0-9]{6}")) and (.text | test("120116[0-9]{6}")))
	| .t | tonumber] | max // empty | . * 1000 | floor' "$tmp/submits.json")
t_last=$(jq -r '[.[] | select(.status == 0) | .t | tonumber] | max // empty | . * 1000 | floor' "$tmp/submits.json")
since() { # since T_MS WHAT: seconds from the POST, or that it was not reached
	if [ -n "$1" ]; then awk -v t="$1" -v t0="$t0" 'BEGIN {printf "%.1f s", (t - t0) / 1000}'; else echo "not within $give_up_s s"; fi
}
echo "from the POST: published $(since "$t_pub");" \
	"every loudspeaker that can answer ($answering) played $(since "$t_played");" \
	"villages confirmed (loudspeaker or 信息员): 99 % ($need99) $(since "$t_99"), 99.9 % ($need999) $(since "$t_999")," \
	"all $n $(since "$t_all"); the last escalation SMS handed to the SMSC $(since "$t_esc"), the last SMS part of any class" \
	"$(since "$t_last")"
echo "SMS parts sent by class: escalation $(sent escalation), relay $(sent relay), policy $(sent policy)," \
	"maintenance $(sent maintenance); the SMSC received $(jq length "$tmp/submits.json") submit_sm," \
	"accepted $(jq '[.[] | select(.status == 0)] | length' "$tmp/submits.json"), throttled" \
	"$(jq '[.[] | select(.status == 88)] | length' "$tmp/submits.json"); replies sent $(smsc_count "$tmp" '.kind == "mo"')"
[ -n "$t_999" ] || exit 1
