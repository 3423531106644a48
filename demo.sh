#!/usr/bin/env bash
# demo.sh — the main job, end to end: build tocsin, check the example Chinese
# warnings with the cn profile, and show how a faulty alert is answered.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/deps.sh
tocsin_install $TOCSIN_BUILD_PACKAGES curl jq

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target tocsin >/dev/null
tocsin=build/server/tocsin

echo "== the example alerts, checked with the cn profile"
$tocsin validate --profile cn cap-schemas/examples/*.xml

echo
echo "== an officer's mistake: orange typhoon warning marked Extreme (red) severity"
sed 's|<severity>Severe</severity>|<severity>Extreme</severity>|' cap-schemas/examples/cn-typhoon-orange.xml |
	$tocsin validate --profile cn - || echo "(exit status $?: refused)"

echo
echo "== rendering the typhoon warning into every channel's form"
out=build/demo/typhoon
rm -rf "$out"
cmake --build build -j "$(nproc)" --target tocsin >/dev/null
$tocsin render cap-schemas/examples/cn-typhoon-orange.xml --out "$out" 2>/dev/null
echo "-- what the loudspeaker says (engine input, zh-CN):"
cat "$out/zh-CN.script.txt"; echo
echo "-- the SMS (zh-CN):"
grep '"text"' "$out/zh-CN.sms.json"
echo "-- the signed payload:"
$tocsin verify --pubkey "$out/signing.pub" --sig "$out/payload.sig" "$out/payload.json"
echo "-- files (listen to the .wav programmes):"
ls -l "$out"

echo
echo "== tocsind: a county's registry, a typhoon warning, its Update and its Cancel"
cmake --build build -j "$(nproc)" --target tocsind >/dev/null
server_dir=build/demo/server
rm -rf "$server_dir"
build/server/tocsind --data-dir "$server_dir" --http 127.0.0.1:0 2>build/demo/tocsind.log &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$server_dir/http.addr" ] && break; sleep 0.1; done
url="http://$(cat "$server_dir/http.addr")"
echo "tocsind listening on $url (data in $server_dir; receivers are given $server_dir/signing.pub)"
registry=cap-schemas/examples/registry
for kind in shelters receivers contacts; do
	$tocsin import "$kind" "$registry/$kind.csv" --server "$url"
done

# The example warnings, moved to today and tomorrow (Beijing time) so they are current.
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
fresh() {
	sed -e "s/2026-08-12/$today/g" -e "s/2026-08-13/$tomorrow/g" \
		-e "s/_20260812/_${today//-/}/g" -e "s/_20260813/_${tomorrow//-/}/g" "$1"
}
fresh cap-schemas/examples/cn-typhoon-orange.xml >build/demo/orange.xml
fresh cap-schemas/examples/cn-typhoon-red-update.xml >build/demo/red.xml
fresh cap-schemas/examples/cn-typhoon-cancel.xml >build/demo/cancel.xml

orange=$($tocsin submit build/demo/orange.xml --server "$url")
echo "-- typhoon orange accepted as $orange:"
$tocsin status "$orange" --server "$url"
echo "-- its coverage report (from acknowledgments; none have come back yet):"
curl -s "$url/api/v1/alerts/$orange/report"
red=$($tocsin submit build/demo/red.xml --server "$url")
echo "-- upgraded to red ($red); the orange one is now:"
curl -s "$url/api/v1/alerts/$orange" | jq -c '{id, state, counts: {planned: .counts.planned, cancelled: .counts.cancelled}}'
cancel=$($tocsin submit build/demo/cancel.xml --server "$url")
echo "-- lifted ($cancel), reaching every receiver the warning went to:"
$tocsin status "$cancel" --json --server "$url"
$tocsin status "$red" --server "$url"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
echo "-- tocsind stopped; its log:"
cat build/demo/tocsind.log
