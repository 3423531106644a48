#!/usr/bin/env bash
# cli_user.sh — `tocsin user` as an administrator runs it on a data directory, beside a running
# tocsind: a user of each role with its first token as the last line of standard output, more
# tokens, the list without secrets, revoking, disabling, passwords, refusals that name the
# problem, and the audit log.
# Usage: cli_user.sh TOCSIN TOCSIND
set -u
tocsin=$1
tocsind=$2
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

data=$tmp/data
token_re='^tct_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$'

# user ARGS...: run `tocsin user ARGS... --data-dir $data`, stdout in $tmp/out, stderr in $tmp/err; the exit status
user() {
	"$tocsin" user "$@" --data-dir "$data" >"$tmp/out" 2>"$tmp/err"
}

# refused NAME STATUS PATTERN ARGS...: `tocsin user ARGS...` exits STATUS saying PATTERN, printing no token
refused() {
	local name=$1 status=$2 pattern=$3
	shift 3
	user "$@"
	check "$name: exit status" "$status" $?
	expect "$name: says '$pattern'" grep -qF -- "$pattern" "$tmp/err"
	expect "$name: no token printed" test ! -s "$tmp/out"
}

"$tocsin" --help >"$tmp/help"
expect "tocsin --help lists user" grep -q "^  user " "$tmp/help"
"$tocsin" user --help >"$tmp/out"
check "user --help" 0 $?
expect "user --help shows the usage" grep -q "tocsin user add NAME --role ROLE" "$tmp/out"

# The first administrator comes before the server's first start: add makes the database.
mkdir -p "$data"
user add admin --role admin
check "first admin added" 0 $?
expect "its token is the last line" grep -qE "$token_re" <(tail -n 1 "$tmp/out")
expect "and the only line of stdout" test "$(wc -l <"$tmp/out")" -eq 1
expect "a summary on stderr" grep -q "added admin 'admin'" "$tmp/err"
expect "database private" test "$(stat -c %a "$data/tocsin.db")" = 600
cp "$tmp/out" "$tmp/tokens"

# The rest while tocsind runs on the same data directory.
printf '[tocsind]\nhttp = 127.0.0.1:8080\nbroker = none\n' >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$data" --http 127.0.0.1:0 2>>"$tmp/log" &
pid=$!
url=$(server_url "$data")
expect "server up" curl -sf "$url/healthz"

while read -r name args; do
	# shellcheck disable=SC2086 # args are several words
	user add "$name" $args
	check "add $name" 0 $?
	expect "$name: token on the last line" grep -qE "$token_re" <(tail -n 1 "$tmp/out")
	tail -n 1 "$tmp/out" >>"$tmp/tokens"
done <<'EOF'
viewer-1 --role viewer
drafter-town --role drafter --region 120116001 --department tj-binhai-qxt@cma.cn --label laptop
approver-1 --role approver --region 120116 --region 120117 --department tj-binhai-qxt@cma.cn --department tj-sw@mwr.cn --phone +8613800000001
registry-1 --role registry --region 1201
gw-kannel --role gateway --expires-days 365 --label kannel
EOF
expect "six different tokens" test "$(sort -u "$tmp/tokens" | wc -l)" -eq 6
expect "server still up" curl -sf "$url/healthz"
expect "server still running" kill -0 "$pid"

user token drafter-town --expires-days 7 --label cron
check "another token" 0 $?
expect "another token on the last line" grep -qE "$token_re" <(tail -n 1 "$tmp/out")
tail -n 1 "$tmp/out" >>"$tmp/tokens"

# The list: every user with role, regions, departments and tokens, never a secret.
user list --json
check "list --json" 0 $?
cp "$tmp/out" "$tmp/list.json"
expect "six users" jq -e 'length == 6' "$tmp/list.json"
expect "roles" jq -e '[.[] | .role] | sort == ["admin","approver","drafter","gateway","registry","viewer"]' "$tmp/list.json"
expect "approver's regions and departments" jq -e '.[] | select(.name == "approver-1") |
	.regions == ["120116","120117"] and .departments == ["tj-binhai-qxt@cma.cn","tj-sw@mwr.cn"] and .phone == "+8613800000001"' "$tmp/list.json"
expect "drafter's two tokens, newest first" jq -e '.[] | select(.name == "drafter-town") |
	(.tokens | length) == 2 and .tokens[1].label == "laptop" and ([.tokens[].revoked] == [false,false])' "$tmp/list.json"
expect "the gateway's token lives a year" jq -e '.[] | select(.name == "gw-kannel") |
	.tokens[0].expires_at - .tokens[0].created_at == 365 * 86400' "$tmp/list.json"
user list
check "list as text" 0 $?
cp "$tmp/out" "$tmp/list.txt"
expect "text names the drafter's scope" grep -q "^drafter-town  drafter  regions 120116001  departments tj-binhai-qxt@cma.cn" "$tmp/out"
sqlite3 "$data/tocsin.db" "SELECT hash FROM tokens" >"$tmp/hashes"
expect "a hash per token" test "$(wc -l <"$tmp/hashes")" -eq 7
expect "no hash in the list" bash -c "! grep -qFf '$tmp/hashes' '$tmp/list.json' '$tmp/list.txt'"
expect "no token in the list" bash -c "! grep -q 'tct_' '$tmp/list.json' '$tmp/list.txt'"
cut -c22- "$tmp/tokens" >"$tmp/secrets"
expect "no token's secret in the list" bash -c "! grep -qFf '$tmp/secrets' '$tmp/list.json' '$tmp/list.txt'"
expect "no token's secret in the database" bash -c "! grep -qaFf '$tmp/secrets' '$data'/tocsin.db*"

