#!/usr/bin/env bash
# drills_api.sh — drill schedules added and removed through the API, beside the
# configuration's, with real parts: mosquitto, tocsind, tocsin-sim receivers in
# two towns. The schedule's clock is moved with TOCSIN_TEST_CLOCK_OFFSET so that
# a slot falls seconds after a schedule is added.
#
#  - who may: a viewer never; a drafter a silent one inside its regions and
#    departments; an audible one only an approver; bad grammar 422 naming the
#    bad word; the same schedule twice 409; the configuration's cannot be
#    removed (409 naming the file); a browser session needs its CSRF token;
#    every addition and removal is audited with the user and the schedule;
#  - an added schedule runs at its next slot without a restart, a removed one
#    does not, one whose slot was before it was added waits for the next;
#  - after a restart the stored schedule is still listed and runs again.
# Usage: drills_api.sh TOCSIND TOCSIN TOCSIN_SIM EXAMPLES_DIR
set -u
tocsind=$1
tocsin=$2
sim=$3
examples=$4
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker.sh"
. "$(dirname "$0")/tocsind_lib.sh"

# The slot the test runs: next Wednesday 11:00 Beijing time (offset_to: tocsind_lib.sh).
wed=$(TZ=Asia/Shanghai date -d 'next wed 11:00' +%s)
week=$((7 * 86400))

mkdir -p "$tmp/data"
start_broker "$tmp" || { echo "cannot start mosquitto"; exit 1; }
cat >"$tmp/tocsind.conf" <<EOF
[tocsind]
approval_required = Actual Exercise Test
ack_timeout_s = 2
max_attempts = 2
drill_sender = binhai-weather@example.cn
drill = weekly wed 10:00 silent *
EOF

export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$wed" 7200)
start_server
expect "server up" wait_until 20 curl -sf "$url/healthz"
real=$tocsin_real
adduser() { # NAME ROLE REGION DEPARTMENT
	"$real" user add "$1" --role "$2" --region "$3" --department "$4" --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
		tail -1 >"$tmp/token.$1"
}
adduser town-drafter drafter 120116001 binhai-weather@example.cn
adduser other-drafter drafter '*' other@example.cn

"$sim" --emit-registry "$tmp/a.csv" --count 5 --region 120116001001 --id-prefix a-
"$sim" --emit-registry "$tmp/b.csv" --count 3 --region 120116002001 --id-prefix b-
{ cat "$tmp/a.csv"; tail -n +2 "$tmp/b.csv"; } >"$tmp/registry.csv"
"$tocsin" import receivers "$tmp/registry.csv" --server "$url" >/dev/null
check "registry imported" 0 $?
start_sim a --registry "$tmp/a.csv" --delay-ms 100
start_sim b --registry "$tmp/b.csv" --delay-ms 100

# post ROLE JSON: POST /api/v1/drills as ROLE; the answer into $tmp/out.json, the status printed
post() { api "$1" -s -o "$tmp/out.json" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "$url/api/v1/drills"; }
del() { api "$1" -s -o "$tmp/out.json" -w '%{http_code}' -X DELETE "$url/api/v1/drills/$2"; }
code() { jq -r '.errors[0].code' "$tmp/out.json"; }
message() { jq -r '.errors[0].message' "$tmp/out.json"; }
runs_of() { api viewer -s "$url/api/v1/drills/runs" | jq --arg s "$1" '[.runs[] | select(.schedule == $s)] | length'; }
runs_are() { test "$(runs_of "$1")" = "$2"; }

# --- the configuration's schedule is listed with its source and id --------------------------------
api viewer -s "$url/api/v1/drills" >"$tmp/drills.json"
check "the configuration's schedule" '[["config-1","config","weekly wed 10:00 silent *"]]' \
	"$(jq -c '[.drills[] | [.id, .source, .schedule]]' "$tmp/drills.json")"

