#!/usr/bin/env bash
# cli_validate.sh — `tocsin validate` run as an operator runs it: exit statuses,
# text and JSON output, standard input, profiles, lenient mode.
# Usage: cli_validate.sh TOCSIN_BINARY EXAMPLES_DIR
set -u
tocsin=$1
examples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

typhoon=$examples/cn-typhoon-orange.xml

# Every example is valid under the cn profile.
"$tocsin" validate --profile cn "$examples"/*.xml >"$tmp/out" 2>&1
check "examples valid with cn profile" 0 $?

# Usage errors: no file, unknown profile, unknown option, bad --now.
"$tocsin" validate >/dev/null 2>&1; check "no file" 2 $?
"$tocsin" validate --profile xx "$typhoon" >/dev/null 2>&1; check "unknown profile" 2 $?
"$tocsin" validate --bogus "$typhoon" >/dev/null 2>&1; check "unknown option" 2 $?
"$tocsin" validate --now yesterday "$typhoon" >/dev/null 2>&1; check "bad --now" 2 $?
"$tocsin" validate "$tmp/does-not-exist.xml" >"$tmp/out" 2>&1; check "missing file" 2 $?
expect "missing file is named" grep -q "io.read" "$tmp/out"
"$tocsin" frobnicate >/dev/null 2>&1; check "unknown command" 2 $?

# Standard input, and an invalid alert: severity does not match the colour.
sed 's|<severity>Severe</severity>|<severity>Extreme</severity>|' "$typhoon" >"$tmp/mismatch.xml"
"$tocsin" validate --profile cn - <"$tmp/mismatch.xml" >"$tmp/out"
check "colour mismatch refused" 1 $?
expect "text names the rule" grep -q "cn.colour.severity" "$tmp/out"
expect "text names stdin" grep -q "^<stdin>: INVALID" "$tmp/out"
# Without the profile the same alert is valid CAP.
"$tocsin" validate --now 2026-08-12T07:00:00+08:00 "$tmp/mismatch.xml" >/dev/null; check "valid without profile" 0 $?

# JSON: one object per file and line, with the documented keys.
"$tocsin" validate --profile cn --json "$typhoon" "$tmp/mismatch.xml" >"$tmp/json"
check "json exit status" 1 $?
expect "json has two lines" test "$(wc -l <"$tmp/json")" -eq 2
expect "json first valid" jq -s -e '.[0] | (.file|endswith("cn-typhoon-orange.xml")) and .valid == true' "$tmp/json"
expect "json second invalid with code and path" jq -s -e \
	'.[1] | (.file|endswith("mismatch.xml")) and .valid == false and (.errors[0].code == "cn.colour.severity") and (.errors[0].path|startswith("alert/info[0]")) and (.errors[0].message|length > 0)' "$tmp/json"
expect "json warnings array" jq -e '.warnings|type == "array"' "$tmp/json"

# Unsafe XML is refused with a clear code.
cat >"$tmp/xxe.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>
XML
"$tocsin" validate --json "$tmp/xxe.xml" >"$tmp/json"; check "xxe refused" 1 $?
expect "xxe code" jq -e '.errors[0].code == "xml.doctype"' "$tmp/json"
expect "no passwd content" bash -c "! grep -q root: '$tmp/json'"

# Lenient mode: an element out of order is a warning, not an error.
awk '/<senderName>/ { held = $0; next } /<\/headline>/ { print; print held; next } { print }' \
	"$typhoon" >"$tmp/order.xml"
"$tocsin" validate "$tmp/order.xml" >/dev/null; check "order strict refused" 1 $?
"$tocsin" validate --lenient --json "$tmp/order.xml" >"$tmp/json"; check "order lenient accepted" 0 $?
expect "order warning" jq -e '[.warnings[].code] | index("lenient.order") != null' "$tmp/json"

# cn: a downgrade headline names the old colour first; the parameter (橙色) decides.
sed 's|天津市滨海新区气象台发布台风橙色预警|滨海新区气象台将台风红色预警信号降级为橙色|' "$typhoon" >"$tmp/downgrade.xml"
"$tocsin" validate --profile cn --json "$tmp/downgrade.xml" >"$tmp/json"; check "downgrade headline accepted" 0 $?
expect "downgrade without a colour conflict" jq -e '[.errors[].code, .warnings[].code] | index("cn.colour.conflict") == null' "$tmp/json"

# cn: an identifier without its sequence digit is refused strict, a warning lenient.
sed 's|<identifier>12011641600000_20260812063000_0<|<identifier>11010141600000_20250727102615<|' "$typhoon" >"$tmp/noseq.xml"
"$tocsin" validate --profile cn --json "$tmp/noseq.xml" >"$tmp/json"; check "no sequence digit strict refused" 1 $?
expect "no sequence digit strict error" jq -e '[.errors[].code] | index("cn.identifier.sequence") != null' "$tmp/json"
"$tocsin" validate --profile cn --lenient --json "$tmp/noseq.xml" >"$tmp/json"; check "no sequence digit lenient accepted" 0 $?
expect "no sequence digit lenient warning" jq -e '[.warnings[].code] | index("cn.identifier.sequence") != null' "$tmp/json"

finish