# Revoking one token, then all.
id=$(jq -r '.[] | select(.name == "drafter-town") | .tokens[0].id' "$tmp/list.json")
user revoke drafter-town --token "$id"
check "revoke one" 0 $?
expect "revoke says how many" grep -q "revoked 1 token of 'drafter-town'" "$tmp/err"
user list --json
# shellcheck disable=SC2016 # $id is jq's
expect "that one revoked, the other not" jq -e --arg id "$id" '.[] | select(.name == "drafter-town") |
	[.tokens[] | select(.id == $id) | .revoked] == [true] and [.tokens[] | select(.id != $id) | .revoked] == [false]' "$tmp/out"
refused "unknown token id" 1 "user 'drafter-town' has no token ffffffffffffffff" revoke drafter-town --token ffffffffffffffff
refused "malformed token id" 1 "'tct_x' is not a token id" revoke drafter-town --token tct_x
refused "revoke for an unknown user" 1 "there is no user 'nobody'" revoke nobody
user revoke approver-1
check "revoke all" 0 $?
user list --json
expect "approver's tokens revoked" jq -e '.[] | select(.name == "approver-1") | all(.tokens[]; .revoked)' "$tmp/out"

# Disabling revokes every token; enabling does not bring them back.
user disable drafter-town
check "disable" 0 $?
user list --json
expect "disabled, every token revoked" jq -e '.[] | select(.name == "drafter-town") | .disabled and all(.tokens[]; .revoked)' "$tmp/out"
refused "no token for a disabled user" 1 "user 'drafter-town' is disabled" token drafter-town
user enable drafter-town
check "enable" 0 $?
user list --json
expect "enabled, tokens still revoked" jq -e '.[] | select(.name == "drafter-town") | (.disabled | not) and all(.tokens[]; .revoked)' "$tmp/out"
refused "disable an unknown user" 1 "there is no user 'nobody'" disable nobody

# Passwords come from a file or standard input, never from the command line.
printf 'correct horse battery\n' >"$tmp/pw"
user password approver-1 --password-file "$tmp/pw"
check "password from a file" 0 $?
printf 'another good password\n' | user password viewer-1
check "password from stdin" 0 $?
printf 'short\n' | user password viewer-1
check "short password refused" 1 $?
expect "short password: the reason" grep -q "shorter than 10 characters" "$tmp/err"
user password viewer-1 </dev/null
check "no password given" 2 $?
user list --json
expect "passwords set" jq -e '[.[] | select(.has_password) | .name] | sort == ["approver-1","viewer-1"]' "$tmp/out"
expect "no password hash in the list" bash -c "! grep -q argon2 '$tmp/out'"

# Refusals name the problem: 1 for a bad value, 2 for bad usage.
refused "unknown role" 1 "no role 'root'" add x1 --role root
refused "missing role" 2 "add needs --role" add x2
refused "drafter without a region" 1 "a drafter acts inside regions" add x3 --role drafter --department a@b.cn
refused "bad region" 1 "region '1201x6' may hold only digits" add x4 --role approver --region 1201x6
refused "region of 5 digits" 1 "region '12011' is not 2, 4, 6, 9 or 12 digits long" add x5 --role viewer --region 12011
refused "'*' with others" 1 "stands alone" add x6 --role approver --region '*' --region 12
refused "bad department" 1 "department 'x<y@b.cn' may not hold" add x7 --role drafter --region 12 --department 'x<y@b.cn'
refused "bad name" 1 "the user name 'li wei' may hold only" add 'li wei' --role viewer
refused "long name" 1 "is longer than 63 bytes" add "$(printf 'a%.0s' $(seq 64))" --role viewer
refused "name taken" 1 "a user named 'admin' exists already" add admin --role viewer
refused "bad phone" 1 "phone '13800000000' is not an E.164 number" add x8 --role viewer --phone 13800000000
refused "expiry out of range" 2 "--expires-days takes a whole number of days from 1 to 3650" add x9 --role viewer --expires-days 0
refused "unknown option" 2 "unknown option '--bogus'" add x10 --role viewer --bogus
refused "option of another subcommand" 2 "list does not take --role" list --role admin
refused "token for an unknown user" 1 "there is no user 'nobody'" token nobody
refused "unknown subcommand" 2 "no subcommand 'frobnicate'" frobnicate
"$tocsin" user list >/dev/null 2>"$tmp/err"
check "no --data-dir" 2 $?
expect "no --data-dir: said" grep -q "needs --data-dir" "$tmp/err"
mkdir "$tmp/empty"
"$tocsin" user list --data-dir "$tmp/empty" >/dev/null 2>"$tmp/err"
check "no database" 2 $?
expect "no database: said" grep -q "there is no database" "$tmp/err"
expect "and none made" test ! -e "$tmp/empty/tocsin.db"
user list --json
expect "nothing refused was added" jq -e 'length == 6' "$tmp/out"

# The audit log: every change, with the user and token id, never the token.
sqlite3 "$data/tocsin.db" "SELECT action FROM audit WHERE actor = 'cli' ORDER BY id" | sort | uniq -c |
	awk '{ print $2 "=" $1 }' | paste -sd' ' >"$tmp/actions"
check "audited actions" "password-set=2 token-new=7 token-revoke=2 user-add=6 user-disable=1 user-enable=1" \
	"$(cat "$tmp/actions")"
sqlite3 "$data/tocsin.db" "SELECT detail FROM audit WHERE actor = 'cli'" >"$tmp/audit"
expect "audit names the token id" grep -q "user=drafter-town token=$id" "$tmp/audit"
expect "no token's secret in the audit log" bash -c "! grep -qFf '$tmp/secrets' '$tmp/audit'"

expect "server still up at the end" curl -sf "$url/healthz"
kill "$pid"
wait "$pid"
check "server stopped cleanly" 0 $?
pid=
check_log "$tmp/log"
finish