# --- who may add -----------------------------------------------------------------------------------
check "a viewer: 403" 403 "$(post viewer '{"schedule":"weekly wed 11:00 silent 120116001"}')"
check "…for its role" auth.role "$(code)"
check "a drafter, audible: 403" 403 "$(post drafter '{"schedule":"weekly wed 11:00 audible 120116001"}')"
check "…for its role" auth.role "$(code)"
expect "…naming the approve right" sh -c "jq -r '.errors[0].message' '$tmp/out.json' | grep -q 'approve right'"
check "a town's drafter, the next town: 403" 403 "$(post town-drafter '{"schedule":"weekly wed 11:00 silent 120116002"}')"
check "…for its regions" auth.region "$(code)"
check "a town's drafter, every region: 403" 403 "$(post town-drafter '{"schedule":"weekly wed 11:00 silent *"}')"
check "…for its regions" auth.region "$(code)"
check "a town's drafter, the county: 403" 403 "$(post town-drafter '{"schedule":"weekly wed 11:00 silent 120116"}')"
check "a drafter of another department: 403" 403 "$(post other-drafter '{"schedule":"weekly wed 11:00 silent 120116"}')"
check "…for its departments" auth.department "$(code)"
check "bad grammar: 422" 422 "$(post drafter '{"schedule":"weekly wednesday 11:00 silent 120116"}')"
check "…named" drill.syntax "$(code)"
expect "…saying what is wrong" sh -c "jq -r '.errors[0].message' '$tmp/out.json' | grep -q 'the day must be mon..sun'"
check "a bad time: 422" 422 "$(post drafter '{"schedule":"daily 25:00 silent 120116"}')"
expect "…saying what is wrong" sh -c "jq -r '.errors[0].message' '$tmp/out.json' | grep -q 'the time must be HH:MM'"
check "no schedule in the body: 422" 422 "$(post drafter '{"spec":"daily 10:00 silent 120116"}')"
check "not JSON: 422" 422 "$(post drafter 'daily 10:00 silent 120116')"
check "not application/json: 415" 415 "$(api drafter -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
	-d 'daily 10:00 silent 120116' "$url/api/v1/drills")"
check "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"schedule":"daily 10:00 silent 120116"}' "$url/api/v1/drills")"
check "the configuration's schedule again: 409" 409 "$(post approver '{"schedule":"weekly  wed 10:00 silent *"}')"
expect "…naming it" sh -c "jq -r '.errors[0].message' '$tmp/out.json' | grep -q 'config-1 already'"
check "nothing was kept" 1 "$(api viewer -s "$url/api/v1/drills" | jq '.drills | length')"

# --- adding: the ones the test runs (none before their slot) ---------------------------------------
check "a town's drafter, its town: 201" 201 "$(post town-drafter '{"schedule":"weekly wed 11:00 silent 120116001"}')"
keep=$(jq -r .id "$tmp/out.json")
check "…listed as the API's" '["api","town-drafter"]' "$(jq -c '[.source, .created_by]' "$tmp/out.json")"
check "…its next slot" "$wed" "$(jq .next_slot "$tmp/out.json")"
check "the same again, spaced otherwise: 409" 409 "$(post drafter '{"schedule":" weekly wed  11:00 silent 120116001"}')"
check "…named" drill.duplicate "$(code)"
check "a drafter, the other town: 201" 201 "$(post drafter '{"schedule":"weekly wed 11:00 silent 120116002"}')"
drop=$(jq -r .id "$tmp/out.json")
check "an approver, audible: 201" 201 "$(post approver '{"schedule":"monthly last-sun 11:00 audible 120116001001"}')"
audible=$(jq -r .id "$tmp/out.json")
api viewer -s "$url/api/v1/drills" >"$tmp/drills.json"
check "four schedules, by source" '["config","api","api","api"]' "$(jq -c '[.drills[].source]' "$tmp/drills.json")"
check "the API's with their ids" "[\"$keep\",\"$drop\",\"$audible\"]" \
	"$(jq -c '[.drills[] | select(.source == "api") | .id]' "$tmp/drills.json")"
check "the parts of a schedule" '["monthly","last-sun","11:00","audible","120116001001"]' \
	"$(jq -c '.drills[] | select(.id == "'"$audible"'") | [.every, .day, .time, .mode, .region]' "$tmp/drills.json")"

