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
for f in "$console"/*.js; do
	expect "$(basename "$f") never writes markup from data" bash -c "! grep -qE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write' '$f'"
done
check "the standard templates" "200 text/javascript; charset=utf-8" "$(get /console/templates.js)"

# The map: Leaflet from Debian's libjs-leaflet, beside the console's files; no tiles unless configured
check "Leaflet's script" "200 text/javascript; charset=utf-8" "$(get /console/lib/leaflet/leaflet.js)"
expect "…Debian's" cmp -s "$tmp/body" /usr/share/javascript/leaflet/leaflet.js
check "…its style" "200 text/css; charset=utf-8" "$(get /console/lib/leaflet/leaflet.css)"
check "…its images" "200 image/png" "$(get /console/lib/leaflet/images/layers.png)"
check "…and nothing else of that folder's parents" 404 "$(get /console/lib/leaflet/../../../../etc/passwd | cut -d' ' -f1)"
check "the map's settings" "200 application/json; charset=utf-8" "$(get /console/map.json)"
check "…no tile server: the map needs no internet" "null" "$(jq -c .tiles "$tmp/body")"
check "…and images only from tocsind" "img-src 'self' data:;" "$(header Content-Security-Policy | grep -o "img-src[^;]*;")"
kill "$pid"
wait "$pid"
printf '[tocsind]\nbroker = none\nconsole_dir = %s\nmap_tiles = https://tiles.example.cn:8443/osm/{z}/{x}/{y}.png\nmap_attribution = 滨海新区测绘\n' \
	"$console" >"$tmp/tocsind.conf"
rm -f "$tmp/data/http.addr"
"$tocsind" --config "$tmp/tocsind.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>>"$tmp/log" &
pid=$!
url=$(server_url "$tmp/data")
check "a bureau's own tile server" "200 application/json; charset=utf-8" "$(get /console/map.json)"
check "…in the map's settings" '"https://tiles.example.cn:8443/osm/{z}/{x}/{y}.png" "滨海新区测绘"' \
	"$(jq -r '"\(.tiles|tojson) \(.attribution|tojson)"' "$tmp/body")"
check "…and its origin alone added to the images allowed" "img-src 'self' data: https://tiles.example.cn:8443;" \
	"$(get /console/ >/dev/null; header Content-Security-Policy | grep -o "img-src[^;]*;")"
kill "$pid"
wait "$pid"
pid=
for bad in "javascript:alert(1)//{z}{x}{y}" "https://tiles.example.cn/osm.png" "https://a.example;script-src *;/{z}/{x}/{y}" \
	"https:///{z}/{x}/{y}"; do
	printf '[tocsind]\nbroker = none\nmap_tiles = %s\n' "$bad" >"$tmp/bad.conf"
	timeout 10 "$tocsind" --config "$tmp/bad.conf" --data-dir "$tmp/data" --http 127.0.0.1:0 2>"$tmp/bad.log"
	check "map_tiles '$bad' refused at start" 1 "$([ $? -ne 0 ] && grep -q "map_tiles" "$tmp/bad.log" && echo 1)"
done
finish
