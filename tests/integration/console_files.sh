#!/usr/bin/env bash
# console_files.sh — the web console's files as tocsind serves them: / sends the browser to
# /console/, each file with its type and the headers that keep a page to tocsind's own scripts
# (Content-Security-Policy, no framing, no sniffing), no credentials needed for them while every
# API call still needs them, and no path reaching outside the console's folder. The pages hold
# no inline script or style, which the policy would block.
# Usage: console_files.sh TOCSIND CONSOLE_DIR
set -u
tocsind=$1
console=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/lib.sh"
mkdir -p "$tmp/data"
printf '[tocsind]\nbroker = none\nconsole_dir = %s\n' "$console" >"$tmp/tocsind.conf"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>>"$tmp/log" &
pid=$!
url=$(server_url "$tmp/data")
# get PATH: "STATUS TYPE" of a GET, its headers in $tmp/h and body in $tmp/body
get() { curl -s --path-as-is -D "$tmp/h" -o "$tmp/body" -w '%{http_code} %{content_type}' "$url$1"; }
header() { awk -v n="$1" 'BEGIN { IGNORECASE = 1 } tolower($1) == tolower(n) ":" { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }' "$tmp/h"; }

check "/ sends the browser to the console" "303" "$(get / | cut -d' ' -f1)"
check "…at /console/" "/console/" "$(header Location)"
check "/console too" "303" "$(get /console | cut -d' ' -f1)"
check "the page, without credentials" "200 text/html; charset=utf-8" "$(get /console/)"
expect "…is the console's" cmp -s "$tmp/body" "$console/index.html"
expect "…with a policy: scripts only from tocsind" bash -c "grep -qi \"^Content-Security-Policy: default-src 'none'; script-src 'self';.*frame-ancestors 'none'\" '$tmp/h'"
check "…not to be framed" DENY "$(header X-Frame-Options)"
check "…nor sniffed" nosniff "$(header X-Content-Type-Options)"
check "…asked for again each time" no-cache "$(header Cache-Control)"
check "its script" "200 text/javascript; charset=utf-8" "$(get /console/console.js)"
check "its style" "200 text/css; charset=utf-8" "$(get /console/console.css)"
for bad in /console/../tocsin.db /console/../../etc/passwd /console/.hidden /console/a//b.js /console/x.db \
	/console/nothing.html "/console/%2e%2e/data/tocsin.db" /consolex /console.js; do
	check "no file at $bad" 404 "$(get "$bad" | cut -d' ' -f1)"
done
check "a wrong method" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/console/")"
check "a foreign Host is refused for the console too" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$url/console/")"
check "the API still wants credentials" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/alerts")"
# what the policy would block: inline scripts, event handler attributes, inline styles
for f in "$console"/*.html; do
	expect "$(basename "$f"): no inline script" bash -c "! grep -qiE '<script(>| [^>]*>[^<])' '$f'"
	expect "$(basename "$f"): no event handler attributes" bash -c "! grep -qiE ' on[a-z]+=' '$f'"
	expect "$(basename "$f"): no inline style" bash -c "! grep -qiE '<style| style=' '$f'"
done
expect "the script never writes markup from data" bash -c "! grep -qE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write' '$console/console.js'"
finish