# --- who may remove --------------------------------------------------------------------------------
check "the configuration's: 409" 409 "$(del approver config-1)"
check "…named" drill.config "$(code)"
expect "…saying it lives in the configuration file" sh -c "jq -r '.errors[0].message' '$tmp/out.json' | grep -q 'configuration file'"
check "an unknown one: 404" 404 "$(del approver 999)"
check "an unknown configuration line: 404" 404 "$(del approver config-9)"
check "a viewer: 403" 403 "$(del viewer "$drop")"
check "a town's drafter, the other town's: 403" 403 "$(del town-drafter "$drop")"
check "a drafter, the audible one: 403" 403 "$(del drafter "$audible")"
check "an approver, the audible one: 200" 200 "$(del approver "$audible")"
check "…answered with it" "monthly last-sun 11:00 audible 120116001001" "$(jq -r .schedule "$tmp/out.json")"
check "…gone" 404 "$(del approver "$audible")"
check "an id is never given again" 201 "$(post approver '{"schedule":"monthly last-sun 11:00 audible 120116001001"}')"
check "…after a removal" "$((audible + 1))" "$(jq -r .id "$tmp/out.json")"
check "…removed again" 200 "$(del approver "$((audible + 1))")"

# --- a browser session: the CSRF token, the Origin --------------------------------------------------
printf 'correct horse battery\n' >"$tmp/pw"
"$real" user password t-drafter --password-file "$tmp/pw" --data-dir "$tmp/data" 2>/dev/null
curl -s -c "$tmp/jar" -o "$tmp/login.json" -H 'Content-Type: application/json' \
	-d '{"name":"t-drafter","password":"correct horse battery"}' "$url/api/v1/login"
csrf=$(jq -r .csrf "$tmp/login.json")
session() { curl -s -b "$tmp/jar" -o "$tmp/out.json" -w '%{http_code}' "$@"; }
check "a session without the CSRF token: 403" 403 \
	"$(session -H 'Content-Type: application/json' -d '{"schedule":"daily 08:00 silent 120116"}' "$url/api/v1/drills")"
check "…named" auth.csrf "$(code)"
check "a removal without it: 403" 403 "$(session -X DELETE "$url/api/v1/drills/$drop")"
check "from a foreign page: 403" 403 "$(session -H "X-CSRF-Token: $csrf" -H 'Origin: http://evil.example' \
	-H 'Content-Type: application/json' -d '{"schedule":"daily 08:00 silent 120116"}' "$url/api/v1/drills")"
check "with the token: 201" 201 "$(session -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
	-d '{"schedule":"daily 08:00 silent 120116"}' "$url/api/v1/drills")"
daily=$(jq -r .id "$tmp/out.json")
check "…and removed with it" 200 "$(session -H "X-CSRF-Token: $csrf" -X DELETE "$url/api/v1/drills/$daily")"

# --- the CLI -----------------------------------------------------------------------------------------
TOCSIN_TOKEN=$(cat "$tmp/token.drafter") "$tocsin" drills add weekly sat 07:00 silent 120116 --server "$url" >"$tmp/cli-add.txt"
check "tocsin drills add" 0 $?
cli=$(sed -n 's/^added schedule \([0-9]*\):.*/\1/p' "$tmp/cli-add.txt")
expect "…says which" grep -q "weekly sat 07:00 silent 120116" "$tmp/cli-add.txt"
TOCSIN_TOKEN=$(cat "$tmp/token.drafter") "$tocsin" drills add 'weekly sat 99:00 silent 120116' --server "$url" 2>"$tmp/cli-bad.txt"
check "tocsin drills add, bad: refused" 1 $?
expect "…saying why" grep -q "the time must be HH:MM" "$tmp/cli-bad.txt"
"$tocsin" drills --server "$url" >"$tmp/cli-list.txt"
expect "tocsin drills lists it with its source" grep -qE "^$cli +api +weekly sat 07:00 silent 120116" "$tmp/cli-list.txt"
TOCSIN_TOKEN=$(cat "$tmp/token.drafter") "$tocsin" drills remove "$cli" --server "$url" >"$tmp/cli-rm.txt"
check "tocsin drills remove" 0 $?
TOCSIN_TOKEN=$(cat "$tmp/token.drafter") "$tocsin" drills remove config-1 --server "$url" 2>"$tmp/cli-rm.err"
check "tocsin drills remove config-1: refused" 1 $?
expect "…saying where it lives" grep -q "configuration file" "$tmp/cli-rm.err"

# --- audited ------------------------------------------------------------------------------------------
api admin -s "$url/api/v1/audit?limit=10000" >"$tmp/audit.json"
check "additions audited with user and schedule" \
	"[[\"town-drafter\",\"$keep\",\"weekly wed 11:00 silent 120116001\"],[\"t-drafter\",\"$drop\",\"weekly wed 11:00 silent 120116002\"]]" \
	"$(jq -c '[.rows[] | select(.action == "drill-add") | [.username, .object, .detail]] | .[0:2]' "$tmp/audit.json")"
