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
