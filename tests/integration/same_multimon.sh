#!/usr/bin/env bash
# same_multimon.sh — SAME audio decoded by an independent decoder (multimon-ng):
# each programme must yield exactly its header and the end-of-message.
# Usage: same_multimon.sh SAME_RENDER_BINARY TOCSIN_BINARY EXAMPLES_DIR
set -u
render=$1
tocsin=$2
examples=$3
if ! command -v multimon-ng >/dev/null; then
	echo "SKIPPED: multimon-ng is not installed"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

decode() { # decode HEADER [ATTENTION_MS]: the EAS lines multimon-ng prints
	"$render" "$1" "$tmp/p.raw" "${2:-0}" || return 1
	timeout 60 multimon-ng -q -t raw -a EAS "$tmp/p.raw" 2>/dev/null | grep '^EAS:'
}

for header in \
	"ZCZC-WXR-TOR-048453+0030-2232230-KTIANJIN-" \
	"ZCZC-CIV-EVI-120116-120110-120101-048491+0100-0011200-BHQXJ/01-" \
	"ZCZC-PEP-EAN-000000+0600-3661759-WHITE/HS-"; do
	out=$(decode "$header" 8000)
	if printf '%s\n' "$out" | grep -qxF "EAS: $header" && printf '%s\n' "$out" | grep -qxF "EAS: NNNN"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $header decoded as:"
		printf '%s\n' "$out"
	fi
done

# From a CAP alert through tocsin render: DIR/same.wav carries the header.
sed -e '0,/<eventCode>/s||<eventCode><valueName>SAME</valueName><value>HUW</value></eventCode>\n<eventCode>|' \
	-e 's|<geocode>|<geocode><valueName>SAME</valueName><value>120116</value></geocode>\n      <geocode>|' \
	"$examples/cn-typhoon-orange.xml" >"$tmp/same.xml"
if "$tocsin" render --tone-ms 0 "$tmp/same.xml" --out "$tmp/r" >/dev/null 2>&1 && [ -s "$tmp/r/same.wav" ] &&
	[ -s "$tmp/r/same.txt" ]; then
	pass=$((pass + 1))
	want=$(cat "$tmp/r/same.txt")
	got=$(timeout 120 multimon-ng -q -t wav -a EAS "$tmp/r/same.wav" 2>/dev/null | grep '^EAS: ZCZC' | head -1)
	if [ "$got" = "EAS: $want" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL render same.wav: '$got' != 'EAS: $want'"; fi
	case "$want" in
	"ZCZC-CIV-HUW-120116+3530-2232230-12011641-") pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)); echo "FAIL header from CAP: $want" ;;
	esac
else
	fail=$((fail + 1))
	echo "FAIL tocsin render wrote no same.wav"
fi

finish