check "removals audited" "[\"t-approver\",\"$audible\",\"monthly last-sun 11:00 audible 120116001001\"]" \
	"$(jq -c '[.rows[] | select(.action == "drill-remove") | [.username, .object, .detail]][0]' "$tmp/audit.json")"
check "refusals leave nothing" 6 "$(jq '[.rows[] | select(.action == "drill-add")] | length' "$tmp/audit.json")"
expect "the chain holds" jq -e '.chain.holds' "$tmp/audit.json"

# --- at the slot: the kept one runs without a restart, the removed one does not ----------------------
kill -TERM "$pid"
wait "$pid"
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to "$wed" 25)
start_server
expect "server back" wait_until 20 curl -sf "$url/healthz"
# added now, a minute after its slot: its first slot is next week's
check "one whose slot has passed: 201" 201 "$(post drafter '{"schedule":"weekly wed 10:59 silent 120116001"}')"
late=$(jq -r .id "$tmp/out.json")
check "a second one for the other town: 201" 201 "$(post drafter '{"schedule":"weekly wed 11:00 silent 120116"}')"
gone=$(jq -r .id "$tmp/out.json")
check "…removed before its slot" 200 "$(del drafter "$gone")"
check "the other town's removed too" 200 "$(del drafter "$drop")"
expect "the kept schedule runs at its slot" wait_until 60 runs_are 'weekly wed 11:00 silent 120116001' 1
sleep 3
check "the removed ones never ran" "0 0" "$(runs_of 'weekly wed 11:00 silent 120116') $(runs_of 'weekly wed 11:00 silent 120116002')"
check "the late one waits for next week" 0 "$(runs_of 'weekly wed 10:59 silent 120116001')"
check "the configuration's is not due" 0 "$(runs_of 'weekly wed 10:00 silent *')"
run=$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].alert_id')
check "a Test alert" Test "$(api viewer -s "$url/api/v1/alerts/$run" | jq -r .status)"
check "not held for approval" 0 "$(api approver -s "$url/api/v1/approvals" | jq '[.pending[] | select(.id == "'"$run"'")] | length')"
expect "the town's five receivers answered" wait_for "$run" '.targets == 5 and .counts.played == 5' 60
expect "audited as the schedule's" sh -c "curl -sf -H 'Authorization: Bearer $(cat "$tmp/token.admin")' '$url/api/v1/audit?limit=10000' | jq -e '[.rows[] | select(.alert_id == \"$run\" and .actor == \"schedule\" and .action == \"accepted\")] | length == 1'"
expect "the log says it was taken on" grep -q "schedule='weekly wed 10:59 silent 120116001' taken on" "$tmp/tocsind.log"
expect "…and the removed one dropped" grep -q "schedule='weekly wed 11:00 silent 120116002' dropped" "$tmp/tocsind.log"
check "the last run shown with the schedule" "$run" \
	"$(api viewer -s "$url/api/v1/drills" | jq -r '.drills[] | select(.id == "'"$keep"'") | .last_run.alert_id')"
check "…and in its report" 5 "$(api approver -s "$url/api/v1/drills/runs/$(api viewer -s "$url/api/v1/drills/runs" | jq -r '.runs[0].id')/report" | jq .answered)"

# --- a restart: the stored schedules are still there and run next week ------------------------------
kill -TERM "$pid"
wait "$pid"
export TOCSIN_TEST_CLOCK_OFFSET=$(offset_to $((wed + week)) 20)
start_server
expect "server back" wait_until 20 curl -sf "$url/healthz"
check "still listed after the restart" "[\"config-1\",\"$keep\",\"$late\"]" "$(api viewer -s "$url/api/v1/drills" | jq -c '[.drills[].id]')"
expect "the late one runs at next week's slot (10:59, caught up at start)" \
	wait_until 30 runs_are 'weekly wed 10:59 silent 120116001' 1
expect "the kept one runs again next week" wait_until 60 runs_are 'weekly wed 11:00 silent 120116001' 2
check "the removed ones still never ran" "0 0" "$(runs_of 'weekly wed 11:00 silent 120116') $(runs_of 'weekly wed 11:00 silent 120116002')"

kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=
check_log "$tmp/tocsind.log"
finish
