#!/usr/bin/env bash
# audit_chain.sh — the audit trail as an operator checks it: a store written by the real tocsind,
# `tocsin audit verify` holding and naming the first row that does not fit after sqlite3 edits or
# deletes one, `tocsin audit export` as JSON lines whose hashes a third party can recompute from
# the encoding in docs/security.md, and the usage errors.
# Usage: audit_chain.sh TOCSIND TOCSIN EXAMPLES_DIR
set -u
tocsind=$1 tocsin=$2 examples=$3 tmp=$(mktemp -d) pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# tocsind on a free loopback port, an alert submitted by a user of its own, then a clean stop:
# the user's creation, the start, the acceptance and the stop are rows.
mkdir -p "$tmp/data"
export TOCSIN_TOKEN=$("$tocsin" user add forecaster --role drafter --region 120116 --department 12011641600000 \
	--data-dir "$tmp/data" 2>/dev/null | tail -1)
printf '[tocsind]\nhttp = 127.0.0.1:8080\nbroker = none\napproval_required = none\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>>"$tmp/log" &
pid=$!
url=$(server_url "$tmp/data")
expect "server up" curl -sf "$url/healthz"
sed 's/2026-/2027-/g' "$examples/cn-typhoon-orange.xml" >"$tmp/typhoon.xml"
"$tocsin" submit "$tmp/typhoon.xml" --server "$url" >/dev/null
check "the alert submitted" 0 $?
submitted=1

# verify while tocsind runs (the store is shared through WAL)
out=$("$tocsin" audit verify --data-dir "$tmp/data")
check "verify while tocsind runs" 0 $?
expect "says so" grep -qE '^audit chain holds: [0-9]+ rows, head [0-9a-f]{64}$' <<<"$out"
kill -TERM "$pid"
wait "$pid"
check "clean stop" 0 $?
pid=

db=$tmp/data/tocsin.db
rows=$(sqlite3 "$db" 'SELECT count(*) FROM audit')
expect "start, stop (and the alert) are rows" test "$rows" -ge $((2 + 2 * submitted))
head=$(sqlite3 "$db" 'SELECT hash FROM audit ORDER BY id DESC LIMIT 1')
out=$("$tocsin" audit verify --data-dir "$tmp/data")
check "verify" 0 $?
check "rows and head printed" "audit chain holds: $rows rows, head $head" "$out"

"$tocsin" audit export --data-dir "$tmp/data" --out "$tmp/audit.jsonl" 2>"$tmp/err"
check "export" 0 $?
expect "export counted" grep -qx "tocsin audit: $rows rows exported" "$tmp/err"
expect "export private" test "$(stat -c %a "$tmp/audit.jsonl")" = 600
check "one line per row" "$rows" "$(wc -l <"$tmp/audit.jsonl")"
expect "every line a JSON object with every field" jq -e 'has("id") and has("at") and has("actor") and
	has("username") and has("role") and has("source") and has("action") and has("alert_id") and
	has("object") and has("detail") and has("body_sha256") and (.prev_hash|type) == "string" and
	(.hash|test("^[0-9a-f]{64}$"))' "$tmp/audit.jsonl"
check "rows in id order, linked" "true" "$(jq -s '. as $r | ([range(1; length) as $i | $r[$i].id == $i + 1 and
	$r[$i].prev_hash == $r[$i - 1].hash] | all) and $r[0].id == 1 and $r[0].prev_hash == ""' "$tmp/audit.jsonl")"
check "the user's creation and token are rows 1 and 2, tocsind's start row 3" \
	'"cli" "user-add" "cli" "token-new" "system" "start"' "$(jq -r 'select(.id <= 3) | "\"\(.actor)\" \"\(.action)\""' "$tmp/audit.jsonl" | tr '\n' ' ' | sed 's/ $//')"
[ "$submitted" = 1 ] && expect "the alert's acceptance is a row" jq -se 'any(.action == "accepted")' "$tmp/audit.jsonl"
"$tocsin" audit export --data-dir "$tmp/data" --after 1 >"$tmp/after.jsonl" 2>/dev/null
check "export --after 1 to stdout" "$((rows - 1))" "$(jq -s 'map(select(.id > 1)) | length' "$tmp/after.jsonl")"

