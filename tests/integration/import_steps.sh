#!/usr/bin/env bash
# import_steps.sh — registry imports large enough to be written in steps, over the real
# HTTP API: two at once (queued, both answered in full), a bad row deep in a file (nothing
# imported, each bad row by line), JSON, a client that hangs up before the answer (the
# import is finished all the same), and a stop in the middle (a clean stop, then all or
# none). Small enough to run under the sanitizers too; import_load.sh measures the waits.
# Usage: import_steps.sh TOCSIND TOCSIN TOCSIN_SIM
set -u
tocsind=$1
tocsin=$2
sim=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	store_drop
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
staff "$tmp/data"
# the district's registry clerk: rows outside 120116 are refused
"$tocsin" user add district-registry --role registry --region 120116 --data-dir "$tmp/data" 2>>"$tmp/staff.log" |
	tail -1 >"$tmp/token.district"
printf '[tocsind]\nbroker = none\n' >"$tmp/tocsind.conf"
start() {
	rm -f "$tmp/data/http.addr"
	"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>>"$tmp/log" &
	pid=$!
	url=$(server_url "$tmp/data")
}
start
total() { store_sql "$tmp/data" "SELECT count(*) FROM receivers"; }
total_is() { [ "$(total)" = "$1" ]; }
under_way() { [ "$(api viewer -s "$url/metrics" | awk '/^tocsin_registry_imports_under_way/ {print $2}')" = 1 ]; }
# post FILE TYPE OUT: the HTTP status of an import as the district's registry clerk
post() {
	api district -s -o "$3" -w '%{http_code}' -H "Content-Type: $2" --data-binary @"$1" "$url/api/v1/receivers"
}
for k in 1 2 3 4 5; do
	"$sim" --emit-registry "$tmp/rx$k.csv" --count 3000 --id-prefix "s$k-" --kind loudspeaker \
		--region 120116001001,120116002001
done

# two at once: the second waits for the first, both answered with every row
post "$tmp/rx1.csv" text/csv "$tmp/a.json" >"$tmp/a.code" &
a=$!
post "$tmp/rx2.csv" text/csv "$tmp/b.json" >"$tmp/b.code" &
b=$!
wait "$a" "$b"
check "first of two imports at once" 200 "$(cat "$tmp/a.code")"
check "second of two imports at once" 200 "$(cat "$tmp/b.code")"
check "rows of each" "3000 3000" "$(jq .imported "$tmp/a.json") $(jq .imported "$tmp/b.json")"
check "receivers" 6000 "$(total)"
check "imports over" 2 "$(api viewer -s "$url/metrics" | awk '/^tocsin_registry_imports_total/ {print $2}')"
check "planning's index" 6000 "$(api viewer -s "$url/metrics" | awk '/^tocsin_receivers_indexed/ {print $2}')"

# bad rows deep in a large file: nothing of it, each named
awk -F, -v OFS=, 'NR == 2501 { $2 = "siren" } NR == 2900 { $6 = "120105001001" } { print }' "$tmp/rx3.csv" >"$tmp/bad.csv"
check "a large file with bad rows" 422 "$(post "$tmp/bad.csv" text/csv "$tmp/bad.json")"
check "…each named by line" "line 2501: kind|line 2900: region 120105001001 is outside" \
	"$(jq -r '[.errors[].message | capture("^(?<m>line [0-9]+: (kind|region [0-9]+ is outside))").m] | join("|")' "$tmp/bad.json")"
check "…and nothing imported" 6000 "$(total)"
check "…not even staged" 2 "$(store_sql "$tmp/data" "SELECT count(*) FROM imports")"

# JSON, read an item at a time
jq -R -s 'split("\n") | map(select(length > 0) | split(",")) | .[0] as $h | .[1:]
	| map([$h, .] | transpose | map({(.[0]): .[1]}) | add)' "$tmp/rx3.csv" >"$tmp/rx3.json"
check "a large JSON import" 200 "$(post "$tmp/rx3.json" application/json "$tmp/j.json")"
check "…every item" 3000 "$(jq .imported "$tmp/j.json")"

# a client that hangs up before the answer: the import goes on to its end
api registry -s -o /dev/null -m 0.05 -H "Content-Type: text/csv" --data-binary @"$tmp/rx4.csv" \
	"$url/api/v1/receivers" 2>/dev/null
expect "a client gone: its import still finishes" wait_until 60 total_is 12000
expect "…and tocsind serves on" curl -sf "$url/healthz"

# a stop in the middle: a clean stop, and the next start has all of the file or none
post "$tmp/rx5.csv" text/csv /dev/null >/dev/null &
c=$!
expect "an import under way" wait_until 30 under_way
kill "$pid"
wait "$pid"
check "a stop during an import is clean" 0 "$?"
pid=
wait "$c" 2>/dev/null
start
n=$(total)
expect "after the stop: all of the file or none ($n)" test "$n" = 12000 -o "$n" = 15000
check "nothing left staged" 0 "$(store_sql "$tmp/data" "SELECT count(*) FROM import_rows")"
finish
