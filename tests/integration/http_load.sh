#!/usr/bin/env bash
# http_load.sh — tocsind's HTTP API over TLS, and under load and bad input:
# HTTPS with a certificate made here, plain HTTP refused off loopback, 2,000
# slow connections, 20 large unfinished uploads against the body budget, the
# per-address limit and the idle timeout. Every client runs on 127.0.0.1.
# Usage: http_load.sh TOCSIND TOCSIN
# HTTP_LOAD_EXTRA: settings lines added to every configuration (to show a
# check failing, e.g. "http_body_memory = 4294967296").
set -u
tocsind=$1
tocsin=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
load=
cleanup() {
	[ -n "$load" ] && kill "$load" 2>/dev/null
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
# the uploads come from a drafter who may send them (the API reads no body of a stranger's)
staff "$tmp/data"
TOCSIN_TOKEN=$(cat "$tmp/token.drafter")
export TOCSIN_TOKEN
auth=(-H "Authorization: Bearer $TOCSIN_TOKEN")

# start SETTINGS [FLAG...]: tocsind on a free loopback port with these settings lines; sets pid, url, port
start() {
	rm -f "$tmp/data/http.addr"
	printf '[tocsind]\nbroker = none\n%b\n%b\n' "$1" "${HTTP_LOAD_EXTRA:-}" >"$tmp/tocsind.conf"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 "${@:2}" 2>>"$tmp/log" &
	pid=$!
	url=$(server_url "$tmp/data")
	port=${url##*:}
}

stop() {
	kill "$pid"
	wait "$pid"
	pid=
}

hwm_mb() { awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$pid/status"; }

# metric NAME: its value on the server's /metrics
metric() { curl -s -m 5 "${auth[@]}" "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# answers STATUS CODE: how many answers with CODE the load client wrote to STATUS
answers() { grep -c "^answer $2\$" "$1" || true; }

# --- HTTPS ---------------------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
	-keyout "$tmp/other.key" -out "$tmp/other.pem" 2>/dev/null
chmod 600 "$tmp/key.pem" "$tmp/other.key"

start '' --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
check "the URL says https" "https://127.0.0.1:$port" "$url"
expect "http.addr as before" grep -qx "127.0.0.1:$port" "$tmp/data/http.addr"
expect "healthz over TLS" curl -sf -m 5 --cacert "$tmp/cert.pem" "$url/healthz"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
check "plain HTTP to the TLS port gets no answer" 000 "$code"
expect "the log says https" grep -q "listening on https://127.0.0.1:$port" "$tmp/log"
"$tocsin" status 0123456789abcdef --server "$url" 2>"$tmp/err"
check "the CLI does not trust a certificate it was not given" 2 $?
TOCSIN_CA_FILE=$tmp/cert.pem "$tocsin" status 0123456789abcdef --server "$url" 2>"$tmp/err"
check "the CLI with TOCSIN_CA_FILE reaches the server" 1 $?
expect "and is answered" grep -qE "HTTP [0-9]{3}" "$tmp/err"
stop

"$tocsind" --data-dir "$tmp/data" --broker none --http 127.0.0.1:0 --tls-cert "$tmp/cert.pem" \
	--tls-key "$tmp/missing.pem" 2>"$tmp/err"
check "a missing key file stops the start" 1 $?
expect "named" grep -q "cannot read the TLS key $tmp/missing.pem" "$tmp/err"
"$tocsind" --data-dir "$tmp/data" --broker none --http 127.0.0.1:0 --tls-cert "$tmp/key.pem" \
	--tls-key "$tmp/key.pem" 2>"$tmp/err"
check "a key given as the certificate stops the start" 1 $?
expect "named" grep -q "the TLS certificate $tmp/key.pem is not a PEM certificate" "$tmp/err"
"$tocsind" --data-dir "$tmp/data" --broker none --http 127.0.0.1:0 --tls-cert "$tmp/cert.pem" \
	--tls-key "$tmp/other.key" 2>"$tmp/err"
check "another certificate's key stops the start" 1 $?
expect "named" grep -q "the TLS key $tmp/other.key does not go with the certificate $tmp/cert.pem" "$tmp/err"
# 0.0.0.0 only here: the start is refused before anything listens.
"$tocsind" --data-dir "$tmp/data" --broker none --http 0.0.0.0:0 2>"$tmp/err"
check "plain HTTP off loopback stops the start" 1 $?
expect "saying what to do" grep -q "plain HTTP.*--tls-cert FILE --tls-key FILE" "$tmp/err"

# --- (a) 2,000 slow connections: all in, healthz answers, memory stays small -----------------
start 'http_max_connections_per_address = 2100'
python3 "$here/http_load.py" slow "$port" 2000 12 "$tmp/slow" &
load=$!
wait_until 30 grep -q "^open 2000" "$tmp/slow"
sleep 2
expect "2,000 connections held by tocsind" test "$(ls "/proc/$pid/fd" | wc -l)" -ge 2000
t0=$(date +%s%N)
expect "healthz answers beside them" curl -sf -m 2 "$url/healthz"
expect "and /metrics counts them" test "$(metric tocsin_http_connections)" -ge 2000
echo "healthz beside 2,000 slow connections: $((($(date +%s%N) - t0) / 1000000)) ms"
wait "$load"
load=
expect "none was dropped" grep -qx "held 2000" "$tmp/slow"
mb=$(hwm_mb)
echo "tocsind's peak with 2,000 slow connections: $mb MB"
expect "tocsind stays under 150 MB" test "$mb" -lt 150
stop

# --- (b) 20 unfinished uploads of 15 MiB: the budget (64 MiB) holds four -----------------------
start ''
python3 "$here/http_load.py" upload "$port" 20 $((15 << 20)) $((14 << 20)) 15 "$tmp/upload" &
load=$!
wait_until 60 test -s "$tmp/upload"
expect "healthz answers beside them" curl -sf -m 2 "$url/healthz"
head -c $((15 << 20)) /dev/zero | tr '\0' x >"$tmp/big"
code=$(curl -s -m 10 -o "$tmp/busy.json" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/cap+xml' \
	--data-binary @"$tmp/big" "$url/api/v1/alerts")
check "one more upload is 503" 503 "$code"
expect "saying why" jq -e '.errors[0].code == "http.busy" and (.errors[0].message | test("too many unfinished uploads; send again later"))' "$tmp/busy.json"
sort "$tmp/upload" | uniq -c | sed 's/^/  uploads: /'
check "the uploads past the budget were answered 503" 16 "$(answers "$tmp/upload" 503)"
expect "four held" grep -qx "unanswered 4" "$tmp/upload"
check "/metrics: the bytes they hold" $((4 * ((15 << 20) + 1))) "$(metric tocsin_http_body_bytes)"
check "/metrics: the uploads turned away" 17 "$(metric tocsin_http_busy_total)"
mb=$(hwm_mb)
echo "tocsind's peak with 20 unfinished 15 MiB uploads: $mb MB"
expect "tocsind stays under 150 MB" test "$mb" -lt 150
wait "$load"
load=
# Closed uploads give their bytes back: the next body is read and judged (not XML: 400), not 503.
code=$(curl -s -m 10 -o "$tmp/after.json" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/cap+xml' \
	--data-binary @"$tmp/big" "$url/api/v1/alerts")
check "the budget is given back when uploads end" 400 "$code"
head -c $((17 << 20)) /dev/zero >"$tmp/huge"
code=$(curl -s -m 10 -o "$tmp/huge.json" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/cap+xml' \
	--data-binary @"$tmp/huge" "$url/api/v1/alerts")
check "a body declared past max_alert_bytes is 413" 413 "$code"
expect "saying so" jq -e '.errors[0].code == "http.too-large" and (.errors[0].message | test("max_alert_bytes"))' "$tmp/huge.json"
stop

# A body sent without Content-Length is counted as it comes: past the budget it is dropped and
# answered 503 at its end.
start 'http_body_memory = 1048576\nmax_alert_bytes = 1000000'
python3 "$here/http_load.py" upload "$port" 1 900000 800000 8 "$tmp/held" &
load=$!
wait_until 30 test -s "$tmp/held"
head -c 500000 "$tmp/big" >"$tmp/half"
code=$(curl -s -m 10 -o "$tmp/busy.json" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/cap+xml' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$tmp/half" "$url/api/v1/alerts")
check "a chunked body past the budget is 503" 503 "$code"
expect "saying why" jq -e '.errors[0].code == "http.busy"' "$tmp/busy.json"
wait "$load"
load=
stop

# --- (c) the per-address limit, and the idle timeout -----------------------------------------
start 'http_max_connections_per_address = 50\nhttp_timeout_s = 2'
python3 "$here/http_load.py" idle "$port" 80 1 "$tmp/idle"
check "connections past the per-address limit are closed at once" "closed 30" "$(cat "$tmp/idle")"
python3 "$here/http_load.py" idle "$port" 50 4 "$tmp/idle"
check "idle connections are closed after http_timeout_s" "closed 50" "$(cat "$tmp/idle")"
expect "healthz answers again" curl -sf -m 2 "$url/healthz"
stop

check_log "$tmp/log"
finish
