#!/usr/bin/env bash
# bench_lastmile.sh — the whole last mile of a warning: a county-wide orange
# typhoon warning (cap-schemas/examples/cn-typhoon-orange.xml, 120116) to N
# villages, each with one loudspeaker (tocsin-sim, one MQTT connection each; a
# share F never acknowledges) and one 信息员 (the escalation role; the SMS
# policy sends them the warning too), through tocsind's SMPP gateways to SMSC
# simulators (tests/smsc/tocsin-smsc-sim), one per operator, each answering
# "收到 <code>" from the phone S seconds after every SMS carrying a reply code.
#
#   bench/bench_lastmile.sh [--villages N] [--fail-rate F] [--reply-delay-s S] [--smsc-tps T]... [--build DIR]
#                           [--ack-timeout-s A] [--max-attempts M]
#
# Defaults: 1000 villages, 0.1, 60 s, one SMSC at 50 submit_sm a second.
# Each --smsc-tps (1 to 4 of them) starts one SMSC simulator at that rate
# (its --tps: above it the simulator answers ESME_RTHROTTLED), one operator's:
# the first is tocsind's "default" gateway (--smpp, --smpp-tps T), each further
# one a section of the sms_gateways_file the script writes (op2, op3, op4: its
# own bind and password file, tps = T, fallback = default). The 信息员's phones
# are spread over the K operators: village i's is 86PPP followed by i in 8
# digits, PPP its operator's prefix (138 default, 139 op2, 130 op3, 133 op4;
# each section routes its prefix); the silent villages are dealt round robin
# over the operators, and so are the others (operator i mod K would give every
# silent village to one operator: tocsin-sim silences every 1/F-th), so each
# SMSC carries its share of the escalations. tocsind's ack_timeout_s and
# max_attempts are 2 and 2 unless given (tocsind's own defaults, 30 and 3,
# escalate about 95 s later).
#
# A village is confirmed when tocsind counts its target reached: its loudspeaker
# acknowledged played, or its 信息员 replied with the code of the escalation SMS
# sent when the loudspeaker stayed silent (a reply to the policy SMS confirms no
# village). The count is tocsind's own: people.coverage_with_people (each
# target once, in tenths of a percent) × the targets, exact to one village up to
# 1,000 villages (one loudspeaker each).
#
# The status (GET /api/v1/alerts/ID, as a viewer) is read once a second; how long
# each read took is printed too (tocsind answers it on its owner thread). Prints
# the time from the POST to the publication (tocsind's log line), to every
# loudspeaker that can answer played, to 99 %, 99.9 % and 100 % of the
# villages confirmed, to the last escalation SMS handed to any SMSC (the
# simulators' records) and to the last part of any class; the SMS parts sent
# per class (/metrics tocsin_sms_parts_sent_total) and the submit_sm each SMSC
# received, accepted and throttled, and in all. With two SMSCs or more it also
# checks that each received only its own operator's numbers and that no part
# (number, part of total, text) was accepted twice across them. Gives up 600 s
# after the POST; fails when 99.9 % of the villages were not confirmed by then,
# or a part went to another operator's SMSC or was accepted twice.
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000
fail_rate=0.1
reply_delay_s=60
tps=()
build=build
ack_timeout_s=2
max_attempts=2
usage="usage: bench/bench_lastmile.sh [--villages N] [--fail-rate F] [--reply-delay-s S] [--smsc-tps T]... (1 to 4, one SMSC each) [--build DIR] [--ack-timeout-s A] [--max-attempts M]"
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
[ ${#tps[@]} -le 4 ] || { echo "bench_lastmile: ${#tps[@]} --smsc-tps: at most 4 SMSCs; $usage" >&2; exit 2; }
[ "$n" -le 999000 ] || { echo "bench_lastmile: --villages $n: at most 999000 (999 towns of 1000 villages)" >&2; exit 2; }
. bench/bench_lib.sh
. tests/integration/smsc.sh
ms() { date +%s%3N; }
log_ms() { date -d "$(cut -d' ' -f1 <<<"$1")" +%s%3N; }
give_up_s=600
play_timeout_s=30
smsc_tps=${tps[0]}
# operator k: its gateway's name (its SMSC records to $tmp/smsc-NAME) and its numbers' prefix (after 86)
ops=${#tps[@]}
gw_names=(default op2 op3 op4)
gw_prefix=(138 139 130 133)
# silent loudspeakers: tocsin-sim's rule (receivers/sim_fleet.c), floor(N × F)
silent=$(awk -v n="$n" -v f="$fail_rate" 'BEGIN {printf "%d", n * f + 1e-9}')
answering=$((n - silent))

# alerts go out without a second person: the figure is delivery, not approval
printf '[tocsind]\nack_timeout_s = %d\nplay_timeout_s = %d\nmax_attempts = %d\nlog_level = info\napproval_required = none\n' \
	"$ack_timeout_s" "$play_timeout_s" "$max_attempts" >"$tmp/tocsind.conf"
[ "$ops" = 1 ] || echo "sms_gateways_file = $tmp/gateways.ini" >>"$tmp/tocsind.conf"
tocsin=$(realpath "$build/server/tocsin")
staff "$tmp/data"
start_broker "$tmp" || { echo "mosquitto did not start" >&2; exit 1; }
pids+=("$broker_pid")
# one SMSC simulator per operator, each with its own password; the first is tocsind's --smpp,
# the others sections of the gateways file
: >"$tmp/gateways.ini"
for k in $(seq 0 $((ops - 1))); do
	name=${gw_names[k]}
	mkdir "$tmp/smsc-$name"
	start_smsc "$tmp/smsc-$name" --password "s3cr3t$k" --tps "${tps[k]}" --default-mode reply \
		--reply-match 'ACK [0-9]{6}' --reply-text '收到 {code}' --reply-delay-ms $((reply_delay_s * 1000)) \
		--receipt-delay-ms 200 ||
		{ echo "the SMSC simulator of $name did not start: $(cat "$tmp/smsc-$name/smsc.log")" >&2; exit 1; }
	pids+=("$smsc_pid")
	printf 's3cr3t%d\n' "$k" >"$tmp/$name.password"
	chmod 600 "$tmp/$name.password"
	if [ "$k" = 0 ]; then
		smsc_port0=$smsc_port
	else
		printf '[%s]\nsmpp = 127.0.0.1:%d\nsystem_id = tocsin\npassword_file = %s\ntps = %d\nprefixes = 86%s\nfallback = default\n\n' \
			"$name" "$smsc_port" "$tmp/$name.password" "${tps[k]}" "${gw_prefix[k]}" >>"$tmp/gateways.ini"
	fi
done
records=()
for k in $(seq 0 $((ops - 1))); do records+=("$tmp/smsc-${gw_names[k]}/smsc.jsonl"); done
# submits: every submit_sm the SMSCs recorded, each with its gateway's name and prefix (gw, prefix)
submits() {
	for k in $(seq 0 $((ops - 1))); do
		jq -c --arg gw "${gw_names[k]}" --arg p "86${gw_prefix[k]}" \
			'select(.cmd == "submit_sm") | . + {gw: $gw, prefix: $p}' "${records[k]}"
	done | jq -s .
}
"$build/server/tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 \
	--broker "127.0.0.1:$broker_port" --smpp "127.0.0.1:$smsc_port0" --smpp-system-id tocsin \
	--smpp-password-file "$tmp/default.password" --smpp-tps "$smsc_tps" 2>>"$tmp/tocsind.log" &
server=$!
pids+=("$server")
url=$(server_url "$tmp/data")
for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done

# village i: 120116 + town (001, 002, …) + village (000 to 999)
# (tocsin-sim gives at most 64 codes round robin: the registry's region column is written here)
"$build/receivers/tocsin-sim" --emit-registry "$tmp/rx0.csv" --count "$n" --id-prefix v- --region 120116001000
awk -F, -v OFS=, 'NR > 1 {i = NR - 2; $6 = sprintf("120116%03d%03d", 1 + int(i / 1000), i % 1000)} 1' \
	"$tmp/rx0.csv" >"$tmp/rx.csv"
"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
# the 信息员 of village i: the silent villages are dealt round robin over the operators, and so are
# the others, so each operator carries its share of the escalations (silent as tocsin-sim decides)
awk -v n="$n" -v f="$fail_rate" -v ops="$ops" -v prefixes="${gw_prefix[*]}" 'BEGIN {
	split(prefixes, pre, " ")
	print "phone,name,role,region,language"
	for (i = 0; i < n; i++) {
		s = f > 0 && int((i + 1) * f + 1e-9) > int(i * f + 1e-9)
		k = s ? silent++ % ops : other++ % ops
		printf "%s%08d,信息员%d,信息员,120116%03d%03d,zh-CN\n", pre[k + 1], i, i, 1 + int(i / 1000), i % 1000
	}
}' >"$tmp/contacts.csv"
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
if [ "$ops" = 1 ]; then
	echo "$n villages: $n loudspeakers online ($silent never acknowledge: --fail-rate $fail_rate), $n 信息员;" \
		"one SMSC simulator at $smsc_tps TPS (tocsind --smpp-tps $smsc_tps; tocsind has one SMS gateway)," \
		"replying '收到 <code>' ${reply_delay_s} s after each SMS with a code"
else
	smscs="default (86${gw_prefix[0]}…) at ${tps[0]} TPS (tocsind --smpp, --smpp-tps ${tps[0]})"
	for k in $(seq 1 $((ops - 1))); do
		smscs+=", ${gw_names[k]} (86${gw_prefix[k]}…) at ${tps[k]} TPS (sms_gateways_file, fallback default)"
	done
	echo "$n villages: $n loudspeakers online ($silent never acknowledge: --fail-rate $fail_rate), $n 信息员," \
		"the silent villages and the others each dealt round robin over $ops operators; $ops SMSC simulators, one per operator: $smscs;" \
		"each replying '收到 <code>' ${reply_delay_s} s after each SMS with a code"
fi
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
	if api viewer -sf -w '%{time_total}\n' "$url/api/v1/alerts/$id" -o "$tmp/status.json" >>"$tmp/status.times"; then
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
			[ "$(cat "${records[@]}" | jq -s '[.[] | select(.cmd == "submit_sm" and .status == 0)] | length')" -ge \
				"$(api viewer -s "$url/metrics" | awk '/^tocsin_sms_parts_sent_total/ {s += $2} END {print s + 0}')" ] &&
			break
	fi
	sleep $(awk -v d="$(($(ms) - now))" 'BEGIN {s = (1000 - d) / 1000; print (s > 0 ? s : 0)}')
done
[ -n "$status" ] || { echo "the status of alert $id could not be read" >&2; exit 1; }
echo "alert $id; at the end: $status"
sort -g "$tmp/status.times" | awk '{ t[NR] = $1 } END { if (NR) printf "the status read (GET /api/v1/alerts/ID, answered on the owner thread of tocsind): median %.3f s, longest %.3f s, %d reads\n", t[int((NR + 1) / 2)], t[NR], NR }'
pub=$(grep -m1 "alert=$id published" "$tmp/tocsind.log" || true)
[ -n "$pub" ] || { echo "tocsind did not publish alert $id" >&2; exit 1; }
t_pub=$(log_ms "$pub")
api viewer -s "$url/metrics" >"$tmp/metrics"
sent() { sed -n "s/^tocsin_sms_parts_sent_total{class=\"$1\"} //p" "$tmp/metrics"; }
submits >"$tmp/submits.json"
t_esc=$(jq -r '[.[] | select(.status == 0 and (.text | test("ACK [0-9]{6}")) and (.text | test("120116[0-9]{6}")))
	| .t | tonumber] | max // empty | . * 1000 | floor' "$tmp/submits.json")
t_last=$(jq -r '[.[] | select(.status == 0) | .t | tonumber] | max // empty | . * 1000 | floor' "$tmp/submits.json")
since() { # since T_MS WHAT: seconds from the POST, or that it was not reached
	if [ -n "$1" ]; then awk -v t="$1" -v t0="$t0" 'BEGIN {printf "%.1f s", (t - t0) / 1000}'; else echo "not within $give_up_s s"; fi
}
the_smsc=the\ SMSC
[ "$ops" = 1 ] || the_smsc=any\ SMSC
echo "from the POST: published $(since "$t_pub");" \
	"every loudspeaker that can answer ($answering) played $(since "$t_played");" \
	"villages confirmed (loudspeaker or 信息员): 99 % ($need99) $(since "$t_99"), 99.9 % ($need999) $(since "$t_999")," \
	"all $n $(since "$t_all"); the last escalation SMS handed to $the_smsc $(since "$t_esc"), the last SMS part of any class" \
	"$(since "$t_last")"
# received R submit_sm, accepted A, throttled T: of the SMSC named GW, or of all
took() {
	jq -r --arg gw "${1:-}" '[.[] | select($gw == "" or .gw == $gw)] |
		"received \(length) submit_sm, accepted \([.[] | select(.status == 0)] | length), throttled \([.[] | select(.status == 88)] | length)"' \
		"$tmp/submits.json"
}
replies=$(cat "${records[@]}" | jq -c 'select(.kind == "mo")' | wc -l)
if [ "$ops" = 1 ]; then
	took_all="the SMSC $(took)"
else
	took_all="the SMSCs in all $(took)"
	for k in $(seq 0 $((ops - 1))); do
		t_gw=$(jq -r --arg gw "${gw_names[k]}" '[.[] | select(.gw == $gw and .status == 0) | .t | tonumber] |
			max // empty | . * 1000 | floor' "$tmp/submits.json")
		took_all+="; ${gw_names[k]} $(took "${gw_names[k]}"), the last accepted $(since "$t_gw")"
	done
fi
echo "SMS parts sent by class: escalation $(sent escalation), relay $(sent relay), policy $(sent policy)," \
	"maintenance $(sent maintenance); $took_all; replies sent $replies"
if [ "$ops" -gt 1 ]; then
	astray=$(jq '[.[] | select(.prefix as $p | .dest | startswith($p) | not)] | length' "$tmp/submits.json")
	if [ "$astray" = 0 ]; then
		echo "routing: every part went to its operator's SMSC"
	else
		echo "routing: $astray submit_sm went to another operator's SMSC"
	fi
	# a part: its number, its place in the message (UDH: 8- or 16-bit reference, then total and
	# number) and its text; a part sent again under another reference counts too
	dups=$(jq '[.[] | select(.status == 0) | {dest, text, place: (.udh // "" |
			if startswith("050003") then .[8:12] elif startswith("060804") then .[10:14] else "" end)}] |
		group_by([.dest, .place, .text]) | map(length - 1) | add // 0' "$tmp/submits.json")
	echo "parts accepted twice across the SMSCs (same number, part and text): $dups"
	[ "$astray" = 0 ] && [ "$dups" = 0 ] || exit 1
fi
[ -n "$t_999" ] || exit 1