# A third party recomputes every hash from the export alone: the Python of docs/security.md, as printed there.
sed -n '/^    import hashlib/,/^    print("head", prev)/s/^    //p' "$(dirname "$0")/../../docs/security.md" >"$tmp/recompute.py"
expect "the recipe is in the docs" grep -q 'tocsin-audit-1' "$tmp/recompute.py"
check "the documented encoding recomputes every hash" "head $head" "$(python3 "$tmp/recompute.py" "$tmp/audit.jsonl")"

# Tampering with sqlite3: the row is named, exit 1.
cp "$db" "$tmp/pristine.db"
sqlite3 "$db" "UPDATE audit SET detail = 'x' WHERE id = 2"
out=$("$tocsin" audit verify --data-dir "$tmp/data")
check "an edited row: exit 1" 1 $?
check "names row 2 and why" "audit chain broken at row 2: its hash does not match its content (1 rows before it hold, head $(sqlite3 "$db" 'SELECT hash FROM audit WHERE id = 1'))" "$out"

# the same through the API, which checks the chain in a thread of its own while tocsind runs:
# audit_api QUERY: an administrator added, tocsind started, GET /api/v1/audit?QUERY into $tmp/api.json, stopped
audit_api() {
	local admin
	admin=$("$tocsin" user add "auditor-$RANDOM" --role admin --data-dir "$tmp/data" 2>/dev/null | tail -1)
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>>"$tmp/log" &
	pid=$!
	url=$(server_url "$tmp/data")
	curl -s -H "Authorization: Bearer $admin" "$url/api/v1/audit?$1" >"$tmp/api.json"
	kill -TERM "$pid"
	wait "$pid"
	pid=
}
audit_api limit=2
check "GET /api/v1/audit names the edited row" "false 2 2" "$(jq -r '"\(.chain.holds) \(.chain.first_bad_row) \(.rows | length)"' "$tmp/api.json")"
cp "$tmp/pristine.db" "$db"
audit_api limit=1000
expect "…and says an untouched chain holds" jq -e '.chain.holds == true and .chain.rows >= 2 and (.rows | length) == .chain.rows' "$tmp/api.json"

cp "$tmp/pristine.db" "$db"
sqlite3 "$db" "DELETE FROM audit WHERE id = 2"
out=$("$tocsin" audit verify --data-dir "$tmp/data")
check "a deleted row: exit 1" 1 $?
expect "names the missing row" grep -q '^audit chain broken at row 2: row 2 is missing' <<<"$out"

cp "$tmp/pristine.db" "$db"
sqlite3 "$db" "UPDATE audit SET prev_hash = hash WHERE id = 2"
"$tocsin" audit verify --data-dir "$tmp/data" >"$tmp/out"
check "a broken link: exit 1" 1 $?
expect "names the link" grep -q '^audit chain broken at row 2: its prev_hash is not the hash of row 1' "$tmp/out"

cp "$tmp/pristine.db" "$db"
out=$("$tocsin" audit verify --data-dir "$tmp/data")
check "the untouched copy holds again" "audit chain holds: $rows rows, head $head" "$out"

# Usage and I/O: exit 2, named.
"$tocsin" audit verify 2>"$tmp/err"
check "neither --data-dir nor --store: exit 2" 2 $?
expect "named" grep -q -- 'one of --data-dir DIR or --store URI is required' "$tmp/err"
"$tocsin" audit verify --data-dir "$tmp/nowhere" 2>"$tmp/err"
check "no database: exit 2" 2 $?
expect "named" grep -q "no database at $tmp/nowhere/tocsin.db" "$tmp/err"
expect "and none made" test ! -e "$tmp/nowhere/tocsin.db"
"$tocsin" audit check --data-dir "$tmp/data" 2>"$tmp/err"
check "unknown action: exit 2" 2 $?
expect "named" grep -q "unknown action 'check'" "$tmp/err"
"$tocsin" audit export --data-dir "$tmp/data" --after -3 2>"$tmp/err"
check "bad --after: exit 2" 2 $?
expect "named" grep -q -- "--after '-3' is not a row id" "$tmp/err"
"$tocsin" audit export --data-dir "$tmp/data" --out "$tmp/no/such/dir/x.jsonl" 2>"$tmp/err"
check "unwritable --out: exit 2" 2 $?
expect "named" grep -q "cannot write $tmp/no/such/dir/x.jsonl" "$tmp/err"
expect "help" "$tocsin" audit --help

check_log "$tmp/log"
finish
