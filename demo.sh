#!/usr/bin/env bash
# demo.sh — the main job, end to end: build tocsin, check the example Chinese
# warnings with the cn profile, and show how a faulty alert is answered.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/deps.sh
tocsin_install $TOCSIN_BUILD_PACKAGES

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
